#!/bin/sh
# tests/servers/pg-down.sh DIR: stop the cluster that tests/servers/pg-up.sh
# started in DIR (fast shutdown: SIGINT to the postmaster, whose pid is in
# DIR/pid) and wait until it is gone (at most 30 s, then SIGKILL). DIR is not
# removed. Exit 0 also when the server was not running.
set -eu
[ $# -eq 1 ] || { echo "usage: pg-down.sh DIR" >&2; exit 2; }
pid=$(cat "$1/pid" 2>/dev/null) || exit 0
case $pid in ''|*[!0-9]*) echo "pg-down.sh: bad pid in '$1/pid'" >&2; exit 1 ;; esac
kill -INT "$pid" 2>/dev/null || exit 0
i=0
while kill -0 "$pid" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 300 ]; then
		echo "pg-down.sh: server $pid did not stop in 30 s: killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		break
	fi
	sleep 0.1
done
