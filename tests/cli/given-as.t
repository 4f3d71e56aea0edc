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
done_testing
