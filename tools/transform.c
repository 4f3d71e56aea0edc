/*
 * transform: clean and join the three extracts into transformed_data.csv
 * (SPEC.md section 3). The work is in lib/transform.c; this file names the
 * files and their options.
 */
#include "base.h"
#include "step.h"
#include "transform.h"
#include "gate.h"
#include "quality.h"

static struct sk_transform_opts files;

static const struct sk_opt opts[] = {
	{"sales", "STEPKIT_SALES_FILE", "FILE",
	 "read sales from FILE (default DIR/" SK_TRANSFORM_SALES ")", &files.sales},
	{"customers", "STEPKIT_CUSTOMERS_FILE", "FILE",
	 "read customers from FILE (default DIR/" SK_TRANSFORM_CUSTOMERS ")", &files.customers},
	{"products", "STEPKIT_PRODUCTS_FILE", "FILE",
	 "read products from FILE (default DIR/" SK_TRANSFORM_PRODUCTS ")", &files.products},
	{"out", "STEPKIT_TRANSFORMED_FILE", "FILE",
	 "write FILE (default DIR/" SK_TRANSFORM_OUT ")", &files.out},
	SK_GATE_MIN_ROWS_OPT(files.min_rows),
	{"max-unmatched", "STEPKIT_MAX_UNMATCHED", "PERCENT",
	 "data-quality gate: fail (exit 3, output not written) when over PERCENT of the rows have an unknown customer_id or stock_code", &files.max_unmatched},
	SK_QUALITY_OPT(files.quality),
	{0},
};

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_transform_run(s, &files, err);
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_transform_check(s, &files, err);
}

const struct sk_tool tool = {
	.name = "transform",
	.summary = "Deduplicate, clean and join the extracts into transformed_data.csv.",
	.details =
		"Reads raw_sales.csv, customer_data.csv and product_data.csv and writes\n"
		"transformed_data.csv (SPEC.md section 3): the sales rows in file order\n"
		"without repeated (invoice_no, stock_code) pairs, GUEST for an empty\n"
		"customer_id, absolute quantity and unit_price, line_total, the customer\n"
		"and product columns (Unknown for a missing description). Rows that break\n"
		"the data contract stop the step, naming file, line, field and value.\n",
	.opts = opts,
	.max_args = 0,
	.run = run,
	.check = check,
	.exits = SK_TOOL_GATES,
};
