#!/bin/bash
# bench/upload-s3.sh [SIZE_MIB] [ROUNDS]: upload throughput of bin/upload-s3
# against the curl command-line client (--aws-sigv4) sending the same file
# (default 256 MiB) to the same loopback S3 server, tests/servers/s3_server.js
# (@20minutes/s3rver 4.0.4, which verifies every signature).
#
# The clients do not do the same work, so three are timed:
#   curl                 one signed PUT, payload "UNSIGNED-PAYLOAD"
#   sha256sum+curl       one signed PUT carrying the payload's SHA-256, which
#                        must be read once before sending: what upload-s3 does
#   upload-s3            as it runs by default: multipart (16 MiB parts; the
#                        file is above the 64 MiB threshold), each part's
#                        SHA-256 signed, then the object checked with HEAD
# and upload-s3 once more as one PUT (S3_MULTIPART_THRESHOLD above the size).
# Rounds rotate the order; the median wall time of each is reported, with the
# ratio against sha256sum+curl (below 1.10 meets the goal).
#
# The server and the file live in /dev/shm when it exists, so that disk
# writeback does not decide the result. The server is Node.js and computes
# an MD5 of everything it stores: it is the slowest part here, so the figures
# compare the clients' overhead on top of it, not the clients' top speed.
# Needs tests/servers/install (npm) run once. UPLOAD_S3=path runs another build.
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
SIZE=${1:-256}
ROUNDS=${2:-5}
TOOL=${UPLOAD_S3:-$TOP/bin/upload-s3} # another build to compare

[ -x "$TOOL" ] || { echo "upload-s3.sh: build bin/upload-s3 first (make)" >&2; exit 2; }
command -v curl >/dev/null || { echo "upload-s3.sh: the curl command-line client is not installed" >&2; exit 2; }
command -v node >/dev/null || { echo "upload-s3.sh: node is not installed (scripts/install-deps)" >&2; exit 2; }
[ -f tests/servers/node_modules/@20minutes/s3rver/package.json ] ||
	{ echo "upload-s3.sh: the S3 test server is not installed: run tests/servers/install" >&2; exit 2; }

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
T=$(mktemp -d "$base/stepkit-bench-s3.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ACCESS=bench-access
SECRET=bench-secret-5e6f7a8b
mkdir -p "$T/w" "$T/s3"
head -c $((SIZE << 20)) /dev/urandom >"$T/w/bench.bin"

(cd tests/servers && exec node s3_server.js --dir "$T/s3" --bucket b --access "$ACCESS" --secret "$SECRET") \
	>"$T/s3.log" 2>&1 &
pid=$!
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
run_sha_curl() { curl_put sha-curl.bin "$(sha256sum <"$T/w/bench.bin" | cut -d' ' -f1)"; }
run_tool() {
	STEPKIT_LOG_LEVEL=warn S3_ENDPOINT=$URL S3_BUCKET=b AWS_REGION=us-east-1 \
		AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$SECRET "$TOOL" --workdir "$T/w" "$@" bench.bin
}
run_tool_multi() { run_tool; }
run_tool_single() { S3_MULTIPART_THRESHOLD=$(((SIZE + 1) << 20)) run_tool --prefix single; }

CLIENTS=(run_curl run_sha_curl run_tool_multi run_tool_single)
# wall seconds of one run of client $1
wall() { local TIMEFORMAT='%R'; { time "$1" >/dev/null; } 2>&1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

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

echo "upload of $SIZE MiB to s3rver on 127.0.0.1, median of $ROUNDS runs (storage in $base):"
ref=$(printf '%s\n' ${times[run_sha_curl]} | median)
line() { # line LABEL CLIENT
	local m
	m=$(printf '%s\n' ${times[$2]} | median)
	printf '  %-36s %6.2f s %7.1f MiB/s  %.2fx the time of sha256sum+curl\n' "$1" "$m" \
		"$(echo "$SIZE / $m" | bc -l)" "$(echo "$m / $ref" | bc -l)"
}
line "curl (UNSIGNED-PAYLOAD)" run_curl
line "sha256sum + curl (payload SHA-256)" run_sha_curl
line "upload-s3 (multipart, 16 MiB parts)" run_tool_multi
line "upload-s3 (one PUT)" run_tool_single
# How long s3rver took to assemble the parts (CompleteMultipartUpload, from
# its start to the HEAD that follows it): server time inside upload-s3's.
python3 - "$T/s3/requests.jsonl" <<'PY'
import json, statistics, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
spans = [b["time"] - a["time"] for a, b in zip(reqs, reqs[1:])
         if a["method"] == "POST" and a["url"].startswith("/b/bench.bin?uploadId=")]
if spans:
    print("  (of the multipart time, s3rver's CompleteMultipartUpload, which copies the parts "
          "into one file: %.2f s)" % statistics.median(spans))
PY
