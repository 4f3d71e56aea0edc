#include "base.h"
#include "s3hash.h"
#include "sig.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define HASH_BUF (1 << 20)

/* The SHA-256 and the MD5 of one request body, fed together. */
struct body_hash {
	struct sk_sha256 *sha;
	EVP_MD_CTX *md5;
};

static int body_hash_open(struct body_hash *b, struct sk_err *err)
{
	b->md5 = NULL;
	if (!(b->sha = sk_sha256_open(err)))
		return -1;
	if (!(b->md5 = EVP_MD_CTX_new()) || EVP_DigestInit_ex(b->md5, EVP_md5(), NULL) != 1)
		return sk_err_set(err, SK_E_NOMEM, "md5: cannot initialise");
	return 0;
}

static int body_hash_update(struct body_hash *b, const void *p, size_t n, struct sk_err *err)
{
	sk_sha256_update(b->sha, p, n);
	if (EVP_DigestUpdate(b->md5, p, n) != 1)
		return sk_err_set(err, SK_E_NOMEM, "md5 failed");
	return 0;
}

static int body_hash_finish(struct body_hash *b, struct sk_s3_digests *d, struct sk_err *err)
{
	unsigned int mdlen = 0;

	sk_sha256_hex(b->sha, d->sha256);
	if (EVP_DigestFinal_ex(b->md5, d->md5, &mdlen) != 1 || mdlen != 16)
		return sk_err_set(err, SK_E_NOMEM, "md5 failed");
	EVP_EncodeBlock((unsigned char *)d->md5_b64, d->md5, 16);
	return 0;
}

static void body_hash_close(struct body_hash *b)
{
	sk_sha256_close(b->sha);
	EVP_MD_CTX_free(b->md5);
}

int sk_s3_hash_mem(const void *data, size_t len, struct sk_s3_digests *d, struct sk_err *err)
{
	struct body_hash b;
	int ret = -1;

	if (body_hash_open(&b, err) == 0 && body_hash_update(&b, data, len, err) == 0 &&
	    body_hash_finish(&b, d, err) == 0)
		ret = 0;
	body_hash_close(&b);
	return ret;
}

/* Read `len` bytes of `fd` from `off` through `buf`, handing each block to
 * `eat` (which returns 0, or -1 with `err`). Stops once `stop` is set or a signal came. */
static int read_range(int fd, off_t off, unsigned long long len,
		      unsigned char *buf, size_t bufsize, atomic_int *stop,
		      int (*eat)(void *ctx, const unsigned char *p, size_t n, struct sk_err *err),
		      void *ctx, struct sk_err *err)
{
	while (len > 0) {
		size_t want = len < bufsize ? (size_t)len : bufsize;
		ssize_t got;

		if ((stop && atomic_load(stop)) || sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED, "hashing stopped");
		do
			got = pread(fd, buf, want, off);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return sk_err_set(err, SK_E_IO, "%s",
					  got < 0 ? strerror(errno) : "the file shrank while it was read");
		if (eat(ctx, buf, (size_t)got, err) < 0)
			return -1;
		off += got;
		len -= (unsigned long long)got;
	}
	return 0;
}

struct range_ctx {
	struct body_hash *b;
	struct sk_sha256 *whole;
};

static int eat_both(void *ctx, const unsigned char *p, size_t n, struct sk_err *err)
{
	struct range_ctx *r = ctx;

	if (body_hash_update(r->b, p, n, err) < 0)
		return -1;
	if (r->whole)
		sk_sha256_update(r->whole, p, n);
	return 0;
}

/*
 * Hash `len` bytes of `fd` from `off` (pread: the file position is left
 * alone) into `d`, feeding `whole` too when it is not NULL, through `buf`.
 * Stops early, with SK_E_INTERRUPTED, once `stop` is set or a signal came.
 */
static int hash_range(int fd, off_t off, unsigned long long len,
		      unsigned char *buf, size_t bufsize, struct sk_s3_digests *d,
		      struct sk_sha256 *whole, atomic_int *stop, struct sk_err *err)
{
	struct body_hash b;
	struct range_ctx r = {&b, whole};
	int ret = -1;

	if (body_hash_open(&b, err) == 0 &&
	    read_range(fd, off, len, buf, bufsize, stop, eat_both, &r, err) == 0)
		ret = body_hash_finish(&b, d, err);
	body_hash_close(&b);
	return ret;
}

/* ---- a whole file, its two digests on two threads ---- */

struct sha_lane {
	int fd;
	unsigned long long size;
	struct sk_sha256 *sha;
	int rc;
	struct sk_err err;
};

static int eat_sha(void *ctx, const unsigned char *p, size_t n, struct sk_err *err)
{
	(void)err;
	sk_sha256_update(ctx, p, n);
	return 0;
}

static int eat_md5(void *ctx, const unsigned char *p, size_t n, struct sk_err *err)
{
	if (EVP_DigestUpdate(ctx, p, n) != 1)
		return sk_err_set(err, SK_E_NOMEM, "md5 failed");
	return 0;
}

static void *sha_lane_main(void *arg)
{
	struct sha_lane *l = arg;
	unsigned char *buf = malloc(HASH_BUF);

	l->rc = buf ? read_range(l->fd, 0, l->size, buf, HASH_BUF, NULL, eat_sha, l->sha, &l->err)
		    : sk_err_set(&l->err, SK_E_NOMEM, "out of memory");
	free(buf);
	return NULL;
}

int sk_s3_hash_file(int fd, unsigned long long size, struct sk_s3_digests *d, struct sk_err *err)
{
	struct body_hash b;
	struct sha_lane lane = {fd, size, NULL, 0, SK_ERR_INIT};
	unsigned char *buf = malloc(HASH_BUF);
	pthread_t thread;
	int started, ret = -1;

	if (!buf) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return -1;
	}
	if (body_hash_open(&b, err) < 0)
		goto out;
	lane.sha = b.sha;
	started = sk_thread_start(&thread, sha_lane_main, &lane) == 0;
	if (!started) { /* no thread: one pass, both digests */
		struct range_ctx r = {&b, NULL};
		if (read_range(fd, 0, size, buf, HASH_BUF, NULL, eat_both, &r, err) == 0)
			ret = body_hash_finish(&b, d, err);
		goto out;
	}
	ret = read_range(fd, 0, size, buf, HASH_BUF, NULL, eat_md5, b.md5, err);
	pthread_join(thread, NULL);
	if (ret == 0 && lane.rc < 0) {
		*err = lane.err;
		ret = -1;
	}
	if (ret == 0)
		ret = body_hash_finish(&b, d, err);
out:
	body_hash_close(&b);
	free(buf);
	return ret;
}

struct sk_s3_part_hasher {
	int fd;
	unsigned long long size, part;
	unsigned int nparts;
	unsigned char *buf;
	struct sk_sha256 *whole;
	struct sk_s3_digests *d; /* one per part */
	char whole_hex[SK_SHA256_HEX_LEN + 1];

	pthread_t thread;
	int started;
	atomic_int stop;
	pthread_mutex_t mu; /* guards what follows */
	pthread_cond_t cv;
	unsigned int ready;  /* parts whose digests are in d[] */
	unsigned int wanted; /* the part being sent: the thread stays one part ahead
				of it, so the part is still in the page cache when
				it is read again to be sent */
	int failed;
	struct sk_err err;
};

/* Hash part `i` into d[i]; the last part also finishes the whole file's hash. */
static int hash_part(struct sk_s3_part_hasher *h, unsigned int i, struct sk_err *err)
{
	unsigned long long off = (unsigned long long)i * h->part;
	unsigned long long len = h->size - off < h->part ? h->size - off : h->part;

	if (hash_range(h->fd, (off_t)off, len, h->buf, HASH_BUF, &h->d[i], h->whole,
		       &h->stop, err) < 0)
		return -1;
	if (i + 1 == h->nparts)
		sk_sha256_hex(h->whole, h->whole_hex);
	return 0;
}

static void *hasher_main(void *arg)
{
	struct sk_s3_part_hasher *h = arg;

	for (unsigned int i = 0; i < h->nparts; i++) {
		struct sk_err e = SK_ERR_INIT;
		int rc;

		pthread_mutex_lock(&h->mu);
		while (i > h->wanted + 1 && !atomic_load(&h->stop))
			pthread_cond_wait(&h->cv, &h->mu);
		pthread_mutex_unlock(&h->mu);
		rc = hash_part(h, i, &e);
		pthread_mutex_lock(&h->mu);
		if (rc < 0) {
			h->failed = 1;
			h->err = e;
		} else {
			h->ready = i + 1;
		}
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
		if (rc < 0)
			break;
	}
	return NULL;
}

struct sk_s3_part_hasher *sk_s3_part_hasher_start(int fd, unsigned long long size,
						  unsigned long long part, unsigned int nparts,
						  struct sk_err *err)
{
	struct sk_s3_part_hasher *h = calloc(1, sizeof(*h));

	if (!h || !(h->buf = malloc(HASH_BUF)) || !(h->d = calloc(nparts, sizeof(*h->d)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	if (!(h->whole = sk_sha256_open(err)))
		goto fail;
	h->fd = fd;
	h->size = size;
	h->part = part;
	h->nparts = nparts;
	atomic_init(&h->stop, 0);
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		sk_err_set(err, SK_E_NOMEM, "cannot create a mutex");
		goto fail;
	}
	if (pthread_cond_init(&h->cv, NULL) != 0) {
		pthread_mutex_destroy(&h->mu);
		sk_err_set(err, SK_E_NOMEM, "cannot create a condition variable");
		goto fail;
	}
	/* signals stay with the sending thread, whose transfers must see them */
	h->started = sk_thread_start(&h->thread, hasher_main, h) == 0;
	return h;
fail:
	if (h) {
		sk_sha256_close(h->whole);
		free(h->d);
		free(h->buf);
		free(h);
	}
	return NULL;
}

int sk_s3_part_digests(struct sk_s3_part_hasher *h, unsigned int i, struct sk_s3_digests *d,
		       struct sk_err *err)
{
	if (!h->started) { /* no thread: hash here, in order */
		if (i >= h->ready && hash_part(h, i, err) < 0)
			return -1;
		h->ready = i + 1;
		*d = h->d[i];
		return 0;
	}
	pthread_mutex_lock(&h->mu);
	h->wanted = i;
	pthread_cond_broadcast(&h->cv); /* the thread may go on to part i + 1 */
	while (h->ready <= i && !h->failed)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->ready > i) {
		*d = h->d[i];
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
	*err = h->err;
	pthread_mutex_unlock(&h->mu);
	return -1;
}

void sk_s3_part_hasher_sha256(struct sk_s3_part_hasher *h, char hex[SK_SHA256_HEX_LEN + 1])
{
	memcpy(hex, h->whole_hex, SK_SHA256_HEX_LEN + 1);
}

void sk_s3_part_hasher_close(struct sk_s3_part_hasher *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	atomic_store(&h->stop, 1);
	pthread_cond_broadcast(&h->cv); /* a thread waiting to go ahead stops */
	pthread_mutex_unlock(&h->mu);
	if (h->started)
		pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	sk_sha256_close(h->whole);
	free(h->d);
	free(h->buf);
	free(h);
}
