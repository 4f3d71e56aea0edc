/*
 * transform.h: the transform step of SPEC.md section 3.
 *
 * Reads raw_sales.csv, customer_data.csv and product_data.csv and writes
 * transformed_data.csv: the sales rows in file order, minus later repeats of
 * an (invoice_no, stock_code) pair, with GUEST for an empty customer_id,
 * |quantity|, |unit_price|, line_total = quantity x unit_price in integer
 * cents, left-joined to the customer and product rows, description Unknown
 * when missing. Column order and money format are SPEC's, byte for byte.
 *
 * Keys (the dedup pair and both join keys) are the exact unquoted bytes: a
 * needlessly quoted "85123A" equals 85123A, 536365 differs from C536365,
 * and NA, null or 12346 are ordinary text. A dimension file that repeats a
 * key keeps its first row; the repeats are counted in the event.
 *
 * Validation is strict, because every later step trusts this file. A sales
 * row must have a non-empty invoice_no and stock_code, an integer quantity
 * (at most 18 digits), an invoice_date "YYYY-MM-DDTHH:MM:SS" that is a real
 * date and time, a unit_price with at most two decimals, and a line total
 * that fits in 64 bits. Dimension rows must have a non-empty key, and a
 * product's unit_cost must be empty or a decimal with at most two decimals:
 * SPEC passes unit_cost through as read, but a malformed cost is a broken
 * extract we would rather stop on than copy downstream. customer_id, names,
 * countries, segments, signup dates, descriptions and categories are text.
 * Every violation is SK_E_DATA naming file, line, field and value, e.g.
 *   'raw_sales.csv': line 7: quantity 'x12' is not an integer
 *
 * Memory grows with the distinct keys (invoices, stock codes, customers,
 * products and the dimension text), never with the number of rows: the
 * sales file is streamed, and a dedup key costs a few bytes (see
 * transform.c).
 *
 * Event counts (always present, 0 when nothing happened):
 *   customers, products              distinct keys loaded
 *   customers_duplicate_key,
 *   products_duplicate_key           dimension rows ignored (key repeated)
 *   dropped_duplicate                sales rows dropped by the dedup rule
 *   guest                            output rows whose customer_id was empty
 *   customer_unmatched               output rows without a customer row
 *                                    (GUEST included, unless customer_data
 *                                    has a GUEST row)
 *   product_unmatched                output rows without a product row
 *   description_unknown              output rows given description Unknown
 * rows_in counts the data rows of raw_sales.csv, rows_out the rows written.
 */
#ifndef SK_TRANSFORM_H
#define SK_TRANSFORM_H

#include "errors.h"

struct sk_step;

/* Default file names, inside the work directory. */
#define SK_TRANSFORM_SALES "raw_sales.csv"
#define SK_TRANSFORM_CUSTOMERS "customer_data.csv"
#define SK_TRANSFORM_PRODUCTS "product_data.csv"
#define SK_TRANSFORM_OUT "transformed_data.csv"

/* The settings of one run, as given (NULL or "": the default). */
struct sk_transform_opts {
	const char *sales;         /* the files: default names above, in WORKDIR */
	const char *customers;
	const char *products;
	const char *out;
	const char *min_rows;      /* gate: at least N rows written (gate.h) */
	const char *max_unmatched; /* gate: at most PERCENT of the rows written with a
				      customer_id (not GUEST) or a stock_code missing
				      from its dimension file, each counted alone */
	const char *quality;       /* --quality FILE (quality.h) */
};

/*
 * Run the transform and record inputs, output (bytes, sha256), rows and
 * counts in the step's event. Returns 0, or -1 with `err`: SK_E_IO for a
 * missing or unreadable input or an unwritable output, SK_E_DATA for input
 * that breaks the contract, SK_E_USAGE for a bad gate setting,
 * SK_E_QUALITY for a gate that failed, SK_E_NOMEM, SK_E_INTERRUPTED. On
 * failure the output file is untouched and no temporary file is left.
 */
int sk_transform_run(struct sk_step *s, const struct sk_transform_opts *files,
		     struct sk_err *err);

/*
 * --check: the three inputs exist and have the right headers, and a file can
 * be created (and is removed again) in the output's directory. Reads no data
 * rows, writes nothing. Returns 0, or -1 with `err` as above.
 */
int sk_transform_check(struct sk_step *s, const struct sk_transform_opts *files,
		       struct sk_err *err);

#endif
