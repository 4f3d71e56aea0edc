#!/bin/bash
# report-xlsx: the reports as an Excel workbook, read back with a real
# reader (Debian's python3-openpyxl): sheet names, cell types and number
# formats, values equal to the CSV files exactly, frozen panes, autofilter,
# charts and their ranges, the Run sheet, continuation sheets, same bytes
# for the same inputs, and the errors of bad input.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3   # Debian's, where python3-openpyxl lives
$PY -c 'import openpyxl' 2>/dev/null || skip_all "python3-openpyxl not installed (scripts/install-deps)"
FX=$TOP/tests/fixtures/analyze
X=$BIN/report-xlsx

# The reader. `check.py BOOK CHECK ARGS...` exits 0 when the check holds,
# else prints why (as TAP comments) and exits 1.
cat >"$T/check.py" <<'PYEOF'
import csv, datetime, re, sys, zipfile
import openpyxl

TYPES = {  # SPEC.md: the schema decides, upper case: never empty
    "sales_report": "DIIIMM", "customer_report": "ssIIMDD", "product_report": "sssIMI",
    "transformed_data": "ssITMsMsssdssp", "raw_sales": "ssntps", "customer_data": "ssssd",
    "product_data": "sssp",
}
HEADERS = {
    "date,invoices,lines,units,revenue,avg_order_value": "sales_report",
    "customer_id,country,orders,units,revenue,first_purchase,last_purchase": "customer_report",
    "stock_code,description,category,units,revenue,customers": "product_report",
    "invoice_no,stock_code,quantity,invoice_date,unit_price,customer_id,line_total,customer_name,"
    "country,segment,signup_date,description,category,unit_cost": "transformed_data",
    "invoice_no,stock_code,quantity,invoice_date,unit_price,customer_id": "raw_sales",
    "stock_code,description,category,unit_cost": "product_data",
}

def fail(msg):
    print("#   " + msg)
    sys.exit(1)

def cents(text):  # exact, from the decimal text
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    c = int(whole) * 100 + int((frac + "00")[:2])
    return -c if neg else c

def xdecode(text):  # what Excel shows of a text cell: ECMA-376 ST_Xstring's _xHHHH_ decoded
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)

def expect(t, v, cell, where):
    if v == "":
        if cell.value is not None:
            fail("%s: want an empty cell, got %r" % (where, cell.value))
        return
    if t in "s":
        ok = cell.data_type == "s" and xdecode(cell.value) == v and cell.number_format == "@"
    elif t in "IiNn":
        ok = cell.data_type == "n" and type(cell.value) is int and cell.value == int(v) \
            and cell.number_format == "0"
    elif t in "MmPp":
        ok = cell.data_type == "n" and cell.value == cents(v) / 100.0 \
            and "%.2f" % cell.value == "%.2f" % (cents(v) / 100.0) and cell.number_format == "#,##0.00"
    elif t in "Dd":
        ok = cell.is_date and cell.value == datetime.datetime.strptime(v, "%Y-%m-%d") \
            and cell.number_format == "yyyy-mm-dd"
    elif t in "Tt":
        ok = cell.is_date and cell.value == datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S") \
            and cell.number_format == "yyyy-mm-dd hh:mm:ss"
    if not ok:
        fail("%s: type %s, CSV %r, cell %r (%s, %s)" % (where, t, v, cell.value, cell.data_type,
                                                        cell.number_format))

def sheet_equals_csv(wb, sheets, path, text=False):
    """The sheets (a list: continuations) hold exactly the CSV's rows."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    types = "s" * len(header) if text else TYPES[HEADERS[",".join(header)]]
    got = []
    for name in sheets:
        ws = wb[name]
        if [c.value for c in ws[1]][:len(header)] != header:
            fail("%s: header %r" % (name, [c.value for c in ws[1]]))
        if not ws["A1"].font.b:
            fail("%s: header not bold" % name)
        if ws.freeze_panes != "A2":
            fail("%s: frozen at %r" % (name, ws.freeze_panes))
        want_ref = "A1:%s%d" % (openpyxl.utils.get_column_letter(len(header)), ws.max_row)
        if ws.auto_filter.ref != want_ref:
            fail("%s: autofilter %r, want %r" % (name, ws.auto_filter.ref, want_ref))
        for c in range(len(header)):
            w = ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width
            if not (len(header[c]) + 2 <= w <= 63):
                fail("%s: column %d width %r" % (name, c + 1, w))
        for r in ws.iter_rows(min_row=2, max_col=len(header)):
            got.append((name, r))
    if len(got) != len(data):
        fail("%s: %d rows, CSV %d" % (sheets, len(got), len(data)))
    for (name, cells), values in zip(got, data):
        for c, (cell, v) in enumerate(zip(cells, values)):
            expect(types[c], v, cell, "%s!%s" % (name, cell.coordinate))

def chart(ws, kind, cat, val):
    if len(ws._charts) != 1:
        fail("%s: %d charts" % (ws.title, len(ws._charts)))
    ch = ws._charts[0]
    s = ch.series[0]
    got_cat = (s.cat.numRef or s.cat.strRef).f
    if ch.tagname != kind or got_cat != cat or s.val.numRef.f != val:
        fail("%s: %s %s %s, want %s %s %s" % (ws.title, ch.tagname, got_cat, s.val.numRef.f,
                                             kind, cat, val))

book, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
wb = openpyxl.load_workbook(book)
if what == "sheets":
    if wb.sheetnames != args:
        fail("sheets %r, want %r" % (wb.sheetnames, args))
elif what == "equal":  # equal CSV SHEET [SHEET...]
    sheet_equals_csv(wb, args[1:], args[0])
elif what == "equal-text":
    sheet_equals_csv(wb, args[1:], args[0], text=True)
elif what == "chart":  # chart SHEET KIND CAT VAL
    chart(wb[args[0]], args[1], args[2], args[3])
elif what == "axisfmt":  # axisfmt SHEET x|y FORMAT: the number format of a chart axis
    ax = getattr(wb[args[0]]._charts[0], args[1] + "_axis")
    got = ax.numFmt.formatCode if ax.numFmt is not None else None
    if got != args[2]:
        fail("%s: %s axis format %r, want %r" % (args[0], args[1], got, args[2]))
elif what == "nochart":
    if wb[args[0]]._charts:
        fail("%s has a chart" % args[0])
elif what == "run":  # run ROW COL VALUE...: the Run sheet's cells, as text
    ws = wb["Run"]
    for i in range(0, len(args), 3):
        v = ws.cell(int(args[i]), int(args[i + 1])).value
        v = "" if v is None else v.isoformat(sep=" ") if hasattr(v, "isoformat") else str(v)
        if v != args[i + 2]:
            fail("Run!R%sC%s: %r, want %r" % (args[i], args[i + 1], v, args[i + 2]))
elif what == "created":
    if wb.properties.created.isoformat() != args[0]:
        fail("created %s, want %s" % (wb.properties.created.isoformat(), args[0]))
elif what == "has-text":  # a Run sheet cell in column A holds the text
    if not any(args[0] in str(c.value) for c in wb["Run"]["A"]):
        fail("no Run cell says %r" % args[0])
PYEOF
check() { $PY "$T/check.py" "$@"; ok $? "${name:-check}: $*"; }

# event DIR STEP STARTED FINISHED ROWS_IN ROWS_OUT [RANGE]: a step event
event() {
	mkdir -p "$1/events"
	printf '{"step":"%s","run":"r1","status":"succeeded","started":"%s","finished":"%s","rows_in":%s,"rows_out":%s,"details":{%s}}\n' \
		"$2" "$3" "$4" "$5" "$6" "${7:+\"range\":\"$7\"}" >"$1/events/$2.json"
}

# --- the three reports of a run, with its events ---
d=$T/run
mkdir -p "$d" && cp "$FX"/*_report.csv "$d/"
event "$d" extract-sales 2026-11-01T02:00:01.000Z 2026-11-01T02:00:02.000Z 0 21 2010-12-01..2011-12-09
event "$d" transform 2026-11-01T02:00:03.000Z 2026-11-01T02:00:04.000Z 21 21
event "$d" analyze-sales 2026-11-01T02:00:05.000Z 2026-11-01T02:00:06.500Z 21 8
expect_exit 0 "three reports" "$X" --workdir "$d" --run-id r1 --template sales-report
B=$d/sales_report.xlsx
name=default
check "$B" sheets Run Sales Customers Products
check "$B" equal "$d/sales_report.csv" Sales
check "$B" equal "$d/customer_report.csv" Customers
check "$B" equal "$d/product_report.csv" Products
check "$B" chart Sales lineChart 'Sales!$A$2:$A$9' 'Sales!$E$2:$E$9'
check "$B" chart Products barChart 'Products!$A$2:$A$11' 'Products!$E$2:$E$11'
check "$B" axisfmt Sales x yyyy-mm-dd   # dates, not serial numbers, under the line
check "$B" axisfmt Sales y '#,##0.00'
check "$B" nochart Customers
check "$B" run 1 1 Template 1 2 sales-report 2 2 r1 3 2 2010-12-01..2011-12-09 \
	4 1 From 4 2 "2010-12-01 00:00:00" 5 2 "2011-12-09 00:00:00" 6 1 Made 6 2 "2026-11-01 02:00:06"
check "$B" run 8 1 Step 8 3 "Rows in" 9 1 extract-sales 9 4 21 10 1 transform 11 1 analyze-sales 11 2 succeeded 11 3 21 11 4 8
check "$B" run 13 1 Sheet 14 1 Sales 14 2 sales_report.csv 14 3 8 16 1 Products 16 3 10
check "$B" created 2026-11-01T02:00:06
no_temp "$d" "no temporary file left"
grep -q '"rows_out": 27,' "$d/events/report-xlsx.json"
ok $? "event: 27 rows out (8 + 9 + 10)"
grep -q "\"path\": \"$B\"" "$d/events/report-xlsx.json"
ok $? "event: the workbook is the output"

# --- same inputs, same run: same bytes (its own event of the first run is not read) ---
expect_exit 0 "again, to --out" "$X" --workdir "$d" --run-id r1 --template sales-report --out "$d/again.xlsx"
same_file "$d/again.xlsx" "$B" "same inputs and run id: same bytes"
STEPKIT_XLSX_REPORT=$d/env.xlsx expect_exit 0 "STEPKIT_XLSX_REPORT" "$X" --workdir "$d" --run-id r1 --template sales-report
same_file "$d/env.xlsx" "$B" "STEPKIT_XLSX_REPORT names the output"
rm -rf "$d/events"
touch -d '2026-10-05 06:07:08 UTC' "$d"/*_report.csv
expect_exit 0 "no events" "$X" --workdir "$d" --out "$d/noev.xlsx"
name=noevents check "$d/noev.xlsx" created 2026-10-05T06:07:08
name=noevents check "$d/noev.xlsx" run 3 2 "unknown (no extract event)" 4 1 Made 4 2 "2026-10-05 06:07:08"
SOURCE_DATE_EPOCH=86400 expect_exit 0 "SOURCE_DATE_EPOCH" "$X" --workdir "$d" --out "$d/sde.xlsx"
name=sde check "$d/sde.xlsx" created 1970-01-02T00:00:00

# --- the real pipeline: transform and the analyses on the golden inputs ---
g=$T/golden
mkdir -p "$g" && cp "$TOP"/tests/fixtures/transform/golden/{raw_sales,customer_data,product_data}.csv "$g/"
for t in transform analyze-sales analyze-customers analyze-products; do
	"$BIN/$t" --workdir "$g" --run-id g1 2>/dev/null || echo "# $t failed"
done
expect_exit 0 "golden run" "$X" --workdir "$g" --run-id g1
name=golden
check "$g/sales_report.xlsx" equal "$g/sales_report.csv" Sales
check "$g/sales_report.xlsx" equal "$g/customer_report.csv" Customers
check "$g/sales_report.xlsx" equal "$g/product_report.csv" Products
check "$g/sales_report.xlsx" run 6 1 Step 7 1 transform 8 1 analyze-sales 9 1 analyze-customers 10 1 analyze-products 10 4 13

# --- other CSVs of the contract: the file's base name, typed by schema ---
expect_exit 0 "transformed_data and raw inputs" "$X" --workdir "$g" --out "$g/all.xlsx" \
	"$g/transformed_data.csv" "$g/raw_sales.csv" "$g/customer_data.csv" "$g/product_data.csv"
name=inputs
check "$g/all.xlsx" sheets Run transformed_data raw_sales customer_data product_data
check "$g/all.xlsx" equal "$g/transformed_data.csv" transformed_data
$PY - "$g/all.xlsx" <<'PYEOF'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
r = wb["raw_sales"]; t = wb["transformed_data"]
ok = (r["C2"].data_type == "n" and r["D2"].is_date and r["E2"].number_format == "#,##0.00"
      and r["B2"].value == "85123A" and r["F2"].number_format == "@"
      and t["D2"].number_format == "yyyy-mm-dd hh:mm:ss" and t["K2"].value is None)
sys.exit(0 if ok else 1)
PYEOF
ok $? "raw_sales: quantity a number, invoice_date a date, unit_price money, ids text"

# --- the cells as we write them (the rows are our XML, not libxlsxwriter's):
# XML characters, white space at either end, tabs and line breaks in text,
# negative and fractional prices, signed quantities, timestamps to the second
e=$T/edges
mkdir -p "$e"
printf '%s\n' 'stock_code,description,category,unit_cost' \
	'007," lead & <trail> ",Home,-1.5' '0123,"say ""hi"" > x",,0.05' \
	'A1,"line' 'break	tab",Gifts,12' 'B2,trailing ,&amp;,-0.10' 'C3,plain,Toys,1234567890123.45' 'D4,_x0041_ _x00zz_ __x0042__,_x,1' >"$e/product_data.csv"
printf '%s\n' 'invoice_no,stock_code,quantity,invoice_date,unit_price,customer_id' \
	'536365,85123A,-6,2010-12-01T08:26:00,2.55,17850' 'C1,X,0,2011-01-01T23:59:59,-3,' \
	'C2,Y,123456789012345,1900-03-01T00:00:01,0,007' >"$e/raw_sales.csv"
expect_exit 0 "edge values" "$X" --workdir "$e" "$e/product_data.csv" "$e/raw_sales.csv"
name=edges
check "$e/sales_report.xlsx" equal "$e/product_data.csv" product_data
check "$e/sales_report.xlsx" equal "$e/raw_sales.csv" raw_sales
expect_exit 0 "edge values again" "$X" --workdir "$e" --out "$e/again.xlsx" "$e/product_data.csv" "$e/raw_sales.csv"
same_file "$e/again.xlsx" "$e/sales_report.xlsx" "edge values: same inputs, same bytes"
got=$(unzip -p "$e/sales_report.xlsx" xl/worksheets/sheet2.xml | grep -o '<c r="B7"[^>]*><is><t>[^<]*</t>')
[ "${got#*<t>}" = '_x005F_x0041_ _x00zz_ __x005F_x0042__</t>' ]
ok $? \
	"edge values: a text _xHHHH_ keeps its '_' escaped (_x005F_), so that Excel shows it as written"

# --- more rows than a sheet holds (a test knob: 4 rows a sheet, header included) ---
STEPKIT_XLSX_TEST_MAX_ROWS=4 expect_exit 0 "continuation sheets" "$X" --workdir "$g" --out "$g/split.xlsx" "$FX/sales_report.csv"
name=split
check "$g/split.xlsx" sheets Run Sales "Sales (2)" "Sales (3)"
check "$g/split.xlsx" equal "$FX/sales_report.csv" Sales "Sales (2)" "Sales (3)"
check "$g/split.xlsx" chart Sales lineChart 'Sales!$A$2:$A$4' 'Sales!$E$2:$E$4'
check "$g/split.xlsx" has-text "Sales: more rows than a sheet holds; continued on 'Sales (2)' and on"
check "$g/split.xlsx" run 12 1 Sheet 13 1 Sales 13 3 8 13 4 3
STEPKIT_XLSX_TEST_MAX_ROWS=1 expect_exit 2 "knob below 2" "$X" --workdir "$g" --out "$g/x.xlsx"
expect_err "report-xlsx: STEPKIT_XLSX_TEST_MAX_ROWS=1: want 2 to 1048576 (a test knob)" "knob: the message"

# --- a CSV of no known schema: an error, or all text with --text ---
u=$T/unknown
mkdir -p "$u"
printf 'id,amount,when\n007,1.5,2020-01-01\n' >"$u/my [list].csv"
expect_exit 1 "unknown schema" "$X" --workdir "$u" "$u/my [list].csv"
expect_err "report-xlsx: '$u/my [list].csv': the header matches none of the schemas of SPEC.md (sales_report, customer_report, product_report, transformed_data, raw_sales, customer_data, product_data); give --text to write every column as text" "unknown schema: the message names the file and the schemas"
no_file "$u/sales_report.xlsx" "unknown schema: no workbook"
expect_exit 0 "--text" "$X" --workdir "$u" --text "$u/my [list].csv"
name=text check "$u/sales_report.xlsx" sheets Run "my _list_"
name=text check "$u/sales_report.xlsx" equal-text "$u/my [list].csv" "my _list_"
cp "$FX/sales_report.csv" "$u/a.csv" && cp "$FX/sales_report.csv" "$u/b.csv"
expect_exit 2 "two sales reports" "$X" --workdir "$u" "$u/a.csv" "$u/b.csv"
expect_err "report-xlsx: '$u/a.csv' and '$u/b.csv' would both be sheet 'Sales': give one file per report" "two sales reports: the message"

# --- reports that break the contract; the old workbook stays ---
bad() { # bad NAME FILE SED-SCRIPT MESSAGE
	local b=$T/bad-$1
	rm -rf "$b" && mkdir -p "$b" && cp "$FX"/*_report.csv "$b/"
	sed -i "$3" "$b/$2"
	echo old >"$b/sales_report.xlsx"
	expect_exit 1 "$1" "$X" --workdir "$b"
	expect_err "report-xlsx: '$b/$2'$4" "$1: the message"
	[ "$(cat "$b/sales_report.xlsx")" = old ]
	ok $? "$1: the old workbook untouched"
	no_temp "$b" "$1: no temporary file left"
}
bad money sales_report.csv '2s/53\.20/53.2/' \
	" line 2, column 'revenue': '53.2' is not money as SPEC.md writes it (digits, '.', two digits)"
bad count sales_report.csv '3s/^2010-12-02,2,/2010-12-02,two,/' \
	" line 3, column 'invoices': 'two' is not a non-negative integer (digits, no leading zero, at most 15)"
bad date customer_report.csv '2s/2010-12-01/2010-02-30/' \
	" line 2, column 'first_purchase': '2010-02-30' is not a date YYYY-MM-DD (from 1900-03-01)"
bad empty product_report.csv '2s/,11,/,,/' \
	" line 2, column 'units': '' is not allowed empty here (SPEC.md)"
bad fields product_report.csv '3s/$/,x/' ": line 3: 7 fields, expected 6"
bad header customer_report.csv '1s/orders/order_count/' \
	": the header matches none of the schemas of SPEC.md (sales_report, customer_report, product_report, transformed_data, raw_sales, customer_data, product_data); give --text to write every column as text"
bad utf8 product_report.csv "2s/HEART/HE$(printf '\377')RT/" \
	": line 2: description is not UTF-8: byte 0xFF in 'WHITE HANGING HE\\xFFRT T-LI...' (save the file as UTF-8)"

m=$T/missing
mkdir -p "$m" && cp "$FX/sales_report.csv" "$FX/product_report.csv" "$m/"
expect_exit 1 "a report missing" "$X" --workdir "$m"
expect_err "report-xlsx: open '$m/customer_report.csv': No such file or directory" "missing report: the message"

# --- an output that cannot be written ---
o=$T/unwritable
mkdir -p "$o" && cp "$FX"/*_report.csv "$o/" && : >"$o/file"
expect_exit 1 "output under a regular file" "$X" --workdir "$o" --out "$o/file/book.xlsx"
expect_err "report-xlsx: cannot create a file in '$o/file'" "unwritable output: the message"
expect_exit 1 "output directory missing" "$X" --workdir "$o" --out "$o/nodir/book.xlsx"
expect_err "report-xlsx: cannot create a file in '$o/nodir': No such file or directory" "missing directory: the message"
no_temp "$o" "unwritable output: no temporary file left"
expect_exit 0 "--check" "$X" --workdir "$o" --check
no_file "$o/sales_report.xlsx" "--check writes no workbook"
expect_exit 1 "--check: unwritable output" "$X" --workdir "$o" --check --out "$o/nodir/b.xlsx"

done_testing
