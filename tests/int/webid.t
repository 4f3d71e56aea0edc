#!/bin/bash
# upload-s3 with credentials from a web identity (AWS_ROLE_ARN +
# AWS_WEB_IDENTITY_TOKEN_FILE, STS AssumeRoleWithWebIdentity) against our fake
# STS (tests/servers/sts_server.py) and the SigV4-checking S3 server, which
# here also insists on the session token (--token): the exchange, the token
# in the form body only, a missing or empty token file (exit 2), a refusal
# (exit 1 quoting STS), STS down (75) or briefly failing (retried), static
# keys winning, and no token or key in any log line or event.
. "$(dirname "$0")/../lib.sh"
SERVERS=${STEPKIT_TEST_SERVERS:-$TOP/tests/servers}

command -v node >/dev/null 2>&1 || skip_all "node not installed"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -f "$SERVERS/node_modules/@20minutes/s3rver/package.json" ] ||
	skip_all "s3rver not installed: run tests/servers/install"
[ -x "$BIN/upload-s3" ] || skip_all "bin/upload-s3 not built"

ROLE='arn:aws:iam::123456789012:role/stepkit-reports'
IDTOKEN='eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLXdlYmlk+/='
ACCESS='ASIATEMPKEY0EXAMPLE'
SECRET='tmp-Secr3t-webid-5a6b7c'
STOKEN='FwoGZXIvYXdzEBYaDH+session/token=='
export STEPKIT_RETRIES=3 STEPKIT_RETRY_DELAY=0.05 STEPKIT_RETRY_MAX_DELAY=1
unset S3_ENDPOINT S3_BUCKET S3_PREFIX S3_PATH_STYLE AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
	AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID_FILE AWS_SECRET_ACCESS_KEY_FILE AWS_SESSION_TOKEN_FILE \
	AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME AWS_ENDPOINT_URL_STS

# start_sts NAME [ARGS...]: sets $sport, $spid
start_sts() {
	local name=$1
	shift
	python3 "$SERVERS/sts_server.py" --dir "$T/$name" --role-arn "$ROLE" --token "$IDTOKEN" \
		--access "$ACCESS" --secret "$SECRET" --session-token "$STOKEN" "$@" >"$T/$name.log" 2>&1 &
	spid=$!
	stop_at_exit $spid
	need_ready "$T/$name.log" $spid "sts_server.py ($name)"
	sport=$(cat "$T/$name/port")
}

mkdir -p "$T/s3"
(cd "$SERVERS" && exec node s3_server.js --dir "$T/s3" --bucket reports --access "$ACCESS" \
	--secret "$SECRET" --token "$STOKEN") >"$T/s3.log" 2>&1 &
s3pid=$!
stop_at_exit $s3pid
need_ready "$T/s3.log" $s3pid "s3_server.js"
port=$(cat "$T/s3/port")

W=$T/work
mkdir -p "$W"
printf 'stock_code,revenue\n85123A,1234.50\n' >"$W/sales_report.csv"
printf '%s\n' "$IDTOKEN" >"$T/token"

start_sts sts

# up NAME WANT [VAR=VALUE]...: upload-s3 of sales_report.csv with web identity preset
up() {
	local name=$1 want=$2
	local envs=(S3_ENDPOINT="http://127.0.0.1:$port" S3_BUCKET=reports AWS_ROLE_ARN="$ROLE"
		AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$sport/")
	shift 2
	envs+=("$@")
	rm -f "$W/events/upload-s3.json"
	expect_exit "$want" "$name" env "${envs[@]}" "$BIN/upload-s3" --workdir "$W" sales_report.csv
	cat "$T/err" >>"$T/all.err"
	[ -f "$W/events/upload-s3.json" ] && cat "$W/events/upload-s3.json" >>"$T/all.events"
	return 0
}
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi; }
stsreq() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l); print($2)" "$T/$1/requests.jsonl" | tail -1; }

# --- the exchange ---------------------------------------------------------------
up "web identity: STS credentials, upload with the session token" 0 S3_PREFIX=webid \
	AWS_ROLE_SESSION_NAME=nightly-run-1
same_file "$T/s3/data/reports/webid/sales_report.csv._S3rver_object" "$W/sales_report.csv" \
	"web identity: the object is stored"
is "$(stsreq sts "r['action'], r['version'], r['role_arn'], r['session_name'], r['token_ok'], r['token_in_url'], r['content_type'], r['status']")" \
	"AssumeRoleWithWebIdentity 2011-06-15 $ROLE nightly-run-1 True False application/x-www-form-urlencoded 200" \
	"STS request: action, version, role, session name, the token in the form body only"
expect_err "upload-s3: credentials: role '$ROLE' by web identity (STS), until 2031-10-24T23:00:23Z" \
	"the log names the role and the expiry"
grep -q '"bad_token":true' "$T/s3/requests.jsonl"
ok $((!$?)) "every S3 request carried the signed session token"

up "default session name: stepkit- and the host name" 0 S3_PREFIX=webid2
is "$(stsreq sts "r['session_name'].startswith('stepkit-')")" "True" "default session name starts with stepkit-"

# --- static keys win --------------------------------------------------------------
: >"$T/sts/requests.jsonl"
up "static keys set: STS not asked (S3 refuses: no session token)" 1 \
	AWS_ACCESS_KEY_ID="$ACCESS" AWS_SECRET_ACCESS_KEY="$SECRET"
is "$(wc -l <"$T/sts/requests.jsonl" | tr -d ' ')" 0 "static keys: no STS request"
grep -q "HTTP 403 InvalidToken" "$T/err"
ok $? "the test S3 server refuses a request without the session token"

# --- configuration errors: exit 2 naming the file -----------------------------------
up "missing token file: exit 2" 2 AWS_WEB_IDENTITY_TOKEN_FILE="$T/nope/token"
expect_err "upload-s3: AWS_WEB_IDENTITY_TOKEN_FILE: '$T/nope/token': No such file or directory" \
	"missing token file: the message names the setting and the file"
chmod 000 "$T/token"
if [ -r "$T/token" ]; then
	_n=$((_n + 1))
	echo "ok $_n # skip unreadable token file: running as root"
else
	up "unreadable token file: exit 2" 2
	expect_err "upload-s3: AWS_WEB_IDENTITY_TOKEN_FILE: '$T/token': Permission denied" \
		"unreadable token file: named"
fi
chmod 644 "$T/token"
: >"$T/empty"
up "empty token file: exit 2" 2 AWS_WEB_IDENTITY_TOKEN_FILE="$T/empty"
expect_err "upload-s3: AWS_WEB_IDENTITY_TOKEN_FILE '$T/empty': empty" "empty token file: named"
up "bad session name: exit 2" 2 AWS_ROLE_SESSION_NAME='two words'
expect_err "upload-s3: AWS_ROLE_SESSION_NAME 'two words': use 2 to 64 of A-Z a-z 0-9 + = , . @ _ -" \
	"bad session name: named"

# --- STS says no: exit 1 quoting its code and message ---------------------------------
printf 'not-the-token\n' >"$T/other"
up "wrong token: exit 1" 1 AWS_WEB_IDENTITY_TOKEN_FILE="$T/other"
expect_err "upload-s3: STS AssumeRoleWithWebIdentity for '$ROLE': HTTP 400 InvalidIdentityToken: Couldn't retrieve verification key from your identity provider; check the token's audience (sts.amazonaws.com) and the OIDC provider" \
	"wrong token: STS's code and message"
up "other role: exit 1" 1 AWS_ROLE_ARN="${ROLE}-x"
expect_err "upload-s3: STS AssumeRoleWithWebIdentity for '${ROLE}-x': HTTP 403 AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity; check the role's trust policy (the OIDC provider and the service account)" \
	"refused role: STS's code and message"
is "$(stsreq sts "r['status']")" 403 "refused role: one request, not retried"

# --- STS down or briefly failing ------------------------------------------------------
start_sts flaky --fail-first 2
up "STS 503 twice, then answers: retried" 0 S3_PREFIX=flaky
is "$(wc -l <"$T/flaky/requests.jsonl" | tr -d ' ')" 3 "STS 503: three requests"
kill -TERM $spid
wait $spid 2>/dev/null
up "STS down: exit 75" 75
grep -q "upload-s3: POST 'http://127.0.0.1:$sport/ (STS)': .*" "$T/err"
ok $? "STS down: the message names the STS endpoint"

# --- no secret anywhere ---------------------------------------------------------------
no_secret_in "$T/all.err" "$T/all.events" -- "$IDTOKEN" "$SECRET" "$STOKEN"

done_testing
