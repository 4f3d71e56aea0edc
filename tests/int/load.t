#!/bin/bash
# load-postgres against a real PostgreSQL (tests/servers/pg-up.sh on
# 127.0.0.1): append with header matching, type errors located by the file's
# line, identifiers that would inject SQL if spliced; upsert with counts,
# audit rows, repeated keys, --dedup, a table without a unique key;
# replace of a slice; one transaction (a backend killed mid-load: exit 75,
# nothing committed, the rerun loads); the run log on success and failure;
# --events; --check; and no password anywhere.
. "$(dirname "$0")/../lib.sh"

need_pg
need_built load-postgres

pg_up
unset STEPKIT_TABLE STEPKIT_LOAD_MODE STEPKIT_KEY STEPKIT_DEDUP STEPKIT_AUDIT STEPKIT_WHERE \
	STEPKIT_TARGET STEPKIT_EVENTS_DIR STEPKIT_DB STEPKIT_WORKDIR STEPKIT_EVENT_FILE STEPKIT_RUN_ID
PW=$PGPASSWORD
LP=$BIN/load-postgres

sql() { psql -X -q -A -t -F, -v ON_ERROR_STOP=1 "$@"; }
admin() { psql -X -q -A -t -F, -v ON_ERROR_STOP=1 "$PG_ADMIN" "$@"; }
keep() { cat "$T/err" >>"$T/all.err"; }
ex() { expect_exit "$@"; keep; }
# is GOT WANT NAME: two strings equal
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"
		printf '%s\n' "#   got:  $1" "#   want: $2"; fi
}
has() {
	if grep -qF -- "$2" "$1" 2>/dev/null; then ok 0 "$3"; else ok 1 "$3"
		echo "#   want in $1: $2"; sed 's/^/#   /' "$1" 2>/dev/null | head -30; fi
}

W=$T/w
mkdir -p "$W"

# --- append: header matching, NULLs, quoted line feeds ---
sql -c "CREATE TABLE items (id serial PRIMARY KEY, sku text NOT NULL, qty integer,
	note text, price numeric(10,2), added timestamptz DEFAULT now())"
printf 'sku,qty,note,price\n"A1",1,"two\nlines",2.5\nB2,,,3\n"C,3",3,"",4\nD4,4,"say ""hi""",0\n' >"$W/items.csv"
ex 0 "append: the workdir's items.csv" "$LP" --workdir "$W" --table items
is "$(sql -c "SELECT id, sku, coalesce(qty::text, 'NULL'), coalesce(note, 'NULL'), price FROM items ORDER BY id")" \
"1,A1,1,two
lines,2.50
2,B2,NULL,NULL,3.00
3,C,3,3,NULL,4.00
4,D4,4,say \"hi\",0.00" "append: values as in the file, empty fields (quoted or not) NULL"
expect_err "'$W/items.csv' into items: 4 rows read, 4 inserted, 0 updated, 0 unchanged" "append: the counts are logged"
has "$W/events/load-postgres.json" '"inserted": 4' "append: the event counts the inserted rows"
has "$W/events/load-postgres.json" "\"target\": \"postgres host=127.0.0.1 port=$PGPORT dbname=etldb user=etl\"" "append: the event names the database, no password"
# inputs: each file's path, size and sha256, as the analyses record theirs (lineage)
inputs() { jq -r '.inputs[] | "\(.path) \(.bytes) \(.sha256)"' "$1"; }
digest() { echo "$1 $(wc -c <"$1") $(sha256sum "$1" | cut -d' ' -f1)"; }
is "$(inputs "$W/events/load-postgres.json")/$(jq .rows_in "$W/events/load-postgres.json")" "$(digest "$W/items.csv")/4" \
	"append: the event records the file's path, bytes and sha256, and its rows"
printf 'sku,qty,note,price\nI1,1,,1\n' >"$T/two-a.csv"
printf 'sku,qty,note,price\nJ1,1,,1\nJ2,2,,2\n' >"$T/two-b.csv"
ex 0 "append: two files" "$LP" --workdir "$W" --table items "$T/two-a.csv" "$T/two-b.csv"
is "$(inputs "$W/events/load-postgres.json")/$(jq .rows_in "$W/events/load-postgres.json")" "$(digest "$T/two-a.csv")
$(digest "$T/two-b.csv")/3" "append: two files, each with its bytes and sha256"
sql -c "DELETE FROM items WHERE sku IN ('I1', 'J1', 'J2')"

# a value PostgreSQL rejects: the file's line (after a record spanning two lines) and the column
printf 'sku,qty,note,price\nE5,5,"a\nb",1\nF6,6,,1\nG7,seven,,1\nH8,8,,1\n' >"$T/bad-int.csv"
ex 1 "append: a bad integer" "$LP" --workdir "$W" --table items "$T/bad-int.csv"
expect_err "load-postgres: '$T/bad-int.csv': line 5: column qty: invalid input syntax for type integer: \"seven\" (SQLSTATE 22P02)" \
	"append: the bad integer's file line and column"
is "$(sql -c "SELECT count(*) FROM items")" 4 "append: a rejected file loads no row"
printf 'sku,qty,note,price\nE5,5,,1\nF6,6,,123456789.5\n' >"$T/bad-num.csv"
ex 1 "append: a price out of range" "$LP" --workdir "$W" --table items "$T/bad-num.csv"
expect_err "'$T/bad-num.csv': line 3: column price: numeric field overflow (SQLSTATE 22003)" "append: the overflow's line and column"
printf 'sku,qty,note,price\nE5,5,,1\n,6,,1\n' >"$T/bad-null.csv"
ex 1 "append: an empty NOT NULL value" "$LP" --workdir "$W" --table items "$T/bad-null.csv"
expect_err "'$T/bad-null.csv': line 3: column sku: null value in column \"sku\" of relation \"items\" violates not-null constraint (SQLSTATE 23502)" \
	"append: the NOT NULL violation's line and column"

# the header
printf 'sku,qty,colour\nA,1,red\n' >"$T/extra.csv"
ex 1 "header: a column the table lacks" "$LP" --workdir "$W" --table items "$T/extra.csv"
expect_err "load-postgres: '$T/extra.csv': line 1: column 'colour' is not a column of table items" "header: the extra column is named"
printf 'qty,note\n1,x\n' >"$T/missing.csv"
ex 1 "header: a column without default missing" "$LP" --workdir "$W" --table items "$T/missing.csv"
expect_err "'$T/missing.csv': line 1: the header lacks column 'sku' of table items (it has no default)" "header: the missing column is named"
printf 'sku,qty,sku\nA,1,B\n' >"$T/twice.csv"
ex 1 "header: a column twice" "$LP" --workdir "$W" --table items "$T/twice.csv"
expect_err "'$T/twice.csv': line 1: column 'sku' appears twice" "header: the repeated column is named"
: >"$T/empty.csv"
ex 1 "an empty file" "$LP" --workdir "$W" --table items "$T/empty.csv"
expect_err "'$T/empty.csv': empty file: a header line is needed" "an empty file: message"
ex 1 "a missing file" "$LP" --workdir "$W" --table items "$T/nope.csv"
expect_err "load-postgres: '$T/nope.csv': No such file or directory" "a missing file: message"
printf 'a\n1\n' >"$W/nosuch.csv"
ex 1 "a missing table" "$LP" --workdir "$W" --table nosuch
expect_err "load-postgres: table 'nosuch' not found (or not visible to user etl): create it" "a missing table: message"
printf 'sku,qty\n"A,1\n' >"$T/quote.csv"
ex 1 "an unterminated quote" "$LP" --workdir "$W" --table items "$T/quote.csv"
is "$(sql -c "SELECT count(*) FROM items")" 4 "header and file errors load nothing"
ex 2 "neither --table nor --target" "$LP" --workdir "$W"
expect_err "load-postgres: --table TABLE or --target sales-star is needed" "usage: what is needed"
ex 2 "--mode upsert without --key" "$LP" --workdir "$W" --table items --mode upsert
expect_err "load-postgres: --mode upsert needs --key COL[,COL...]" "usage: upsert needs a key"
ex 2 "--mode merge" "$LP" --workdir "$W" --table items --mode merge
ex 2 "--audit with append" "$LP" --workdir "$W" --table items --audit a

# identifiers that would inject SQL if spliced, and values that would too
sql -c "CREATE TABLE victim (x int)"
sql -c 'CREATE TABLE "evil""; DROP TABLE victim; --" (id int PRIMARY KEY, "x"")); DROP TABLE victim; --" text)'
printf '%s\n' 'id,"x"")); DROP TABLE victim; --"' "1,'); DROP TABLE victim; --" '2,"a"",""b"' >"$T/evil.csv"
ex 0 "a table and a column named like SQL" "$LP" --workdir "$W" --table 'evil"; DROP TABLE victim; --' "$T/evil.csv"
ex 0 "the same by upsert" "$LP" --workdir "$W" --table 'evil"; DROP TABLE victim; --' --mode upsert --key id \
	--audit 'evil"audit' "$T/evil.csv"
is "$(sql -c "SELECT to_regclass('victim') IS NOT NULL")" t "the victim table is still there"
is "$(sql -c 'SELECT id, "x"")); DROP TABLE victim; --" FROM "evil""; DROP TABLE victim; --" ORDER BY id')" \
"1,'); DROP TABLE victim; --
2,a\",\"b" "the values are stored as they were in the file"

# --- upsert: counts, reruns, audit, repeated keys ---
sql -c "CREATE TABLE inventory (sku text, warehouse text, qty integer NOT NULL, price numeric(8,2), PRIMARY KEY (sku, warehouse))"
printf 'sku,warehouse,qty,price\nA,north,5,1.50\nB,north,6,2\nA,south,7,\n' >"$W/inventory.csv"
ex 0 "upsert: first load" "$LP" --workdir "$W" --run-id r1 --table inventory --mode upsert --key sku,warehouse --audit inventory_audit
expect_err "3 rows read, 3 inserted, 0 updated, 0 unchanged" "upsert: 3 inserted"
ex 0 "upsert: the same file again" "$LP" --workdir "$W" --run-id r2 --table inventory --mode upsert --key sku,warehouse --audit inventory_audit
expect_err "3 rows read, 0 inserted, 0 updated, 3 unchanged" "upsert: the rerun changes nothing"
has "$W/events/load-postgres.json" '"unchanged": 3' "upsert: the event counts the unchanged rows"
printf 'sku,warehouse,qty,price\nA,north,5,1.5\nB,north,9,2\nC,south,1,0.10\n' >"$W/inventory.csv"
ex 0 "upsert: one changed, one new, one equal (1.5 = 1.50)" "$LP" --workdir "$W" --run-id r3 --table inventory --mode upsert --key sku,warehouse --audit inventory_audit
expect_err "3 rows read, 1 inserted, 1 updated, 1 unchanged" "upsert: counts inserted, updated, unchanged"
is "$(sql -c "SELECT sku, warehouse, qty, coalesce(price::text, 'NULL') FROM inventory ORDER BY 1, 2")" \
"A,north,5,1.50
A,south,7,NULL
B,north,9,2.00
C,south,1,0.10" "upsert: the table after the three loads"
is "$(sql -c "SELECT table_name, run_id, change, key, coalesce(old_values::text, 'NULL'), new_values FROM inventory_audit ORDER BY id")" \
'inventory,r1,insert,{"sku": "A", "warehouse": "north"},NULL,{"qty": 5, "sku": "A", "price": 1.50, "warehouse": "north"}
inventory,r1,insert,{"sku": "B", "warehouse": "north"},NULL,{"qty": 6, "sku": "B", "price": 2.00, "warehouse": "north"}
inventory,r1,insert,{"sku": "A", "warehouse": "south"},NULL,{"qty": 7, "sku": "A", "price": null, "warehouse": "south"}
inventory,r3,update,{"sku": "B", "warehouse": "north"},{"qty": 6, "sku": "B", "price": 2.00, "warehouse": "north"},{"qty": 9, "sku": "B", "price": 2.00, "warehouse": "north"}
inventory,r3,insert,{"sku": "C", "warehouse": "south"},NULL,{"qty": 1, "sku": "C", "price": 0.10, "warehouse": "south"}' \
	"audit: one row per insert and update, old and new values, run id; none for the unchanged rerun"
is "$(sql -c "SELECT count(*) FROM inventory_audit WHERE changed_at IS NULL")" 0 "audit: every row has its time"

printf 'sku,warehouse,qty,price\nA,north,1,1\nB,north,2,2\n"A",north,3,3\nA,north,4,4\n' >"$T/dup.csv"
ex 1 "upsert: a key twice in the file" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse "$T/dup.csv"
expect_err "load-postgres: '$T/dup.csv': line 4 repeats the key (sku, warehouse) of line 2: a key may appear once (or use --dedup first or --dedup last)" \
	"upsert: the repeated key's two lines"
ex 0 "upsert: --dedup first" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse --dedup first "$T/dup.csv"
is "$(sql -c "SELECT qty FROM inventory WHERE sku = 'A' AND warehouse = 'north'")" 1 "--dedup first keeps the first row"
expect_err "4 rows read, 0 inserted, 2 updated, 0 unchanged" "--dedup first: counts per key"
ex 0 "upsert: --dedup last" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse --dedup last "$T/dup.csv"
is "$(sql -c "SELECT qty FROM inventory WHERE sku = 'A' AND warehouse = 'north'")" 4 "--dedup last keeps the last row"
printf 'sku,warehouse,qty,price\nA,north,x,1\n' >"$T/upbad.csv"
ex 1 "upsert: a bad value" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse "$T/upbad.csv"
expect_err "'$T/upbad.csv': line 2: column qty: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)" "upsert: the bad value's line and column"
printf 'sku,warehouse,qty,price\nZ,north,,1\n' >"$T/upnull.csv"
ex 1 "upsert: an empty NOT NULL value" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse "$T/upnull.csv"
expect_err "'$T/upnull.csv': line 2: column qty: null value in column \"qty\"" "upsert: the NOT NULL violation's line"
ex 1 "upsert: a key without a unique index" "$LP" --workdir "$W" --table inventory --mode upsert --key sku
expect_err "load-postgres: table inventory has no unique index on (sku), which ON CONFLICT needs: CREATE UNIQUE INDEX ON \"public\".\"inventory\" (\"sku\");" \
	"upsert: no unique index: the SQL that fixes it"
sql -c "CREATE TABLE nokey (sku text, qty int)"
printf 'sku,qty\nA,1\n' >"$W/nokey.csv"
ex 1 "upsert: a table without any unique key" "$LP" --workdir "$W" --table nokey --mode upsert --key sku
expect_err "table nokey has no unique index on (sku)" "upsert: a table without any key"
ex 1 "upsert: a key not in the header" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,qtyx
is "$(sql -c "SELECT sum(qty) FROM inventory")" 14 "failed upserts change nothing"

# --- replace a slice ---
sql -c "CREATE TABLE daily (day date, sku text, qty int)"
sql -c "INSERT INTO daily VALUES ('2011-01-01', 'A', 1), ('2011-01-01', 'B', 2), ('2011-01-02', 'A', 3)"
printf 'day,sku,qty\n2011-01-01,A,10\n2011-01-01,C,30\n' >"$W/daily.csv"
ex 0 "replace --where day=2011-01-01" "$LP" --workdir "$W" --table daily --mode replace --where day=2011-01-01
ex 0 "replace: again (idempotent)" "$LP" --workdir "$W" --table daily --mode replace --where day=2011-01-01
has "$W/events/load-postgres.json" '"deleted": 2' "replace: the event counts the deleted rows"
is "$(sql -c "SELECT day, sku, qty FROM daily ORDER BY 1, 2")" \
"2011-01-01,A,10
2011-01-01,C,30
2011-01-02,A,3" "replace: the slice replaced, the other day kept"
printf 'day,sku,qty\n2011-01-01,A,11\n2011-01-03,D,1\n' >"$T/outside.csv"
ex 1 "replace: a row outside the slice" "$LP" --workdir "$W" --table daily --mode replace --where day=2011-01-01 "$T/outside.csv"
expect_err "'$T/outside.csv': 1 of its 2 rows have day other than '2011-01-01': a replace of the slice day=2011-01-01 must load only that slice (nothing was loaded)" \
	"replace: the row outside the slice is refused"
ex 1 "replace: a bad slice value" "$LP" --workdir "$W" --table daily --mode replace --where "day=x'; DROP TABLE victim; --"
expect_err "invalid input syntax for type date" "replace: the slice value is a bound parameter"
is "$(sql -c "SELECT count(*) FROM daily")/$(sql -c "SELECT to_regclass('victim') IS NOT NULL")" 3/t "replace: failures change nothing"
ex 2 "--where without replace" "$LP" --workdir "$W" --table daily --where day=1

# --- the run log ---
sql -c "DELETE FROM stepkit_runs"
ex 0 "run log: a load" "$LP" --workdir "$W" --run-id run-ok --table inventory --mode upsert --key sku,warehouse
ex 1 "run log: a failed load" "$LP" --workdir "$W" --run-id run-bad --table items "$T/bad-int.csv"
is "$(sql -c "SELECT run_id, step, target, status, rows_read, rows_inserted, rows_updated, rows_unchanged, rows_failed,
	coalesce(error_message, 'NULL'), coalesce(error_details::text, 'NULL'), completed >= started, execution_ms >= 0,
	peak_memory_kib > 0 FROM stepkit_runs ORDER BY id")" \
"run-ok,load-postgres,inventory,succeeded,3,0,2,1,0,NULL,NULL,t,t,t
run-bad,load-postgres,items,failed,4,0,0,0,4,'$T/bad-int.csv': line 5: column qty: invalid input syntax for type integer: \"seven\" (SQLSTATE 22P02),{\"kind\": \"data\"},t,t,t" \
	"run log: one row per run, the failure with its message"

# --- events of the whole run into stepkit_events ---
E=$T/ev
mkdir -p "$E"
printf '{"step": "extract-sales", "run": "wf-1", "status": "succeeded", "rows_out": 8}\n' >"$E/extract-sales.json"
printf '{"step": "transform", "run": "wf-1", "status": "failed", "error": {"kind": "data"}}\n' >"$E/transform.json"
ex 0 "--events DIR" "$LP" --workdir "$W" --run-id wf-1 --table inventory --mode upsert --key sku,warehouse --events "$E"
printf '{"step": "transform", "run": "wf-1", "status": "succeeded"}\n' >"$E/transform.json"
ex 0 "--events DIR again: upserted" "$LP" --workdir "$W" --run-id wf-1 --table inventory --mode upsert --key sku,warehouse --events "$E"
is "$(sql -c "SELECT run_id, step, event->>'status' FROM stepkit_events ORDER BY step")" \
"wf-1,extract-sales,succeeded
wf-1,transform,succeeded" "events: one row per run and step, the newest event"
printf 'not json\n' >"$E/bad.json"
ex 1 "--events: a file that is not JSON" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse --events "$E"
expect_err "event '$E/bad.json': not a JSON object" "events: the bad file is named"

# --- --check ---
ex 0 "--check: upsert into inventory" "$LP" --workdir "$W" --table inventory --mode upsert --key sku,warehouse --check
expect_err "check passed" "--check passes"
ex 1 "--check: no unique index" "$LP" --workdir "$W" --table nokey --mode upsert --key sku --check
expect_err "CREATE UNIQUE INDEX ON \"public\".\"nokey\" (\"sku\");" "--check: the SQL for the index"
admin -c "CREATE TABLE locked (sku text)"
printf 'sku\nA\n' >"$W/locked.csv"
ex 1 "--check: no INSERT privilege" "$LP" --workdir "$W" --table locked --check
expect_err "load-postgres: user etl may not INSERT into table locked: GRANT INSERT ON \"public\".\"locked\" TO etl;" "--check: the GRANT"
ex 1 "--check: a header that does not match" "$LP" --workdir "$W" --table items --check "$T/extra.csv"
expect_err "column 'colour' is not a column of table items" "--check: the header"
n=$(sql -c "SELECT count(*) FROM stepkit_runs")
ex 0 "--check: append" "$LP" --workdir "$W" --table items --check
is "$(sql -c "SELECT count(*) FROM stepkit_runs")" "$n" "--check writes nothing (not even the run log)"

# --- the sales star: the views are the analyze-* reports, byte for byte ---
S=$T/star
mkdir -p "$S"
cp "$TOP/tests/fixtures/analyze/transformed_data.csv" "$S/"
ex 1 "star: --check before warehouse.sql" "$LP" --workdir "$S" --target sales-star --check
expect_err "table dim_date does not exist: create the star with psql -f scripts/warehouse.sql" "star: --check says how to create the star"
ex 1 "star: a load before warehouse.sql" "$LP" --workdir "$S" --target sales-star
expect_err "the star's tables are missing (run scripts/warehouse.sql)" "star: the load says how to create the star"
sql -f "$TOP/scripts/warehouse.sql" 2>"$T/wh.err"
ok $? "scripts/warehouse.sql"
sql -f "$TOP/scripts/warehouse.sql" 2>"$T/wh.err"
ok $? "scripts/warehouse.sql again"
ex 0 "star: --check" "$LP" --workdir "$S" --target sales-star --check
ex 2 "star: --target with --table" "$LP" --workdir "$S" --target sales-star --table fact_sales
ex 2 "star: an unknown target" "$LP" --workdir "$S" --target snowflake
# export VIEW ORDER: the view as a report file
export_view() {
	psql -X -q -v ON_ERROR_STOP=1 -c "COPY (SELECT * FROM $1 ORDER BY $2) TO STDOUT WITH (FORMAT csv, HEADER)"
}
# same_reports DIR NAME: the three views equal DIR's reports
same_reports() {
	export_view sales_report "date" >"$T/v-sales.csv"
	export_view customer_report 'revenue DESC, customer_id COLLATE "C"' >"$T/v-customers.csv"
	export_view product_report 'revenue DESC, stock_code COLLATE "C"' >"$T/v-products.csv"
	same_file "$T/v-sales.csv" "$1/sales_report.csv" "$2: sales_report view = sales_report.csv"
	same_file "$T/v-customers.csv" "$1/customer_report.csv" "$2: customer_report view = customer_report.csv"
	same_file "$T/v-products.csv" "$1/product_report.csv" "$2: product_report view = product_report.csv"
}
missing=""
for tool in transform analyze-sales analyze-customers analyze-products; do
	[ -x "$BIN/$tool" ] || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "Bail out! not built:$missing"
	exit 1
fi
for tool in analyze-sales analyze-customers analyze-products; do
	ex 0 "star fixture: $tool" "$BIN/$tool" --workdir "$S"
done
ex 0 "star: load the fixture (quotes, line feeds, UTF-8, GUEST, unknown products)" "$LP" --workdir "$S" --target sales-star --run-id star-1
expect_err "21 rows read, 21 inserted, 0 updated, 0 unchanged" "star: 21 facts inserted"
is "$(inputs "$S/events/load-postgres.json")" "$(digest "$S/transformed_data.csv")" "star: the event records the file's bytes and sha256"
is "$(jq -r .inputs[0].sha256 "$S/events/load-postgres.json")" "$(jq -r .inputs[0].sha256 "$S/events/analyze-sales.json")" \
	"star: the same sha256 as the analyses of the same file (lineage)"
same_reports "$S" "star fixture"
ex 0 "star: the same file again" "$LP" --workdir "$S" --target sales-star
expect_err "21 rows read, 0 inserted, 0 updated, 21 unchanged" "star: the rerun changes nothing"
same_reports "$S" "star fixture, loaded twice"
is "$(sql -c "SELECT count(*) FROM dim_customer")/$(sql -c "SELECT count(*) FROM dim_product")/$(sql -c "SELECT count(*) FROM dim_date")" \
	"9/10/8" "star: one dimension row per customer, product and day (as many as report rows)"
# a generated sample, loaded as two overlapping nights
if [ -x "$TOP/scripts/gen-sample" ]; then
	G=$T/gen
	"$TOP/scripts/gen-sample" --rows 30000 "$G" 2>"$T/gen.err"
	ok $? "gen-sample --rows 30000"
	for tool in transform analyze-sales analyze-customers analyze-products; do
		ex 0 "sample: $tool" "$BIN/$tool" --workdir "$G"
	done
	n=$(($(wc -l <"$G/transformed_data.csv") - 1))
	{ head -1 "$G/transformed_data.csv"; sed -n "2,$((n * 2 / 3 + 1))p" "$G/transformed_data.csv"; } >"$T/night1.csv"
	{ head -1 "$G/transformed_data.csv"; sed -n "$((n / 3 + 2)),\$p" "$G/transformed_data.csv"; } >"$T/night2.csv"
	sql -c "TRUNCATE fact_sales, dim_customer, dim_product, dim_date"
	ex 0 "sample: night 1" "$LP" --workdir "$G" --target sales-star "$T/night1.csv"
	ex 0 "sample: night 2, overlapping night 1 by a third" "$LP" --workdir "$G" --target sales-star "$T/night2.csv"
	expect_err "$((n - n * 2 / 3)) inserted, 0 updated, $((n * 2 / 3 - n / 3)) unchanged" "sample: the overlap is unchanged"
	same_reports "$G" "sample in two overlapping loads"
else
	echo "ok $((_n + 1)) # SKIP scripts/gen-sample is missing"
	_n=$((_n + 1))
fi
# the star's errors
printf '%s\n' "$(head -1 "$S/transformed_data.csv")" \
	'X1,A,1,2011-01-01T00:00:00,1.00,C,1.00,,,,,"two' 'lines",,' \
	'X2,A,1,2011-13-01T00:00:00,1.00,C,1.00,,,,,d,,' >"$T/star-bad.csv"
ex 1 "star: a bad timestamp" "$LP" --workdir "$S" --target sales-star "$T/star-bad.csv"
expect_err "load-postgres: '$T/star-bad.csv': line 4: column invoice_date: date/time field value out of range: \"2011-13-01T00:00:00\"" \
	"star: the bad timestamp's line and column"
printf '%s\n' "$(head -1 "$S/transformed_data.csv")" 'X1,A,1,2011-01-01T00:00:00,1.00,C,1.00,,,,,d,,' \
	'X2,A,1,2011-01-01T00:00:00,1.00,C,1.00,,,,,d,,' 'X1,A,2,2011-01-01T00:00:00,1.00,C,2.00,,,,,d,,' >"$T/star-dup.csv"
ex 1 "star: a key twice" "$LP" --workdir "$S" --target sales-star "$T/star-dup.csv"
expect_err "load-postgres: '$T/star-dup.csv': line 4 repeats the key (invoice_no, stock_code) of line 2" "star: the repeated key's lines"
printf 'invoice_no,stock_code\nX,Y\n' >"$T/star-hdr.csv"
ex 1 "star: not a transformed_data.csv" "$LP" --workdir "$S" --target sales-star "$T/star-hdr.csv"

# --- one transaction: a backend killed mid-load ---
# 100,000 rows; a trigger sleeps at row 60,000, with the earlier rows in the table
sql -c "CREATE TABLE big (n int PRIMARY KEY, s text)"
sql -c "CREATE FUNCTION nap() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
	IF NEW.n = 60000 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END \$\$"
sql -c "CREATE TRIGGER nap BEFORE INSERT ON big FOR EACH ROW EXECUTE FUNCTION nap()"
# (rows of 200 bytes: 20 MB, more than the socket buffers hold, so the
# client is blocked sending when the server stops reading)
seq 1 100000 | awk 'BEGIN { print "n,s"; p = sprintf("%190s", ""); gsub(/ /, "x", p) } { print $1 ",row " $1 p }' >"$W/big.csv"
wait_sleep() {
	for _ in $(seq 1 600); do
		[ "$(admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND wait_event = 'PgSleep'")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
PGAPPNAME=sk-load-$$ "$LP" --workdir "$W" --run-id killed --table big >"$T/out" 2>"$T/err" &
pid=$!
wait_sleep "sk-load-$$"
ok $? "the load is mid-stream"
admin -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sk-load-$$'" >/dev/null
wait "$pid"
rc=$?
keep
is "$rc" 75 "backend killed mid-load: exit 75"
# (the server's reason, or only the closed socket when a send hit it first)
expect_err "load-postgres: postgres host=127.0.0.1 port=$PGPORT dbname=etldb user=etl: copy: " "backend killed: the message names the server and the COPY"
has "$W/events/load-postgres.json" '"kind": "transient"' "backend killed: the event says transient"
is "$(sql -c "SELECT count(*) FROM big")" 0 "backend killed: nothing committed"
is "$(sql -c "SELECT status, error_details->>'kind' FROM stepkit_runs WHERE run_id = 'killed'")" "failed,transient" \
	"backend killed: the run log records the failure"
PGAPPNAME=sk-term-$$ "$LP" --workdir "$W" --run-id term --table big >"$T/out" 2>"$T/err" &
pid=$!
wait_sleep "sk-term-$$"
ok $? "the load is mid-stream (SIGTERM)"
kill -TERM "$pid"
wait "$pid"
rc=$?
keep
is "$rc" 143 "SIGTERM mid-load: dies by the signal"
has "$W/events/load-postgres.json" '"status": "interrupted"' "SIGTERM: the event says interrupted"
for _ in $(seq 1 50); do
	n=$(admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sk-term-$$'")
	[ "$n" = 0 ] && break
	sleep 0.1
done
is "$n" 0 "SIGTERM: the server's work stopped"
is "$(sql -c "SELECT count(*) FROM big")" 0 "SIGTERM: nothing committed"
sql -c "DROP TRIGGER nap ON big"
ex 0 "the rerun" "$LP" --workdir "$W" --run-id killed --table big
is "$(sql -c "SELECT count(*), sum(n) FROM big")" "100000,5000050000" "the rerun loads every row once"

# --- connection settings as the extracts take them (issue 9 items 12, 18, 20, 21) ---
ex 2 "--read-timeout abc: usage error" "$LP" --workdir "$W" --table items --read-timeout abc
expect_err "load-postgres: --read-timeout 'abc': expected whole seconds from 1 to 86400, or 0 for none" "--read-timeout abc: message"
STEPKIT_PG_READ_TIMEOUT=-1 ex 2 "STEPKIT_PG_READ_TIMEOUT=-1: usage error" "$LP" --workdir "$W" --table items
expect_err "load-postgres: STEPKIT_PG_READ_TIMEOUT '-1': expected whole seconds" "STEPKIT_PG_READ_TIMEOUT: named as the user set it"
BADPW=not-the-password-$$
ex 2 "--db with a password: refused" "$LP" --workdir "$W" --table items --db "postgresql://etl:$BADPW@127.0.0.1:$PGPORT/etldb"
expect_err "load-postgres: --db holds a password (not shown): a command line is visible to every user of the machine; put the password in PGPASSWORD, in a file named by PGPASSWORD_FILE, or in PGPASSFILE" "--db with a password: says where it goes"
! grep -qF -- "$BADPW" "$T/err" "$W/events/load-postgres.json"
ok $? "--db with a password: the password is neither in stderr nor in the event"
NOCFG="env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGDATABASE -u PGUSER -u PGSERVICE -u PGPASSWORD"
ex 2 "no PG* variable and no --db: exit 2" $NOCFG "$LP" --workdir "$W" --table items
expect_err "load-postgres: no PostgreSQL server configured (neither --db nor PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE is set): set PGHOST (and PGPORT, PGDATABASE, PGUSER, PGPASSWORD) or --db" \
	"nothing configured: says what to set"
! grep -q "stepkit_runs" "$T/err"
ok $? "nothing configured: no attempt to write the run log"
ex 2 "--check, nothing configured: exit 2" $NOCFG "$LP" --workdir "$W" --table items --check
# server notices through the logger
sql -c "CREATE TABLE noisy (n integer);
	CREATE FUNCTION sk_noisy() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE WARNING 'disk almost full'; RETURN NEW; END \$\$;
	CREATE TRIGGER noisy BEFORE INSERT ON noisy FOR EACH ROW EXECUTE FUNCTION sk_noisy()"
printf 'n\n1\n' >"$W/noisy.csv"
STEPKIT_LOG_FORMAT=json ex 0 "a load raising a WARNING" "$LP" --workdir "$W" --table noisy
/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8"): json.loads(line)' "$T/err"
ok $? "notices: every stderr line is JSON"
has "$T/err" "\"level\":\"warn\",\"step\":\"load-postgres\",\"run\":\"local\",\"msg\":\"postgres host=127.0.0.1 port=$PGPORT dbname=etldb user=etl: server WARNING: disk almost full (SQLSTATE 01000)\"" \
	"notices: the WARNING logged at warn, naming the server"
# the read timeout: a server busy without a word for longer (a trigger sleeping)
sql -c "CREATE TABLE sleepy (n integer);
	CREATE FUNCTION sk_sleepy() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END \$\$;
	CREATE TRIGGER sleepy BEFORE INSERT ON sleepy FOR EACH ROW EXECUTE FUNCTION sk_sleepy()"
printf 'n\n1\n' >"$W/sleepy.csv"
ex 75 "read timeout: exit 75" "$LP" --workdir "$W" --table sleepy --read-timeout 1
expect_err "load-postgres: postgres host=127.0.0.1 port=$PGPORT dbname=etldb user=etl: no data from the server for 1 s (--read-timeout)" \
	"read timeout: the message names the setting"
is "$(sql -c "SELECT count(*) FROM sleepy")" 0 "read timeout: nothing committed"
has "$W/events/load-postgres.json" '"kind": "transient"' "read timeout: event transient"

# --- foreign keys checked in one pass for large loads ---
# 20,000 rows (over SK_LOAD_BULK_MIN): the keys are dropped, the rows
# written, the same keys added again (a new constraint oid); a missing
# parent undoes that and the per-row way reports it as it always did.
sql -c "CREATE TABLE fkp (id integer PRIMARY KEY); INSERT INTO fkp SELECT generate_series(1, 100)"
sql -c "CREATE TABLE fkc (id integer PRIMARY KEY, pid integer NOT NULL CONSTRAINT fkc_parent REFERENCES fkp, note text)"
awk 'BEGIN { print "id,pid,note"; for (i = 1; i <= 20000; i++) printf "%d,%d,note %050d\n", i, i % 100 + 1, i }' >"$W/fkc.csv"
fkdef() { sql -c "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint WHERE conrelid = 'fkc'::regclass AND contype = 'f'"; }
fkoid() { sql -c "SELECT oid FROM pg_constraint WHERE conrelid = 'fkc'::regclass AND contype = 'f'"; }
want_fk="fkc_parent,FOREIGN KEY (pid) REFERENCES fkp(id),t"
o1=$(fkoid)
ex 0 "fk bulk: append 20,000 rows" "$LP" --workdir "$W" --table fkc
is "$(sql -c "SELECT count(*), sum(pid) FROM fkc")" "20000,1010000" "fk bulk: every row appended"
is "$(fkdef)" "$want_fk" "fk bulk: the same foreign key, validated, after the append"
[ "$(fkoid)" != "$o1" ]
ok $? "fk bulk: the append checked the key in one pass (the constraint was added again)"
# a child whose parent is missing, in the small way and in the large way: the same message
sql -c "CREATE TABLE fkc2 (LIKE fkc); ALTER TABLE fkc2 ADD CONSTRAINT fkc_parent2 FOREIGN KEY (pid) REFERENCES fkp"
printf 'id,pid,note\n1,1,a\n2,999,b\n' >"$W/small.csv"
ex 1 "fk: a missing parent, few rows" "$LP" --workdir "$W" --table fkc2 "$W/small.csv"
small_msg=$(sed -n 's/.*load-postgres: //p' "$T/err" | sed "s|$W/small.csv|FILE|" | tail -1)
{ head -1 "$W/fkc.csv"; tail -n +2 "$W/fkc.csv" | sed '2s/^2,3,/2,999,/'; } >"$W/orphan.csv"
sql -c "CREATE TABLE fkc3 (LIKE fkc); ALTER TABLE fkc3 ADD CONSTRAINT fkc_parent3 FOREIGN KEY (pid) REFERENCES fkp"
o3=$(sql -c "SELECT oid FROM pg_constraint WHERE conname = 'fkc_parent3'")
ex 1 "fk bulk: a missing parent, 20,000 rows" "$LP" --workdir "$W" --table fkc3 "$W/orphan.csv"
large_msg=$(sed -n 's/.*load-postgres: //p' "$T/err" | sed "s|$W/orphan.csv|FILE|" | tail -1)
has "$T/err" 'violates foreign key constraint "fkc_parent3"' "fk bulk: the violation is reported"
is "$large_msg" "$(echo "$small_msg" | sed 's/fkc2/fkc3/g; s/fkc_parent2/fkc_parent3/')" "fk bulk: the same message as the per-row way"
is "$(sql -c "SELECT count(*) FROM fkc3")/$(sql -c "SELECT oid, convalidated FROM pg_constraint WHERE conname = 'fkc_parent3'")" \
	"0/$o3,t" "fk bulk: the failed load changed nothing, the key untouched and valid"
# upsert: 20,000 changed rows go the bulk way; a rerun changes nothing and keeps the key
sed 's/,note /,changed /' "$W/fkc.csv" >"$W/fkc-up.csv"
o1=$(fkoid)
ex 0 "fk bulk: upsert 20,000 changed rows" "$LP" --workdir "$W" --table fkc --mode upsert --key id --audit fkc_audit "$W/fkc-up.csv"
expect_err "20000 rows read, 0 inserted, 20000 updated, 0 unchanged" "fk bulk: the upsert's counts"
is "$(sql -c "SELECT count(*) FROM fkc WHERE note LIKE 'changed %'")/$(sql -c "SELECT count(*) FROM fkc_audit")" "20000/20000" \
	"fk bulk: every row updated and audited"
is "$(fkdef)" "$want_fk" "fk bulk: the foreign key valid after the upsert"
[ "$(fkoid)" != "$o1" ]
ok $? "fk bulk: the upsert checked the key in one pass"
o1=$(fkoid)
ex 0 "fk bulk: the upsert again" "$LP" --workdir "$W" --table fkc --mode upsert --key id --audit fkc_audit "$W/fkc-up.csv"
expect_err "20000 rows read, 0 inserted, 0 updated, 20000 unchanged" "fk bulk: the rerun changes nothing"
is "$(fkoid)" "$o1" "fk bulk: nothing to write, the key not touched"

# a reader holding the table: no waiting for its lock past 5 s, the per-row way instead
sql -c "TRUNCATE fkc"
PGAPPNAME=sk-reader-$$ psql -X -q -c "BEGIN" -c "SELECT count(*) FROM fkc" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
reader=$!
for i in $(seq 1 100); do
	[ "$(admin -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sk-reader-$$' AND query LIKE '%pg_sleep%'")" = 1 ] && break
	sleep 0.1
done
o1=$(fkoid)
ex 0 "fk bulk: a reader holds the table" "$LP" --workdir "$W" --table fkc
is "$(sql -c "SELECT count(*) FROM fkc")/$(fkoid)" "20000/$o1" "fk bulk: loaded the per-row way, the key not touched"
admin -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sk-reader-$$'" >/dev/null
wait "$reader" 2>/dev/null

# the one-pass way fails for another reason than a missing parent or its
# lock (a rejected value, a trigger's error): that is the load's error at
# once, the rows written once, never again the per-row way
sql -c "CREATE TABLE fkc4 (LIKE fkc); ALTER TABLE fkc4 ADD CONSTRAINT fkc_parent4 FOREIGN KEY (pid) REFERENCES fkp;
	CREATE SEQUENCE fkc4_writes; CREATE SEQUENCE fkc4_refusals;
	CREATE FUNCTION fkc4_count() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
		PERFORM nextval('fkc4_writes'); RETURN NULL; END \$\$;
	CREATE TRIGGER fkc4_count BEFORE INSERT ON fkc4 FOR EACH STATEMENT EXECUTE FUNCTION fkc4_count()"
writes() { sql -c "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM fkc4_writes"; }
{ cat "$W/fkc.csv"; echo "20001,x,extra"; } >"$W/fkc4-bad.csv"
ex 1 "fk bulk: a rejected last line" "$LP" --workdir "$W" --table fkc4 "$W/fkc4-bad.csv"
expect_err "load-postgres: '$W/fkc4-bad.csv': line 20002: column pid: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)" \
	"fk bulk: the rejected line's error"
is "$(writes)/$(sql -c "SELECT count(*) FROM fkc4")" "1/0" "fk bulk: the rows written once, not again the per-row way"
sql -c "CREATE FUNCTION fkc4_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
		IF nextval('fkc4_refusals') = 1 THEN RAISE EXCEPTION 'fkc4: refused once'; END IF; RETURN NULL; END \$\$;
	CREATE TRIGGER fkc4_refuse BEFORE INSERT ON fkc4 FOR EACH STATEMENT EXECUTE FUNCTION fkc4_refuse()"
ex 1 "fk bulk: a trigger's error" "$LP" --workdir "$W" --table fkc4 "$W/fkc.csv"
has "$T/err" "fkc4: refused once (SQLSTATE P0001)" "fk bulk: the trigger's error is the load's"
is "$(writes)/$(sql -c "SELECT count(*) FROM fkc4")" "2/0" "fk bulk: not hidden by a second attempt that passes"

# --- indexes built in one sort for large loads ---
# 20,000 rows: the indexes that can be made again exactly are dropped and
# built again (new oids, the same definitions); the others stay as they
# were (same oids); a key twice undoes that and the per-row way names the
# line, as it always did.
sql -c "CREATE TABLE ixt (id integer CONSTRAINT ixt_pk PRIMARY KEY, pid integer NOT NULL REFERENCES fkp,
		code text NOT NULL, note text, CONSTRAINT ixt_code UNIQUE (code) WITH (fillfactor = 70));
	CREATE INDEX ixt_pid ON ixt (pid);
	CREATE INDEX ixt_lower ON ixt (lower(note)) WHERE note IS NOT NULL;
	CREATE INDEX \"ixt \"\"odd\"\" name\" ON ixt USING hash (note);
	CREATE INDEX ixt_commented ON ixt (note, pid); COMMENT ON INDEX ixt_commented IS 'keep me';
	CREATE UNIQUE INDEX ixt_ident ON ixt (code, id); ALTER TABLE ixt REPLICA IDENTITY USING INDEX ixt_ident;
	CREATE INDEX ixt_clustered ON ixt (pid, id); CLUSTER ixt USING ixt_clustered"
awk 'BEGIN { print "id,pid,code,note"; for (i = 1; i <= 20000; i++) printf "%d,%d,c%045d,Note %d\n", i, i % 100 + 1, i, i % 7 }' >"$W/ixt.csv"
ixdefs() {
	sql -c "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident,
		coalesce(obj_description(i.indexrelid, 'pg_class'), '-') FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'ixt'::regclass ORDER BY 1" &&
	sql -c "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
		WHERE conrelid = 'ixt'::regclass ORDER BY 1"
}
# ixsame: each index of ixt, and whether it is the one ixsnap saw (t) or built again (f)
ixsnap() { sql -c "DROP TABLE IF EXISTS ixt_snap; CREATE TABLE ixt_snap AS SELECT c.relname, c.oid FROM pg_index i
	JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'ixt'::regclass"; }
ixsame() { sql -c "SELECT s.relname, s.oid = c.oid FROM ixt_snap s JOIN pg_class c ON c.relname = s.relname
	AND c.relkind = 'i' ORDER BY 1" | tr '\n' ' '; }
want_ix=$(ixdefs)
ixsnap
ex 0 "index bulk: append 20,000 rows" "$LP" --workdir "$W" --table ixt
is "$(sql -c "SELECT count(*), sum(pid), count(DISTINCT code) FROM ixt")" "20000,1010000,20000" "index bulk: every row appended"
is "$(ixdefs)" "$want_ix" "index bulk: the same indexes and constraints after the append"
is "$(ixsame)" "ixt \"odd\" name,f ixt_clustered,t ixt_code,t ixt_commented,t ixt_ident,t ixt_lower,f ixt_pid,f ixt_pk,f " \
	"index bulk: built again, except the commented, the replica identity, the clustered index and a constraint's with a fillfactor"
is "$(sql -c "SET enable_seqscan = off; SELECT count(*) FROM ixt WHERE lower(note) = 'note 3'")" "2857" \
	"index bulk: the partial expression index built again finds its rows"
sql -c "INSERT INTO ixt VALUES (7, 1, 'x', 'y')" 2>"$T/dup.err"
has "$T/dup.err" 'duplicate key value violates unique constraint "ixt_pk"' "index bulk: the primary key built again holds"
# a key twice (an existing row), in the small way and in the large way: the same message
sql -c "CREATE TABLE ixt2 (LIKE ixt INCLUDING INDEXES)"
printf 'id,pid,code,note\n1,1,a,x\n1,2,b,y\n' >"$W/ixt-small.csv"
ex 1 "index: a key twice, few rows" "$LP" --workdir "$W" --table ixt2 "$W/ixt-small.csv"
small_msg=$(sed -n 's/.*load-postgres: //p' "$T/err" | sed "s|$W/ixt-small.csv|FILE|" | tail -1)
has "$T/err" "line 3: duplicate key value violates unique constraint \"ixt2_pkey\"" "index: the per-row way names the line of the key twice"
sql -c "TRUNCATE ixt2; INSERT INTO ixt2 VALUES (1, 1, 'a', 'x')"
{ echo "id,pid,code,note"; awk 'BEGIN { for (i = 20001; i <= 40000; i++) printf "%d,%d,c%045d,Note\n", i, i % 100 + 1, i }'; echo "1,2,b,y"; } >"$W/ixt-dup.csv"
o2=$(sql -c "SELECT 'ixt2_pkey'::regclass::oid")
ex 1 "index bulk: a key twice, 20,001 rows" "$LP" --workdir "$W" --table ixt2 "$W/ixt-dup.csv"
has "$T/err" "line 20002: duplicate key value violates unique constraint \"ixt2_pkey\"" "index bulk: the per-row way names the line"
is "$(sql -c "SELECT count(*) FROM ixt2")/$(sql -c "SELECT 'ixt2_pkey'::regclass::oid")" "1/$o2" \
	"index bulk: the failed load changed nothing, the index untouched"
# upsert (INSERT ... ON CONFLICT): its unique indexes stay, the others are built again
sed 's/,Note /,Upd /' "$W/ixt.csv" >"$W/ixt-up.csv"
ixsnap
ex 0 "index bulk: upsert 20,000 changed rows" "$LP" --workdir "$W" --table ixt --mode upsert --key id "$W/ixt-up.csv"
expect_err "20000 rows read, 0 inserted, 20000 updated, 0 unchanged" "index bulk: the upsert's counts"
is "$(ixsame)" "ixt \"odd\" name,f ixt_clustered,t ixt_code,t ixt_commented,t ixt_ident,t ixt_lower,f ixt_pid,f ixt_pk,t " \
	"index bulk: the upsert keeps the unique indexes"
is "$(ixdefs)" "$want_ix" "index bulk: the same indexes and constraints after the upsert"
# a primary key another table's foreign key references stays
o2=$(sql -c "SELECT 'fkp_pkey'::regclass::oid")
awk 'BEGIN { print "id"; for (i = 101; i <= 20100; i++) printf "%048d\n", i }' >"$W/fkp.csv"
ex 0 "index bulk: append 20,000 referenced rows" "$LP" --workdir "$W" --table fkp
is "$(sql -c "SELECT count(*) FROM fkp")/$(sql -c "SELECT 'fkp_pkey'::regclass::oid")" "20100/$o2" \
	"index bulk: a referenced primary key is kept"

# --- the server down ---
"$TOP/tests/servers/pg-down.sh" "$T/pg"
ok $? "server stopped"
ex 75 "server down" "$LP" --workdir "$W" --table items
expect_err "Connection refused: check that the server is up" "server down: what to check"
! grep -q "stepkit_runs" "$T/err"
ok $? "server down: no second attempt to reach it for the run log"

# --- no password anywhere ---
! grep -rqF -- "$PW" "$T/all.err" $(find "$T" -path '*/events/*.json' -not -path "$T/pg/*")
ok $? "the password is in no log line and no event"

done_testing
