/*
 * tap.h: the Test Anything Protocol in a few macros, for the unit tests
 * (redis testhelp.h spirit). Each test binary prints "ok N - name" lines and
 * a plan at the end; `prove` reads them.
 */
#ifndef SK_TAP_H
#define SK_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                      \
	do {                                                               \
		int ok_ = !!(cond);                                        \
		printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);          \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
		if (!ok_) {                                                \
			tap_failed++;                                      \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                          \
	} while (0)

/* Compare two C strings, showing both on failure. */
#define is_str(got, want, ...)                                             \
	do {                                                               \
		const char *g_ = (got), *w_ = (want);                      \
		int same_ = g_ && w_ && !strcmp(g_, w_);                   \
		ok(same_, __VA_ARGS__);                                    \
		if (!same_)                                                \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} while (0)

#define is_int(got, want, ...)                                             \
	do {                                                               \
		long long g_ = (long long)(got), w_ = (long long)(want);   \
		ok(g_ == w_, __VA_ARGS__);                                 \
		if (g_ != w_)                                              \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
	} while (0)

/* A fixed-seed xorshift64 for randomised tests: the same cases every run, so
 * a failure reproduces. tap_seed(S) sets the seed; tap_rnd(n) is 0..n-1. */
static unsigned long long tap_seed_ = 0x9E3779B97F4A7C15ULL;
static inline void tap_seed(unsigned long long s) { tap_seed_ = s; }
static inline unsigned tap_rnd(unsigned n)
{
	tap_seed_ ^= tap_seed_ << 13;
	tap_seed_ ^= tap_seed_ >> 7;
	tap_seed_ ^= tap_seed_ << 17;
	return (unsigned)(tap_seed_ % n);
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
