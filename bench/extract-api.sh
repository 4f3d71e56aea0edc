#!/bin/bash
# bench/extract-api.sh [PAGES] [LIMIT] [ROUNDS]: extract-api against the
# extraction a user would otherwise write (Python `requests` + `csv`: one
# keep-alive session, POST per page, response.json(), csv.writer), both
# paging through the same local marketplace API (tests/servers/api_server.py
# --static-page: every page carries the same 1,000 encoded rows, so the
# Python server stays cheap and the clients are what is measured). Default
# 2,000 pages of 1,000 records. Reports per client the median wall time,
# records/s, CPU time, peak RSS, and the time per page; checks that both
# wrote the same bytes. Goal (issue 13): at least 3x the peer's records/s,
# under 30 MiB RSS. The per-request overhead is reported as wall time per
# page minus the server's own time per page (measured by a third client,
# curl, fetching the pages and discarding them).
# EXTRACT_API=path runs another build of extract-api instead of bin/.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
PAGES=${1:-2000} LIMIT=${2:-1000} ROUNDS=${3:-3}
TOOL=${EXTRACT_API:-$TOP/bin/extract-api}
[ -x "$TOOL" ] || { echo "extract-api.sh: $TOOL not built (make)"; exit 1; }
python3 -c 'import requests' 2>/dev/null || { echo "extract-api.sh: python3-requests not installed: skipped"; exit 0; }
[ -x /usr/bin/time ] || { echo "extract-api.sh: GNU time (/usr/bin/time) not installed: skipped"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/stepkit-bench-api.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

python3 "$TOP/tests/servers/api_server.py" --dir "$T/srv" --rows $((PAGES * LIMIT)) --static-page \
	--client-id bench --api-key bench-key >"$T/srv.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do grep -q READY "$T/srv.log" 2>/dev/null && break; sleep 0.05; done
port=$(cat "$T/srv/port")
URL="http://127.0.0.1:$port/v2/analytics/stock_on_warehouses"
cat >"$T/stock.json" <<JSON
{"url": "$URL", "method": "POST",
 "headers": {"Client-Id": "\${OZON_CLIENT_ID}", "Api-Key": "\${OZON_API_KEY}"},
 "body": {"limit": "\${limit}", "offset": "\${offset}", "warehouse_type": "ALL"},
 "pagination": {"type": "offset", "limit": $LIMIT},
 "records": "/result/rows",
 "columns": [
   {"name": "sku", "path": "/sku", "type": "integer"},
   {"name": "warehouse_name", "path": "/warehouse_name", "type": "text"},
   {"name": "item_code", "path": "/item_code", "type": "text"},
   {"name": "item_name", "path": "/item_name", "type": "text"},
   {"name": "free_to_sell_amount", "path": "/free_to_sell_amount", "type": "integer"},
   {"name": "promised_amount", "path": "/promised_amount", "type": "integer"},
   {"name": "reserved_amount", "path": "/reserved_amount", "type": "integer"}]}
JSON
cat >"$T/peer.py" <<'PY'
# What a user would write: requests + csv, one session, page until short.
import csv, os, sys
import requests
url, limit, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cols = ["sku", "warehouse_name", "item_code", "item_name", "free_to_sell_amount",
        "promised_amount", "reserved_amount"]
s = requests.Session()
s.headers.update({"Client-Id": os.environ["OZON_CLIENT_ID"], "Api-Key": os.environ["OZON_API_KEY"]})
with open(out + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(cols)
    offset = 0
    while True:
        r = s.post(url, json={"limit": limit, "offset": offset, "warehouse_type": "ALL"}, timeout=60)
        r.raise_for_status()
        rows = r.json()["result"]["rows"]
        for x in rows:
            w.writerow([int(x["sku"]), x["warehouse_name"], x["item_code"], x["item_name"],
                        int(x["free_to_sell_amount"]), int(x["promised_amount"]), int(x["reserved_amount"])])
        if len(rows) < limit:
            break
        offset += limit
    f.flush()
    os.fsync(f.fileno())
os.rename(out + ".tmp", out)
PY
export OZON_CLIENT_ID=bench OZON_API_KEY=bench-key STEPKIT_LOG_LEVEL=warn
run_tool() { "$TOOL" --workdir "$T/w" --config "$T/stock.json" --out "$T/tool.csv" --fresh; }
run_peer() { python3 "$T/peer.py" "$URL" "$LIMIT" "$T/peer.csv"; }
run_curl() { # the server's own time: the same requests, bodies discarded
	local o=0
	while [ $o -lt $((PAGES * LIMIT)) ]; do
		if [ $o -gt 0 ]; then echo next; fi
		echo "url = \"$URL\""
		echo "data = \"{\\\"limit\\\": $LIMIT, \\\"offset\\\": $o, \\\"warehouse_type\\\": \\\"ALL\\\"}\""
		echo 'header = "Content-Type: application/json"'
		echo 'header = "Client-Id: bench"'
		echo 'header = "Api-Key: bench-key"'
		echo 'output = "/dev/null"'
		o=$((o + LIMIT))
	done >"$T/curl.cfg"
	curl -sS --fail -K "$T/curl.cfg"
}
export T TOOL URL LIMIT PAGES
export -f run_tool run_peer run_curl
# timed FUNCTION: "wall cpu maxrss_kib" (the largest process: bash's own RSS is smaller)
timed() { /usr/bin/time -f '%e %U %S %M' -o "$T/time" bash -c "$1" >/dev/null; read -r w u s m <"$T/time"; echo "$w $(echo "$u + $s" | bc) $m"; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

mkdir -p "$T/w"
tw=() tc=() tm=() pw=() pc=() pm=() cw=()
for i in $(seq 1 "$ROUNDS"); do
	read -r a b c < <(timed run_tool); tw+=("$a") tc+=("$b") tm+=("$c")
	read -r a b c < <(timed run_peer); pw+=("$a") pc+=("$b") pm+=("$c")
	read -r a b c < <(timed run_curl); cw+=("$a")
done
cmp -s "$T/tool.csv" "$T/peer.csv" && same="identical CSV bytes" || same="CSV BYTES DIFFER"
recs=$((PAGES * LIMIT))
m() { printf '%s\n' "$@" | median; }
rng() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}'; }
TW=$(m "${tw[@]}") TC=$(m "${tc[@]}") TM=$(m "${tm[@]}") PW=$(m "${pw[@]}") PC=$(m "${pc[@]}") PM=$(m "${pm[@]}") CW=$(m "${cw[@]}")
printf 'extract-api  %7.2f s (%s) %9.0f records/s  cpu %6.2f s  peak RSS %6.1f MiB  %.2f ms/page\n' \
	"$TW" "$(rng "${tw[@]}")" "$(echo "$recs / $TW" | bc -l)" "$TC" "$(echo "$TM / 1024" | bc -l)" "$(echo "$TW * 1000 / $PAGES" | bc -l)"
printf 'requests+csv %7.2f s (%s) %9.0f records/s  cpu %6.2f s  peak RSS %6.1f MiB  %.2f ms/page\n' \
	"$PW" "$(rng "${pw[@]}")" "$(echo "$recs / $PW" | bc -l)" "$PC" "$(echo "$PM / 1024" | bc -l)" "$(echo "$PW * 1000 / $PAGES" | bc -l)"
printf 'curl (server time, bodies discarded) %.2f s (%s), %.2f ms/page\n' "$CW" "$(rng "${cw[@]}")" "$(echo "$CW * 1000 / $PAGES" | bc -l)"
ratios=() over=()
for i in "${!tw[@]}"; do
	ratios+=("$(echo "${pw[$i]} / ${tw[$i]}" | bc -l)") over+=("$(echo "(${tw[$i]} - ${cw[$i]}) * 1000 / $PAGES" | bc -l)")
done
printf '%d pages x %d records, median of %d; %s; extract-api %.2fx the peer'"'"'s records/s (rounds %s); overhead beyond the server %.3f ms/page (rounds %s)\n' \
	"$PAGES" "$LIMIT" "$ROUNDS" "$same" "$(echo "$PW / $TW" | bc -l)" "$(rng "${ratios[@]}")" \
	"$(echo "($TW - $CW) * 1000 / $PAGES" | bc -l)" "$(rng "${over[@]}")"
