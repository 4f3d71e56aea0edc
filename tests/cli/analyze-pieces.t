#!/bin/bash
# The analyses read a large input in pieces on several threads (--threads,
# STEPKIT_THREADS). Whatever the pieces, the report and every error message
# must be exactly those of one thread: a cut that lands inside a quoted field,
# a bad row in a later piece, or texts that differ across pieces all fall
# back to one thread, which words the error with its true line.
. "$(dirname "$0")/../lib.sh"

. "$(dirname "$0")/analyze-common.sh"
ROW=${ROW/85123A/XPIECE}

# A realistic block of rows: a generated sample through the transform.
g=$T/gen
"$TOP/scripts/gen-sample" --rows 90000 "$g" >/dev/null 2>&1 &&
	"$BIN/transform" --workdir "$g" --log-level warn
ok $? "a transformed sample of 90,000 rows"
tail -n +2 "$g/transformed_data.csv" >"$T/rows"

# input NAME PART...: $T/NAME/transformed_data.csv, the header then the parts
input() {
	d=$T/$1; shift
	rm -rf "$d" && mkdir -p "$d"
	{ echo "$HDR"; cat "$@"; } >"$d/transformed_data.csv"
	P=$d/transformed_data.csv
}

# same_as_one_thread NAME N PIECES_LOG: every tool with --threads N writes
# the report of --threads 1; the debug log has PIECES_LOG
same_as_one_thread() {
	local name=$1 n=$2 want=$3 tool f
	for tool in $TOOLS; do
		f=$(report_of "$tool")
		expect_exit 0 "$name: $tool --threads 1" "$BIN/$tool" --workdir "$d" --threads 1 --out "$d/one.csv"
		expect_exit 0 "$name: $tool --threads $n" "$BIN/$tool" --workdir "$d" --threads "$n" --log-level debug
		expect_err "$want" "$name: $tool --threads $n: $want"
		same_file "$d/$f" "$d/one.csv" "$name: $tool: the report of one thread"
	done
}

input two "$T/rows" "$T/rows"
same_as_one_thread "two pieces" 2 "in 2 pieces"
n=$(wc -l <"$T/rows")
grep -q "\"rows_in\": $((2 * n))," "$d/events/analyze-sales.json"
ok $? "two pieces: the event counts the rows of both"
grep -q '"threads": 2' "$d/events/analyze-sales.json"
ok $? "two pieces: the event says 2 threads"

input three "$T/rows" "$T/rows" "$T/rows"
same_as_one_thread "three pieces" 3 "in 3 pieces"
STEPKIT_THREADS=3 "$BIN/analyze-products" --workdir "$d" --log-level debug 2>"$T/err"
expect_err "in 3 pieces" "STEPKIT_THREADS=3 reads in 3 pieces"

# a small file is not worth a thread
input small <(head -1000 "$T/rows")
expect_exit 0 "small file" "$BIN/analyze-sales" --workdir "$d" --threads 2 --log-level debug
grep -q "pieces" "$T/err"
ok $((!$?)) "small file: read on one thread"

# a pipe is read as it comes, on one thread
d=$T/two
"$BIN/analyze-sales" --workdir "$d" --threads 2 --in <(cat "$d/transformed_data.csv") \
	--out "$d/piped.csv" 2>"$T/err"
ok $? "a pipe as the input"
same_file "$d/piped.csv" "$d/sales_report.csv" "a pipe: the same report"

# The middle of the file is inside a quoted description whose lines look
# like rows: the first piece ends in an open quote, so the cut was wrong.
{ printf '%s' "${ROW%%WHITE*}\""
  for _ in $(seq 1 400); do printf '%s\n' "${ROW//\"Smith, John\"/Smith}"; done
  printf '%s\n' "END\",Home,1.20"; } >"$T/quoted.part"
input quoted "$T/rows" "$T/quoted.part" "$T/rows"
same_as_one_thread "a cut inside a quoted field" 2 "did not work out: reading it on one thread"
grep -q "\"rows_in\": $((2 * n + 1))," "$d/events/analyze-products.json"
ok $? "a cut inside a quoted field: the multi-line row counts as one row"
grep -q '"threads": 1' "$d/events/analyze-products.json"
ok $? "a cut inside a quoted field: the event says 1 thread"

# a bad row near the end: the message and line are those of one thread
lines=$(($(wc -l <"$T/rows") * 2 + 1))
{ head -n -3 "$T/rows"; echo "${ROW/,6,/,six,}"; tail -3 "$T/rows"; } >"$T/bad.part"
input bad "$T/rows" "$T/bad.part"
bad_line=$((lines - 2))
for tool in $TOOLS; do
	expect_exit 1 "bad row in the last piece: $tool" "$BIN/$tool" --workdir "$d" --threads 2
	expect_err "$tool: '$P': line $bad_line: quantity 'six' is not a non-negative integer" \
		"bad row in the last piece: $tool: the line of one thread"
	no_file "$d/$(report_of "$tool")" "bad row in the last piece: $tool: no report"
done

# one product, two descriptions, in different pieces: the later line is named
first=$(head -1 "$T/rows")
code=$(echo "$first" | cut -d, -f2)
{ sed '$d' "$T/rows"; echo "$first" | sed 's/,\([^,]*\),\([^,]*\),\([^,]*\)$/,CHANGED,\2,\3/'; } >"$T/changed.part"
input changed "$T/rows" "$T/changed.part"
run "$BIN/analyze-products" --workdir "$d" --threads 1
one_rc=$rc
cp "$T/err" "$T/err1"
expect_exit "$one_rc" "two descriptions across pieces: same exit as one thread" \
	"$BIN/analyze-products" --workdir "$d" --threads 2
[ "$one_rc" -eq 1 ] && grep -q "stock_code '$code' has description 'CHANGED'" "$T/err1" &&
	cmp -s "$T/err" "$T/err1"
ok $? "two descriptions across pieces: the message of one thread, line $lines"

# a sum that passes 64 bits only once the pieces are added up: the line of one thread
BIG=${ROW/,6,2010-12-01T08:26:00,2.55,12346,15.30,/,1,2010-12-01T08:26:00,9999999999999999.99,12346,9999999999999999.99,}
{ for _ in 1 2 3 4 5; do echo "$BIG"; done; cat "$T/rows"; } >"$T/sum1.part"
{ cat "$T/rows"; for _ in 1 2 3 4 5; do echo "$BIG"; done; } >"$T/sum2.part"
input sum "$T/sum1.part" "$T/sum2.part"
run "$BIN/analyze-sales" --workdir "$d" --threads 1
cp "$T/err" "$T/err1"
expect_exit 1 "a sum past 64 bits across pieces" "$BIN/analyze-sales" --workdir "$d" --threads 2
grep -q "line $((2 * n + 11)): sum of revenue for date '2010-12-01' exceeds 64 bits" "$T/err1" &&
	cmp -s "$T/err" "$T/err1"
ok $? "a sum past 64 bits across pieces: the message of one thread, line $((2 * n + 11))"

# --- the setting ---
d=$T/two
for v in 0 9 x 2x ""; do
	[ -z "$v" ] && continue
	expect_exit 2 "--threads $v" "$BIN/analyze-sales" --workdir "$d" --threads "$v"
	expect_err "analyze-sales: --threads: '$v' is not a number from 1 to 8" "--threads $v: message"
done
STEPKIT_THREADS=0 "$BIN/analyze-customers" --workdir "$d" 2>"$T/err"
[ $? -eq 2 ]
ok $? "STEPKIT_THREADS=0: usage error"
expect_err "analyze-customers: STEPKIT_THREADS: '0' is not a number from 1 to 8" "STEPKIT_THREADS=0: the message names the variable"

# --- SIGTERM while the pieces are read ---
input sig "$T/rows" "$T/rows" "$T/rows" "$T/rows" "$T/rows" "$T/rows" "$T/rows" "$T/rows"
"$BIN/analyze-products" --workdir "$d" --threads 2 --log-level debug 2>"$T/err" &
pid=$!
stop_at_exit $pid
for _ in $(seq 1 500); do grep -q "pieces" "$T/err" && break; sleep 0.01; done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 143 ]
ok $? "SIGTERM while reading pieces: died by the signal (status $rc, want 143)"
no_file "$d/product_report.csv" "SIGTERM: no report"
no_temp "$d" "SIGTERM: no temporary file"
expect_err "analyze-products: '$P': interrupted" "SIGTERM: message"

done_testing
