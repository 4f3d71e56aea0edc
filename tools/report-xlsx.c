/*
 * report-xlsx: the reports of a run as one Excel workbook (sales_report.xlsx)
 * with typed cells, a Run sheet and charts. The work is in lib/xlsx_report.c.
 */
#include "base.h"
#include "step.h"
#include "xlsx_report.h"

static struct sk_xlsx_opts o;

static const struct sk_opt opts[] = {
	{"out", "STEPKIT_XLSX_REPORT", "FILE",
	 "write FILE (default DIR/sales_report.xlsx)", &o.out},
	{"template", "STEPKIT_TEMPLATE", "NAME",
	 "the run's template, shown on the Run sheet", &o.tmpl},
	{"text", NULL, NULL,
	 "write every column of a CSV whose header matches no SPEC.md schema as text", &o.all_text},
	{0},
};

const struct sk_tool tool = {
	.name = "report-xlsx",
	.summary = "The reports of a run as one Excel workbook, typed cells and charts.",
	.args = "[FILE.csv...]",
	.details = "Reads sales_report.csv, customer_report.csv and product_report.csv in DIR\n"
		   "(or the CSV files given) and writes sales_report.xlsx: a Run sheet, then\n"
		   "one sheet per file, cell types from the file's schema in SPEC.md.\n",
	.opts = opts,
	.max_args = -1,
	.run = sk_xlsx_tool_run,
	.check = sk_xlsx_tool_check,
	.ctx = &o,
	.exits = 0,
};
