/*
 * extract.h: the shared work of the three extract steps (extract-sales,
 * extract-customers, extract-products). A tool supplies a spec (its output
 * file, its SPEC.md section 2 columns and their formats, its default query)
 * and an options struct filled by the step runtime; this module does the
 * rest:
 *
 *   source postgres (default): connect the libpq way (pg.h), describe the
 *       query (default or --query/--query-file: it must return the spec's
 *       columns in order), stream its rows;
 *   source file:PATH: read PATH (or PATH/<output name> when PATH is a
 *       directory) with the strict CSV reader, header checked;
 *
 * then check every row against the spec (field count, integer, timestamp,
 * money with at most two decimals, date: messages name the file or result
 * row, the line and the field), keep the rows in the date range (sales),
 * and write them through the CSV writer to WORKDIR/<output name> (or
 * --out), atomically. The writer quotes minimally, so a file source comes
 * out normalised: `"85123A"` is written `85123A`, as from the database, and
 * both sources give the same bytes for the same rows.
 *
 * Date range (sales only): --from/--to (inclusive calendar dates) or
 * --period current-month|previous-month|daily|all, relative to --as-of
 * (default: today's UTC date; daily = the day before). The default query
 * gets the dates as quoted literals (validated as dates first, then quoted
 * by libpq); a custom query gets them as bound parameters $1 and $2 (a
 * server-side cursor: COPY cannot bind), and must use both.
 *
 * Events: rows in (read) and out (written), the output file, details
 * "source" (postgres host/port/dbname/user, never a password; or the file),
 * "query" (default or custom), "range".
 */
#ifndef SK_EXTRACT_H
#define SK_EXTRACT_H

#include "errors.h"
#include "gate.h"
#include "quality.h"
#include "step.h"

#include <stddef.h>

/* How a column's values are checked (an empty value passes unless required). */
enum sk_field_kind {
	SK_FIELD_TEXT,      /* anything */
	SK_FIELD_INT,       /* sk_parse_int */
	SK_FIELD_TIMESTAMP, /* YYYY-MM-DDTHH:MM:SS, a real date and time */
	SK_FIELD_MONEY,     /* decimal, at most two fraction digits */
	SK_FIELD_DATE       /* YYYY-MM-DD, a real date */
};

struct sk_extract_col {
	const char *name;        /* header name, SPEC section 2 */
	enum sk_field_kind kind;
	int required;            /* an empty value is an error */
};

struct sk_extract_spec {
	const char *table;       /* "sales": named in --check results and advice */
	const char *out_name;    /* "raw_sales.csv": output, and the file inside a file:DIR source */
	const struct sk_extract_col *cols;
	size_t ncols;
	/* Default query without ORDER BY: "SELECT <cols formatted per SPEC> FROM t". */
	const char *select;
	/* SQL expression the date range applies to ("invoice_date"), or NULL: no range. */
	const char *range_sql;
	int range_col;           /* its column in the output (file sources), -1 if none */
	const char *order_by;    /* "id": the default query's row order */
};

/* Option values (borrowed strings from argv or environ; NULL when unset). */
struct sk_extract_opts {
	const char *source, *db, *query, *query_file, *out;
	const char *read_timeout;               /* seconds without data from the server */
	const char *min_rows;                   /* gate: at least N rows (gate.h) */
	const char *quality;                    /* --quality FILE (quality.h) */
	const char *from, *to, *period, *as_of; /* sales only */
};

/*
 * The options every extract tool has, for its struct sk_opt table; `out_env`
 * names the environment variable of --out: the one transform reads the
 * file from (STEPKIT_SALES_FILE...), so one setting serves both steps.
 */
#define SK_EXTRACT_OPTS(o, out_env)                                                                \
	{"source", "STEPKIT_SOURCE", "SRC", "postgres (default) or file:PATH (a CSV file, or a directory holding it)", &(o).source}, \
	{"db", "STEPKIT_DB", "CONNINFO", "conninfo string or URI (else libpq's PGHOST, PGPORT, PGDATABASE, PGUSER...)", &(o).db}, \
	{"query", "STEPKIT_QUERY", "SQL", "replace the default query (must return the columns named above, in order)", &(o).query}, \
	{"query-file", "STEPKIT_QUERY_FILE", "FILE", "read the query from FILE", &(o).query_file}, \
	{"out", out_env, "FILE", "write FILE instead of the default name in WORKDIR", &(o).out}, \
	{"read-timeout", "STEPKIT_PG_READ_TIMEOUT", "SECONDS", "fail (exit 75) when the server sends nothing for this long (default 300; 0: never)", &(o).read_timeout}, \
	SK_GATE_MIN_ROWS_OPT((o).min_rows), \
	SK_QUALITY_OPT((o).quality)

/* The date-range options of extract-sales. */
#define SK_EXTRACT_RANGE_OPTS(o)                                                                   \
	{"from", "STEPKIT_FROM", "DATE", "first day to extract (YYYY-MM-DD, with --to)", &(o).from}, \
	{"to", "STEPKIT_TO", "DATE", "last day to extract, inclusive", &(o).to}, \
	{"period", "STEPKIT_PERIOD", "P", "current-month, previous-month, daily (yesterday) or all", &(o).period}, \
	{"as-of", "STEPKIT_AS_OF", "DATE", "the day --period counts from (default: today, UTC; or a time like 2024-05-01T00:00:00Z: its date)", &(o).as_of}

/* --help text shared by the three tools (after their own lines). */
#define SK_EXTRACT_HELP                                                                            \
	"PostgreSQL: libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER,\n"                    \
	"PGPASSWORD, PGPASSFILE, PGSSLMODE...) or --db; the password may also come\n"              \
	"from the file named by PGPASSWORD_FILE, never from --db. connect_timeout\n"               \
	"defaults to 10 s. Server NOTICE and WARNING lines are logged.\n"                          \
	"A custom query returns the columns above in order, formatted as SPEC.md\n"                 \
	"wants them; values are checked like a file's.\n"                                           \
	"A file source is checked (header, field count, formats) and written back\n"               \
	"in the SPEC dialect: quotes only where needed, so \"85123A\" becomes 85123A.\n"

/*
 * Run the extract: validate the options (SK_E_USAGE), read the source,
 * write the output atomically, record the event. 0, or -1 with `err`; on
 * failure or signal no output and no temporary file is left.
 */
int sk_extract_run(struct sk_step *s, const struct sk_extract_spec *spec,
		   const struct sk_extract_opts *o, struct sk_err *err);

/*
 * --check: the options, the output directory (writable), and the source:
 * the file's header, or the database (reachable, login accepted, query valid
 * with the right columns, table readable). Moves no data. 0, or -1 with
 * `err` saying what failed and what to do.
 */
int sk_extract_check(struct sk_step *s, const struct sk_extract_spec *spec,
		     const struct sk_extract_opts *o, struct sk_err *err);

/* What an extract tool hands its shared run/check through struct sk_tool's `ctx`. */
struct sk_extract_tool {
	const struct sk_extract_spec *spec;
	const struct sk_extract_opts *opts;
};

/* sk_extract_run / sk_extract_check for a tool whose `ctx` is a struct sk_extract_tool. */
int sk_extract_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err);
int sk_extract_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err);

/*
 * The date range a period names, relative to `as_of` (YYYY-MM-DD, or an
 * RFC 3339 time such as Argo's {{workflow.scheduledTime}}, of which the date
 * is taken as written): "current-month" and "previous-month" are whole
 * calendar months, "daily" the day before `as_of`, "all" no range (`from`
 * and `to` left empty). Fills `from` and `to` (YYYY-MM-DD). 0, or -1 with
 * `err` (SK_E_USAGE) for an unknown period or a bad date. Exposed for the
 * unit test.
 */
int sk_extract_period(const char *period, const char *as_of, char from[11], char to[11],
		      struct sk_err *err);

#endif
