/*
 * extract-products: the product dimension (PostgreSQL table products, or a
 * CSV file) to product_data.csv, in stock_code byte order.
 */
#include "base.h"
#include "extract.h"

static struct sk_extract_opts o;

static const struct sk_opt opts[] = {
	SK_EXTRACT_OPTS(o, "STEPKIT_PRODUCTS_FILE"),
	{0},
};

static const struct sk_extract_col cols[] = {
	{"stock_code", SK_FIELD_TEXT, 0},
	{"description", SK_FIELD_TEXT, 0},
	{"category", SK_FIELD_TEXT, 0},
	{"unit_cost", SK_FIELD_MONEY, 0},
};

/* unit_cost is numeric(12,2): its text has the two decimals SPEC shows. */
static const struct sk_extract_spec spec = {
	.table = "products",
	.out_name = "product_data.csv",
	.cols = cols,
	.ncols = SK_ARRAY_SIZE(cols),
	.select = "SELECT stock_code, description, category, unit_cost FROM products",
	.range_sql = NULL,
	.range_col = -1,
	.order_by = "stock_code COLLATE \"C\"",
};

static const struct sk_extract_tool job = {&spec, &o};

const struct sk_tool tool = {
	.name = "extract-products",
	.summary = "Extract the products to product_data.csv (columns stock_code,description,\n"
		   "category,unit_cost).",
	.details = SK_EXTRACT_HELP,
	.opts = opts,
	.max_args = 0,
	.run = sk_extract_tool_run,
	.check = sk_extract_tool_check,
	.ctx = &job,
	.exits = SK_TOOL_GATES | SK_TOOL_REMOTE,
	.makes_workdir = 1, /* the first steps: they create the work directory */
};
