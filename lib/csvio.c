#include "base.h"
#include "csvio.h"
#include "buf.h"
#include "money.h"
#include "phase.h"
#include "sha256.h"
#include "sig.h"
#include "utf8.h"

#include <csv.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * Why the reader does not hand every byte to libcsv: libcsv runs each byte
 * through its state machine and calls back once per field; on a 5-million-row
 * file that alone took longer than everything else a step does. Nearly every
 * line is simple: no CR but that of a CRLF line end, no LF inside quotes,
 * and every quote opens a field, closes it before a comma or the line end,
 * or is doubled inside it. For such a line the grammar (SPEC section 1;
 * libcsv strict, no space trimming) is "split on the commas outside quotes,
 * strip the quotes, undouble", so the reader splits it itself, in place in
 * its read buffer: a line without any quote by bit masks of 64 bytes at a
 * time (split_block), a line with quotes field by field, sixteen bytes a
 * step (split_line). Every other line (a CR elsewhere, a quoted LF, an empty
 * line, any malformed quoting, a line longer than half the buffer) and every
 * line while a quoted field is open go to libcsv, which decides what is
 * right and words the errors. tests/unit/test_csvread.c checks both paths against libcsv
 * alone on random, partly broken inputs.
 *
 * What libcsv alone would accept and SPEC.md does not, the reader refuses
 * on both paths: a CR outside quotes that is not the CR of a CRLF line end
 * (libcsv ends a record there), a last line without its LF (libcsv ends the
 * record at the end of the file: a truncated file would pass), a field over
 * SK_CSV_FIELD_MAX, bytes that are not UTF-8.
 *
 * UTF-8 is checked on the whole read buffer right after each read (an ASCII
 * block check, in cache, a small fraction of the parse), not per field. Only
 * when that finds a bad byte are the records from there on checked field by
 * field, so the error can name the line and the field.
 */

#define BUF_SIZE (512 * 1024) /* read buffer; lines longer than half go to libcsv */
#define FIELD_MAX ((size_t)SK_CSV_FIELD_MAX)
/* libcsv's first field buffer; it then doubles (csv_set_blk_size grows it by a fixed step) */
#define PARSER_BLK_MIN (64 * 1024)
#define CUT_SCAN (64 * 1024) /* how far past a cut a LF is looked for */

struct field {
	size_t off, len;
};

struct record {
	size_t first; /* index into fields */
	size_t n;
	unsigned long line;
};

/* The masks of 64 input bytes (see split_block). */
struct block {
	const char *at; /* the 64 bytes classified */
	uint64_t sep;   /* , or LF at or after the next unread byte */
	uint64_t lf;    /* LF */
	uint64_t odd;   /* " or CR at or after the next unread byte */
};

struct sk_csv_reader {
	char *path;
	const char *const *names; /* the header's column names (borrowed), or NULL */
	int fd;
	int eof;       /* read() said end of file */
	int done;      /* and libcsv was finished */
	int in_parser; /* libcsv holds an unfinished record: feed it until it ends */
	int row_ended; /* libcsv ended a record during the last feed */
	int parser_ready;
	struct csv_parser parser;
	char *buf; /* BUF_SIZE + 1 bytes; the unread input is [pos, end) */
	size_t pos, end;
	unsigned long long bytes; /* read so far */
	unsigned long long base;  /* file offset of the first byte read */
	unsigned long long limit; /* file offset not to read past (0: none) */
	unsigned long line; /* physical line of the next plain line */
	unsigned long phys; /* physical line of buf[pos] */
	int fed_partial;    /* libcsv's last bytes did not end with a LF */
	size_t checked;     /* buf[pos..checked) is valid UTF-8 (unless utf8_bad) */
	int utf8_bad;       /* a bad byte is buffered: check records field by field */
	struct sk_sha256 *hash; /* of every byte read, when read whole from its start */
	char digest[SK_SHA256_HEX_LEN + 1]; /* its hex, once the end was reached */
	struct block blk;   /* the block masks split_block left ... */
	const char *blk_next; /* ... for the line starting here, or NULL */

	/* records completed by libcsv, waiting to be handed out */
	struct sk_buf data;
	struct field *fields;
	size_t nfields, capfields;
	struct record *recs;
	size_t nrecs, caprecs, next;

	/* state of the record libcsv is parsing */
	size_t cur_first, cur_n;
	unsigned long cur_nl; /* line feeds inside its quoted fields */
	int cr_pending;       /* libcsv ended something at a CR: a LF must follow */
	int cr_empty;         /* ... and that was no record (nothing was queued) */
	unsigned long cr_line;
	size_t ncols;

	struct sk_err cb_err;  /* an error raised inside a libcsv callback */
	struct sk_err pending; /* sticky: returned once the queue is empty */
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0; /* SPEC: nothing is trimmed */
}

/* The name of column `i` for messages: the header's, or "field N". */
static const char *col_name(const struct sk_csv_reader *r, size_t i, char buf[32])
{
	if (r->names && i < r->ncols)
		return r->names[i];
	snprintf(buf, 32, "field %zu", i + 1);
	return buf;
}

/* The field libcsv is reading (or has just read) is over the limit. */
static int too_long(struct sk_csv_reader *r, struct sk_err *err)
{
	char buf[32];

	return sk_err_set(err, SK_E_DATA,
			  "'%s': line %lu: %s is longer than %zu MiB, the limit for one field "
			  "(an unterminated quote?)",
			  r->path, r->line + r->cur_nl, col_name(r, r->cur_n, buf), FIELD_MAX >> 20);
}

/*
 * libcsv ended a record (or an empty line) at a CR and the next thing it
 * saw was not the LF of a CRLF: a bare CR. The record it ended is no record
 * (the line goes on after the CR): take it back out of the queue, where it
 * waits unhanded while cr_pending is set.
 */
static void bare_cr(struct sk_csv_reader *r)
{
	if (!r->cr_empty) {
		struct record *rec = &r->recs[--r->nrecs];
		r->line = rec->line;
		r->nfields = rec->first;
		r->data.len = r->fields[rec->first].off;
		r->cur_first = rec->first;
	}
	r->cr_pending = 0;
	sk_err_set(&r->cb_err, SK_E_DATA,
		   "'%s': line %lu: a CR (\\r) that does not end the line: lines end with LF "
		   "or CRLF, a CR may only be inside quotes",
		   r->path, r->cr_line);
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct sk_csv_reader *r = ctx;
	struct field *f;
	const char *nl;

	r->row_ended = 0;
	if (r->cb_err.code)
		return;
	if (SK_UNLIKELY(r->cr_pending)) {
		bare_cr(r);
		return;
	}
	if (SK_UNLIKELY(len > FIELD_MAX)) {
		too_long(r, &r->cb_err);
		return;
	}
	if (SK_UNLIKELY(r->cur_n >= r->ncols)) {
		/* stop here: a record that never ends must not fill the memory */
		sk_err_set(&r->cb_err, SK_E_DATA, "'%s': line %lu: more than %zu fields, expected %zu",
			   r->path, r->line, r->ncols, r->ncols);
		return;
	}
	if (r->nfields == r->capfields) {
		size_t cap = r->capfields ? r->capfields * 2 : 256;
		struct field *p = realloc(r->fields, cap * sizeof(*p));
		if (!p) {
			sk_err_set(&r->cb_err, SK_E_NOMEM, "out of memory");
			return;
		}
		r->fields = p;
		r->capfields = cap;
	}
	/* copy out: libcsv reuses its buffer; keep a NUL after each value */
	if (sk_buf_grow(&r->data, len + 1, &r->cb_err) < 0)
		return;
	f = &r->fields[r->nfields++];
	f->off = r->data.len;
	f->len = len;
	if (len)
		memcpy(r->data.data + r->data.len, s, len);
	r->data.len += len;
	r->data.data[r->data.len++] = '\0';
	for (nl = len ? memchr(s, '\n', len) : NULL; nl;
	     nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - (const char *)s)))
		r->cur_nl++;
	r->cur_n++;
}

static void on_record(int c, void *ctx)
{
	struct sk_csv_reader *r = ctx;
	struct record *rec;

	r->row_ended = 1;
	if (r->cb_err.code)
		return;
	/* CSV_REPALL_NL reports every terminator: the LF of a CRLF pair ends
	 * nothing (the CR ended the record); anything else after a CR makes it
	 * a bare CR */
	if (SK_UNLIKELY(r->cr_pending)) {
		if (c != '\n' || r->cur_n != 0) {
			bare_cr(r);
			return;
		}
		r->cr_pending = 0;
		if (!r->cr_empty)
			return;
	} else if (SK_UNLIKELY(c == '\r')) {
		r->cr_pending = 1;
		r->cr_empty = r->cur_n == 0;
		r->cr_line = r->line + r->cur_nl;
		if (r->cr_empty)
			return; /* "\r\n" is an empty line, "\r" then more a bare CR */
	}
	if (r->cur_n == 0) {
		sk_err_set(&r->cb_err, SK_E_DATA,
			   "'%s': line %lu: empty line (expected %zu fields)", r->path, r->line,
			   r->ncols);
		return;
	}
	if (r->nrecs == r->caprecs) {
		size_t cap = r->caprecs ? r->caprecs * 2 : 64;
		struct record *p = realloc(r->recs, cap * sizeof(*p));
		if (!p) {
			sk_err_set(&r->cb_err, SK_E_NOMEM, "out of memory");
			return;
		}
		r->recs = p;
		r->caprecs = cap;
	}
	rec = &r->recs[r->nrecs++];
	rec->first = r->cur_first;
	rec->n = r->cur_n;
	rec->line = r->line;
	r->line += 1 + r->cur_nl;
	r->cur_nl = 0;
	r->cur_first = r->nfields;
	r->cur_n = 0;
}

/* All queued records were handed out: drop them, keep an unfinished one. */
static void compact(struct sk_csv_reader *r)
{
	size_t base_off = r->cur_n ? r->fields[r->cur_first].off : r->data.len;

	if (r->cur_n) {
		memmove(r->data.data, r->data.data + base_off, r->data.len - base_off);
		memmove(r->fields, r->fields + r->cur_first, r->cur_n * sizeof(*r->fields));
		for (size_t i = 0; i < r->cur_n; i++)
			r->fields[i].off -= base_off;
	}
	r->data.len -= base_off;
	r->nfields = r->cur_n;
	r->cur_first = 0;
	r->nrecs = 0;
	r->next = 0;
}

static int parse_error(struct sk_csv_reader *r, struct sk_err *err)
{
	int e = csv_error(&r->parser);

	if (e == CSV_EPARSE)
		return sk_err_set(err, SK_E_DATA,
				  "'%s': line %lu: malformed quoting (a quote inside an "
				  "unquoted field, text after a closing quote, or an "
				  "unterminated quoted field)",
				  r->path, r->line + r->cur_nl);
	return sk_err_set(err, SK_E_NOMEM, "'%s': line %lu: %s", r->path, r->line,
			  csv_strerror(e));
}

/*
 * Run libcsv over `n` bytes. An error is kept in `pending`: the records
 * libcsv completed before it are handed out first, so errors come in file
 * order whatever the chunking.
 */
static int parse(struct sk_csv_reader *r, const char *p, size_t n)
{
	size_t size = csv_get_buffer_size(&r->parser), used;

	/* libcsv grows its field buffer by the block size each time (128 bytes
	 * unless told): a step as large as the buffer makes the growth doubling */
	csv_set_blk_size(&r->parser, size > PARSER_BLK_MIN ? size : PARSER_BLK_MIN);
	used = csv_parse(&r->parser, p, n, on_field, on_record, r);

	/* a callback's error happened before whatever stopped libcsv */
	if (r->cb_err.code)
		r->pending = r->cb_err;
	else if (used != n)
		parse_error(r, &r->pending);
	else if (r->parser.entry_pos > FIELD_MAX)
		too_long(r, &r->pending); /* a field that has not ended yet */
	return r->pending.code ? -1 : 0;
}

/*
 * Give libcsv the `n` bytes at `p`. When they end with a LF, that LF is fed
 * on its own: if libcsv ends a record on it, no quoted field is open and the
 * next line may take the fast path again.
 */
static int feed(struct sk_csv_reader *r, const char *p, size_t n)
{
	int whole = n > 0 && p[n - 1] == '\n';

	r->in_parser = 1;
	r->fed_partial = !whole;
	if (parse(r, p, n - (size_t)whole) < 0)
		return -1;
	if (!whole)
		return 0;
	r->row_ended = 0;
	if (parse(r, p + n - 1, 1) < 0)
		return -1;
	r->phys++; /* p always ends at the first LF from p */
	r->in_parser = !r->row_ended || r->cr_pending;
	return 0;
}

#define ONES 0x0101010101010101ULL
#define LOW7 0x7f7f7f7f7f7f7f7fULL

/* The high bit of each byte of `x` that equals `c` (exact, no carries). */
static inline uint64_t bytes_eq(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (ONES * c);

	return ~(((y & LOW7) + LOW7) | y | LOW7);
}

/*
 * The first byte in [q, end) that is `sep`, a quote, LF or CR, or `end`.
 * Outside quotes `sep` is the comma; inside, a second quote (the comma is
 * data there). Sixteen bytes a step with SSE2 (every x86-64 has it), eight
 * with plain 64-bit arithmetic elsewhere; exact, so no byte is looked at
 * twice.
 */
static inline char *find_stop(char *q, char *end, char sep)
{
#if defined(__SSE2__)
	const __m128i a = _mm_set1_epi8(sep), b = _mm_set1_epi8('"');
	const __m128i c = _mm_set1_epi8('\n'), d = _mm_set1_epi8('\r');

	for (; q + 16 <= end; q += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)q);
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x, b)),
					 _mm_or_si128(_mm_cmpeq_epi8(x, c), _mm_cmpeq_epi8(x, d)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return q + __builtin_ctz(bits);
	}
#elif __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; q + 8 <= end; q += 8) {
		uint64_t x, m;
		memcpy(&x, q, 8);
		m = bytes_eq(x, (unsigned char)sep) | bytes_eq(x, '"') | bytes_eq(x, '\n') |
		    bytes_eq(x, '\r');
		if (m)
			return q + (__builtin_ctzll(m) >> 3);
	}
#endif
	for (; q < end; q++)
		if (*q == sep || *q == '"' || *q == '\n' || *q == '\r')
			return q;
	return end;
}

/*
 * The closing quote of the quoted value starting at `q` (just after its
 * opening quote), setting `*doubled` when it holds "" pairs. NULL when the
 * value is not simple: it holds a LF or CR, or its end is not buffered yet.
 * Whether the closing quote is followed by a comma or LF is the caller's.
 */
static inline char *closing_quote(char *q, char *end, int *doubled)
{
	for (;;) {
		q = find_stop(q, end, '"');
		if (q + 1 >= end || *q != '"')
			return NULL;
		if (q[1] != '"')
			return q;
		*doubled = 1;
		q += 2;
	}
}

/* Turn each "" of the `len` bytes at `s` into one quote; returns the new length. */
static size_t undouble_quotes(char *s, size_t len)
{
	char *d = s, *end = s + len;

	for (char *q = s; q < end; q++) {
		*d++ = *q;
		if (*q == '"')
			q++; /* the second of the pair */
	}
	return (size_t)(d - s);
}

/*
 * The block path, for the common line with no quote and no CR: the reader
 * classifies the input 64 bytes at a time into bit masks (separators, line
 * feeds, quotes or CRs) and each field end is then the next set bit, with
 * no branch on the bytes themselves. The masks of the block a line ends in
 * are kept for the next line (blk_next says where that starts); anything
 * that moves or skips bytes (a refill, a line taken by another path) makes
 * the next line classify afresh.
 */
static inline void classify64(const char *p, struct block *b)
{
	uint64_t sep = 0, lf = 0, odd = 0;

#if defined(__SSE2__)
	const __m128i comma = _mm_set1_epi8(','), nl = _mm_set1_epi8('\n');
	const __m128i quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r');

	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		__m128i n = _mm_cmpeq_epi8(x, nl);
		__m128i s = _mm_or_si128(_mm_cmpeq_epi8(x, comma), n);
		__m128i o = _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, cr));
		sep |= (uint64_t)(unsigned)_mm_movemask_epi8(s) << (16 * k);
		lf |= (uint64_t)(unsigned)_mm_movemask_epi8(n) << (16 * k);
		odd |= (uint64_t)(unsigned)_mm_movemask_epi8(o) << (16 * k);
	}
#else
	for (int i = 0; i < 64; i++) {
		uint64_t bit = (uint64_t)1 << i;
		sep |= p[i] == ',' || p[i] == '\n' ? bit : 0;
		lf |= p[i] == '\n' ? bit : 0;
		odd |= p[i] == '"' || p[i] == '\r' ? bit : 0;
	}
#endif
	b->at = p;
	b->sep = sep;
	b->lf = lf;
	b->odd = odd;
}

/* The row's values end with NULs (over the separators); count the line. */
static inline void finish_row(struct sk_csv_reader *r, struct sk_csv_row *row, size_t n)
{
	for (size_t i = 0; i < n && i < SK_CSV_MAX_COLS; i++)
		((char *)row->f[i])[row->len[i]] = '\0';
	row->n = n;
	row->line = r->line++;
	r->phys++;
}

/*
 * Split the line at `p` by the block masks when it holds no quote and no CR
 * (but the CR of a CRLF end) and ends at least 64 bytes before `end`: fill `row`, return its LF. NULL
 * with nothing changed otherwise (split_line takes it).
 */
static char *split_block(struct sk_csv_reader *r, char *p, char *end, struct sk_csv_row *row)
{
	struct block b;
	char *start = p;
	size_t n = 0;

	if (r->blk_next == p) {
		b = r->blk;
	} else {
		if (end - p < 64)
			return NULL;
		classify64(p, &b);
	}
	for (;;) {
		uint64_t below, bit;
		char *at;
		size_t cr = 0;

		while (!b.sep) {
			/* a quote or CR left in this block is in the line */
			if (b.odd || end - (b.at + 64) < 64)
				goto other_path;
			classify64(b.at + 64, &b);
		}
		bit = b.sep & -b.sep;
		below = bit - 1;
		at = (char *)b.at + __builtin_ctzll(b.sep);
		if (b.odd & below) {
			/* only the CR of a CRLF line end may be in the field */
			if ((b.odd & below) != bit >> 1 || !(b.lf & bit) || at[-1] != '\r')
				goto other_path;
			b.odd &= ~below;
			cr = 1;
		}
		if (n < SK_CSV_MAX_COLS) {
			row->f[n] = start;
			row->len[n] = (size_t)(at - cr - start);
		}
		n++;
		b.sep &= b.sep - 1;
		if (b.lf & bit) {
			if (at - cr == p)
				goto other_path; /* an empty line */
			finish_row(r, row, n);
			r->blk = b;
			r->blk_next = at + 1;
			return at;
		}
		start = at + 1;
	}
other_path:
	r->blk_next = NULL;
	return NULL;
}

/*
 * Split the line at `p` in place when it is simple: fill `row`, return the
 * address of its LF. Simple means no CR (but that of a CRLF end), not empty,
 * and every quote either opens a field, closes it right before a comma or
 * the line end, or is doubled
 * inside such a field, with no LF inside quotes: the grammar of libcsv's
 * strict mode restricted to one physical line, so both give the same
 * values. Anything else returns NULL with `*lf` at the line's LF (or NULL
 * when none is buffered yet) and the bytes untouched: libcsv takes the line.
 */
static char *split_line(struct sk_csv_reader *r, char *p, char *end,
			struct sk_csv_row *row, char **lf)
{
	char *q = p, *start;
	uint32_t doubled = 0; /* bit i: value i holds "" pairs (SK_CSV_MAX_COLS is 32) */
	size_t n = 0;

	for (;;) {
		char *stop;
		int dbl = 0;

		if (q < end && *q == '"') {
			start = q + 1;
			stop = closing_quote(start, end, &dbl);
			if (!stop)
				goto slow;
			q = stop + 1; /* buffered: closing_quote looked at it */
			if (*q == '\r' && q + 1 < end && q[1] == '\n')
				q++; /* a CRLF line end */
			if (*q != ',' && *q != '\n')
				goto slow;
		} else {
			start = q;
			q = stop = find_stop(q, end, ',');
			if (q == end)
				goto slow;
			if (*q == '\r' && q + 1 < end && q[1] == '\n')
				q++; /* a CRLF line end */
			if (*q == '"' || *q == '\r')
				goto slow;
		}
		if (n < SK_CSV_MAX_COLS) {
			row->f[n] = start;
			row->len[n] = (size_t)(stop - start);
			doubled |= (uint32_t)dbl << n;
		}
		n++;
		if (*q == '\n')
			break;
		q++;
	}
	if (n == 1 && row->f[0] == p && row->len[0] == 0)
		goto slow; /* an empty line: libcsv words the error */
	for (size_t i = 0; doubled && i < n && i < SK_CSV_MAX_COLS; i++)
		if (doubled >> i & 1)
			row->len[i] = undouble_quotes((char *)row->f[i], row->len[i]);
	/* the separators and closing quotes become the values' terminating NULs */
	finish_row(r, row, n);
	return q;
slow:
	*lf = memchr(p, '\n', (size_t)(end - p));
	return NULL;
}

/*
 * Check the buffered bytes not yet checked. A character cut by the end of
 * the buffer waits for the next read; after the first bad byte nothing more
 * is checked here (records are, field by field: check_row_utf8).
 */
static void check_utf8(struct sk_csv_reader *r)
{
	if (r->utf8_bad)
		return;
	r->checked += sk_utf8_valid_prefix(r->buf + r->checked, r->end - r->checked);
	if (r->checked < r->end &&
	    (r->eof || !sk_utf8_incomplete((const unsigned char *)r->buf + r->checked,
					   r->end - r->checked)))
		r->utf8_bad = 1;
}

/*
 * A record handed out after a bad byte was seen: the first of its fields
 * that is not UTF-8 is the error, with its physical line. 0 or -1.
 */
static int check_row_utf8(struct sk_csv_reader *r, const struct sk_csv_row *row,
			  struct sk_err *err)
{
	unsigned long line = row->line;

	for (size_t i = 0; i < row->n && i < SK_CSV_MAX_COLS; i++) {
		const char *f = row->f[i];
		size_t good = sk_utf8_valid_prefix(f, row->len[i]), from, to;
		char show[128], name[32];

		for (const char *q = f; (q = memchr(q, '\n', (size_t)(f + good - q))); q++)
			line++;
		if (good == row->len[i])
			continue;
		/* a little of the value around the bad byte, escaped */
		from = good > 16 ? good - 16 : 0;
		to = row->len[i] - good > 8 ? good + 8 : row->len[i];
		sk_utf8_escape(show, sizeof(show), f + from, to - from, 1);
		sk_err_set(&r->pending, SK_E_DATA,
			   "'%s': line %lu: %s is not UTF-8: byte 0x%02X in '%s%s%s' (save the "
			   "file as UTF-8)",
			   r->path, line, col_name(r, i, name), (unsigned char)f[good],
			   from ? "..." : "", show, to < row->len[i] ? "..." : "");
		*err = r->pending;
		return -1;
	}
	return 0;
}

/* Keep the unread bytes, read more after them. */
static int refill(struct sk_csv_reader *r, struct sk_err *err)
{
	ssize_t n;
	double t0 = sk_phase_clock();

	r->blk_next = NULL; /* the bytes move */
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		/* nothing unchecked is ever consumed (see next_raw) */
		r->checked = r->utf8_bad ? 0 : r->checked - r->pos;
		r->pos = 0;
	}
	for (;;) {
		size_t want = BUF_SIZE - r->end;

		if (sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED, "'%s': interrupted", r->path);
		if (r->limit && r->base + r->bytes + want > r->limit)
			want = (size_t)(r->limit - r->base - r->bytes);
		n = want ? read(r->fd, r->buf + r->end, want) : 0;
		if (n >= 0)
			break;
		if (errno != EINTR) {
			sk_phase_add(SK_PHASE_READ, sk_phase_clock() - t0);
			return sk_err_set(err, SK_E_IO, "read '%s': %s", r->path, strerror(errno));
		}
	}
	if (n == 0) {
		r->eof = 1;
		/* no LF is buffered (else no refill): unread bytes are a last line
		 * without one; libcsv may hold the start of it too */
		if (r->end > 0 || r->fed_partial)
			sk_err_set(&r->pending, SK_E_DATA,
				   "'%s': line %lu: the last line does not end with a line feed "
				   "(the file may be truncated)",
				   r->path, r->in_parser ? r->phys : r->line);
	} else {
		/* hashed here, in the pass that reads it, before the parse
		 * writes into the buffer */
		if (r->hash)
			sk_sha256_update(r->hash, r->buf + r->end, (size_t)n);
		r->end += (size_t)n;
		r->bytes += (unsigned long long)n;
	}
	check_utf8(r);
	sk_phase_add(SK_PHASE_READ, sk_phase_clock() - t0);
	return 0;
}

/* Hand out the next record without checking its width. */
static int next_raw(struct sk_csv_reader *r, struct sk_csv_row *row, struct sk_err *err)
{
	for (;;) {
		char *p = r->buf + r->pos, *end = r->buf + r->end, *lf = NULL;

		/* a record ended by a CR waits for the byte after it */
		if (r->next + (r->cr_pending && !r->cr_empty) < r->nrecs) {
			struct record *rec = &r->recs[r->next++];
			row->line = rec->line;
			row->n = rec->n;
			for (size_t i = 0; i < rec->n && i < SK_CSV_MAX_COLS; i++) {
				const struct field *f = &r->fields[rec->first + i];
				row->f[i] = r->data.data + f->off;
				row->len[i] = f->len;
			}
			if (SK_UNLIKELY(r->utf8_bad) && check_row_utf8(r, row, err) < 0)
				return -1;
			return 1;
		}
		if (r->pending.code) {
			*err = r->pending;
			return -1;
		}
		if (r->nrecs && r->next == r->nrecs)
			compact(r);
		if (p == end) {
			if (!r->eof) {
				if (refill(r, err) < 0)
					return -1;
				continue;
			}
			if (r->done)
				return 0;
			r->done = 1;
			if (r->in_parser) {
				/* the input ended inside a quoted field */
				if (csv_fini(&r->parser, on_field, on_record, r) != 0)
					parse_error(r, &r->pending);
				else if (r->cb_err.code)
					r->pending = r->cb_err;
			}
			continue;
		}
		if (!r->in_parser) {
			char *q = split_block(r, p, end, row);
			if (!q)
				q = split_line(r, p, end, row, &lf);
			if (q) {
				r->pos = (size_t)(q + 1 - r->buf);
				if (SK_UNLIKELY(r->utf8_bad) && check_row_utf8(r, row, err) < 0)
					return -1;
				return 1;
			}
		} else {
			lf = memchr(p, '\n', (size_t)(end - p));
		}
		if (lf) {
			r->pos = (size_t)(lf + 1 - r->buf);
			if (feed(r, p, (size_t)(lf + 1 - p)) < 0)
				continue; /* queued records first, then the error */
		} else if (r->end - r->pos <= BUF_SIZE / 2) {
			if (refill(r, err) < 0) /* never at eof: then a LF is buffered */
				return -1;
		} else {
			/* a very long line: libcsv takes it piece by piece, up to
			 * the bytes checked (a cut character stays for the next read) */
			size_t upto = r->utf8_bad ? r->end : r->checked;
			r->pos = upto;
			if (feed(r, p, upto - (size_t)(p - r->buf)) < 0)
				continue;
		}
	}
}

static int check_header(struct sk_csv_reader *r, const char *const *header,
			struct sk_err *err)
{
	struct sk_csv_row row;
	int rc = next_raw(r, &row, err);
	struct sk_buf want = SK_BUF_INIT(4096);
	int ret = -1;

	if (rc < 0)
		goto out;
	for (size_t i = 0; i < r->ncols; i++)
		if (sk_buf_adds(&want, i ? "," : "", err) < 0 ||
		    sk_buf_adds(&want, header[i], err) < 0)
			goto out;
	if (rc == 0) {
		sk_err_set(err, SK_E_DATA, "'%s': empty file: expected the header line '%s'",
			   r->path, want.data);
		goto out;
	}
	if (row.len[0] >= 3 && !memcmp(row.f[0], "\xEF\xBB\xBF", 3)) {
		sk_err_set(err, SK_E_DATA,
			   "'%s': line 1: starts with a UTF-8 byte order mark: save the "
			   "file without BOM", r->path);
		goto out;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		if (i >= row.n) {
			sk_err_set(err, SK_E_DATA,
				   "'%s': line 1: header has %zu columns, expected %zu: '%s'",
				   r->path, row.n, r->ncols, want.data);
			goto out;
		}
		if (row.len[i] != strlen(header[i]) || memcmp(row.f[i], header[i], row.len[i])) {
			sk_err_set(err, SK_E_DATA,
				   "'%s': line 1: column %zu is '%.64s', expected '%s' "
				   "(header must be '%s')",
				   r->path, i + 1, row.f[i], header[i], want.data);
			goto out;
		}
	}
	if (row.n != r->ncols) {
		sk_err_set(err, SK_E_DATA,
			   "'%s': line 1: header has %zu columns, expected %zu: '%s'", r->path,
			   row.n, r->ncols, want.data);
		goto out;
	}
	ret = 0;
out:
	sk_buf_release(&want);
	return ret;
}

/* A reader without a header check: the shared part of the two opens. */
static struct sk_csv_reader *reader_new(const char *path, size_t ncols, struct sk_err *err)
{
	struct sk_csv_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path)) || !(r->buf = malloc(BUF_SIZE + 1))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	r->fd = -1;
	r->ncols = ncols;
	r->line = 1;
	r->phys = 1;
	/* whole records of one read, and one record of fields each at most
	 * FIELD_MAX: the cap is never what stops a record */
	r->data.max = (FIELD_MAX + 1) * SK_CSV_MAX_COLS + BUF_SIZE * 8;
	if (ncols == 0 || ncols > SK_CSV_MAX_COLS) {
		sk_err_set(err, SK_E_USAGE, "'%s': %zu columns not supported", path, ncols);
		goto fail;
	}
	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	r->parser_ready = 1;
	csv_set_space_func(&r->parser, no_space);
	csv_set_blk_size(&r->parser, PARSER_BLK_MIN);
	r->fd = sk_open_input(path, err); /* a FIFO's wait ends on SIGTERM */
	if (r->fd < 0)
		goto fail;
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return r;
fail:
	sk_csv_close(r);
	return NULL;
}

struct sk_csv_reader *sk_csv_open(const char *path, const char *const *header,
				  size_t ncols, struct sk_err *err)
{
	struct sk_csv_reader *r = reader_new(path, ncols, err);

	if (r) {
		r->names = header;
		if (!(r->hash = sk_sha256_open(err))) {
			sk_csv_close(r);
			return NULL;
		}
	}
	if (r && check_header(r, header, err) < 0) {
		sk_csv_close(r);
		return NULL;
	}
	return r;
}

struct sk_csv_reader *sk_csv_open_range(const char *path, size_t ncols,
					unsigned long long start, unsigned long long stop,
					struct sk_err *err)
{
	struct sk_csv_reader *r = reader_new(path, ncols, err);

	if (!r)
		return NULL;
	if (lseek(r->fd, (off_t)start, SEEK_SET) < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		sk_csv_close(r);
		return NULL;
	}
	r->base = start;
	r->limit = stop;
	return r;
}

/*
 * Where pieces 1..n-1 of a file start: just after the first LF at or after
 * each n-th of the bytes from `data_start`. Fewer (the count is returned)
 * when a piece would be under `piece_min` bytes or no LF is found within
 * 64 KiB of a cut; 0 for a pipe or a device (they cannot be read twice).
 * A cut is a guess (a quoted field may hold a LF): see sk_csv_open_range().
 */
int sk_csv_cut_points(const char *path, unsigned long long data_start, int n,
		      unsigned long long piece_min, unsigned long long *cuts)
{
	char *buf;
	struct stat st;
	int fd, ncuts = 0;
	unsigned long long size;

	if (piece_min == 0)
		piece_min = 1;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (!(buf = malloc(CUT_SCAN)))
		goto out;
	if (fstat(fd, &st) < 0 || (unsigned long long)st.st_size <= data_start)
		goto out;
	size = (unsigned long long)st.st_size - data_start;
	if (size / piece_min < (unsigned long long)n)
		n = (int)(size / piece_min);
	for (int i = 1; i < n; i++) {
		unsigned long long at = data_start + size * (unsigned long long)i / (unsigned long long)n;
		ssize_t got = pread(fd, buf, CUT_SCAN, (off_t)at);
		char *lf = got > 0 ? memchr(buf, '\n', (size_t)got) : NULL;

		if (!lf)
			break;
		/* pieces never overlap: an earlier cut's LF may lie past this `at` */
		if (ncuts > 0 && at + (unsigned long long)(lf - buf) + 1 <= cuts[ncuts - 1])
			continue;
		cuts[ncuts++] = at + (unsigned long long)(lf - buf) + 1;
	}
out:
	free(buf);
	close(fd);
	return ncuts;
}

unsigned long long sk_csv_offset(const struct sk_csv_reader *r)
{
	return r->base + r->bytes - (r->end - r->pos);
}

int sk_csv_stop_at(struct sk_csv_reader *r, unsigned long long stop)
{
	unsigned long long read_to = r->base + r->bytes;

	/* only unparsed bytes can be given back */
	if (r->nrecs > r->next || r->in_parser || stop < sk_csv_offset(r))
		return -1;
	if (stop < read_to) {
		r->end -= (size_t)(read_to - stop);
		r->bytes -= read_to - stop;
		/* what was worked out about the bytes given back goes with them */
		r->blk_next = NULL;
		if (r->checked > r->end)
			r->checked = r->end;
	}
	r->limit = stop;
	/* it will not read the whole file: no digest */
	sk_sha256_close(r->hash);
	r->hash = NULL;
	return 0;
}

int sk_csv_next(struct sk_csv_reader *r, struct sk_csv_row *row, struct sk_err *err)
{
	int rc = next_raw(r, row, err);

	if (rc <= 0)
		return rc;
	if (SK_UNLIKELY(row->n != r->ncols))
		return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %zu fields, expected %zu",
				  r->path, row->line, row->n, r->ncols);
	return 1;
}

const char *sk_csv_path(const struct sk_csv_reader *r)
{
	return r->path;
}

int sk_csv_digest(struct sk_csv_reader *r, struct sk_file_info *info)
{
	if (!r->digest[0]) {
		if (!r->hash || !r->done || r->pending.code)
			return -1;
		sk_sha256_hex(r->hash, r->digest);
		sk_sha256_close(r->hash);
		r->hash = NULL;
	}
	snprintf(info->path, sizeof(info->path), "%s", r->path);
	info->bytes = r->bytes;
	memcpy(info->sha256, r->digest, sizeof(r->digest));
	return 0;
}

void sk_csv_close(struct sk_csv_reader *r)
{
	if (!r)
		return;
	if (r->parser_ready)
		csv_free(&r->parser);
	if (r->fd >= 0)
		close(r->fd);
	sk_sha256_close(r->hash);
	sk_buf_release(&r->data);
	free(r->fields);
	free(r->recs);
	free(r->buf);
	free(r->path);
	free(r);
}

/* ---- writer ---- */

/*
 * Rows collect in `out` and go to the atomic file in chunks of at least
 * FLUSH_AT bytes: fsutil passes a chunk that large straight to write() (and
 * SHA-256) without copying it into its own buffer.
 *
 * Hashing and writing a large file cost about a fifth of the transform's
 * time, so once a file outgrows one chunk a second thread does them while
 * the caller builds the next chunk (two buffers, one in flight). Only that
 * thread touches the afile until commit or abort has joined it. It blocks
 * the termination signals, so they interrupt the caller's reads as before.
 */
#define FLUSH_AT (256 * 1024)

struct sk_csv_writer {
	struct sk_afile *f;
	struct sk_buf out; /* whole rows not yet given to f (no NUL kept) */
	int first;         /* no field yet in the current row */
	unsigned long long rows;
	struct sk_err err; /* sticky: the first failure of a put or a write */

	/* the background writer, once started */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sk_buf busy; /* the chunk in flight; the thread's while has_busy */
	int has_busy, stop;
	struct sk_err werr; /* the thread's first write error */
};

/* Bytes that force quoting: , " CR LF. */
static const unsigned char needs_quote[256] = {
	[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};

/*
 * Length of the prefix of `s` that needs no quoting. Eight bytes at a time:
 * a byte-at-a-time table loop was the biggest cost of writing a large file.
 */
static size_t plain_prefix(const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		if (bytes_eq(x, ',') | bytes_eq(x, '"') | bytes_eq(x, '\r') | bytes_eq(x, '\n'))
			break;
	}
	while (i < len && !needs_quote[(unsigned char)s[i]])
		i++;
	return i;
}

/* Write the CSV form of `s` at `d` (room for 2 * len + 2); returns the end. */
static char *encode(char *d, const char *s, size_t len)
{
	size_t i = plain_prefix(s, len);

	if (SK_LIKELY(i == len)) {
		sk_copy_bytes(d, s, len);
		return d + len;
	}
	*d++ = '"';
	memcpy(d, s, i);
	d += i;
	for (; i < len; i++) {
		if (s[i] == '"')
			*d++ = '"';
		*d++ = s[i];
	}
	*d++ = '"';
	return d;
}

int sk_csv_encode(struct sk_buf *b, const char *s, size_t len, struct sk_err *err)
{
	if (len > (SIZE_MAX - 2) / 2)
		return sk_err_set(err, SK_E_NOMEM, "value of %zu bytes too long to encode", len);
	if (sk_buf_grow(b, 2 * len + 2, err) < 0)
		return -1;
	b->len = (size_t)(encode(b->data + b->len, s, len) - b->data);
	b->data[b->len] = '\0';
	return 0;
}

static char *field_room(struct sk_csv_writer *w, size_t len);

void sk_csv_put_encoded(struct sk_csv_writer *w, const char *csv, size_t len)
{
	char *d = field_room(w, len);

	if (d) {
		sk_copy_bytes(d, csv, len);
		w->out.len = (size_t)(d + len - w->out.data);
	}
}

void sk_csv_put(struct sk_csv_writer *w, const char *s, size_t len)
{
	struct sk_buf *b = &w->out;
	char *d;

	if (SK_UNLIKELY(w->err.code))
		return;
	/* worst case: separator, two quotes, every byte doubled */
	if (SK_UNLIKELY(b->cap - b->len < 2 * len + 4) &&
	    sk_buf_grow(b, 3 + 2 * len, &w->err) < 0)
		return;
	d = b->data + b->len;
	if (!w->first)
		*d++ = ',';
	w->first = 0;
	b->len = (size_t)(encode(d, s, len) - b->data);
}

void sk_csv_puts(struct sk_csv_writer *w, const char *s)
{
	sk_csv_put(w, s, strlen(s));
}

/*
 * Room for `len` more bytes and the separator in the current row: where the
 * field goes, or NULL after an error. The numbers are written straight
 * there: built in a small buffer first and then copied, their bytes were
 * read back by wide loads right after narrow stores, a store-forwarding
 * stall that cost the transform a fifth of its time.
 */
static char *field_room(struct sk_csv_writer *w, size_t len)
{
	struct sk_buf *b = &w->out;
	char *d;

	if (SK_UNLIKELY(w->err.code))
		return NULL;
	if (SK_UNLIKELY(b->cap - b->len < len + 2) && sk_buf_grow(b, len + 1, &w->err) < 0)
		return NULL;
	d = b->data + b->len;
	if (!w->first)
		*d++ = ',';
	w->first = 0;
	return d;
}

void sk_csv_put_int(struct sk_csv_writer *w, long long v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t digits = 1;
	char *d, *p;

	/* by hand: snprintf costs more than the rest of a row's fields */
	for (unsigned long long t = u; t >= 10; t /= 10)
		digits++;
	if (!(d = field_room(w, digits + 1)))
		return;
	if (v < 0)
		*d++ = '-';
	p = d + digits;
	w->out.len = (size_t)(p - w->out.data);
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
}

void sk_csv_put_money(struct sk_csv_writer *w, long long cents)
{
	char *d = field_room(w, SK_MONEY_BUFSIZE);

	if (d)
		w->out.len = (size_t)(d + sk_money_format(cents, d) - w->out.data);
}

static void *writer_thread(void *arg)
{
	struct sk_csv_writer *w = arg;
	struct sk_err e = SK_ERR_INIT;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->has_busy && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->has_busy)
			break;
		pthread_mutex_unlock(&w->mu);
		/* after a failure, drop the rest: the file will not be committed */
		if (e.code == SK_E_NONE &&
		    sk_afile_write(w->f, w->busy.data, w->busy.len, &e) < 0) {
			pthread_mutex_lock(&w->mu);
			w->werr = e;
			pthread_mutex_unlock(&w->mu);
		}
		w->busy.len = 0;
		pthread_mutex_lock(&w->mu);
		w->has_busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Start the thread; 0, or -1 when it cannot (then the caller writes itself). */
static int start_thread(struct sk_csv_writer *w)
{
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	if (sk_thread_start(&w->thread, writer_thread, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -1;
	}
	w->threaded = 1;
	return 0;
}

/* Wait until no chunk is in flight; -1 with w->err if the thread failed. */
static int wait_idle(struct sk_csv_writer *w)
{
	int ret = 0;

	pthread_mutex_lock(&w->mu);
	while (w->has_busy)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->werr.code) {
		w->err = w->werr;
		ret = -1;
	}
	pthread_mutex_unlock(&w->mu);
	return ret;
}

/* Stop and join the thread (it finishes the chunk in flight). */
static void stop_thread(struct sk_csv_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->threaded = 0;
}

/*
 * Give the rows in `out` to the file: through the thread (started with the
 * first full chunk), or here for the `last` one or when no thread can be had.
 */
static int flush_rows(struct sk_csv_writer *w, int last)
{
	struct sk_buf tmp;
	double t0;
	int rc, here = 0;

	if (w->out.len == 0)
		return 0;
	/* the time this thread waits on output (not the writer thread's) */
	t0 = sk_phase_clock();
	rc = w->threaded ? wait_idle(w) : 0;
	if (rc == 0 && (last || (!w->threaded && start_thread(w) < 0))) {
		here = 1;
		rc = sk_afile_write(w->f, w->out.data, w->out.len, &w->err);
		if (rc == 0)
			w->out.len = 0;
	}
	sk_phase_add(SK_PHASE_WRITE, sk_phase_clock() - t0);
	if (rc < 0 || here)
		return rc;
	/* the thread is idle: `busy` is free and empty */
	tmp = w->busy;
	w->busy = w->out;
	w->out = tmp;
	pthread_mutex_lock(&w->mu);
	w->has_busy = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int sk_csv_end_row(struct sk_csv_writer *w, struct sk_err *err)
{
	struct sk_buf *b = &w->out;

	if (SK_UNLIKELY(w->err.code))
		goto fail;
	if (SK_UNLIKELY(b->cap - b->len < 2) && sk_buf_grow(b, 1, &w->err) < 0)
		goto fail;
	b->data[b->len++] = '\n';
	w->first = 1;
	w->rows++;
	if (b->len >= FLUSH_AT && flush_rows(w, 0) < 0)
		goto fail;
	return 0;
fail:
	*err = w->err;
	return -1;
}

unsigned long long sk_csv_rows(const struct sk_csv_writer *w)
{
	return w->rows;
}

struct sk_csv_writer *sk_csv_create(const char *path, const char *const *header,
				    size_t ncols, struct sk_err *err)
{
	struct sk_csv_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	w->out.max = FIELD_MAX * 2 * SK_CSV_MAX_COLS + FLUSH_AT;
	w->busy.max = w->out.max; /* the two buffers trade places */
	w->first = 1;
	if (!(w->f = sk_afile_open(path, err)))
		goto fail;
	for (size_t i = 0; i < ncols; i++)
		sk_csv_puts(w, header[i]);
	if (sk_csv_end_row(w, err) < 0)
		goto fail;
	w->rows = 0;
	return w;
fail:
	sk_csv_abort(w);
	return NULL;
}

int sk_csv_commit(struct sk_csv_writer *w, struct sk_file_info *info, struct sk_err *err)
{
	double t0 = 0;
	int rc = -1;

	/* flush_rows counts its own time */
	if (w->err.code || flush_rows(w, 1) < 0)
		goto fail;
	t0 = sk_phase_clock();
	if (w->threaded && wait_idle(w) < 0)
		goto fail;
	stop_thread(w);
	rc = sk_afile_commit(w->f, info, err);
	w->f = NULL;
	sk_csv_abort(w); /* frees the rest; the afile is gone */
	sk_phase_add(SK_PHASE_WRITE, sk_phase_clock() - t0);
	return rc;
fail:
	*err = w->err;
	sk_csv_abort(w);
	if (t0 > 0)
		sk_phase_add(SK_PHASE_WRITE, sk_phase_clock() - t0);
	return -1;
}

void sk_csv_abort(struct sk_csv_writer *w)
{
	if (!w)
		return;
	stop_thread(w);
	sk_afile_abort(w->f);
	sk_buf_release(&w->out);
	sk_buf_release(&w->busy);
	free(w);
}
