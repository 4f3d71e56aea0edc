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

/* The version every tool prints for --version. */
#define SK_VERSION "0.1.0"

#include "banned.h"

#endif
