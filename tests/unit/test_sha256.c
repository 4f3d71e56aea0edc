/* Unit tests for lib/sha256.c: whole files, incremental hashing. */
#include "base.h"
#include "sha256.h"
#include "tap.h"

#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	char path[] = "/tmp/sk-sha256-XXXXXX", hex[SK_SHA256_HEX_LEN + 1] = "";
	struct sk_err err = SK_ERR_INIT;
	unsigned long long bytes = 0;
	int fd = mkstemp(path);

	ok(fd >= 0 && write(fd, "xxabcyy", 7) == 7, "fixture written");
	ok(sk_sha256_file(path, NULL, hex, &bytes, &err) == 0 && bytes == 7, "whole file hashed");
	is_str(hex, "44f7baeaffbc7b962d78206b1600df159d706e002ae43d70a68f737a5942f73e", "whole file digest");
	{
		struct sk_sha256 *h = sk_sha256_open(&err);
		sk_sha256_update(h, "ab", 2);
		sk_sha256_update(h, "c", 1);
		sk_sha256_hex(h, hex);
		sk_sha256_close(h);
		is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		       "incremental digest of 'abc'");
	}
	{
		int stop = 1;
		struct sk_err e = SK_ERR_INIT;
		ok(sk_sha256_file(path, &stop, hex, &bytes, &e) < 0 && e.code == SK_E_INTERRUPTED,
		   "a set stop flag ends the hashing with SK_E_INTERRUPTED");
		char want[64];
		snprintf(want, sizeof(want), "'%s': hashing stopped", path);
		is_str(e.msg, want, "the stop names the file");
	}
	ok(sk_sha256_file("/nonexistent/x", NULL, hex, NULL, &err) < 0 && err.code == SK_E_IO,
	   "missing file is an io error");
	is_str(err.msg, "'/nonexistent/x': No such file or directory", "missing file message");

	close(fd);
	unlink(path);
	return done_testing();
}
