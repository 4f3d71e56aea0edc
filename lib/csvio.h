/*
 * csvio.h: streaming CSV in and out, in the dialect of SPEC.md section 1.
 *
 * The reader is a pull interface over libcsv's push parser: it reads the
 * file in blocks and hands back one record at a time, errors in file order.
 * A simple line (no CR but a CRLF end, no LF inside quotes, well-formed
 * quotes) is split by
 * the reader itself (same result, a small fraction of libcsv's cost); every
 * other line goes through libcsv, whose fields are copied out of its
 * callbacks. It is strict:
 * the header must be exactly the expected column names, every record must
 * have exactly as many fields, quotes must be well formed (libcsv strict
 * mode), an empty line is an error, every line ends with LF or CRLF (a CRLF
 * reads as LF; a CR anywhere else outside quotes is an error; a last line
 * without its LF is an error: the file may be truncated), every byte is
 * UTF-8 (utf8.h), a field is capped at SK_CSV_FIELD_MAX on every path (an
 * unterminated quote or a record that never ends cannot swallow the rest of
 * a large file into memory). Nothing is trimmed or normalised. Errors name
 * the file and the physical line, and the column where there is one.
 * The time spent in read calls (with the UTF-8 check and the SHA-256 of the
 * bytes) counts as SK_PHASE_READ, the caller's waits on the writer and its
 * commit as SK_PHASE_WRITE (phase.h).
 *
 * The writer quotes minimally (a field is quoted iff it holds `,` `"` CR or
 * LF; quotes doubled; an empty value is written as nothing), ends lines with
 * LF, and writes through an atomic file (fsutil.h). Once a file outgrows one
 * 256 KiB chunk, a second thread hashes and writes the chunks while the
 * caller builds the next one; the calls below are for one thread, the
 * caller's, as before.
 */
#ifndef SK_CSVIO_H
#define SK_CSVIO_H

#include "buf.h"
#include "errors.h"
#include "fsutil.h"

/* Upper bound on columns in any file stepkit reads. */
#define SK_CSV_MAX_COLS 32

/* The longest field any step reads or writes: 16 MiB (SPEC.md section 1). */
#define SK_CSV_FIELD_MAX (16u << 20)

/* One record. Pointers are borrowed: valid until the next sk_csv_next(). */
struct sk_csv_row {
	size_t n;                       /* number of fields (== the header's) */
	const char *f[SK_CSV_MAX_COLS]; /* NUL-terminated values, quotes removed */
	size_t len[SK_CSV_MAX_COLS];    /* their lengths (a value may hold NUL) */
	unsigned long line;             /* physical line the record starts on */
};

struct sk_csv_reader;

/*
 * Open `path` and check that its header is exactly `header[0..ncols-1]`.
 * `header` is borrowed (messages name its columns): it must outlive the
 * reader, as the tools' static tables do.
 * Returns a handle (caller closes), or NULL with `err`: SK_E_IO for a missing
 * or unreadable file, SK_E_DATA for an empty file or a wrong header.
 */
struct sk_csv_reader *sk_csv_open(const char *path, const char *const *header,
				  size_t ncols, struct sk_err *err);

/*
 * Reading a file in pieces, one reader per piece (each piece on its own
 * thread). sk_csv_open_range() reads only the bytes [start, stop) of `path`,
 * with no header check; `start` must be where a record begins and line
 * numbers count from 1 at `start`. sk_csv_stop_at() makes a reader end at
 * file offset `stop` (0, or -1 when it has already parsed past it, or holds
 * records or a record in progress not yet handed out). `stop` should be a
 * line start (just after a LF): it may be anywhere at or after
 * sk_csv_offset(), but a stop inside a line cuts it, and the cut line then
 * reads as a last line without its LF, an error.
 * sk_csv_offset() is the file offset of the first byte not yet parsed.
 *
 * Where a record begins cannot be known without parsing everything before
 * it (a quoted field may hold a LF), so a caller guesses (the byte after a
 * LF) and checks: the guess was right exactly when the reader of the piece
 * before it reaches its end with no error; an open quoted field at `stop` is
 * an error (an unterminated quote).
 */
struct sk_csv_reader *sk_csv_open_range(const char *path, size_t ncols,
					unsigned long long start, unsigned long long stop,
					struct sk_err *err);
int sk_csv_stop_at(struct sk_csv_reader *r, unsigned long long stop);
/* Cut points for n pieces after `data_start`, each at least `piece_min`
 * bytes: see csvio.c. The count of cuts (0 to n-1) is returned. */
int sk_csv_cut_points(const char *path, unsigned long long data_start, int n,
		      unsigned long long piece_min, unsigned long long *cuts);
unsigned long long sk_csv_offset(const struct sk_csv_reader *r);

/* The next record: 1, or 0 at end of file, or -1 with `err` (SK_E_DATA, SK_E_IO). */
int sk_csv_next(struct sk_csv_reader *r, struct sk_csv_row *row, struct sk_err *err);

/*
 * The size and SHA-256 of the file a reader of sk_csv_open() read to its
 * end (sk_csv_next() returned 0): the bytes are hashed as they are read,
 * in the same pass, not read twice. Fills `info` (path, bytes, sha256) and
 * returns 0; -1 when there is none: the end was not reached, an error was
 * found, or the reader was made with sk_csv_open_range() or given an end
 * with sk_csv_stop_at().
 */
int sk_csv_digest(struct sk_csv_reader *r, struct sk_file_info *info);

/* The path given to sk_csv_open (borrowed). */
const char *sk_csv_path(const struct sk_csv_reader *r);

/* Close and free. NULL is fine. */
void sk_csv_close(struct sk_csv_reader *r);

struct sk_csv_writer;

/* Start writing `path` atomically and write `header`. NULL with `err` on failure. */
struct sk_csv_writer *sk_csv_create(const char *path, const char *const *header,
				    size_t ncols, struct sk_err *err);

/* Append one field to the current row (separators are added for you). */
void sk_csv_put(struct sk_csv_writer *w, const char *s, size_t len);

/* Same for a NUL-terminated string. */
void sk_csv_puts(struct sk_csv_writer *w, const char *s);

/* Append a signed integer field. */
void sk_csv_put_int(struct sk_csv_writer *w, long long v);

/* Append integer cents as money (SPEC: "12.30", never a sign for >= 0). */
void sk_csv_put_money(struct sk_csv_writer *w, long long cents);

/*
 * Append text that is already CSV, as written by sk_csv_encode(): one field,
 * or several joined by ','. The separator before it is added for you; the
 * bytes are copied as they are. For values encoded once and written on many
 * rows (joined dimension columns), or known to need no quotes (a validated
 * timestamp).
 */
void sk_csv_put_encoded(struct sk_csv_writer *w, const char *csv, size_t len);

/*
 * Append the CSV form of one value to `b`, quoted exactly as sk_csv_put()
 * would quote it. 0, or -1 with `err` (SK_E_NOMEM at the buffer's cap).
 */
int sk_csv_encode(struct sk_buf *b, const char *s, size_t len, struct sk_err *err);

/*
 * Finish the row. 0, or -1 with `err` (a put failed). Rows are buffered: a
 * write error may surface at a later sk_csv_end_row() or at sk_csv_commit().
 */
int sk_csv_end_row(struct sk_csv_writer *w, struct sk_err *err);

/* Data rows written so far (the header excluded). */
unsigned long long sk_csv_rows(const struct sk_csv_writer *w);

/* Flush, fsync, rename into place and free `w`; `info` may be NULL. */
int sk_csv_commit(struct sk_csv_writer *w, struct sk_file_info *info, struct sk_err *err);

/* Drop everything written, remove the temporary file, free `w`. NULL is fine. */
void sk_csv_abort(struct sk_csv_writer *w);

#endif
