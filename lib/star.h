/*
 * star.h: the sales star schema target of load-postgres (--target
 * sales-star): transformed_data.csv (SPEC.md section 3) into the tables of
 * scripts/warehouse.sql, dim_customer, dim_product, dim_date and
 * fact_sales, whose views sales_report, customer_report and product_report
 * give the reports of SPEC.md section 4 byte for byte (COPY (SELECT * FROM
 * view) TO STDOUT WITH (FORMAT csv, HEADER)).
 *
 * The file goes by COPY into a temporary table (every column as text, and
 * each row's line), is checked (the formats of SPEC section 3; a key
 * (invoice_no, stock_code) twice is an error naming both lines), then the
 * dimensions are upserted (a changed attribute updates the row) and the
 * facts upserted by their natural key (invoice_no, stock_code), touching
 * only rows that changed: loading overlapping periods again leaves the same
 * state and reports them unchanged. In the caller's transaction.
 */
#ifndef SK_STAR_H
#define SK_STAR_H

#include "errors.h"
#include "load.h"
#include "pg.h"

#define SK_STAR_FILE "transformed_data.csv"

struct sk_step;

/* Load `path` into the star. Counts are the facts'. 0, or -1 with `err`. */
int sk_star_load(struct sk_pg *db, const char *path, struct sk_step *s,
		 struct sk_load_counts *c, struct sk_err *err);

/*
 * --check: the file's header is transformed_data.csv's, the four tables
 * and three views exist (else: run scripts/warehouse.sql), and the user
 * may insert and update them. 0, or -1 with `err`.
 */
int sk_star_check(struct sk_pg *db, const char *path, struct sk_err *err);

#endif
