/*
 * fuzz_csv: libFuzzer target for the CSV reader (lib/csvio.c): its block
 * and line fast paths, libcsv's path, the UTF-8 check, the field limit and
 * a reader stopped early (sk_csv_stop_at). The first byte picks the number
 * of columns and the mode; the rest is the file, held in a memfd.
 * Invariants: every record has exactly the header's width, every value is
 * valid UTF-8, NUL-terminated, within the limit, and inside the input's
 * size; a file read whole has the digest of its bytes (sk_csv_digest).
 * tests/unit/test_csvread.c compares the values against libcsv alone.
 */
#include "base.h"
#include "csvio.h"
#include "sha256.h"
#include "utf8.h"

#include <sys/mman.h>
#include <unistd.h>

static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_csv_reader *r;
	struct sk_csv_row row;
	struct sk_file_info info;
	size_t ncols, body, rows = 0;
	unsigned mode;
	int rc;

	if (size < 1)
		return 0;
	if (fd < 0) {
		fd = memfd_create("fuzz_csv", MFD_CLOEXEC);
		if (fd < 0)
			__builtin_trap();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	ncols = (size_t)(data[0] & 7) + 1;
	mode = data[0] >> 3;
	body = size - 1;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data + 1, body, 0) != (ssize_t)body)
		__builtin_trap();
	if (mode & 1)
		r = sk_csv_open_range(path, ncols, 0, 0, &err);
	else
		r = sk_csv_open(path, names, ncols, &err);
	if (!r)
		return 0;
	while ((rc = sk_csv_next(r, &row, &err)) > 0) {
		if (row.n != ncols)
			__builtin_trap();
		for (size_t i = 0; i < row.n; i++) {
			if (row.len[i] > SK_CSV_FIELD_MAX || row.len[i] > body || row.f[i][row.len[i]] != '\0' ||
			    !sk_utf8_valid(row.f[i], row.len[i]))
				__builtin_trap();
		}
		/* stop early, at the start of a line after this record */
		if (rows++ == 0 && (mode & 2) && sk_csv_offset(r) < body) {
			const char *lf = memchr(data + 1 + sk_csv_offset(r), '\n', body - sk_csv_offset(r));
			if (lf)
				sk_csv_stop_at(r, (unsigned long long)(lf + 1 - (const char *)(data + 1)));
		}
	}
	if (rc == 0 && !(mode & 3) && sk_csv_digest(r, &info) == 0) {
		char hex[SK_SHA256_HEX_LEN + 1];
		struct sk_sha256 *h = sk_sha256_open(NULL);
		if (!h)
			__builtin_trap();
		sk_sha256_update(h, data + 1, body);
		sk_sha256_hex(h, hex);
		sk_sha256_close(h);
		if (info.bytes != body || strcmp(hex, info.sha256) != 0)
			__builtin_trap();
	}
	sk_csv_close(r);
	return 0;
}
