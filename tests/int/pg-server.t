#!/bin/bash
# scripts/pg-test-server: start, status, load a sample, the extracts read it,
# stop, start again with the data kept; a folder it did not make is refused.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/extract-sales" ] || skip_all "bin/extract-sales not built"
command -v psql >/dev/null 2>&1 || skip_all "psql missing (postgresql-client)"
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ||
	skip_all "no PostgreSQL server (postgresql)"
unset PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE STEPKIT_DB
P=$TOP/scripts/pg-test-server
D=$T/pg
trap '"$P" stop --dir "$D" >/dev/null 2>&1; _cleanup' EXIT

"$TOP/scripts/gen-sample" --rows 300 "$T/sample" 2>/dev/null
expect_exit 1 "status before start" "$P" status --dir "$D"
# A port of its own, away from the 54329 up that the other test files'
# servers take: the restart below reuses it, and another file started in
# between must not have taken it.
PORT=$(python3 -c 'import random, socket
for _ in range(200):
    p = random.randint(56000, 60999); s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: s.close()')
expect_exit 0 "start" "$P" start --dir "$D" --port "$PORT"
grep -q "^pg-test-server: listening on 127.0.0.1:[0-9]* (pid [0-9]*), database etldb, user etl$" "$T/out"
ok $? "start says where it listens"
grep -q "settings in $D/pg.env" "$T/out"
ok $? "start says where the settings are"
is_set() { grep -c "^$1=." "$D/pg.env"; }
[ "$(is_set PGHOST)$(is_set PGPORT)$(is_set PGDATABASE)$(is_set PGUSER)$(is_set PGPASSWORD)" = 11111 ] &&
	[ "$(wc -l <"$D/pg.env")" -eq 5 ] && [ "$(stat -c %a "$D/pg.env")" = 600 ]
ok $? "pg.env holds the five libpq settings, mode 600"
expect_exit 0 "status" "$P" status --dir "$D"
expect_exit 0 "start again: already running" "$P" start --dir "$D"
grep -q "^pg-test-server: already running (pid [0-9]*); settings in $D/pg.env$" "$T/out"
ok $? "start again says it already runs"
expect_exit 0 "load a 300-row sample" "$P" load --dir "$D" --sample "$T/sample"

extract() { # extract WORKDIR: extract-sales from the test server
	(set -a; . "$D/pg.env"; set +a; "$BIN/extract-sales" --workdir "$1" --period all --log-level error)
}
expect_exit 0 "extract-sales reads the test server" extract "$T/w1"
"$BIN/extract-sales" --workdir "$T/file" --source "file:$T/sample" --log-level error
same_file "$T/w1/raw_sales.csv" "$T/file/raw_sales.csv" "the database holds the sample's rows"

expect_exit 0 "stop" "$P" stop --dir "$D"
expect_exit 1 "status after stop" "$P" status --dir "$D"
expect_exit 0 "start after stop" "$P" start --dir "$D"
expect_exit 0 "extract-sales after the restart (no load)" extract "$T/w2"
same_file "$T/w2/raw_sales.csv" "$T/file/raw_sales.csv" "the data survives stop and start"

mkdir -p "$T/other" && echo mine >"$T/other/notes.txt"
expect_exit 1 "start in a folder with other files" "$P" start --dir "$T/other"
expect_err "pg-test-server: '$T/other' holds files that are not a cluster of ours: choose another --dir" "the message"
[ "$(cat "$T/other/notes.txt")" = mine ]
ok $? "the folder's files are untouched"
expect_exit 2 "an unknown argument" "$P" start --bogus
done_testing
