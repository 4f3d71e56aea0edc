#!/bin/bash
# bench/load-postgres.sh [--estimate] [ROWS]: load-postgres against psql's
# \copy and pandas DataFrame.to_sql on a throwaway PostgreSQL
# (tests/servers/pg-up.sh), with ROWS generated sales rows (ROWS, else
# $BENCH_LOAD_ROWS, else 5,000,000) through transform. Each measurement runs
# $BENCH_REPEAT times (default 3); the median is printed with the range
# [min-max] of wall seconds, the peak RSS, and the CPU seconds of the client
# and of the server (the postmaster and every backend): on a shared machine
# the CPU seconds vary much less than the wall time, which also holds the
# waits for a busy CPU and disk. At ROWS:
#   star        load-postgres --target sales-star, into an empty star
#   star-rerun  the same again (every row unchanged)
#   copy        psql -c "\copy fact_sales(...) FROM file" (the server's own limit)
#   append      load-postgres --table fact_sales, same file, same empty table
#   upsert-rerun  load-postgres --table fact_sales --mode upsert (nothing changed)
# Then, when installed, pandas read_csv + DataFrame.to_sql (SQLAlchemy +
# psycopg2) into the same empty table, at $BENCH_TO_SQL_ROWS rows (default
# 1,000,000, or ROWS if smaller: at 5,000,000 a round of the three forms
# takes about 20 minutes, over a GiB each), with copy and append measured again at
# that same size, so that every to_sql ratio compares runs of one size; three
# forms: pandas' default (executemany), method='multi' (multi-row INSERTs),
# and method=<COPY callable> (the psql_insert_copy of pandas' own
# documentation, the fastest form a pandas user would write).
# --estimate prints the seconds all of it should take (for scripts/bench).
# BENCH_LOADER=PATH times another load-postgres binary (an older build, for
# before/after figures); BENCH_TO_SQL=0 leaves out the to_sql peers (they
# do not depend on load-postgres: measure them once); BENCH_TO_SQL_FORMS
# picks some of them (default "copy multi default"), for example only the
# fastest, "copy", at the full size with BENCH_TO_SQL_ROWS=5000000.
# Goals (issue 12): append <= 1.3x copy; upsert rerun <= 2.5x copy; >= 10x
# faster than to_sql; RSS < 50 MiB. Timing on a shared machine is noisy:
# read the ranges.
set -euo pipefail
ESTIMATE=0
[ "${1:-}" != --estimate ] || { ESTIMATE=1; shift; }
ROWS=${1:-${BENCH_LOAD_ROWS:-5000000}}
REPEAT=${BENCH_REPEAT:-3}
TS_ROWS=${BENCH_TO_SQL_ROWS:-1000000}
FORMS=${BENCH_TO_SQL_FORMS:-copy multi default}
for m in $FORMS; do
	case $m in copy | multi | default) ;; *)
		echo "bench/load-postgres.sh: BENCH_TO_SQL_FORMS: '$m' is not copy, multi or default" >&2
		exit 2
		;;
	esac
done
[ "$TS_ROWS" -le "$ROWS" ] || TS_ROWS=$ROWS
[ "${BENCH_TO_SQL:-1}" != 0 ] && /usr/bin/python3 -c 'import pandas, sqlalchemy, psycopg2' 2>/dev/null ||
	TS_ROWS=0
if [ $ESTIMATE = 1 ]; then
	# fitted to the run of docs/bench.md (2-core machine, 2026-12-05): per
	# million rows, generating and transforming the inputs 40 s; per round,
	# star, its rerun, copy, append and upsert rerun 110 s; at TS_ROWS, one
	# star load 25 s, then per round copy and append 45 s and the to_sql
	# forms: copy 45 s, multi 135 s, default 75 s; and about 2.5 s per
	# measured run (setup, waits)
	python3 -c "
r, t, n = $ROWS / 1e6, $TS_ROWS / 1e6, $REPEAT
f = [{'copy': 45, 'multi': 135, 'default': 75}[m] for m in '$FORMS'.split()]
s = 10 + 40 * r + n * (r * 110 + 5 * 2.5)
if t > 0:
    s += n * (t * sum(f) + len(f) * 2.5) + (65 * t + n * (t * 45 + 2 * 2.5) if t < r else 0)
print('%.0f' % s)"
	exit 0
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
LPG=${BENCH_LOADER:-$BIN/load-postgres}
T=$(mktemp -d "${TMPDIR:-/tmp}/lpgbench.XXXXXX")
chmod 755 "$T"
trap '"$TOP/tests/servers/pg-down.sh" "$T/pg" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
"$TOP/tests/servers/pg-up.sh" "$T/pg" >/dev/null
. "$T/pg/env"
export STEPKIT_LOG_LEVEL=warn
# prepare DIR ROWS: generated rows through transform, and the facts as a CSV
# of fact_sales' columns (date_key is generated)
prepare() {
	"$TOP/scripts/gen-sample" --rows "$2" "$1" 2>/dev/null
	"$BIN/transform" --workdir "$1"
	python3 - "$1/transformed_data.csv" "$1/fact_sales.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f, open(sys.argv[2], 'w', newline='') as o:
    r = csv.reader(f); w = csv.writer(o, lineterminator='\n')
    for row in r:
        w.writerow([row[0], row[1], row[5], row[3], row[2], row[4], row[6]])
PY
}
D=$T/d
prepare "$D" "$ROWS"
schema() { psql -X -q -v ON_ERROR_STOP=1 -f "$TOP/scripts/warehouse.sql" 2>/dev/null; }
schema
cat >"$T/to_sql.py" <<'PY'
import csv, io, sys
import pandas as pd, sqlalchemy as sa

def copy_callable(table, conn, keys, data_iter):
    # pandas' documented COPY insertion method (psql_insert_copy)
    with conn.connection.cursor() as cur:
        buf = io.StringIO()
        csv.writer(buf).writerows(data_iter)
        buf.seek(0)
        cols = ', '.join('"{}"'.format(k) for k in keys)
        name = '{}.{}'.format(table.schema, table.name) if table.schema else table.name
        cur.copy_expert('COPY {} ({}) FROM STDIN WITH CSV'.format(name, cols), buf)

method = {'default': None, 'multi': 'multi', 'copy': copy_callable}[sys.argv[2]]
e = sa.create_engine('postgresql+psycopg2://')
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False, na_values=[''])
df.to_sql('fact_sales', e, if_exists='append', index=False, chunksize=10000, method=method)
PY
COLS="invoice_no,stock_code,customer_id,invoice_date,quantity,unit_price,line_total"
TCK=$(getconf CLK_TCK)
# CPU ticks of the server: the postmaster, its reaped backends, its live ones
server_ticks() {
	local t c
	t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat")
	for c in $(pgrep -P "$PG_PID"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# run NAME SETUP CMD...: SETUP (a shell function) then CMD, REPEAT times;
# prints the median wall time with its range, RSS, CPU; sets t_NAME
run() {
	local name=$1 setup=$2 i a b s k u y
	shift 2
	: >"$T/runs"
	for ((i = 0; i < REPEAT; i++)); do
		$setup
		# every run starts with nothing of the one before left to write out:
		# the server's dirty buffers, then the kernel's dirty pages
		psql "$PG_ADMIN" -X -q -c CHECKPOINT
		sync
		a=$(server_ticks)
		/usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >/dev/null
		sleep 1 # the backend's exit, so that its CPU is counted
		b=$(server_ticks)
		read -r s k u y <"$T/time"
		echo "$s $k $(echo "$u + $y" | bc) $(echo "($b - $a) / $TCK" | bc -l)" >>"$T/runs"
	done
	local m=$(((REPEAT + 1) / 2))
	col() { cut -d' ' -f"$1" "$T/runs" | sort -g | sed -n "$2p"; }
	printf '%-17s %8.2f s [%.2f-%.2f]  %6.1f MiB  cpu client %6.2f s  server %7.2f s\n' "$name" \
		"$(col 1 $m)" "$(col 1 1)" "$(col 1 "$REPEAT")" "$(echo "$(col 2 "$REPEAT") / 1024" | bc -l)" \
		"$(col 3 $m)" "$(col 4 $m)"
	eval "t_${name//-/_}=$(col 1 $m)"
}
nothing() { :; }
empty_star() {
	psql -X -q -c "DROP TABLE IF EXISTS fact_sales, dim_date, dim_customer, dim_product CASCADE" \
		>/dev/null 2>&1
	schema
}
empty_facts() { psql -X -q -c "TRUNCATE fact_sales" -c "VACUUM ANALYZE fact_sales" >/dev/null; }
facts_once() { empty_facts; "$LPG" --workdir "$D" --table fact_sales >/dev/null; }
ratio() { echo "$1 / $2" | bc -l | cut -c1-5; }
facts() { echo $(($(wc -l <"$1/transformed_data.csv") - 1)); }
echo "# $ROWS generated rows, $(facts "$D") transformed; PostgreSQL on 127.0.0.1;" \
	"median of $REPEAT [range]; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
run star empty_star "$LPG" --workdir "$D" --target sales-star
run star-rerun nothing "$LPG" --workdir "$D" --target sales-star
run copy empty_facts psql -X -q -c "\\copy fact_sales($COLS) FROM '$D/fact_sales.csv' WITH (FORMAT csv, HEADER true)"
run append empty_facts "$LPG" --workdir "$D" --table fact_sales
facts_once
run upsert-rerun nothing "$LPG" --workdir "$D" --table fact_sales --mode upsert --key invoice_no,stock_code
echo "append/copy $(ratio "$t_append" "$t_copy") (goal <= 1.3); upsert-rerun/copy $(ratio "$t_upsert_rerun" "$t_copy") (goal <= 2.5)"
if [ "${BENCH_TO_SQL:-1}" = 0 ]; then
	echo "to_sql            left out (BENCH_TO_SQL=0)"
elif [ "$TS_ROWS" = 0 ]; then
	echo "to_sql            skipped: python3-pandas, python3-sqlalchemy, python3-psycopg2 are not installed (scripts/install-deps)"
else
	t_copy_ts=$t_copy t_append_ts=$t_append
	if [ "$TS_ROWS" != "$ROWS" ]; then
		# the to_sql peers at a size they finish at, and copy and append again at it
		D=$T/d2
		prepare "$D" "$TS_ROWS"
		empty_star
		"$LPG" --workdir "$D" --target sales-star >/dev/null
		echo "# to_sql: $TS_ROWS generated rows, $(facts "$D") transformed, dimensions loaded by one star load;" \
			"copy and append again at this size"
		run copy-ts empty_facts psql -X -q -c "\\copy fact_sales($COLS) FROM '$D/fact_sales.csv' WITH (FORMAT csv, HEADER true)"
		run append-ts empty_facts "$LPG" --workdir "$D" --table fact_sales
	fi
	for m in $FORMS; do
		run "to_sql-$m" empty_facts /usr/bin/python3 "$T/to_sql.py" "$D/fact_sales.csv" "$m"
		eval "echo \"at $TS_ROWS rows: to_sql $m/append \$(ratio \"\$t_to_sql_$m\" \"\$t_append_ts\")" \
			"(goal >= 10), to_sql $m/copy \$(ratio \"\$t_to_sql_$m\" \"\$t_copy_ts\")\""
	done
fi
echo "# load average $(cut -d' ' -f1-3 /proc/loadavg)"
