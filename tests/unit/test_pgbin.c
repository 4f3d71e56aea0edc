/* Unit tests for lib/pgbin.c: COPY's binary form, byte for byte; what goes as text instead. */
#include "base.h"
#include "pgbin.h"
#include "tap.h"

#include <string.h>

/* The field for `v` in a column of `kind` (typmod -1 unless given), as hex; "text" when declined. */
static const char *field_hex(enum sk_pgbin_kind kind, int typmod, const char *v)
{
	static char hex[512];
	struct sk_buf b = SK_BUF_INIT(1 << 16);
	struct sk_pgbin_col c = {kind, typmod};
	struct sk_err err = {0};
	int rc = sk_pgbin_field(&b, &c, v, strlen(v), &err);

	if (rc == 1)
		snprintf(hex, sizeof(hex), "text");
	else if (rc < 0)
		snprintf(hex, sizeof(hex), "error");
	else
		for (size_t i = 0; i < b.len && 2 * i + 2 < sizeof(hex); i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)b.data[i]);
	sk_buf_release(&b);
	return hex;
}

static void enc(enum sk_pgbin_kind kind, const char *v, const char *want)
{
	is_str(field_hex(kind, -1, v), want, "'%s'", v);
}

static void as_text(enum sk_pgbin_kind kind, int typmod, const char *v)
{
	is_str(field_hex(kind, typmod, v), "text", "'%s' goes as text", v);
}

int main(void)
{
	struct sk_buf b = SK_BUF_INIT(1 << 16);
	struct sk_err err = {0};

	ok(sk_pgbin_header(&b, &err) == 0 && b.len == 19 &&
		   !memcmp(b.data, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19),
	   "header: signature, flags 0, no extension");
	sk_buf_reset(&b);
	ok(sk_pgbin_row(&b, 7, &err) == 0 && sk_pgbin_null(&b, &err) == 0 &&
		   sk_pgbin_trailer(&b, &err) == 0 && b.len == 8 &&
		   !memcmp(b.data, "\0\7\377\377\377\377\377\377", 8),
	   "row of 7 fields, a NULL, the trailer");
	sk_buf_release(&b);

	is_int(sk_pgbin_kind_of(25), SK_PGBIN_TEXT, "text");
	is_int(sk_pgbin_kind_of(1043), SK_PGBIN_TEXT, "varchar");
	is_int(sk_pgbin_kind_of(1042), SK_PGBIN_TEXT, "char");
	is_int(sk_pgbin_kind_of(1700), SK_PGBIN_NUMERIC, "numeric");
	is_int(sk_pgbin_kind_of(1114), SK_PGBIN_TIMESTAMP, "timestamp");
	is_int(sk_pgbin_kind_of(1184), SK_PGBIN_NONE, "timestamptz: none (the session's zone)");
	is_int(sk_pgbin_kind_of(3802), SK_PGBIN_NONE, "jsonb: none");
	is_int(sk_pgbin_kind_of(701), SK_PGBIN_NONE, "float8: none");

	enc(SK_PGBIN_TEXT, "\xc3\xa9 x", "00000004c3a92078");
	enc(SK_PGBIN_BOOL, "t", "0000000101");
	enc(SK_PGBIN_BOOL, "false", "0000000100");
	enc(SK_PGBIN_INT2, "-32768", "000000028000");
	enc(SK_PGBIN_INT4, "-1", "00000004ffffffff");
	enc(SK_PGBIN_INT4, "007", "0000000400000007");
	enc(SK_PGBIN_INT4, "-0", "0000000400000000");
	enc(SK_PGBIN_INT8, "9223372036854775807", "000000087fffffffffffffff");
	enc(SK_PGBIN_INT8, "-9223372036854775808", "000000088000000000000000");
	/* numeric: ndigits, weight, sign, dscale, base-10000 digits */
	enc(SK_PGBIN_NUMERIC, "29.50", "0000000c0002000000000002001d1388");
	enc(SK_PGBIN_NUMERIC, "-0.00", "000000080000000000000002");
	enc(SK_PGBIN_NUMERIC, "0", "000000080000000000000000");
	enc(SK_PGBIN_NUMERIC, "0.0001", "0000000a0001ffff000000040001");
	enc(SK_PGBIN_NUMERIC, "12345678.9", "0000000e000300010000000104d2162e2328");
	enc(SK_PGBIN_NUMERIC, "10000", "0000000a00010001000000000001");
	enc(SK_PGBIN_NUMERIC, "-007.5", "0000000c000200004000000100071388");
	/* date: days since 2000-01-01; timestamp: microseconds */
	enc(SK_PGBIN_DATE, "2000-01-01", "0000000400000000");
	enc(SK_PGBIN_DATE, "1999-12-31", "00000004ffffffff");
	enc(SK_PGBIN_DATE, "2024-02-29", "0000000400002279");
	enc(SK_PGBIN_DATE, "0001-01-01", "00000004fff4dbf9");
	enc(SK_PGBIN_TIMESTAMP, "2000-01-01T00:00:01.5", "00000008000000000016e360");
	enc(SK_PGBIN_TIMESTAMP, "1970-01-01 00:00:00", "00000008fffca2fec4c82000");
	is_str(field_hex(SK_PGBIN_TIMESTAMP, 3, "2000-01-01 00:00:00.123"), "00000008000000000001e078",
	       "timestamp(3) with 3 digits");

	/* anything else: the server's input function decides, from text */
	as_text(SK_PGBIN_BOOL, -1, "yes");
	as_text(SK_PGBIN_BOOL, -1, "T");
	as_text(SK_PGBIN_INT2, -1, "32768");
	as_text(SK_PGBIN_INT4, -1, "2147483648");
	as_text(SK_PGBIN_INT4, -1, "+1");
	as_text(SK_PGBIN_INT4, -1, " 1");
	as_text(SK_PGBIN_INT4, -1, "-");
	as_text(SK_PGBIN_INT8, -1, "9223372036854775808");
	as_text(SK_PGBIN_NUMERIC, -1, "1e3");
	as_text(SK_PGBIN_NUMERIC, -1, ".5");
	as_text(SK_PGBIN_NUMERIC, -1, "5.");
	as_text(SK_PGBIN_NUMERIC, -1, "NaN");
	as_text(SK_PGBIN_NUMERIC, -1, "-");
	as_text(SK_PGBIN_DATE, -1, "2010-1-05");
	as_text(SK_PGBIN_DATE, -1, "2001-02-29");
	as_text(SK_PGBIN_DATE, -1, "1900-02-29");
	as_text(SK_PGBIN_DATE, -1, "2000-04-31");
	as_text(SK_PGBIN_DATE, -1, "0000-01-01");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 24:00:00");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 23:59:60");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 07:42");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 07:42:00Z");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 07:42:00.");
	as_text(SK_PGBIN_TIMESTAMP, -1, "2010-01-05 07:42:00.1234567");
	as_text(SK_PGBIN_TIMESTAMP, 3, "2010-01-05 07:42:00.1234");
	as_text(SK_PGBIN_NONE, -1, "x");
	return done_testing();
}
