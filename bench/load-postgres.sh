#!/bin/bash
# bench/load-postgres.sh [ROWS]: load-postgres against psql's \copy and
# pandas DataFrame.to_sql on a throwaway PostgreSQL (tests/servers/pg-up.sh),
# with ROWS generated sales rows (default 5,000,000) through transform.
# Measures, wall time and peak RSS (GNU time):
#   star      load-postgres --target sales-star, into an empty star
#   star-rerun  the same again (every row unchanged)
#   copy      psql -c "\copy fact_sales(...) FROM file" (the server's own limit)
#   append    load-postgres --table fact_sales, same file, same empty table
#   upsert-rerun  load-postgres --table fact_sales --mode upsert (nothing changed)
#   to_sql    pandas read_csv + DataFrame.to_sql (SQLAlchemy + psycopg2), when installed
# Goals (issue 12): append <= 1.3x copy; upsert rerun <= 2.5x copy; >= 10x
# faster than to_sql; RSS < 50 MiB.
set -euo pipefail
ROWS=${1:-5000000}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
T=$(mktemp -d "${TMPDIR:-/tmp}/lpgbench.XXXXXX")
chmod 755 "$T"
trap '"$TOP/tests/servers/pg-down.sh" "$T/pg" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
"$TOP/tests/servers/pg-up.sh" "$T/pg" >/dev/null
. "$T/pg/env"
export STEPKIT_LOG_LEVEL=warn
D=$T/d
"$TOP/scripts/gen-sample" --rows "$ROWS" "$D" 2>/dev/null
"$BIN/transform" --workdir "$D"
psql -X -q -v ON_ERROR_STOP=1 -f "$TOP/scripts/warehouse.sql" 2>/dev/null
# the facts as a CSV of fact_sales' columns (date_key is generated)
python3 - "$D/transformed_data.csv" "$D/fact_sales.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f, open(sys.argv[2], 'w', newline='') as o:
    r = csv.reader(f); w = csv.writer(o, lineterminator='\n')
    for row in r:
        w.writerow([row[0], row[1], row[5], row[3], row[2], row[4], row[6]])
PY
COLS="invoice_no,stock_code,customer_id,invoice_date,quantity,unit_price,line_total"
# m NAME CMD...: wall seconds and peak RSS (MiB) of CMD
m() {
	local name=$1; shift
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" >/dev/null
	read -r s k <"$T/time"
	printf '%-13s %8.2f s %7.1f MiB\n' "$name" "$s" "$(echo "$k / 1024" | bc -l)"
	eval "t_${name//-/_}=$s"
}
empty_facts() { psql -X -q -c "TRUNCATE fact_sales" -c "VACUUM ANALYZE fact_sales" >/dev/null; }
echo "# $ROWS generated rows, $(($(wc -l <"$D/transformed_data.csv") - 1)) transformed; PostgreSQL on 127.0.0.1"
m star "$BIN/load-postgres" --workdir "$D" --target sales-star
m star-rerun "$BIN/load-postgres" --workdir "$D" --target sales-star
empty_facts
m copy psql -X -q -c "\\copy fact_sales($COLS) FROM '$D/fact_sales.csv' WITH (FORMAT csv, HEADER true)"
empty_facts
m append "$BIN/load-postgres" --workdir "$D" --table fact_sales
m upsert-rerun "$BIN/load-postgres" --workdir "$D" --table fact_sales --mode upsert --key invoice_no,stock_code
if /usr/bin/python3 -c 'import pandas, sqlalchemy, psycopg2' 2>/dev/null; then
	empty_facts
	m to_sql /usr/bin/python3 -c "
import os, pandas as pd, sqlalchemy as sa
e = sa.create_engine('postgresql+psycopg2://', connect_args={})
df = pd.read_csv('$D/fact_sales.csv', dtype=str, keep_default_na=False, na_values=[''])
df.to_sql('fact_sales', e, if_exists='append', index=False, chunksize=10000)
"
else
	echo "to_sql        skipped: python3-sqlalchemy and python3-psycopg2 are not installed (scripts/install-deps)"
fi
echo "append/copy $(echo "$t_append / $t_copy" | bc -l | cut -c1-5) (goal <= 1.3); upsert-rerun/copy $(echo "$t_upsert_rerun / $t_copy" | bc -l | cut -c1-5) (goal <= 2.5)${t_to_sql:+; to_sql/append $(echo "$t_to_sql / $t_append" | bc -l | cut -c1-5) (goal >= 10)}"
