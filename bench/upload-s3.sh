#!/bin/bash
# bench/upload-s3.sh [SIZE_MIB] [ROUNDS]: upload throughput of bin/upload-s3
# against the curl command-line client (--aws-sigv4) sending the same file
# (default 256 MiB) to the same loopback S3 server, tests/servers/s3_server.js
# (@20minutes/s3rver 4.0.4, which verifies every signature).
#
# The clients do not do the same work, so four runs are timed:
#   curl                 one signed PUT, payload "UNSIGNED-PAYLOAD": the bytes
#                        go out unhashed (the floor)
#   openssl+curl         one signed PUT carrying the payload's SHA-256, which
#                        must be computed (openssl dgst) before the first byte
#                        is sent: what a careful script does
#   upload-s3, one PUT   the same, plus the MD5 for Content-MD5, the whole
#                        file hashed first (S3_MULTIPART_THRESHOLD above SIZE)
#   upload-s3, multipart as it runs by default from 64 MiB on (forced here at
#                        any SIZE): 16 MiB parts, each
#                        hashed by a second thread while the one before is
#                        sent, then CompleteMultipartUpload and a HEAD
# For the multipart run, the server's request log splits the time into
# sending the parts and s3rver joining them (it copies every part into one
# file; AWS does that on its side). Sending the parts is the figure to hold
# against openssl+curl, which gives the same guarantee (a signed payload
# hash): within 10% of it, or faster, meets the goal.
# Rounds rotate the order; medians are reported.
#
# The server and the file live in /dev/shm when it exists, so that disk
# writeback does not decide the result. s3rver is Node.js and computes an
# MD5 of everything it stores: it is the slowest part here.
# Needs tests/servers/install (npm) run once. UPLOAD_S3=path runs another build.
set -euo pipefail
NAME=upload-s3.sh TOOL_VAR=UPLOAD_S3
. "$(dirname "$0")/upload-lib.sh"
need curl "the curl command-line client"
need openssl openssl
need node "node (scripts/install-deps)"
[ -f tests/servers/node_modules/@20minutes/s3rver/package.json ] ||
	{ echo "upload-s3.sh: the S3 test server is not installed: run tests/servers/install" >&2; exit 2; }

ACCESS=bench-access
SECRET=bench-secret-5e6f7a8b
mkdir -p "$T/s3"
bench_file "$T/w/bench.bin"

(cd tests/servers && exec node s3_server.js --dir "$T/s3" --bucket b --access "$ACCESS" --secret "$SECRET") \
	>"$T/s3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do grep -q READY "$T/s3.log" 2>/dev/null && break; sleep 0.05; done
grep -q READY "$T/s3.log" || { echo "upload-s3.sh: the S3 server did not start:" >&2; cat "$T/s3.log" >&2; exit 1; }
URL=http://127.0.0.1:$(cat "$T/s3/port")
# The server logs every request with its headers; that costs nothing that
# matters per request here (a few requests per upload).

curl_put() { # curl_put KEY PAYLOAD_HASH
	curl -sS --fail --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS:$SECRET" \
		-H "x-amz-content-sha256: $2" -T "$T/w/bench.bin" "$URL/b/$1" -o /dev/null
}
run_curl() { curl_put curl.bin UNSIGNED-PAYLOAD; }
run_sha_curl() { curl_put sha-curl.bin "$(openssl dgst -sha256 -r "$T/w/bench.bin" | cut -d' ' -f1)"; }
run_tool() {
	STEPKIT_LOG_LEVEL=warn S3_ENDPOINT=$URL S3_BUCKET=b AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$SECRET "$TOOL" --workdir "$T/w" "$@" bench.bin
}
run_tool_multi() { S3_MULTIPART_THRESHOLD=5M run_tool; } # multipart at any SIZE
run_tool_single() { S3_MULTIPART_THRESHOLD=$(((SIZE + 1) << 20)) run_tool --prefix single; }

CLIENTS=(run_curl run_sha_curl run_tool_multi run_tool_single)
# wall seconds of one run of client $1
wall() { local TIMEFORMAT='%R'; { time "$1" >/dev/null; } 2>&1; }


for c in "${CLIENTS[@]}"; do wall "$c" >/dev/null; done # warm up: page cache, server start-up
declare -A times
for r in $(seq 1 "$ROUNDS"); do
	n=${#CLIENTS[@]}
	for k in $(seq 0 $((n - 1))); do
		c=${CLIENTS[$(((k + r) % n))]}
		times[$c]+="$(wall "$c") "
	done
done

obj() { echo "$T/s3/data/b/$1._S3rver_object"; }
for key in curl.bin sha-curl.bin bench.bin single/bench.bin; do
	cmp -s "$T/w/bench.bin" "$(obj "$key")" || { echo "upload-s3.sh: the stored $key differs" >&2; exit 1; }
done

median_of() { printf '%s\n' ${times[$1]} | median; }
# the multipart runs' phases from the server's log: CreateMultipartUpload to
# CompleteMultipartUpload (the first part's hashing included), and that
# request to the HEAD after it
read -r parts_s join_s < <(python3 - "$T/s3/requests.jsonl" <<'PY'
import json, statistics, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
parts, joins, start = [], [], None
for a, b in zip(reqs, reqs[1:]):
    if not a["url"].startswith("/b/bench.bin?"):
        continue
    if a["method"] == "POST" and a["url"].endswith("?uploads="):
        start = a["time"]
    elif a["method"] == "POST" and "uploadId=" in a["url"] and start is not None:
        parts.append(a["time"] - start)
        joins.append(b["time"] - a["time"])
        start = None
print("%.2f %.2f" % (statistics.median(parts), statistics.median(joins)) if parts else "0 0")
PY
)
curl_s=$(median_of run_curl)
line() { # line LABEL SECONDS [COMMENT]
	printf '  %-40s %6.2f s %7.1f MiB/s  %s\n' "$1" "$2" "$(echo "$SIZE / $2" | bc -l)" "${3:-}"
}
echo "upload of $SIZE MiB to s3rver on 127.0.0.1, median of $ROUNDS runs (storage in $base):"
line "curl, unsigned payload" "$curl_s"
line "openssl dgst + curl, signed payload" "$(median_of run_sha_curl)"
line "upload-s3, one PUT (hash, then send)" "$(median_of run_tool_single)" \
	"$(printf '%.2fx openssl+curl' "$(echo "$(median_of run_tool_single) / $(median_of run_sha_curl)" | bc -l)")"
line "upload-s3, multipart (all of it)" "$(median_of run_tool_multi)"
line "  sending the parts" "$parts_s" "$(printf '%.2fx openssl+curl, %.2fx curl unsigned' \
	"$(echo "$parts_s / $(median_of run_sha_curl)" | bc -l)" "$(echo "$parts_s / $curl_s" | bc -l)")"
printf '  %-40s %6.2f s\n' "  s3rver joining the parts" "$join_s"
