#!/bin/bash
# scripts/demo and scripts/sftp-test-server touch only what they created: the
# demo's uploads survive `sftp-test-server start`; a server the user started
# is still running after the demo (and one the demo started is stopped); the
# demo keeps the last K runs and says so. A 2,000-row sample keeps it quick.
. "$(dirname "$0")/../lib.sh"

for s in extract-sales transform analyze-sales notify upload-sftp; do
	[ -x "$BIN/$s" ] || skip_all "bin/$s not built (make)"
done
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml missing (run-local)"
unset PGHOST PGDATABASE STEPKIT_DB DEMO_KEEP
O=$T/demo
DEMO=$TOP/scripts/demo
SRV=$TOP/scripts/sftp-test-server
trap '"$SRV" stop --dir "$O/sftp" >/dev/null 2>&1; _cleanup' EXIT

# runs: the demo runs under O/data, oldest first
runs() { (cd "$O/data" && ls -d demo-* 2>/dev/null | sort | tr '\n' ' '); }

# --- make demo installs only what the demo runs ----------------------------
make -n -C "$TOP" demo >"$T/make-n" 2>&1
grep -q 'install-deps --if-missing --demo' "$T/make-n" && ! grep -q 'tests/servers/install' "$T/make-n"
ok $? "make demo installs the demo's packages, not the test servers (npm)"

# --- keeping the last K runs (no server needed) -----------------------------
expect_exit 0 "demo --upload none, first run" "$DEMO" --rows 2000 --out "$O" --upload none --keep 1
grep -q '^reports: ' "$T/out"
ok $? "the summary names the reports"
first=$(runs)
sleep 1 # run names have one-second resolution
mkdir -p "$O/data/my-own-run"
expect_exit 0 "second run, --keep 1" "$DEMO" --rows 2000 --out "$O" --upload none --keep 1
n=$(runs | wc -w)
[ "$n" -eq 1 ]
ok $? "one demo run kept of two (found $n)"
case " $(runs) " in *" ${first% } "*) ok 1 "the oldest run is the one removed" ;; *) ok 0 "the oldest run is the one removed" ;; esac
[ -d "$O/data/my-own-run" ]
ok $? "a directory that is not a demo run stays"
grep -q "^runs:    1 kept in $O/data/ (the last 1" "$T/out" && grep -q "removed ${first% }" "$T/out"
ok $? "the summary says how many runs are kept, where, and which were removed"
grep -q "rm -rf $O removes" "$T/out"
ok $? "the summary says how to remove them all"
[ "$(ls "$O"/outbox/*.eml 2>/dev/null | wc -l)" -eq 1 ]
ok $? "the removed run's e-mail goes with it"
expect_exit 2 "--keep 0 is refused" "$DEMO" --rows 2000 --out "$O" --upload none --keep 0
expect_err "demo: --keep '0': want a whole number of runs, 1 or more" "--keep 0: the message"

# --- the SFTP test server: only what each created -------------------------
if [ "$(id -u)" -ne 0 ] || [ ! -x /usr/sbin/sshd ]; then
	echo "ok $((++_n)) # SKIP sftp: needs root and openssh-server"
	done_testing; exit
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# The demo starts its own server, uploads, and stops it.
expect_exit 0 "demo with its own SFTP server" "$DEMO" --rows 2000 --out "$O" --sftp-port "$PORT" --keep 2
grep -q '^upload-sales .* succeeded  *-$' "$T/out"
ok $? "the upload steps succeeded"
for f in sales_report.csv customer_report.csv product_report.csv; do
	[ -s "$O/sftp/upload/$f" ]
	ok $? "uploaded: $f"
done
run "$SRV" status --dir "$O/sftp"
ok $((rc != 1)) "the server the demo started is stopped afterwards"
cp "$O/sftp/upload/sales_report.csv" "$T/uploaded.csv"

# The user starts the server: the demo's uploads are still there.
expect_exit 0 "sftp-test-server start (by the user)" "$SRV" start --dir "$O/sftp" --port "$PORT"
same_file "$O/sftp/upload/sales_report.csv" "$T/uploaded.csv" "the demo's uploads survive sftp-test-server start"
pid=$(cat "$O/sftp/pid")

# The demo uses that server and leaves it running.
sleep 1
expect_exit 0 "demo with the user's SFTP server" "$DEMO" --rows 2000 --out "$O" --sftp-port "$PORT" --keep 2
grep -q 'using the SFTP test server already running' "$T/out"
ok $? "the demo says it uses the running server"
grep -q '^upload-products .* succeeded  *-$' "$T/out"
ok $? "the uploads went to the user's server"
expect_exit 0 "the user's server is still running after the demo" "$SRV" status --dir "$O/sftp"
[ "$(cat "$O/sftp/pid")" = "$pid" ] && kill -0 "$pid"
ok $? "the same server process (pid $pid)"

# A restart of the user's server keeps the files too.
"$SRV" stop --dir "$O/sftp" >/dev/null
echo mine >"$O/sftp/upload/notes.txt"
expect_exit 0 "sftp-test-server start again" "$SRV" start --dir "$O/sftp" --port "$PORT"
[ "$(cat "$O/sftp/upload/notes.txt")" = mine ] && [ -s "$O/sftp/upload/product_report.csv" ]
ok $? "start keeps every file in the folder"
expect_exit 0 "sftp-test-server stop" "$SRV" stop --dir "$O/sftp"
done_testing
