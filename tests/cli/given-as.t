#!/bin/bash
# Issue 9, item 22: a message about a setting names it as the user gave it,
# the flag or its environment variable (sk_opt_given_as), in the extracts'
# range, source and query settings and the analyses' --threads.
. "$(dirname "$0")/../lib.sh"

FX=$TOP/tests/fixtures/transform/golden
W=$T/w
mkdir -p "$W"
X=$BIN/extract-sales

# both NAME WANT_ENV WANT_FLAG ENV=VALUE FLAG VALUE [MORE ARG...]: exit $CODE (2
# unless set) and the message of each way of giving the setting
both() {
	local name=$1 want_env=$2 want_flag=$3 envset=$4 flag=$5 value=$6 code=${CODE:-2}
	shift 6
	env "$envset" "$X" --workdir "$W" "$@" >"$T/out" 2>"$T/err"
	ok $(($? != code)) "$name from the environment: exit $code"
	expect_err "extract-sales: $want_env" "$name from the environment: the variable is named"
	expect_exit "$code" "$name from the flag" "$X" --workdir "$W" "$flag" "$value" "$@"
	expect_err "extract-sales: $want_flag" "$name from the flag: the flag is named"
}

both "a bad source" "STEPKIT_SOURCE 'ftp:x': use postgres or file:PATH" \
	"--source 'ftp:x': use postgres or file:PATH" STEPKIT_SOURCE=ftp:x --source ftp:x
both "a bad period" "STEPKIT_PERIOD 'weekly': use current-month, previous-month, daily or all" \
	"--period 'weekly': use current-month, previous-month, daily or all" \
	STEPKIT_PERIOD=weekly --period weekly --source "file:$FX"
both "a bad as-of day" "STEPKIT_AS_OF 'bad' is not a date (YYYY-MM-DD)" \
	"--as-of 'bad' is not a date (YYYY-MM-DD)" STEPKIT_AS_OF=bad --as-of bad --source "file:$FX" --period daily
both "a day that does not exist" \
	"STEPKIT_FROM '2011-02-30' has day 30, but February 2011 has 28 days: not a date" \
	"--from '2011-02-30' has day 30, but February 2011 has 28 days: not a date" \
	STEPKIT_FROM=2011-02-30 --from 2011-02-30 --source "file:$FX" --to 2011-03-01
both "--from without --to" "STEPKIT_FROM and --to go together" "--from and --to go together" \
	STEPKIT_FROM=2011-01-01 --from 2011-01-01 --source "file:$FX"
both "--from after --to" "STEPKIT_FROM 2011-03-02 is after --to 2011-03-01" \
	"--from 2011-03-02 is after --to 2011-03-01" STEPKIT_FROM=2011-03-02 --from 2011-03-02 \
	--source "file:$FX" --to 2011-03-01
both "a period with a range" "STEPKIT_PERIOD and --from/--to exclude each other" \
	"--period and --from/--to exclude each other" STEPKIT_PERIOD=daily --period daily \
	--source "file:$FX" --from 2011-01-01 --to 2011-01-02
both "a query with a file source" "STEPKIT_QUERY needs the postgres source, not 'file:$FX'" \
	"--query needs the postgres source, not 'file:$FX'" "STEPKIT_QUERY=select 1" --query "select 1" \
	--source "file:$FX"
both "a query and a query file" "STEPKIT_QUERY and --query-file exclude each other" \
	"--query and --query-file exclude each other" "STEPKIT_QUERY=select 1" --query "select 1" \
	--query-file "$T/q.sql"
CODE=1 both "a missing query file" "STEPKIT_QUERY_FILE: '$T/none.sql': No such file or directory" \
	"--query-file: '$T/none.sql': No such file or directory" "STEPKIT_QUERY_FILE=$T/none.sql" \
	--query-file "$T/none.sql"

# the analyses' --threads
cp "$TOP/tests/fixtures/analyze/transformed_data.csv" "$W/"
STEPKIT_THREADS=9 "$BIN/analyze-sales" --workdir "$W" >"$T/out" 2>"$T/err"
ok $(($? != 2)) "STEPKIT_THREADS=9: exit 2"
expect_err "analyze-sales: STEPKIT_THREADS: '9' is not a number from 1 to 8" "STEPKIT_THREADS=9: the variable is named"
STEPKIT_THREADS=2 expect_exit 2 "--threads 9 over STEPKIT_THREADS" "$BIN/analyze-sales" --workdir "$W" --threads 9
expect_err "analyze-sales: --threads: '9' is not a number from 1 to 8" "--threads 9: the flag is named"
# upload-sftp's settings, checked before any connection
unset SFTP_HOST SFTP_PORT SFTP_USER SFTP_KNOWN_HOSTS SFTP_KEY_FILE SFTP_TIMEOUT \
	SFTP_CONNECT_TIMEOUT SFTP_PASSWORD SFTP_PASSWORD_FILE STEPKIT_FOLLOW_SYMLINKS
touch "$T/known_hosts"
# pair TOOL NAME WANT_ENV WANT_FLAG "ENV=VALUE..." FLAG VALUE [ARG...]: exit 2,
# the message with the variable, then with the flag
pair() {
	local tool=$1 name=$2 want_env=$3 want_flag=$4 envs=$5 flag=$6 value=$7
	shift 7
	# shellcheck disable=SC2086
	env $envs "$BIN/$tool" --workdir "$W" "$@" >"$T/out" 2>"$T/err"
	ok $(($? != 2)) "$tool: $name from the environment: exit 2"
	expect_err "$tool: $want_env" "$tool: $name from the environment: the variable is named"
	expect_exit 2 "$tool: $name from the flag" "$BIN/$tool" --workdir "$W" "$flag" "$value" "$@"
	expect_err "$tool: $want_flag" "$tool: $name from the flag: the flag is named"
}
S="--host h --user u"
pair upload-sftp "a bad port" "SFTP_PORT '0': expected a port number from 1 to 65535" \
	"--port '0': expected a port number from 1 to 65535" "SFTP_PORT=0" --port 0 $S
pair upload-sftp "a missing known_hosts" "SFTP_KNOWN_HOSTS '$T/none': No such file or directory" \
	"--known-hosts '$T/none': No such file or directory" "SFTP_KNOWN_HOSTS=$T/none" --known-hosts "$T/none" $S
pair upload-sftp "a missing key file" "SFTP_KEY_FILE '$T/none': No such file or directory" \
	"--key-file '$T/none': No such file or directory" "SFTP_KEY_FILE=$T/none" --key-file "$T/none" \
	$S --known-hosts "$T/known_hosts"
pair upload-sftp "a bad timeout" "SFTP_TIMEOUT 'x': expected seconds above 0 (at most 86400)" \
	"--timeout 'x': expected seconds above 0 (at most 86400)" "SFTP_TIMEOUT=x" --timeout x \
	$S --known-hosts "$T/known_hosts"
pair upload-sftp "a bad connect timeout" "SFTP_CONNECT_TIMEOUT 'x': expected seconds above 0 (at most 86400)" \
	"--connect-timeout 'x': expected seconds above 0 (at most 86400)" "SFTP_CONNECT_TIMEOUT=x" \
	--connect-timeout x $S --known-hosts "$T/known_hosts"

# notify's SMTP settings
unset SMTP_URL SMTP_TLS SMTP_USER SMTP_PASSWORD SMTP_PASSWORD_FILE SMTP_CA_FILE WEBHOOK_URL \
	WEBHOOK_URL_FILE MAIL_CC MAIL_OUTBOX
export MAIL_TO=ops@example.com MAIL_FROM=etl@example.com
pair notify "a bad scheme" "SMTP_URL 'ftp://x': scheme must be smtp or smtps" \
	"--smtp-url 'ftp://x': scheme must be smtp or smtps" "SMTP_URL=ftp://x" --smtp-url ftp://x
pair notify "credentials in the URL" "SMTP_URL must not hold credentials" \
	"--smtp-url must not hold credentials" "SMTP_URL=smtp://u:p@x" --smtp-url smtp://u:p@x
pair notify "no TLS with smtps" "SMTP_TLS=none contradicts smtps:// (implicit TLS)" \
	"--smtp-tls none contradicts smtps:// (implicit TLS)" "SMTP_TLS=none" --smtp-tls none \
	--smtp-url smtps://x
pair notify "a missing CA file" "SMTP_CA_FILE '$T/none': No such file or directory" \
	"--smtp-ca-file '$T/none': No such file or directory" "SMTP_CA_FILE=$T/none" \
	--smtp-ca-file "$T/none" --smtp-url smtp://x
pair notify "a user without a password" "SMTP_USER is set but neither SMTP_PASSWORD nor SMTP_PASSWORD_FILE" \
	"--smtp-user is set but neither SMTP_PASSWORD nor SMTP_PASSWORD_FILE" "SMTP_USER=u" \
	--smtp-user u --smtp-url smtp://x
SMTP_PASSWORD=p pair notify "a password without TLS" \
	"SMTP_TLS=none: refusing to send the password without TLS (drop SMTP_TLS=none or the credentials)" \
	"--smtp-tls none: refusing to send the password without TLS (drop --smtp-tls none or the credentials)" \
	"SMTP_TLS=none" --smtp-tls none --smtp-url smtp://x --smtp-user u

done_testing
