/*
 * pgbin.c: COPY's binary form of CSV text (see pgbin.h). Each converter
 * takes only the plain form of its type and answers 1 for anything else:
 * the server's input function, in a COPY of text, then decides. The wire
 * formats are those of the types' send/receive functions: big-endian
 * integers; a numeric as base-10000 digits with weight, sign and display
 * scale; a date as days and a timestamp as microseconds since 2000-01-01.
 */
#include "base.h"
#include "pgbin.h"

#include <stdint.h>
#include <string.h>

/* pg_type oids of the built-in types (fixed in PostgreSQL's catalog) */
enum {
	OID_BOOL = 16,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
	OID_DATE = 1082,
	OID_TIMESTAMP = 1114,
	OID_NUMERIC = 1700,
};

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_MAX_DIGITS 1000 /* longer ones go as text */
#define POSTGRES_EPOCH_JDATE 2451545 /* date2j(2000, 1, 1) */

enum sk_pgbin_kind sk_pgbin_kind_of(unsigned long typoid)
{
	switch (typoid) {
	case OID_TEXT:
	case OID_VARCHAR:
	case OID_BPCHAR:
		return SK_PGBIN_TEXT;
	case OID_BOOL:
		return SK_PGBIN_BOOL;
	case OID_INT2:
		return SK_PGBIN_INT2;
	case OID_INT4:
		return SK_PGBIN_INT4;
	case OID_INT8:
		return SK_PGBIN_INT8;
	case OID_NUMERIC:
		return SK_PGBIN_NUMERIC;
	case OID_DATE:
		return SK_PGBIN_DATE;
	case OID_TIMESTAMP:
		return SK_PGBIN_TIMESTAMP;
	}
	return SK_PGBIN_NONE;
}

static int put16(struct sk_buf *b, uint16_t v, struct sk_err *err)
{
	unsigned char c[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	return sk_buf_add(b, c, 2, err);
}

static int put32(struct sk_buf *b, uint32_t v, struct sk_err *err)
{
	unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};

	return sk_buf_add(b, c, 4, err);
}

static int put64(struct sk_buf *b, uint64_t v, struct sk_err *err)
{
	return put32(b, (uint32_t)(v >> 32), err) < 0 ? -1 : put32(b, (uint32_t)v, err);
}

int sk_pgbin_header(struct sk_buf *b, struct sk_err *err)
{
	static const char sig[11] = "PGCOPY\n\377\r\n"; /* and its NUL */

	if (sk_buf_add(b, sig, sizeof(sig), err) < 0 || put32(b, 0, err) < 0) /* flags */
		return -1;
	return put32(b, 0, err); /* no header extension */
}

int sk_pgbin_row(struct sk_buf *b, size_t nfields, struct sk_err *err)
{
	return put16(b, (uint16_t)nfields, err);
}

int sk_pgbin_null(struct sk_buf *b, struct sk_err *err)
{
	return put32(b, UINT32_MAX, err); /* length -1 */
}

int sk_pgbin_trailer(struct sk_buf *b, struct sk_err *err)
{
	return put16(b, UINT16_MAX, err); /* field count -1 */
}

int sk_pgbin_int8(struct sk_buf *b, long long v, struct sk_err *err)
{
	return put32(b, 8, err) < 0 ? -1 : put64(b, (uint64_t)v, err);
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* -?[0-9]+ within [min, max] into *out; else 1 */
static int plain_int(const char *v, size_t len, long long min, long long max, long long *out)
{
	size_t i = 0;
	int neg = 0;
	unsigned long long n = 0, lim;

	if (len > 0 && v[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return 1;
	lim = neg ? (unsigned long long)max + 1 : (unsigned long long)max;
	for (; i < len; i++) {
		if (!digit(v[i]))
			return 1;
		if (n > (lim - (unsigned long long)(v[i] - '0')) / 10)
			return 1;
		n = n * 10 + (unsigned long long)(v[i] - '0');
	}
	if (neg) {
		*out = n == lim ? min : -(long long)n;
		return 0;
	}
	*out = (long long)n;
	return 0;
}

/* n digits at v as a number, or -1 */
static int fixed_digits(const char *v, size_t n)
{
	int x = 0;

	for (size_t i = 0; i < n; i++) {
		if (!digit(v[i]))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/*
 * -?[0-9]+(.[0-9]+)? as base-10000 digits, grouped from the decimal point:
 * leading and trailing zero groups dropped, as the server stores it; the
 * display scale is the count of digits after the point, as numeric_in
 * makes it (the column's numeric(p,s) is applied by the server either way).
 */
static int put_numeric(struct sk_buf *b, const char *v, size_t len, struct sk_err *err)
{
	uint16_t d[NUMERIC_MAX_DIGITS / 4 + 3];
	const char *ipart = v, *frac = NULL;
	size_t ip = 0, fp = 0, nd = 0, first = 0, n;
	int neg = 0, weight;

	if (len > 0 && v[0] == '-') {
		neg = 1;
		ipart++;
		len--;
	}
	while (ip < len && digit(ipart[ip]))
		ip++;
	if (ip == 0)
		return 1;
	if (ip < len) {
		if (ipart[ip] != '.' || ip + 1 == len)
			return 1;
		frac = ipart + ip + 1;
		fp = len - ip - 1;
		for (size_t k = 0; k < fp; k++)
			if (!digit(frac[k]))
				return 1;
	}
	if (ip + fp > NUMERIC_MAX_DIGITS)
		return 1;
	/* the integer part, from its first group (1 to 4 digits), then the fraction's */
	for (size_t k = 0; k < ip; k += n) {
		n = k == 0 && ip % 4 ? ip % 4 : 4;
		d[nd++] = (uint16_t)fixed_digits(ipart + k, n);
	}
	weight = (int)nd - 1;
	for (size_t k = 0; k < fp; k += 4) {
		unsigned g = 0;

		for (size_t j = 0; j < 4; j++)
			g = g * 10 + (unsigned)(k + j < fp ? frac[k + j] - '0' : 0);
		d[nd++] = (uint16_t)g;
	}
	while (first < nd && d[first] == 0) {
		first++;
		weight--;
	}
	while (nd > first && d[nd - 1] == 0)
		nd--;
	if (first == nd) { /* zero: positive, weight 0 */
		neg = 0;
		weight = 0;
	}
	if (put32(b, (uint32_t)(8 + 2 * (nd - first)), err) < 0 ||
	    put16(b, (uint16_t)(nd - first), err) < 0 || put16(b, (uint16_t)(int16_t)weight, err) < 0 ||
	    put16(b, neg ? NUMERIC_NEG : NUMERIC_POS, err) < 0 || put16(b, (uint16_t)fp, err) < 0)
		return -1;
	for (size_t k = first; k < nd; k++)
		if (put16(b, d[k], err) < 0)
			return -1;
	return 0;
}

/* PostgreSQL's Julian day number of a proleptic Gregorian date */
static long julian_day(int y, int m, int d)
{
	long year = y, month = m, century, j;

	if (month > 2) {
		month += 1;
		year += 4800;
	} else {
		month += 13;
		year += 4799;
	}
	century = year / 100;
	j = year * 365 - 32167;
	j += year / 4 - century + century / 4;
	j += 7834 * month / 256 + d;
	return j;
}

/* YYYY-MM-DD (a real day) as days since 2000-01-01; else 1 */
static int plain_date(const char *v, size_t len, long *days)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (len != 10 || v[4] != '-' || v[7] != '-')
		return 1;
	y = fixed_digits(v, 4);
	m = fixed_digits(v + 5, 2);
	d = fixed_digits(v + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 1;
	*days = julian_day(y, m, d) - POSTGRES_EPOCH_JDATE;
	return 0;
}

/* YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}] as microseconds since 2000-01-01; else 1 */
static int plain_timestamp(const char *v, size_t len, int typmod, long long *us)
{
	long days;
	int h, mi, s, frac = 0;
	size_t fd = 0;

	if (len < 19 || (v[10] != 'T' && v[10] != ' ') || v[13] != ':' || v[16] != ':' ||
	    plain_date(v, 10, &days))
		return 1;
	h = fixed_digits(v + 11, 2);
	mi = fixed_digits(v + 14, 2);
	s = fixed_digits(v + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
		return 1;
	if (len > 19) {
		fd = len - 20;
		if (v[19] != '.' || fd < 1 || fd > 6 || (typmod >= 0 && (int)fd > typmod))
			return 1; /* more digits than kept: the server rounds them */
		frac = fixed_digits(v + 20, fd);
		if (frac < 0)
			return 1;
		for (size_t k = fd; k < 6; k++)
			frac *= 10;
	}
	*us = ((long long)days * 86400 + h * 3600 + mi * 60 + s) * 1000000LL + frac;
	return 0;
}

int sk_pgbin_field(struct sk_buf *b, const struct sk_pgbin_col *c, const char *v, size_t len,
		   struct sk_err *err)
{
	long long n;
	long days;

	switch (c->kind) {
	case SK_PGBIN_TEXT:
		if (len > INT32_MAX)
			return 1;
		return put32(b, (uint32_t)len, err) < 0 ? -1 : sk_buf_add(b, v, len, err);
	case SK_PGBIN_BOOL: {
		int t = (len == 1 && v[0] == 't') || (len == 4 && !memcmp(v, "true", 4));
		int f = (len == 1 && v[0] == 'f') || (len == 5 && !memcmp(v, "false", 5));
		unsigned char byte = (unsigned char)t;

		if (!t && !f)
			return 1;
		return put32(b, 1, err) < 0 ? -1 : sk_buf_add(b, &byte, 1, err);
	}
	case SK_PGBIN_INT2:
		if (plain_int(v, len, INT16_MIN, INT16_MAX, &n))
			return 1;
		return put32(b, 2, err) < 0 ? -1 : put16(b, (uint16_t)(int16_t)n, err);
	case SK_PGBIN_INT4:
		if (plain_int(v, len, INT32_MIN, INT32_MAX, &n))
			return 1;
		return put32(b, 4, err) < 0 ? -1 : put32(b, (uint32_t)(int32_t)n, err);
	case SK_PGBIN_INT8:
		if (plain_int(v, len, INT64_MIN, INT64_MAX, &n))
			return 1;
		return sk_pgbin_int8(b, n, err);
	case SK_PGBIN_NUMERIC:
		return put_numeric(b, v, len, err);
	case SK_PGBIN_DATE:
		if (plain_date(v, len, &days))
			return 1;
		return put32(b, 4, err) < 0 ? -1 : put32(b, (uint32_t)(int32_t)days, err);
	case SK_PGBIN_TIMESTAMP:
		if (plain_timestamp(v, len, c->typmod, &n))
			return 1;
		return put32(b, 8, err) < 0 ? -1 : put64(b, (uint64_t)n, err);
	case SK_PGBIN_NONE:
		break;
	}
	return 1;
}
