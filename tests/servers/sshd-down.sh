#!/bin/sh
# tests/servers/sshd-down.sh DIR [--keep-chroot]: stop the sshd started by
# sshd-up.sh DIR: the listener (DIR/pid) and every session process under it,
# by pid. Then removes the chroot directory under /srv, if any (keep it with
# --keep-chroot, e.g. to restart the server with sshd-up.sh DIR --restart).
# Waits until they are gone (SIGKILL after 5 s).
set -u
D=${1:?usage: sshd-down.sh DIR [--keep-chroot]}
[ -f "$D/pid" ] || exit 0
PID=$(cat "$D/pid")

# The listener's descendants (per-connection sshd processes and their
# internal-sftp children), collected before the listener dies and orphans
# them; the listener is stopped meanwhile, so that it forks no new one.
tree() { for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; tree "$c"; done; }
kill -STOP "$PID" 2>/dev/null
PIDS="$PID $(tree "$PID")"
# shellcheck disable=SC2086
kill -TERM $PIDS 2>/dev/null
kill -CONT "$PID" 2>/dev/null
i=0
for p in $PIDS; do
	while kill -0 "$p" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then kill -KILL "$p" 2>/dev/null; fi
		sleep 0.05
	done
done

if [ "${2:-}" != "--keep-chroot" ] && [ -f "$D/chroot" ]; then
	CH=$(cat "$D/chroot")
	case $CH in /srv/sftp-chroot.*) rm -rf "$CH" ;; esac
	rm -f "$D/chroot"
fi
exit 0
