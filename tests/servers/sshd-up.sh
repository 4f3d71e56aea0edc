#!/bin/sh
# tests/servers/sshd-up.sh DIR [PORT] [--chroot] | DIR --restart: start a throwaway
# OpenSSH sshd with internal-sftp on 127.0.0.1:PORT, all its files in DIR.
#
#   PORT      a free port (default: one picked by the kernel)
#   --restart start again after sshd-down.sh/kill, same DIR, keys, port and
#             settings (a "server restarted" test)
#   --chroot  jail the session in a root-owned directory made with
#             `mktemp -d -p /srv` (sshd's ChrootDirectory rule: every path
#             component root-owned and not group/world writable); remote
#             paths are then /upload, ...
#
# Needs root (it creates the user `sftptest` when missing, sets its password
# and, for --chroot, a directory under /srv). Exits 77 when not root (the
# test scripts turn that into a skip) and 1 when sshd does not come up.
#
# It writes DIR/env (also printed on stdout) with `export NAME=value` lines:
#   SFTP_HOST SFTP_PORT SFTP_USER SFTP_KNOWN_HOSTS SFTP_REMOTE_DIR   the tool's settings
#   SFTP_TEST_PASSWORD            the user's password (tests pass it as SFTP_PASSWORD)
#   SFTP_TEST_KEY_ED25519 / _ECDSA / _RSA      client keys without passphrase
#   SFTP_TEST_KEY_ED25519_PW + SFTP_TEST_KEY_PASSPHRASE   a key with a passphrase
#   SFTP_TEST_KNOWN_HOSTS_HASHED / _KEYSCAN / _OTHER / _WRONG_PORT  known_hosts variants
#   SFTP_TEST_UPLOAD_DIR          where uploaded files land on this machine
#   SFTP_TEST_PID SFTP_TEST_DIR SFTP_TEST_CHROOT
# Stop it with tests/servers/sshd-down.sh DIR (listener, sessions, chroot),
# or just the listener with `kill $(cat DIR/pid)`.
set -eu

usage() { echo "usage: sshd-up.sh DIR [PORT] [--chroot] | sshd-up.sh DIR --restart" >&2; exit 2; }
[ $# -ge 1 ] || usage
D=$1; shift
PORT="" CHROOT=0 RESTART=0
for a in "$@"; do
	case $a in
	--chroot) CHROOT=1 ;;
	--restart) RESTART=1 ;;
	[0-9]*) PORT=$a ;;
	*) usage ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "sshd-up.sh: needs root (test user, /run/sshd, chroot under /srv)" >&2
	exit 77
fi
SSHD=/usr/sbin/sshd
[ -x $SSHD ] || { echo "sshd-up.sh: $SSHD missing (apt-get install openssh-server)" >&2; exit 77; }

USER_NAME=sftptest
PASSWORD=${SFTP_TEST_PASSWORD:-sftp_test_pw_42}
if ! id -u $USER_NAME >/dev/null 2>&1; then
	# another test may be creating it at this very moment: fine too
	useradd -M -d /nonexistent -s /usr/sbin/nologin $USER_NAME 2>/dev/null || id -u $USER_NAME >/dev/null
fi
echo "$USER_NAME:$PASSWORD" | chpasswd
mkdir -p /run/sshd

mkdir -p "$D"
D=$(cd "$D" && pwd)
# sshd reads the authorized keys, and the session writes DIR/upload, as
# sftptest: every directory above DIR must let it through.
chmod 755 "$D"
if ! runuser -u $USER_NAME -- test -x "$D"; then
	echo "sshd-up.sh: user $USER_NAME cannot enter '$D': make its parents world-searchable (chmod o+x)" >&2
	exit 1
fi

generate() {
	if [ -z "$PORT" ]; then
		PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	fi

	# Host keys (the server offers both) and client keys (all authorised).
	rm -f "$D"/ssh_host_* "$D"/client_*
	ssh-keygen -q -t ed25519 -N '' -C host -f "$D/ssh_host_ed25519_key"
	ssh-keygen -q -t ecdsa -b 256 -N '' -C host -f "$D/ssh_host_ecdsa_key"
	ssh-keygen -q -t ed25519 -N '' -C client -f "$D/client_ed25519"
	ssh-keygen -q -t ecdsa -b 256 -N '' -C client -f "$D/client_ecdsa"
	ssh-keygen -q -t rsa -b 2048 -N '' -C client -f "$D/client_rsa"
	KEY_PASSPHRASE=${SFTP_TEST_KEY_PASSPHRASE:-key_pass_phrase_17}
	ssh-keygen -q -t ed25519 -N "$KEY_PASSPHRASE" -C client -f "$D/client_ed25519_pw"
	# A host key that is not the server's: known_hosts.other says "changed key".
	ssh-keygen -q -t ed25519 -N '' -C other -f "$D/other_host_key"
	mkdir -p "$D/authorized_keys"
	cat "$D/client_ed25519.pub" "$D/client_ecdsa.pub" "$D/client_rsa.pub" \
		"$D/client_ed25519_pw.pub" > "$D/authorized_keys/$USER_NAME"
	chmod 644 "$D"/*.pub "$D/authorized_keys/$USER_NAME"

	hostkey() { cut -d' ' -f1,2 "$1"; }
	{
		printf '[127.0.0.1]:%s %s\n' "$PORT" "$(hostkey "$D/ssh_host_ed25519_key.pub")"
		printf '[127.0.0.1]:%s %s\n' "$PORT" "$(hostkey "$D/ssh_host_ecdsa_key.pub")"
	} > "$D/known_hosts"
	cp "$D/known_hosts" "$D/known_hosts.hashed"
	ssh-keygen -q -H -f "$D/known_hosts.hashed" >/dev/null 2>&1
	rm -f "$D/known_hosts.hashed.old"
	printf '[127.0.0.1]:%s %s\n' "$PORT" "$(hostkey "$D/other_host_key.pub")" > "$D/known_hosts.other"
	# The right keys, but recorded for another port: not this server.
	{
		printf '[127.0.0.1]:%s %s\n' $((PORT + 1)) "$(hostkey "$D/ssh_host_ed25519_key.pub")"
		printf '[127.0.0.1]:%s %s\n' $((PORT + 1)) "$(hostkey "$D/ssh_host_ecdsa_key.pub")"
	} > "$D/known_hosts.wrong_port"

	if [ $CHROOT -eq 1 ]; then
		CH=$(mktemp -d -p /srv sftp-chroot.XXXXXX)
		chmod 755 "$CH"
		install -d -o $USER_NAME -m 755 "$CH/upload"
		echo "$CH" > "$D/chroot"
		UPLOAD=$CH/upload
		START=/upload
		CHROOT_LINE="ChrootDirectory $CH"
	else
		CH=""
		install -d -o $USER_NAME -m 755 "$D/upload"
		UPLOAD=$D/upload
		START=$UPLOAD
		CHROOT_LINE="# no ChrootDirectory"
	fi

	cat > "$D/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $D/ssh_host_ed25519_key
HostKey $D/ssh_host_ecdsa_key
PidFile $D/sshd.pid
# Password checked against /etc/shadow without PAM
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $D/authorized_keys/%u
# The test dir's parents may be world-writable (/tmp): StrictModes would refuse the keys
StrictModes no
PermitRootLogin no
AllowUsers $USER_NAME
AllowTcpForwarding no
X11Forwarding no
MaxStartups 100:30:200
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d $START
$CHROOT_LINE
LogLevel VERBOSE
EOF

}

if [ $RESTART -eq 1 ]; then
	[ -f "$D/sshd_config" ] || { echo "sshd-up.sh: no $D/sshd_config to restart" >&2; exit 1; }
	PORT=$(awk '$1 == "Port" {print $2}' "$D/sshd_config")
else
	generate
fi

$SSHD -t -f "$D/sshd_config"
rm -f "$D/sshd.pid"
# -D: no daemon, so $! is the listener's pid. No fd of ours stays open in it
# (a caller's $(sshd-up.sh ...) would otherwise wait for sshd to exit).
$SSHD -D -e -f "$D/sshd_config" </dev/null >>"$D/sshd.log" 2>&1 &
PID=$!
echo $PID > "$D/pid"

# Ready when the banner comes (usually 0.1 s).
i=0
until python3 - "$PORT" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
sys.exit(0 if s.recv(64).startswith(b"SSH-2.0") else 1)
EOF
do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		echo "sshd-up.sh: sshd did not start; see $D/sshd.log" >&2
		tail -5 "$D/sshd.log" >&2
		exit 1
	fi
	sleep 0.05
done

if [ $RESTART -eq 1 ]; then
	sed -i "s/^export SFTP_TEST_PID=.*/export SFTP_TEST_PID=$PID/" "$D/env"
	cat "$D/env"
	exit 0
fi
ssh-keyscan -p "$PORT" -t ed25519,ecdsa 127.0.0.1 > "$D/known_hosts.keyscan" 2>/dev/null

cat > "$D/env" <<EOF
export SFTP_HOST=127.0.0.1
export SFTP_PORT=$PORT
export SFTP_USER=$USER_NAME
export SFTP_KNOWN_HOSTS=$D/known_hosts
export SFTP_REMOTE_DIR=$START
export SFTP_TEST_PASSWORD=$PASSWORD
export SFTP_TEST_KEY_ED25519=$D/client_ed25519
export SFTP_TEST_KEY_ECDSA=$D/client_ecdsa
export SFTP_TEST_KEY_RSA=$D/client_rsa
export SFTP_TEST_KEY_ED25519_PW=$D/client_ed25519_pw
export SFTP_TEST_KEY_PASSPHRASE=$KEY_PASSPHRASE
export SFTP_TEST_KNOWN_HOSTS_HASHED=$D/known_hosts.hashed
export SFTP_TEST_KNOWN_HOSTS_KEYSCAN=$D/known_hosts.keyscan
export SFTP_TEST_KNOWN_HOSTS_OTHER=$D/known_hosts.other
export SFTP_TEST_KNOWN_HOSTS_WRONG_PORT=$D/known_hosts.wrong_port
export SFTP_TEST_UPLOAD_DIR=$UPLOAD
export SFTP_TEST_PID=$PID
export SFTP_TEST_DIR=$D
export SFTP_TEST_CHROOT=$CH
EOF
cat "$D/env"
