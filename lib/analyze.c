/*
 * analyze.c: one engine for the three reports of SPEC.md section 4 (see
 * analyze.h for the contract). A report is a table row (struct report_def):
 * which column groups, which column is counted distinct, which columns must
 * be equal within a group. The rest is shared: strict row validation, exact
 * sums, the distinct sets, sorting and writing.
 *
 * Memory. A map.h map takes a group key to the offset of its record in one
 * arena: the counters, then the group's text columns (country, or
 * description and category), then for the customer report its first and
 * last timestamp. The distinct counts need the set of (group, value) pairs
 * seen. A map.h set keyed on the two byte strings costs 24+ bytes of arena
 * plus 8 of table per pair, and the product report has 3.3 million pairs at
 * 5M rows (over 100 MiB with the table doubling). Instead each distinct value
 * (invoice_no, or customer_id) is numbered once in a second map.h map, and
 * each group keeps its own small hash set of value numbers: 4 bytes a slot,
 * exact (numbers are one-to-one with values), grown group by group, so no
 * big table is ever copied.
 *
 * Speed. Parsing is most of the work; what we add per row is kept to a few
 * compares and, for the product report, the cache misses of a lookup in a
 * table too big for the cache. Three caches exploit the order the transform
 * writes (an invoice's rows are contiguous, so consecutive rows share date,
 * customer, invoice and timestamp); each is only a shortcut to the answer
 * the full lookup would give, whatever the input order:
 *   - the previous row's group key and group: equal key, same group, no hash;
 *   - the previous row's distinct value and its number;
 *   - per group, the number of the last value paired with it: equal means
 *     the pair is in the set already (it was added when that was stored).
 *     The set stays the truth: every pair not skipped this way is looked up.
 * A timestamp equal to the previous row's is not validated again. A group's
 * text sits right after its counters, so checking it costs no extra miss.
 */
#include "base.h"
#include "analyze.h"
#include "gate.h"
#include "quality.h"
#include "buf.h"
#include "cpus.h"
#include "csvio.h"
#include "log.h"
#include "map.h"
#include "money.h"
#include "sha256.h"
#include "sig.h"
#include "step.h"
#include "upstream.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>

/* The columns of transformed_data.csv (SPEC section 3), in order. */
enum col {
	C_INVOICE, C_STOCK, C_QTY, C_DATE, C_PRICE, C_CUST, C_TOTAL,
	C_NAME, C_COUNTRY, C_SEGMENT, C_SIGNUP, C_DESC, C_CAT, C_COST,
	NCOLS
};

static const char *const in_header[NCOLS] = {
	"invoice_no", "stock_code", "quantity", "invoice_date", "unit_price",
	"customer_id", "line_total", "customer_name", "country", "segment",
	"signup_date", "description", "category", "unit_cost",
};

#define TS_LEN 19   /* YYYY-MM-DDTHH:MM:SS */
#define DATE_LEN 10 /* YYYY-MM-DD */
#define MAX_ATTR 2
#define SHOW 64                        /* bytes of a bad value quoted in a message */
#define NO_VALUE UINT32_MAX            /* group.last_value before any pair */
#define MAX_VALUES (UINT32_MAX - 1)    /* value numbers stay below NO_VALUE */
#define SET_MAX ((size_t)1 << 32)      /* slots of one group's set */
#define PREV_MAX (32u << 20)           /* cap of the previous-row key copies */
#define ARENA_MAX ((size_t)1 << 36)    /* cap of all group records */
#define MAX_THREADS 8                   /* pieces read at once */
#define DEFAULT_THREADS 4               /* unless told: each adds its own tables */
#define PIECE_MIN (8u << 20)            /* bytes worth a thread of their own */

static const char *const sales_header[] = {
	"date", "invoices", "lines", "units", "revenue", "avg_order_value",
};
static const char *const customer_header[] = {
	"customer_id", "country", "orders", "units", "revenue", "first_purchase",
	"last_purchase",
};
static const char *const product_header[] = {
	"stock_code", "description", "category", "units", "revenue", "customers",
};

struct report_def {
	const char *file;          /* default output name */
	const char *const *header; /* output columns */
	size_t ncols;
	enum col key;              /* grouped by this column ... */
	size_t key_prefix;         /* ... or its first bytes (0: all of it) */
	const char *key_name;      /* the group key in messages */
	enum col distinct;         /* counted distinct per group */
	size_t nattr;
	enum col attr[MAX_ATTR];   /* equal on every row of a group */
	int by_revenue;            /* order: revenue desc, key asc; else key asc */
	int dates;                 /* keep the first and last invoice_date */
};

static const struct report_def defs[] = {
	[SK_REPORT_SALES] = {"sales_report.csv", sales_header, SK_ARRAY_SIZE(sales_header),
			     C_DATE, DATE_LEN, "date", C_INVOICE, 0, {0}, 0, 0},
	[SK_REPORT_CUSTOMERS] = {"customer_report.csv", customer_header,
				 SK_ARRAY_SIZE(customer_header), C_CUST, 0, "customer_id",
				 C_INVOICE, 1, {C_COUNTRY}, 1, 1},
	[SK_REPORT_PRODUCTS] = {"product_report.csv", product_header,
				SK_ARRAY_SIZE(product_header), C_STOCK, 0, "stock_code",
				C_CUST, 2, {C_DESC, C_CAT}, 1, 0},
};

/*
 * A group's record in agg.arena: these 64 bytes (LP64), then attr_len[0] +
 * attr_len[1] bytes of text and, for the customer report, the first and
 * last invoice_date (TS_LEN bytes each), padded to 8 bytes.
 */
struct group {
	long long units, cents, lines;
	uint32_t *set;                /* the value numbers seen with it (owned) */
	uint32_t distinct;            /* values in the set */
	uint32_t set_mask;            /* slots - 1 */
	uint32_t last_value;          /* the value number last added, or NO_VALUE */
	uint32_t attr_len[MAX_ATTR];  /* its text columns' lengths */
	unsigned long line;           /* the line of its first row, for messages */
};

struct agg {
	const struct report_def *def;
	const char *path;      /* input path for messages (the reader's) */
	struct sk_map *groups; /* group key -> uint64_t offset in arena */
	struct sk_buf arena;   /* the group records */
	size_t ngroups;
	struct sk_map *values; /* distinct-column value -> uint32_t number */
	size_t pend_off;       /* a pair to add to a set: group offset ... */
	uint32_t pend_v;       /* ... and value number, or NO_VALUE */
	struct sk_buf prev_key;
	size_t prev_off;
	int have_prev_key;
	struct sk_buf prev_val;
	uint32_t prev_vidx;
	int have_prev_val;
	char prev_ts[TS_LEN];  /* the last timestamp validated */
	int have_prev_ts;
};

/* One report line to sort: a group and its key (borrowed from the map). */
struct out_row {
	const char *key;
	size_t klen;
	struct group *g;
};

static inline int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && sk_same_bytes(a, b, alen);
}

static inline struct group *group_at(const struct agg *a, size_t off)
{
	return (struct group *)(void *)(a->arena.data + off);
}

/* The text of attribute `i` of `g`. */
static inline const char *attr_text(const struct group *g, size_t i)
{
	const char *p = (const char *)(g + 1);

	for (size_t j = 0; j < i; j++)
		p += g->attr_len[j];
	return p;
}

/* The first (then, TS_LEN bytes on, the last) invoice_date of `g`. */
static inline char *group_ts(struct group *g)
{
	return (char *)(g + 1) + g->attr_len[0] + g->attr_len[1];
}

/* Bytes of the record of `g`, padded so that the next one stays aligned. */
static inline size_t record_size(const struct report_def *d, const struct group *g)
{
	size_t n = sizeof(*g) + (d->dates ? 2 * TS_LEN : 0);

	for (size_t i = 0; i < MAX_ATTR; i++)
		n += g->attr_len[i];
	return (n + 7) & ~(size_t)7;
}

/* ---- the distinct sets ---- */

/*
 * Each group owns a set of the value numbers seen with it, open addressing
 * with linear probing over uint32_t slots (NO_VALUE marks a free one). Small
 * per-group tables grow one at a time, so there is never a moment when one
 * big table and its doubled copy are both alive.
 */
#define SET_MIN 8

static inline size_t set_slot(uint32_t v, uint32_t mask)
{
	/* Fibonacci hashing: value numbers are dense, spread them out */
	return (size_t)(((uint64_t)v * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

static int set_grow(struct group *g, struct sk_err *err)
{
	size_t n = g->set ? ((size_t)g->set_mask + 1) * 2 : SET_MIN;
	uint32_t *t;

	if (n > SET_MAX || !(t = malloc(n * sizeof(*t))))
		return sk_err_set(err, SK_E_NOMEM, "out of memory (distinct set of %zu values)", n);
	memset(t, 0xff, n * sizeof(*t));
	for (size_t i = 0; g->set && i <= g->set_mask; i++) {
		size_t j;
		if (g->set[i] == NO_VALUE)
			continue;
		for (j = set_slot(g->set[i], (uint32_t)(n - 1)); t[j] != NO_VALUE; j = (j + 1) & (n - 1))
			;
		t[j] = g->set[i];
	}
	free(g->set);
	g->set = t;
	g->set_mask = (uint32_t)(n - 1);
	return 0;
}

/* Add value number `v` to the group's set, counting it if new. 0 or -1. */
static int set_add(struct group *g, uint32_t v, struct sk_err *err)
{
	size_t i;

	if (g->set) {
		for (i = set_slot(v, g->set_mask); g->set[i] != NO_VALUE; i = (i + 1) & g->set_mask)
			if (g->set[i] == v)
				return 0;
	}
	/* load factor at most 3/4 keeps the probe chains short */
	if (!g->set || ((size_t)g->distinct + 1) * 4 > ((size_t)g->set_mask + 1) * 3) {
		if (set_grow(g, err) < 0)
			return -1;
	}
	for (i = set_slot(v, g->set_mask); g->set[i] != NO_VALUE; i = (i + 1) & g->set_mask)
		;
	g->set[i] = v;
	g->distinct++;
	return 0;
}

/* ---- field checks ---- */

/* SPEC quantity: "0" or a digit string without leading zero, at most 18 digits. */
static inline int parse_qty(const char *s, size_t len, long long *v)
{
	long long x = 0;

	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';
		if (d > 9)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* SPEC money: INT "." DD, INT "0" or without leading zero, at most 16 digits. */
static inline int parse_money(const char *s, size_t len, long long *cents)
{
	long long x = 0;
	size_t ilen = len - 3;

	if (len < 4 || len > 19 || s[ilen] != '.' || (s[0] == '0' && ilen > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';
		if (i == ilen)
			continue;
		if (d > 9)
			return -1;
		x = x * 10 + d;
	}
	*cents = x;
	return 0;
}

static int bad_field(const struct agg *a, const struct sk_csv_row *row, enum col c,
		     const char *why, struct sk_err *err)
{
	return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %s '%.*s' %s", a->path, row->line,
			  in_header[c], (int)(row->len[c] > SHOW ? SHOW : row->len[c]), row->f[c],
			  why);
}

/* line_total (parsed, so short) is not quantity x unit_price (`want`, or -1: overflow). */
static int bad_total(const struct agg *a, const struct sk_csv_row *row, long long want,
		     struct sk_err *err)
{
	char buf[SK_MONEY_BUFSIZE] = "more than 64 bits";

	if (want >= 0)
		sk_money_format(want, buf);
	return sk_err_set(err, SK_E_DATA,
			  "'%s': line %lu: line_total '%s' is not quantity x unit_price "
			  "(%s x %s = %s)",
			  a->path, row->line, row->f[C_TOTAL], row->f[C_QTY], row->f[C_PRICE], buf);
}

static int overflow(const struct agg *a, const struct sk_csv_row *row, const char *what,
		    const char *key, size_t klen, struct sk_err *err)
{
	return sk_err_set(err, SK_E_DATA, "'%s': line %lu: sum of %s for %s '%.*s' exceeds 64 bits",
			  a->path, row->line, what, a->def->key_name,
			  (int)(klen > SHOW ? SHOW : klen), key);
}

/* ---- aggregation ---- */

/* A new group record for the first row of its key; its offset in `*off`. */
static int new_group(struct agg *a, const struct sk_csv_row *row, size_t *off,
		     struct sk_err *err)
{
	const struct report_def *d = a->def;
	struct group proto = {.last_value = NO_VALUE, .line = row->line};
	struct group *g;
	size_t size;
	char *p;

	for (size_t i = 0; i < d->nattr; i++)
		proto.attr_len[i] = (uint32_t)row->len[d->attr[i]]; /* <= 16 MiB (csvio) */
	size = record_size(d, &proto);
	if (sk_buf_grow(&a->arena, size, err) < 0)
		return -1;
	*off = a->arena.len;
	g = group_at(a, *off);
	memset(g, 0, size);
	*g = proto;
	p = (char *)(g + 1);
	for (size_t i = 0; i < d->nattr; i++) {
		memcpy(p, row->f[d->attr[i]], g->attr_len[i]);
		p += g->attr_len[i];
	}
	if (d->dates) {
		memcpy(p, row->f[C_DATE], TS_LEN);
		memcpy(p + TS_LEN, row->f[C_DATE], TS_LEN);
	}
	a->arena.len += size;
	a->arena.data[a->arena.len] = '\0'; /* the sk_buf invariant */
	a->ngroups++;
	return 0;
}

/* The offset of the group of `key`, created on its first row. 0 or -1. */
static int find_group(struct agg *a, const struct sk_csv_row *row, const char *key,
		      size_t klen, size_t *off, struct sk_err *err)
{
	uint64_t *p;
	int inserted;

	if (a->have_prev_key && same(a->prev_key.data, a->prev_key.len, key, klen)) {
		*off = a->prev_off;
		return 0;
	}
	a->have_prev_key = 0;
	if (!(p = sk_map_upsert(a->groups, key, klen, &inserted, err)))
		return -1;
	if (inserted) {
		if (new_group(a, row, off, err) < 0)
			return -1;
		*p = *off;
	}
	*off = (size_t)*p;
	sk_buf_reset(&a->prev_key);
	if (sk_buf_add(&a->prev_key, key, klen, err) < 0)
		return -1;
	a->prev_off = *off;
	a->have_prev_key = 1;
	return 0;
}

/* The number of a distinct-column value, assigned on first sight. */
static int value_index(struct agg *a, const struct sk_csv_row *row, const char *v,
		       size_t len, uint32_t *idx, struct sk_err *err)
{
	uint32_t *p;
	int inserted;

	if (a->have_prev_val && same(a->prev_val.data, a->prev_val.len, v, len)) {
		*idx = a->prev_vidx;
		return 0;
	}
	a->have_prev_val = 0;
	p = sk_map_upsert(a->values, v, len, &inserted, err);
	if (!p)
		return -1;
	if (inserted) {
		size_t n = sk_map_count(a->values);
		if (n > MAX_VALUES)
			return sk_err_set(err, SK_E_NOMEM,
					  "'%s': line %lu: more than %u distinct %s values",
					  a->path, row->line, MAX_VALUES,
					  in_header[a->def->distinct]);
		*p = (uint32_t)(n - 1);
	}
	*idx = *p;
	sk_buf_reset(&a->prev_val);
	if (sk_buf_add(&a->prev_val, v, len, err) < 0)
		return -1;
	a->prev_vidx = *idx;
	a->have_prev_val = 1;
	return 0;
}

static int attr_mismatch(const struct agg *a, const struct sk_csv_row *row,
			 const struct group *g, size_t i, const char *key, size_t klen,
			 struct sk_err *err)
{
	enum col c = a->def->attr[i];
	size_t glen = g->attr_len[i];

	return sk_err_set(err, SK_E_DATA,
			  "'%s': line %lu: %s '%.*s' has %s '%.*s', but '%.*s' on line %lu",
			  a->path, row->line, a->def->key_name, (int)(klen > SHOW ? SHOW : klen),
			  key, in_header[c], (int)(row->len[c] > SHOW ? SHOW : row->len[c]),
			  row->f[c], (int)(glen > SHOW ? SHOW : glen), attr_text(g, i), g->line);
}

/*
 * Add the pending pair to its group's set. A row only computes its pair,
 * prefetches the set slot and leaves it pending; the next row (or the end)
 * adds it, by which time the slot is in cache: the sets of the product
 * report are tens of MiB, and the probe's cache miss would otherwise cost
 * about as much as all the rest of the row's work.
 */
static int flush_pair(struct agg *a, struct sk_err *err)
{
	if (a->pend_v == NO_VALUE)
		return 0;
	if (set_add(group_at(a, a->pend_off), a->pend_v, err) < 0)
		return -1;
	a->pend_v = NO_VALUE;
	return 0;
}

static int add_row(struct agg *a, const struct sk_csv_row *row, struct sk_err *err)
{
	const struct report_def *d = a->def;
	const char *ts = row->f[C_DATE], *key = row->f[d->key], *text;
	size_t klen = d->key_prefix ? d->key_prefix : row->len[d->key], off = 0;
	long long qty, price, total, want;
	struct group *g;
	uint32_t vidx = NO_VALUE;

	if (parse_qty(row->f[C_QTY], row->len[C_QTY], &qty) < 0)
		return bad_field(a, row, C_QTY, "is not a non-negative integer", err);
	if (parse_money(row->f[C_PRICE], row->len[C_PRICE], &price) < 0)
		return bad_field(a, row, C_PRICE, "is not money (digits, '.', two digits)", err);
	if (parse_money(row->f[C_TOTAL], row->len[C_TOTAL], &total) < 0)
		return bad_field(a, row, C_TOTAL, "is not money (digits, '.', two digits)", err);
	if (__builtin_mul_overflow(qty, price, &want))
		return bad_total(a, row, -1, err);
	if (want != total)
		return bad_total(a, row, want, err);
	if (!a->have_prev_ts || row->len[C_DATE] != TS_LEN || memcmp(ts, a->prev_ts, TS_LEN)) {
		if (!sk_is_timestamp(ts, row->len[C_DATE]))
			return bad_field(a, row, C_DATE,
					 "is not a timestamp (YYYY-MM-DDTHH:MM:SS)", err);
		memcpy(a->prev_ts, ts, TS_LEN);
		a->have_prev_ts = 1;
	}

	if (find_group(a, row, key, klen, &off, err) < 0)
		return -1;
	g = group_at(a, off);
	text = (const char *)(g + 1);
	for (size_t i = 0; i < d->nattr; i++) {
		enum col c = d->attr[i];
		if (!same(row->f[c], row->len[c], text, g->attr_len[i]))
			return attr_mismatch(a, row, g, i, key, klen, err);
		text += g->attr_len[i];
	}
	if (__builtin_add_overflow(g->units, qty, &g->units))
		return overflow(a, row, "units", key, klen, err);
	if (__builtin_add_overflow(g->cents, total, &g->cents))
		return overflow(a, row, "revenue", key, klen, err);
	g->lines++;
	if (d->dates) {
		/* fixed-width timestamps: byte order is time order */
		char *first = group_ts(g), *last = first + TS_LEN;
		if (memcmp(ts, first, TS_LEN) < 0)
			memcpy(first, ts, TS_LEN);
		if (memcmp(ts, last, TS_LEN) > 0)
			memcpy(last, ts, TS_LEN);
	}

	if (value_index(a, row, row->f[d->distinct], row->len[d->distinct], &vidx, err) < 0)
		return -1;
	if (g->last_value == vidx)
		return 0; /* this pair was added (or is pending) since last_value was set */
	if (flush_pair(a, err) < 0)
		return -1;
	g->last_value = vidx;
	a->pend_off = off;
	a->pend_v = vidx;
	if (g->set)
		__builtin_prefetch(&g->set[set_slot(vidx, g->set_mask)]);
	return 0;
}

/* ---- output ---- */

static int key_cmp(const struct out_row *x, const struct out_row *y)
{
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = n ? memcmp(x->key, y->key, n) : 0;

	if (c)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

static int by_key(const void *p, const void *q)
{
	return key_cmp(p, q);
}

static int by_revenue(const void *p, const void *q)
{
	const struct out_row *x = p, *y = q;

	if (x->g->cents != y->g->cents)
		return x->g->cents > y->g->cents ? -1 : 1;
	return key_cmp(x, y);
}

/* The groups in report order, in a caller-freed array of *n rows. */
static struct out_row *sorted_groups(const struct agg *a, size_t *n, struct sk_err *err)
{
	size_t count = a->ngroups, pos = 0, i = 0;
	struct out_row *rows = malloc((count ? count : 1) * sizeof(*rows));
	const uint64_t *off;

	if (!rows) {
		sk_err_set(err, SK_E_NOMEM, "out of memory (%zu report rows)", count);
		return NULL;
	}
	while (i < count && (off = sk_map_next(a->groups, &pos)) != NULL) {
		rows[i].g = group_at(a, (size_t)*off);
		rows[i].key = sk_map_key(a->groups, off, &rows[i].klen);
		i++;
	}
	qsort(rows, count, sizeof(*rows), a->def->by_revenue ? by_revenue : by_key);
	*n = count;
	return rows;
}

/* SPEC: revenue / invoices rounded half up, (2r + n) div 2n; 128 bits cannot overflow. */
static long long avg_cents(long long cents, long long n)
{
	unsigned __int128 r = (unsigned __int128)cents;

	return (long long)((2 * r + (unsigned __int128)n) / (2 * (unsigned __int128)n));
}

static void put_row(struct sk_csv_writer *w, const struct agg *a, const struct out_row *r)
{
	struct group *g = r->g;

	sk_csv_put(w, r->key, r->klen);
	switch (a->def - defs) {
	case SK_REPORT_SALES:
		sk_csv_put_int(w, g->distinct);
		sk_csv_put_int(w, g->lines);
		sk_csv_put_int(w, g->units);
		sk_csv_put_money(w, g->cents);
		sk_csv_put_money(w, avg_cents(g->cents, g->distinct));
		break;
	case SK_REPORT_CUSTOMERS:
		sk_csv_put(w, attr_text(g, 0), g->attr_len[0]);
		sk_csv_put_int(w, g->distinct);
		sk_csv_put_int(w, g->units);
		sk_csv_put_money(w, g->cents);
		sk_csv_put(w, group_ts(g), DATE_LEN);
		sk_csv_put(w, group_ts(g) + TS_LEN, DATE_LEN);
		break;
	default:
		sk_csv_put(w, attr_text(g, 0), g->attr_len[0]);
		sk_csv_put(w, attr_text(g, 1), g->attr_len[1]);
		sk_csv_put_int(w, g->units);
		sk_csv_put_money(w, g->cents);
		sk_csv_put_int(w, g->distinct);
		break;
	}
}

static int write_report(const struct agg *a, const char *path, const struct out_row *rows,
			size_t n, struct sk_file_info *info, struct sk_err *err)
{
	struct sk_csv_writer *w = sk_csv_create(path, a->def->header, a->def->ncols, err);

	if (!w)
		return -1;
	for (size_t i = 0; i < n; i++) {
		put_row(w, a, &rows[i]);
		if (sk_csv_end_row(w, err) < 0) {
			sk_csv_abort(w);
			return -1;
		}
	}
	return sk_csv_commit(w, info, err);
}

/* ---- reading ---- */

static int agg_init(struct agg *a, const struct report_def *def, const char *path,
		    struct sk_err *err)
{
	*a = (struct agg){.def = def,
			  .path = path,
			  .arena = SK_BUF_INIT(ARENA_MAX),
			  .prev_key = SK_BUF_INIT(PREV_MAX),
			  .prev_val = SK_BUF_INIT(PREV_MAX),
			  .pend_v = NO_VALUE};
	if (!(a->groups = sk_map_open(sizeof(uint64_t), err)) ||
	    !(a->values = sk_map_open(sizeof(uint32_t), err)))
		return -1;
	return 0;
}

static void agg_release(struct agg *a)
{
	/* walk the arena, not the map: a key may be in the map without a record */
	for (size_t off = 0; off < a->arena.len;) {
		struct group *g = group_at(a, off);
		free(g->set);
		off += record_size(a->def, g);
	}
	sk_map_close(a->groups);
	sk_map_close(a->values);
	sk_buf_release(&a->arena);
	sk_buf_release(&a->prev_key);
	sk_buf_release(&a->prev_val);
}

/*
 * The rows of one piece of the input: its reader, its own aggregation, the
 * rows it read (read by the main thread for progress) and how it ended.
 */
struct piece {
	struct agg a;
	struct sk_csv_reader *r;
	long long rows;
	int rc;
	struct sk_err err;
	const int *abandon; /* set by the main thread: stop early */
	pthread_t thread;
	int started;
};

/* Aggregate every row of the piece. 0, or -1 with p->err. */
static int read_rows(struct piece *p)
{
	struct sk_csv_row row;
	int rc;

	while ((rc = sk_csv_next(p->r, &row, &p->err)) > 0) {
		if (add_row(&p->a, &row, &p->err) < 0)
			return -1;
		__atomic_store_n(&p->rows, p->rows + 1, __ATOMIC_RELAXED);
		if (SK_UNLIKELY((p->rows & 0xffff) == 0) &&
		    __atomic_load_n(p->abandon, __ATOMIC_RELAXED))
			return sk_err_set(&p->err, SK_E_INTERRUPTED, "abandoned");
	}
	if (rc < 0)
		return -1;
	return flush_pair(&p->a, &p->err);
}

static void *piece_thread(void *arg)
{
	struct piece *p = arg;

	p->rc = read_rows(p);
	return NULL;
}

/* Merge helpers: the value numbers of `b` in `a`'s numbering (caller frees). */
static uint32_t *renumber_values(struct agg *a, const struct agg *b, struct sk_err *err)
{
	uint32_t *to_a = malloc((sk_map_count(b->values) + 1) * sizeof(*to_a));
	const uint32_t *v;
	size_t pos = 0;

	if (!to_a) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	while ((v = sk_map_next(b->values, &pos))) {
		size_t len;
		const char *key = sk_map_key(b->values, v, &len);
		int inserted;
		uint32_t *p = sk_map_upsert(a->values, key, len, &inserted, err);

		if (!p)
			goto fail;
		if (inserted) {
			size_t n = sk_map_count(a->values);
			if (n > MAX_VALUES) {
				sk_err_set(err, SK_E_NOMEM, "more than %u distinct values", MAX_VALUES);
				goto fail;
			}
			*p = (uint32_t)(n - 1);
		}
		to_a[*v] = *p;
	}
	return to_a;
fail:
	free(to_a);
	return NULL;
}

/* Fold group `gb` of `b` (key `key`) into `a`. 0, 1 when not exact, -1 on error. */
static int merge_group(struct agg *a, const struct agg *b, const struct group *gb,
		       const char *key, size_t klen, const uint32_t *to_a, struct sk_err *err)
{
	const struct report_def *d = a->def;
	int inserted;
	uint64_t *p = sk_map_upsert(a->groups, key, klen, &inserted, err);
	struct group *ga;

	(void)b;
	if (!p)
		return -1;
	if (inserted) {
		size_t size = record_size(d, gb);
		if (sk_buf_grow(&a->arena, size, err) < 0)
			return -1;
		*p = a->arena.len;
		ga = group_at(a, a->arena.len);
		memcpy(ga, gb, size);
		ga->set = NULL;
		ga->distinct = 0;
		ga->set_mask = 0;
		ga->last_value = NO_VALUE;
		a->arena.len += size;
		a->arena.data[a->arena.len] = '\0';
		a->ngroups++;
	} else {
		const char *ta = (const char *)((ga = group_at(a, (size_t)*p)) + 1);
		const char *tb = (const char *)(gb + 1);
		for (size_t i = 0; i < d->nattr; i++) {
			if (!same(ta, ga->attr_len[i], tb, gb->attr_len[i]))
				return 1; /* a mismatch: the sequential read words it */
			ta += ga->attr_len[i];
			tb += gb->attr_len[i];
		}
		if (__builtin_add_overflow(ga->units, gb->units, &ga->units) ||
		    __builtin_add_overflow(ga->cents, gb->cents, &ga->cents))
			return 1;
		ga->lines += gb->lines;
		if (d->dates) {
			char *first = group_ts(ga), *last = first + TS_LEN;
			const char *bfirst = group_ts((struct group *)gb), *blast = bfirst + TS_LEN;
			if (memcmp(bfirst, first, TS_LEN) < 0)
				memcpy(first, bfirst, TS_LEN);
			if (memcmp(blast, last, TS_LEN) > 0)
				memcpy(last, blast, TS_LEN);
		}
	}
	for (size_t i = 0; gb->set && i <= gb->set_mask; i++)
		if (gb->set[i] != NO_VALUE && set_add(ga, to_a[gb->set[i]], err) < 0)
			return -1;
	return 0;
}

/*
 * Fold `b` into `a` as if `a` had gone on to read b's rows: group records in
 * b's first-seen order after a's, sums, dates, distinct pairs. 0; 1 when the
 * result would not be exact (texts that differ, a sum past 64 bits: errors
 * that the sequential read reports with their line); -1 on error.
 */
static int agg_merge(struct agg *a, const struct agg *b, struct sk_err *err)
{
	uint32_t *to_a = renumber_values(a, b, err);
	const uint64_t *off;
	size_t pos = 0;
	int rc = 0;

	if (!to_a)
		return -1;
	while (rc == 0 && (off = sk_map_next(b->groups, &pos))) {
		size_t klen;
		const char *key = sk_map_key(b->groups, off, &klen);
		rc = merge_group(a, b, group_at(b, (size_t)*off), key, klen, to_a, err);
	}
	free(to_a);
	return rc;
}

/*
 * The input's size and sha256 for the event, on a thread of its own while
 * the pieces read the file: no piece's reader can hash it (SHA-256 runs
 * over the bytes in order), so this is the one second read of the input,
 * from the page cache the pieces fill. rc 0 with `info`, or -1 (abandoned,
 * interrupted, an error): the event then has no digest.
 */
struct hasher {
	const char *path;
	const int *abandon;
	struct sk_file_info info;
	int rc, started;
	pthread_t thread;
};

static void *hash_input(void *arg)
{
	struct hasher *h = arg;
	struct sk_err e = SK_ERR_INIT;

	h->rc = sk_sha256_file(h->path, h->abandon, h->info.sha256, &h->info.bytes, &e);
	if (h->rc == 0)
		snprintf(h->info.path, sizeof(h->info.path), "%s", h->path);
	return NULL;
}

/*
 * Read the input in pieces on `n` threads (this one reads the first,
 * through `r`, whose header is checked), then merge them into `a`. Returns
 * 0 with the rows read in `*nin`; 1 when the pieces did not work out (a cut
 * inside a quoted field, any error in any piece, a merge that would not be
 * exact), and the caller then reads the whole file again on one thread,
 * which reports a bad row exactly as it always does; 2 when the file was
 * not split (small, or not a regular file: a pipe cannot be read twice)
 * and `r` goes on from the first row; -1 when interrupted or out of memory
 * while merging.
 */
static int read_pieces(struct sk_step *s, struct agg *a, struct sk_csv_reader *r,
		       const char *path, int n, long long *nin, struct sk_err *err)
{
	struct piece pieces[MAX_THREADS] = {0};
	struct hasher hash = {.path = path};
	unsigned long long cuts[MAX_THREADS];
	int ncuts = sk_csv_cut_points(path, sk_csv_offset(r), n, PIECE_MIN, cuts), abandon = 0, ret = 1, rc;
	struct sk_csv_row row;
	long long rows = 0;

	if (ncuts == 0 || sk_csv_stop_at(r, cuts[0]) < 0)
		return 2;
	hash.abandon = &abandon;
	hash.started = sk_thread_start(&hash.thread, hash_input, &hash) == 0;
	for (int i = 1; i <= ncuts; i++) {
		struct piece *p = &pieces[i];
		p->abandon = &abandon;
		if (agg_init(&p->a, a->def, a->path, &p->err) < 0 ||
		    !(p->r = sk_csv_open_range(path, NCOLS, cuts[i - 1], i < ncuts ? cuts[i] : 0,
					       &p->err)) ||
		    sk_thread_start(&p->thread, piece_thread, p) != 0)
			goto join;
		p->started = 1;
	}
	sk_debugf("reading '%s' in %d pieces on as many threads", path, ncuts + 1);
	/* the first piece, here, with the progress log for all */
	while ((rc = sk_csv_next(r, &row, err)) > 0) {
		if (add_row(a, &row, err) < 0)
			break;
		if ((++rows & 0xffff) == 0) {
			long long total = rows;
			for (int i = 1; i <= ncuts; i++)
				total += __atomic_load_n(&pieces[i].rows, __ATOMIC_RELAXED);
			sk_step_progress(s, (unsigned long long)total & ~0xffffULL);
		}
	}
	if (err->code == 0 && flush_pair(a, err) == 0)
		ret = 0;
	else if (err->code == SK_E_INTERRUPTED)
		ret = -1;
join:
	if (ret != 0)
		__atomic_store_n(&abandon, 1, __ATOMIC_RELAXED);
	for (int i = 1; i <= ncuts; i++)
		if (pieces[i].started)
			pthread_join(pieces[i].thread, NULL);
	if (hash.started)
		pthread_join(hash.thread, NULL);
	*nin = rows;
	for (int i = 1; i <= ncuts && ret == 0; i++) {
		struct piece *p = &pieces[i];
		if (!p->started || p->rc < 0)
			ret = sk_interrupted() ? sk_err_set(err, SK_E_INTERRUPTED,
							    "'%s': interrupted", path)
					       : 1;
		else if ((ret = agg_merge(a, &p->a, err)) == 0)
			*nin += p->rows;
	}
	for (int i = 1; i <= ncuts; i++) {
		sk_csv_close(pieces[i].r);
		if (pieces[i].a.groups || pieces[i].a.values)
			agg_release(&pieces[i].a);
	}
	if (ret == 1)
		sk_debugf("the pieces of '%s' did not work out: reading it on one thread",
			  path);
	else if (ret == 0)
		sk_step_count(s, "threads", ncuts + 1);
	if (ret == 0 && hash.started && hash.rc == 0)
		sk_step_input_info(s, &hash.info); /* lineage */
	return ret;
}

/* ---- the step ---- */

static int resolve(struct sk_step *s, const struct sk_analyze_opts *o, char in[PATH_MAX],
		   char out[PATH_MAX], struct sk_err *err)
{
	if ((size_t)o->report >= SK_ARRAY_SIZE(defs))
		return sk_err_set(err, SK_E_USAGE, "unknown report %d", (int)o->report);
	if (sk_step_path(s, in, o->in, SK_ANALYZE_INPUT, err) < 0 ||
	    sk_step_path(s, out, o->out, defs[o->report].file, err) < 0)
		return -1;
	return 0;
}

/* The settings a run and --check both validate: files, threads, gate, and
 * the quality checks (`*q`, owned by the caller after success). */
static int settings(struct sk_step *s, const struct sk_analyze_opts *o, char in[PATH_MAX],
		    char out[PATH_MAX], int *threads, long long *min_rows, struct sk_quality **q,
		    struct sk_err *err)
{
	if (resolve(s, o, in, out, err) < 0 ||
	    sk_threads_setting(o->threads, DEFAULT_THREADS, MAX_THREADS,
			       sk_opt_given_as("--threads"), threads, err) < 0 ||
	    sk_gate_rows_parse(o->min_rows, "--min-rows", min_rows, err) < 0)
		return -1;
	*q = sk_quality_open(sk_step_name(s), o->quality, sk_opt_given_as("--quality"), err);
	return *q ? 0 : -1;
}

/* The quality checks on the report (quality.h), --min-rows among them. */
static int grade(struct sk_step *s, struct sk_quality *q, long long rows, long long min_rows,
		 const char *out, struct sk_err *err)
{
	struct sk_quality_facts f;

	sk_quality_facts_init(&f);
	f.rows = rows;
	f.min_rows = min_rows;
	f.out = out;
	return sk_quality_finish(s, q, &f, NULL, err);
}

int sk_analyze_run(struct sk_step *s, const struct sk_analyze_opts *o, struct sk_err *err)
{
	char in[PATH_MAX], out[PATH_MAX];
	struct agg a = {0};
	struct sk_csv_reader *r = NULL;
	struct sk_csv_row row;
	struct out_row *rows = NULL;
	struct sk_file_info info;
	long long nin = 0, pairs = 0, min_rows;
	struct sk_quality *q = NULL;
	size_t nout = 0;
	int rc, ret = -1, threads;

	if (settings(s, o, in, out, &threads, &min_rows, &q, err) < 0 ||
	    sk_upstream_check(in, "transform", o->ignore_upstream, err) < 0)
		goto out;
	if (!o->threads || !*o->threads)
		sk_debugf("threads: up to %d (CPUs available: %d; default cap %d)", threads,
			  sk_cpu_count(), DEFAULT_THREADS);
	sk_step_input(s, in);
	if (agg_init(&a, &defs[o->report], in, err) < 0 ||
	    !(r = sk_csv_open(in, in_header, NCOLS, err)))
		goto out;
	a.path = sk_csv_path(r);
	rc = threads > 1 ? read_pieces(s, &a, r, in, threads, &nin, err) : 2;
	if (rc < 0)
		goto out;
	if (rc == 1) {
		/* start over on one thread */
		sk_csv_close(r);
		agg_release(&a);
		sk_err_clear(err);
		nin = 0;
		if (agg_init(&a, &defs[o->report], in, err) < 0 ||
		    !(r = sk_csv_open(in, in_header, NCOLS, err)))
			goto out;
		a.path = sk_csv_path(r);
	}
	if (rc > 0)
		sk_step_count(s, "threads", 1);
	while (rc > 0 && (rc = sk_csv_next(r, &row, err)) > 0) {
		nin++;
		if (add_row(&a, &row, err) < 0)
			goto out;
		sk_step_progress(s, (unsigned long long)nin);
	}
	if (rc < 0 || flush_pair(&a, err) < 0)
		goto out;
	if (sk_csv_digest(r, &info) == 0)
		sk_step_input_info(s, &info); /* read on one thread: lineage */
	if (!(rows = sorted_groups(&a, &nout, err)))
		goto out;
	if (grade(s, q, (long long)nout, min_rows, out, err) < 0)
		goto out;
	if (write_report(&a, out, rows, nout, &info, err) < 0)
		goto out;
	sk_step_output(s, &info);
	for (size_t i = 0; i < nout; i++)
		pairs += rows[i].g->distinct;
	sk_step_count(s, "distinct_pairs", pairs);
	ret = 0;
out:
	sk_step_rows(s, nin, ret == 0 ? (long long)nout : 0);
	sk_quality_close(q);
	free(rows);
	sk_csv_close(r);
	if (a.groups || a.values)
		agg_release(&a);
	return ret;
}

int sk_analyze_check(struct sk_step *s, const struct sk_analyze_opts *o, struct sk_err *err)
{
	char in[PATH_MAX], out[PATH_MAX];
	struct sk_csv_reader *r;
	struct sk_quality *q = NULL;
	long long min_rows;
	int threads, ret = -1;

	if (settings(s, o, in, out, &threads, &min_rows, &q, err) < 0)
		goto out;
	if (!(r = sk_csv_open(in, in_header, NCOLS, err)))
		goto out;
	sk_csv_close(r);
	/* create and drop a temporary file where the report would go */
	ret = sk_check_writable(out, err);
out:
	sk_quality_close(q);
	return ret;
}

int sk_analyze_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_analyze_run(s, sk_step_ctx(s), err);
}

int sk_analyze_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_analyze_check(s, sk_step_ctx(s), err);
}
