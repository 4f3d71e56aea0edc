#include "base.h"
#include "extract.h"
#include "buf.h"
#include "csvio.h"
#include "fsutil.h"
#include "log.h"
#include "money.h"
#include "pg.h"
#include "pgstep.h"
#include "sig.h"

#include <libgen.h>
#include <sys/stat.h>

#define QUERY_FILE_MAX (1u << 20)
#define SHOW_MAX 40 /* bytes of a bad value quoted in a message */

/* The options, checked and resolved. */
struct plan {
	const char *file;     /* file:PATH source, NULL for postgres */
	char *query;          /* custom query (owned), NULL for the default */
	const char *query_src; /* "--query", "--query-file" */
	char from[11], to[11]; /* "" when no range */
	char out[PATH_MAX];
	char in[PATH_MAX];
	long long min_rows;   /* gate, -1: none */
	struct sk_quality *quality; /* the step's checks (owned) */
	char as_of[11];             /* --as-of's date, "" when not given */
};

/* ---- options ---- */

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return d[m - 1] + (m == 2 && leap);
}

int sk_extract_period(const char *period, const char *as_of, char from[11], char to[11],
		      struct sk_err *err)
{
	size_t n = strlen(as_of);
	int y, m, d;

	from[0] = to[0] = '\0';
	/* "2024-05-01" or "2024-05-01T00:00:00Z": only the date matters */
	if (!(n == 10 || (n > 10 && as_of[10] == 'T')) || !sk_is_date(as_of, 10) ||
	    sscanf(as_of, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return sk_err_set(err, SK_E_USAGE, "%s '%s' is not a date (YYYY-MM-DD)",
				  sk_opt_given_as("--as-of"), as_of);
	if (!strcmp(period, "all"))
		return 0;
	if (!strcmp(period, "daily")) {
		if (--d == 0) {
			if (--m == 0) {
				m = 12;
				y--;
			}
			d = days_in_month(y, m);
		}
		snprintf(from, 11, "%04d-%02d-%02d", y, m, d);
		snprintf(to, 11, "%s", from);
		return 0;
	}
	if (!strcmp(period, "previous-month")) {
		if (--m == 0) {
			m = 12;
			y--;
		}
	} else if (strcmp(period, "current-month") != 0) {
		return sk_err_set(err, SK_E_USAGE,
				  "%s '%s': use current-month, previous-month, daily or all",
				  sk_opt_given_as("--period"), period);
	}
	snprintf(from, 11, "%04d-%02d-01", y, m);
	snprintf(to, 11, "%04d-%02d-%02d", y, m, days_in_month(y, m));
	return 0;
}

static int set(const char *s)
{
	return s && *s;
}

static int check_date(const char *opt, const char *v, char out[11], struct sk_err *err)
{
	char buf[64];
	const char *why = sk_date_problem(v, strlen(v), buf);

	if (why)
		return sk_err_set(err, SK_E_USAGE, "%s '%s' %s: not a date", sk_opt_given_as(opt), v,
				  why);
	snprintf(out, 11, "%s", v);
	return 0;
}

static int plan_range(struct plan *p, const struct sk_extract_spec *spec,
		      const struct sk_extract_opts *o, struct sk_err *err)
{
	char today[11];
	struct tm tm;
	time_t now = time(NULL);

	if (!spec->range_sql)
		return 0; /* the tool offers no range options */
	if (set(o->period) && (set(o->from) || set(o->to)))
		return sk_err_set(err, SK_E_USAGE, "%s and %s/%s exclude each other",
				  sk_opt_given_as("--period"), sk_opt_given_as("--from"),
				  sk_opt_given_as("--to"));
	if (set(o->from) != set(o->to))
		return sk_err_set(err, SK_E_USAGE, "%s and %s go together",
				  sk_opt_given_as("--from"), sk_opt_given_as("--to"));
	if (set(o->from)) {
		if (check_date("--from", o->from, p->from, err) < 0 ||
		    check_date("--to", o->to, p->to, err) < 0)
			return -1;
		if (strcmp(p->from, p->to) > 0)
			return sk_err_set(err, SK_E_USAGE, "%s %s is after %s %s",
					  sk_opt_given_as("--from"), p->from, sk_opt_given_as("--to"),
					  p->to);
		return 0;
	}
	if (!gmtime_r(&now, &tm))
		return sk_err_set(err, SK_E_USAGE, "cannot read the clock");
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (set(o->as_of))
		snprintf(p->as_of, sizeof(p->as_of), "%.10s", o->as_of);
	if (!set(o->period)) {
		/* still reject a bad --as-of, even when nothing uses it */
		return set(o->as_of) ? sk_extract_period("all", o->as_of, p->from, p->to, err) : 0;
	}
	return sk_extract_period(o->period, set(o->as_of) ? o->as_of : today, p->from, p->to, err);
}

static int plan_init(struct plan *p, struct sk_step *s, const struct sk_extract_spec *spec,
		     const struct sk_extract_opts *o, struct sk_err *err)
{
	long rt;

	memset(p, 0, sizeof(*p));
	if (sk_gate_rows_parse(o->min_rows, "--min-rows", &p->min_rows, err) < 0)
		return -1;
	if (!(p->quality = sk_quality_open(sk_step_name(s), o->quality,
					   sk_opt_given_as("--quality"), err)))
		return -1;
	if (set(o->read_timeout) && sk_pg_read_timeout_parse(o->read_timeout,
		    sk_opt_given_as("--read-timeout"), &rt, err) < 0)
		return -1;
	if (set(o->source) && strcmp(o->source, "postgres") != 0) {
		if (strncmp(o->source, "file:", 5) != 0 || !o->source[5])
			return sk_err_set(err, SK_E_USAGE, "%s '%s': use postgres or file:PATH",
					  sk_opt_given_as("--source"), o->source);
		p->file = o->source + 5;
	}
	if (set(o->query) && set(o->query_file))
		return sk_err_set(err, SK_E_USAGE, "%s and %s exclude each other",
				  sk_opt_given_as("--query"), sk_opt_given_as("--query-file"));
	if (p->file && (set(o->query) || set(o->query_file)))
		return sk_err_set(err, SK_E_USAGE, "%s needs the postgres source, not '%s'",
				  sk_opt_given_as(set(o->query) ? "--query" : "--query-file"),
				  o->source);
	if (plan_range(p, spec, o, err) < 0)
		return -1;
	if (sk_step_path(s, p->out, o->out, spec->out_name, err) < 0)
		return -1;
	if (set(o->query)) {
		p->query_src = sk_opt_given_as("--query");
		if (!(p->query = strdup(o->query)))
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
	} else if (set(o->query_file)) {
		p->query_src = sk_opt_given_as("--query-file");
		if (!(p->query = sk_read_small_file(o->query_file, QUERY_FILE_MAX, 1, err)))
			return sk_err_prefix(err, "%s", p->query_src);
	}
	if (p->query) {
		/* COPY (...) and DECLARE ... FOR take one statement without ';' */
		size_t n = strlen(p->query);
		while (n > 0 && strchr(" \t\r\n;", p->query[n - 1]))
			p->query[--n] = '\0';
		if (n == 0)
			return sk_err_set(err, SK_E_USAGE, "%s: the query is empty", p->query_src);
	}
	return 0;
}

static void plan_release(struct plan *p)
{
	free(p->query);
	p->query = NULL;
	sk_quality_close(p->quality);
	p->quality = NULL;
}

/* The directory the output goes to: created if missing. */
static int make_out_dir(const struct plan *p, struct sk_err *err)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", p->out);
	return sk_mkdir_p(dirname(copy), err);
}

/* file:PATH names the file, or a directory holding the step's file. */
static int resolve_in(struct plan *p, const struct sk_extract_spec *spec, struct sk_err *err)
{
	struct stat st;

	if (stat(p->file, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (snprintf(p->in, sizeof(p->in), "%s/%s", p->file, spec->out_name) >=
		    (int)sizeof(p->in))
			return sk_err_set(err, SK_E_USAGE, "'%s': path too long", p->file);
	} else if (snprintf(p->in, sizeof(p->in), "%s", p->file) >= (int)sizeof(p->in)) {
		return sk_err_set(err, SK_E_USAGE, "'%s': path too long", p->file);
	}
	return 0;
}

/* ---- rows ---- */

/* The first field that breaks the spec: its index, or -1; `why` says how. */
static int bad_field(const struct sk_extract_spec *spec, const char *const *f,
		     const size_t *len, const char **why)
{
	for (size_t i = 0; i < spec->ncols; i++) {
		const struct sk_extract_col *c = &spec->cols[i];
		long long v;

		if (len[i] == 0) {
			if (c->required) {
				*why = "is empty";
				return (int)i;
			}
			continue;
		}
		switch (c->kind) {
		case SK_FIELD_TEXT:
			break;
		case SK_FIELD_INT:
			if (sk_parse_int(f[i], len[i], &v) < 0) {
				*why = "is not an integer";
				return (int)i;
			}
			break;
		case SK_FIELD_TIMESTAMP:
			if (!sk_is_timestamp(f[i], len[i])) {
				*why = "is not a timestamp YYYY-MM-DDTHH:MM:SS";
				return (int)i;
			}
			break;
		case SK_FIELD_MONEY:
			if (sk_money_parse(f[i], len[i], &v) < 0) {
				*why = "is not a decimal with at most 2 fraction digits";
				return (int)i;
			}
			break;
		case SK_FIELD_DATE:
			if (!sk_is_date(f[i], len[i])) {
				*why = "is not a date YYYY-MM-DD";
				return (int)i;
			}
			break;
		}
	}
	return -1;
}

/* What a row goes through, whatever its source. */
struct sink {
	struct sk_step *step;
	const struct sk_extract_spec *spec;
	const struct plan *plan;
	struct sk_csv_writer *w;
	long long in, out, skipped;
	char newest[11];            /* the newest date of the range column written */
	char where[PATH_MAX + 300]; /* "'file'" or "postgres host=..." */
};

/* Check, filter and write one row; `line` is a file line or a result row. */
static int put_row(struct sink *k, const char *const *f, const size_t *len, size_t n,
		   const char *unit, unsigned long long line, struct sk_err *err)
{
	const struct sk_extract_spec *spec = k->spec;
	const char *why = NULL;
	int bad;

	k->in++;
	if (n != spec->ncols)
		return sk_err_set(err, SK_E_DATA, "%s: %s %llu: %zu fields, expected %zu", k->where,
				  unit, line, n, spec->ncols);
	bad = bad_field(spec, f, len, &why);
	if (bad >= 0 && len[bad] == 0)
		return sk_err_set(err, SK_E_DATA, "%s: %s %llu: %s %s", k->where, unit, line,
				  spec->cols[bad].name, why);
	if (bad >= 0) {
		size_t show = len[bad] > SHOW_MAX ? SHOW_MAX : len[bad];
		return sk_err_set(err, SK_E_DATA, "%s: %s %llu: %s '%.*s%s' %s", k->where, unit, line,
				  spec->cols[bad].name, (int)show, f[bad],
				  show < len[bad] ? "..." : "", why);
	}
	/* a file source is filtered here; the database filters in SQL */
	if (k->plan->file && k->plan->from[0] && spec->range_col >= 0) {
		const char *d = f[spec->range_col];
		if (memcmp(d, k->plan->from, 10) < 0 || memcmp(d, k->plan->to, 10) > 0) {
			k->skipped++;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		sk_csv_put(k->w, f[i], len[i]);
	if (sk_csv_end_row(k->w, err) < 0)
		return -1;
	k->out++;
	sk_quality_row(k->plan->quality, len);
	if (spec->range_col >= 0 && memcmp(f[spec->range_col], k->newest, 10) > 0)
		memcpy(k->newest, f[spec->range_col], 10);
	sk_step_progress(k->step, (unsigned long long)k->in);
	return 0;
}

static int on_pg_row(void *ctx, const struct sk_pg_row *row, struct sk_err *err)
{
	return put_row(ctx, row->f, row->len, row->n, "result row", row->num, err);
}

static struct sk_csv_writer *create_out(const struct sink *k, struct sk_err *err)
{
	const char *names[SK_CSV_MAX_COLS];

	for (size_t i = 0; i < k->spec->ncols && i < SK_CSV_MAX_COLS; i++)
		names[i] = k->spec->cols[i].name;
	return sk_csv_create(k->plan->out, names, k->spec->ncols, err);
}

static int from_file(struct sink *k, struct sk_err *err)
{
	const char *names[SK_CSV_MAX_COLS];
	struct sk_csv_reader *r = NULL;
	struct sk_csv_row row;
	struct sk_file_info info;
	int rc, ret = -1;

	for (size_t i = 0; i < k->spec->ncols && i < SK_CSV_MAX_COLS; i++)
		names[i] = k->spec->cols[i].name;
	snprintf(k->where, sizeof(k->where), "'%s'", k->plan->in);
	if (!(r = sk_csv_open(k->plan->in, names, k->spec->ncols, err)))
		goto out;
	if (!(k->w = create_out(k, err)))
		goto out;
	while ((rc = sk_csv_next(r, &row, err)) > 0)
		if (put_row(k, row.f, row.len, row.n, "line", row.line, err) < 0)
			goto out;
	if (rc < 0)
		goto out;
	if (sk_csv_digest(r, &info) == 0)
		sk_step_input_info(k->step, &info); /* lineage: size and sha256 */
	ret = 0;
out:
	sk_csv_close(r);
	return ret;
}

/* ---- postgres ---- */

/* Append `: advice` to the message already in `err`, keeping its code. */
static void advise(struct sk_err *err, const char *fmt, ...) SK_PRINTF(2, 3);
static void advise(struct sk_err *err, const char *fmt, ...)
{
	size_t n = strlen(err->msg);
	va_list ap;

	if (n + 3 >= sizeof(err->msg))
		return;
	memcpy(err->msg + n, ": ", 3);
	va_start(ap, fmt);
	vsnprintf(err->msg + n + 2, sizeof(err->msg) - n - 2, fmt, ap);
	va_end(ap);
}

/* What to do about a server error, when we know better than the server. */
static void pg_advice(struct sk_pg *db, const struct sk_extract_spec *spec,
		      const struct plan *p, struct sk_err *err)
{
	const char *st = sk_pg_sqlstate(db);

	if (!strcmp(st, "42P01") && !p->query)
		advise(err, "create the tables with scripts/schema.sql");
	else if (!strcmp(st, "42501"))
		advise(err, "grant SELECT on %s to %s", p->query ? "the tables of the query" : spec->table,
		       sk_pg_user(db));
}

static struct sk_pg *pg_connect(struct sk_step *s, const struct sk_extract_opts *o,
				struct sk_err *err)
{
	char source[300];
	struct sk_pg_step_conf c = {
		.db = o->db,
		.db_name = sk_opt_given_as("--db"),
		.read_timeout = o->read_timeout,
		.read_timeout_name = sk_opt_given_as("--read-timeout"),
		.otherwise = "use --source file:DIR",
	};
	struct sk_pg *db = sk_pg_step_open(&c, err);

	if (db) {
		snprintf(source, sizeof(source), "postgres %s", sk_pg_target(db));
		sk_step_detail(s, "source", source);
	}
	return db;
}

/* The query to run and its parameters; the default query gets its range as literals. */
static int build_query(struct sk_pg *db, const struct sk_extract_spec *spec,
		       const struct plan *p, struct sk_buf *q, struct sk_err *err)
{
	char *from = NULL, *to = NULL;
	int ret = -1;

	if (p->query)
		return sk_buf_adds(q, p->query, err);
	if (sk_buf_adds(q, spec->select, err) < 0)
		goto out;
	if (p->from[0]) {
		/* COPY cannot bind parameters. The dates passed sk_is_date (digits
		 * and dashes only) and are quoted by libpq on top: no text of the
		 * user's reaches the SQL unquoted. */
		if (!(from = sk_pg_literal(db, p->from, err)) || !(to = sk_pg_literal(db, p->to, err)))
			goto out;
		if (sk_buf_addf(q, err, " WHERE %s >= %s::date AND %s < %s::date + 1", spec->range_sql,
				from, spec->range_sql, to) < 0)
			goto out;
	}
	if (sk_buf_addf(q, err, " ORDER BY %s", spec->order_by) < 0)
		goto out;
	ret = 0;
out:
	free(from);
	free(to);
	return ret;
}

/*
 * Describe the query before moving data: a custom query must return the
 * spec's number of columns, and use $1 and $2 exactly when a range is set.
 * Sets `*nparams`.
 */
static int check_query(struct sk_pg *db, const struct sk_extract_spec *spec,
		       const struct plan *p, const char *sql, int *nparams, struct sk_err *err)
{
	int ncols;

	if (sk_pg_describe(db, sql, &ncols, nparams, err) < 0) {
		pg_advice(db, spec, p, err);
		if (p->query)
			sk_err_prefix(err, "%s", p->query_src);
		return -1;
	}
	if (ncols != (int)spec->ncols) {
		char names[512] = "";
		size_t o = 0;

		for (size_t i = 0; i < spec->ncols && o < sizeof(names); i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", i ? "," : "",
					      spec->cols[i].name);
		return sk_err_set(err, p->query ? SK_E_USAGE : SK_E_PERMANENT,
				  "%s returns %d columns, expected %zu: %s",
				  p->query ? p->query_src : "the default query", ncols, spec->ncols,
				  names);
	}
	if (!p->query)
		return 0;
	if (p->from[0] && *nparams != 2)
		return sk_err_set(err, SK_E_USAGE,
				  "%s uses %d parameters: with --from/--to or --period it must use "
				  "$1 (first day) and $2 (last day, inclusive)",
				  p->query_src, *nparams);
	if (!p->from[0] && *nparams != 0)
		return sk_err_set(err, SK_E_USAGE,
				  "%s uses $1..$%d: give the range with --from/--to or --period",
				  p->query_src, *nparams);
	return 0;
}

static int from_postgres(struct sink *k, const struct sk_extract_opts *o, struct sk_err *err)
{
	const struct plan *p = k->plan;
	struct sk_buf q = SK_BUF_INIT(QUERY_FILE_MAX + 4096);
	struct sk_pg *db = NULL;
	const char *params[2] = {p->from, p->to};
	char range[32] = "";
	int nparams = 0, ret = -1;

	if (!(db = pg_connect(k->step, o, err)))
		goto out;
	snprintf(k->where, sizeof(k->where), "postgres %s", sk_pg_target(db));
	if (build_query(db, k->spec, p, &q, err) < 0 ||
	    check_query(db, k->spec, p, q.data, &nparams, err) < 0)
		goto out;
	if (p->from[0])
		snprintf(range, sizeof(range), " for %.10s..%.10s", p->from, p->to);
	sk_infof("postgres %s: reading %s%s", sk_pg_target(db),
		 p->query ? p->query_src : k->spec->table, range);
	sk_debugf("query: %s", q.data);
	if (!(k->w = create_out(k, err)))
		goto out;
	if (sk_pg_stream(db, q.data, nparams, params, on_pg_row, k, err) < 0) {
		pg_advice(db, k->spec, p, err);
		goto out;
	}
	ret = 0;
out:
	sk_pg_close(db);
	sk_buf_release(&q);
	return ret;
}

/* ---- the step ---- */

static void record_plan(struct sk_step *s, const struct plan *p)
{
	char range[32];

	if (p->file) {
		char src[PATH_MAX + 8];

		snprintf(src, sizeof(src), "file:%s", p->in);
		sk_step_detail(s, "source", src);
		sk_step_input(s, p->in);
	} else {
		sk_step_detail(s, "source", "postgres"); /* the target once connected */
	}
	sk_step_detail(s, "query", p->file ? "none" : p->query ? p->query_src : "default");
	if (p->from[0])
		snprintf(range, sizeof(range), "%s..%s", p->from, p->to);
	else
		snprintf(range, sizeof(range), "all");
	sk_step_detail(s, "range", range);
}

/* The quality checks (quality.h), the shorthand gate --min-rows among them.
 * Freshness counts to the end of the range, else to --as-of, else today. */
static int grade(struct sk_step *s, struct plan *p, const struct sink *k, struct sk_err *err)
{
	struct sk_quality_facts f;
	time_t now = time(NULL);
	struct tm tm;

	sk_quality_facts_init(&f);
	f.rows = k->out;
	f.out = p->out;
	f.min_rows = p->min_rows;
	snprintf(f.newest, sizeof(f.newest), "%s", k->newest);
	if (p->to[0]) {
		snprintf(f.ref_date, sizeof(f.ref_date), "%s", p->to);
		f.ref_what = "the end of the range";
	} else if (p->as_of[0]) {
		snprintf(f.ref_date, sizeof(f.ref_date), "%s", p->as_of);
		f.ref_what = "--as-of";
	} else if (gmtime_r(&now, &tm)) {
		strftime(f.ref_date, sizeof(f.ref_date), "%Y-%m-%d", &tm);
		f.ref_what = "today, UTC";
	}
	return sk_quality_finish(s, p->quality, &f, NULL, err);
}

int sk_extract_run(struct sk_step *s, const struct sk_extract_spec *spec,
		   const struct sk_extract_opts *o, struct sk_err *err)
{
	struct plan p;
	struct sink k;
	struct sk_file_info info;
	int ret = -1;

	memset(&k, 0, sizeof(k));
	if (plan_init(&p, s, spec, o, err) < 0)
		goto out;
	if (p.file && resolve_in(&p, spec, err) < 0)
		goto out;
	record_plan(s, &p);
	if (make_out_dir(&p, err) < 0)
		goto out;
	k.step = s;
	k.spec = spec;
	k.plan = &p;
	if ((p.file ? from_file(&k, err) : from_postgres(&k, o, err)) < 0 ||
	    grade(s, &p, &k, err) < 0)
		goto out;
	if (sk_csv_commit(k.w, &info, err) < 0) {
		k.w = NULL;
		goto out;
	}
	k.w = NULL;
	sk_step_output(s, &info);
	if (k.skipped)
		sk_step_dropped(s, "out_of_range", k.skipped);
	sk_infof("wrote '%s': %lld rows", info.path, k.out);
	if (k.out == 0) /* an empty night must not look like a good one */
		sk_warnf("no rows%s%s%s%s: '%s' holds only its header, so the reports will be empty",
			 p.from[0] ? " from " : "", p.from, p.from[0] ? " to " : "", p.to, info.path);
	ret = 0;
out:
	sk_csv_abort(k.w);
	sk_step_rows(s, k.in, ret == 0 ? k.out : 0);
	plan_release(&p);
	return ret;
}

int sk_extract_check(struct sk_step *s, const struct sk_extract_spec *spec,
		     const struct sk_extract_opts *o, struct sk_err *err)
{
	struct plan p;
	struct sk_pg *db = NULL;
	struct sk_csv_reader *r = NULL;
	struct sk_buf q = SK_BUF_INIT(QUERY_FILE_MAX + 4096);
	const char *names[SK_CSV_MAX_COLS];
	int nparams = 0, ret = -1;

	if (plan_init(&p, s, spec, o, err) < 0)
		goto out;
	if (make_out_dir(&p, err) < 0 || sk_check_writable(p.out, err) < 0) {
		advise(err, "the output directory must be writable by this user (or its group)");
		goto out;
	}
	sk_infof("output '%s': directory writable", p.out);
	if (p.file) {
		for (size_t i = 0; i < spec->ncols && i < SK_CSV_MAX_COLS; i++)
			names[i] = spec->cols[i].name;
		if (resolve_in(&p, spec, err) < 0 || !(r = sk_csv_open(p.in, names, spec->ncols, err)))
			goto out;
		sk_infof("source '%s': readable, header ok", p.in);
	} else {
		if (!(db = pg_connect(s, o, err)))
			goto out;
		sk_infof("postgres %s: connected", sk_pg_target(db));
		if (build_query(db, spec, &p, &q, err) < 0 ||
		    check_query(db, spec, &p, q.data, &nparams, err) < 0)
			goto out;
		if (sk_pg_probe(db, q.data, nparams, err) < 0) {
			pg_advice(db, spec, &p, err);
			goto out;
		}
		sk_infof("postgres %s: %s readable, %zu columns", sk_pg_target(db),
			 p.query ? p.query_src : spec->table, spec->ncols);
	}
	ret = 0;
out:
	sk_csv_close(r);
	sk_pg_close(db);
	sk_buf_release(&q);
	plan_release(&p);
	return ret;
}

int sk_extract_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	const struct sk_extract_tool *t = sk_step_ctx(s);

	(void)argc, (void)argv;
	return sk_extract_run(s, t->spec, t->opts, err);
}

int sk_extract_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	const struct sk_extract_tool *t = sk_step_ctx(s);

	(void)argc, (void)argv;
	return sk_extract_check(s, t->spec, t->opts, err);
}
