#!/bin/bash
# analyze-sales, analyze-customers, analyze-products (SPEC.md section 4).
#
# tests/fixtures/analyze/transformed_data.csv is hand-made; the three
# *_report.csv beside it were written by hand from the SPEC (and agree with
# bench/pandas_chain.py). reversed.csv and shuffled.csv hold the same records
# in other orders: the reports must not change (the caches are shortcuts).
. "$(dirname "$0")/../lib.sh"

FX=$TOP/tests/fixtures/analyze
. "$(dirname "$0")/analyze-common.sh"

# workdir NAME LINE...: a fresh $T/NAME whose transformed_data.csv holds the lines
workdir() {
	d=$T/$1; shift
	rm -rf "$d" && mkdir -p "$d"
	printf '%s\n' "$@" >"$d/transformed_data.csv"
}

# --- the fixture, in three orders ---
for order in transformed_data reversed shuffled; do
	d=$T/$order
	mkdir -p "$d" && cp "$FX/$order.csv" "$d/transformed_data.csv"
	for tool in $TOOLS; do
		f=$(report_of "$tool")
		expect_exit 0 "$tool on $order.csv" "$BIN/$tool" --workdir "$d"
		same_file "$d/$f" "$FX/$f" "$tool on $order.csv: $f as written by hand"
	done
	no_temp "$d" "$order: no temporary file left"
done

# --- the event: rows in and out, input, output ---
ev=$T/transformed_data/events
grep -q '"rows_in": 21,' "$ev/analyze-sales.json" && grep -q '"rows_out": 8,' "$ev/analyze-sales.json"
ok $? "analyze-sales event: 21 rows in, 8 rows out"
grep -q '"rows_out": 9,' "$ev/analyze-customers.json"
ok $? "analyze-customers event: 9 rows out"
grep -q '"rows_out": 10,' "$ev/analyze-products.json"
ok $? "analyze-products event: 10 rows out"
sha=$(sha256sum "$FX/product_report.csv" | cut -d' ' -f1)
grep -q "\"sha256\": \"$sha\"" "$ev/analyze-products.json"
ok $? "analyze-products event: sha256 of the output"
grep -q "\"path\": \"$T/transformed_data/transformed_data.csv\"" "$ev/analyze-sales.json"
ok $? "analyze-sales event: the input path"

# --- --in / --out and their environment variables ---
d=$T/paths
mkdir -p "$d/in" "$d/out"
cp "$FX/shuffled.csv" "$d/in/data.csv"
expect_exit 0 "--in and --out" "$BIN/analyze-sales" --workdir "$d" --in "$d/in/data.csv" --out "$d/out/s.csv"
same_file "$d/out/s.csv" "$FX/sales_report.csv" "--out gets the report"
no_file "$d/sales_report.csv" "nothing written to the default name"
STEPKIT_TRANSFORMED_FILE=$d/in/data.csv STEPKIT_CUSTOMER_REPORT=$d/out/c.csv \
	expect_exit 0 "STEPKIT_TRANSFORMED_FILE, STEPKIT_CUSTOMER_REPORT" "$BIN/analyze-customers" --workdir "$d"
same_file "$d/out/c.csv" "$FX/customer_report.csv" "env: customer report"
STEPKIT_TRANSFORMED_FILE=$d/in/data.csv STEPKIT_PRODUCT_REPORT=$d/out/ignored.csv \
	expect_exit 0 "--out wins over STEPKIT_PRODUCT_REPORT" "$BIN/analyze-products" --workdir "$d" --out "$d/out/p.csv"
same_file "$d/out/p.csv" "$FX/product_report.csv" "flag: product report"
no_file "$d/out/ignored.csv" "the environment's file is not written"
STEPKIT_SALES_REPORT=$d/out/env-s.csv expect_exit 0 "STEPKIT_SALES_REPORT" \
	"$BIN/analyze-sales" --workdir "$d" --in "$d/in/data.csv"
same_file "$d/out/env-s.csv" "$FX/sales_report.csv" "env: sales report"

# --- header-only input: a header-only report ---
workdir empty-data "$HDR"
for tool in $TOOLS; do
	f=$(report_of "$tool")
	expect_exit 0 "$tool: header-only input" "$BIN/$tool" --workdir "$T/empty-data"
	head -1 "$FX/$f" >"$T/want-header"
	same_file "$T/empty-data/$f" "$T/want-header" "$tool: header-only report"
done
grep -q '"rows_in": 0,' "$T/empty-data/events/analyze-sales.json"
ok $? "header-only: 0 rows in"

# --- errors: exit status, exact message, no output, no temporary file ---
# fail NAME TOOL WANT_EXIT MESSAGE: run TOOL in $d (prepared by workdir);
# an older report there must survive untouched
# (lib.sh's helpers set globals such as $name: keep ours local)
fail() {
	local what=$1 tool=$2 code=$3 msg=$4 f
	f=$(report_of "$tool")
	echo "old report" >"$d/$f"
	expect_exit "$code" "$tool: $what" "$BIN/$tool" --workdir "$d"
	expect_err "$tool: $msg" "$tool: $what: message"
	echo "old report" | cmp -s - "$d/$f"
	ok $? "$tool: $what: older report untouched"
	no_temp "$d" "$tool: $what: no temporary file"
}

# fail_all NAME MESSAGE: the same failure from all three tools
fail_all() {
	for tool in $TOOLS; do
		fail "$1" "$tool" 1 "$2"
	done
}

P=$T/bad/transformed_data.csv
workdir bad "${HDR/invoice_no/invoice}" "$ROW"
fail_all "wrong header" "'$P': line 1: column 1 is 'invoice', expected 'invoice_no' (header must be '$HDR')"

workdir bad "$HDR" "$ROW" "${ROW%,1.20}"
fail_all "13 fields" "'$P': line 3: 13 fields, expected 14"

workdir bad "$HDR" "$ROW" "${ROW/,6,/,x12,}"
fail_all "quantity not an integer" "'$P': line 3: quantity 'x12' is not a non-negative integer"

workdir bad "$HDR" "${ROW/,6,/,-6,}"
fail_all "negative quantity" "'$P': line 2: quantity '-6' is not a non-negative integer"

workdir bad "$HDR" "${ROW/,6,/,06,}"
fail "quantity with a leading zero" analyze-sales 1 "'$P': line 2: quantity '06' is not a non-negative integer"

workdir bad "$HDR" "${ROW/,6,/,,}"
fail "empty quantity" analyze-customers 1 "'$P': line 2: quantity '' is not a non-negative integer"

workdir bad "$HDR" "${ROW/,2.55,/,2.5,}"
fail_all "unit_price with one decimal" "'$P': line 2: unit_price '2.5' is not money (digits, '.', two digits)"

workdir bad "$HDR" "${ROW/,15.30,/,15.300,}"
fail_all "line_total with three decimals" "'$P': line 2: line_total '15.300' is not money (digits, '.', two digits)"

workdir bad "$HDR" "${ROW/,15.30,/,-15.30,}"
fail "negative line_total" analyze-products 1 "'$P': line 2: line_total '-15.30' is not money (digits, '.', two digits)"

workdir bad "$HDR" "${ROW/,15.30,/,1e3,}"
fail "line_total with exponent" analyze-sales 1 "'$P': line 2: line_total '1e3' is not money (digits, '.', two digits)"

workdir bad "$HDR" "$ROW" "${ROW/,15.30,/,15.31,}"
fail_all "line_total not quantity x unit_price" \
	"'$P': line 3: line_total '15.31' is not quantity x unit_price (6 x 2.55 = 15.30)"

workdir bad "$HDR" "${ROW/,6,2010-12-01T08:26:00,2.55,/,999999999999999999,2010-12-01T08:26:00,99999.99,}"
fail "quantity x unit_price beyond 64 bits" analyze-sales 1 \
	"'$P': line 2: line_total '15.30' is not quantity x unit_price (999999999999999999 x 99999.99 = more than 64 bits)"

# sums are exact or an error: ten rows of the largest values overflow
BIG=${ROW/,6,2010-12-01T08:26:00,2.55,12346,15.30,/,1,2010-12-01T08:26:00,9999999999999999.99,12346,9999999999999999.99,}
workdir bad "$HDR" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG"
fail "revenue beyond 64 bits" analyze-sales 1 "'$P': line 11: sum of revenue for date '2010-12-01' exceeds 64 bits"
fail "revenue beyond 64 bits" analyze-customers 1 "'$P': line 11: sum of revenue for customer_id '12346' exceeds 64 bits"
MANY=${ROW/,6,2010-12-01T08:26:00,2.55,12346,15.30,/,999999999999999999,2010-12-01T08:26:00,0.00,12346,0.00,}
workdir bad "$HDR" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY" "$MANY"
fail "units beyond 64 bits" analyze-products 1 "'$P': line 11: sum of units for stock_code '85123A' exceeds 64 bits"
workdir bad "$HDR" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG"
expect_exit 0 "nine of them still fit" "$BIN/analyze-sales" --workdir "$d"
printf '%s\n' "$(head -1 "$FX/sales_report.csv")" "2010-12-01,1,9,9,89999999999999999.91,89999999999999999.91" >"$T/want-big"
same_file "$d/sales_report.csv" "$T/want-big" "nine of them: exact sums"

workdir bad "$HDR" "$ROW" "${ROW/2010-12-01T08:26:00/2011-02-29T08:26:00}"
fail_all "no such day" "'$P': line 3: invoice_date '2011-02-29T08:26:00' is not a timestamp (YYYY-MM-DDTHH:MM:SS)"

workdir bad "$HDR" "${ROW/2010-12-01T08:26:00/2010-12-01 08:26:00}"
fail "date with a space" analyze-customers 1 "'$P': line 2: invoice_date '2010-12-01 08:26:00' is not a timestamp (YYYY-MM-DDTHH:MM:SS)"

workdir bad "$HDR" "${ROW/2010-12-01T08:26:00/2010-12-01}"
fail "date without time" analyze-products 1 "'$P': line 2: invoice_date '2010-12-01' is not a timestamp (YYYY-MM-DDTHH:MM:SS)"

# a quoted line feed: the bad record starts on physical line 4
workdir bad "$HDR" "${ROW/WHITE HANGING HEART T-LIGHT HOLDER/\"TWO
LINES\"}" "${ROW/,6,/,six,}"
fail_all "line numbers count physical lines" "'$P': line 4: quantity 'six' is not a non-negative integer"

workdir bad
rm "$P"
fail_all "missing input" "'$P': No such file or directory"

workdir bad
: >"$P"
fail_all "empty file" "'$P': empty file: expected the header line '$HDR'"

# SPEC: a customer's rows all have one country (it comes from the join on
# customer_id). analyze-customers refuses a file where they differ instead
# of picking one; the other reports do not use the column.
workdir bad "$HDR" "$ROW" "${ROW/United Kingdom/France}"
fail "two countries for one customer" analyze-customers 1 \
	"'$P': line 3: customer_id '12346' has country 'France', but 'United Kingdom' on line 2"
expect_exit 0 "analyze-sales does not read country" "$BIN/analyze-sales" --workdir "$d"
expect_exit 0 "analyze-products does not read country" "$BIN/analyze-products" --workdir "$d"

workdir bad "$HDR" "$ROW" "$ROW" "${ROW/HOLDER,Home/HOLDER,Garden}"
fail "two categories for one product" analyze-products 1 \
	"'$P': line 4: stock_code '85123A' has category 'Garden', but 'Home' on line 2"
workdir bad "$HDR" "$ROW" "${ROW/T-LIGHT/T LIGHT}"
fail "two descriptions for one product" analyze-products 1 \
	"'$P': line 3: stock_code '85123A' has description 'WHITE HANGING HEART T LIGHT HOLDER', but 'WHITE HANGING HEART T-LIGHT HOLDER' on line 2"
G='536366,85123A,1,2010-12-01T09:00:00,2.55,GUEST,2.55'
workdir bad "$HDR" "$G,,United Kingdom,,,X,,"  "$G,,,,,X,,"
fail "GUEST with and without a country" analyze-customers 1 \
	"'$P': line 3: customer_id 'GUEST' has country '', but 'United Kingdom' on line 2"
expect_exit 0 "analyze-products accepts it" "$BIN/analyze-products" --workdir "$d"

# --- --check ---
d=$T/transformed_data
for tool in $TOOLS; do
	expect_exit 0 "$tool --check" "$BIN/$tool" --workdir "$d" --check
	expect_err "$tool: check passed" "$tool --check: says so"
done
no_temp "$d" "--check leaves no temporary file"
workdir chk "$HDR"
expect_exit 0 "--check does not write the report" "$BIN/analyze-sales" --workdir "$d" --check
no_file "$d/sales_report.csv" "--check: no report"
no_file "$d/events/analyze-sales.json" "--check: no event"
workdir chk "${HDR/,unit_cost/}"
expect_exit 1 "--check: wrong header" "$BIN/analyze-products" --workdir "$d" --check
expect_err "analyze-products: '$d/transformed_data.csv': line 1: header has 13 columns, expected 14: '$HDR'" "--check: wrong header: message"
rm "$d/transformed_data.csv"
expect_exit 1 "--check: missing input" "$BIN/analyze-customers" --workdir "$d" --check
expect_err "'$d/transformed_data.csv': No such file or directory" "--check: missing input: message"
cp "$FX/transformed_data.csv" "$d/"
expect_exit 1 "--check: output directory missing" "$BIN/analyze-sales" --workdir "$d" --check --out "$d/nodir/s.csv"
expect_err "analyze-sales: cannot create a file in '$d/nodir': No such file or directory" "--check: output directory missing: message"
expect_exit 1 "run: output directory missing" "$BIN/analyze-sales" --workdir "$d" --out "$d/nodir/s.csv"
no_temp "$d" "output directory missing: no temporary file"

# --- usage ---
expect_exit 2 "unexpected argument" "$BIN/analyze-sales" --workdir "$d" extra
expect_err "analyze-sales: unexpected argument 'extra'" "unexpected argument: message"
expect_exit 2 "unknown option" "$BIN/analyze-products" --bogus
expect_exit 0 "--help" "$BIN/analyze-customers" --help
grep -q 'STEPKIT_CUSTOMER_REPORT' "$T/out" && grep -q 'STEPKIT_TRANSFORMED_FILE' "$T/out"
ok $? "--help names the environment variables"

# --- the --min-rows gate (exit 3, the report left as it was) ---
d=$T/gate
mkdir -p "$d" && cp "$FX/transformed_data.csv" "$d/"
printf 'old report\n' >"$d/sales_report.csv"
expect_exit 3 "analyze-sales --min-rows 9 with 8 dates" "$BIN/analyze-sales" --workdir "$d" --min-rows 9
expect_err "analyze-sales: data-quality gate: 8 rows, fewer than --min-rows 9 (STEPKIT_MIN_ROWS): '$d/sales_report.csv' is not written; look at the step's input, or lower the gate" \
	"--min-rows: the message gives the count, the gate and the file"
is_text() { if [ "$(cat "$1")" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; fi; }
is_text "$d/sales_report.csv" "old report" "a failed gate leaves the old report"
no_temp "$d" "a failed gate leaves no temporary file"
grep -q '"gate.min_rows": "failed: 8 rows, at least 9 wanted"' "$d/events/analyze-sales.json" &&
	grep -q '"exit_code": 3' "$d/events/analyze-sales.json"
ok $? "failed gate: the event names it, exit code 3"
STEPKIT_MIN_ROWS=10 expect_exit 0 "analyze-products: 10 rows meet STEPKIT_MIN_ROWS=10" "$BIN/analyze-products" --workdir "$d"
same_file "$d/product_report.csv" "$FX/product_report.csv" "gate met: the report is written"
expect_exit 2 "--min-rows x: usage error" "$BIN/analyze-customers" --workdir "$d" --min-rows x
expect_err "analyze-customers: --min-rows 'x': expected a whole number of rows (0 or more)" "--min-rows x: says what is expected"
expect_exit 2 "--check validates --min-rows" "$BIN/analyze-customers" --workdir "$d" --min-rows x --check
expect_exit 2 "--check validates --threads" "$BIN/analyze-customers" --workdir "$d" --threads 0 --check

done_testing
