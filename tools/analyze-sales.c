/*
 * analyze-sales: sales_report.csv (SPEC.md section 4), one row per date:
 * invoices, lines, units, revenue, average order value.
 * The work is in lib/analyze.c; this file names the report and its options.
 */
#include "base.h"
#include "analyze.h"
#include "gate.h"
#include "quality.h"
#include "step.h"
#include "upstream.h"

static struct sk_analyze_opts o = {.report = SK_REPORT_SALES};

static const struct sk_opt opts[] = {
	{"in", "STEPKIT_TRANSFORMED_FILE", "FILE",
	 "read FILE (default DIR/transformed_data.csv)", &o.in},
	{"out", "STEPKIT_SALES_REPORT", "FILE",
	 "write FILE (default DIR/sales_report.csv)", &o.out},
	{"threads", "STEPKIT_THREADS", "N",
	 "read the input in N pieces at once, 1 to 8 (default: the CPUs available, at most 4)", &o.threads},
	SK_GATE_MIN_ROWS_OPT(o.min_rows),
	SK_QUALITY_OPT(o.quality),
	SK_UPSTREAM_OPT(o.ignore_upstream),
	{0},
};

const struct sk_tool tool = {
	.name = "analyze-sales",
	.summary = "Daily sales: invoices, lines, units, revenue and average order per date.",
	.details = "Reads transformed_data.csv (SPEC.md section 3) and writes sales_report.csv:\n"
		   "one row per date (date ascending): invoices, lines, units, revenue,\n"
		   "avg_order_value.\n",
	.opts = opts,
	.max_args = 0,
	.run = sk_analyze_tool_run,
	.check = sk_analyze_tool_check,
	.ctx = &o,
	.exits = SK_TOOL_GATES,
};
