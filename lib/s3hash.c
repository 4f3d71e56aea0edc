#include "base.h"
#include "s3hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
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

int sk_s3_hash_range(int fd, const char *path, off_t off, unsigned long long len,
		     unsigned char *buf, size_t bufsize, struct sk_s3_digests *d,
		     struct sk_sha256 *whole, atomic_int *stop, struct sk_err *err)
{
	struct body_hash b;
	int ret = -1;

	if (body_hash_open(&b, err) < 0)
		goto out;
	while (len > 0) {
		size_t want = len < bufsize ? (size_t)len : bufsize;
		ssize_t got;

		if (stop && atomic_load(stop)) {
			sk_err_set(err, SK_E_INTERRUPTED, "'%s': hashing stopped", path);
			goto out;
		}
		do
			got = pread(fd, buf, want, off);
		while (got < 0 && errno == EINTR);
		if (got <= 0) {
			sk_err_set(err, SK_E_IO, "'%s': %s", path,
				   got < 0 ? strerror(errno) : "the file shrank while it was read");
			goto out;
		}
		if (body_hash_update(&b, buf, (size_t)got, err) < 0)
			goto out;
		if (whole)
			sk_sha256_update(whole, buf, (size_t)got);
		off += got;
		len -= (unsigned long long)got;
	}
	ret = body_hash_finish(&b, d, err);
out:
	body_hash_close(&b);
	return ret;
}

struct sk_s3_part_hasher {
	int fd;
	const char *path;
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
	unsigned int ready; /* parts whose digests are in d[] */
	int failed;
	struct sk_err err;
};

/* Hash part `i` into d[i]; the last part also finishes the whole file's hash. */
static int hash_part(struct sk_s3_part_hasher *h, unsigned int i, struct sk_err *err)
{
	unsigned long long off = (unsigned long long)i * h->part;
	unsigned long long len = h->size - off < h->part ? h->size - off : h->part;

	if (sk_s3_hash_range(h->fd, h->path, (off_t)off, len, h->buf, HASH_BUF, &h->d[i], h->whole,
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
		int rc = hash_part(h, i, &e);

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

struct sk_s3_part_hasher *sk_s3_part_hasher_start(int fd, const char *path,
						  unsigned long long size,
						  unsigned long long part, unsigned int nparts,
						  struct sk_err *err)
{
	struct sk_s3_part_hasher *h = calloc(1, sizeof(*h));
	sigset_t all, old;

	if (!h || !(h->buf = malloc(HASH_BUF)) || !(h->d = calloc(nparts, sizeof(*h->d)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	if (!(h->whole = sk_sha256_open(err)))
		goto fail;
	h->fd = fd;
	h->path = path;
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
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->started = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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
	atomic_store(&h->stop, 1);
	if (h->started)
		pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	sk_sha256_close(h->whole);
	free(h->d);
	free(h->buf);
	free(h);
}
