#!/bin/bash
# extract-api against tests/servers/api_server.py on 127.0.0.1: the reference
# configuration of issue 13 as written, each pagination kind and stop rule,
# 5xx/429/resets/stalls retried, 429 exhausted (75), the circuit breaker,
# HTML and broken JSON answers, bad records (exit 1, or dropped with
# --max-invalid), resume after a kill, --check, config errors (exit 2 naming
# the key), and no secret in any log line or event.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -x "$BIN/extract-api" ] || skip_all "bin/extract-api not built"

SERVER=$TOP/tests/servers/api_server.py
CID='cid-90217'
KEY='Key-s3cr3t-4f9c2e7a'
export STEPKIT_RETRIES=4 STEPKIT_RETRY_DELAY=0.02 STEPKIT_RETRY_MAX_DELAY=0.1
export OZON_CLIENT_ID=$CID OZON_API_KEY=$KEY
unset OZON_CLIENT_ID_FILE OZON_API_KEY_FILE STEPKIT_API_CONFIG STEPKIT_API_FILE STEPKIT_API_RATE \
	STEPKIT_API_MAX_PAGES STEPKIT_API_BREAKER STEPKIT_MAX_INVALID STEPKIT_MIN_ROWS STEPKIT_API_FRESH \
	STEPKIT_API_KEEP_PAGES STEPKIT_API_TIMEOUT

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi; }

# One API server for the whole file (a Python start is slow on a busy machine);
# `scenario JSON` gives it the next case's settings and empties its request log.
mkdir -p "$T/srv"
python3 "$SERVER" --dir "$T/srv" --client-id "$CID" --api-key "$KEY" >"$T/srv.log" 2>&1 &
pid=$!
stop_at_exit $pid
need_ready "$T/srv.log" $pid "api_server.py" 20
port=$(cat "$T/srv/port") || exit 1
scenario() { curl -sf -o "$T/reset.out" -X POST --data-binary "$1" "http://127.0.0.1:$port/__reset"; }

# the configuration of issue 13, as written: only the port and (optionally) the limit differ
conf() { # conf FILE PORT [LIMIT]
	cat >"$1" <<EOF
{"url": "http://127.0.0.1:$2/v2/analytics/stock_on_warehouses", "method": "POST",
 "headers": {"Client-Id": "\${OZON_CLIENT_ID}", "Api-Key": "\${OZON_API_KEY}"},
 "body": {"limit": "\${limit}", "offset": "\${offset}", "warehouse_type": "ALL"},
 "pagination": {"type": "offset", "limit": ${3:-1000}},
 "records": "/result/rows",
 "columns": [
   {"name": "sku", "path": "/sku", "type": "integer"},
   {"name": "warehouse_name", "path": "/warehouse_name", "type": "text"},
   {"name": "item_code", "path": "/item_code", "type": "text"},
   {"name": "item_name", "path": "/item_name", "type": "text"},
   {"name": "free_to_sell_amount", "path": "/free_to_sell_amount", "type": "integer"},
   {"name": "promised_amount", "path": "/promised_amount", "type": "integer"},
   {"name": "reserved_amount", "path": "/reserved_amount", "type": "integer"}]}
EOF
}

# api NAME WANT [VAR=VALUE]... [ARG]...: run extract-api in $W; stderr and the
# event are kept for the secret grep at the end
api() { run_kept extract-api "$@"; }

# ev FILTER: a jq filter over the event (raw output)
ev() { jq -r "$1" "$W/events/extract-api.json"; }

# reqs FILTER: a jq filter over the server's requests of this scenario (an array), compact
reqs() { jq -c -s "$1" "$T/srv/requests.jsonl"; }

# expected ROWS [SKIP...]: the CSV the server's first ROWS rows make (Python csv, SPEC dialect)
expected() {
	python3 - "$@" <<'EOF'
import csv, sys
rows, skip = int(sys.argv[1]), {int(x) for x in sys.argv[2:]}
wh = ["MOSCOW_RFC", "SPB_PARNAS", "KAZAN, RFC"]
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["sku", "warehouse_name", "item_code", "item_name", "free_to_sell_amount", "promised_amount", "reserved_amount"])
for i in range(rows):
    if i in skip:
        continue
    name = 'Mug, "Big" 0.5 l' if i % 5 == 0 else ("Чайник 1.7 л" if i % 5 == 1 else "Item %d" % i)
    w.writerow([161875896 + i, wh[i % 3], "A-%d" % i, name, i % 7, i % 3, i % 2])
EOF
}

W=$T/work
OUT=$W/api_data.csv
expected 2500 >"$T/want2500.csv"
expected 25 >"$T/want25.csv"

# --- the reference case, exactly as the issue writes it ---------------------
scenario '{"rows": 2500}'
conf "$T/ref.json" "$port"
api "the reference configuration: 2,500 rows in pages of 1000" 0 --config "$T/ref.json"
same_file "$OUT" "$T/want2500.csv" "reference: the CSV, byte for byte"
printf '%s\n' 'sku,warehouse_name,item_code,item_name,free_to_sell_amount,promised_amount,reserved_amount' \
	'161875896,MOSCOW_RFC,A-0,"Mug, ""Big"" 0.5 l",0,0,0' \
	'161875897,SPB_PARNAS,A-1,Чайник 1.7 л,1,1,1' \
	'161875898,"KAZAN, RFC",A-2,Item 2,2,2,0' >"$T/head.csv"
head -4 "$OUT" >"$T/got-head.csv"
same_file "$T/got-head.csv" "$T/head.csv" "reference: minimal quoting, UTF-8 as sent, integers as digits"
is "$(reqs 'map([.method, .body])')" \
	'[["POST",{"limit":1000,"offset":0,"warehouse_type":"ALL"}],["POST",{"limit":1000,"offset":1000,"warehouse_type":"ALL"}],["POST",{"limit":1000,"offset":2000,"warehouse_type":"ALL"}]]' \
	"reference: three POSTs, \${limit} and \${offset} sent as JSON numbers"
is "$(ev '"\(.counts.pages) \(.counts.records) \(.counts.api_requests_made) \(.counts.api_requests_failed) \(.counts.api_retries) \(.rows_out)"')" \
	"3 2500 3 0 0 2500" "reference: event counts pages, records, requests, failures, retries"
is "$(ev '"\(.counts | has("total_api_time_ms")) \(.outputs[0].sha256)"')" \
	"true $(sha256sum <"$OUT" | cut -d' ' -f1)" "reference: event has total_api_time_ms and the output's sha256"
no_file "$W/api" "reference: the kept pages are removed once the CSV is committed"
no_temp "$W" "reference: no temporary file left"

# the short last page ends it; an empty page ends it too (rows a multiple of the limit)
scenario '{"rows": 20}'
conf "$T/even.json" "$port" 10
api "rows a multiple of the page size: the empty page stops" 0 --config "$T/even.json"
is "$(reqs 'map(.body.offset)')" "[0,10,20]" "empty page: offsets 0, 10, 20"
is "$(($(wc -l <"$OUT") - 1))" 20 "empty page: 20 rows"

# --- secrets ------------------------------------------------------------------
printf '%s\n' "$KEY" >"$T/key"
scenario '{"rows": 2500}'
api "Api-Key from OZON_API_KEY_FILE" 0 OZON_API_KEY= OZON_API_KEY_FILE="$T/key" --config "$T/ref.json" --out "$W/k.csv"
same_file "$W/k.csv" "$T/want2500.csv" "secret from a file: the same CSV"
is "$(reqs '.[-1].status')" 200 "secret from a file: accepted by the server"
api "a header secret that is not set" 2 OZON_API_KEY= --config "$T/ref.json"
expect_err "extract-api: config '$T/ref.json': headers.Api-Key: \${OZON_API_KEY}: set OZON_API_KEY or OZON_API_KEY_FILE" \
	"unset secret: names the header, the variable and its _FILE"
api "both the variable and its _FILE" 2 OZON_API_KEY_FILE="$T/key" --config "$T/ref.json"
expect_err "headers.Api-Key: \${OZON_API_KEY}: both OZON_API_KEY and OZON_API_KEY_FILE are set: use one" "both set: said so"
n0=$(reqs length)
api "a wrong Api-Key: 401 is permanent" 1 OZON_API_KEY=wrong-$KEY --config "$T/ref.json"
expect_err "extract-api: page 1: POST 'http://127.0.0.1:$port/v2/analytics/stock_on_warehouses': HTTP 401 Unauthorized" "401: names the page, method and URL"
expect_err "unknown Api-Key '***'" "401: the server's message quoted, the key in it redacted"
is "$(($(reqs length) - n0))" 1 "401: asked once, never retried"

# --- config errors: exit 2 naming the key path, no request --------------------
badconf() { # badconf NAME SED-EXPR WANT-MESSAGE
	sed "$2" "$T/ref.json" >"$T/bad.json"
	api "config: $1" 2 --config "$T/bad.json"
	expect_err "extract-api: config '$T/bad.json': $3" "config: $1: named"
}
badconf "unknown pagination type" 's/"type": "offset"/"type": "offest"/' \
	"pagination.type: 'offest': use offset, page, cursor, link or none"
badconf "unknown column type" 's/"path": "\/item_code", "type": "text"/"path": "\/item_code", "type": "string"/' \
	"columns[2].type: 'string': use text, integer, decimal, boolean or timestamp"
badconf "a misspelt key" 's/"records"/"record"/' "record: unknown key (known here: url, method, headers, query, body, pagination, records, columns, rate)"
badconf "a pointer without '/'" 's/"\/result\/rows"/"result\/rows"/' \
	"records: 'result/rows' is not a JSON pointer: it must start with '/' (\"/result/rows\")"
badconf "a limit that is text" 's/"limit": 1000}/"limit": "1000"}/' "pagination.limit: must be a whole number from 1, not a string"
badconf "not JSON" 's/"url":/url:/' "line 1, column"
badconf "offset pagination without \${offset}" 's/"offset": "${offset}", //' \
	"pagination.type: offset pagination, but neither body nor query holds \"\${offset}\""
api "no --config" 2
expect_err "extract-api: no configuration: give --config FILE (or STEPKIT_API_CONFIG; see extract-api --help)" "no config: said how"
api "a --rate that is not a number" 2 --config "$T/ref.json" --rate fast
expect_err "extract-api: --rate 'fast': give a number from 0.001 to 1e+06" "bad --rate: named"

# --- retries: 503, 429 with Retry-After, a reset mid-body, a stall ---------------
scenario '{"rows": 2500, "script": "2=503,3=429,5=reset,6=stall"}'
conf "$T/flaky.json" "$port"
api "503, 429, a reset and a stall are retried" 0 --config "$T/flaky.json" --timeout 0.5
same_file "$OUT" "$T/want2500.csv" "retried: the same CSV as without faults"
is "$(ev '"\(.counts.api_requests_made) \(.counts.api_requests_failed) \(.counts.api_retries) \(.counts.pages)"')" \
	"7 4 4 3" "retried: 7 requests, 4 failed, 4 retries, 3 pages"
expect_err "attempt 1/4 failed: page 2: POST 'http://127.0.0.1:$port/v2/analytics/stock_on_warehouses': HTTP 503" "retried: the 503 logged with its page"
expect_err "stalled: no progress for 0.5 s" "retried: the stall named"
no_temp "$W" "retried: no temporary file"

scenario '{"rows": 2500, "script": "*=429:30"}'
conf "$T/quota.json" "$port"
rm -f "$OUT"
api "429 on every request: exhausted, temporary" 75 --config "$T/quota.json"
expect_err "extract-api: page 1: POST 'http://127.0.0.1:$port/v2/analytics/stock_on_warehouses': HTTP 429" "429 exhausted: the last error"
ok $(grep -c "circuit breaker" "$T/err" | grep -qx 0; echo $?) "429 exhausted: throttling does not open the breaker"
is "$(reqs length)" 4 "429 exhausted: STEPKIT_RETRIES=4 requests (Retry-After 30 capped by STEPKIT_RETRY_MAX_DELAY)"
no_file "$OUT" "429 exhausted: no output"
no_temp "$W" "429 exhausted: no temporary file"

# --- the circuit breaker ------------------------------------------------------------
scenario '{"rows": 2500, "script": "*=503"}'
conf "$T/down.json" "$port"
api "the API down: the breaker opens after 3 failures" 75 STEPKIT_RETRIES=20 --config "$T/down.json" --breaker 3
expect_err "extract-api: circuit breaker open after 3 failed requests in a row, the API looks down; stopping (exit 75: a retry later resumes after the last good page; --breaker sets the count); last error: page 1: POST 'http://127.0.0.1:$port/v2/analytics/stock_on_warehouses': HTTP 503" \
	"breaker: says the API looks down, and what comes next"
is "$(reqs length)" 3 "breaker: 3 requests, not the 20 the retry policy allows"
is "$(ev '"\(.counts.api_requests_made) \(.counts.api_requests_failed) \(.exit_code)"')" "3 3 75" "breaker: the event counts the failed requests"
scenario '{"rows": 2500, "script": "1=500,2=500,4=500,5=500"}'
conf "$T/blips.json" "$port"
api "failures with successes between them do not open the breaker" 0 STEPKIT_RETRIES=20 --config "$T/blips.json" --breaker 3
same_file "$OUT" "$T/want2500.csv" "blips: the CSV complete"

# --- bad answers: clear errors, never an empty file -----------------------------
for f in html badjson badutf8 empty 400; do
	scenario "{\"rows\": 2500, \"script\": \"2=$f\"}"
	conf "$T/bad-$f.json" "$port"
	rm -f "$OUT"
	api "page 2 answers $f" 1 --config "$T/bad-$f.json" --fresh
	no_file "$OUT" "$f: no output"
	cp "$T/err" "$T/err-$f"
done
cp "$T/err-html" "$T/err"
expect_err "extract-api: page 2: the answer is HTML, not JSON (Content-Type 'text/html') (a proxy's or login page?): '<html><body><h1>Maintenance</h1></body></html>'" "html: said so, with the first bytes"
cp "$T/err-badjson" "$T/err"
expect_err "extract-api: page 2: the answer is not valid JSON: " "broken JSON: said so"
cp "$T/err-badutf8" "$T/err"
expect_err "extract-api: page 2: the answer is not valid JSON: unable to decode byte 0xe9" "invalid UTF-8: said so, naming the byte"
cp "$T/err-empty" "$T/err"
expect_err "extract-api: page 2: the answer is empty, not JSON" "empty answer: said so"
cp "$T/err-400" "$T/err"
expect_err "HTTP 400 Bad Request: {\"code\": 3, \"message\": \"invalid request: limit out of range\"}" "400: the server's message quoted"
sed 's#"/result/rows"#"/result/items"#' "$T/ref.json" >"$T/norecs.json"
api "a records pointer that is not there" 1 --config "$T/norecs.json"
expect_err "extract-api: page 1: records '/result/items' is missing, not an array: check \"records\" in '$T/norecs.json'" "records missing: named"

# --- bad records: exit 1 naming page, record and field; or dropped ----------------
scenario '{"rows": 25, "bad_rows": "13"}'
conf "$T/badrows.json" "$port" 10
rm -f "$OUT"
api "a record with a sku that is not a number" 1 --config "$T/badrows.json"
expect_err "extract-api: page 2, record 3, field 'sku' (/sku): a string 'x-13', not an integer (--max-invalid PERCENT drops such records instead)" \
	"bad record: page, index and field named"
no_file "$OUT" "bad record: no output"
api "--max-invalid 5: the record dropped and counted" 0 --config "$T/badrows.json" --max-invalid 5
expected 25 13 >"$T/want-drop.csv"
same_file "$OUT" "$T/want-drop.csv" "dropped: the other 24 rows"
is "$(ev '"\(.counts.dropped_type) \(.rows_in) \(.rows_out)"')" "1 25 24" "dropped: counted in the event"
is "$(ev '.metrics.drop_reasons | tojson')" '[{"reason":"dropped_type","rows":1}]' "dropped: listed in metrics.drop_reasons"
expect_err "warning: dropped page 2, record 3, field 'sku' (/sku): a string 'x-13', not an integer" "dropped: quoted in the log"
rm -f "$OUT"
api "--max-invalid 2: 1 of 25 is too many" 3 --config "$T/badrows.json" --max-invalid 2
no_file "$OUT" "gate: no output"
sed 's#"path": "/sku", "type": "integer"}#"path": "/sku", "type": "integer"},\n   {"name": "note", "path": "/note", "type": "text", "required": true}#' "$T/badrows.json" >"$T/req.json"
api "a required field missing" 1 --config "$T/req.json"
expect_err "page 1, record 0, field 'note' (/note): missing, and the column is required" "required: named"
scenario '{"rows": 2500}'
rm -f "$OUT"
api "--min-rows above the rows: gate" 3 --config "$T/ref.json" --min-rows 3000
expect_err "extract-api: data-quality gate: 2500 rows, fewer than --min-rows 3000" "min-rows: said how many"
no_file "$OUT" "min-rows: no output"


# --- --key, an empty first field, gzip ---------------------------------------------
scenario '{"rows": 25}'
conf "$T/k25.json" "$port" 10
api "--key warehouse_name: the first record of each wins" 0 --config "$T/k25.json" --key warehouse_name
expected 3 >"$T/want-key.csv"
same_file "$OUT" "$T/want-key.csv" "--key: 3 rows, the first of each warehouse"
is "$(ev '"\(.counts.dropped_duplicate) \(.rows_in) \(.rows_out)"')" "22 25 3" "--key: 22 duplicates counted"
is "$(ev '.metrics.drop_reasons | tojson')" '[{"reason":"dropped_duplicate","rows":22}]' "--key: listed in metrics.drop_reasons"
api "--key naming no column" 2 --config "$T/k25.json" --key sku,warehouse
expect_err "extract-api: --key 'sku,warehouse': 'warehouse' is not a column of '$T/k25.json'" "--key: the unknown column named"
sed 's#"columns": \[#"columns": [\n   {"name": "note", "path": "/note", "type": "text"},#' "$T/k25.json" >"$T/note.json"
api "an optional field missing from every record, first column" 0 --config "$T/note.json"
sed 's/^/,/; 1s/^,/note,/' "$T/want25.csv" >"$T/want-note.csv"
same_file "$OUT" "$T/want-note.csv" "missing optional field: an empty first field, separators kept"
printf 'raw,normalised\nMOSCOW_RFC,Moscow\n"KAZAN, RFC",Kazan\nMOSCOW_RFC,Moskva\n' >"$T/wh.csv"
api "--map warehouse_name=FILE" 0 --config "$T/k25.json" --map "warehouse_name=$T/wh.csv"
python3 - "$T/want25.csv" >"$T/want-map.csv" <<'PY'
import csv, sys
m = {"MOSCOW_RFC": "Moscow", "KAZAN, RFC": "Kazan"}
w = csv.writer(sys.stdout, lineterminator="\n")
for n, row in enumerate(csv.reader(open(sys.argv[1], newline=""))):
    w.writerow(row[:2] + ["warehouse_name_original"] + row[2:] if n == 0 else row[:1] + [m.get(row[1], row[1]), row[1]] + row[2:])
PY
same_file "$OUT" "$T/want-map.csv" "--map: values replaced, the original in warehouse_name_original, the first line of a value wins"
is "$(ev .counts.unmapped)" 8 "--map: the 8 SPB_PARNAS values counted as unmapped"
expect_err "warning: --map: warehouse_name value 'SPB_PARNAS' is not in the mapping; written unchanged" "--map: an unmapped value logged"
api "--map with a column that does not exist" 2 --config "$T/k25.json" --map "warehouse=$T/wh.csv"
expect_err "extract-api: --map 'warehouse=$T/wh.csv': give COLUMN=FILE, COLUMN one of the columns of '$T/k25.json'" "--map: bad column named"
api "--map with a missing file" 1 --config "$T/k25.json" --map "warehouse_name=$T/nope.csv"
expect_err "extract-api: --map: '$T/nope.csv': No such file or directory" "--map: the missing file named"
scenario '{"rows": 2500, "gzip": true}'
api "gzip answers are decoded" 0 --config "$T/ref.json"
same_file "$OUT" "$T/want2500.csv" "gzip: the same CSV"
is "$(reqs 'map(.gzip) | all')" true "gzip: every answer was compressed"

# --- other pagination kinds and stop rules ------------------------------------------
cols=$(sed -n '/"columns"/,$p' "$T/ref.json")
scenario '{"rows": 25}'
cat >"$T/page.json" <<JSON
{"url": "http://127.0.0.1:$port/v1/items", "headers": {"Client-Id": "\${OZON_CLIENT_ID}", "Api-Key": "\${OZON_API_KEY}"},
 "query": {"page": "\${page}", "page_size": "\${limit}"},
 "pagination": {"type": "page", "limit": 10, "has_more": "/has_next"},
 "records": "/items",
$cols
JSON
api "page numbers in the query string, has_more stops" 0 --config "$T/page.json"
same_file "$OUT" "$T/want25.csv" "page: the CSV"
is "$(reqs 'map(.method + " " + .query)')" \
	'["GET page=1&page_size=10","GET page=2&page_size=10","GET page=3&page_size=10"]' "page: GET page 1, 2, 3"
sed 's#"has_more": "/has_next"#"total": "/total", "stop_on_short": false#' "$T/page.json" >"$T/total.json"
n0=$(reqs length)
api "a total count stops" 0 --config "$T/total.json"
same_file "$OUT" "$T/want25.csv" "total: the CSV"
is "$(($(reqs length) - n0))" 3 "total: 3 requests (25 of 25 after page 3)"
sed 's#"has_more": "/has_next"#"stop_on_short": false#' "$T/page.json" >"$T/noshort.json"
api "without a short-page rule the empty page stops" 0 --config "$T/noshort.json"
same_file "$OUT" "$T/want25.csv" "empty page: the CSV"
api "more pages than --max-pages" 1 --config "$T/noshort.json" --max-pages 3
expect_err "extract-api: more than 3 pages (--max-pages): the API does not stop, or raise the limit" "max-pages: said so"

cat >"$T/cursor.json" <<JSON
{"url": "http://127.0.0.1:$port/v1/cursor", "method": "POST",
 "headers": {"Client-Id": "\${OZON_CLIENT_ID}", "Api-Key": "\${OZON_API_KEY}"},
 "body": {"limit": "\${limit}", "last_id": "\${cursor}"},
 "pagination": {"type": "cursor", "limit": 10, "cursor": "/result/last_id"},
 "records": "/result/items",
$cols
JSON
n0=$(reqs length)
api "a cursor from the answer" 0 --config "$T/cursor.json"
same_file "$OUT" "$T/want25.csv" "cursor: the CSV"
is "$(reqs ".[$n0:] | map(.body)")" \
	'[{"limit":10},{"limit":10,"last_id":"c10"},{"limit":10,"last_id":"c20"}]' "cursor: none on the first page, then the answer's last_id"
scenario '{"rows": 25, "repeat_cursor": true}'
api "a cursor that repeats" 1 --config "$T/cursor.json"
expect_err "extract-api: page 2: the API returned cursor 'c1' again: it would loop; stopping" "repeated cursor: an error, not a loop"

cat >"$T/link.json" <<JSON
{"url": "http://127.0.0.1:$port/v1/linked", "headers": {"Client-Id": "\${OZON_CLIENT_ID}", "Api-Key": "\${OZON_API_KEY}"},
 "query": {"page_size": "\${limit}"},
 "pagination": {"type": "link", "limit": 10},
 "records": "",
$cols
JSON
scenario '{"rows": 25}'
api "the Link header's rel=\"next\"" 0 --config "$T/link.json" --keep-pages
same_file "$OUT" "$T/want25.csv" "link: the CSV"
is "$(reqs 'map(.query)')" '["page_size=10","page=2&page_size=10","page=3&page_size=10"]' "link: the first URL, then the next links as sent"
is "$(cat "$W/api/api_data/page-000002.json.next")" "http://127.0.0.1:$port/v1/linked?page=3&page_size=10" "link: the next link kept beside the page"
api "link: a rerun resumes from the kept pages and links" 0 --config "$T/link.json"
is "$(ev '"\(.counts.api_requests_made) \(.counts.pages_resumed)"')" "0 3" "link: resumed without a request"
scenario '{"rows": 25, "link_host": "localhost"}'
api "a next link to another host" 1 --config "$T/link.json"
expect_err "extract-api: page 1: the next link goes to another host ('http://localhost:$port/v1/linked'): not followed, the credentials would go with it" \
	"link to another host: refused, said why"
# a Link header longer than the client keeps: never a silent last page
scenario '{"rows": 25, "link_pad": 3000}'
rm -f "$OUT"
api "a Link header too long to keep" 1 --config "$T/link.json" --fresh
expect_err "extract-api: page 1: the Link header is longer than 2047 bytes: its next link cannot be read whole, so the pages cannot be followed safely" \
	"a cut Link header: an error, not the end of the pages"
no_file "$OUT" "a cut Link header: no CSV"

# --- resume after a kill ----------------------------------------------------------------
scenario '{"rows": 2500, "delay": 0.1}'
conf "$T/slow.json" "$port" 100
rm -f "$OUT"
"$BIN/extract-api" --workdir "$W" --config "$T/slow.json" 2>"$T/kill.err" &
tool=$!
for _ in $(seq 1 400); do [ -f "$W/api/api_data/page-000005.json" ] && break; sleep 0.05; done
kill -TERM $tool
wait $tool
is $? 143 "resume: the run killed by SIGTERM dies by the signal"
no_file "$OUT" "resume: no output after the kill"
no_temp "$W" "resume: no temporary file after the kill"
no_temp "$W/api/api_data" "resume: no temporary page file after the kill"
kept=$(ls "$W/api/api_data" | grep -c '^page-')
ok $((kept < 5)) "resume: at least 5 pages kept ($kept)"
n0=$(reqs length)
api "the rerun resumes after the last kept page" 0 --config "$T/slow.json"
same_file "$OUT" "$T/want2500.csv" "resume: the CSV identical to an uninterrupted run"
is "$(ev '"\(.counts.pages_resumed) \(.counts.pages)"')" "$kept 26" "resume: the kept pages read, not fetched"
is "$(reqs ".[$n0:] | map(.body.offset) | min")" "$((kept * 100))" "resume: the first request is the first page not kept"
is "$(reqs "[.[$n0:][] | select(.body.offset < $kept * 100)] | length")" 0 "resume: no kept page fetched again"
scenario '{"rows": 2500}'
api "--keep-pages keeps the pages" 0 --config "$T/ref.json" --keep-pages
is "$(ls "$W/api/api_data" | grep -c '^page-')" 3 "keep-pages: 3 page files"
api "a rerun reads the kept pages instead of asking" 0 --config "$T/ref.json"
is "$(ev '"\(.counts.api_requests_made) \(.counts.pages_resumed)"')" "0 3" "rerun: no request, 3 pages resumed"
same_file "$OUT" "$T/want2500.csv" "rerun: the same CSV"
no_file "$W/api" "rerun: the pages removed after the commit"
api "(keep the pages again)" 0 --config "$T/ref.json" --keep-pages
head -c 1000 "$W/api/api_data/page-000002.json" >"$T/cut" && mv "$T/cut" "$W/api/api_data/page-000002.json"
api "a kept page cut short (a crash: pages are not fsynced) is asked for again" 0 --config "$T/ref.json"
same_file "$OUT" "$T/want2500.csv" "cut page: the same CSV"
is "$(ev '"\(.counts.api_requests_made) \(.counts.pages_resumed)"')" "1 2" "cut page: one request, two pages resumed"
expect_err "warning: kept page 2: the answer is not valid JSON" "cut page: said so"
api "pages kept under another configuration are not used" 0 --config "$T/ref.json" --keep-pages
sed 's/"warehouse_type": "ALL"/"warehouse_type": "FBO"/' "$T/ref.json" >"$T/fbo.json"
api "(another configuration)" 0 --config "$T/fbo.json"
is "$(ev '"\(.counts.api_requests_made) \(.counts.pages_resumed)"')" "3 0" "another configuration: every page asked again"
expect_err "pages of another configuration, starting over" "another configuration: said so"
api "--fresh asks again" 0 --config "$T/ref.json" --keep-pages
api "(--fresh)" 0 --config "$T/ref.json" --fresh
is "$(ev '"\(.counts.api_requests_made) \(.counts.pages_resumed)"')" "3 0" "--fresh: every page asked again"

# a dead writer's temporary page (a run killed by SIGKILL where files cannot be
# made without a name) is removed by the next run, even one that keeps its pages
api "(pages kept)" 0 --config "$T/ref.json" --keep-pages
printf '{"result": {"rows": [' >"$W/api/api_data/.page-000002.json.tmp-Ab12Cd"
api "a dead writer's temporary page" 0 --config "$T/ref.json" --keep-pages
no_temp "$W/api/api_data" "dead writer's temporary page: removed"
same_file "$OUT" "$T/want2500.csv" "dead writer's temporary page: the same CSV"
api "(--fresh: the pages removed)" 0 --config "$T/ref.json" --fresh

# --- local files that cannot be read or written ----------------------------------
mkdir -p "$T/confdir"
api "a config that cannot be read (a directory): a configuration error" 2 --config "$T/confdir"
expect_err "extract-api: --config: '$T/confdir': Is a directory" "unreadable config: named, with the reason"
mkdir -p "$T/w-api"
: >"$T/w-api/api"
expect_exit 1 "WORKDIR/api a regular file: no pages directory" "$BIN/extract-api" --workdir "$T/w-api" --config "$T/ref.json"
expect_err "extract-api: pages directory: create directory '$T/w-api/api/api_data': Not a directory" \
	"pages directory: the path and the reason"
no_file "$T/w-api/api_data.csv" "pages directory: no output"
mkdir -p "$T/w-page/api/api_data/page-000001.json"
expect_exit 2 "a page file that cannot be written (a directory in its place)" "$BIN/extract-api" --workdir "$T/w-page" --config "$T/ref.json"
expect_err "extract-api: keep page '$T/w-page/api/api_data/page-000001.json': '$T/w-page/api/api_data/page-000001.json' is a directory: an output must be a regular file, a character device or a FIFO" \
	"page file: the path and what it is"
no_file "$T/w-page/api_data.csv" "page file: no output"
no_temp "$T/w-page/api/api_data" "page file: no temporary file"
mkfifo "$T/w-page/api/api_data/page-000002.json.next"
rm -rf "$T/w-page/api/api_data/page-000001.json"
mkfifo "$T/w-page/api/api_data/page-000001.json"
expect_exit 2 "a page file that is a FIFO is refused, never waited on" "$BIN/extract-api" --workdir "$T/w-page" --config "$T/ref.json"
expect_err "extract-api: keep page '$T/w-page/api/api_data/page-000001.json': '$T/w-page/api/api_data/page-000001.json' is not a regular file: a kept file is replaced, never written where it is: remove it" \
	"page FIFO: said so"

# --- the rate limit ---------------------------------------------------------------
scenario '{"rows": 40}'
conf "$T/rate.json" "$port" 10
start_s=$(date +%s.%N)
api "--rate 10: five requests" 0 --config "$T/rate.json" --rate 10
took=$(awk -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { print (b - a >= 0.4) ? "yes" : "no" }')
is "$took" yes "rate: five requests at 10/s take at least 0.4 s (a lower bound: never flaky)"
is "$(ev .counts.api_requests_made)" 5 "rate: 5 requests"

# --- --check ----------------------------------------------------------------------
scenario '{"rows": 2500}'
rm -f "$OUT"
rm -rf "$W/events"
api "--check: config, secrets and one request" 0 --config "$T/ref.json" --check
expect_err "extract-api: POST 'http://127.0.0.1:$port/v2/analytics/stock_on_warehouses': HTTP 200 in" "check: status and latency"
expect_err "records '/result/rows': an array of 1" "check: the records pointer resolves"
expect_err "columns: checked against the first record" "check: the columns resolve"
is "$(reqs 'map(.body)')" '[{"limit":1,"offset":0,"warehouse_type":"ALL"}]' "check: one request with limit 1"
no_file "$OUT" "check: no output"
no_file "$W/events/extract-api.json" "check: no event"
api "--check with a wrong key" 1 OZON_API_KEY=nope --config "$T/ref.json" --check
expect_err "HTTP 401" "check: credentials refused"
sed 's#"path": "/sku", "type": "integer"}#"path": "/sku", "type": "integer"},\n   {"name": "note", "path": "/note", "type": "text", "required": true}#' "$T/ref.json" >"$T/checkreq.json"
api "--check: a required column missing from the first record" 1 --config "$T/checkreq.json" --check
expect_err "column 'note': '/note' is missing from the first record, and the column is required" "check: the missing column named"
gport=$port
kill -TERM $pid; wait $pid 2>/dev/null # the server is gone: its port refuses
conf "$T/gone.json" "$gport"
api "--check with the server down: tried once" 75 --config "$T/gone.json" --check
expect_err "tried once: page 1: POST 'http://127.0.0.1:$gport/v2/analytics/stock_on_warehouses'" "check down: tried once"
rm -f "$OUT"
api "the server down: retried, then temporary" 75 STEPKIT_RETRIES=2 --config "$T/gone.json"
expect_err "attempt 1/2 failed: page 1: POST 'http://127.0.0.1:$gport/v2/analytics/stock_on_warehouses': " "server down: the retry logged"
is "$(ev '"\(.counts.api_requests_made) \(.counts.api_requests_failed) \(.error.kind)"')" "2 2 transient" "server down: the event says transient, 2 requests failed"
no_file "$OUT" "server down: no output"
no_temp "$W" "server down: no temporary file"

# --- no secret anywhere ------------------------------------------------------------------
no_secret_in "$T/all.err" "$T/all.events" -- "$KEY" "$CID"

done_testing
