/*
 * pgbin.h: COPY's binary form of CSV text, for the column types whose text
 * a client can convert exactly as PostgreSQL's input functions would.
 *
 * Why: in a COPY of text, the server parses every line and runs each type's
 * input function (a timestamp's or a numeric's is costly) on the one core
 * of its backend, while the client waits. In the binary form the client
 * does that work, on another core, and the server only checks and stores
 * the values: COPY of 5,000,000 sales rows into a table without indexes
 * took 4.1 s instead of 6.3 s (2026-12-06, this repository's bench server).
 *
 * Only the plain forms are converted: a value in any other form (or out of
 * range) makes sk_pgbin_field answer 1, and the caller sends that row and
 * the rest as CSV, so what PostgreSQL stores, and the error it reports for
 * a value it refuses, is the same as with CSV.
 */
#ifndef SK_PGBIN_H
#define SK_PGBIN_H

#include "buf.h"

#include <stddef.h>

enum sk_pgbin_kind {
	SK_PGBIN_NONE = 0, /* no binary form here: the whole file goes as text */
	SK_PGBIN_TEXT,	   /* text, varchar(n), char(n): the bytes (the server checks n) */
	SK_PGBIN_BOOL,	   /* t, f, true, false */
	SK_PGBIN_INT2,	   /* -?[0-9]+ in range */
	SK_PGBIN_INT4,
	SK_PGBIN_INT8,
	SK_PGBIN_NUMERIC,   /* -?[0-9]+(.[0-9]+)? (the server applies numeric(p,s)) */
	SK_PGBIN_DATE,	    /* YYYY-MM-DD, years 0001 to 9999 */
	SK_PGBIN_TIMESTAMP, /* YYYY-MM-DD[ T]HH:MM:SS[.f] (f: up to the precision) */
};

struct sk_pgbin_col {
	enum sk_pgbin_kind kind;
	int typmod; /* pg_attribute.atttypmod: -1, or timestamp(p)'s p */
};

/* The kind of a built-in type by its oid (pg_type.oid); a domain or any other type is NONE. */
enum sk_pgbin_kind sk_pgbin_kind_of(unsigned long typoid);

/* The file's signature and header; a row's field count; a NULL field; the trailer. */
int sk_pgbin_header(struct sk_buf *b, struct sk_err *err);
int sk_pgbin_row(struct sk_buf *b, size_t nfields, struct sk_err *err);
int sk_pgbin_null(struct sk_buf *b, struct sk_err *err);
int sk_pgbin_trailer(struct sk_buf *b, struct sk_err *err);

/*
 * Append the field (its length and bytes) for the text v[0..len-1] in a
 * column of `c`. 0; 1 when the text is not in a form converted here (the
 * buffer may hold part of the field: the caller cuts it back to the row's
 * start); -1 with `err` (out of memory).
 */
int sk_pgbin_field(struct sk_buf *b, const struct sk_pgbin_col *c, const char *v, size_t len,
		   struct sk_err *err);

/* A bigint field (sk_load_copy's line numbers). */
int sk_pgbin_int8(struct sk_buf *b, long long v, struct sk_err *err);

#endif
