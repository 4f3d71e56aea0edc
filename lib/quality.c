#include "base.h"
#include "quality.h"
#include "fsutil.h"
#include "history.h"
#include "log.h"
#include "step.h"

#include <jansson.h>
#include <math.h>
#include <sys/time.h>

#define CONFIG_MAX (1u << 20)
#define CHECKS_MAX 64
#define HISTORY_DEFAULT 5

/* What a check measures, and on which side of its thresholds it is bad. */
enum unit {
	U_ROWS,
	U_PERCENT,
	U_CHANGE,
	U_DAYS
};

enum kind_id {
	K_ROWS,
	K_ROW_CHANGE,
	K_COMPLETENESS,
	K_VALIDITY,
	K_UNMATCHED_CUSTOMERS,
	K_UNMATCHED_PRODUCTS,
	K_QTY_POSITIVE,
	K_DESC_UNKNOWN,
	K_FRESHNESS,
	K_NKINDS
};

static const struct kind {
	const char *name;
	enum unit unit;
	int below; /* bad below its thresholds (else above) */
} kinds[K_NKINDS] = {
	[K_ROWS] = {"rows", U_ROWS, 1},
	[K_ROW_CHANGE] = {"row_change", U_CHANGE, 0},
	[K_COMPLETENESS] = {"completeness", U_PERCENT, 1},
	[K_VALIDITY] = {"validity", U_PERCENT, 1},
	[K_UNMATCHED_CUSTOMERS] = {"unmatched_customers", U_PERCENT, 0},
	[K_UNMATCHED_PRODUCTS] = {"unmatched_products", U_PERCENT, 0},
	[K_QTY_POSITIVE] = {"quantities_made_positive", U_PERCENT, 0},
	[K_DESC_UNKNOWN] = {"description_unknown", U_PERCENT, 0},
	[K_FRESHNESS] = {"freshness_days", U_DAYS, 0},
};

#define B(k) (1u << (k))
#define ALL_STEPS_HAVE (B(K_ROWS) | B(K_ROW_CHANGE))

static const char *const sales_cols[] = {"invoice_no", "stock_code",  "quantity", "invoice_date",
					 "unit_price", "customer_id", NULL};
static const char *const customer_cols[] = {"customer_id", "name",        "country",
					    "segment",     "signup_date", NULL};
static const char *const product_cols[] = {"stock_code", "description", "category", "unit_cost",
					   NULL};

/* The data steps, what each counts, the columns its completeness sees. */
static const struct stepdef {
	const char *name;
	unsigned kinds;
	const char *const *cols;
} steps[] = {
	{"extract-sales", ALL_STEPS_HAVE | B(K_COMPLETENESS) | B(K_FRESHNESS), sales_cols},
	{"extract-customers", ALL_STEPS_HAVE | B(K_COMPLETENESS), customer_cols},
	{"extract-products", ALL_STEPS_HAVE | B(K_COMPLETENESS), product_cols},
	{"transform", (1u << K_NKINDS) - 1, sales_cols},
	{"analyze-sales", ALL_STEPS_HAVE, NULL},
	{"analyze-customers", ALL_STEPS_HAVE, NULL},
	{"analyze-products", ALL_STEPS_HAVE, NULL},
};

enum direction {
	D_BOTH,
	D_DROP,
	D_JUMP
};

struct check {
	const struct kind *k;
	int col;             /* completeness: the column's index, else -1 */
	const char *colname; /* static storage */
	enum direction dir;
	double warn, fail; /* NAN: not set */
	long long empty;   /* completeness: empty values counted */
};

struct sk_quality {
	const struct stepdef *step;
	struct check checks[CHECKS_MAX];
	size_t n;
	long long counted; /* rows seen by sk_quality_row */
	int history_runs;
	char started[32]; /* when the step opened it: history is older */
};

const char *sk_quality_level_name(enum sk_quality_level l)
{
	return l == SK_QUALITY_RED ? "RED" : l == SK_QUALITY_YELLOW ? "YELLOW" : "GREEN";
}

/* ---- the configuration ---- */

static const struct stepdef *find_step(const char *name)
{
	for (size_t i = 0; i < SK_ARRAY_SIZE(steps); i++)
		if (!strcmp(steps[i].name, name))
			return &steps[i];
	return NULL;
}

/* "a, b, c" of the names in a NULL-ended list or of the kinds in `mask`. */
static void list_names(char *out, size_t n, const char *const *names, unsigned mask)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; names ? names[i] != NULL : i < K_NKINDS; i++) {
		if (!names && !(mask & B(i)))
			continue;
		if (o < n)
			o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "",
					      names ? names[i] : kinds[i].name);
	}
}

static void list_steps(char *out, size_t n)
{
	const char *names[SK_ARRAY_SIZE(steps) + 1];

	for (size_t i = 0; i < SK_ARRAY_SIZE(steps); i++)
		names[i] = steps[i].name;
	names[SK_ARRAY_SIZE(steps)] = NULL;
	list_names(out, n, names, 0);
}

/* What a threshold of `u` may be; NULL when `v` is one. */
static const char *bad_threshold(enum unit u, double v)
{
	switch (u) {
	case U_ROWS:
		return v >= 0 && v == floor(v) && v < 9e15
			       ? NULL
			       : "is not a whole number of rows (0 or more)";
	case U_PERCENT:
		return v >= 0 && v <= 100 ? NULL : "is not a percentage from 0 to 100";
	case U_CHANGE:
		return v >= 0 ? NULL : "is not a percentage of change (0 or more, either way)";
	case U_DAYS:
		return v >= 0 ? NULL : "is not a number of days (0 or more)";
	}
	return NULL;
}

static int parse_threshold(const char *name, const char *at, json_t *v, const struct kind *k,
			   const char *key, double *out, struct sk_err *err)
{
	const char *why;

	*out = NAN;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return sk_err_set(err, SK_E_USAGE, "%s: %s.%s: expected a number (or null: none)",
				  name, at, key);
	*out = json_number_value(v);
	if ((why = bad_threshold(k->unit, *out)))
		return sk_err_set(err, SK_E_USAGE, "%s: %s.%s: %g %s", name, at, key, *out, why);
	return 0;
}

static int parse_check(struct sk_quality *q, const struct stepdef *st, const char *name,
		       const char *at, json_t *o, struct check *c, struct sk_err *err)
{
	static const char *const keys[] = {"check",     "column",  "warn", "fail",
					   "direction", "comment", NULL};
	char list[512];
	const char *key, *cname;
	json_t *v;

	(void)q;
	memset(c, 0, sizeof(*c));
	c->col = -1;
	if (!json_is_object(o))
		return sk_err_set(
			err, SK_E_USAGE,
			"%s: %s: expected an object such as {\"check\": \"rows\", \"fail\": 1000}",
			name, at);
	json_object_foreach(o, key, v)
	{
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key))
			i++;
		if (!keys[i])
			return sk_err_set(err, SK_E_USAGE,
					  "%s: %s.%s: unknown key (use check, column, warn, fail, "
					  "direction, comment)",
					  name, at, key);
	}
	v = json_object_get(o, "check");
	list_names(list, sizeof(list), NULL, (1u << K_NKINDS) - 1);
	if (!json_is_string(v))
		return sk_err_set(err, SK_E_USAGE, "%s: %s.check: missing: name a check (%s)", name,
				  at, list);
	cname = json_string_value(v);
	for (size_t i = 0; i < K_NKINDS; i++)
		if (!strcmp(kinds[i].name, cname))
			c->k = &kinds[i];
	if (!c->k)
		return sk_err_set(err, SK_E_USAGE, "%s: %s.check: unknown check '%s' (use %s)",
				  name, at, cname, list);
	if (!(st->kinds & B(c->k - kinds))) {
		list_names(list, sizeof(list), NULL, st->kinds);
		return sk_err_set(err, SK_E_USAGE,
				  "%s: %s.check: %s does not count %s (it has: %s)", name, at,
				  st->name, cname, list);
	}
	v = json_object_get(o, "column");
	if (c->k == &kinds[K_COMPLETENESS]) {
		list_names(list, sizeof(list), st->cols, 0);
		if (!json_is_string(v))
			return sk_err_set(
				err, SK_E_USAGE,
				"%s: %s.column: missing: completeness counts one column (%s)", name,
				at, list);
		for (int i = 0; st->cols[i]; i++)
			if (!strcmp(st->cols[i], json_string_value(v))) {
				c->col = i;
				c->colname = st->cols[i];
			}
		if (c->col < 0)
			return sk_err_set(err, SK_E_USAGE,
					  "%s: %s.column: '%s' is not a column of %s (%s)", name,
					  at, json_string_value(v), st->name, list);
	} else if (v) {
		return sk_err_set(err, SK_E_USAGE,
				  "%s: %s.column: only completeness takes a column", name, at);
	}
	v = json_object_get(o, "direction");
	if (v && c->k != &kinds[K_ROW_CHANGE])
		return sk_err_set(err, SK_E_USAGE,
				  "%s: %s.direction: only row_change takes a direction", name, at);
	if (v) {
		const char *d = json_is_string(v) ? json_string_value(v) : "";
		if (!strcmp(d, "drop"))
			c->dir = D_DROP;
		else if (!strcmp(d, "jump"))
			c->dir = D_JUMP;
		else if (strcmp(d, "both"))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: %s.direction: use drop, jump or both", name, at);
	}
	v = json_object_get(o, "comment");
	if (v && !json_is_string(v))
		return sk_err_set(err, SK_E_USAGE, "%s: %s.comment: expected a string", name, at);
	if (parse_threshold(name, at, json_object_get(o, "warn"), c->k, "warn", &c->warn, err) <
		    0 ||
	    parse_threshold(name, at, json_object_get(o, "fail"), c->k, "fail", &c->fail, err) < 0)
		return -1;
	if (!isnan(c->warn) && !isnan(c->fail) &&
	    (c->k->below ? c->warn < c->fail : c->warn > c->fail))
		return sk_err_set(err, SK_E_USAGE,
				  "%s: %s.warn: %g is %s fail %g: %s is bad %s its thresholds, so "
				  "warn must be %s fail",
				  name, at, c->warn, c->k->below ? "below" : "above", c->fail,
				  cname, c->k->below ? "below" : "above",
				  c->k->below ? "at or above" : "at or below");
	return 0;
}

static int parse_root(struct sk_quality *q, json_t *root, const char *name, struct sk_err *err)
{
	char list[512];
	const char *key;
	json_t *v, *stepsv;

	if (!json_is_object(root))
		return sk_err_set(err, SK_E_USAGE, "%s: expected an object {\"steps\": {...}}",
				  name);
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "steps") && strcmp(key, "history_runs") && strcmp(key, "comment"))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: %s: unknown key (use steps, history_runs, comment)",
					  name, key);
	}
	v = json_object_get(root, "history_runs");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > SK_HISTORY_MAX))
		return sk_err_set(err, SK_E_USAGE,
				  "%s: history_runs: expected a whole number from 1 to %d", name,
				  SK_HISTORY_MAX);
	if (v)
		q->history_runs = (int)json_integer_value(v);
	stepsv = json_object_get(root, "steps");
	if (!json_is_object(stepsv))
		return sk_err_set(
			err, SK_E_USAGE,
			"%s: steps: %s: expected an object of step names and their checks", name,
			stepsv ? "not an object" : "missing");
	json_object_foreach(stepsv, key, v)
	{
		const struct stepdef *st = find_step(key);
		char at[128];
		size_t i;
		json_t *c;

		if (!st) {
			list_steps(list, sizeof(list));
			return sk_err_set(err, SK_E_USAGE,
					  "%s: steps.%s: unknown step (the data steps: %s)", name,
					  key, list);
		}
		if (!json_is_array(v))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: steps.%s: expected a list of checks", name, key);
		json_array_foreach(v, i, c)
		{
			struct check tmp, *dst = &tmp;

			snprintf(at, sizeof(at), "steps.%s[%zu]", key, i);
			if (st == q->step) {
				if (q->n == CHECKS_MAX)
					return sk_err_set(err, SK_E_USAGE,
							  "%s: %s: more than %d checks", name, at,
							  CHECKS_MAX);
				dst = &q->checks[q->n];
			}
			if (parse_check(q, st, name, at, c, dst, err) < 0)
				return -1;
			if (st == q->step)
				q->n++;
		}
	}
	return 0;
}

static struct sk_quality *quality_new(const char *step, struct sk_err *err)
{
	struct sk_quality *q = calloc(1, sizeof(*q));
	struct timeval now;

	if (!q) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	q->step = find_step(step);
	q->history_runs = HISTORY_DEFAULT;
	gettimeofday(&now, NULL);
	sk_utc_iso(&now, q->started);
	return q;
}

struct sk_quality *sk_quality_parse(const char *step, const char *text, const char *name,
				    struct sk_err *err)
{
	struct sk_quality *q = quality_new(step, err);
	json_error_t je;
	json_t *root = NULL;

	if (!q)
		return NULL;
	if (!(root = json_loads(text, JSON_REJECT_DUPLICATES, &je))) {
		sk_err_set(err, SK_E_USAGE, "%s: line %d column %d: %s", name, je.line, je.column,
			   je.text);
		goto fail;
	}
	if (parse_root(q, root, name, err) < 0)
		goto fail;
	json_decref(root);
	return q;
fail:
	json_decref(root);
	free(q);
	return NULL;
}

struct sk_quality *sk_quality_open(const char *step, const char *path, const char *setting,
				   struct sk_err *err)
{
	char name[PATH_MAX + 80];
	struct sk_quality *q;
	char *text;

	if (!path || !*path)
		return quality_new(step, err);
	snprintf(name, sizeof(name), "%s '%s'", setting, path);
	if (!(text = sk_read_config(path, CONFIG_MAX, setting, err)))
		return NULL;
	q = sk_quality_parse(step, text, name, err);
	free(text);
	return q;
}

void sk_quality_close(struct sk_quality *q)
{
	free(q);
}

int sk_quality_has(const struct sk_quality *q, const char *check)
{
	for (size_t i = 0; q && i < q->n; i++)
		if (!strcmp(q->checks[i].k->name, check))
			return 1;
	return 0;
}

void sk_quality_row(struct sk_quality *q, const size_t *len)
{
	if (!q)
		return;
	q->counted++;
	for (size_t i = 0; i < q->n; i++)
		if (q->checks[i].col >= 0)
			q->checks[i].empty += len[q->checks[i].col] == 0;
}

void sk_quality_facts_init(struct sk_quality_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->rows = f->rows_in = f->cust_unmatched = f->cust_of = -1;
	f->prod_unmatched = f->prod_of = f->qty_positive = f->desc_unknown = -1;
	f->min_rows = -1;
	f->max_unmatched = -1;
}

/* ---- grading ---- */

/* A number as JSON: an integer when it is one. */
static json_t *jnum(double v)
{
	if (isnan(v))
		return json_null();
	if (v == floor(v) && fabs(v) < 9e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* `pct` with 2 decimals, more when 2 would show it on the wrong side of
 * `limit` (76.199% is not "76.20%, below 76.2%"). */
static int cmp(double a, double b)
{
	return (a > b) - (a < b);
}

static void show_pct(char *buf, size_t n, double pct, double limit)
{
	for (int digits = 2; digits <= 6; digits++) {
		snprintf(buf, n, "%.*f", digits, pct);
		if (isnan(limit) || cmp(strtod(buf, NULL), limit) == cmp(pct, limit))
			return;
	}
}

/* The threshold nearest to being crossed, for the digits a share needs. */
static double near_limit(const struct check *c)
{
	return !isnan(c->fail) ? c->fail : c->warn;
}

/* Days from 1970-01-01 of a valid YYYY-MM-DD (the civil calendar). */
static long long day_number(const char *d)
{
	int y, m, dd;

	if (sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3)
		return 0;
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* A share `n` of `of` as a percentage, or NAN (nothing to measure). */
static double share(long long n, long long of)
{
	return of > 0 && n >= 0 ? 100.0 * (double)n / (double)of : NAN;
}

struct graded {
	double value;    /* NAN: null */
	double measured; /* what the thresholds apply to (row_change: its size that way) */
	char msg[400];
	enum sk_quality_level level;
};

/* The value and the figures of check `c`; the level comes after. */
static void measure(const struct sk_quality *q, const struct check *c,
		    const struct sk_quality_facts *f, const long long *prev, size_t runs,
		    struct graded *g)
{
	char p[40];
	double lim = near_limit(c);
	long long n = -1, of = -1;
	const char *fmt = NULL;

	g->value = NAN;
	g->msg[0] = '\0';
	switch ((int)(c->k - kinds)) {
	case K_ROWS:
		g->value = (double)f->rows;
		snprintf(g->msg, sizeof(g->msg), "%lld rows", f->rows);
		break;
	case K_ROW_CHANGE: {
		double mean = 0;
		for (size_t i = 0; i < runs; i++)
			mean += (double)prev[i];
		if (runs == 0) {
			snprintf(g->msg, sizeof(g->msg),
				 "no earlier successful run of this step and template next to the "
				 "work "
				 "directory: nothing to compare");
			break;
		}
		mean /= (double)runs;
		if (mean <= 0) {
			snprintf(g->msg, sizeof(g->msg),
				 "%lld rows; the previous runs wrote none: no percentage", f->rows);
			break;
		}
		g->value = 100.0 * ((double)f->rows - mean) / mean;
		snprintf(p, sizeof(p), "%+.2f", g->value);
		if (runs == 1)
			snprintf(g->msg, sizeof(g->msg),
				 "%lld rows against %lld in the previous run: %s%%", f->rows,
				 prev[0], p);
		else
			snprintf(
				g->msg, sizeof(g->msg),
				"%lld rows against a mean of %.2f over the %zu previous runs: %s%%",
				f->rows, mean, runs, p);
		break;
	}
	case K_COMPLETENESS:
		g->value = share(q->counted - c->empty, q->counted);
		if (isnan(g->value)) {
			snprintf(g->msg, sizeof(g->msg), "no rows: no %s to count", c->colname);
			break;
		}
		show_pct(p, sizeof(p), g->value, lim);
		snprintf(g->msg, sizeof(g->msg), "%s filled in %s%% of %lld rows", c->colname, p,
			 q->counted);
		break;
	case K_VALIDITY:
		g->value = share(f->rows, f->rows_in);
		if (isnan(g->value)) {
			snprintf(g->msg, sizeof(g->msg), "no rows read: nothing to measure");
			break;
		}
		show_pct(p, sizeof(p), g->value, lim);
		snprintf(g->msg, sizeof(g->msg), "%s%% of %lld rows kept (%lld dropped)", p,
			 f->rows_in, f->rows_in - f->rows);
		break;
	case K_UNMATCHED_CUSTOMERS:
		n = f->cust_unmatched, of = f->cust_of;
		fmt = "%s%% of the %lld rows with a customer_id other than GUEST have no customer "
		      "row";
		break;
	case K_UNMATCHED_PRODUCTS:
		n = f->prod_unmatched, of = f->prod_of;
		fmt = "%s%% of the %lld rows have no product row";
		break;
	case K_QTY_POSITIVE:
		n = f->qty_positive, of = f->rows;
		fmt = "%s%% of the %lld rows had a negative quantity, made positive";
		break;
	case K_DESC_UNKNOWN:
		n = f->desc_unknown, of = f->rows;
		fmt = "%s%% of the %lld rows have the description Unknown";
		break;
	case K_FRESHNESS:
		if (!f->newest[0]) {
			snprintf(g->msg, sizeof(g->msg), "no rows: no invoice_date to look at");
		} else if (!f->ref_date[0]) {
			snprintf(g->msg, sizeof(g->msg), "newest invoice_date %s; not measured: %s",
				 f->newest, f->ref_what ? f->ref_what : "no period");
		} else {
			long long days = day_number(f->ref_date) - day_number(f->newest);
			g->value = (double)days;
			snprintf(g->msg, sizeof(g->msg),
				 "newest invoice_date %s, %lld day%s before %s (%s)", f->newest,
				 days, days == 1 || days == -1 ? "" : "s", f->ref_date,
				 f->ref_what ? f->ref_what : "");
		}
		break;
	}
	if (fmt) {
		g->value = share(n, of);
		if (isnan(g->value)) {
			snprintf(g->msg, sizeof(g->msg), "no rows to measure");
		} else {
			show_pct(p, sizeof(p), g->value, lim);
			snprintf(g->msg, sizeof(g->msg), fmt, p, of);
		}
	}
	g->measured = g->value;
	if (c->k == &kinds[K_ROW_CHANGE] && !isnan(g->value)) {
		if (c->dir == D_DROP)
			g->measured = g->value < 0 ? -g->value : 0;
		else if (c->dir == D_JUMP)
			g->measured = g->value > 0 ? g->value : 0;
		else
			g->measured = fabs(g->value);
	}
}

static int crossed(const struct kind *k, double v, double t)
{
	return !isnan(t) && (k->below ? v < t : v > t);
}

/* The level of `g` and the end of its message: which threshold it crossed. */
static void grade(const struct check *c, struct graded *g)
{
	const char *which = NULL, *side = c->k->below ? "below" : "above";
	const char *pct = c->k->unit == U_PERCENT || c->k->unit == U_CHANGE ? "%" : "";
	double t = NAN;
	size_t n = strlen(g->msg);

	g->level = SK_QUALITY_GREEN;
	if (isnan(g->measured))
		return;
	if (crossed(c->k, g->measured, c->fail)) {
		g->level = SK_QUALITY_RED;
		which = "failure";
		t = c->fail;
	} else if (crossed(c->k, g->measured, c->warn)) {
		g->level = SK_QUALITY_YELLOW;
		which = "warning";
		t = c->warn;
	}
	if (!which)
		return;
	if (c->k == &kinds[K_ROW_CHANGE])
		snprintf(g->msg + n, sizeof(g->msg) - n, ", a %s of more than the %s level %g%%",
			 c->dir == D_DROP   ? "drop"
			 : c->dir == D_JUMP ? "jump"
					    : "change",
			 which, t);
	else
		snprintf(g->msg + n, sizeof(g->msg) - n, ", %s the %s level %g%s", side, which, t,
			 c->k->unit == U_DAYS ? (t == 1 ? " day" : " days") : pct);
}

static json_t *check_json(const struct check *c, const struct graded *g, const char *setting)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(c->k->name));
	if (c->colname)
		json_object_set_new(o, "column", json_string(c->colname));
	if (c->k == &kinds[K_ROW_CHANGE])
		json_object_set_new(o, "direction",
				    json_string(c->dir == D_DROP   ? "drop"
						: c->dir == D_JUMP ? "jump"
								   : "both"));
	if (setting)
		json_object_set_new(o, "setting", json_string(setting));
	json_object_set_new(o, "value", jnum(g->value));
	json_object_set_new(o, "warn", jnum(c->warn));
	json_object_set_new(o, "fail", jnum(c->fail));
	json_object_set_new(o, "status", json_string(sk_quality_level_name(g->level)));
	json_object_set_new(o, "message", json_string(g->msg));
	return o;
}

/* "completeness(customer_id)", "rows" */
static void check_label(char *out, size_t n, const struct check *c)
{
	if (c->colname)
		snprintf(out, n, "%s(%s)", c->k->name, c->colname);
	else
		snprintf(out, n, "%s", c->k->name);
}

/*
 * Grade the configured checks into `checks` (a JSON array); the first RED
 * one's label and message into `red` (empty when none), their number into
 * `*nred`. Logs a warning per YELLOW check when `log`, and per RED check
 * but the first (the step's error) or, when `log` > 1, every RED one.
 */
static enum sk_quality_level grade_all(struct sk_quality *q, const struct sk_quality_facts *f,
				       const long long *prev, size_t runs, json_t *checks,
				       char *red, size_t redn, int *nred, int log)
{
	enum sk_quality_level worst = SK_QUALITY_GREEN;

	red[0] = '\0';
	*nred = 0;
	for (size_t i = 0; q && i < q->n; i++) {
		const struct check *c = &q->checks[i];
		struct graded g;
		char label[96];

		measure(q, c, f, prev, runs, &g);
		grade(c, &g);
		json_array_append_new(checks, check_json(c, &g, NULL));
		check_label(label, sizeof(label), c);
		if (g.level > worst)
			worst = g.level;
		if (g.level == SK_QUALITY_RED && (*nred)++ == 0)
			snprintf(red, redn, "data-quality check %s RED: %s", label, g.msg);
		/* the first RED one is the step's error, unless a gate's is */
		if (log && g.level != SK_QUALITY_GREEN &&
		    (g.level == SK_QUALITY_YELLOW || *nred > 1 || log > 1))
			sk_warnf("data-quality check %s %s: %s", label,
				 sk_quality_level_name(g.level), g.msg);
	}
	return worst;
}

char *sk_quality_grade_json(struct sk_quality *q, const struct sk_quality_facts *f,
			    const long long *prev_rows, size_t runs, enum sk_quality_level *level)
{
	json_t *o = json_object(), *checks = json_array();
	char red[512], *text;
	int nred;

	*level = grade_all(q, f, prev_rows, runs, checks, red, sizeof(red), &nred, 0);
	json_object_set_new(o, "status", json_string(sk_quality_level_name(*level)));
	json_object_set_new(o, "checks", checks);
	text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(o);
	return text;
}

/* A shorthand gate as a check of the event: a fail threshold only. */
static json_t *gate_json(const char *name, const char *setting, double value, double fail,
			 int failed, const char *msg)
{
	struct check c = {.k = NULL, .col = -1, .warn = NAN, .fail = fail};
	struct graded g = {.value = value, .level = failed ? SK_QUALITY_RED : SK_QUALITY_GREEN};

	for (size_t i = 0; i < K_NKINDS; i++)
		if (!strcmp(kinds[i].name, name))
			c.k = &kinds[i];
	snprintf(g.msg, sizeof(g.msg), "%s", msg);
	return check_json(&c, &g, setting);
}

/*
 * The shorthand gates, by gate.h (their messages and details unchanged):
 * appended to `checks`; the first failure's message in `err`. 1 when one
 * failed, else 0.
 */
static int shorthand_gates(struct sk_step *s, const struct sk_quality_facts *f, json_t *checks,
			   struct sk_err *err)
{
	struct sk_err later = SK_ERR_INIT, *e;
	int failed = 0, bad;
	char msg[200], p[40];

	if (f->min_rows >= 0) {
		bad = sk_gate_min_rows(s, f->rows, f->min_rows, f->out, err) < 0;
		snprintf(msg, sizeof(msg), "%lld rows%s%lld", f->rows,
			 bad ? ", below the failure level " : ", at least ", f->min_rows);
		json_array_append_new(checks,
				      gate_json("rows", sk_opt_given_as("--min-rows"),
						(double)f->rows, (double)f->min_rows, bad, msg));
		failed |= bad;
	}
	for (int i = 0; i < 2 && f->max_unmatched >= 0; i++) {
		const struct sk_gate_share *g = i ? f->prod_share : f->cust_share;
		double pct;

		if (!g)
			continue;
		e = failed ? &later : err;
		bad = sk_gate_max_share(s, i ? "max_unmatched_products" : "max_unmatched_customers",
					"--max-unmatched", g, f->max_unmatched, f->out, e) < 0;
		pct = g->of > 0 ? 100.0 * (double)g->n / (double)g->of : 0;
		show_pct(p, sizeof(p), pct, f->max_unmatched);
		snprintf(msg, sizeof(msg), "%s%% (%lld of %lld %s)%s%g%%", p, g->n, g->of,
			 g->of_what, bad ? ", above the failure level " : ", at most ",
			 f->max_unmatched);
		json_array_append_new(checks,
				      gate_json(i ? "unmatched_products" : "unmatched_customers",
						sk_opt_given_as("--max-unmatched"), pct,
						f->max_unmatched, bad, msg));
		failed |= bad;
	}
	return failed;
}

static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);

	return v ? v : json_string("(not utf-8)");
}

static json_t *history_json(const struct sk_history *h, double mean)
{
	json_t *o, *p;

	if (h->n == 0)
		return json_null();
	o = json_object();
	p = json_object();
	json_object_set_new(o, "runs", json_integer((json_int_t)h->n));
	json_object_set_new(p, "run", jstr(h->runs[0].run));
	json_object_set_new(p, "rows_out", json_integer(h->runs[0].rows_out));
	json_object_set_new(p, "finished", jstr(h->runs[0].finished));
	json_object_set_new(o, "previous", p);
	json_object_set_new(o, "mean_rows_out", jnum(mean));
	return o;
}

int sk_quality_finish(struct sk_step *s, struct sk_quality *q, const struct sk_quality_facts *f,
		      enum sk_quality_level *level, struct sk_err *err)
{
	struct sk_history *h = calloc(1, sizeof(*h));
	long long prev[SK_HISTORY_MAX];
	json_t *quality = json_object(), *checks = json_array(), *gates = json_array();
	enum sk_quality_level worst;
	char red[512];
	double mean = 0;
	int nred, gate_failed, ret = -1;

	if (!h || !quality || !checks || !gates) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	sk_history_find(sk_step_workdir(s), q->step ? q->step->name : "",
			getenv("STEPKIT_TEMPLATE"), q->started, (size_t)q->history_runs, h, err);
	for (size_t i = 0; i < h->n; i++) {
		prev[i] = h->runs[i].rows_out;
		mean += (double)prev[i] / (double)h->n;
	}
	if (sk_quality_has(q, "row_change")) {
		if (h->n == 0)
			sk_infof("history: no earlier successful run of %s next to the work "
				 "directory "
				 "(%zu looked at): row_change is GREEN",
				 q->step->name, h->seen);
		else
			sk_infof("history: %zu earlier run%s of %s, the newest '%s' with %lld rows",
				 h->n, h->n == 1 ? "" : "s", q->step->name, h->runs[0].run,
				 h->runs[0].rows_out);
	}
	gate_failed = shorthand_gates(s, f, gates, err);
	worst = grade_all(q, f, prev, h->n, checks, red, sizeof(red), &nred, gate_failed ? 2 : 1);
	json_array_extend(checks, gates);
	if (gate_failed)
		worst = SK_QUALITY_RED;
	json_object_set_new(quality, "status", json_string(sk_quality_level_name(worst)));
	json_object_set(quality, "checks", checks);
	sk_step_set_quality(s, sk_quality_level_name(worst), quality, history_json(h, mean));
	quality = NULL;
	if (level)
		*level = worst;
	if (worst == SK_QUALITY_RED && !gate_failed) {
		sk_err_set(err, SK_E_QUALITY, "%s: '%s' is not written%s", red, f->out,
			   nred > 1 ? " (more checks are RED: see the step's event)" : "");
		goto out;
	}
	if (worst == SK_QUALITY_RED)
		goto out;
	ret = 0;
out:
	json_decref(gates);
	json_decref(checks);
	json_decref(quality);
	free(h);
	return ret;
}
