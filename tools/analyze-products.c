/*
 * analyze-products: product_report.csv (SPEC.md section 4), one row per
 * stock code: description, category, units, revenue, distinct customers.
 * The work is in lib/analyze.c; this file names the report and its options.
 */
#include "base.h"
#include "analyze.h"
#include "gate.h"
#include "quality.h"
#include "step.h"
#include "upstream.h"

static struct sk_analyze_opts o = {.report = SK_REPORT_PRODUCTS};

static const struct sk_opt opts[] = {
	{"in", "STEPKIT_TRANSFORMED_FILE", "FILE",
	 "read FILE (default DIR/transformed_data.csv)", &o.in},
	{"out", "STEPKIT_PRODUCT_REPORT", "FILE",
	 "write FILE (default DIR/product_report.csv)", &o.out},
	{"threads", "STEPKIT_THREADS", "N",
	 "read the input in N pieces at once, 1 to 8 (default: the CPUs available, at most 4)", &o.threads},
	SK_GATE_MIN_ROWS_OPT(o.min_rows),
	SK_QUALITY_OPT(o.quality),
	SK_UPSTREAM_OPT(o.ignore_upstream),
	{0},
};

const struct sk_tool tool = {
	.name = "analyze-products",
	.summary = "Product report: units, revenue and distinct customers per stock code.",
	.details = "Reads transformed_data.csv (SPEC.md section 3) and writes product_report.csv:\n"
		   "one row per stock_code (revenue descending, then code): description,\n"
		   "category, units, revenue, customers.\n",
	.opts = opts,
	.max_args = 0,
	.run = sk_analyze_tool_run,
	.check = sk_analyze_tool_check,
	.ctx = &o,
	.exits = SK_TOOL_GATES,
};
