#include "base.h"
#include "sha256.h"
#include "sig.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

struct sk_sha256 {
	EVP_MD_CTX *ctx;
};

struct sk_sha256 *sk_sha256_open(struct sk_err *err)
{
	struct sk_sha256 *h = calloc(1, sizeof(*h));

	if (!h || !(h->ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		sk_sha256_close(h);
		sk_err_set(err, SK_E_NOMEM, "cannot set up sha256");
		return NULL;
	}
	return h;
}

void sk_sha256_update(struct sk_sha256 *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void sk_sha256_hex(struct sk_sha256 *h, char hex[SK_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	for (unsigned int i = 0; i < len && i < SK_SHA256_HEX_LEN / 2; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[SK_SHA256_HEX_LEN] = '\0';
}

void sk_sha256_close(struct sk_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

#define FILE_BLOCK (256 * 1024)

int sk_sha256_file(const char *path, const int *stop, char hex[SK_SHA256_HEX_LEN + 1],
		   unsigned long long *bytes, struct sk_err *err)
{
	struct sk_sha256 *h = NULL;
	unsigned long long total = 0;
	char *block = NULL;
	int fd = -1, ret = -1;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!(h = sk_sha256_open(err)))
		goto out;
	if (!(block = malloc(FILE_BLOCK))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	while ((n = read(fd, block, FILE_BLOCK)) != 0) {
		if ((stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) || sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "'%s': hashing stopped", path);
			goto out;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sk_err_set(err, SK_E_IO, "read '%s': %s", path, strerror(errno));
			goto out;
		}
		sk_sha256_update(h, block, (size_t)n);
		total += (unsigned long long)n;
	}
	sk_sha256_hex(h, hex);
	if (bytes)
		*bytes = total;
	ret = 0;
out:
	free(block);
	sk_sha256_close(h);
	if (fd >= 0)
		close(fd);
	return ret;
}
