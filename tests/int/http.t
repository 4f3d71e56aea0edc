#!/bin/bash
# upload-http against tests/servers/http_sink.py on 127.0.0.1: PUT and POST,
# basic and bearer auth, HTTPS with a private CA, injected 503s, Retry-After,
# a dead server, a server killed mid-upload, a 64 MiB file, --check, and no
# credential in any log line or event.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -x "$BIN/upload-http" ] || skip_all "bin/upload-http not built"

SINK=$TOP/tests/servers/http_sink.py
PW='etl_pw-Secr3t'
TOKEN='tok-4f9c2e7a91b3d5'
export STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.05 STEPKIT_RETRY_MAX_DELAY=2
unset HTTP_UPLOAD_URL HTTP_METHOD HTTP_USER HTTP_PASSWORD HTTP_PASSWORD_FILE HTTP_BEARER_TOKEN \
	HTTP_BEARER_TOKEN_FILE HTTP_HEADERS HTTP_CA_FILE

# start_sink NAME [ARGS...]: start a sink in $T/NAME; sets $port and $pid
start_sink() {
	local name=$1
	shift
	mkdir -p "$T/$name"
	python3 "$SINK" --dir "$T/$name" "$@" >"$T/$name.log" 2>&1 &
	pid=$!
	stop_at_exit $pid
	need_ready "$T/$name.log" $pid "http_sink.py ($name)"
	port=$(cat "$T/$name/port")
}

# stop PID: TERM it and wait until it is gone
stop() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	kill -KILL "$1" 2>/dev/null
}

# up NAME WANT [VAR=VALUE]... [ARG]...: run upload-http with those settings and
# arguments; stderr and the event are kept for the secret grep at the end
up() { run_kept upload-http "$@"; }

# ev EXPR: evaluate a Python expression over the event as `e`
ev() { python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print($1)" "$W/events/upload-http.json"; }

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi; }

# requests SINK: how many requests a sink logged
requests() { if [ -f "$T/$1/requests.jsonl" ]; then wc -l <"$T/$1/requests.jsonl" | tr -d ' '; else echo 0; fi; }

W=$T/work
mkdir -p "$W"
printf 'stock_code,description,revenue\n85123A,"WHITE HANGING HEART, T-LIGHT",1234.50\n22423,"REGENCY CAKESTAND ""3 TIER""",99.00\n' >"$W/sales_report.csv"
printf 'customer_id,country,revenue\n12347,Iceland,4310.00\n12348,Finland,1797.24\n' >"$W/customer_report.csv"
printf 'category,revenue\ncandles,12.00\nkitchen,7.10\nd\xc3\xa9cor,3.30\n' >"$W/product_report.csv"

# --- PUT of the three reports, one connection -------------------------------
start_sink put
up "PUT of the three default reports" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/up/" --log-level debug
for f in sales_report.csv customer_report.csv product_report.csv; do
	same_file "$T/put/files/up/$f" "$W/$f" "PUT: $f stored byte for byte"
done
expect_err "sent '$W/sales_report.csv' to 'http://127.0.0.1:$port/up/sales_report.csv'" "PUT: log names the file and the URL"
is "$(grep -c 'reused the connection' "$T/err")" 2 "PUT: files 2 and 3 reused the first connection"
is "$(ev "len(e['outputs']), e['counts']['attempts'], e['counts']['files']")" "3 3 3" "PUT: event has 3 outputs, 3 attempts"
is "$(ev "e['outputs'][0]['sha256']")" "$(sha256sum <"$W/sales_report.csv" | cut -d' ' -f1)" "PUT: event sha256 is the file's"
is "$(ev "e['outputs'][2]['path'], e['outputs'][2]['bytes']")" "http://127.0.0.1:$port/up/product_report.csv $(stat -c %s "$W/product_report.csv")" "PUT: event has the remote URL and bytes"
is "$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['headers'].get('Content-Type'))" "$T/put/requests.jsonl")" "text/csv" "PUT: Content-Type text/csv"

# --- file arguments, a single-file URL, extra headers -------------------------
up "one file to a URL naming the file, with extra headers" 0 \
	HTTP_UPLOAD_URL="http://127.0.0.1:$port/single/today.csv" HTTP_HEADERS="X-Run: 42; X-Team: data; charset-test: text/csv; charset=utf-8" sales_report.csv
same_file "$T/put/files/single/today.csv" "$W/sales_report.csv" "single URL: stored under the URL's name"
is "$(tail -1 "$T/put/requests.jsonl" | python3 -c "import json,sys; h=json.load(sys.stdin)['headers']; print(h.get('X-Run'), h.get('X-Team'), h.get('charset-test'))")" \
	"42 data text/csv; charset=utf-8" "HTTP_HEADERS: three headers sent, the ';' inside a value kept"
printf 'PK\003\004 not a real workbook' >"$W/sales_report.xlsx"
up "a workbook" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/up/" sales_report.xlsx
same_file "$T/put/files/up/sales_report.xlsx" "$W/sales_report.xlsx" "PUT: workbook stored byte for byte"
is "$(tail -1 "$T/put/requests.jsonl" | python3 -c "import json,sys; print(json.load(sys.stdin)['headers'].get('Content-Type'))")" \
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" "PUT of a .xlsx: the workbook's Content-Type (mime.h)"
up "three files to a URL naming one file" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/single/today.csv"
expect_err "names one file, not a directory ending in '/'" "single URL with three files: said why"
up "a bare CR in an HTTP_HEADERS value is refused" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/up/" HTTP_HEADERS="$(printf 'X-Ok: 1\nX-A: 1\rX-Evil: 2')"
expect_err "HTTP_HEADERS: header 2: header 'X-A' holds a line break (header injection)" "header injection: names the bad header"
up "a header without a name is refused" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/up/" HTTP_HEADERS="no colon here"
up "credentials in the URL are refused" 2 HTTP_UPLOAD_URL="http://etl:$PW@127.0.0.1:$port/up/"
expect_err "holds user:password@" "URL with credentials: said why"

n0=$(requests put)
up "a missing local file fails before any request" 1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/up/" sales_report.csv nope.csv
expect_err "'$W/nope.csv': No such file or directory" "missing file: named"
is "$(ev "e['counts']['files'], e['counts']['bytes']")" "0 0" "missing file: the event counts 0 files and 0 bytes"
is "$(requests put)" "$n0" "missing file: no request was made (not even for the file that exists)"

# --- symbolic links out of the work directory are refused ----------------------
mkdir -p "$T/outside"
printf 'password=hunter2\n' >"$T/outside/secret.txt"
ln -s "$T/outside/secret.txt" "$W/leak.csv"
ln -s "$T/outside" "$W/linkdir"
ln -s sales_report.csv "$W/alias.csv"
n0=$(requests put)
up "a link out of the work directory is refused" 1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/ln/" sales_report.csv leak.csv
expect_err "upload-http: '$W/leak.csv': a symbolic link to '$T/outside/secret.txt', outside the work directory '$W': refusing to send it (allow links with --follow-symlinks or STEPKIT_FOLLOW_SYMLINKS=1)" \
	"link out: names the file, its target and the flag"
up "a file reached through a linked directory is refused" 1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/ln/" "$W/linkdir/secret.txt"
expect_err "upload-http: '$W/linkdir/secret.txt': leads through a symbolic link to '$T/outside/secret.txt'" "linked directory: refused"
is "$(requests put)" "$n0" "links out: nothing was sent (not even the file before it)"
up "a link inside the work directory is fine" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/ln/" alias.csv
same_file "$T/put/files/ln/alias.csv" "$W/sales_report.csv" "link inside: sent"
up "--follow-symlinks sends a link out" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/ln/" --follow-symlinks leak.csv
same_file "$T/put/files/ln/leak.csv" "$T/outside/secret.txt" "--follow-symlinks: sent"
up "STEPKIT_FOLLOW_SYMLINKS=1 too" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/ln2/" STEPKIT_FOLLOW_SYMLINKS=1 leak.csv
expect_exit 1 "upload-s3 refuses a link out too" env AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=secret-example \
	"$BIN/upload-s3" --workdir "$W" --endpoint "http://127.0.0.1:$port" --bucket b --event-file "$T/s3.json" leak.csv
expect_err "upload-s3: '$W/leak.csv': a symbolic link to '$T/outside/secret.txt', outside the work directory" "upload-s3: link out named"
expect_exit 1 "upload-sftp refuses a link out too (before connecting)" env SFTP_PASSWORD=x "$BIN/upload-sftp" \
	--workdir "$W" --host 127.0.0.1 --port 1 --user u --known-hosts "$T/outside/secret.txt" --event-file "$T/sftp.json" leak.csv
expect_err "upload-sftp: '$W/leak.csv': a symbolic link to '$T/outside/secret.txt', outside the work directory" "upload-sftp: link out named"
rm -f "$W/leak.csv" "$W/linkdir" "$W/alias.csv"
stop $pid

# --- basic auth ---------------------------------------------------------------
start_sink basic --basic "etl:$PW"
printf '%s\n' "$PW" >"$T/pw"
up "basic auth, password from HTTP_PASSWORD_FILE" 0 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl HTTP_PASSWORD_FILE="$T/pw"
same_file "$T/basic/files/in/sales_report.csv" "$W/sales_report.csv" "basic: file stored"
up "basic auth, wrong password" 1 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl HTTP_PASSWORD=wrong-password
expect_err "HTTP 401 Unauthorized" "wrong password: HTTP 401 reported"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "1 permanent" "wrong password: one attempt, permanent"
up "--check with the right password" 0 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/sales_report.csv" HTTP_USER=etl HTTP_PASSWORD="$PW" --check
expect_err "credentials not refused (HEAD answered 200" "--check: ok line"
up "--check with a wrong password" 1 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/sales_report.csv" HTTP_USER=etl HTTP_PASSWORD=wrong-password --check
expect_err "credentials refused" "--check: says the credentials were refused"
up "user without password" 2 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl
up "password and token together" 2 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl HTTP_PASSWORD=x HTTP_BEARER_TOKEN=y
stop $pid

# --- a URL that redirects: --check fails as the upload would --------------------
start_sink redir --redirect "https://files.example/final/?X-Sig=sig-abc123"
up "--check against a URL that answers 302" 1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" --check
expect_err "upload-http: the URL redirects, and uploads do not follow redirects: set HTTP_UPLOAD_URL to the target: HEAD 'http://127.0.0.1:$port/in/': HTTP 302 Found; redirects are not followed: use the final URL (Location 'https://files.example/final/')" \
	"--check with a redirect: exit 1 naming the status and the Location"
if grep -qF "sig-abc123" "$T/err"; then ok 1 "--check with a redirect: the Location's query is not shown"; else ok 0 "--check with a redirect: the Location's query is not shown"; fi
up "the upload to that URL fails the same way" 1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" sales_report.csv
expect_err "PUT 'http://127.0.0.1:$port/in/sales_report.csv': HTTP 302 Found: moved; redirects are not followed: use the final URL (Location 'https://files.example/final/')" \
	"a redirect in a run: named with its Location"
stop $pid

# --- credentials over plain http:// are refused unless allowed -------------------
start_sink plain --basic "etl:$PW"
up "basic auth over http:// is refused" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl HTTP_PASSWORD="$PW"
expect_err "upload-http: HTTP_UPLOAD_URL is plain http://: refusing to send the password unencrypted; use https://, or on a network you trust allow it with --allow-insecure-auth (HTTP_ALLOW_INSECURE_AUTH=1)" \
	"basic over http://: said why and how to allow it"
up "a bearer token over http:// is refused" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_BEARER_TOKEN="$TOKEN" --check
expect_err "refusing to send the bearer token unencrypted" "bearer over http://: refused, --check too"
up "an Authorization header over http:// is refused" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_HEADERS="X-Run: 1; authorization: Bearer $TOKEN"
expect_err "refusing to send the Authorization header of HTTP_HEADERS unencrypted" "Authorization header over http://: refused"
is "$(requests plain)" 0 "credentials over http://: nothing was sent"
up "HTTP_ALLOW_INSECURE_AUTH=maybe" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_ALLOW_INSECURE_AUTH=maybe
expect_err "HTTP_ALLOW_INSECURE_AUTH 'maybe': use 1 or 0 (true or false)" "a bad yes/no value: named"
up "--allow-insecure-auth sends them" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/in/" HTTP_USER=etl HTTP_PASSWORD="$PW" --allow-insecure-auth sales_report.csv
same_file "$T/plain/files/in/sales_report.csv" "$W/sales_report.csv" "--allow-insecure-auth: stored"
stop $pid

# --- bearer token, POST multipart ---------------------------------------------
start_sink bearer --bearer "$TOKEN"
printf '%s\n' "$TOKEN" >"$T/token"
up "POST multipart with a bearer token from a file" 0 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/forms" HTTP_METHOD=POST HTTP_BEARER_TOKEN_FILE="$T/token"
for f in sales_report.csv customer_report.csv product_report.csv; do
	same_file "$T/bearer/files/forms/$f" "$W/$f" "POST: $f stored byte for byte"
done
is "$(head -1 "$T/bearer/requests.jsonl" | python3 -c "import json,sys; p=json.load(sys.stdin)['parts']; print(len(p), p[0]['name'], p[0]['filename'], p[0]['content_type'])")" \
	"1 file sales_report.csv text/csv" "POST: one part named 'file' with the file name, text/csv"
is "$(ev "e['outputs'][0]['bytes']")" "$(stat -c %s "$W/sales_report.csv")" "POST: event bytes are the file's, not the multipart body's"
up "POST of a workbook" 0 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/forms" HTTP_METHOD=POST HTTP_BEARER_TOKEN_FILE="$T/token" sales_report.xlsx
is "$(tail -1 "$T/bearer/requests.jsonl" | python3 -c "import json,sys; p=json.load(sys.stdin)['parts']; print(p[0]['filename'], p[0]['content_type'])")" \
	"sales_report.xlsx application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" "POST of a .xlsx: the part's Content-Type is the workbook's"
up "bearer token wrong" 1 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/forms" HTTP_METHOD=POST HTTP_BEARER_TOKEN=not-the-token
up "two files of the same name" 2 HTTP_ALLOW_INSECURE_AUTH=1 HTTP_UPLOAD_URL="http://127.0.0.1:$port/forms" HTTP_METHOD=POST HTTP_BEARER_TOKEN="$TOKEN" sales_report.csv "$W/sales_report.csv"
expect_err "have the same name" "same name twice: said why"
up "HTTP_METHOD other than PUT/POST" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$port/forms/" HTTP_METHOD=PATCH
stop $pid

# --- HTTPS with a private CA --------------------------------------------------
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost >/dev/null 2>&1
	start_sink tls --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" --basic "etl:$PW"
	up "HTTPS without the private CA is refused" 1 HTTP_UPLOAD_URL="https://127.0.0.1:$port/tls/" HTTP_USER=etl HTTP_PASSWORD="$PW"
	expect_err "certificate is not trusted" "HTTPS: untrusted certificate reported"
	is "$(requests tls)" 0 "HTTPS: nothing was sent to the untrusted server"
	up "HTTPS with HTTP_CA_FILE" 0 HTTP_UPLOAD_URL="https://127.0.0.1:$port/tls/" HTTP_USER=etl HTTP_PASSWORD="$PW" HTTP_CA_FILE="$T/cert.pem"
	same_file "$T/tls/files/tls/customer_report.csv" "$W/customer_report.csv" "HTTPS: file stored"
	up "--check over HTTPS" 0 HTTP_UPLOAD_URL="https://127.0.0.1:$port/tls/" HTTP_USER=etl HTTP_PASSWORD="$PW" HTTP_CA_FILE="$T/cert.pem" --check
	expect_err "TLS certificate verified" "--check: TLS verified"
	stop $pid
else
	ok 0 "# SKIP openssl not installed: no HTTPS test"
fi

# --- temporary failures -------------------------------------------------------
start_sink flaky --fail-first 2 --fail-status 503
up "503, 503, then 201" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/" sales_report.csv
same_file "$T/flaky/files/f/sales_report.csv" "$W/sales_report.csv" "503 twice: file stored on the third attempt"
is "$(ev "e['counts']['attempts'], e['outputs'][0]['attempts'], e['outputs'][0]['source'] == '$W/sales_report.csv'")" "3 3 True" \
	"503 twice: three attempts in the event, in all and for the file"
expect_err "attempt 2/3 failed: PUT 'http://127.0.0.1:$port/f/sales_report.csv': HTTP 503" "503 twice: retries logged"
stop $pid

start_sink down503 --fail-first 100 --fail-status 503
up "503 every time" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/" sales_report.csv
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "3 transient" "503 always: three attempts, transient"
is "$(requests down503)" 3 "503 always: three requests reached the server"
stop $pid

start_sink slow --fail-first 1 --fail-status 429 --retry-after 1
up "429 with Retry-After: 1" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/" sales_report.csv
expect_err "HTTP 429 Too Many Requests: injected failure 1; retrying in 1.0 s" "Retry-After honoured (1.0 s, not the 0.05 s backoff)"
stop $pid

start_sink gone
stop $pid # its port is now closed
up "server down" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/"
expect_err "attempt 2/3 failed: PUT 'http://127.0.0.1:$port/f/sales_report.csv': Failed to connect" "server down: connection refused retried"
is "$(ev "e['counts']['attempts'], e['error']['kind'], len(e['outputs'])")" "3 transient 0" "server down: three attempts in the event"
up "--check with the server down" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/" --check
expect_err "server not reachable" "--check: says the server is not reachable"

# --- a port that drops SYNs, a server that never answers, bad timeouts --------
"$TOP/tests/servers/tcp_blackhole.py" >"$T/blackhole.port" &
stop_at_exit $!
for _ in $(seq 1 100); do [ -s "$T/blackhole.port" ] && break; sleep 0.05; done
HOLE=$(cat "$T/blackhole.port")
up "connect timeout" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$HOLE/f/" HTTP_CONNECT_TIMEOUT=0.5 \
	STEPKIT_RETRIES=2 sales_report.csv
# libcurl words the same timeout two ways, depending on where it was caught
is "$(grep -cE "attempt 1/2 failed: PUT 'http://127\.0\.0\.1:$HOLE/f/sales_report\.csv': (Connection timeout|Failed to connect to 127\.0\.0\.1 port $HOLE) after [0-9]+ ms" "$T/err")" 1 \
	"connect timeout: retried, the message says the connection timed out"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "2 transient" "connect timeout: event: 2 attempts, transient"
start_sink hung
kill -STOP $pid
up "server hung (accepts, never answers)" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/f/" \
	STEPKIT_RETRIES=2 --timeout 1 sales_report.csv
kill -CONT $pid
stop $pid
expect_err "PUT 'http://127.0.0.1:$port/f/sales_report.csv': stalled: no progress for 1 s (the server stopped reading or never answered)" \
	"hung server: the stall timeout says so"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "2 transient" "hung server: event: 2 attempts, transient"

# --- a server that trickles its answer (2 bytes/s: never a stall) -------------
# every request ends by STEPKIT_RETRY_DEADLINE: upload-http, its --check,
# upload-s3 and notify's webhook
start_sink trickle --trickle 2
up "trickled answer: the PUT ends at the retry deadline" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/t/" \
	STEPKIT_RETRY_DEADLINE=2 --timeout 1 sales_report.csv
expect_err "upload-http: '$W/sales_report.csv': PUT 'http://127.0.0.1:$port/t/sales_report.csv': not done after 2 s, the time left before the retry deadline (STEPKIT_RETRY_DEADLINE)" \
	"trickled answer: the message says which limit ended it"
is "$(ev "e['counts']['attempts'], e['error']['kind']")" "1 transient" "trickled answer: one attempt (the deadline is spent), transient"
up "trickled answer: --check ends at the retry deadline" 75 HTTP_UPLOAD_URL="http://127.0.0.1:$port/t/" \
	STEPKIT_RETRY_DEADLINE=2 --check
expect_err "HEAD 'http://127.0.0.1:$port/t/': not done after 2 s" "trickled answer: --check bounded too"
expect_exit 75 "trickled answer: upload-s3's PUT ends at the retry deadline" env STEPKIT_RETRY_DEADLINE=2 \
	AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=secret-example "$BIN/upload-s3" --workdir "$W" \
	--endpoint "http://127.0.0.1:$port" --bucket b --event-file "$T/s3.json" sales_report.csv
expect_err "upload-s3: '$W/sales_report.csv': PUT 's3://b/sales_report.csv': not done after 2 s, the time left before the retry deadline" \
	"trickled answer: upload-s3 says so"
mkdir -p "$T/hookwd"
printf 'http://127.0.0.1:%s/hooks/T1/B1/x' "$port" >"$T/hookurl"
expect_exit 75 "trickled answer: notify's webhook POST ends at the retry deadline" env STEPKIT_RETRY_DEADLINE=2 \
	WEBHOOK_URL_FILE="$T/hookurl" "$BIN/notify" --workdir "$T/hookwd" --run-id r1
expect_err "notify: POST 'webhook': not done after 2 s" "trickled answer: notify says so"
stop $pid

up "HTTP_CONNECT_TIMEOUT=0" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$HOLE/f/" HTTP_CONNECT_TIMEOUT=0
expect_err "upload-http: HTTP_CONNECT_TIMEOUT '0': expected seconds above 0 (at most 86400)" "HTTP_CONNECT_TIMEOUT=0: usage error naming it"
up "--timeout 5m" 2 HTTP_UPLOAD_URL="http://127.0.0.1:$HOLE/f/" --timeout 5m
expect_err "upload-http: HTTP_TIMEOUT '5m': expected seconds above 0 (at most 86400)" "--timeout 5m: usage error naming the setting"

# --- a 64 MiB file, and a server killed in the middle of it --------------------
head -c $((64 << 20)) /dev/urandom >"$W/big.csv"
start_sink big
up "64 MiB PUT" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/big/" big.csv
same_file "$T/big/files/big/big.csv" "$W/big.csv" "64 MiB: stored byte for byte"
is "$(ev "e['outputs'][0]['sha256']")" "$(sha256sum <"$W/big.csv" | cut -d' ' -f1)" "64 MiB: sha256 computed while sending"
stop $pid

if command -v ss >/dev/null 2>&1; then
	start_sink kill
	kport=$port
	kill -STOP $pid # accepts nothing more: the upload stalls once the socket buffers are full
	env HTTP_UPLOAD_URL="http://127.0.0.1:$kport/k/" "$BIN/upload-http" --workdir "$W" big.csv >"$T/out" 2>"$T/kill.err" &
	tool=$!
	for _ in $(seq 1 200); do
		q=$(ss -tnH state established "( dport = :$kport )" 2>/dev/null | awk '{print $2}' | head -1)
		[ -n "$q" ] && [ "$q" -gt 0 ] && break
		sleep 0.05
	done
	kill -KILL $pid # the server dies with the upload half sent
	wait $pid 2>/dev/null
	wait $tool
	rc=$?
	cat "$T/kill.err" >>"$T/all.err"
	is "$rc" 75 "server killed mid-upload: exit 75"
	grep -qE 'attempt 1/3 failed: .*(Send failure|Recv failure|reset|closed|Failed to connect)' "$T/kill.err"
	ok $? "server killed mid-upload: the broken transfer was retried"
	no_file "$T/kill/files/k/big.csv" "server killed mid-upload: no partial file stored"
	# SIGTERM while the server stalls: the transfer stops within a second or so
	start_sink stall
	kill -STOP $pid
	env HTTP_UPLOAD_URL="http://127.0.0.1:$port/s/" "$BIN/upload-http" --workdir "$W" big.csv >"$T/out" 2>"$T/term.err" &
	tool=$!
	for _ in $(seq 1 200); do
		q=$(ss -tnH state established "( dport = :$port )" 2>/dev/null | awk '{print $2}' | head -1)
		[ -n "$q" ] && [ "$q" -gt 0 ] && break
		sleep 0.05
	done
	kill -TERM $tool
	wait $tool
	is "$?" 143 "SIGTERM during an upload: dies by the signal"
	is "$(ev "e['status'], e['error']['kind']")" "interrupted interrupted" "SIGTERM: the event says interrupted"
	kill -KILL $pid
	wait $pid 2>/dev/null
	start_sink kill --listen "127.0.0.1:$kport"
	up "rerun after the server came back" 0 HTTP_UPLOAD_URL="http://127.0.0.1:$port/k/" big.csv
	same_file "$T/kill/files/k/big.csv" "$W/big.csv" "rerun: stored byte for byte"
	stop $pid
else
	ok 0 "# SKIP ss (iproute2) not installed: no mid-upload kill test"
fi

# --- no secret anywhere -------------------------------------------------------
no_secret_in "$T/all.err" "$T/all.events" -- "$PW" "$TOKEN"

done_testing
