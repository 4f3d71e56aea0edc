/* Unit tests for lib/money.c: exact cents, strict parsing, calendar checks. */
#include "base.h"
#include "money.h"
#include "tap.h"

static long long cents(const char *s, int *rc)
{
	long long v = -999999;
	*rc = sk_money_parse(s, strlen(s), &v);
	return v;
}

static void parse_ok(const char *s, long long want)
{
	int rc;
	long long got = cents(s, &rc);
	ok(rc == 0 && got == want, "money '%s' = %lld cents (got %lld, rc %d)", s, want, got, rc);
}

static void parse_bad(const char *s)
{
	int rc;
	cents(s, &rc);
	ok(rc == -1, "money '%s' rejected", s);
}

static void fmt_is(long long c, const char *want)
{
	char buf[SK_MONEY_BUFSIZE];
	size_t n = sk_money_format(c, buf);
	is_str(buf, want, "format %lld", c);
	is_int(n, strlen(want), "format %lld length", c);
}

int main(void)
{
	long long v;

	parse_ok("2.1", 210);
	parse_ok("18", 1800);
	parse_ok("0", 0);
	parse_ok("-110.62", -11062);
	parse_ok("0.85", 85);
	parse_ok(".5", 50);
	parse_ok("3.", 300);
	parse_ok("+4.05", 405);
	parse_ok("1.20", 120);
	parse_bad("");
	parse_bad("-");
	parse_bad(".");
	parse_bad("1.234");
	parse_bad("1,5");
	parse_bad("1e3");
	parse_bad(" 1");
	parse_bad("1 ");
	parse_bad("NA");
	parse_bad("99999999999999999999");
	parse_ok("9999999999999999.99", 999999999999999999LL); /* the money range's edge */
	parse_ok("-9999999999999999.99", -999999999999999999LL);
	parse_bad("10000000000000000"); /* 17 integer digits (regression money-range) */
	parse_bad("12345678901234567.89");

	fmt_is(0, "0.00");
	fmt_is(210, "2.10");
	fmt_is(1106206, "11062.06");
	fmt_is(5, "0.05");
	fmt_is(-11062, "-110.62");
	fmt_is(100, "1.00");

	ok(sk_parse_int("12", 2, &v) == 0 && v == 12, "int 12");
	ok(sk_parse_int("-80995", 6, &v) == 0 && v == -80995, "int -80995");
	ok(sk_parse_int("1.0", 3, &v) < 0, "int 1.0 rejected");
	ok(sk_parse_int("", 0, &v) < 0, "empty int rejected");
	ok(sk_parse_int("x12", 3, &v) < 0, "int x12 rejected");
	ok(sk_parse_int("1234567890123456789", 19, &v) < 0, "19-digit int rejected");

	ok(sk_is_date("2011-12-09", 10), "date 2011-12-09");
	ok(sk_is_date("2012-02-29", 10), "leap day 2012");
	ok(!sk_is_date("2011-02-29", 10), "no leap day 2011");
	ok(!sk_is_date("1900-02-29", 10), "no leap day 1900");
	ok(sk_is_date("2000-02-29", 10), "leap day 2000");
	ok(!sk_is_date("2011-13-01", 10), "month 13 rejected");
	ok(!sk_is_date("2011-1-01x", 10), "bad shape rejected");
	{
		char buf[64];
		ok(sk_date_problem("2011-12-09", 10, buf) == NULL, "2011-12-09: no problem");
		is_str(sk_date_problem("2011-02-30", 10, buf), "has day 30, but February 2011 has 28 days",
		       "2011-02-30 says why");
		is_str(sk_date_problem("2012-04-31", 10, buf), "has day 31, but April 2012 has 30 days",
		       "2012-04-31 says why");
		is_str(sk_date_problem("2011-13-01", 10, buf), "has month 13", "month 13 says why");
		is_str(sk_date_problem("2011-1-01x", 10, buf), "is not YYYY-MM-DD", "bad shape says why");
	}
	ok(sk_is_timestamp("2010-12-01T08:26:00", 19), "timestamp ok");
	ok(!sk_is_timestamp("2010-12-01 08:26:00", 19), "space instead of T rejected");
	ok(!sk_is_timestamp("2010-12-01T24:00:00", 19), "hour 24 rejected");
	ok(!sk_is_timestamp("2010-12-01T08:26", 16), "missing seconds rejected");
	return done_testing();
}
