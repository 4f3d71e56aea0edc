/*
 * Unit tests for lib/s3hash.c: the digests S3 requests carry, and the part
 * hasher that runs one part ahead of the upload. Every digest is checked
 * against OpenSSL's one-shot EVP_Digest of the same bytes, and the whole
 * file's SHA-256 against sk_sha256_file.
 */
#include "base.h"
#include "s3hash.h"
#include "tap.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#define MIB (1u << 20)

/* The hex SHA-256 and base64 MD5 of `n` bytes, computed the plain way. */
static void expect(const unsigned char *p, size_t n, char sha_hex[65], char md5_b64[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < len; i++)
		snprintf(sha_hex + 2 * i, 3, "%02x", md[i]);
	EVP_Digest(p, n, md, &len, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)md5_b64, md, (int)len);
}

/* Hash `size` bytes of `data` (written to a file) in parts of `part` bytes
 * and compare every part and the whole. */
static void check_parts(const char *name, const unsigned char *data, size_t size, size_t part)
{
	char path[] = "/tmp/sk-s3hash-XXXXXX", whole[65], want_whole[65], sha[65], md5[32];
	struct sk_err err = SK_ERR_INIT;
	struct sk_s3_part_hasher *h;
	unsigned int nparts = (unsigned int)((size + part - 1) / part), good = 0;
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, data, size) == (ssize_t)size, "%s: fixture written", name);
	h = sk_s3_part_hasher_start(fd, size, part, nparts, &err);
	ok(h != NULL, "%s: hasher started", name);
	for (unsigned int i = 0; h && i < nparts; i++) {
		struct sk_s3_digests d;
		size_t off = (size_t)i * part, len = size - off < part ? size - off : part;

		expect(data + off, len, sha, md5);
		if (sk_s3_part_digests(h, i, &d, &err) == 0 && !strcmp(d.sha256, sha) &&
		    !strcmp(d.md5_b64, md5))
			good++;
		else
			printf("# part %u: got %s %s, want %s %s (%s)\n", i, d.sha256, d.md5_b64, sha,
			       md5, err.msg);
	}
	is_int(good, nparts, "%s: the %u parts' SHA-256 and MD5", name, nparts);
	if (h) {
		sk_s3_part_hasher_sha256(h, whole);
		ok(sk_sha256_file(path, NULL, want_whole, NULL, &err) == 0, "%s: file hashed", name);
		is_str(whole, want_whole, "%s: the whole file's SHA-256", name);
	}
	sk_s3_part_hasher_close(h);
	close(fd);
	unlink(path);
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_s3_digests d;
	size_t size = 5 * MIB / 2 + 3;
	unsigned char *data = malloc(size);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < size; i++) { /* xorshift: no run a bug could hide in */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}

	ok(sk_s3_hash_mem("abc", 3, &d, &err) == 0, "hash of memory");
	is_str(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of 'abc'");
	is_str(d.md5_b64, "kAFQmDzST7DWlj99KOF/cg==", "md5 of 'abc', base64 (Content-MD5)");
	ok(sk_s3_hash_mem("", 0, &d, &err) == 0, "hash of nothing");
	is_str(d.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256 of ''");

	check_parts("3 parts, the last short", data, size, MIB);
	check_parts("2 whole parts", data, 2 * MIB, MIB);
	check_parts("1 part", data, 1000, MIB);
	check_parts("parts smaller than the read buffer", data, 100003, 4096);

	{ /* a single PUT's digests, the SHA-256 on a second thread */
		char path[] = "/tmp/sk-s3hash-XXXXXX", sha[65], md5[32];
		int fd = mkstemp(path);

		ok(fd >= 0 && write(fd, data, size) == (ssize_t)size, "whole file written");
		expect(data, size, sha, md5);
		ok(sk_s3_hash_file(fd, size, &d, &err) == 0, "whole file hashed on two threads");
		is_str(d.sha256, sha, "whole file: SHA-256");
		is_str(d.md5_b64, md5, "whole file: MD5, base64");
		expect(data, 0, sha, md5);
		ok(sk_s3_hash_file(fd, 0, &d, &err) == 0 && !strcmp(d.sha256, sha) &&
		   !strcmp(d.md5_b64, md5), "an empty file's digests");
		ok(sk_s3_hash_file(fd, size + 1, &d, &err) < 0 && err.code == SK_E_IO,
		   "a file shorter than its size: i/o error");
		is_str(err.msg, "the file shrank while it was read", "... saying so (the caller names the file)");
		close(fd);
		unlink(path);
	}

	{ /* the file is shorter than the size given: the upload must not go on */
		char path[] = "/tmp/sk-s3hash-XXXXXX";
		int fd = mkstemp(path);
		struct sk_s3_part_hasher *h;
		int rc0, rc2;

		ok(fd >= 0 && write(fd, data, 2 * MIB) == 2 * MIB, "short file written");
		h = sk_s3_part_hasher_start(fd, 3 * MIB, MIB, 3, &err);
		rc0 = sk_s3_part_digests(h, 0, &d, &err);
		ok(rc0 == 0, "shrunk file: the parts still there hash");
		sk_err_clear(&err);
		rc2 = sk_s3_part_digests(h, 2, &d, &err);
		ok(rc2 < 0 && err.code == SK_E_IO, "shrunk file: the missing part is an i/o error");
		is_str(err.msg, "the file shrank while it was read", "shrunk file: the message says what happened");
		sk_s3_part_hasher_close(h);

		/* closed before any part was asked for: the thread stops, nothing leaks */
		h = sk_s3_part_hasher_start(fd, 2 * MIB, 4096, 512, &err);
		ok(h != NULL, "a hasher that is closed at once");
		sk_s3_part_hasher_close(h);
		close(fd);
		unlink(path);
	}
	free(data);
	return done_testing();
}
