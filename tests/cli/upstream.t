#!/bin/bash
# An analysis run by hand after the transform failed in the same work
# directory refuses the stale transformed_data.csv (exit 1), unless told to go
# on (--ignore-upstream, STEPKIT_IGNORE_UPSTREAM); no event, or a succeeded
# one, changes nothing.
. "$(dirname "$0")/../lib.sh"

W=$T/w
"$TOP/scripts/gen-sample" --rows 300 "$T/s" 2>/dev/null || { echo "Bail out! gen-sample"; exit 1; }
for s in extract-sales extract-customers extract-products; do
	"$BIN/$s" --workdir "$W" --source "file:$T/s" --log-level error
done
expect_exit 0 "transform" "$BIN/transform" --workdir "$W"
expect_exit 0 "analyze-sales after a transform that succeeded" "$BIN/analyze-sales" --workdir "$W"
cp "$W/sales_report.csv" "$T/report.before"

expect_exit 3 "transform fails its gate" "$BIN/transform" --workdir "$W" --min-rows 999999
for a in analyze-sales analyze-customers analyze-products; do
	expect_exit 1 "$a after the failed transform" "$BIN/$a" --workdir "$W"
	expect_err "$a: '$W/transformed_data.csv': transform failed in this directory ($W/events/transform.json: " "$a: names the file, the step and its event"
	expect_err "so the file is from an earlier run: run transform again, or pass --ignore-upstream to read it anyway" "$a: says what to do"
done
same_file "$W/sales_report.csv" "$T/report.before" "the report is left as it was"
grep -q '"status": "failed"' "$W/events/analyze-sales.json"
ok $? "the analysis' own event says failed"

expect_exit 0 "--ignore-upstream reads it anyway" "$BIN/analyze-sales" --workdir "$W" --ignore-upstream
expect_err "transform failed in this directory" "--ignore-upstream: a warning says so"
expect_err "(--ignore-upstream: reading it)" "--ignore-upstream: and that it goes on"
expect_exit 0 "STEPKIT_IGNORE_UPSTREAM=1 too" env STEPKIT_IGNORE_UPSTREAM=1 "$BIN/analyze-products" --workdir "$W"
expect_exit 1 "STEPKIT_IGNORE_UPSTREAM=0 does not" env STEPKIT_IGNORE_UPSTREAM=0 "$BIN/analyze-products" --workdir "$W"

expect_exit 0 "transform again" "$BIN/transform" --workdir "$W"
expect_exit 0 "analyze-customers after it" "$BIN/analyze-customers" --workdir "$W"

# --in elsewhere: the event beside that file counts
mkdir -p "$T/other" "$T/o2"
cp "$W/transformed_data.csv" "$T/other/"
expect_exit 0 "no event beside the input: no verdict" "$BIN/analyze-sales" --workdir "$T/o2" --in "$T/other/transformed_data.csv"
mkdir -p "$T/other/events" && cp "$T/w/events/analyze-customers.json" "$T/other/events/transform.json"
sed -i 's/"status": "succeeded"/"status": "interrupted"/' "$T/other/events/transform.json"
expect_exit 1 "an interrupted transform beside --in" "$BIN/analyze-sales" --workdir "$T/o2" --in "$T/other/transformed_data.csv"
expect_err "transform interrupted in this directory" "the status is named"
echo 'not json' >"$T/other/events/transform.json"
expect_exit 0 "an event that is not JSON is no verdict" "$BIN/analyze-sales" --workdir "$T/o2" --in "$T/other/transformed_data.csv"
done_testing
