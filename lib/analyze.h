/*
 * analyze.h: the three analysis steps of SPEC.md section 4, shared by
 * analyze-sales, analyze-customers and analyze-products.
 *
 * Each step reads transformed_data.csv (the 14 columns of SPEC section 3,
 * header checked exactly), groups its rows by one key and writes one report
 * through the atomic CSV writer:
 *
 *   report     group key                 distinct count         also
 *   sales      date (invoice_date[0:10]) invoice_no: invoices   lines
 *   customers  customer_id               invoice_no: orders     country, first
 *                                                               and last date
 *   products   stock_code                customer_id: customers description,
 *                                                               category
 *
 * Input rows are validated strictly; a row that breaks the contract stops the
 * step with SK_E_DATA and a message naming the file, line, field and value:
 *   - quantity: a plain non-negative integer ("0" or no leading zero, at most
 *     18 digits);
 *   - unit_price, line_total: SPEC money, "INT.DD" (no sign, no leading zero
 *     in INT unless it is "0", exactly two fraction digits);
 *   - line_total must equal quantity x unit_price (SPEC section 3 step 4);
 *   - invoice_date: a real "YYYY-MM-DDTHH:MM:SS" timestamp.
 * Text fields (ids, names, descriptions) are taken as they are.
 *
 * The per-group text columns (customer_report.country, product_report
 * description and category) are, by SPEC, equal on all rows of the group
 * (they come from a join on the group key). A file where they differ was not
 * written by a correct transform, so instead of silently picking one (the
 * first row's, as pandas' groupby().first() would) the step fails with
 * SK_E_DATA naming the later line, the key and both values.
 *
 * Sums are exact, in integer cents, with overflow checks (SK_E_DATA). The
 * output order is SPEC's: sales by date ascending; customers and products by
 * revenue descending, then key ascending in byte order (memcmp, a shorter
 * prefix first). Memory grows with the number of groups and of distinct
 * (group, value) pairs, never with the number of rows; the input order only
 * changes how often the caches described in analyze.c hit, never the result.
 */
#ifndef SK_ANALYZE_H
#define SK_ANALYZE_H

#include "errors.h"

struct sk_step;

/* Which report a step writes. */
enum sk_report {
	SK_REPORT_SALES,     /* sales_report.csv */
	SK_REPORT_CUSTOMERS, /* customer_report.csv */
	SK_REPORT_PRODUCTS   /* product_report.csv */
};

/* The default input file name, in the work directory. */
#define SK_ANALYZE_INPUT "transformed_data.csv"

/* What one analyze tool asks for: the report and its --in / --out values. */
struct sk_analyze_opts {
	enum sk_report report;
	const char *in;  /* input path, or NULL/"" for WORKDIR/transformed_data.csv */
	const char *out; /* output path, or NULL/"" for WORKDIR/<the report's name> */
	const char *threads; /* "1" to "8", or NULL/"" for the CPUs available, at most 4 */
	const char *min_rows; /* gate: at least N report rows (gate.h), or NULL/"" */
	const char *quality;  /* --quality FILE (quality.h), or NULL/"" */
	const char *ignore_upstream; /* read the input even after transform failed (upstream.h) */
};

/*
 * Read the input, aggregate, write the report atomically and record the
 * input, the output (bytes, sha256), rows_in (data rows read) and rows_out
 * (report rows) in the step's event. Returns 0, or -1 with `err`: SK_E_IO for
 * a missing or unreadable input or an unwritable output, SK_E_DATA for input
 * that breaks the contract, SK_E_NOMEM, SK_E_INTERRUPTED. On failure the
 * output file is untouched and no temporary file is left.
 */
int sk_analyze_run(struct sk_step *s, const struct sk_analyze_opts *o, struct sk_err *err);

/*
 * --check: the input exists and has the right header, and a file can be
 * created (and is removed again) in the output's directory. Reads no data
 * rows, writes no report. Returns 0, or -1 with `err` as above.
 */
int sk_analyze_check(struct sk_step *s, const struct sk_analyze_opts *o, struct sk_err *err);

/*
 * The run and check of an analysis tool, for its struct sk_tool: the tool's
 * `ctx` is its struct sk_analyze_opts; positional arguments are not taken.
 */
int sk_analyze_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err);
int sk_analyze_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err);

#endif
