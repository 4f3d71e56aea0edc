#!/bin/bash
# load-postgres's COPY against a real PostgreSQL: the binary form (lib/pgbin.c)
# stores exactly what psql's \copy of the same CSV stores, for every plain
# value and every other form (those go as CSV from that row on); the line an
# error names, after line feeds and CRs in quoted fields, in both forms; a
# table with a statement trigger gets one COPY; an upsert's rerun of binary
# values finds them unchanged.
. "$(dirname "$0")/../lib.sh"

need_pg
need_built load-postgres

pg_up
unset STEPKIT_TABLE STEPKIT_LOAD_MODE STEPKIT_KEY STEPKIT_DEDUP STEPKIT_AUDIT STEPKIT_WHERE \
	STEPKIT_TARGET STEPKIT_EVENTS_DIR STEPKIT_DB STEPKIT_WORKDIR STEPKIT_EVENT_FILE STEPKIT_RUN_ID
LP=$BIN/load-postgres
W=$T/w
mkdir -p "$W"

sql() { psql -X -q -A -t -F, -v ON_ERROR_STOP=1 "$@"; }
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"
		printf '%s\n' "#   got:  $1" "#   want: $2"; fi
}
# every statement of the role's sessions in the server log: which COPY ran
sql "$PG_ADMIN" -c "ALTER ROLE etl SET log_min_duration_statement = 0"
LOG=$T/pg/pg.log
mark() { wc -l <"$LOG"; }
# copies SINCE TABLE: the forms of the COPYs into TABLE since line SINCE, in order
copies() {
	tail -n +"$(($1 + 1))" "$LOG" |
		grep -o "execute [^:]*: COPY \"public\".\"$2\" ([^)]*) FROM STDIN WITH (FORMAT [a-z]*)" |
		sed 's/.*FORMAT //; s/)$//' | paste -sd' '
}

TYPES="s text, v varchar(10), c char(3), b bool, i2 int2, i4 int4, i8 int8,
	n numeric(20,2), nu numeric, d date, ts timestamp, ts3 timestamp(3)"
sql -c "CREATE TABLE bt ($TYPES); CREATE TABLE ref ($TYPES)"
HDR=s,v,c,b,i2,i4,i8,n,nu,d,ts,ts3
# same FILE NAME: load-postgres into bt and \copy into ref give the same rows
same() {
	sql -c "TRUNCATE bt, ref"
	sql -c "\\copy ref FROM '$1' WITH (FORMAT csv, HEADER true)"
	expect_exit 0 "$2: loaded" "$LP" --workdir "$W" --table bt "$1"
	is "$(sql -c "SELECT bt::text FROM bt ORDER BY bt::text")" \
		"$(sql -c "SELECT ref::text FROM ref ORDER BY ref::text")" "$2: the rows \\copy stores"
}

# --- the plain forms, at their limits: all of it binary ---
cat >"$W/plain.csv" <<EOF
$HDR
abc,x,ab,t,0,0,0,0,0,2000-01-01,2000-01-01 00:00:00,2000-01-01T00:00:00
"with ""quote"", comma",y,a,f,-32768,-2147483648,-9223372036854775808,-0.00,-0.000,0001-01-01,1999-12-31T23:59:59.999999,2020-02-29 12:00:00.123
é ü 日本,,,true,32767,2147483647,9223372036854775807,29.5,29.50,9999-12-31,2010-12-01T07:42:00,2010-12-01T07:42:00.1
"two
lines",z,z,false,007,-0,-01,123456789.125,0.0001,2024-02-29,1970-01-01 00:00:01.5,2100-01-01 00:00:00.12
,,,,,,,,,,,
x,x,x,t,1,1,1,-12345678901234567.99,10000,1900-03-01,2000-02-29T13:14:15,2000-01-01T00:00:00.000
y,y,y,f,2,2,2,0.005,00001.10000,1600-02-29,2000-01-01 00:00:00.000001,2000-01-01 00:00:00.999
z,z,z,f,3,3,3,-0.004,123456789012345678901234567890.123456789012345678901234567890,2000-12-31,1899-12-31 23:59:59,0001-01-01 00:00:00
EOF
m=$(mark)
same "$W/plain.csv" "plain forms"
is "$(copies "$m" bt)" "binary" "plain forms: one COPY, binary"
is "$(sql -c "SELECT n, nu, ts, ts3 FROM bt WHERE s = 'y'")" \
	"0.01,1.10000,2000-01-01 00:00:00.000001,2000-01-01 00:00:00.999" \
	"plain forms: numeric(20,2) rounded by the server, numeric keeps its scale"

# --- every other form: from its row on, CSV; the same rows ---
row() { # row COLUMN VALUE: a row of plain values with COLUMN set to VALUE
	local plain="r,v,c,t,1,1,1,1.5,1,2000-01-01,2000-01-01 00:00:00,2000-01-01 00:00:00"
	local i out=() vals hs
	IFS=, read -ra vals <<<"$plain"
	IFS=, read -ra hs <<<"$HDR"
	for ((i = 0; i < ${#hs[@]}; i++)); do
		if [ "${hs[$i]}" = "$1" ]; then out+=("$2"); else out+=("${vals[$i]}"); fi
	done
	(IFS=,; echo "${out[*]}")
}
n=0
while IFS='|' read -r col value; do
	n=$((n + 1))
	{
		echo "$HDR"
		row s first
		row "$col" "$value"
		row s last
	} >"$W/other$n.csv"
	m=$(mark)
	same "$W/other$n.csv" "$col '$value'"
	is "$(copies "$m" bt)" "binary csv" "$col '$value': binary, then CSV from its row"
done <<'EOF'
b|yes
b|TRUE
b| t
i4| 5
i4|+5
i4|5 
n|1e3
n|.5
n|5.
n|+1.5
n| 1.5
n|NaN
nu|-.5
nu|Infinity
d|2010-1-05
d|20100105
d|January 5 2010
ts|2010-01-05
ts|2010-01-05 07:42
ts|2010-01-05 24:00:00
ts|2010-01-05 07:42:00+02
ts|2010-01-05 07:42:00.1234567
ts3|2000-01-01 00:00:00.12345
ts3|2000-01-01 00:00:00.9996
EOF

# --- errors: the file's line, after line feeds and CRs in quoted fields ---
sql -c "CREATE TABLE lt (s text, v varchar(5), i integer NOT NULL)"
# (a jsonb column has no binary form here: all of lt_csv's loads are CSV)
sql -c "CREATE TABLE lt_csv (s text, v varchar(5), i integer NOT NULL, j jsonb DEFAULT '{}')"
# err NAME WANT FILE-CONTENT: exit 1 and WANT for both tables, nothing stored
err() {
	local t
	printf "$3" >"$W/lt.csv"
	for t in lt lt_csv; do
		expect_exit 1 "$1 ($t)" "$LP" --workdir "$W" --table "$t" "$W/lt.csv"
		expect_err "load-postgres: '$W/lt.csv': $2" "$1 ($t): the error"
		is "$(sql -c "SELECT count(*) FROM $t")" 0 "$1 ($t): nothing stored"
	done
}
err "a bad value in a row with a quoted LF" 'line 3: column i: invalid input syntax for type integer: "5x" (SQLSTATE 22P02)' \
	's,v,i\nok,short,1\n"x\ny",wa,5x\n'
err "a bad value in a first row with a quoted LF" 'line 2: column i: invalid input syntax for type integer: "1x" (SQLSTATE 22P02)' \
	's,v,i\n"a\nb",short,1x\n'
err "after a first row with a quoted CR LF" 'line 4: column i: invalid input syntax for type integer: "2x" (SQLSTATE 22P02)' \
	's,v,i\n"a\r\nb",short,1\nc,d,2x\n'
err "after a first row with a quoted CR" 'line 3: column i: invalid input syntax for type integer: "2x" (SQLSTATE 22P02)' \
	's,v,i\n"a\rb",short,1\nc,d,2x\n'
err "after rows of LFs, CRs and empty lines in quotes" 'line 9: column i: invalid input syntax for type integer: "5x" (SQLSTATE 22P02)' \
	's,v,i\nok,short,1\n"multi\nline",w,2\n"a\r\nb\n\nc",w,5\n"x\ny",wa,5x\n'
err "too long, in the binary part" 'line 9: column v: value too long for type character varying(5) (SQLSTATE 22001)' \
	's,v,i\nok,short,1\n"multi\nline",w,2\n"a\r\nb\n\nc",w,5\n"x\ny",waaaaaa,5\n'
err "too long, in the CSV part" 'line 9: column v: value too long for type character varying(5) (SQLSTATE 22001)' \
	's,v,i\nok,short,1\n"multi\nline",w,+2\n"a\r\nb\n\nc",w,5\n"x\ny",waaaaaa,5\n'
err "too long, in the binary part ended by a value of another form" 'line 4: column v: value too long for type character varying(5) (SQLSTATE 22001)' \
	's,v,i\n"a\nb",short,1\nbad,waaaaaa,5\nx,y,+2\n'
err "a NULL, in the binary part" 'line 5: column i: null value in column "i" of relation' \
	's,v,i\nok,short,1\n"multi\nline",w,2\nbad,ok,\n'

# --- a statement trigger on INSERT: one COPY, of CSV, so it fires once ---
sql -c "CREATE TABLE st (s text, i integer); CREATE SEQUENCE st_fired;
	CREATE FUNCTION st_count() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
		PERFORM nextval('st_fired'); RETURN NULL; END \$\$;
	CREATE TRIGGER st_count AFTER INSERT ON st FOR EACH STATEMENT EXECUTE FUNCTION st_count()"
printf 's,i\na,1\nb,+2\nc,3\n' >"$W/st.csv"
m=$(mark)
expect_exit 0 "statement trigger: loaded" "$LP" --workdir "$W" --table st "$W/st.csv"
is "$(sql -c "SELECT last_value FROM st_fired")/$(sql -c "SELECT string_agg(s || i, ' ' ORDER BY s) FROM st")" \
	"1/a1 b2 c3" "statement trigger: fired once, every row in"
is "$(copies "$m" st)" "csv" "statement trigger: one COPY, of CSV"

# --- an upsert's stage is binary too: the rerun finds every row unchanged ---
sql -c "CREATE TABLE ut (k integer PRIMARY KEY, v numeric(10,2), t timestamp(0), d date)"
printf 'k,v,t,d\n1,1.5,2000-01-01T07:42:00,2024-02-29\n2,-0.00,1999-12-31 23:59:59,0001-01-01\n3,,,\n' >"$W/ut.csv"
expect_exit 0 "upsert: first load" "$LP" --workdir "$W" --table ut --mode upsert --key k "$W/ut.csv"
m=$(mark)
expect_exit 0 "upsert: rerun" "$LP" --workdir "$W" --table ut --mode upsert --key k "$W/ut.csv"
expect_err "3 rows read, 0 inserted, 0 updated, 3 unchanged" "upsert: rerun: all unchanged"
tail -n +"$((m + 1))" "$LOG" | grep -q "execute [^:]*: COPY pg_temp.stepkit_stage (.*) FROM STDIN WITH (FORMAT binary)"
ok $? "upsert: the stage's COPY is binary"

done_testing
