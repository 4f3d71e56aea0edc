#include "base.h"
#include "star.h"
#include "buf.h"
#include "csvio.h"
#include "pgbin.h"
#include "pgexec.h"

#define STAGE "stepkit_star"
#define CHANGED "stepkit_star_changed"

/* transformed_data.csv, SPEC.md section 3 */
static const char *const cols[] = {
	"invoice_no", "stock_code", "quantity", "invoice_date", "unit_price", "customer_id",
	"line_total", "customer_name", "country", "segment", "signup_date", "description",
	"category", "unit_cost",
};

/*
 * Typed, so that COPY itself rejects a bad value with its line and column;
 * NOT NULL where the transform always writes a value.
 */
static const char stage_sql[] =
	"CREATE TEMP TABLE " STAGE " (invoice_no text NOT NULL, stock_code text NOT NULL, "
	"quantity integer NOT NULL, invoice_date timestamp NOT NULL, "
	"unit_price numeric(20,2) NOT NULL, customer_id text NOT NULL, "
	"line_total numeric(20,2) NOT NULL, customer_name text, country text, segment text, "
	"signup_date date, description text NOT NULL, category text, "
	"unit_cost numeric(20,2), " SK_LOAD_LINE_COL " bigint) ON COMMIT DROP";

static const char copy_sql[] =
	"COPY pg_temp." STAGE " (invoice_no, stock_code, quantity, invoice_date, unit_price, "
	"customer_id, line_total, customer_name, country, segment, signup_date, description, "
	"category, unit_cost, " SK_LOAD_LINE_COL ") FROM STDIN";

/* the stage's types, column by column, for COPY's binary form */
static const struct sk_pgbin_col bin[] = {
	{SK_PGBIN_TEXT, -1},	  {SK_PGBIN_TEXT, -1},	  {SK_PGBIN_INT4, -1},
	{SK_PGBIN_TIMESTAMP, -1}, {SK_PGBIN_NUMERIC, -1}, {SK_PGBIN_TEXT, -1},
	{SK_PGBIN_NUMERIC, -1},	  {SK_PGBIN_TEXT, -1},	  {SK_PGBIN_TEXT, -1},
	{SK_PGBIN_TEXT, -1},	  {SK_PGBIN_DATE, -1},	  {SK_PGBIN_TEXT, -1},
	{SK_PGBIN_TEXT, -1},	  {SK_PGBIN_NUMERIC, -1},
};
_Static_assert(SK_ARRAY_SIZE(bin) == SK_ARRAY_SIZE(cols), "a type for each column");

/*
 * The dimensions: every attribute is equal on all rows of a key (the
 * transform joined them from one row), so min() picks it without a sort.
 */
static const char dim_date_sql[] =
	"INSERT INTO dim_date (date_key, year, quarter, month, day, iso_week, iso_dow) "
	"SELECT d, extract(year FROM d), extract(quarter FROM d), extract(month FROM d), "
	"extract(day FROM d), extract(week FROM d), extract(isodow FROM d) "
	"FROM (SELECT DISTINCT invoice_date::date AS d FROM pg_temp." STAGE ") x "
	"ON CONFLICT (date_key) DO NOTHING";

static const char dim_customer_sql[] =
	"INSERT INTO dim_customer AS t (customer_id, customer_name, country, segment, signup_date) "
	"SELECT customer_id, min(customer_name), min(country), min(segment), min(signup_date) "
	"FROM pg_temp." STAGE " GROUP BY customer_id "
	"ON CONFLICT (customer_id) DO UPDATE SET customer_name = EXCLUDED.customer_name, "
	"country = EXCLUDED.country, segment = EXCLUDED.segment, signup_date = EXCLUDED.signup_date "
	"WHERE ROW(t.customer_name, t.country, t.segment, t.signup_date) IS DISTINCT FROM "
	"ROW(EXCLUDED.customer_name, EXCLUDED.country, EXCLUDED.segment, EXCLUDED.signup_date)";

static const char dim_product_sql[] =
	"INSERT INTO dim_product AS t (stock_code, description, category, unit_cost) "
	"SELECT stock_code, min(description), min(category), min(unit_cost) "
	"FROM pg_temp." STAGE " GROUP BY stock_code "
	"ON CONFLICT (stock_code) DO UPDATE SET description = EXCLUDED.description, "
	"category = EXCLUDED.category, unit_cost = EXCLUDED.unit_cost "
	"WHERE ROW(t.description, t.category, t.unit_cost) IS DISTINCT FROM "
	"ROW(EXCLUDED.description, EXCLUDED.category, EXCLUDED.unit_cost)";

/*
 * The facts that are new or differ from the table's, found by one hash
 * join that reads fact_sales without locking a row: a fact that did not
 * change never reaches ON CONFLICT, which would lock (and so write) every
 * existing row it meets, changed or not.
 */
static const char changed_sql[] =
	"CREATE TEMP TABLE " CHANGED " ON COMMIT DROP AS "
	"SELECT s.invoice_no, s.stock_code, s.customer_id, s.invoice_date, s.quantity, "
	"s.unit_price, s.line_total FROM pg_temp." STAGE " s "
	"LEFT JOIN fact_sales f ON f.invoice_no = s.invoice_no AND f.stock_code = s.stock_code "
	"WHERE f.invoice_no IS NULL OR ROW(f.customer_id, f.invoice_date, f.quantity, f.unit_price, "
	"f.line_total) IS DISTINCT FROM ROW(s.customer_id, s.invoice_date, s.quantity, s.unit_price, "
	"s.line_total)";

/* ON CONFLICT still decides, so a row written meanwhile by another session is handled */
static const char fact_sql[] =
	"WITH up AS (INSERT INTO fact_sales AS t (invoice_no, stock_code, customer_id, "
	"invoice_date, quantity, unit_price, line_total) "
	"SELECT invoice_no, stock_code, customer_id, invoice_date, quantity, unit_price, line_total "
	"FROM pg_temp." CHANGED " "
	"ON CONFLICT (invoice_no, stock_code) DO UPDATE SET customer_id = EXCLUDED.customer_id, "
	"invoice_date = EXCLUDED.invoice_date, quantity = EXCLUDED.quantity, "
	"unit_price = EXCLUDED.unit_price, line_total = EXCLUDED.line_total "
	"WHERE ROW(t.customer_id, t.invoice_date, t.quantity, t.unit_price, t.line_total) "
	"IS DISTINCT FROM ROW(EXCLUDED.customer_id, EXCLUDED.invoice_date, EXCLUDED.quantity, "
	"EXCLUDED.unit_price, EXCLUDED.line_total) "
	"RETURNING (t.xmax = 0) AS ins) "
	"SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up";

static const char *const tables[] = {"dim_date", "dim_customer", "dim_product", "fact_sales"};
static const char *const views[] = {"sales_report", "customer_report", "product_report"};

/*
 * A key (invoice_no, stock_code) twice: the transform never writes one, so
 * the file is not what it should be (and ON CONFLICT would refuse, or
 * silently apply, the second row).
 */
static int repeated_key(struct sk_pg *db, const char *path, struct sk_err *err)
{
	long long first, line;
	int found = sk_load_repeated_key(db, STAGE, "invoice_no, stock_code", &first, &line, err);

	if (found <= 0)
		return found;
	return sk_err_set(err, SK_E_DATA,
			  "'%s': line %lld repeats the key (invoice_no, stock_code) of line %lld: "
			  "transformed_data.csv has each key once",
			  path, line, first);
}

/* the facts' upsert; its counts into `ctx` (a second run replaces the first's) */
static int write_facts(struct sk_pg *db, void *ctx, struct sk_err *err)
{
	struct sk_load_counts *c = ctx;

	return sk_load_count_query(db, "load fact_sales", fact_sql, 0, NULL, &c->inserted,
				   &c->updated, err);
}

int sk_star_load(struct sk_pg *db, const char *path, struct sk_step *s,
		 struct sk_load_counts *c, struct sk_err *err)
{
	long long changed;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (sk_pgx_exec(db, "create the stage table", "DROP TABLE IF EXISTS pg_temp." STAGE, 0, NULL,
			NULL, err) < 0 ||
	    sk_pgx_exec(db, "create the stage table", "DROP TABLE IF EXISTS pg_temp." CHANGED, 0,
			NULL, NULL, err) < 0 ||
	    sk_pgx_exec(db, "create the stage table", stage_sql, 0, NULL, NULL, err) < 0)
		goto out;
	if (sk_load_copy(db, path, cols, SK_ARRAY_SIZE(cols), copy_sql, STAGE, 1, bin, s, &c->read,
			 err) < 0)
		goto out;
	if (repeated_key(db, path, err) < 0)
		goto out;
	if (sk_pgx_exec(db, "load dim_date", dim_date_sql, 0, NULL, NULL, err) < 0 ||
	    sk_pgx_exec(db, "load dim_customer", dim_customer_sql, 0, NULL, NULL, err) < 0 ||
	    sk_pgx_exec(db, "load dim_product", dim_product_sql, 0, NULL, NULL, err) < 0 ||
	    sk_load_count_tag(db, "compare with fact_sales", changed_sql, &changed, err) < 0)
		goto out;
	if (changed > 0 && sk_load_bulk(db, "fact_sales", changed, 1, write_facts, c, err) < 0)
		goto out;
	c->unchanged = c->read - c->inserted - c->updated;
	ret = 0;
out:
	if (ret < 0 && (err->code == SK_E_PERMANENT) && !strncmp(sk_pg_sqlstate(db), "42P01", 5))
		sk_err_prefix(err, "the star's tables are missing (run scripts/warehouse.sql)");
	return ret;
}

int sk_star_check(struct sk_pg *db, const char *path, struct sk_err *err)
{
	struct sk_buf names = SK_BUF_INIT(1u << 20);
	struct sk_pgx_res *r = NULL;
	const char *hdr[SK_CSV_MAX_COLS];
	const char *pv[2];
	int n, ret = -1;

	n = sk_load_header(path, hdr, SK_CSV_MAX_COLS, &names, err);
	if (n < 0)
		goto out;
	for (size_t i = 0; i < SK_ARRAY_SIZE(cols); i++) {
		if ((size_t)n != SK_ARRAY_SIZE(cols) || strcmp(hdr[i], cols[i])) {
			sk_err_set(err, SK_E_DATA,
				   "'%s': line 1: not the header of transformed_data.csv (SPEC.md section 3)",
				   path);
			goto out;
		}
	}
	for (size_t i = 0; i < SK_ARRAY_SIZE(tables) + SK_ARRAY_SIZE(views); i++) {
		int is_table = i < SK_ARRAY_SIZE(tables);

		pv[0] = is_table ? tables[i] : views[i - SK_ARRAY_SIZE(tables)];
		if (sk_pgx_exec(db, "look for the star's tables", "SELECT to_regclass($1) IS NOT NULL", 1,
				pv, &r, err) < 0)
			goto out;
		if (strcmp(sk_pgx_get(r, 0, 0), "t")) {
			sk_err_set(err, SK_E_PERMANENT,
				   "%s %s does not exist: create the star with psql -f scripts/warehouse.sql",
				   is_table ? "table" : "view", pv[0]);
			goto out;
		}
		sk_pgx_free(r);
		r = NULL;
		if (!is_table)
			continue;
		for (int k = 0; k < 2; k++) {
			pv[1] = k ? "UPDATE" : "INSERT";
			if (sk_pgx_exec(db, "check privileges", "SELECT has_table_privilege($1, $2)", 2,
					pv, &r, err) < 0)
				goto out;
			if (strcmp(sk_pgx_get(r, 0, 0), "t")) {
				sk_err_set(err, SK_E_PERMANENT,
					   "user %s may not %s table %s: GRANT INSERT, UPDATE ON %s TO %s;",
					   sk_pg_user(db), pv[1], pv[0], pv[0], sk_pg_user(db));
				goto out;
			}
			sk_pgx_free(r);
			r = NULL;
		}
	}
	ret = 0;
out:
	sk_pgx_free(r);
	sk_buf_release(&names);
	return ret;
}
