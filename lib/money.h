/*
 * money.h: exact money in integer cents, and the other field parsers of the
 * data contract (integers, dates, timestamps). Nothing here uses floating
 * point: SPEC.md requires byte-exact sums.
 */
#ifndef SK_MONEY_H
#define SK_MONEY_H

#include <stddef.h>

/*
 * The one range of money in stepkit: at most 16 integer digits, so
 * |value| <= 9999999999999999.99. Transform refuses a price or a line total
 * beyond it (the first step that reads the value); the analyses accept
 * exactly this range, so whatever transform writes they read.
 */
#define SK_MONEY_MAX_CENTS 999999999999999999LL
#define SK_MONEY_MAX_DIGITS 16

/* Longest text sk_money_format writes, NUL included. */
#define SK_MONEY_BUFSIZE 32

/*
 * Parse a decimal with at most two fraction digits ("2.1", "-110.62", "18",
 * "0", ".5", "3."): optional sign, digits, optional point and up to two
 * digits. Returns 0 and the value in cents, or -1 (empty, stray character,
 * three or more fraction digits, beyond +/- SK_MONEY_MAX_CENTS).
 */
int sk_money_parse(const char *s, size_t len, long long *cents);

/* Write `cents` as "[-]INT.DD" into `buf`; returns the length. */
size_t sk_money_format(long long cents, char buf[SK_MONEY_BUFSIZE]);

/* Parse a base-10 integer (optional sign, digits only). 0, or -1. */
int sk_parse_int(const char *s, size_t len, long long *v);

/*
 * Why `s` is not a real calendar date "YYYY-MM-DD": NULL when it is one,
 * else a reason written into `buf` ("is not YYYY-MM-DD", "has month 13",
 * "has day 30, but February 2011 has 28 days").
 */
const char *sk_date_problem(const char *s, size_t len, char buf[64]);

/* 1 if `s` is a real calendar date "YYYY-MM-DD", else 0. */
int sk_is_date(const char *s, size_t len);

/* 1 if `s` is "YYYY-MM-DDTHH:MM:SS" with a real date and time, else 0. */
int sk_is_timestamp(const char *s, size_t len);

#endif
