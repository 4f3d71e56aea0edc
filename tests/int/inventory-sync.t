#!/bin/bash
# The inventory-sync WorkflowTemplate (argo/base/extract-api-template.yaml) run
# end to end by scripts/run-local, from argo/ as installed (--template
# inventory-sync; the API's configuration pointed at the test API with
# --configmap-dir): extract-api pages through the test API
# (tests/servers/api_server.py, credentials from the Secret mounted as files),
# load-postgres upserts the CSV into `inventory` of a throwaway PostgreSQL
# (tests/servers/pg-up.sh) recording every change in `inventory_audit`, notify
# runs as the exit handler. A second run with part of the same stock changes
# nothing (an upsert: no row removed, nothing audited); an API that refuses
# the request fails the run before the load, and notify still runs.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
RL=$TOP/scripts/run-local
$PY -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed (scripts/install-deps)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
for b in extract-api load-postgres notify; do
	[ -x "$BIN/$b" ] || skip_all "bin/$b not built"
done
need_pg
unset STEPKIT_FAST_RETRY STEPKIT_WORKDIR STEPKIT_RUN_ID MAIL_TO MAIL_CC MAIL_OUTBOX WEBHOOK_URL \
	SMTP_URL PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD STEPKIT_DB OZON_CLIENT_ID OZON_API_KEY \
	OZON_CLIENT_ID_FILE OZON_API_KEY_FILE

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }

CID='cid-5531'
KEY='Key-inv-7d1e90aa'

# the API
mkdir -p "$T/srv"
python3 "$TOP/tests/servers/api_server.py" --dir "$T/srv" --client-id "$CID" --api-key "$KEY" \
	--rows 2500 >"$T/srv.log" 2>&1 &
stop_at_exit $!
need_ready "$T/srv.log" $! "api_server.py" 20
port=$(cat "$T/srv/port") || exit 1
scenario() { curl -sf -o "$T/reset.out" -X POST --data-binary "$1" "http://127.0.0.1:$port/__reset"; }

# PostgreSQL
# (not pg_up: the settings go to the pipeline's env file, not into this shell)
if ! "$TOP/tests/servers/pg-up.sh" "$T/pg" >/dev/null 2>"$T/pg.err"; then
	echo "Bail out! tests/servers/pg-up.sh failed: $(head -c 2000 "$T/pg.err")"
	exit 1
fi
stop_at_exit "$(sed -n 's/^export PG_PID=//p' "$T/pg/env")"
(. "$T/pg/env"; printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGUSER=%s\nPGPASSWORD=%s\n' \
	"$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" "$PGPASSWORD") >"$T/pg.env"
q() { (set -a; . "$T/pg.env"; psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"); }
q "CREATE TABLE inventory (sku bigint, warehouse_name text, item_code text, item_name text,
	free_to_sell_amount integer, promised_amount integer, reserved_amount integer,
	PRIMARY KEY (sku, warehouse_name))"
ok $? "the inventory table created"

# the ConfigMap's configuration, pointed at the test API; the Secret's keys as files
mkdir -p "$T/cm" "$T/secret"
sed "s#https://api-seller.example.com#http://127.0.0.1:$port#" >"$T/cm/stock.json" <<'EOF'
{"url": "https://api-seller.example.com/v2/analytics/stock_on_warehouses", "method": "POST",
 "headers": {"Client-Id": "${OZON_CLIENT_ID}", "Api-Key": "${OZON_API_KEY}"},
 "body": {"limit": "${limit}", "offset": "${offset}", "warehouse_type": "ALL"},
 "pagination": {"type": "offset", "limit": 1000},
 "records": "/result/rows",
 "columns": [
   {"name": "sku", "path": "/sku", "type": "integer", "required": true},
   {"name": "warehouse_name", "path": "/warehouse_name", "type": "text"},
   {"name": "item_code", "path": "/item_code", "type": "text"},
   {"name": "item_name", "path": "/item_name", "type": "text"},
   {"name": "free_to_sell_amount", "path": "/free_to_sell_amount", "type": "integer", "min": 0},
   {"name": "promised_amount", "path": "/promised_amount", "type": "integer", "min": 0},
   {"name": "reserved_amount", "path": "/reserved_amount", "type": "integer", "min": 0}]}
EOF
printf '%s' "$CID" >"$T/secret/OZON_CLIENT_ID"
printf '%s' "$KEY" >"$T/secret/OZON_API_KEY"
OUT=$T/data
inv() { # inv NAME WANT [ARG...]: run inventory-sync as workflow NAME
	local name=$1 want=$2
	shift 2
	expect_exit "$want" "inventory-sync $name" "$RL" "$TOP/argo/" --template inventory-sync --data-dir "$OUT" --name "$name" --fast-retry \
		--configmap-dir stepkit-api-stock="$T/cm" --secret-dir stepkit-marketplace="$T/secret" \
		--env-file stepkit-db="$T/pg.env" "$@"
	cp "$T/err" "$T/err-$name"
	cp "$T/out" "$T/out-$name"
}

scenario '{"rows": 2500}'
inv inv1 0
grep -q "^extract-api  *Succeeded  *1 " "$T/out"; ok $? "extract-api succeeded"
grep -q "^load  *Succeeded  *1 " "$T/out"; ok $? "load succeeded after it"
grep -q "^notify  *Succeeded" "$T/out"; ok $? "notify ran as the exit handler"
grep -q "^load  *Succeeded" "$T/out" || tail -5 "$OUT/inv1/logs/load.log" | sed 's/^/#   load.log: /'
is "$(($(wc -l <"$OUT/inv1/stock_on_warehouses.csv") - 1))" 2500 "the CSV: 2500 rows"
is "$(q 'SELECT count(*) FROM inventory')" 2500 "inventory: 2500 rows"
is "$(q "SELECT sku || ',' || warehouse_name || ',' || item_name || ',' || free_to_sell_amount FROM inventory WHERE sku = 161875896")" \
	'161875896,MOSCOW_RFC,Mug, "Big" 0.5 l,0' "inventory: the first record as the API sent it"
is "$(q "SELECT change || ' ' || count(*) FROM inventory_audit WHERE run_id = 'inv1' GROUP BY change")" "insert 2500" \
	"inventory_audit: 2500 inserts by run inv1"
is "$(jq -r '"\(.step) \(.status) \(.counts.pages) \(.rows_out)"' "$OUT/inv1/events/extract-api.json")" \
	"extract-api succeeded 3 2500" "extract-api's event: 3 pages, 2500 rows"
is "$(jq -r '"\(.step) \(.status) \(.template)"' "$OUT/inv1/events/load-postgres.json")" \
	"load-postgres succeeded inventory-sync" "load-postgres's event names the template"
no_file "$OUT/inv1/api" "the kept pages removed once the CSV was written"
no_secret_in "$OUT/inv1/logs"/*.log "$OUT/inv1/events"/*.json -- "$KEY" "$CID"

# fewer rows, some changed: the upsert updates what changed, audits it, keeps the rest
scenario '{"rows": 1200, "bad_rows": ""}'
inv inv2 0
is "$(q 'SELECT count(*) FROM inventory')" 2500 "second run: upsert, no row removed"
is "$(q "SELECT count(*) FROM inventory_audit WHERE run_id = 'inv2'")" 0 "second run: the same stock, nothing audited"

# the API refuses the request (400: permanent, not retried): extract-api fails,
# load does not run, notify does
scenario '{"rows": 2500, "script": "*=400"}'
inv inv3 1
grep -q "^extract-api  *Failed  *1 " "$T/out"; ok $? "API refuses: extract-api failed, tried once"
grep -Eq "^load  *Omitted" "$T/out"; ok $? "API refuses: load omitted (did not run)"
grep -q "^notify  *Succeeded" "$T/out"; ok $? "API refuses: notify still ran"
is "$(q 'SELECT count(*) FROM inventory')" 2500 "API refuses: inventory untouched"

done_testing
