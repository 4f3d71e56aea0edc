/*
 * extract-api: a paginated JSON API (declared in a JSON configuration) to
 * one CSV in the work directory. The work is in lib/api.c.
 */
#include "base.h"
#include "api.h"
#include "step.h"

static struct sk_api_opts o;

static const struct sk_opt opts[] = {
	{"config", "STEPKIT_API_CONFIG", "FILE", "the API's JSON configuration (below)", &o.config},
	{"out", "STEPKIT_API_FILE", "FILE", "write FILE instead of api_data.csv in WORKDIR", &o.out},
	{"rate", "STEPKIT_API_RATE", "N", "at most N requests per second (default: the config's \"rate\", else none)", &o.rate},
	{"max-pages", "STEPKIT_API_MAX_PAGES", "N", "more pages than N is an error, never an endless loop (default 100000)", &o.max_pages},
	{"breaker", "STEPKIT_API_BREAKER", "N", "stop (exit 75) after N failed requests in a row (default 5; 0: off)", &o.breaker},
	{"max-page-mib", "STEPKIT_API_MAX_PAGE_MIB", "N", "an answer over N MiB is an error (default 64)", &o.max_page_mib},
	{"timeout", "STEPKIT_API_TIMEOUT", "SECONDS", "give up a request when no byte moves for SECONDS (default 60)", &o.timeout},
	{"connect-timeout", "STEPKIT_API_CONNECT_TIMEOUT", "SECONDS", "give up connecting after SECONDS (default 10)", &o.connect_timeout},
	{"fresh", "STEPKIT_API_FRESH", NULL, "ignore the pages an earlier run kept; fetch every page again", &o.fresh},
	{"keep-pages", "STEPKIT_API_KEEP_PAGES", NULL, "keep WORKDIR/api/NAME/page-*.json after the CSV is written", &o.keep_pages},
	{"max-invalid", "STEPKIT_MAX_INVALID", "PERCENT", "drop invalid records (counted) instead of failing; fail (exit 3) above PERCENT of them", &o.max_invalid},
	{"key", "STEPKIT_API_DEDUP_KEY", "COLS", "drop a record whose values of these columns (comma list) came before", &o.key},
	{"map", "STEPKIT_API_MAP", "COLUMN=FILE", "replace COLUMN's values through FILE (CSV: header, then raw,normalised); the raw value goes to COLUMN_original", &o.map},
	SK_GATE_MIN_ROWS_OPT(o.min_rows),
	{0},
};

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_api_run(s, &o, err);
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_api_check(s, &o, err);
}

const struct sk_tool tool = {
	.name = "extract-api",
	.summary = "Page through a JSON API and write its records to api_data.csv, one\n"
		   "column per configured field (SPEC.md CSV: UTF-8, LF, minimal quoting).",
	.details =
		"The configuration (a marketplace's stock report; more keys in docs/extract-api.md):\n"
		"  {\"url\": \"http://127.0.0.1:8080/v2/analytics/stock_on_warehouses\", \"method\": \"POST\",\n"
		"   \"headers\": {\"Client-Id\": \"${OZON_CLIENT_ID}\", \"Api-Key\": \"${OZON_API_KEY}\"},\n"
		"   \"body\": {\"limit\": \"${limit}\", \"offset\": \"${offset}\", \"warehouse_type\": \"ALL\"},\n"
		"   \"pagination\": {\"type\": \"offset\", \"limit\": 1000},\n"
		"   \"records\": \"/result/rows\",\n"
		"   \"columns\": [\n"
		"     {\"name\": \"sku\", \"path\": \"/sku\", \"type\": \"integer\"},\n"
		"     {\"name\": \"warehouse_name\", \"path\": \"/warehouse_name\", \"type\": \"text\"},\n"
		"     {\"name\": \"item_code\", \"path\": \"/item_code\", \"type\": \"text\"},\n"
		"     {\"name\": \"item_name\", \"path\": \"/item_name\", \"type\": \"text\"},\n"
		"     {\"name\": \"free_to_sell_amount\", \"path\": \"/free_to_sell_amount\", \"type\": \"integer\"},\n"
		"     {\"name\": \"promised_amount\", \"path\": \"/promised_amount\", \"type\": \"integer\"},\n"
		"     {\"name\": \"reserved_amount\", \"path\": \"/reserved_amount\", \"type\": \"integer\"}]}\n"
		"${NAME} in a header is the variable NAME or the content of the file NAME_FILE\n"
		"(never logged). \"${offset}\", \"${limit}\", \"${page}\", \"${cursor}\" in body or\n"
		"query are the page's values. Pagination: offset, page, cursor, link (the\n"
		"Link header's rel=\"next\") or none; stops\n"
		"at a short or empty page, has_more false, or the total reached. Column types:\n"
		"text, integer, decimal, boolean, timestamp; a null or missing field is empty\n"
		"unless \"required\": true. A bad record is an error naming the page, record and\n"
		"field, unless --max-invalid (then dropped and counted).\n"
		"Temporary failures (network, timeout, 408, 429, 5xx) are retried\n"
		"(STEPKIT_RETRIES, STEPKIT_RETRY_DELAY, STEPKIT_RETRY_MAX_DELAY caps Retry-After).\n"
		"Pages are kept in WORKDIR/api/NAME/ until the CSV is written: a rerun resumes\n"
		"after the last good page (--fresh starts over).\n"
		"--check: the config, its secrets, and one request of the first page (limit 1).\n",
	.opts = opts,
	.max_args = 0,
	.run = run,
	.check = check,
	.exits = SK_TOOL_GATES | SK_TOOL_REMOTE,
	.makes_workdir = 1,
};
