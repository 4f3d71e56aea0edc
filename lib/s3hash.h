/*
 * s3hash.h: the digests S3 requests carry (hex SHA-256 for
 * x-amz-content-sha256, MD5 for Content-MD5), read from an open file.
 * Messages do not name the file: the caller does (SK_E_IO "the file shrank
 * while it was read", SK_E_INTERRUPTED "hashing stopped" on SIGTERM).
 *
 * A multipart upload hashes its parts on a second thread, one part ahead of
 * the one being sent: the digests of a part are needed before its first
 * byte goes out (they are signed headers), so without the thread every part
 * would be read and hashed, then read and sent, one after the other. The
 * same thread feeds the whole file's SHA-256 (the step event's) in order.
 */
#ifndef SK_S3HASH_H
#define SK_S3HASH_H

#include "errors.h"
#include "sha256.h"

#include <stddef.h>

struct sk_s3_digests {
	char sha256[SK_SHA256_HEX_LEN + 1];
	unsigned char md5[16];
	char md5_b64[32];
};

/*
 * The digests of the first `size` bytes of `fd`, for a single PUT, which
 * must know both before its first byte goes out: the SHA-256 is computed on
 * a second thread (blocking every signal) while this one computes the MD5,
 * each reading the file itself, so the wait is the slower of the two, not
 * their sum. 0, or -1 with `err`.
 */
int sk_s3_hash_file(int fd, unsigned long long size, struct sk_s3_digests *d, struct sk_err *err);

/* The digests of `len` bytes in memory. 0, or -1 with `err`. */
int sk_s3_hash_mem(const void *data, size_t len, struct sk_s3_digests *d, struct sk_err *err);

struct sk_s3_part_hasher;

/*
 * Start hashing the `nparts` parts of `part` bytes (the last one shorter)
 * of the `size` bytes of `fd`, in order, on a thread that blocks every
 * signal; the whole file's SHA-256 comes with them. When no thread can be
 * had, sk_s3_part_digests() hashes each part itself. NULL, with `err`, only
 * when out of memory.
 */
struct sk_s3_part_hasher *sk_s3_part_hasher_start(int fd, unsigned long long size,
						  unsigned long long part, unsigned int nparts,
						  struct sk_err *err);

/*
 * The digests of part `i` (0-based; ask in order), waiting for them if the
 * thread has not got there yet. 0, or -1 with the hashing error in `err`.
 */
int sk_s3_part_digests(struct sk_s3_part_hasher *h, unsigned int i, struct sk_s3_digests *d,
		       struct sk_err *err);

/* The whole file's SHA-256, once the last part's digests were returned. */
void sk_s3_part_hasher_sha256(struct sk_s3_part_hasher *h, char hex[SK_SHA256_HEX_LEN + 1]);

/* Stop the thread (if still hashing) and free everything. NULL is fine. */
void sk_s3_part_hasher_close(struct sk_s3_part_hasher *h);

#endif
