#!/bin/bash
# Name lookups that fail, for every tool that connects by name (extract-sales
# for the three extracts, upload-sftp, upload-http, upload-s3, notify), in a private network namespace
# (tests/servers/dns-netns.sh): a DNS outage is temporary (retried, exit 75);
# a name that does not exist is a typo (exit 1 at once, no retry, the
# message says to check the host). Needs root (unshare, mount).
. "$(dirname "$0")/../lib.sh"
NETNS=$TOP/tests/servers/dns-netns.sh

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || skip_all "unshare or ip missing"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
"$NETNS" probe 2>/dev/null || skip_all "cannot make a network namespace here"

export STEPKIT_RETRIES=2 STEPKIT_RETRY_DELAY=0.05 STEPKIT_RETRY_MAX_DELAY=0.1
unset PGHOSTADDR PGSERVICE PGSSLMODE PGPASSWORD_FILE SFTP_PORT SFTP_KEY_FILE SFTP_PASSWORD_FILE \
	SFTP_REMOTE_DIR HTTP_METHOD HTTP_USER HTTP_PASSWORD HTTP_BEARER_TOKEN HTTP_HEADERS S3_PREFIX \
	S3_PATH_STYLE AWS_SESSION_TOKEN SMTP_USER SMTP_PASSWORD MAIL_CC MAIL_OUTBOX WEBHOOK_URL

W=$T/work
mkdir -p "$W"
printf 'stock_code,description,revenue\n85123A,"WHITE HANGING HEART, T-LIGHT",1234.50\n' >"$W/sales_report.csv"

# tool NAME: the command line of NAME against hosts under example.test
tool() {
	case $1 in
	extract-sales) echo env PGHOST=db.example.test PGPORT=5432 PGDATABASE=etl PGUSER=etl \
		PGPASSWORD=pw PGCONNECT_TIMEOUT=2 "$BIN/extract-sales" --workdir "$W" ;;
	upload-sftp) echo env SFTP_HOST=sftp.example.test SFTP_USER=etl SFTP_PASSWORD=pw \
		SFTP_KNOWN_HOSTS=/dev/null "$BIN/upload-sftp" --workdir "$W" sales_report.csv ;;
	upload-http) echo env HTTP_UPLOAD_URL=https://reports.example.test/in/ "$BIN/upload-http" \
		--workdir "$W" sales_report.csv ;;
	upload-s3) echo env S3_ENDPOINT=https://s3.example.test S3_BUCKET=reports AWS_ACCESS_KEY_ID=k \
		AWS_SECRET_ACCESS_KEY=s "$BIN/upload-s3" --workdir "$W" sales_report.csv ;;
	notify) echo env SMTP_URL=smtp://mail.example.test:587 MAIL_FROM=etl@example.com \
		MAIL_TO=ops@example.com "$BIN/notify" --workdir "$W" ;;
	esac
}

ev() { python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print($1)" "$W/events/$2.json"; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi; }

# what each tool says about the host (the text after "tool: ... ")
declare -A down=(
	[extract-sales]="postgres host=db.example.test port=5432 dbname=etl user=etl: connect: could not translate host name \"db.example.test\" to address: Temporary failure in name resolution"
	[upload-sftp]="resolve 'sftp.example.test': temporary failure in name resolution"
	[upload-http]="PUT 'https://reports.example.test/in/sales_report.csv': Could not resolve host: reports.example.test"
	[upload-s3]="PUT 's3://reports/sales_report.csv': Could not resolve host: s3.example.test"
	[notify]="smtp 'smtp://mail.example.test:587': Could not resolve host: mail.example.test"
)
declare -A nx=(
	[extract-sales]="postgres host=db.example.test port=5432 dbname=etl user=etl: connect: could not translate host name \"db.example.test\" to address: Name or service not known: check PGHOST (or the host in --db)"
	[upload-sftp]="resolve 'sftp.example.test': Name or service not known: check SFTP_HOST"
	[upload-http]="PUT 'https://reports.example.test/in/sales_report.csv': Could not resolve host: reports.example.test (the DNS says there is no such name): check the host name"
	[upload-s3]="PUT 's3://reports/sales_report.csv': Could not resolve host: s3.example.test (the DNS says there is no such name): check the host name"
	[notify]="smtp 'smtp://mail.example.test:587': Could not resolve host: mail.example.test (the DNS says there is no such name): check the host of SMTP_URL"
)

for t in extract-sales upload-sftp upload-http upload-s3 notify; do
	rm -f "$W/events/$t.json"
	# shellcheck disable=SC2046
	expect_exit 75 "$t, DNS down: temporary" "$NETNS" down $(tool $t)
	if [ $t = extract-sales ]; then # the extracts leave retries to the workflow
		expect_err "${down[$t]}: check that the server is up and that PGHOST/PGPORT (or --db) point to it" \
			"$t, DNS down: says what to check"
	else
		expect_err "$t: warning: attempt 1/2 failed: ${down[$t]}; retrying in" "$t, DNS down: retried, says why"
	fi
	expect_err "${down[$t]}" "$t, DNS down: the last message names the host"
	is "$(ev "e['status'], e['error']['kind']" $t)" "failed transient" "$t, DNS down: event: failed, transient"

	rm -f "$W/events/$t.json"
	# shellcheck disable=SC2046
	expect_exit 1 "$t, no such name: permanent" "$NETNS" nxdomain $(tool $t)
	expect_err "${nx[$t]}" "$t, no such name: the message says to check the host"
	is "$(grep -c 'retrying in' "$T/err")" 0 "$t, no such name: not retried"
	is "$(ev "e['status'], e['error']['kind']" $t)" "failed permanent" "$t, no such name: event: failed, permanent"
done

# several hosts: one unknown name and one host down is the down host's
# (temporary) trouble, not a typo to give up on
expect_exit 75 "extract-sales, PGHOST=unknown name,host down: temporary" "$NETNS" nxdomain env \
	PGHOST=db.example.test,127.0.0.1 PGPORT=5432 PGDATABASE=etl PGUSER=etl PGPASSWORD=pw \
	PGCONNECT_TIMEOUT=2 "$BIN/extract-sales" --workdir "$W"
expect_err "Name or service not known" "two hosts: the unknown name is in the message"
expect_err "Connection refused" "two hosts: so is the refused connection"

# --check says the same, with what to look at
# shellcheck disable=SC2046
expect_exit 1 "notify --check, no such name" "$NETNS" nxdomain $(tool notify) --check
expect_err "notify: ${nx[notify]}" "notify --check, no such name: one clear message"
expect_exit 75 "upload-http --check, DNS down" "$NETNS" down env HTTP_UPLOAD_URL=https://reports.example.test/in/ \
	"$BIN/upload-http" --workdir "$W" --check
expect_err "server not reachable or TLS failed" "upload-http --check, DNS down: says the server is not reachable"

done_testing
