/*
 * extract-customers: the customer dimension (PostgreSQL table customers, or
 * a CSV file) to customer_data.csv, in customer_id byte order.
 */
#include "base.h"
#include "extract.h"

static struct sk_extract_opts o;

static const struct sk_opt opts[] = {
	SK_EXTRACT_OPTS(o, "STEPKIT_CUSTOMERS_FILE"),
	{0},
};

static const struct sk_extract_col cols[] = {
	{"customer_id", SK_FIELD_TEXT, 0},
	{"name", SK_FIELD_TEXT, 0},
	{"country", SK_FIELD_TEXT, 0},
	{"segment", SK_FIELD_TEXT, 0},
	{"signup_date", SK_FIELD_DATE, 0},
};

/* DateStyle is ISO (pg.h); COLLATE "C": byte order whatever the database's locale. */
static const struct sk_extract_spec spec = {
	.table = "customers",
	.out_name = "customer_data.csv",
	.cols = cols,
	.ncols = SK_ARRAY_SIZE(cols),
	.select = "SELECT customer_id, name, country, segment, "
		  "signup_date FROM customers",
	.range_sql = NULL,
	.range_col = -1,
	.order_by = "customer_id COLLATE \"C\"",
};

static const struct sk_extract_tool job = {&spec, &o};

const struct sk_tool tool = {
	.name = "extract-customers",
	.summary = "Extract the customers to customer_data.csv (columns customer_id,name,\n"
		   "country,segment,signup_date).",
	.details = SK_EXTRACT_HELP,
	.opts = opts,
	.max_args = 0,
	.run = sk_extract_tool_run,
	.check = sk_extract_tool_check,
	.ctx = &job,
	.exits = SK_TOOL_GATES | SK_TOOL_REMOTE,
	.makes_workdir = 1, /* the first steps: they create the work directory */
};
