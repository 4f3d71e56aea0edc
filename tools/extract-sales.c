/*
 * extract-sales: the sales lines (PostgreSQL table sales, or a CSV file)
 * to raw_sales.csv, in id order, optionally for a date range.
 */
#include "base.h"
#include "extract.h"

static struct sk_extract_opts o;

static const struct sk_opt opts[] = {
	SK_EXTRACT_OPTS(o, "STEPKIT_SALES_FILE"),
	SK_EXTRACT_RANGE_OPTS(o),
	{0},
};

static const struct sk_extract_col cols[] = {
	{"invoice_no", SK_FIELD_TEXT, 0},
	{"stock_code", SK_FIELD_TEXT, 0},
	{"quantity", SK_FIELD_INT, 1},
	{"invoice_date", SK_FIELD_TIMESTAMP, 1},
	{"unit_price", SK_FIELD_MONEY, 1},
	{"customer_id", SK_FIELD_TEXT, 0},
};

/*
 * Formatted in SQL to SPEC section 2: timestamps 2011-12-09T08:30:00 (the
 * session's DateStyle is ISO; replace() costs a third of to_char()), short
 * prices 2.1, 18, -110.62 (trim_scale, PostgreSQL 13 and later).
 */
static const struct sk_extract_spec spec = {
	.table = "sales",
	.out_name = "raw_sales.csv",
	.cols = cols,
	.ncols = SK_ARRAY_SIZE(cols),
	.select = "SELECT invoice_no, stock_code, quantity, "
		  "replace(date_trunc('second', invoice_date)::text, ' ', 'T'), "
		  "trim_scale(unit_price), customer_id FROM sales",
	.range_sql = "invoice_date",
	.range_col = 3,
	.order_by = "id",
};

static const struct sk_extract_tool job = {&spec, &o};

const struct sk_tool tool = {
	.name = "extract-sales",
	.summary = "Extract the sales lines to raw_sales.csv (columns invoice_no,stock_code,\n"
		   "quantity,invoice_date,unit_price,customer_id), in id order.",
	.details = "A range keeps the lines whose invoice_date falls on the days from --from to\n"
		   "--to (or in the --period); a custom query receives them as $1 and $2 (text\n"
		   "YYYY-MM-DD, e.g. WHERE d >= $1::date AND d < $2::date + 1) and must use both.\n"
		   SK_EXTRACT_HELP,
	.opts = opts,
	.max_args = 0,
	.run = sk_extract_tool_run,
	.check = sk_extract_tool_check,
	.ctx = &job,
	.exits = SK_TOOL_GATES | SK_TOOL_REMOTE,
	.makes_workdir = 1, /* the first steps: they create the work directory */
};
