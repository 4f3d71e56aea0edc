/*
 * banned.h: libc calls that are easy to misuse, banned at compile time.
 *
 * Included last by base.h, after the system headers, so the macros only hit
 * our own code. Each replacement names what to use instead.
 */
#ifndef SK_BANNED_H
#define SK_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_stepkit

#undef strcpy
#define strcpy(x, y) BANNED(strcpy_use_snprintf)
#undef strcat
#define strcat(x, y) BANNED(strcat_use_sk_buf)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy_use_snprintf)
#undef sprintf
#define sprintf(...) BANNED(sprintf_use_snprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf_use_vsnprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok_use_strtok_r)
#undef atoi
#define atoi(x) BANNED(atoi_use_sk_parse_i64)
#undef atol
#define atol(x) BANNED(atol_use_sk_parse_i64)
#undef gmtime
#define gmtime(t) BANNED(gmtime_use_gmtime_r)
#undef localtime
#define localtime(t) BANNED(localtime_use_localtime_r)
#undef gets
#define gets(x) BANNED(gets)

#endif
