#!/bin/bash
# Data-quality levels (docs/quality.md): --quality FILE / STEPKIT_QUALITY,
# GREEN / YELLOW / RED per check and per step, the event's quality and
# history objects, events/STEP.quality, history from sibling run directories.
#
# The figures of tests/fixtures/transform/golden through transform: 26 rows
# in, 21 out (5 repeats dropped), 3 GUEST (customer_id empty: 18 of 21 =
# 85.71% filled), 6 of the 17 non-GUEST rows without a customer (35.29%),
# 3 of 21 without a product (14.29%), newest invoice_date 2011-12-09.
. "$(dirname "$0")/../lib.sh"

FX=$TOP/tests/fixtures/transform
RUNS=$T/runs # the run directories are siblings, as on the Argo volume

# inputs DIR: the golden inputs in a fresh DIR
inputs() {
	rm -rf "$1" && mkdir -p "$1"
	cp "$FX/golden/raw_sales.csv" "$FX/golden/customer_data.csv" "$FX/golden/product_data.csv" "$1/"
}

# jq_is FILE FILTER WANT NAME: jq -c FILTER of FILE prints WANT
jq_is() {
	local got
	got=$(jq -c "$2" "$1" 2>&1 | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$3" ]; then ok 0 "$4"; else ok 1 "$4"
		echo "#   got:  $got"; echo "#   want: $3"; fi
}

# level_is FILE WANT NAME: the status file holds exactly WANT, no newline
level_is() {
	if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && [ "$(wc -c <"$1")" -eq "${#2}" ]; then ok 0 "$3"
	else ok 1 "$3"; echo "#   got: '$(cat "$1" 2>&1)'"; fi
}

# err_is TEXT NAME: stderr is exactly TEXT (the seconds of "done" read N)
err_is() {
	sed -E 's/(rows out), [0-9.]+ s$/\1, N s/' "$T/err" >"$T/err.n"
	if [ "$(cat "$T/err.n")" = "$1" ]; then ok 0 "$2"; else ok 1 "$2"
		diff -u <(printf '%s\n' "$1") "$T/err.n" | sed 's/^/#   /' | head -20; fi
}

# --- no configuration: GREEN, no checks, the output as before ---
d=$RUNS/green
inputs "$d"
expect_exit 0 "transform without --quality" "$BIN/transform" --workdir "$d"
same_file "$d/transformed_data.csv" "$FX/golden/transformed_data.csv" "GREEN: the output is byte-identical"
jq_is "$d/events/transform.json" '.quality' '{"status":"GREEN","checks":[]}' \
	"no configuration: quality GREEN, no checks"
jq_is "$d/events/transform.json" '.history' 'null' "no earlier run: history null"
level_is "$d/events/transform.quality" GREEN "events/transform.quality: GREEN"
err_is "transform: done: 26 rows in, 21 rows out, N s" \
	"GREEN: the log is as before (one line)"

# --- YELLOW: committed, exit 0, one warning per YELLOW check ---
cat >"$T/yellow.json" <<'EOF'
{"comment": "test", "steps": {"transform": [
  {"check": "rows", "warn": 100, "fail": 10},
  {"check": "completeness", "column": "customer_id", "warn": 95, "fail": 80},
  {"check": "validity", "warn": 80},
  {"check": "unmatched_products", "warn": 10, "fail": 50}]}}
EOF
d=$RUNS/yellow
inputs "$d"
expect_exit 0 "YELLOW: exit 0" "$BIN/transform" --workdir "$d" --quality "$T/yellow.json"
same_file "$d/transformed_data.csv" "$FX/golden/transformed_data.csv" "YELLOW: the output is committed"
err_is "transform: warning: data-quality check rows YELLOW: 21 rows, below the warning level 100
transform: warning: data-quality check completeness(customer_id) YELLOW: customer_id filled in 85.71% of 21 rows, below the warning level 95%
transform: warning: data-quality check unmatched_products YELLOW: 14.29% of the 21 rows have no product row, above the warning level 10%
transform: done: 26 rows in, 21 rows out, N s" "YELLOW: one warning line per YELLOW check, then done"
jq_is "$d/events/transform.json" '.status, .exit_code, .quality.status' '"succeeded" 0 "YELLOW"' \
	"YELLOW: the event says succeeded, exit 0, quality YELLOW"
jq_is "$d/events/transform.json" '.quality.checks' \
	'[{"name":"rows","value":21,"warn":100,"fail":10,"status":"YELLOW","message":"21 rows, below the warning level 100"},{"name":"completeness","column":"customer_id","value":85.7142857,"warn":95,"fail":80,"status":"YELLOW","message":"customer_id filled in 85.71% of 21 rows, below the warning level 95%"},{"name":"validity","value":80.7692308,"warn":80,"fail":null,"status":"GREEN","message":"80.77% of 26 rows kept (5 dropped)"},{"name":"unmatched_products","value":14.2857143,"warn":10,"fail":50,"status":"YELLOW","message":"14.29% of the 21 rows have no product row, above the warning level 10%"}]' \
	"YELLOW: every check with name, value, warn, fail, status, message"
level_is "$d/events/transform.quality" YELLOW "events/transform.quality: YELLOW"
STEPKIT_QUALITY=$T/yellow.json expect_exit 0 "STEPKIT_QUALITY names the file" "$BIN/transform" --workdir "$d"
jq_is "$d/events/transform.json" '.quality.status' '"YELLOW"' "STEPKIT_QUALITY: the same checks"

# --- RED: exit 3, nothing committed, the figures in the message ---
cat >"$T/red.json" <<'EOF'
{"steps": {"transform": [
  {"check": "completeness", "column": "customer_id", "warn": 95, "fail": 90},
  {"check": "unmatched_customers", "fail": 30},
  {"check": "unmatched_products", "warn": 10}]}}
EOF
d=$RUNS/red
inputs "$d"
echo "old output" >"$d/transformed_data.csv"
expect_exit 3 "RED: exit 3" "$BIN/transform" --workdir "$d" --quality "$T/red.json"
err_is "transform: warning: data-quality check unmatched_customers RED: 35.29% of the 17 rows with a customer_id other than GUEST have no customer row, above the failure level 30%
transform: warning: data-quality check unmatched_products YELLOW: 14.29% of the 21 rows have no product row, above the warning level 10%
transform: data-quality check completeness(customer_id) RED: customer_id filled in 85.71% of 21 rows, below the failure level 90%: '$d/transformed_data.csv' is not written (more checks are RED: see the step's event)" \
	"RED: the first RED check is the error, with its figures; the others are logged"
[ "$(cat "$d/transformed_data.csv")" = "old output" ]
ok $? "RED: the old output is left as it was"
no_temp "$d" "RED: no temporary file"
jq_is "$d/events/transform.json" '.status, .exit_code, .error.kind, .quality.status, [.quality.checks[].status], .rows_out, .outputs' \
	'"failed" 3 "quality" "RED" ["RED","RED","YELLOW"] 0 []' "RED: the event: failed, exit 3, quality RED, no output"
level_is "$d/events/transform.quality" RED "events/transform.quality: RED"

# --- the shorthand gates are fail thresholds, their messages unchanged ---
expect_exit 3 "--min-rows 22: RED" "$BIN/transform" --workdir "$d" --min-rows 22 --max-unmatched 40
err_is "transform: data-quality gate: 21 rows, fewer than --min-rows 22 (STEPKIT_MIN_ROWS): '$d/transformed_data.csv' is not written; look at the step's input, or lower the gate" \
	"--min-rows: the gate's message as before"
jq_is "$d/events/transform.json" '.quality' \
	'{"status":"RED","checks":[{"name":"rows","setting":"--min-rows","value":21,"warn":null,"fail":22,"status":"RED","message":"21 rows, below the failure level 22"},{"name":"unmatched_customers","setting":"--max-unmatched","value":35.2941176,"warn":null,"fail":40,"status":"GREEN","message":"35.29% (6 of 17 rows with a customer_id other than GUEST), at most 40%"},{"name":"unmatched_products","setting":"--max-unmatched","value":14.2857143,"warn":null,"fail":40,"status":"GREEN","message":"14.29% (3 of 21 rows), at most 40%"}]}' \
	"shorthand gates: checks with a fail threshold, the setting named"
jq_is "$d/events/transform.json" '.details["gate.min_rows"]' '"failed: 21 rows, at least 22 wanted"' \
	"shorthand gates: the gate details as before"
level_is "$d/events/transform.quality" RED "a failed gate: RED"
STEPKIT_MIN_ROWS=21 expect_exit 0 "--min-rows 21 with 21 rows: GREEN" "$BIN/transform" --workdir "$d"
jq_is "$d/events/transform.json" '.quality.status, .quality.checks[0].message' '"GREEN" "21 rows, at least 21"' \
	"gate met: GREEN, the figures"
jq_is "$d/events/transform.json" '.quality.checks[0].setting' '"STEPKIT_MIN_ROWS"' \
	"a gate from the environment: its variable named"

# --- a failure that is not a quality one removes the status file ---
rm "$d/raw_sales.csv"
expect_exit 1 "a missing input: exit 1" "$BIN/transform" --workdir "$d"
no_file "$d/events/transform.quality" "exit 1: the previous status file is removed"
jq_is "$d/events/transform.json" 'has("quality")' 'false' "exit 1 before the checks: no quality object"

# --- a wrong configuration: exit 2 before any work, file and key named ---
d=$RUNS/config
inputs "$d"
printf GREEN >"$d/events.tmp"; mkdir -p "$d/events"; mv "$d/events.tmp" "$d/events/transform.quality"
printf '{"steps": {"transform": [{"check": "rows"}, {"check": "completeness", "column": "customer_id", "warn": 80, "fail": 95}]}}' >"$T/bad.json"
expect_exit 2 "warn on the wrong side of fail" "$BIN/transform" --workdir "$d" --quality "$T/bad.json"
err_is "transform: --quality '$T/bad.json': steps.transform[1].warn: 80 is below fail 95: completeness is bad below its thresholds, so warn must be at or above fail" \
	"the message names the file, the key path and what to do"
no_file "$d/transformed_data.csv" "a wrong configuration: nothing written"
no_file "$d/events/transform.quality" "exit 2: the previous status file is removed"
printf '{"steps": {"analyze-sales": [{"check": "rows", "fail": 1}], "transform": [{"check": "completness", "column": "customer_id"}]}}' >"$T/bad.json"
STEPKIT_QUALITY=$T/bad.json expect_exit 2 "an unknown check name" "$BIN/analyze-sales" --workdir "$d" --check
expect_err "analyze-sales: STEPKIT_QUALITY '$T/bad.json': steps.transform[0].check: unknown check 'completness' (use rows, row_change, completeness, validity, unmatched_customers, unmatched_products, quantities_made_positive, description_unknown, freshness_days)" \
	"the whole file is checked by every step (--check too), the variable named"
printf '{"steps": {"extract-customers": [{"check": "completeness", "column": "customer_name"}]}}' >"$T/bad.json"
expect_exit 2 "an unknown column" "$BIN/extract-customers" --workdir "$d" --source "file:$d" --quality "$T/bad.json"
err_is "extract-customers: --quality '$T/bad.json': steps.extract-customers[0].column: 'customer_name' is not a column of extract-customers (customer_id, name, country, segment, signup_date)" \
	"an unknown column: the columns there are"
printf '{"steps": {"transform": [' >"$T/bad.json"
expect_exit 2 "not JSON" "$BIN/transform" --workdir "$d" --quality "$T/bad.json"
err_is "transform: --quality '$T/bad.json': line 1 column 25: ']' expected near end of file" \
	"not JSON: line and column"
expect_exit 2 "a missing file" "$BIN/transform" --workdir "$d" --quality "$T/none.json"
err_is "transform: --quality: '$T/none.json': No such file or directory" "a missing file: named"

# a usage error found before the run removes it too
for args in "--bogus" "--out $d" "extra-argument"; do
	printf YELLOW >"$d/events/transform.quality"
	# shellcheck disable=SC2086
	expect_exit 2 "transform $args" "$BIN/transform" --workdir "$d" $args
	no_file "$d/events/transform.quality" "transform $args: exit 2, the previous status file is removed"
done
printf YELLOW >"$d/events/transform.quality"
expect_exit 2 "--check with a bad option" "$BIN/transform" --workdir "$d" --check --bogus
level_is "$d/events/transform.quality" YELLOW "--check never touches the status file"

# --- history: earlier successful runs of the same template, next to the work directory ---
# event RUNDIR STATUS TEMPLATE FINISHED ROWS_OUT: a fabricated event of an earlier run
event() {
	mkdir -p "$RUNS/$1/events"
	printf '{"step": "transform", "run": "%s", "status": "%s", "template": "%s", "finished": "%s", "rows_out": %s}\n' \
		"$1" "$2" "$3" "$4" "$5" >"$RUNS/$1/events/transform.json"
}
rm -rf "$RUNS"
event wf-1 succeeded sales-analysis 2024-05-01T02:10:00.000Z 30
event wf-2 succeeded sales-analysis 2024-05-02T02:10:00.000Z 25
event wf-3 failed sales-analysis 2024-05-03T02:10:00.000Z 99
event wf-4 succeeded other-template 2024-05-04T02:10:00.000Z 99
event wf-5 succeeded sales-analysis 2999-01-01T00:00:00.000Z 99
cat >"$T/trend.json" <<'EOF'
{"steps": {"transform": [{"check": "row_change", "direction": "drop", "warn": 10, "fail": 50}]}}
EOF
d=$RUNS/wf-6
inputs "$d"
STEPKIT_TEMPLATE=sales-analysis expect_exit 0 "row_change: a drop against the mean of 2 runs" \
	"$BIN/transform" --workdir "$d" --quality "$T/trend.json" --run-id wf-6
err_is "transform: history: 2 earlier runs of transform, the newest 'wf-2' with 25 rows
transform: warning: data-quality check row_change YELLOW: 21 rows against a mean of 27.50 over the 2 previous runs: -23.64%, a drop of more than the warning level 10%
transform: done: 26 rows in, 21 rows out, N s" \
	"row_change YELLOW: the history and the figures"
jq_is "$d/events/transform.json" '.template, .history' \
	'"sales-analysis" {"runs":2,"previous":{"run":"wf-2","rows_out":25,"finished":"2024-05-02T02:10:00.000Z"},"mean_rows_out":27.5}' \
	"history: the runs that count (succeeded, same template, finished before), the previous one, the mean"
jq_is "$d/events/transform.json" '.quality.checks[0] | [(.value * 100 | round), .direction, .status]' '[-2364,"drop","YELLOW"]' \
	"row_change: the signed change, its direction, YELLOW"
printf '{"history_runs": 1, "steps": {"transform": [{"check": "row_change", "warn": 10}]}}' >"$T/trend1.json"
STEPKIT_TEMPLATE=sales-analysis expect_exit 0 "history_runs 1: the previous run only" \
	"$BIN/transform" --workdir "$d" --quality "$T/trend1.json"
jq_is "$d/events/transform.json" '.history.runs, .quality.checks[0].message' \
	'1 "21 rows against 25 in the previous run: -16.00%, a change of more than the warning level 10%"' \
	"history_runs 1: compared with the previous run"
STEPKIT_TEMPLATE=nightly expect_exit 0 "another template: no history" "$BIN/transform" --workdir "$d" --quality "$T/trend.json"
expect_err "transform: history: no earlier successful run of transform next to the work directory (5 looked at): row_change is GREEN" \
	"no history: says so"
jq_is "$d/events/transform.json" '.history, .quality.status, .quality.checks[0].value, .quality.checks[0].message' \
	'null "GREEN" null "no earlier successful run of this step and template next to the work directory: nothing to compare"' \
	"no history: null, GREEN, the message says why"
# a sibling whose event is a FIFO (or too big to be an event) is passed over, never waited on
mkdir -p "$RUNS/wf-fifo/events" "$RUNS/wf-big/events"
mkfifo "$RUNS/wf-fifo/events/transform.json"
printf '%1048577s' '' >"$RUNS/wf-big/events/transform.json"
STEPKIT_TEMPLATE=sales-analysis expect_exit 0 "a FIFO and an oversized file among the siblings' events" \
	timeout 20 "$BIN/transform" --workdir "$d" --quality "$T/trend.json"
jq_is "$d/events/transform.json" '.history.runs' '2' "they are not runs: the same 2 earlier runs count"

# --- freshness: the newest invoice_date against the period's end ---
printf '{"steps": {"transform": [{"check": "freshness_days", "warn": 7, "fail": 21}], "extract-sales": [{"check": "freshness_days", "warn": 1}, {"check": "completeness", "column": "customer_id", "fail": 60}]}}' >"$T/fresh.json"
expect_exit 0 "freshness without an extract-sales event" "$BIN/transform" --workdir "$d" --quality "$T/fresh.json"
jq_is "$d/events/transform.json" '.quality.checks[0].message' \
	'"newest invoice_date 2011-12-09; not measured: no readable events/extract-sales.json in the work directory"' \
	"transform without a period: freshness is skipped, saying why"
d=$RUNS/fresh
expect_exit 0 "extract-sales --period previous-month" "$BIN/extract-sales" --workdir "$d" \
	--source "file:$FX/golden" --period previous-month --as-of 2012-01-05 --quality "$T/fresh.json"
expect_err "extract-sales: warning: data-quality check freshness_days YELLOW: newest invoice_date 2011-12-09, 22 days before 2011-12-31 (the end of the range), above the warning level 1 day" \
	"extract-sales: freshness against the end of its period"
jq_is "$d/events/extract-sales.json" '[.quality.status, .quality.checks[].value]' '["YELLOW",22,66.6666667]' \
	"extract-sales: completeness over the rows written, freshness in days"
level_is "$d/events/extract-sales.quality" YELLOW "events/extract-sales.quality: YELLOW"
cp "$FX/golden/customer_data.csv" "$FX/golden/product_data.csv" "$d/"
expect_exit 3 "transform: 22 days after the period's end, fail 21" "$BIN/transform" --workdir "$d" --quality "$T/fresh.json"
err_is "transform: data-quality check freshness_days RED: newest invoice_date 2011-12-09, 22 days before 2011-12-31 (the end of the period of extract-sales), above the failure level 21 days: '$d/transformed_data.csv' is not written" \
	"transform: freshness against the period extract-sales recorded"

# --- the analyses: rows and row_change ---
d=$RUNS/analyze
inputs "$d"
expect_exit 0 "transform for the analyses" "$BIN/transform" --workdir "$d"
printf '{"steps": {"analyze-sales": [{"check": "rows", "warn": 7, "fail": 6}], "analyze-products": [{"check": "rows", "warn": 7, "fail": 6}]}}' >"$T/an.json"
expect_exit 0 "analyze-sales: 6 dates, exactly at fail 6: YELLOW, exit 0" "$BIN/analyze-sales" --workdir "$d" --quality "$T/an.json"
err_is "analyze-sales: warning: data-quality check rows YELLOW: 6 rows, below the warning level 7
analyze-sales: done: 21 rows in, 6 rows out, N s" \
	"analyze-sales: a value equal to fail is YELLOW (bad only below)"
level_is "$d/events/analyze-sales.quality" YELLOW "events/analyze-sales.quality: YELLOW"
printf '{"steps": {"analyze-sales": [{"check": "rows", "fail": 7}]}}' >"$T/an.json"
cp "$d/sales_report.csv" "$T/report.before"
expect_exit 3 "analyze-sales: 6 dates below fail 7: RED" "$BIN/analyze-sales" --workdir "$d" --quality "$T/an.json"
err_is "analyze-sales: data-quality check rows RED: 6 rows, below the failure level 7: '$d/sales_report.csv' is not written" \
	"analyze-sales RED: the message"
same_file "$d/sales_report.csv" "$T/report.before" "analyze-sales RED: the report left as it was"
level_is "$d/events/analyze-sales.quality" RED "events/analyze-sales.quality: RED"
printf '{"steps": {"analyze-sales": [{"check": "validity"}]}}' >"$T/an.json"
expect_exit 2 "a check the step does not count" "$BIN/analyze-sales" --workdir "$d" --quality "$T/an.json"
err_is "analyze-sales: --quality '$T/an.json': steps.analyze-sales[0].check: analyze-sales does not count validity (it has: rows, row_change)" \
	"the checks a step has are named"

# --- the default file of the templates is valid for every step ---
for t in extract-sales extract-customers extract-products transform analyze-sales analyze-customers analyze-products; do
	expect_exit 0 "argo/base/quality.json: $t --help" "$BIN/$t" --help
	grep -q -- '--quality FILE' "$T/out"
	ok $? "$t --help names --quality"
done
d=$RUNS/default
inputs "$d"
expect_exit 0 "argo/base/quality.json: transform of the golden set (YELLOW)" "$BIN/transform" --workdir "$d" --quality "$TOP/argo/base/quality.json"
jq_is "$d/events/transform.json" '.quality.status' '"YELLOW"' "the default file: the golden set is YELLOW"

# --- the level cannot be written: the event says so (history and the
# upstream check trust the event, so it must never say succeeded here)
d=$RUNS/nostatus
inputs "$d"
mkdir -p "$d/events/transform.quality"
expect_exit 2 "a status file that is a directory" "$BIN/transform" --workdir "$d" --quality "$TOP/argo/base/quality.json"
grep -qxF "transform: quality status: '$d/events/transform.quality' is a directory: an output must be a regular file, a character device or a FIFO" "$T/err"
ok $? "the status file's failure is the step's error"
jq_is "$d/events/transform.json" '[.status, .exit_code, .error.kind]' '["failed",2,"usage"]' "the event says failed, with the exit code the step returned"
done_testing
