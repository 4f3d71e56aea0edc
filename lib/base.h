/*
 * base.h: the first include of every .c file in stepkit.
 *
 * It fixes the feature macros before any system header is read, pulls in the
 * few system headers nearly every file needs, defines the compiler helpers the
 * rest of the code uses, and finally includes banned.h so that dangerous libc
 * calls fail to compile anywhere after it (git's banned.h order).
 */
#ifndef SK_BASE_H
#define SK_BASE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* printf-style format checking for our variadic helpers. */
#define SK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define SK_NORETURN __attribute__((noreturn))
#define SK_UNUSED __attribute__((unused))
#define SK_LIKELY(x) __builtin_expect(!!(x), 1)
#define SK_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Number of elements of a true array (not a pointer). */
#define SK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* a macro's value as a string literal, for SQL and messages built at compile time */
#define SK_STR_(x) #x
#define SK_STR(x) SK_STR_(x)

/*
 * Byte strings of a few bytes (ids, codes, the fields of a row) compared and
 * copied inline: a call to memcmp or memcpy costs more than the work for
 * them, and the row-heavy steps do this tens of millions of times. Fixed-size
 * memcpy is a plain load or store; the two ranges of a length overlap
 * instead of looping.
 */
static inline int sk_same_bytes(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	if (len >= 8 && len <= 16) {
		uint64_t p, q, r, t;
		memcpy(&p, x, 8), memcpy(&q, y, 8);
		memcpy(&r, x + len - 8, 8), memcpy(&t, y + len - 8, 8);
		return ((p ^ q) | (r ^ t)) == 0;
	}
	if (len >= 4 && len < 8) {
		uint32_t p, q, r, t;
		memcpy(&p, x, 4), memcpy(&q, y, 4);
		memcpy(&r, x + len - 4, 4), memcpy(&t, y + len - 4, 4);
		return ((p ^ q) | (r ^ t)) == 0;
	}
	if (len < 4) {
		for (size_t i = 0; i < len; i++)
			if (x[i] != y[i])
				return 0;
		return 1;
	}
	return memcmp(x, y, len) == 0;
}

static inline void sk_copy_bytes(void *d, const void *s, size_t len)
{
	unsigned char *to = d;
	const unsigned char *from = s;

	if (len >= 16 && len <= 32) {
		unsigned char a[16], b[16];
		memcpy(a, from, 16), memcpy(b, from + len - 16, 16);
		memcpy(to, a, 16), memcpy(to + len - 16, b, 16);
	} else if (len >= 8 && len < 16) {
		uint64_t a, b;
		memcpy(&a, from, 8), memcpy(&b, from + len - 8, 8);
		memcpy(to, &a, 8), memcpy(to + len - 8, &b, 8);
	} else if (len >= 4 && len < 8) {
		uint32_t a, b;
		memcpy(&a, from, 4), memcpy(&b, from + len - 4, 4);
		memcpy(to, &a, 4), memcpy(to + len - 4, &b, 4);
	} else if (len < 4) {
		for (size_t i = 0; i < len; i++)
			to[i] = from[i];
	} else {
		memcpy(to, from, len);
	}
}

/* The version every tool prints for --version. */
#define SK_VERSION "0.1.0"

#include "banned.h"

#endif
