#!/bin/bash
# upload-sftp against a real OpenSSH sshd (internal-sftp) on 127.0.0.1,
# started by tests/servers/sshd-up.sh: password, ed25519 and ecdsa keys (one
# with a passphrase), plain/hashed/ssh-keyscan known_hosts, unknown and
# changed host keys, an RSA key, a chroot, overwrite, mkdir -p, a dead
# server, a hung server, a 64 MiB file, the server killed mid-upload then restarted,
# SIGTERM mid-upload, --check, and no secret in any log line or event.
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root (sshd's test user and chroot)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd (apt-get install openssh-server)"
[ -x "$BIN/upload-sftp" ] || skip_all "bin/upload-sftp not built"
command -v jq >/dev/null 2>&1 || skip_all "jq not installed"

unset SFTP_HOST SFTP_PORT SFTP_USER SFTP_PASSWORD SFTP_PASSWORD_FILE SFTP_KEY_FILE \
	SFTP_KEY_PASSPHRASE SFTP_KEY_PASSPHRASE_FILE SFTP_KNOWN_HOSTS SFTP_REMOTE_DIR \
	SFTP_CONNECT_TIMEOUT SFTP_TIMEOUT STEPKIT_RETRIES STEPKIT_RETRY_DELAY
SERVERS=$TOP/tests/servers
S=$T/sshd
C=$T/sshd-chroot
trap '"$SERVERS/sshd-down.sh" "$S"; "$SERVERS/sshd-down.sh" "$C"; _cleanup' EXIT

if ! "$SERVERS/sshd-up.sh" "$S" >"$T/sshd-up.log" 2>&1; then
	cat "$T/sshd-up.log" | sed 's/^/# /'
	echo "not ok 1 - sshd starts"
	echo "1..1"
	exit 1
fi
. "$S/env"
UP=$SFTP_TEST_UPLOAD_DIR
PW=$SFTP_TEST_PASSWORD
PASSPHRASE=$SFTP_TEST_KEY_PASSPHRASE
EV=$T/w/events/upload-sftp.json
: >"$T/all.err"
: >"$T/all.events"

W=$T/w
mkdir -p "$W"
printf 'date,invoices,lines,units,revenue,avg_order_value\n2024-01-02,3,5,9,120.50,40.17\n' >"$W/sales_report.csv"
printf 'customer_id,name,orders\n7,"Smith, Ann",2\n' >"$W/customer_report.csv"
printf 'sku,units\nA-1,4\n' >"$W/product_report.csv"

# up WANT NAME [VAR=VALUE]... [--] [ARG]...: run upload-sftp in $W; keep
# its stderr and event for the secret grep at the end
up() { local want=$1 name=$2; shift 2; run_kept upload-sftp "$name" "$want" "$@"; }

# ev JQ: a value from the last event
ev() { jq -r "$1" "$EV"; }

# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3 (got '$1', want '$2')"; fi; }

no_part() {
	left=$(find "$1" -name '*.part' | head -3)
	if [ -z "$left" ]; then ok 0 "$2"; else ok 1 "$2: left $left"; fi
}

# a port where nothing listens
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- password, the three default reports --------------------------------
up 0 "password login, the three reports" SFTP_PASSWORD="$PW"
for f in sales_report.csv customer_report.csv product_report.csv; do
	same_file "$UP/$f" "$W/$f" "$f stored byte for byte"
done
no_part "$UP" "no .part left"
is "$(ev .counts.files)/$(ev .counts.attempts)/$(ev .status)" "3/1/succeeded" "event: 3 files, 1 attempt"
is "$(ev '.outputs[0].path')" "sftp://127.0.0.1:$SFTP_PORT$UP/sales_report.csv" "event: remote path"
is "$(ev '.outputs[0].sha256')" "$(sha256sum "$W/sales_report.csv" | cut -d' ' -f1)" "event: sha256"
is "$(ev '.outputs[0].bytes')" "$(stat -c %s "$W/sales_report.csv")" "event: bytes"
is "$(ev '.outputs[0].source, (.outputs[0].seconds >= 0), .outputs[0].attempts')" "$W/sales_report.csv
true
null" "event: the output's local source and seconds (attempts are per session)"
is "$(ev '.inputs[1].path')" "$W/customer_report.csv" "event: local file"

# --- overwrite an existing remote file -----------------------------------
printf 'date,invoices,lines,units,revenue,avg_order_value\n2024-01-03,1,1,1,9.99,9.99\n' >"$W/sales_report.csv"
up 0 "overwrite an existing file" SFTP_PASSWORD="$PW" sales_report.csv
same_file "$UP/sales_report.csv" "$W/sales_report.csv" "new content stored"
expect_err "replaced the old file" "says the old file was replaced"
no_part "$UP" "no .part after overwrite"

# --- keys and known_hosts variants ---------------------------------------
up 0 "ed25519 key, hashed known_hosts" SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" \
	SFTP_KNOWN_HOSTS="$SFTP_TEST_KNOWN_HOSTS_HASHED" --remote-dir "$UP/ed" product_report.csv
same_file "$UP/ed/product_report.csv" "$W/product_report.csv" "stored with ed25519"
up 0 "ecdsa key, ssh-keyscan known_hosts" SFTP_KEY_FILE="$SFTP_TEST_KEY_ECDSA" \
	SFTP_KNOWN_HOSTS="$SFTP_TEST_KNOWN_HOSTS_KEYSCAN" --remote-dir "$UP/ec" product_report.csv
same_file "$UP/ec/product_report.csv" "$W/product_report.csv" "stored with ecdsa"
printf '%s\n' "$PASSPHRASE" >"$T/passphrase"
up 0 "key with passphrase from SFTP_KEY_PASSPHRASE_FILE" SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519_PW" \
	SFTP_KEY_PASSPHRASE_FILE="$T/passphrase" --remote-dir "$UP/pp" product_report.csv
same_file "$UP/pp/product_report.csv" "$W/product_report.csv" "stored with the passphrase key"
up 1 "wrong passphrase" SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519_PW" SFTP_KEY_PASSPHRASE="not-it-$PASSPHRASE" \
	product_report.csv
expect_err "wrong passphrase (SFTP_KEY_PASSPHRASE)" "says the passphrase is wrong"
up 1 "RSA key (libssh2 1.10 signs with SHA-1 only)" SFTP_KEY_FILE="$SFTP_TEST_KEY_RSA" product_report.csv
expect_err "libssh2 1.10 signs RSA keys only with SHA-1 (ssh-rsa), which OpenSSH 8.8 and later refuse; use an ed25519 or ecdsa key" \
	"explains why RSA fails and what to do"

# --- refusals: exit 1, no retry ------------------------------------------
up 1 "wrong password" SFTP_PASSWORD="wrong-$PW" STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.1
expect_err "login to [127.0.0.1]:$SFTP_PORT as 'sftptest' refused: password refused" "says the login was refused"
is "$(ev .counts.attempts)" "1" "wrong password is not retried"
up 1 "unknown host key" SFTP_PASSWORD="$PW" SFTP_KNOWN_HOSTS="$SFTP_TEST_KNOWN_HOSTS_WRONG_PORT"
expect_err "is not in '$SFTP_TEST_KNOWN_HOSTS_WRONG_PORT': if this is the right server, add its key with 'ssh-keyscan -p $SFTP_PORT 127.0.0.1 >> $SFTP_TEST_KNOWN_HOSTS_WRONG_PORT'" \
	"unknown key: says how to add it"
up 1 "changed host key" SFTP_PASSWORD="$PW" SFTP_KNOWN_HOSTS="$SFTP_TEST_KNOWN_HOSTS_OTHER"
expect_err "host key of [127.0.0.1]:$SFTP_PORT has changed" "changed key: says so"
expect_err "this may be an attack" "changed key: warns of an attack"
expect_err "ssh-keygen -f $SFTP_TEST_KNOWN_HOSTS_OTHER -R \"[127.0.0.1]:$SFTP_PORT\"" "changed key: says how to remove the old one"
up 2 "no known_hosts: refused, never trusted" SFTP_PASSWORD="$PW" SFTP_KNOWN_HOSTS=
expect_err "no known_hosts file: set SFTP_KNOWN_HOSTS" "says known_hosts is required"
up 2 "no credentials" SFTP_PASSWORD= SFTP_KEY_FILE=
expect_err "no credentials: set SFTP_PASSWORD (or SFTP_PASSWORD_FILE) or SFTP_KEY_FILE" "says what to set"

# --- missing local file: found before connecting -------------------------
DEAD=$(free_port)
up 1 "missing local file (nothing listening: no connection tried)" SFTP_PASSWORD="$PW" SFTP_PORT="$DEAD" \
	sales_report.csv missing_report.csv
expect_err "'$W/missing_report.csv': No such file or directory" "names the missing file"

# --- server down: transient, retried, exit 75 ----------------------------
up 75 "server down" SFTP_PASSWORD="$PW" SFTP_PORT="$DEAD" STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.1
expect_err "connect to [127.0.0.1]:$DEAD: Connection refused" "says the connection was refused"
is "$(grep -c 'retrying in' "$T/err")" "2" "two retries logged"
is "$(ev .counts.attempts)/$(ev .error.kind)" "3/transient" "event: 3 attempts, transient"

# --- connect timeout (SYNs dropped): transient -----------------------------
"$SERVERS/tcp_blackhole.py" >"$T/blackhole.port" &
stop_at_exit $!
for _ in $(seq 1 100); do [ -s "$T/blackhole.port" ] && break; sleep 0.05; done
HOLE=$(cat "$T/blackhole.port")
up 75 "connect timeout" SFTP_PASSWORD="$PW" SFTP_PORT="$HOLE" SFTP_CONNECT_TIMEOUT=1 STEPKIT_RETRIES=2 \
	STEPKIT_RETRY_DELAY=0.1
expect_err "connect to [127.0.0.1]:$HOLE: no answer within 1 s" "connect timeout: says so"
is "$(ev .counts.attempts)/$(ev .error.kind)" "2/transient" "connect timeout: event: 2 attempts, transient"

# --- server hung: the I/O timeout makes it transient too ------------------
kill -STOP "$SFTP_TEST_PID"
up 75 "server hung (accepts, never answers)" SFTP_PASSWORD="$PW" SFTP_TIMEOUT=1 STEPKIT_RETRIES=2 \
	STEPKIT_RETRY_DELAY=0.1
kill -CONT "$SFTP_TEST_PID"
expect_err "no answer from [127.0.0.1]:$SFTP_PORT for 1 s" "says the server did not answer"
is "$(ev .counts.attempts)" "2" "hung server: retried"

# --- remote directory created like mkdir -p ------------------------------
up 0 "remote directory created (mkdir -p)" SFTP_PASSWORD="$PW" SFTP_REMOTE_DIR="$UP/in/daily/2024" sales_report.csv
same_file "$UP/in/daily/2024/sales_report.csv" "$W/sales_report.csv" "stored in the new directory"

# --- a 64 MiB file -------------------------------------------------------
head -c $((64 << 20)) /dev/urandom >"$W/big.bin"
up 0 "64 MiB file" SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" big.bin
same_file "$UP/big.bin" "$W/big.bin" "64 MiB stored byte for byte"
is "$(ev '.outputs[0].sha256')" "$(sha256sum "$W/big.bin" | cut -d' ' -f1)" "64 MiB: sha256 in the event"
rm -f "$UP/big.bin"

# --- SIGTERM mid-upload: the .part is removed, death by the signal -------
head -c $((256 << 20)) /dev/urandom >"$W/huge.bin"
rm -f "$EV"
env SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" "$BIN/upload-sftp" --workdir "$W" huge.bin 2>"$T/err" &
pid=$!
for _ in $(seq 1 500); do [ -e "$UP/huge.bin.part" ] && break; sleep 0.01; done
sleep 0.2
kill -TERM $pid
wait $pid
rc=$?
cat "$T/err" >>"$T/all.err"
is "$rc" "143" "SIGTERM: dies by the signal"
no_file "$UP/huge.bin.part" "SIGTERM: .part removed"
no_file "$UP/huge.bin" "SIGTERM: nothing stored under the final name"
is "$(ev .status)" "interrupted" "SIGTERM: event says interrupted"

# --- server killed mid-upload: exit 75, a rerun after the restart works --
rm -f "$EV" "$UP/huge.bin.part"
env SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.1 \
	"$BIN/upload-sftp" --workdir "$W" huge.bin 2>"$T/err" &
pid=$!
for _ in $(seq 1 500); do [ -s "$UP/huge.bin.part" ] && break; sleep 0.01; done
"$SERVERS/sshd-down.sh" "$S"
wait $pid
rc=$?
cat "$T/err" >>"$T/all.err"
is "$rc" "75" "server killed mid-upload: exit 75"
expect_err "write '$UP/huge.bin.part': connection to [127.0.0.1]:$SFTP_PORT lost" "says the connection was lost mid-file"
is "$(ev .counts.attempts)" "3" "server killed: 3 attempts"
"$SERVERS/sshd-up.sh" "$S" --restart >/dev/null
[ -e "$UP/huge.bin.part" ]
ok $? "the dead server kept the .part (the tool could not remove it)"
up 0 "rerun after the restart" SFTP_KEY_FILE="$SFTP_TEST_KEY_ED25519" huge.bin
same_file "$UP/huge.bin" "$W/huge.bin" "rerun: stored byte for byte"
no_part "$UP" "rerun: the stale .part is gone"
rm -f "$UP/huge.bin" "$W/huge.bin"

# --- --check -------------------------------------------------------------
up 0 "--check passes" SFTP_PASSWORD="$PW" SFTP_REMOTE_DIR="$UP/not/yet" --check
expect_err "check: remote directory '$UP/not/yet' is writable" "--check: says the directory is writable"
no_file "$UP/not" "--check: removed the directories it made"
left=$(find "$UP" -name '.stepkit-check-*' | head -1)
is "$left" "" "--check: removed its probe file"
up 75 "--check, server down" SFTP_PASSWORD="$PW" SFTP_PORT="$DEAD" --check
expect_err "check failed: server not reachable: connect to [127.0.0.1]:$DEAD: Connection refused: is the server up" \
	"--check: says the server is not reachable"
up 1 "--check, unknown host key" SFTP_PASSWORD="$PW" SFTP_KNOWN_HOSTS="$SFTP_TEST_KNOWN_HOSTS_WRONG_PORT" --check
expect_err "check failed: host key: host key of [127.0.0.1]:$SFTP_PORT" "--check: says the host key failed"
up 1 "--check, wrong password" SFTP_PASSWORD="wrong-$PW" --check
expect_err "check failed: login: login to [127.0.0.1]:$SFTP_PORT as 'sftptest' refused" "--check: says the login failed"
mkdir -p "$UP/locked" && chmod 555 "$UP/locked"
up 1 "--check, directory not writable" SFTP_PASSWORD="$PW" SFTP_REMOTE_DIR="$UP/locked" --check
expect_err "check failed: remote directory '$UP/locked' not writable: create '$UP/locked/.stepkit-check-" \
	"--check: says the directory is not writable"
up 1 "upload into a directory without write access" SFTP_PASSWORD="$PW" SFTP_REMOTE_DIR="$UP/locked" sales_report.csv
expect_err "create '$UP/locked/sales_report.csv.part': permission denied" "permission denied is permanent"

# --- chroot --------------------------------------------------------------
if "$SERVERS/sshd-up.sh" "$C" --chroot >"$T/chroot.env" 2>&1; then
	CUP=$(sed -n 's/^export SFTP_TEST_UPLOAD_DIR=//p' "$C/env")
	CPORT=$(sed -n 's/^export SFTP_PORT=//p' "$C/env")
	CKH=$(sed -n 's/^export SFTP_KNOWN_HOSTS=//p' "$C/env")
	up 0 "chroot: password login" SFTP_PORT="$CPORT" SFTP_KNOWN_HOSTS="$CKH" SFTP_PASSWORD="$PW" \
		SFTP_REMOTE_DIR=/upload/daily
	same_file "$CUP/daily/sales_report.csv" "$W/sales_report.csv" "chroot: stored under the jail"
	is "$(ev '.outputs[0].path')" "sftp://127.0.0.1:$CPORT/upload/daily/sales_report.csv" "chroot: remote path in the event"
	up 1 "chroot: outside the jail is not reachable" SFTP_PORT="$CPORT" SFTP_KNOWN_HOSTS="$CKH" \
		SFTP_PASSWORD="$PW" SFTP_REMOTE_DIR=/etc sales_report.csv
else
	sed 's/^/# /' "$T/chroot.env"
	ok 1 "chroot sshd starts"
fi

# --- a server that refuses fsync@openssh.com: stored, said so -----------
kill "$(cat "$S/pid")"
for _ in $(seq 1 100); do kill -0 "$(cat "$S/pid")" 2>/dev/null || break; sleep 0.05; done
sed -i 's|^ForceCommand internal-sftp |ForceCommand internal-sftp -P fsync |' "$S/sshd_config"
"$SERVERS/sshd-up.sh" "$S" --restart >/dev/null
up 0 "server refuses fsync" SFTP_PASSWORD="$PW" sales_report.csv
same_file "$UP/sales_report.csv" "$W/sales_report.csv" "refused fsync: stored byte for byte"
expect_err "not fsynced (the server refuses fsync@openssh.com)" "refused fsync: says the file was not fsynced"
no_part "$UP" "refused fsync: no .part left"

# --- secrets never logged ------------------------------------------------
up 1 "json logs, wrong password" STEPKIT_LOG_FORMAT=json SFTP_PASSWORD="wrong-$PW"
for secret in "$PW" "$PASSPHRASE"; do
	if grep -qF -- "$secret" "$T/all.err" "$T/all.events"; then
		ok 1 "secret '${secret:0:3}...' absent from logs and events"
	else
		ok 0 "secret '${secret:0:3}...' absent from logs and events"
	fi
done
ok $([ -s "$T/all.err" ] && [ -s "$T/all.events" ]; echo $?) "logs and events were captured for that check"

done_testing
