/*
 * fuzz_pieces: libFuzzer target for reading a file in pieces, the way the
 * threaded analyses do (lib/analyze.c read_pieces): sk_csv_cut_points()
 * guesses where pieces start, the first reader is stopped at the first cut
 * (sk_csv_stop_at) and each other piece is read by sk_csv_open_range().
 * Byte 0 picks the columns (1-8) and the pieces (2-9), byte 1 the smallest
 * piece (1-256 bytes, so that small inputs are cut); the rest is the file.
 * Differential against one reader of the whole file:
 *   - when every piece reads to its end without an error, the whole file
 *     reads without one and the pieces' records, in order, are exactly its
 *     records (a wrong guess must never pass as a right one);
 *   - when the file has no quote at all and reads whole without an error,
 *     every cut is a record's start, so every piece must read (a right
 *     guess must never be refused, or the analyses lose their threads).
 */
#include "base.h"
#include "buf.h"
#include "csvio.h"

#include <sys/mman.h>
#include <unistd.h>

#define PIECES_MAX 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

/* Every record of `r` appended to `out` as (length, bytes) per field: 0 at
 * the end, -1 on an error. */
static int drain(struct sk_csv_reader *r, struct sk_buf *out)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_csv_row row;
	int rc;

	while ((rc = sk_csv_next(r, &row, &err)) > 0) {
		for (size_t i = 0; i < row.n; i++) {
			size_t len = row.len[i];
			if (sk_buf_add(out, &len, sizeof(len), &err) < 0 ||
			    sk_buf_add(out, row.f[i], len, &err) < 0)
				__builtin_trap();
		}
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_buf whole = SK_BUF_INIT(SIZE_MAX), pieces = SK_BUF_INIT(SIZE_MAX);
	unsigned long long cuts[PIECES_MAX];
	struct sk_csv_reader *r;
	size_t ncols, body;
	int npieces, ncuts, whole_rc, all_read = 1;

	if (size < 2)
		return 0;
	if (fd < 0) {
		if ((fd = memfd_create("fuzz_pieces", MFD_CLOEXEC)) < 0)
			__builtin_trap();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	ncols = (size_t)(data[0] & 7) + 1;
	npieces = (int)((data[0] >> 3) % (PIECES_MAX - 1)) + 2;
	body = size - 2;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data + 2, body, 0) != (ssize_t)body)
		__builtin_trap();

	if (!(r = sk_csv_open_range(path, ncols, 0, 0, &err)))
		return 0;
	whole_rc = drain(r, &whole);
	sk_csv_close(r);

	ncuts = sk_csv_cut_points(path, 0, npieces, (unsigned long long)data[1] + 1, cuts);
	if (ncuts < 0 || ncuts > npieces - 1)
		__builtin_trap();
	for (int i = 0; i < ncuts; i++)
		if (cuts[i] == 0 || cuts[i] > body || data[2 + cuts[i] - 1] != '\n' ||
		    (i > 0 && cuts[i] <= cuts[i - 1]))
			__builtin_trap();
	if (ncuts == 0)
		goto out;

	/* the first piece: a reader of the whole file, stopped at the first cut */
	if (!(r = sk_csv_open_range(path, ncols, 0, 0, &err)))
		__builtin_trap();
	if (sk_csv_stop_at(r, cuts[0]) < 0)
		__builtin_trap(); /* nothing parsed yet: a stop must be taken */
	if (drain(r, &pieces) < 0)
		all_read = 0;
	sk_csv_close(r);
	for (int i = 1; i <= ncuts && all_read; i++) {
		struct sk_err e = SK_ERR_INIT;
		r = sk_csv_open_range(path, ncols, cuts[i - 1], i < ncuts ? cuts[i] : 0, &e);
		if (!r || drain(r, &pieces) < 0)
			all_read = 0;
		sk_csv_close(r);
	}

	if (all_read && (whole_rc < 0 || whole.len != pieces.len ||
			 (whole.len && memcmp(whole.data, pieces.data, whole.len) != 0)))
		__builtin_trap();
	if (!all_read && whole_rc == 0 && !memchr(data + 2, '"', body))
		__builtin_trap();
out:
	sk_buf_release(&whole);
	sk_buf_release(&pieces);
	return 0;
}
