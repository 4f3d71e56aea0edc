#!/bin/bash
# bench/report-xlsx.sh [ROWS] [RUNS]: report-xlsx against pandas writing the
# same report to .xlsx with XlsxWriter and with openpyxl, on a generated
# product_report.csv of ROWS rows (default 1,000,000; SPEC.md §4's columns
# and order). Each run: wall time and peak RSS (GNU time), the median of RUNS
# (default 1) per implementation with the range of the wall times, its CPU
# time (user + system: what a loaded machine distorts least) and the
# workbook's size; the ratios against both peers.
#   report-xlsx        bin/report-xlsx FILE: Run sheet, typed Products sheet
#                      (text ids, counts, money #,##0.00), frozen header,
#                      autofilter, fitted widths, the top-ten bar chart
#   pandas-xlsxwriter  pandas read_csv (stock_code, description, category as
#                      str) + to_excel(engine="xlsxwriter"), money format,
#                      frozen header and autofilter set: the same sheet
#                      without the Run sheet and the chart. Not XlsxWriter's
#                      constant_memory mode: pandas writes the cells column
#                      by column, and that mode keeps only the rows not yet
#                      flushed (the workbook would lose all but one column)
#   pandas-openpyxl    the same through to_excel(engine="openpyxl")
# Goals (issue 14): at least 10x faster than pandas-xlsxwriter; peak RSS
# under 50 MiB. Needs python3-pandas, python3-xlsxwriter, python3-openpyxl
# (scripts/install-deps); a peer whose module is missing is skipped.
set -euo pipefail
ROWS=${1:-1000000}
RUNS=${2:-1}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
PY=/usr/bin/python3
[ -x "$BIN/report-xlsx" ] || { echo "report-xlsx.sh: bin/report-xlsx is not built: run make" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/xlsxbench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export STEPKIT_LOG_LEVEL=warn SOURCE_DATE_EPOCH=1700000000

# product_report.csv: one row per stock_code, revenue descending, then
# stock_code ascending (SPEC.md §4); some codes with leading zeros
$PY - "$ROWS" "$T/product_report.csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(14)
cats = ["Home", "Kitchen", "Garden", "Toys", "Gifts", "Stationery", "Other"]
rows = []
for i in range(n):
    cents = rnd.randint(1, 5_000_000)
    code = "%06d" % i if i % 3 else "%05dA" % i
    rows.append((-cents, code, "ITEM %d, %s" % (i, "WHITE HANGING HEART" if i % 2 else "RED SPOT"),
                 cats[i % len(cats)], rnd.randint(1, 9999), rnd.randint(1, 800)))
rows.sort(key=lambda r: (r[0], r[1].encode()))
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write("stock_code,description,category,units,revenue,customers\n")
    for neg, code, desc, cat, units, cust in rows:
        f.write('%s,"%s",%s,%d,%d.%02d,%d\n' % (code, desc, cat, units, -neg // 100, -neg % 100, cust))
PY

cat >"$T/pandas_xlsx.py" <<'PY'
import sys
import pandas as pd
src, out, engine = sys.argv[1], sys.argv[2], sys.argv[3]
df = pd.read_csv(src, dtype={"stock_code": str, "description": str, "category": str},
                 keep_default_na=False)
with pd.ExcelWriter(out, engine=engine) as xw:
    df.to_excel(xw, sheet_name="Products", index=False, freeze_panes=(1, 0))
    ws = xw.sheets["Products"]
    last = len(df)
    if engine == "xlsxwriter":
        money = xw.book.add_format({"num_format": "#,##0.00"})
        ws.set_column(4, 4, 14, money)
        ws.autofilter(0, 0, last, len(df.columns) - 1)
    else:
        for (cell,) in ws.iter_rows(min_row=2, min_col=5, max_col=5):
            cell.number_format = "#,##0.00"
        ws.auto_filter.ref = "A1:F%d" % (last + 1)
PY

# m NAME CMD...: RUNS timed runs; the median wall time and its run's RSS
m() {
	local name=$1; shift
	: >"$T/times"
	for _ in $(seq 1 "$RUNS"); do
		/usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >/dev/null 2>"$T/err" ||
			{ echo "$name: failed: $(tail -3 "$T/err")"; return 0; }
		cat "$T/time" >>"$T/times"
	done
	read -r s k u y < <(sort -n "$T/times" | sed -n "$(((RUNS + 1) / 2))p")
	lo=$(sort -n "$T/times" | head -1 | cut -d' ' -f1)
	hi=$(sort -n "$T/times" | tail -1 | cut -d' ' -f1)
	printf '%-18s %9.2f s %17s %9.2f s %8.1f MiB %8.1f MB\n' "$name" "$s" "$lo-$hi s" \
		"$(echo "$u + $y" | bc -l)" "$(echo "$k / 1024" | bc -l)" \
		"$(echo "$(stat -c %s "$T/$name.xlsx") / 1000000" | bc -l)"
	eval "t_${name//-/_}=$s c_${name//-/_}=$(echo "$u + $y" | bc -l) lo_${name//-/_}=$lo hi_${name//-/_}=$hi"
}
t_report_xlsx='' c_report_xlsx='' c_pandas_xlsxwriter='' t_pandas_openpyxl=''
echo "# $ROWS rows of product_report.csv ($(($(stat -c %s "$T/product_report.csv") / 1000000)) MB), median of $RUNS run(s)"
printf '%-18s %11s %17s %11s %12s %11s\n' impl wall 'range (wall)' cpu peak-RSS xlsx
m report-xlsx "$BIN/report-xlsx" --workdir "$T" --out "$T/report-xlsx.xlsx" "$T/product_report.csv"
t_pandas_xlsxwriter=''
if $PY -c 'import pandas, xlsxwriter' 2>/dev/null; then
	m pandas-xlsxwriter $PY "$T/pandas_xlsx.py" "$T/product_report.csv" "$T/pandas-xlsxwriter.xlsx" xlsxwriter
else
	echo "pandas-xlsxwriter  skipped: python3-pandas and python3-xlsxwriter are needed (scripts/install-deps)"
fi
if $PY -c 'import pandas, openpyxl' 2>/dev/null; then
	m pandas-openpyxl $PY "$T/pandas_xlsx.py" "$T/product_report.csv" "$T/pandas-openpyxl.xlsx" openpyxl
else
	echo "pandas-openpyxl    skipped: python3-pandas and python3-openpyxl are needed (scripts/install-deps)"
fi
if [ -n "$t_pandas_xlsxwriter" ]; then
	echo "pandas-xlsxwriter/report-xlsx: wall $(echo "$t_pandas_xlsxwriter / $t_report_xlsx" | bc -l | cut -c1-5)," \
		"cpu $(echo "$c_pandas_xlsxwriter / $c_report_xlsx" | bc -l | cut -c1-5) (goal >= 10);" \
		"wall at worst (its fastest run / our slowest)" \
		"$(echo "$lo_pandas_xlsxwriter / $hi_report_xlsx" | bc -l | cut -c1-5)"
fi
if [ -n "${t_pandas_openpyxl:-}" ]; then
	echo "pandas-openpyxl/report-xlsx: wall $(echo "$t_pandas_openpyxl / $t_report_xlsx" | bc -l | cut -c1-5)," \
		"cpu $(echo "$c_pandas_openpyxl / $c_report_xlsx" | bc -l | cut -c1-5)"
fi
