#include "base.h"
#include "transform.h"
#include "gate.h"
#include "history.h"
#include "quality.h"
#include "buf.h"
#include "csvio.h"
#include "map.h"
#include "money.h"
#include "step.h"

/*
 * How the dedup stays small and fast. Each stock code gets a 32-bit id the
 * first time it is seen (the product map holds it, so the product join and
 * the id cost one lookup; codes missing from product_data get theirs from a
 * map of bare ids), and each invoice keeps the stock ids it has had. Rows
 * of one invoice are nearly always adjacent, so the invoice is looked up
 * only when it changes; while it is read its ids are in one small hash set
 * reused from invoice to invoice (hot in the cache, no allocation), and
 * when the rows move on they are appended to one array, 4 bytes an id,
 * where an invoice seen again later (rare) gets them back from. Equal ids
 * mean equal bytes, so the pair stays exact and unambiguous whatever bytes
 * the values hold.
 */

static const char *const sales_cols[] = {"invoice_no", "stock_code", "quantity",
					 "invoice_date", "unit_price", "customer_id"};
enum { S_INVOICE, S_STOCK, S_QTY, S_DATE, S_PRICE, S_CUSTOMER, S_NCOLS };

static const char *const customer_cols[] = {"customer_id", "name", "country", "segment",
					    "signup_date"};
#define CUSTOMER_COLS 5
static const char *const product_cols[] = {"stock_code", "description", "category",
					   "unit_cost"};
#define PRODUCT_COLS 4

/* SPEC section 3, in this order */
static const char *const out_cols[] = {
	"invoice_no",  "stock_code", "quantity",    "invoice_date",  "unit_price",
	"customer_id", "line_total", "customer_name", "country",     "segment",
	"signup_date", "description", "category",   "unit_cost",
};

/* Length of "YYYY-MM-DDTHH:MM:SS". */
#define TS_LEN 19
/* Longest value quoted back in an error message. */
#define SHOW_MAX 64
/* Cap on the joined text of the dimension files (a bound, not an estimate). */
#define TEXT_MAX ((size_t)1 << 34)

/*
 * The joined columns of a dimension row are kept as the CSV text they will
 * be written as ("name,country,segment,signup_date", quoted where needed),
 * encoded once at load instead of once per output row.
 */

/* A customer row: its encoded columns at text + off. */
struct customer {
	size_t off;
	size_t len;
};

/*
 * A product row: the stock code's id and its encoded
 * "description,category,unit_cost" (description already Unknown if empty).
 * Every output row looks up a product at random, so a short text (nearly
 * all) lives inside the map entry: one cache miss fewer per row.
 */
#define FRAG_INLINE 56
#define FRAG_EXTERNAL UINT16_MAX
struct product {
	uint32_t id;
	uint16_t inline_len; /* bytes in frag.inl, or FRAG_EXTERNAL */
	unsigned char unknown_description;
	union {
		char inl[FRAG_INLINE];
		struct {
			size_t off, len; /* in the text arena */
		} ext;
	} frag;
};

/* What the joined columns are without a match. */
#define NO_CUSTOMER ",,,"
#define NO_PRODUCT "Unknown,,"

/* Where the stock ids of an invoice not being read are: t->closed. */
struct invoice {
	uint64_t first; /* index of its first id there */
	uint32_t n;     /* its ids */
};

/*
 * The stock ids of the invoice being read: a hash set of id+1 for the
 * lookups and the list in arrival order, both reused from one invoice to
 * the next (only the slots used are cleared), so a row costs no allocation.
 */
struct open_ids {
	struct invoice *inv; /* its map entry (valid: nothing is inserted meanwhile) */
	uint32_t *slots;     /* mask + 1 of them, 0 = free */
	uint32_t mask;
	uint32_t *ids;
	uint32_t n, cap;
};

/* The last key looked up and what it found (rows come in runs). */
struct cache {
	struct sk_buf key;
	void *val;
	int valid;
};

struct tx {
	struct sk_step *s;
	struct sk_map *customers, *products, *invoices;
	struct sk_map *strangers; /* stock codes not in product_data: uint32_t ids */
	struct sk_buf text;    /* the joined columns of the dimension rows */
	struct sk_buf scratch; /* one product's columns while loading */
	uint32_t nids;         /* stock ids given */
	struct cache inv_cache, cust_cache;
	struct open_ids open;  /* the invoice being read */
	struct sk_buf closed;  /* the ids of the others, uint32_t each, invoice after invoice */
	char last_date[TS_LEN]; /* the last invoice_date found valid */
	int have_date;
	long long rows_in, rows_out;
	long long guest_rows, guest_unmatched; /* GUEST rows written, and those without a
						 customer row: not the customers gate's business */
	long long dropped_duplicate, guest, customer_unmatched, product_unmatched,
		description_unknown;
	long long qty_negative; /* rows written whose quantity was made positive */
	char newest[11];        /* the newest invoice_date written */
	struct sk_quality *q;   /* the quality checks (quality.h) */
};

struct paths {
	char sales[PATH_MAX], customers[PATH_MAX], products[PATH_MAX], out[PATH_MAX];
};

static int resolve(struct sk_step *s, const struct sk_transform_opts *f, struct paths *p,
		   struct sk_err *err)
{
	if (sk_step_path(s, p->sales, f->sales, SK_TRANSFORM_SALES, err) < 0 ||
	    sk_step_path(s, p->customers, f->customers, SK_TRANSFORM_CUSTOMERS, err) < 0 ||
	    sk_step_path(s, p->products, f->products, SK_TRANSFORM_PRODUCTS, err) < 0 ||
	    sk_step_path(s, p->out, f->out, SK_TRANSFORM_OUT, err) < 0)
		return -1;
	return 0;
}

/* ---- validation ---- */

static int show_len(size_t len)
{
	return (int)(len < SHOW_MAX ? len : SHOW_MAX);
}

static int is_digits(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* An integer field: the value, or SK_E_DATA saying what is wrong with it. */
static int get_int(const struct sk_csv_reader *r, const struct sk_csv_row *row, int col,
		   const char *name, long long *v, struct sk_err *err)
{
	const char *s = row->f[col];
	size_t len = row->len[col], sign = len && (s[0] == '-' || s[0] == '+');

	if (SK_LIKELY(sk_parse_int(s, len, v) == 0))
		return 0;
	return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %s '%.*s' %s", sk_csv_path(r),
			  row->line, name, show_len(len), s,
			  is_digits(s + sign, len - sign) ? "is out of range (more than 18 digits)"
							  : "is not an integer");
}

/* A money field (at most two decimals): cents, or SK_E_DATA saying why not. */
static int get_money(const struct sk_csv_reader *r, const struct sk_csv_row *row, int col,
		     const char *name, long long *cents, struct sk_err *err)
{
	const char *s = row->f[col], *dot;
	size_t len = row->len[col], sign = len && (s[0] == '-' || s[0] == '+'), ilen;
	const char *why = "is not a decimal number";

	if (SK_LIKELY(sk_money_parse(s, len, cents) == 0))
		return 0;
	dot = memchr(s, '.', len);
	ilen = dot ? (size_t)(dot - s) - sign : len - sign;
	if ((ilen == 0 || is_digits(s + sign, ilen)) && (dot || ilen > 0)) {
		size_t flen = dot ? len - (size_t)(dot + 1 - s) : 0;
		if (flen > 2 && is_digits(dot + 1, flen))
			why = "has more than two decimals";
		else if ((flen == 0 || is_digits(dot + 1, flen)) && ilen + flen > 0)
			why = "is out of range (money has at most 16 integer digits)";
	}
	return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %s '%.*s' %s", sk_csv_path(r),
			  row->line, name, show_len(len), s, why);
}

static int empty_field(const struct sk_csv_reader *r, const struct sk_csv_row *row,
		       const char *name, struct sk_err *err)
{
	return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %s is empty", sk_csv_path(r),
			  row->line, name);
}

/* Check one sales row; give back |quantity|, |unit_price| and the line total. */
static int check_sale(struct tx *t, const struct sk_csv_reader *r,
		      const struct sk_csv_row *row, long long *qty, long long *price,
		      long long *total, struct sk_err *err)
{
	const char *date = row->f[S_DATE];

	/* every column but customer_id is required */
	for (int i = 0; i < S_CUSTOMER; i++)
		if (SK_UNLIKELY(row->len[i] == 0))
			return empty_field(r, row, sales_cols[i], err);
	if (get_int(r, row, S_QTY, "quantity", qty, err) < 0)
		return -1;
	/* the lines of an invoice share its timestamp: check each new one once */
	if (!(t->have_date && row->len[S_DATE] == TS_LEN && !memcmp(date, t->last_date, TS_LEN))) {
		if (!sk_is_timestamp(date, row->len[S_DATE])) {
			char buf[64];
			const char *why = row->len[S_DATE] == TS_LEN
						  ? sk_date_problem(date, 10, buf) : NULL;
			return sk_err_set(err, SK_E_DATA,
					  "'%s': line %lu: invoice_date '%.*s' is not "
					  "YYYY-MM-DDTHH:MM:SS%s%s",
					  sk_csv_path(r), row->line,
					  show_len(row->len[S_DATE]), date, why ? ": its date " : "",
					  why ? why : "");
		}
		memcpy(t->last_date, date, TS_LEN);
		t->have_date = 1;
	}
	if (get_money(r, row, S_PRICE, "unit_price", price, err) < 0)
		return -1;
	/* both are far from LLONG_MIN: 18 digits, 2^62 cents */
	*qty = *qty < 0 ? -*qty : *qty;
	*price = *price < 0 ? -*price : *price;
	if (SK_UNLIKELY(__builtin_mul_overflow(*qty, *price, total) || *total > SK_MONEY_MAX_CENTS))
		return sk_err_set(err, SK_E_DATA,
				  "'%s': line %lu: line total of quantity '%.*s' x unit_price "
				  "'%.*s' is out of range (money has at most 16 integer digits)",
				  sk_csv_path(r), row->line, show_len(row->len[S_QTY]),
				  row->f[S_QTY], show_len(row->len[S_PRICE]), row->f[S_PRICE]);
	return 0;
}

/* ---- dimension files ---- */

/*
 * Append the encoded non-key columns of a dimension row to `b`, joined by
 * commas. An empty first column becomes `empty_first` when given
 * (description -> Unknown, SPEC section 3 step 6): returns 1 then, else 0;
 * -1 on error.
 */
static int encode_row(struct sk_buf *b, const struct sk_csv_row *row, const char *empty_first,
		      struct sk_err *err)
{
	int filled = 0;

	for (size_t i = 1; i < row->n; i++) {
		const char *v = row->f[i];
		size_t vlen = row->len[i];

		if (i == 1 && vlen == 0 && empty_first) {
			v = empty_first;
			vlen = strlen(empty_first);
			filled = 1;
		}
		if (i > 1 && sk_buf_add(b, ",", 1, err) < 0)
			return -1;
		if (sk_csv_encode(b, v, vlen, err) < 0)
			return -1;
	}
	return filled;
}

static int new_id(struct tx *t, uint32_t *id, struct sk_err *err)
{
	if (t->nids == UINT32_MAX)
		return sk_err_set(err, SK_E_NOMEM, "more than %u distinct stock codes",
				  UINT32_MAX - 1);
	*id = t->nids++;
	return 0;
}

/* An input read to its end: its size and sha256 into the event (lineage). */
static void input_digest(struct sk_step *s, struct sk_csv_reader *r)
{
	struct sk_file_info info;

	if (sk_csv_digest(r, &info) == 0)
		sk_step_input_info(s, &info);
}

static int load_customers(struct tx *t, const char *path, struct sk_err *err)
{
	struct sk_csv_reader *r = sk_csv_open(path, customer_cols, CUSTOMER_COLS, err);
	struct sk_csv_row row;
	long long dups = 0;
	int ret = -1, rc, inserted;

	if (!r)
		goto out;
	sk_step_input(t->s, path);
	while ((rc = sk_csv_next(r, &row, err)) > 0) {
		struct customer *c;

		if (row.len[0] == 0) {
			empty_field(r, &row, "customer_id", err);
			goto out;
		}
		c = sk_map_upsert(t->customers, row.f[0], row.len[0], &inserted, err);
		if (!c)
			goto out;
		if (!inserted) {
			dups++; /* SPEC: the first row of a key wins */
			continue;
		}
		c->off = t->text.len;
		if (encode_row(&t->text, &row, NULL, err) < 0)
			goto out;
		c->len = t->text.len - c->off;
	}
	if (rc < 0)
		goto out;
	input_digest(t->s, r);
	ret = 0;
out:
	sk_step_count(t->s, "customers", (long long)sk_map_count(t->customers));
	sk_step_count(t->s, "customers_duplicate_key", dups);
	sk_csv_close(r);
	return ret;
}

static int load_products(struct tx *t, const char *path, struct sk_err *err)
{
	struct sk_csv_reader *r = sk_csv_open(path, product_cols, PRODUCT_COLS, err);
	struct sk_csv_row row;
	long long dups = 0, cost;
	int ret = -1, rc, inserted;

	if (!r)
		goto out;
	sk_step_input(t->s, path);
	while ((rc = sk_csv_next(r, &row, err)) > 0) {
		struct product *p;

		if (row.len[0] == 0) {
			empty_field(r, &row, "stock_code", err);
			goto out;
		}
		/* stricter than SPEC's "as read": see transform.h */
		if (row.len[3] && get_money(r, &row, 3, "unit_cost", &cost, err) < 0)
			goto out;
		p = sk_map_upsert(t->products, row.f[0], row.len[0], &inserted, err);
		if (!p)
			goto out;
		if (!inserted) {
			dups++;
			continue;
		}
		sk_buf_reset(&t->scratch);
		if (new_id(t, &p->id, err) < 0)
			goto out;
		if ((rc = encode_row(&t->scratch, &row, "Unknown", err)) < 0)
			goto out;
		p->unknown_description = (unsigned char)rc;
		if (t->scratch.len <= FRAG_INLINE) {
			p->inline_len = (uint16_t)t->scratch.len;
			memcpy(p->frag.inl, t->scratch.data, t->scratch.len);
		} else {
			p->inline_len = FRAG_EXTERNAL;
			p->frag.ext.off = t->text.len;
			p->frag.ext.len = t->scratch.len;
			if (sk_buf_add(&t->text, t->scratch.data, t->scratch.len, err) < 0)
				goto out;
		}
	}
	if (rc < 0)
		goto out;
	input_digest(t->s, r);
	ret = 0;
out:
	sk_step_count(t->s, "products", (long long)sk_map_count(t->products));
	sk_step_count(t->s, "products_duplicate_key", dups);
	sk_csv_close(r);
	return ret;
}

/* ---- dedup ---- */

static inline uint32_t id_hash(uint32_t k)
{
	k ^= k >> 16;
	k *= 0x45d9f3bU;
	k ^= k >> 16;
	return k;
}

/* Put id+1 `key` into the set (it is not there; there is room). */
static void set_put(struct open_ids *o, uint32_t key)
{
	uint32_t i = id_hash(key) & o->mask;

	while (o->slots[i])
		i = (i + 1) & o->mask;
	o->slots[i] = key;
}

/* Room for one more id: the list and (at load 3/4) the set doubled. */
static int open_grow(struct open_ids *o, struct sk_err *err)
{
	if (o->n == o->cap) {
		uint32_t cap = o->cap ? o->cap * 2 : 64;
		uint32_t *ids = o->cap < UINT32_MAX / 2 ? realloc(o->ids, cap * sizeof(*ids)) : NULL;
		if (!ids)
			return sk_err_set(err, SK_E_NOMEM, "out of memory (an invoice of %u lines)", o->n);
		o->ids = ids;
		o->cap = cap;
	}
	if (!o->slots || ((size_t)o->n + 1) * 4 > ((size_t)o->mask + 1) * 3) {
		uint32_t slots = o->slots ? (o->mask + 1) * 2 : 128;
		uint32_t *set = calloc(slots, sizeof(*set));
		if (!set)
			return sk_err_set(err, SK_E_NOMEM, "out of memory (an invoice of %u lines)", o->n);
		free(o->slots);
		o->slots = set;
		o->mask = slots - 1;
		for (uint32_t i = 0; i < o->n; i++)
			set_put(o, o->ids[i] + 1);
	}
	return 0;
}

/* Add stock `id` to the open invoice: 1 when new, 0 when seen before, -1 on error. */
static int first_sight(struct open_ids *o, uint32_t id, struct sk_err *err)
{
	uint32_t key = id + 1, i;

	if (o->slots)
		for (i = id_hash(key) & o->mask; o->slots[i]; i = (i + 1) & o->mask)
			if (o->slots[i] == key)
				return 0;
	if (open_grow(o, err) < 0)
		return -1;
	set_put(o, key);
	o->ids[o->n++] = id;
	return 1;
}

/* The rows move to another invoice: append the open one's ids to `closed`. */
static int close_invoice(struct tx *t, struct sk_err *err)
{
	struct open_ids *o = &t->open;

	if (!o->inv)
		return 0;
	o->inv->first = t->closed.len / sizeof(uint32_t);
	o->inv->n = o->n;
	if (sk_buf_add(&t->closed, o->ids, o->n * sizeof(uint32_t), err) < 0)
		return -1;
	/* empty the set: each id is in it once, so the search may step over
	 * slots already cleared (they were in the same chain) */
	for (uint32_t i = 0; i < o->n; i++) {
		uint32_t j = id_hash(o->ids[i] + 1) & o->mask;
		while (o->slots[j] != o->ids[i] + 1)
			j = (j + 1) & o->mask;
		o->slots[j] = 0;
	}
	o->n = 0;
	o->inv = NULL;
	return 0;
}

/* Read `inv` now: its earlier ids (an invoice seen again later) come back. */
static int open_invoice(struct tx *t, struct invoice *inv, struct sk_err *err)
{
	const uint32_t *ids;

	t->open.inv = inv;
	if (inv->n == 0)
		return 0; /* a new invoice: `closed` may still be empty (NULL) */
	ids = (const uint32_t *)(const void *)t->closed.data + inv->first;
	for (uint32_t i = 0; i < inv->n; i++)
		if (first_sight(&t->open, ids[i], err) < 0)
			return -1;
	return 0;
}

/* ---- the sales stream ---- */

static inline int cache_hit(const struct cache *c, const char *key, size_t len)
{
	return c->valid && c->key.len == len && sk_same_bytes(c->key.data, key, len);
}

static int cache_set(struct cache *c, const char *key, size_t len, void *val,
		     struct sk_err *err)
{
	sk_buf_reset(&c->key);
	c->valid = 0;
	if (sk_buf_add(&c->key, key, len, err) < 0)
		return -1;
	c->val = val;
	c->valid = 1;
	return 0;
}

/* Write the output row for a kept sales row. */
static int write_row(struct tx *t, struct sk_csv_writer *w, const struct sk_csv_row *row,
		     const char *cid, size_t cidlen, const struct customer *c,
		     const struct product *p, long long qty, long long price, long long total,
		     struct sk_err *err)
{
	sk_csv_put(w, row->f[S_INVOICE], row->len[S_INVOICE]);
	sk_csv_put(w, row->f[S_STOCK], row->len[S_STOCK]);
	sk_csv_put_int(w, qty);
	/* a valid timestamp holds no byte that needs quoting */
	sk_csv_put_encoded(w, row->f[S_DATE], row->len[S_DATE]);
	sk_csv_put_money(w, price);
	sk_csv_put(w, cid, cidlen);
	sk_csv_put_money(w, total);
	if (c)
		sk_csv_put_encoded(w, t->text.data + c->off, c->len);
	else
		sk_csv_put_encoded(w, NO_CUSTOMER, sizeof(NO_CUSTOMER) - 1);
	if (!p)
		sk_csv_put_encoded(w, NO_PRODUCT, sizeof(NO_PRODUCT) - 1);
	else if (p->inline_len != FRAG_EXTERNAL)
		sk_csv_put_encoded(w, p->frag.inl, p->inline_len);
	else
		sk_csv_put_encoded(w, t->text.data + p->frag.ext.off, p->frag.ext.len);
	return sk_csv_end_row(w, err);
}

/* One sales row: 1 written, 0 dropped as a repeat, -1 error. */
static int do_sale(struct tx *t, const struct sk_csv_reader *r, struct sk_csv_writer *w,
		   const struct sk_csv_row *row, struct sk_err *err)
{
	long long qty = 0, price = 0, total = 0;
	struct invoice *inv;
	const struct product *p;
	const struct customer *c;
	const char *cid = row->f[S_CUSTOMER];
	size_t cidlen = row->len[S_CUSTOMER];
	uint32_t id, *stranger;
	int inserted, rc;

	/* the product lookup's memory loads while the row is checked */
	uint32_t stock_hash = sk_map_prefetch(t->products, row->f[S_STOCK], row->len[S_STOCK]);

	if (check_sale(t, r, row, &qty, &price, &total, err) < 0)
		return -1;
	/* an invoice pointer stays valid until the next invoice is inserted,
	 * which only happens here, when the cache changes */
	if (!cache_hit(&t->inv_cache, row->f[S_INVOICE], row->len[S_INVOICE])) {
		if (close_invoice(t, err) < 0)
			return -1;
		inv = sk_map_upsert(t->invoices, row->f[S_INVOICE], row->len[S_INVOICE],
				    &inserted, err);
		if (!inv || open_invoice(t, inv, err) < 0 ||
		    cache_set(&t->inv_cache, row->f[S_INVOICE], row->len[S_INVOICE], inv, err) < 0)
			return -1;
	}
	p = sk_map_get_hashed(t->products, row->f[S_STOCK], row->len[S_STOCK], stock_hash);
	if (p) {
		__builtin_prefetch(p->frag.inl + FRAG_INLINE - 1); /* written below */
		id = p->id;
	} else {
		stranger = sk_map_upsert(t->strangers, row->f[S_STOCK], row->len[S_STOCK],
					 &inserted, err);
		if (!stranger || (inserted && new_id(t, stranger, err) < 0))
			return -1;
		id = *stranger;
	}
	rc = first_sight(&t->open, id, err);
	if (rc <= 0) {
		if (rc == 0)
			t->dropped_duplicate++;
		return rc;
	}
	/* what the quality checks count, on the row as read */
	sk_quality_row(t->q, row->len);
	t->qty_negative += row->f[S_QTY][0] == '-';
	if (memcmp(row->f[S_DATE], t->newest, 10) > 0)
		memcpy(t->newest, row->f[S_DATE], 10);
	if (cidlen == 0) {
		cid = "GUEST";
		cidlen = 5;
		t->guest++;
	}
	if (!cache_hit(&t->cust_cache, cid, cidlen) &&
	    cache_set(&t->cust_cache, cid, cidlen, sk_map_get(t->customers, cid, cidlen), err) < 0)
		return -1;
	c = t->cust_cache.val;
	t->customer_unmatched += !c;
	if (cidlen == 5 && !memcmp(cid, "GUEST", 5)) {
		t->guest_rows++;
		t->guest_unmatched += !c;
	}
	t->product_unmatched += !p;
	t->description_unknown += !p || p->unknown_description;
	if (write_row(t, w, row, cid, cidlen, c, p, qty, price, total, err) < 0)
		return -1;
	return 1;
}

/* ---- data-quality gates ---- */

struct gates {
	long long min_rows;
	double max_unmatched;
	struct sk_quality *q; /* owned: sk_quality_close */
};

static int gates_parse(const struct sk_transform_opts *o, struct gates *g, struct sk_err *err)
{
	g->q = NULL;
	if (sk_gate_rows_parse(o->min_rows, "STEPKIT_MIN_ROWS", &g->min_rows, err) < 0 ||
	    sk_gate_percent_parse(o->max_unmatched, "STEPKIT_MAX_UNMATCHED", &g->max_unmatched,
				  err) < 0)
		return -1;
	g->q = sk_quality_open("transform", o->quality, sk_opt_given_as("--quality"), err);
	return g->q ? 0 : -1;
}

/* Every gate is checked (and recorded in the event); the first failure is
 * the step's error. */
static int gates_check(struct tx *t, const struct gates *g, const struct paths *p,
		       struct sk_err *err)
{
	char cust_what[PATH_MAX + 64], prod_what[PATH_MAX + 64];
	/* GUEST (no customer_id) is an anonymous sale, not a broken join */
	struct sk_gate_share cust = {
		.n = t->customer_unmatched - t->guest_unmatched,
		.of = t->rows_out - t->guest_rows,
		.of_what = "rows with a customer_id other than GUEST",
		.what = cust_what,
		.advice = "check the customers extract, or raise the gate"};
	struct sk_gate_share prod = {.n = t->product_unmatched,
				     .of = t->rows_out,
				     .of_what = "rows",
				     .what = prod_what,
				     .advice = "check the products extract, or raise the gate"};
	struct sk_quality_facts f;
	char why[160];

	snprintf(cust_what, sizeof(cust_what), "are missing from '%s'", p->customers);
	snprintf(prod_what, sizeof(prod_what), "have a stock_code missing from '%s'", p->products);
	sk_quality_facts_init(&f);
	f.rows = t->rows_out;
	f.rows_in = t->rows_in;
	f.cust_unmatched = cust.n;
	f.cust_of = cust.of;
	f.prod_unmatched = prod.n;
	f.prod_of = prod.of;
	f.qty_positive = t->qty_negative;
	f.desc_unknown = t->description_unknown;
	snprintf(f.newest, sizeof(f.newest), "%s", t->newest);
	/* freshness counts to the end of the period extract-sales read */
	if (sk_quality_has(g->q, "freshness_days")) {
		if (sk_history_period_end(sk_step_workdir(t->s), f.ref_date, why))
			f.ref_what = "the end of the period of extract-sales";
		else
			f.ref_what = why;
	}
	f.out = p->out;
	f.min_rows = g->min_rows;
	f.max_unmatched = g->max_unmatched;
	f.cust_share = &cust;
	f.prod_share = &prod;
	return sk_quality_finish(t->s, g->q, &f, NULL, err);
}

int sk_transform_run(struct sk_step *s, const struct sk_transform_opts *files,
		     struct sk_err *err)
{
	struct tx t = {.s = s,
		       .text = SK_BUF_INIT(TEXT_MAX),
		       .scratch = SK_BUF_INIT(TEXT_MAX),
		       .inv_cache = {.key = SK_BUF_INIT(64u << 20)},
		       .closed = SK_BUF_INIT((size_t)1 << 36),
		       .cust_cache = {.key = SK_BUF_INIT(64u << 20)}};
	struct paths *p = malloc(sizeof(*p));
	struct sk_csv_reader *in = NULL;
	struct sk_csv_writer *w = NULL;
	struct sk_csv_row row;
	struct sk_file_info info;
	struct gates g = {.q = NULL};
	int ret = -1, rc;

	if (!p) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (resolve(s, files, p, err) < 0 || gates_parse(files, &g, err) < 0)
		goto out;
	t.q = g.q;
	if (!(t.customers = sk_map_open(sizeof(struct customer), err)) ||
	    !(t.products = sk_map_open(sizeof(struct product), err)) ||
	    !(t.strangers = sk_map_open(sizeof(uint32_t), err)) ||
	    !(t.invoices = sk_map_open(sizeof(struct invoice), err)))
		goto out;
	if (load_customers(&t, p->customers, err) < 0 || load_products(&t, p->products, err) < 0)
		goto out;
	if (!(in = sk_csv_open(p->sales, sales_cols, S_NCOLS, err)))
		goto out;
	sk_step_input(s, p->sales);
	if (!(w = sk_csv_create(p->out, out_cols, SK_ARRAY_SIZE(out_cols), err)))
		goto out;
	while ((rc = sk_csv_next(in, &row, err)) > 0) {
		t.rows_in++;
		sk_step_progress(s, (unsigned long long)t.rows_in);
		rc = do_sale(&t, in, w, &row, err);
		if (rc < 0)
			goto out;
		t.rows_out += rc;
	}
	if (rc < 0)
		goto out;
	input_digest(s, in);
	if (gates_check(&t, &g, p, err) < 0)
		goto out;
	rc = sk_csv_commit(w, &info, err);
	w = NULL;
	if (rc < 0)
		goto out;
	sk_step_output(s, &info);
	ret = 0;
out:
	sk_csv_abort(w);
	sk_csv_close(in);
	sk_step_rows(s, t.rows_in, ret == 0 ? t.rows_out : 0);
	sk_step_dropped(s, "dropped_duplicate", t.dropped_duplicate);
	sk_step_count(s, "guest", t.guest);
	sk_step_count(s, "customer_unmatched", t.customer_unmatched);
	sk_step_count(s, "product_unmatched", t.product_unmatched);
	sk_step_count(s, "description_unknown", t.description_unknown);
	free(t.open.slots);
	free(t.open.ids);
	sk_buf_release(&t.closed);
	sk_map_close(t.invoices);
	sk_map_close(t.strangers);
	sk_map_close(t.products);
	sk_map_close(t.customers);
	sk_buf_release(&t.text);
	sk_buf_release(&t.scratch);
	sk_buf_release(&t.inv_cache.key);
	sk_buf_release(&t.cust_cache.key);
	sk_quality_close(g.q);
	free(p);
	return ret;
}

int sk_transform_check(struct sk_step *s, const struct sk_transform_opts *files,
		       struct sk_err *err)
{
	struct paths *p = malloc(sizeof(*p));
	struct sk_csv_reader *r;
	struct gates g = {.q = NULL};
	int ret = -1;

	if (!p) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (resolve(s, files, p, err) < 0 || gates_parse(files, &g, err) < 0)
		goto out;
	/* opening reads and checks the header, nothing more */
	if (!(r = sk_csv_open(p->customers, customer_cols, CUSTOMER_COLS, err)))
		goto out;
	sk_csv_close(r);
	if (!(r = sk_csv_open(p->products, product_cols, PRODUCT_COLS, err)))
		goto out;
	sk_csv_close(r);
	if (!(r = sk_csv_open(p->sales, sales_cols, S_NCOLS, err)))
		goto out;
	sk_csv_close(r);
	/* the output directory takes a temporary file */
	if (sk_check_writable(p->out, err) < 0)
		goto out;
	ret = 0;
out:
	sk_quality_close(g.q);
	free(p);
	return ret;
}
