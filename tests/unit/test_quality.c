/* Unit tests for lib/quality.c: the configuration, every check, each level
 * boundary (a value equal to a threshold is on the good side). */
#include "base.h"
#include "quality.h"
#include "tap.h"

#include <jansson.h>

/* The first check graded: its status, message and value (as JSON text). */
struct got {
	char status[16], msg[600], value[64], level[16];
};

/*
 * Grade `cfg` (the checks of `step`) on `f`, after `rows` rows of which
 * `empty` have an empty customer_id (column 5 of the sales columns), with
 * `runs` previous rows_out in `prev`.
 */
static void grade(const char *step, const char *cfg, const struct sk_quality_facts *f,
		  long long rows, long long empty, const long long *prev, size_t runs,
		  struct got *g)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_quality *q = sk_quality_parse(step, cfg, "q.json", &err);
	enum sk_quality_level level;
	char *text, *v;
	json_t *o, *c;

	memset(g, 0, sizeof(*g));
	if (!q) {
		snprintf(g->msg, sizeof(g->msg), "config error: %s", err.msg);
		return;
	}
	for (long long i = 0; i < rows; i++) {
		size_t len[6] = {6, 6, 1, 19, 4, i < empty ? 0 : 5};
		sk_quality_row(q, len);
	}
	text = sk_quality_grade_json(q, f, prev, runs, &level);
	o = json_loads(text, 0, NULL);
	c = json_array_get(json_object_get(o, "checks"), 0);
	snprintf(g->status, sizeof(g->status), "%s",
		 json_string_value(json_object_get(c, "status")));
	snprintf(g->msg, sizeof(g->msg), "%s", json_string_value(json_object_get(c, "message")));
	v = json_dumps(json_object_get(c, "value"), JSON_ENCODE_ANY | JSON_REAL_PRECISION(9));
	snprintf(g->value, sizeof(g->value), "%s", v);
	snprintf(g->level, sizeof(g->level), "%s", json_string_value(json_object_get(o, "status")));
	free(v);
	json_decref(o);
	free(text);
	sk_quality_close(q);
}

static struct sk_quality_facts facts(void)
{
	struct sk_quality_facts f;

	sk_quality_facts_init(&f);
	f.rows = 100;
	f.out = "out.csv";
	return f;
}

/* One check's level for `value` set through `f`, for the boundary tables. */
static const char *level_rows(const char *cfg, long long rows)
{
	static struct got g;
	struct sk_quality_facts f = facts();

	f.rows = rows;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	return g.status;
}

static void test_rows(void)
{
	const char *cfg =
		"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"warn\": 10, \"fail\": 5}]}}";
	struct sk_quality_facts f = facts();
	struct got g;

	is_str(level_rows(cfg, 11), "GREEN", "rows above warn: GREEN");
	is_str(level_rows(cfg, 10), "GREEN", "rows exactly at warn: GREEN (bad only below)");
	is_str(level_rows(cfg, 9), "YELLOW", "rows just below warn: YELLOW");
	is_str(level_rows(cfg, 5), "YELLOW", "rows exactly at fail: YELLOW (bad only below)");
	is_str(level_rows(cfg, 4), "RED", "rows below fail: RED");
	f.rows = 4;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.msg, "4 rows, below the failure level 5", "rows RED: the message");
	is_str(g.value, "4", "rows: the value is the row count");
	is_str(g.level, "RED", "the step's level is its worst check's");
	f.rows = 7;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.msg, "7 rows, below the warning level 10", "rows YELLOW: the message");
	grade("transform", "{\"steps\": {\"transform\": [{\"check\": \"rows\"}]}}", &f, 0, 0, NULL,
	      0, &g);
	is_str(g.status, "GREEN", "no threshold: always GREEN");
	is_str(g.msg, "7 rows", "no threshold: the figures only");
}

static void test_completeness(void)
{
	const char *cfg = "{\"steps\": {\"transform\": [{\"check\": \"completeness\", "
			  "\"column\": \"customer_id\", \"warn\": 95, \"fail\": 80}]}}";
	struct sk_quality_facts f = facts();
	struct got g;

	grade("transform", cfg, &f, 20, 1, NULL, 0, &g);
	is_str(g.status, "GREEN", "completeness exactly 95%% = warn: GREEN");
	is_str(g.msg, "customer_id filled in 95.00% of 20 rows", "completeness GREEN: the figures");
	is_str(g.value, "95", "completeness: the value is the percentage");
	grade("transform", cfg, &f, 20, 2, NULL, 0, &g);
	is_str(g.status, "YELLOW", "completeness 90%%: YELLOW");
	is_str(g.msg, "customer_id filled in 90.00% of 20 rows, below the warning level 95%",
	       "completeness YELLOW: the message");
	grade("transform", cfg, &f, 20, 4, NULL, 0, &g);
	is_str(g.status, "YELLOW", "completeness exactly 80%% = fail: YELLOW");
	grade("transform", cfg, &f, 20, 5, NULL, 0, &g);
	is_str(g.status, "RED", "completeness 75%%: RED");
	is_str(g.msg, "customer_id filled in 75.00% of 20 rows, below the failure level 80%",
	       "completeness RED: the message");
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "GREEN", "completeness of no rows: GREEN");
	is_str(g.value, "null", "completeness of no rows: value null");
	is_str(g.msg, "no rows: no customer_id to count", "completeness of no rows: says why");
	/* 1 empty of 6 is 83.333...%: above fail 83.33, it must not read as equal */
	grade("transform",
	      "{\"steps\": {\"transform\": [{\"check\": \"completeness\", \"column\": "
	      "\"customer_id\", "
	      "\"fail\": 83.33}]}}",
	      &f, 6, 1, NULL, 0, &g);
	is_str(g.msg, "customer_id filled in 83.333% of 6 rows",
	       "a share near its threshold gets the digits that tell them apart");
	is_str(g.status, "GREEN", "83.333%% is above fail 83.33: GREEN");
}

static void test_validity(void)
{
	const char *cfg = "{\"steps\": {\"transform\": [{\"check\": \"validity\", \"warn\": 90, "
			  "\"fail\": 50}]}}";
	struct sk_quality_facts f = facts();
	struct got g;

	f.rows_in = 10;
	f.rows = 9;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "GREEN", "validity exactly 90%% = warn: GREEN");
	is_str(g.msg, "90.00% of 10 rows kept (1 dropped)", "validity: the figures");
	f.rows = 8;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "YELLOW", "validity 80%%: YELLOW");
	f.rows = 5;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "YELLOW", "validity exactly 50%% = fail: YELLOW");
	f.rows = 4;
	grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "RED", "validity 40%%: RED");
	is_str(g.msg, "40.00% of 10 rows kept (6 dropped), below the failure level 50%",
	       "validity RED: the message");
}

/* The four shares that are bad above: each exactly at warn, above it, at fail, above it. */
static void test_shares(void)
{
	static const struct {
		const char *name, *red;
	} t[] = {
		{"unmatched_customers",
		 "30.00% of the 10 rows with a customer_id other than GUEST have "
		 "no customer row, above the failure level 20%"},
		{"unmatched_products",
		 "30.00% of the 10 rows have no product row, above the failure level 20%"},
		{"quantities_made_positive", "30.00% of the 10 rows had a negative quantity, made "
					     "positive, above the failure level 20%"},
		{"description_unknown",
		 "30.00% of the 10 rows have the description Unknown, above the "
		 "failure level 20%"},
	};
	for (size_t i = 0; i < SK_ARRAY_SIZE(t); i++) {
		char cfg[200];
		static const char *const want[] = {"GREEN", "YELLOW", "YELLOW", "RED"};
		struct got g;

		snprintf(cfg, sizeof(cfg),
			 "{\"steps\": {\"transform\": [{\"check\": \"%s\", \"warn\": 10, \"fail\": "
			 "20}]}}",
			 t[i].name);
		for (int n = 1; n <= 4; n++) {
			struct sk_quality_facts f = facts();
			long long k = n == 1 ? 1 : n == 2 ? 2 : n == 3 ? 2 : 3;

			/* 10% (= warn), 20% (= fail: still YELLOW) via 2 of 10, then 30% */
			f.rows = 10;
			f.cust_unmatched = f.prod_unmatched = f.qty_positive = f.desc_unknown = k;
			f.cust_of = f.prod_of = 10;
			if (n == 2) /* 15%: between warn and fail */
				f.cust_unmatched = f.prod_unmatched = f.qty_positive =
					f.desc_unknown = 3,
				f.rows = f.cust_of = f.prod_of = 20;
			grade("transform", cfg, &f, 0, 0, NULL, 0, &g);
			is_str(g.status, want[n - 1], "%s at %s: %s", t[i].name,
			       n == 1   ? "warn exactly"
			       : n == 2 ? "between warn and fail"
			       : n == 3 ? "fail exactly"
					: "above fail",
			       want[n - 1]);
			if (n == 4)
				is_str(g.msg, t[i].red, "%s RED: the message", t[i].name);
		}
	}
}

static void test_row_change(void)
{
	const char *both = "{\"steps\": {\"transform\": [{\"check\": \"row_change\", \"warn\": 10, "
			   "\"fail\": 50}]}}";
	const char *drop = "{\"steps\": {\"transform\": [{\"check\": \"row_change\", "
			   "\"direction\": \"drop\", \"warn\": 10}]}}";
	const char *jump = "{\"steps\": {\"transform\": [{\"check\": \"row_change\", "
			   "\"direction\": \"jump\", \"warn\": 10}]}}";
	long long prev[] = {100, 80};
	struct sk_quality_facts f = facts();
	struct got g;

	grade("transform", both, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "GREEN", "row_change without history: GREEN");
	is_str(g.value, "null", "row_change without history: value null");
	is_str(g.msg,
	       "no earlier successful run of this step and template next to the work "
	       "directory: nothing to compare",
	       "row_change without history: says so");
	f.rows = 90;
	grade("transform", both, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "GREEN", "row_change -10%% exactly at warn 10: GREEN");
	is_str(g.value, "-10", "row_change: the value is the signed percentage");
	is_str(g.msg, "90 rows against 100 in the previous run: -10.00%",
	       "row_change: the figures");
	f.rows = 89;
	grade("transform", both, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "YELLOW", "row_change -11%%: YELLOW");
	is_str(g.msg,
	       "89 rows against 100 in the previous run: -11.00%, a change of more than the "
	       "warning level 10%",
	       "row_change YELLOW: the message");
	f.rows = 150;
	grade("transform", both, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "YELLOW", "row_change +50%% exactly at fail: YELLOW");
	f.rows = 151;
	grade("transform", both, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "RED", "row_change +51%%: RED");
	grade("transform", drop, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "GREEN", "direction drop: a jump is GREEN");
	grade("transform", jump, &f, 0, 0, prev, 1, &g);
	is_str(g.status, "YELLOW", "direction jump: a jump is YELLOW");
	is_str(g.msg,
	       "151 rows against 100 in the previous run: +51.00%, a jump of more than the "
	       "warning level 10%",
	       "direction jump: the message");
	f.rows = 80;
	grade("transform", drop, &f, 0, 0, prev, 2, &g);
	is_str(g.msg,
	       "80 rows against a mean of 90.00 over the 2 previous runs: -11.11%, a drop of "
	       "more than the warning level 10%",
	       "several runs: compared with their mean");
	grade("transform", jump, &f, 0, 0, prev, 2, &g);
	is_str(g.status, "GREEN", "direction jump: a drop is GREEN");
	prev[0] = 0;
	grade("transform", both, &f, 0, 0, prev, 1, &g);
	is_str(g.msg, "80 rows; the previous runs wrote none: no percentage",
	       "a previous 0: no percentage");
	is_str(g.status, "GREEN", "a previous 0: GREEN");
}

static void test_freshness(void)
{
	const char *cfg = "{\"steps\": {\"extract-sales\": [{\"check\": \"freshness_days\", "
			  "\"warn\": 2, \"fail\": 5}]}}";
	struct sk_quality_facts f = facts();
	struct got g;

	snprintf(f.newest, sizeof(f.newest), "2024-04-28");
	snprintf(f.ref_date, sizeof(f.ref_date), "2024-04-30");
	f.ref_what = "the end of the range";
	grade("extract-sales", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "GREEN", "freshness 2 days exactly at warn: GREEN");
	is_str(g.msg,
	       "newest invoice_date 2024-04-28, 2 days before 2024-04-30 (the end of the range)",
	       "freshness: the figures");
	snprintf(f.newest, sizeof(f.newest), "2024-02-25");
	snprintf(f.ref_date, sizeof(f.ref_date), "2024-03-01");
	grade("extract-sales", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "YELLOW", "freshness 5 days (over a leap day) exactly at fail: YELLOW");
	is_str(g.value, "5", "freshness: the value is whole days");
	snprintf(f.newest, sizeof(f.newest), "2023-12-31");
	snprintf(f.ref_date, sizeof(f.ref_date), "2024-01-06");
	grade("extract-sales", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "RED", "freshness 6 days across a year: RED");
	is_str(g.msg,
	       "newest invoice_date 2023-12-31, 6 days before 2024-01-06 (the end of the "
	       "range), above the failure level 5 days",
	       "freshness RED: the message");
	f.ref_date[0] = '\0';
	f.ref_what = "no period";
	grade("extract-sales", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.status, "GREEN", "freshness without a reference day: GREEN");
	is_str(g.msg, "newest invoice_date 2023-12-31; not measured: no period", "...and says why");
	f.newest[0] = '\0';
	grade("extract-sales", cfg, &f, 0, 0, NULL, 0, &g);
	is_str(g.msg, "no rows: no invoice_date to look at", "freshness of no rows: says so");
}

/* Configuration errors: exit 2, the file and the key path. */
static void test_config_errors(void)
{
	static const struct {
		const char *cfg, *want;
	} t[] = {
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\"}, {\"check\": "
		 "\"completeness\", "
		 "\"column\": \"customer_id\", \"warn\": 120}]}}",
		 "q.json: steps.transform[1].warn: 120 is not a percentage from 0 to 100"},
		{"{\"steps\": {\"transform\": [{\"check\": \"completeness\", \"column\": "
		 "\"customer_id\", \"warn\": 80, \"fail\": 95}]}}",
		 "q.json: steps.transform[0].warn: 80 is below fail 95: completeness is bad below "
		 "its "
		 "thresholds, so warn must be at or above fail"},
		{"{\"steps\": {\"transform\": [{\"check\": \"unmatched_customers\", \"warn\": 20, "
		 "\"fail\": 10}]}}",
		 "q.json: steps.transform[0].warn: 20 is above fail 10: unmatched_customers is bad "
		 "above "
		 "its thresholds, so warn must be at or below fail"},
		{"{\"steps\": {\"transform\": [{\"check\": \"row\"}]}}",
		 "q.json: steps.transform[0].check: unknown check 'row' (use rows, row_change, "
		 "completeness, validity, unmatched_customers, unmatched_products, "
		 "quantities_made_positive, description_unknown, freshness_days)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"completeness\", \"column\": "
		 "\"customer\"}]}}",
		 "q.json: steps.transform[0].column: 'customer' is not a column of transform "
		 "(invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"completeness\"}]}}",
		 "q.json: steps.transform[0].column: missing: completeness counts one column "
		 "(invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"column\": \"x\"}]}}",
		 "q.json: steps.transform[0].column: only completeness takes a column"},
		{"{\"steps\": {\"analyze-sales\": [{\"check\": \"completeness\", \"column\": "
		 "\"date\"}]}}",
		 "q.json: steps.analyze-sales[0].check: analyze-sales does not count completeness "
		 "(it "
		 "has: rows, row_change)"},
		{"{\"steps\": {\"transfrom\": []}}",
		 "q.json: steps.transfrom: unknown step (the data steps: extract-sales, "
		 "extract-customers, extract-products, transform, analyze-sales, "
		 "analyze-customers, "
		 "analyze-products)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"fial\": 3}]}}",
		 "q.json: steps.transform[0].fial: unknown key (use check, column, warn, fail, "
		 "direction, comment)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"fail\": \"10\"}]}}",
		 "q.json: steps.transform[0].fail: expected a number (or null: none)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"fail\": 1.5}]}}",
		 "q.json: steps.transform[0].fail: 1.5 is not a whole number of rows (0 or more)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"row_change\", \"direction\": "
		 "\"down\"}]}}",
		 "q.json: steps.transform[0].direction: use drop, jump or both"},
		{"{\"steps\": {\"transform\": [{\"check\": \"rows\", \"direction\": \"drop\"}]}}",
		 "q.json: steps.transform[0].direction: only row_change takes a direction"},
		{"{\"steps\": {\"transform\": [{\"check\": \"freshness_days\", \"warn\": -1}]}}",
		 "q.json: steps.transform[0].warn: -1 is not a number of days (0 or more)"},
		{"{\"steps\": {\"transform\": [{\"check\": \"row_change\", \"warn\": -1}]}}",
		 "q.json: steps.transform[0].warn: -1 is not a percentage of change (0 or more, "
		 "either way)"},
		{"{\"steps\": {\"transform\": [\"rows\"]}}",
		 "q.json: steps.transform[0]: expected an object such as {\"check\": \"rows\", "
		 "\"fail\": 1000}"},
		{"{\"steps\": {\"transform\": [{\"warn\": 1}]}}",
		 "q.json: steps.transform[0].check: missing: name a check (rows, row_change, "
		 "completeness, validity, unmatched_customers, unmatched_products, "
		 "quantities_made_positive, description_unknown, freshness_days)"},
		{"{\"steps\": {\"transform\": {\"check\": \"rows\"}}}",
		 "q.json: steps.transform: expected a list of checks"},
		{"{\"step\": {}}", "q.json: step: unknown key (use steps, history_runs, comment)"},
		{"{}", "q.json: steps: missing: expected an object of step names and their checks"},
		{"[]", "q.json: expected an object {\"steps\": {...}}"},
		{"{\"steps\": {}, \"history_runs\": 0}",
		 "q.json: history_runs: expected a whole number from 1 to 100"},
		{"{\"steps\": {},\n \"steps\": {}}",
		 "q.json: line 2 column 8: duplicate object key near '\"steps\"'"},
		{"{\"steps\": {\"transform\": [}}",
		 "q.json: line 1 column 26: unexpected token near '}'"},
	};
	for (size_t i = 0; i < SK_ARRAY_SIZE(t); i++) {
		struct sk_err err = SK_ERR_INIT;
		struct sk_quality *q = sk_quality_parse("extract-sales", t[i].cfg, "q.json", &err);

		ok(!q && err.code == SK_E_USAGE,
		   "config error %zu: refused, a usage error (exit 2)", i);
		is_str(err.msg, t[i].want, "config error %zu: the message names the key", i);
		sk_quality_close(q);
	}
}

static void test_config_ok(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_quality *q;

	q = sk_quality_parse("transform",
			     "{\"comment\": \"x\", \"history_runs\": 3, \"steps\": {\"transform\": "
			     "[{\"check\": \"rows\", \"warn\": null, \"comment\": \"c\"}], "
			     "\"analyze-sales\": [{\"check\": \"rows\", \"fail\": 1}]}}",
			     "q.json", &err);
	ok(q != NULL, "a valid file with comments and null thresholds is accepted (%s)", err.msg);
	ok(sk_quality_has(q, "rows") && !sk_quality_has(q, "validity"),
	   "the step has its own checks only");
	sk_quality_close(q);
	q = sk_quality_open("transform", NULL, "--quality", &err);
	ok(q && !sk_quality_has(q, "rows"), "no file: no checks");
	sk_quality_close(q);
	q = sk_quality_open("transform", "/nonexistent-dir-of-stepkit/q.json", "--quality", &err);
	ok(!q && err.code == SK_E_USAGE, "an unreadable file is a usage error (exit 2)");
	ok(strncmp(err.msg, "--quality: ", 11) == 0 && strstr(err.msg, "q.json"),
	   "...naming the setting and the file (%s)", err.msg);
}

int main(void)
{
	test_rows();
	test_completeness();
	test_validity();
	test_shares();
	test_row_change();
	test_freshness();
	test_config_errors();
	test_config_ok();
	return done_testing();
}
