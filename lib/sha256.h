/*
 * sha256.h: incremental SHA-256, hex output.
 *
 * A thin wrapper over OpenSSL's libcrypto (already in every step's runtime
 * closure through libcurl, libpq and libssh2), so tools never see EVP types.
 */
#ifndef SK_SHA256_H
#define SK_SHA256_H

#include "errors.h"

struct sk_sha256;

#define SK_SHA256_HEX_LEN 64

/* A new hashing context, or NULL with `err` set. Caller closes. */
struct sk_sha256 *sk_sha256_open(struct sk_err *err);

/* Feed `n` bytes. */
void sk_sha256_update(struct sk_sha256 *h, const void *p, size_t n);

/* Finish into `hex` (65 bytes: 64 digits and a NUL). The context is spent. */
void sk_sha256_hex(struct sk_sha256 *h, char hex[SK_SHA256_HEX_LEN + 1]);

/* Free the context. NULL is fine. */
void sk_sha256_close(struct sk_sha256 *h);

/* Hash a whole file: 0, or -1 with `err` (SK_E_IO naming the path;
 * SK_E_INTERRUPTED on a signal or once `*stop`, read atomically, is set:
 * another thread may set it). `stop` may be NULL. */
int sk_sha256_file(const char *path, const int *stop, char hex[SK_SHA256_HEX_LEN + 1],
		   unsigned long long *bytes, struct sk_err *err);

#endif
