#include "base.h"
#include "csvio.h"
#include "buf.h"
#include "money.h"
#include "sig.h"

#include <csv.h>
#include <fcntl.h>
#include <unistd.h>

#define READ_BLOCK (256 * 1024)
#define FIELD_MAX (16u << 20)

struct field {
	size_t off, len;
};

struct record {
	size_t first; /* index into fields */
	size_t n;
	unsigned long line;
};

struct sk_csv_reader {
	char *path;
	int fd;
	int eof;
	int parser_ready;
	struct csv_parser parser;
	unsigned char *block;
	unsigned long long bytes;

	/* records parsed from the current block, waiting to be handed out */
	struct sk_buf data;
	struct field *fields;
	size_t nfields, capfields;
	struct record *recs;
	size_t nrecs, caprecs, next;

	/* state of the record being parsed */
	size_t cur_first, cur_n;
	unsigned long cur_line; /* line the current record started on */
	unsigned long cur_nl;   /* line feeds inside its quoted fields */
	int last_term;          /* terminator of the previous record end */
	size_t ncols;

	struct sk_err cb_err; /* an error raised inside a libcsv callback */
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0; /* SPEC: nothing is trimmed */
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct sk_csv_reader *r = ctx;
	struct field *f;
	const char *nl;

	if (r->cb_err.code)
		return;
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
	f = &r->fields[r->nfields++];
	f->off = r->data.len;
	f->len = len;
	/* copy out: libcsv reuses its buffer; keep a NUL after each value */
	if (sk_buf_add(&r->data, s ? s : "", len, &r->cb_err) < 0 ||
	    sk_buf_add(&r->data, "", 1, &r->cb_err) < 0)
		return;
	for (nl = s ? memchr(s, '\n', len) : NULL; nl;
	     nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - (const char *)s)))
		r->cur_nl++;
	r->cur_n++;
}

static void on_record(int c, void *ctx)
{
	struct sk_csv_reader *r = ctx;
	struct record *rec;
	int prev = r->last_term;

	r->last_term = c;
	if (r->cb_err.code)
		return;
	if (r->cur_n == 0) {
		/* CSV_REPALL_NL reports every terminator: the LF of a CRLF pair
		 * ends nothing; any other empty record is an empty line */
		if (c == '\n' && prev == '\r')
			return;
		sk_err_set(&r->cb_err, SK_E_DATA,
			   "'%s': line %lu: empty line (expected %zu fields)", r->path,
			   r->cur_line, r->ncols);
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
	rec->line = r->cur_line;
	r->cur_line += 1 + r->cur_nl;
	r->cur_nl = 0;
	r->cur_first = r->nfields;
	r->cur_n = 0;
}

/* Move the unfinished record's fields to the front before parsing more. */
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
				  r->path, r->cur_line + r->cur_nl);
	return sk_err_set(err, SK_E_NOMEM, "'%s': line %lu: %s", r->path, r->cur_line,
			  csv_strerror(e));
}

/* Parse blocks until at least one record is queued or the file ends. */
static int fill(struct sk_csv_reader *r, struct sk_err *err)
{
	compact(r);
	while (r->nrecs == 0 && !r->eof) {
		ssize_t n;

		if (sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED, "'%s': interrupted", r->path);
		n = read(r->fd, r->block, READ_BLOCK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sk_err_set(err, SK_E_IO, "read '%s': %s", r->path, strerror(errno));
		}
		if (n == 0) {
			r->eof = 1;
			if (csv_fini(&r->parser, on_field, on_record, r) != 0)
				return parse_error(r, err);
		} else {
			r->bytes += (unsigned long long)n;
			if (csv_parse(&r->parser, r->block, (size_t)n, on_field, on_record, r) !=
			    (size_t)n)
				return parse_error(r, err);
		}
		if (r->cb_err.code) {
			*err = r->cb_err;
			return -1;
		}
		if (r->parser.entry_pos > FIELD_MAX)
			return sk_err_set(err, SK_E_DATA,
					  "'%s': line %lu: field longer than %u MiB (an "
					  "unterminated quote?)",
					  r->path, r->cur_line, FIELD_MAX >> 20);
	}
	return 0;
}

/* Hand out the next queued record without checking its width. */
static int next_raw(struct sk_csv_reader *r, struct sk_csv_row *row, struct sk_err *err)
{
	struct record *rec;

	if (r->next == r->nrecs) {
		if (fill(r, err) < 0)
			return -1;
		if (r->nrecs == 0)
			return 0;
	}
	rec = &r->recs[r->next++];
	row->line = rec->line;
	row->n = rec->n;
	for (size_t i = 0; i < rec->n && i < SK_CSV_MAX_COLS; i++) {
		const struct field *f = &r->fields[rec->first + i];
		row->f[i] = r->data.data + f->off;
		row->len[i] = f->len;
	}
	return 1;
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

struct sk_csv_reader *sk_csv_open(const char *path, const char *const *header,
				  size_t ncols, struct sk_err *err)
{
	struct sk_csv_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path)) || !(r->block = malloc(READ_BLOCK))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	r->fd = -1;
	r->ncols = ncols;
	r->cur_line = 1;
	r->data.max = FIELD_MAX * 4 + READ_BLOCK * 4;
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
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		goto fail;
	}
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (check_header(r, header, err) < 0)
		goto fail;
	return r;
fail:
	sk_csv_close(r);
	return NULL;
}

int sk_csv_next(struct sk_csv_reader *r, struct sk_csv_row *row, struct sk_err *err)
{
	int rc = next_raw(r, row, err);

	if (rc <= 0)
		return rc;
	if (row->n != r->ncols)
		return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %zu fields, expected %zu",
				  r->path, row->line, row->n, r->ncols);
	return 1;
}

unsigned long long sk_csv_bytes(const struct sk_csv_reader *r)
{
	return r->bytes;
}

const char *sk_csv_path(const struct sk_csv_reader *r)
{
	return r->path;
}

void sk_csv_close(struct sk_csv_reader *r)
{
	if (!r)
		return;
	if (r->parser_ready)
		csv_free(&r->parser);
	if (r->fd >= 0)
		close(r->fd);
	sk_buf_release(&r->data);
	free(r->fields);
	free(r->recs);
	free(r->block);
	free(r->path);
	free(r);
}

/* ---- writer ---- */

struct sk_csv_writer {
	struct sk_afile *f;
	struct sk_buf line;
	int first; /* no field yet in the current row */
	unsigned long long rows;
	struct sk_err err; /* sticky: the first failure of a put */
};

/* Bytes that force quoting: , " CR LF. */
static const unsigned char needs_quote[256] = {
	[','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};

void sk_csv_put(struct sk_csv_writer *w, const char *s, size_t len)
{
	struct sk_buf *b = &w->line;
	size_t i;

	if (w->err.code)
		return;
	/* worst case: separator, two quotes, every byte doubled */
	if (sk_buf_grow(b, 3 + 2 * len, &w->err) < 0)
		return;
	if (!w->first)
		b->data[b->len++] = ',';
	w->first = 0;
	for (i = 0; i < len && !needs_quote[(unsigned char)s[i]]; i++)
		;
	if (i == len) {
		memcpy(b->data + b->len, s, len);
		b->len += len;
		return;
	}
	b->data[b->len++] = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			b->data[b->len++] = '"';
		b->data[b->len++] = s[i];
	}
	b->data[b->len++] = '"';
}

void sk_csv_puts(struct sk_csv_writer *w, const char *s)
{
	sk_csv_put(w, s, strlen(s));
}

void sk_csv_put_int(struct sk_csv_writer *w, long long v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", v);

	sk_csv_put(w, tmp, (size_t)n);
}

void sk_csv_put_money(struct sk_csv_writer *w, long long cents)
{
	char tmp[SK_MONEY_BUFSIZE];

	sk_csv_put(w, tmp, sk_money_format(cents, tmp));
}

int sk_csv_end_row(struct sk_csv_writer *w, struct sk_err *err)
{
	if (w->err.code || sk_buf_add(&w->line, "\n", 1, &w->err) < 0) {
		*err = w->err;
		return -1;
	}
	w->first = 1;
	if (sk_afile_write(w->f, w->line.data, w->line.len, err) < 0)
		return -1;
	sk_buf_reset(&w->line);
	w->rows++;
	return 0;
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
	w->line.max = FIELD_MAX * 2 * SK_CSV_MAX_COLS;
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
	int rc = sk_afile_commit(w->f, info, err);

	w->f = NULL;
	sk_buf_release(&w->line);
	free(w);
	return rc;
}

void sk_csv_abort(struct sk_csv_writer *w)
{
	if (!w)
		return;
	sk_afile_abort(w->f);
	sk_buf_release(&w->line);
	free(w);
}
