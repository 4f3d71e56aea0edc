#!/bin/bash
# upload-s3 against tests/servers/s3_server.js (@20minutes/s3rver 4.0.4, which
# verifies SigV4) on 127.0.0.1: path-style and virtual-hosted addressing,
# the payload SHA-256 and Content-MD5, multipart above the threshold, wrong
# keys, injected SlowDown, a dead server, SIGTERM and a server killed in the
# middle of a multipart upload (no object, no orphan parts, a rerun works),
# --check, and no credential in any log line or event.
. "$(dirname "$0")/../lib.sh"
SERVERS=${STEPKIT_TEST_SERVERS:-$TOP/tests/servers} # another copy of tests/servers, to try one

command -v node >/dev/null 2>&1 || skip_all "node not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -f "$SERVERS/node_modules/@20minutes/s3rver/package.json" ] ||
	skip_all "s3rver not installed: run tests/servers/install"
[ -x "$BIN/upload-s3" ] || skip_all "bin/upload-s3 not built"

ACCESS=etl-access
SECRET='etl-Secr3t-9f8e7d6c'
TOKEN='session-tok-0a1b2c3d4e'
export STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.05 STEPKIT_RETRY_MAX_DELAY=1
unset S3_ENDPOINT S3_BUCKET S3_PREFIX S3_PATH_STYLE AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
	AWS_SESSION_TOKEN S3_MULTIPART_THRESHOLD S3_PART_SIZE S3_CA_FILE AWS_ACCESS_KEY_ID_FILE \
	AWS_SECRET_ACCESS_KEY_FILE AWS_SESSION_TOKEN_FILE

# start_s3 NAME [ARGS...]: an S3 server with bucket "reports" in $T/NAME; sets $port, $pid
start_s3() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	(cd "$SERVERS" && exec node s3_server.js --dir "$T/$name" --bucket reports \
		--access "$ACCESS" --secret "$SECRET" "$@") >"$T/$name.log" 2>&1 &
	pid=$!
	stop_at_exit $pid
	need_ready "$T/$name.log" $pid "s3_server.js ($name)"
	port=$(cat "$T/$name/port")
}

stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# up NAME WANT [VAR=VALUE]... [ARG]...: run upload-s3 (credentials and the
# endpoint of server $port preset; VAR= overrides), keep stderr and event
up() {
	local name=$1 want=$2
	shift 2
	run_kept upload-s3 "$name" "$want" S3_ENDPOINT="http://127.0.0.1:$port" S3_BUCKET=reports AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY="$SECRET" "$@"
}

ev() { python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print($1)" "$W/events/upload-s3.json"; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi; }
# reqs SERVER PYTHON-FILTER: the requests.jsonl lines (as `r`) matching, one per line
reqs() {
	python3 -c "
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if $2: print(r['method'], r['url'], r['status'])" "$T/$1/requests.jsonl"
}
obj() { echo "$T/$1/data/reports/$2._S3rver_object"; }
uploads_left() { find "$T/$1/data/reports/._S3rver_uploads" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l | tr -d ' '; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

W=$T/work
mkdir -p "$W"
printf 'stock_code,description,revenue\n85123A,"WHITE HANGING HEART, T-LIGHT",1234.50\n' >"$W/sales_report.csv"
printf 'customer_id,country,revenue\n12347,Iceland,4310.00\n' >"$W/customer_report.csv"
printf 'category,revenue\nd\xc3\xa9cor,3.30\n' >"$W/product_report.csv"
head -c $((64 << 20)) /dev/urandom >"$W/big.csv"

# --- path style, the three reports -------------------------------------------
start_s3 s3
up "path-style PUT of the three reports" 0 S3_PREFIX=daily/2024-05-01
for f in sales_report.csv customer_report.csv product_report.csv; do
	same_file "$(obj s3 "daily/2024-05-01/$f")" "$W/$f" "path style: $f stored byte for byte"
done
is "$(ev "e['outputs'][0]['path'], e['outputs'][0]['sha256'] == '$(sha "$W/sales_report.csv")', e['counts']['attempts']")" \
	"s3://reports/daily/2024-05-01/sales_report.csv True 3" "event: s3:// key, the file's sha256, 3 attempts"
is "$(ev "e['outputs'][0]['source'] == '$W/sales_report.csv', e['outputs'][0]['url'], e['outputs'][0]['attempts'], e['outputs'][0]['seconds'] >= 0")" \
	"True http://127.0.0.1:$port/reports/daily/2024-05-01/sales_report.csv 1 True" \
	"event: the output's local source, URL, attempts and seconds"
is "$(python3 -c "
import json,sys,hashlib,base64
want=open(sys.argv[2],'rb').read()
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r['method']=='PUT' and r['url'].endswith('/sales_report.csv'):
        h=r['headers']
        print(h['x-amz-content-sha256']==hashlib.sha256(want).hexdigest(),
              h['content-md5']==base64.b64encode(hashlib.md5(want).digest()).decode(),
              h['content-type'], h['authorization'].split(' ')[0], 'expect' in h and h['expect']=='')
" "$T/s3/requests.jsonl" "$W/sales_report.csv")" "True True text/csv AWS4-HMAC-SHA256 False" \
	"PUT headers: payload sha256, Content-MD5, text/csv, SigV4, no empty Expect"
is "$(reqs s3 "r['method']=='HEAD'" | sed -n 1p)" "HEAD /reports/daily/2024-05-01/sales_report.csv 200" "each object is checked with HEAD after the upload"

# a workbook goes out as a workbook (mime.h), not as text/csv
printf 'PK\003\004 not a real workbook' >"$W/sales_report.xlsx"
up "a workbook" 0 S3_PREFIX=xlsx sales_report.xlsx
same_file "$(obj s3 xlsx/sales_report.xlsx)" "$W/sales_report.xlsx" "workbook stored byte for byte"
is "$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r['method']=='PUT' and r['url'].endswith('/xlsx/sales_report.xlsx'):
        print(r['headers']['content-type'])
" "$T/s3/requests.jsonl")" "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" \
	"PUT of a .xlsx: Content-Type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- virtual-hosted style, session token ---------------------------------------
up "virtual-hosted PUT with a session token" 0 S3_ENDPOINT="http://s3.localhost:$port" S3_PATH_STYLE=false \
	AWS_SESSION_TOKEN="$TOKEN" S3_PREFIX=vhost sales_report.csv
same_file "$(obj s3 vhost/sales_report.csv)" "$W/sales_report.csv" "virtual host: stored byte for byte"
is "$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r['method']=='PUT' and 'vhost' in r['url']:
        print(r['headers']['host'], r['url'], 'x-amz-security-token' in r['headers'])
" "$T/s3/requests.jsonl")" "reports.s3.localhost:$port /vhost/sales_report.csv True" "virtual host: bucket in the host name, token header sent"
up "S3_PATH_STYLE neither true nor false" 2 S3_PATH_STYLE=maybe

# --- 64 MiB: multipart --------------------------------------------------------
up "64 MiB file: multipart upload" 0 S3_PREFIX=big big.csv
same_file "$(obj s3 big/big.csv)" "$W/big.csv" "multipart: object identical"
is "$(reqs s3 "'/big/big.csv?' in r['url'] and r['method'] in ('POST','PUT')" | sed -E 's/uploadId=[0-9a-f]+/uploadId=ID/')" \
	"POST /reports/big/big.csv?uploads= 200
PUT /reports/big/big.csv?partNumber=1&uploadId=ID 200
PUT /reports/big/big.csv?partNumber=2&uploadId=ID 200
PUT /reports/big/big.csv?partNumber=3&uploadId=ID 200
PUT /reports/big/big.csv?partNumber=4&uploadId=ID 200
POST /reports/big/big.csv?uploadId=ID 200" "multipart: create, 4 parts of 16 MiB (canonical queries), complete"
is "$(ev "e['counts']['parts'], e['outputs'][0]['bytes'], e['outputs'][0]['sha256'] == '$(sha "$W/big.csv")'")" \
	"4 67108864 True" "multipart: event has the parts, bytes and sha256"
is "$(uploads_left s3)" 0 "multipart: no upload left open on the server"
is "$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r['method']=='POST' and r['url'].endswith('/big/big.csv?uploads='):
        print(r['headers']['content-type'])
" "$T/s3/requests.jsonl")" "text/csv" "multipart: the create request carries the file's Content-Type"
up "part size below 5 MiB is refused" 2 S3_PART_SIZE=4M big.csv
expect_err "S3_PART_SIZE '4M': S3 wants parts of at least 5M" "part size: said why"
up "a bad size is refused" 2 S3_MULTIPART_THRESHOLD=lots big.csv

# --- wrong keys and buckets ---------------------------------------------------
up "wrong secret" 1 AWS_SECRET_ACCESS_KEY=not-the-secret-at-all sales_report.csv
expect_err "HTTP 403 SignatureDoesNotMatch" "wrong secret: SignatureDoesNotMatch"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "1 permanent" "wrong secret: one attempt, permanent"
up "wrong access key id" 1 AWS_ACCESS_KEY_ID=nobody sales_report.csv
expect_err "InvalidAccessKeyId" "wrong key id: InvalidAccessKeyId"
up "no such bucket" 1 S3_BUCKET=nope sales_report.csv
expect_err "NoSuchBucket" "no such bucket: NoSuchBucket"
up "no secret configured" 2 AWS_SECRET_ACCESS_KEY=
printf '%s\n' "$SECRET" >"$T/secret"
up "secret from AWS_SECRET_ACCESS_KEY_FILE" 0 AWS_SECRET_ACCESS_KEY= AWS_SECRET_ACCESS_KEY_FILE="$T/secret" S3_PREFIX=file sales_report.csv
same_file "$(obj s3 file/sales_report.csv)" "$W/sales_report.csv" "secret from a file: stored"
n0=$(wc -l <"$T/s3/requests.jsonl")
up "a missing local file fails before any request" 1 sales_report.csv nope.csv
expect_err "'$W/nope.csv': No such file or directory" "missing file: named"
is "$(wc -l <"$T/s3/requests.jsonl")" "$n0" "missing file: no request was made"

# --- --check ------------------------------------------------------------------
up "--check" 0 S3_PREFIX=daily --check
expect_err "write probe: removed again" "--check: bucket, write probe and delete passed"
is "$(find "$T/s3/data" -name '.stepkit-check*' | wc -l | tr -d ' ')" 0 "--check: the probe object is gone"
up "--check with a wrong secret" 1 AWS_SECRET_ACCESS_KEY=not-the-secret-at-all --check
expect_err "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY" "--check: wrong secret, says what to check"
up "--check with a missing bucket" 1 S3_BUCKET=nope --check
expect_err "bucket 'nope' does not exist" "--check: missing bucket named"
is "$(reqs s3 "not r['headers'].get('authorization','').startswith('AWS4-HMAC-SHA256 Credential=')" | wc -l | tr -d ' ')" 0 \
	"every request was signed (the server would not reject an unsigned one)"
stop $pid

# --- temporary failures -------------------------------------------------------
start_s3 slow --fail-first 2 --fail-status 503
up "SlowDown twice, then success" 0 S3_PREFIX=retry sales_report.csv
same_file "$(obj slow retry/sales_report.csv)" "$W/sales_report.csv" "SlowDown: stored on the third attempt"
expect_err "HTTP 503 SlowDown: injected failure 1; retrying in" "SlowDown: retried with a log line"
is "$(ev "e['counts']['attempts']")" 3 "SlowDown: three attempts in the event"
stop $pid

head -c $((12 << 20)) /dev/urandom >"$W/mid.csv"
start_s3 slowmp --fail-first 2 --fail-status 500
up "InternalError twice during a multipart upload" 0 S3_MULTIPART_THRESHOLD=6M S3_PART_SIZE=5M mid.csv
same_file "$(obj slowmp mid.csv)" "$W/mid.csv" "multipart after InternalError: object identical"
is "$(ev "e['counts']['attempts'], e['counts']['parts']")" "3 3" "multipart after InternalError: 3 attempts, 3 parts"
stop $pid

up "server down" 75 sales_report.csv
expect_err "attempt 2/3 failed: PUT 's3://reports/sales_report.csv': Failed to connect" "server down: retried"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "3 transient" "server down: three attempts, transient"
up "--check with the server down" 75 --check
expect_err "check S3_ENDPOINT, the network path and (https) S3_CA_FILE (tried once: --check does not retry): endpoint 'http://127.0.0.1:$port' not reachable" \
	"--check: says the endpoint is not reachable, and that it tried once"
is "$(grep -c 'failed: .*retrying in' "$T/err")" 0 "--check with the server down: no retry with backoff"

# --- a port that drops SYNs, a server that never answers, a bad timeout ---------
"$SERVERS/tcp_blackhole.py" >"$T/blackhole.port" &
stop_at_exit $!
for _ in $(seq 1 100); do [ -s "$T/blackhole.port" ] && break; sleep 0.05; done
HOLE=$(cat "$T/blackhole.port")
up "connect timeout" 75 S3_ENDPOINT="http://127.0.0.1:$HOLE" S3_CONNECT_TIMEOUT=0.5 STEPKIT_RETRIES=2 \
	sales_report.csv
# libcurl words the same timeout two ways, depending on where it was caught
is "$(grep -cE "attempt 1/2 failed: PUT 's3://reports/sales_report\.csv': (Connection timeout|Failed to connect to 127\.0\.0\.1 port $HOLE) after [0-9]+ ms" "$T/err")" 1 \
	"connect timeout: retried, the message says the connection timed out"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "2 transient" "connect timeout: event: 2 attempts, transient"
start_s3 hung
kill -STOP $pid
up "server hung (accepts, never answers)" 75 STEPKIT_RETRIES=2 --timeout 1 sales_report.csv
kill -CONT $pid
stop $pid
expect_err "PUT 's3://reports/sales_report.csv': stalled: no progress for 1 s (the server stopped reading or never answered)" \
	"hung server: the stall timeout says so"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "2 transient" "hung server: event: 2 attempts, transient"
up "S3_TIMEOUT=-1" 2 S3_TIMEOUT=-1
expect_err "upload-s3: S3_TIMEOUT '-1': expected seconds above 0 (at most 86400)" "S3_TIMEOUT=-1: usage error naming it"

# --- interrupted multipart uploads ---------------------------------------------
# the server must implement AbortMultipartUpload for "no orphan parts" to be
# checkable; s3rver 4.0.4 answers 405 unless s3_server.js adds it
abort_todo() { grep -q "MethodNotAllowed" "$1" && echo "s3_server.js lacks AbortMultipartUpload (405)"; }
# todo_is GOT WANT NAME REASON: like `is`, but with REASON set a failure is a
# TAP TODO (a known gap of the test server, reported, not failing the suite)
todo_is() {
	if [ -n "$4" ] && [ "$1" != "$2" ]; then
		_n=$((_n + 1)) # tests/lib.sh's test counter
		echo "not ok $_n - $3 # TODO $4"
		echo "#   got '$1', want '$2'"
	else
		is "$1" "$2" "$3"
	fi
}

start_s3 term
env S3_ENDPOINT="http://127.0.0.1:$port" S3_BUCKET=reports AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY="$SECRET" \
	S3_PART_SIZE=5M "$BIN/upload-s3" --workdir "$W" big.csv >"$T/out" 2>"$T/term.err" &
tool=$!
for _ in $(seq 1 400); do ls "$T/term/data/reports/._S3rver_uploads/"*/1 >/dev/null 2>&1 && break; sleep 0.02; done
kill -TERM $tool
wait $tool
rc=$?
cat "$T/term.err" >>"$T/all.err"
is "$rc" 143 "SIGTERM during a multipart upload: dies by the signal"
no_file "$(obj term big.csv)" "SIGTERM: no object"
todo_is "$(uploads_left term)" 0 "SIGTERM: the multipart upload was aborted" "$(abort_todo "$T/term.err")"
stop $pid

# SIGTERM while a single PUT is still hashing (a sparse 4 GiB file takes
# seconds): hashing stops at once, no request is made
truncate -s 4G "$W/huge.bin"
start_s3 hashterm
env S3_ENDPOINT="http://127.0.0.1:$port" S3_BUCKET=reports AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY="$SECRET" \
	S3_MULTIPART_THRESHOLD=5G "$BIN/upload-s3" --workdir "$W" huge.bin >"$T/out" 2>"$T/hashterm.err" &
tool=$!
sleep 0.5
kill -TERM $tool
wait $tool
rc=$?
rm -f "$W/huge.bin"
cat "$T/hashterm.err" >>"$T/all.err"
is "$rc" 143 "SIGTERM while hashing a single PUT: dies by the signal"
grep -qF "upload-s3: '$W/huge.bin': hashing stopped" "$T/hashterm.err"
ok $? "SIGTERM while hashing: the hashing stopped, the message names the file once"
is "$(reqs hashterm "r['method'] == 'PUT'" | wc -l | tr -d ' ')" 0 "SIGTERM while hashing: no PUT was sent"
stop $pid

rm -rf "$W/.stepkit" # records of the server above, gone now
start_s3 kill
kport=$port
env S3_ENDPOINT="http://127.0.0.1:$kport" S3_BUCKET=reports AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY="$SECRET" \
	S3_PART_SIZE=5M "$BIN/upload-s3" --workdir "$W" big.csv >"$T/out" 2>"$T/kill.err" &
tool=$!
for _ in $(seq 1 400); do ls "$T/kill/data/reports/._S3rver_uploads/"*/1 >/dev/null 2>&1 && break; sleep 0.02; done
kill -STOP $tool # hold the upload in the middle
kill -KILL $pid
wait $pid 2>/dev/null
kill -CONT $tool
wait $tool
rc=$?
cat "$T/kill.err" >>"$T/all.err"
is "$rc" 75 "server killed during a multipart upload: exit 75"
grep -q "aborting multipart upload [0-9a-f]* failed too (.*Failed to connect.*): the next run aborts it" "$T/kill.err"
ok $? "server killed: the failed abort is reported"
grep -q "attempt 2/3 failed: PUT 's3://reports/big.csv': Failed to connect" "$T/kill.err"
ok $? "server killed: the part was retried"
no_file "$(obj kill big.csv)" "server killed: no partial object"
is "$(ls "$W/.stepkit/upload-s3" | wc -l | tr -d ' ')" 1 "server killed: the upload id is recorded for the next run"
start_s3 kill --port "$kport"
up "rerun after the server came back" 0 S3_PART_SIZE=5M big.csv
same_file "$(obj kill big.csv)" "$W/big.csv" "rerun: object identical"
todo_is "$(grep -c "aborted the unfinished multipart upload an earlier run left" "$T/err")" 1 \
	"rerun: the earlier upload was aborted first" "$(abort_todo "$T/err")"
todo_is "$(uploads_left kill)" 0 "rerun: no orphan multipart upload left" "$(abort_todo "$T/err")"
is "$(ls "$W/.stepkit/upload-s3" | wc -l | tr -d ' ')" 0 "rerun: the record is gone"
stop $pid

# --- no secret anywhere -------------------------------------------------------
no_secret_in "$T/all.err" "$T/all.events" -- "$SECRET" "$TOKEN"

done_testing
