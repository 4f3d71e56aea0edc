#include "base.h"
#include "money.h"


int sk_money_parse(const char *s, size_t len, long long *cents)
{
	size_t i = 0;
	int neg = 0, digits = 0, frac = 0;
	long long v = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		v = v * 10 + (s[i] - '0');
		if (v > SK_MONEY_MAX_CENTS / 100)
			return -1;
	}
	v *= 100;
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac++) {
			if (frac == 2)
				return -1;
			v += (s[i] - '0') * (frac == 0 ? 10 : 1);
		}
	}
	if (i != len || digits + frac == 0)
		return -1;
	*cents = neg ? -v : v;
	return 0;
}

size_t sk_money_format(long long cents, char buf[SK_MONEY_BUFSIZE])
{
	char tmp[SK_MONEY_BUFSIZE];
	unsigned long long u = cents < 0 ? 0ULL - (unsigned long long)cents
					 : (unsigned long long)cents;
	size_t n = 0, out = 0;

	tmp[n++] = (char)('0' + u % 10);
	u /= 10;
	tmp[n++] = (char)('0' + u % 10);
	u /= 10;
	tmp[n++] = '.';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (cents < 0)
		buf[out++] = '-';
	while (n)
		buf[out++] = tmp[--n];
	buf[out] = '\0';
	return out;
}

int sk_parse_int(const char *s, size_t len, long long *v)
{
	size_t i = 0;
	int neg = 0;
	unsigned long long u = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == len || len - i > 18)
		return -1; /* 18 digits always fit; more is not a quantity */
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		u = u * 10 + (unsigned long long)(s[i] - '0');
	}
	*v = neg ? -(long long)u : (long long)u;
	return 0;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

const char *sk_date_problem(const char *s, size_t len, char buf[64])
{
	static const char *const months[] = {"January", "February", "March", "April",
					     "May", "June", "July", "August", "September",
					     "October", "November", "December"};
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, n;

	if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return "is not YYYY-MM-DD";
	if (m < 1 || m > 12) {
		snprintf(buf, 64, "has month %d", m);
		return buf;
	}
	n = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d < 1 || d > n) {
		snprintf(buf, 64, "has day %d, but %s %04d has %d days", d, months[m - 1], y, n);
		return buf;
	}
	return NULL;
}

int sk_is_date(const char *s, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, leap;

	if (len != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

int sk_is_timestamp(const char *s, size_t len)
{
	int h, mi, se;

	return len == 19 && sk_is_date(s, 10) && s[10] == 'T' && s[13] == ':' &&
	       s[16] == ':' && digits(s + 11, 2, &h) && digits(s + 14, 2, &mi) &&
	       digits(s + 17, 2, &se) && h < 24 && mi < 60 && se < 60;
}
