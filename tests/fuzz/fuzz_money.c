/*
 * fuzz_money: libFuzzer target for the field parsers of lib/money.c: money,
 * integers, dates and timestamps. Invariants: a parsed amount is in range
 * and formats to text that parses back to it; an integer's digits print
 * back to the same value; a date has a reason exactly when it is not a
 * date, the reason fits its buffer; a timestamp starts with a date.
 */
#include "base.h"
#include "money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char buf[SK_MONEY_BUFSIZE], why[64];
	long long cents, again, v;
	const char *problem;

	if (sk_money_parse(s, size, &cents) == 0) {
		size_t n = sk_money_format(cents, buf);
		if (cents > SK_MONEY_MAX_CENTS || cents < -SK_MONEY_MAX_CENTS)
			__builtin_trap();
		if (n >= sizeof(buf) || buf[n] != '\0' || n < 4 || buf[n - 3] != '.')
			__builtin_trap();
		if (sk_money_parse(buf, n, &again) != 0 || again != cents)
			__builtin_trap();
	}
	if (sk_parse_int(s, size, &v) == 0) {
		int n = snprintf(buf, sizeof(buf), "%lld", v);
		if (sk_parse_int(buf, (size_t)n, &again) != 0 || again != v)
			__builtin_trap();
	}
	problem = sk_date_problem(s, size, why);
	if (!problem != !!sk_is_date(s, size))
		__builtin_trap();
	if (problem && strnlen(problem, 64) >= 64)
		__builtin_trap();
	if (sk_is_timestamp(s, size) && (size < 19 || !sk_is_date(s, 10) || s[10] != 'T'))
		__builtin_trap();
	return 0;
}
