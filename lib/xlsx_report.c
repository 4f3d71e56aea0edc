/*
 * xlsx_report.c: the reports of a run as one Excel workbook. See
 * xlsx_report.h for what the workbook holds and why.
 */
#include "base.h"
#include "xlsx_report.h"
#include "csvio.h"
#include "fsutil.h"
#include "sig.h"
#include "step.h"
#include "utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <minizip/unzip.h>
#include <minizip/zip.h>
#include <zlib.h>

#define WIDTH_CAP 60     /* characters: the widest a fitted column gets */
#define MAX_DIGITS 15    /* Excel shows 15 significant digits exactly */
#define XLSX_STR_MAX 32767

/*
 * Column types, one letter per column: upper case may not be empty, lower
 * case may. s text, I/i integer >= 0, N/n signed integer, M/m money as
 * written by the steps ("INT.DD"), P/p a price as read (signed, 0 to 2
 * fraction digits), D/d date, T/t timestamp.
 */
struct schema {
	const char *name;  /* the file name without .csv */
	const char *sheet; /* fixed sheet name, or NULL: the file's base name */
	const char *types;
	const char *cols[SK_CSV_MAX_COLS];
};

enum { SCH_SALES, SCH_CUSTOMERS, SCH_PRODUCTS };

static const struct schema schemas[] = {
	{"sales_report", "Sales", "DIIIMM",
	 {"date", "invoices", "lines", "units", "revenue", "avg_order_value"}},
	{"customer_report", "Customers", "ssIIMDD",
	 {"customer_id", "country", "orders", "units", "revenue", "first_purchase", "last_purchase"}},
	{"product_report", "Products", "sssIMI",
	 {"stock_code", "description", "category", "units", "revenue", "customers"}},
	{"transformed_data", NULL, "ssITMsMsssdssp",
	 {"invoice_no", "stock_code", "quantity", "invoice_date", "unit_price", "customer_id",
	  "line_total", "customer_name", "country", "segment", "signup_date", "description",
	  "category", "unit_cost"}},
	{"raw_sales", NULL, "ssntps",
	 {"invoice_no", "stock_code", "quantity", "invoice_date", "unit_price", "customer_id"}},
	{"customer_data", NULL, "ssssd", {"customer_id", "name", "country", "segment", "signup_date"}},
	{"product_data", NULL, "sssp", {"stock_code", "description", "category", "unit_cost"}},
};
#define NSCHEMAS (sizeof(schemas) / sizeof(schemas[0]))

static const char *const default_inputs[] = {"sales_report.csv", "customer_report.csv",
					     "product_report.csv"};

/* One input: its schema and what was written of it. */
struct input {
	char path[PATH_MAX];
	const struct schema *sch; /* NULL: all text (--text) */
	const char *cols[SK_CSV_MAX_COLS];
	char colbuf[4096];
	size_t ncols;
	char sheet[32];           /* the first sheet's name */
	unsigned long long rows;  /* data rows */
	int sheets;               /* sheets used */
	time_t mtime;
};

/* A step's event, for the Run sheet. */
struct event {
	char step[64], status[32], started[40], quality[32];
	long long rows_in, rows_out;
	int has_rows;
};

/*
 * The rows of one data sheet, which we write ourselves: libxlsxwriter
 * formats every cell with fprintf into a temporary file and deflates that
 * at level 6 when the workbook closes (9 of 10 seconds of a 1,000,000-row
 * report). Here each row's XML goes into a buffer, deflated at
 * ROWS_LEVEL as it fills, into `fd` (an unlinked temporary file): one raw
 * deflate stream per sheet, ended by a sync flush so that the sheet's head
 * and tail from libxlsxwriter can be put around it (assemble()).
 */
#define ROWS_LEVEL 1        /* Z_BEST_SPEED: 1,000,000 rows in 48.8 MB instead of
			       40.8 MB at level 6, in a third of the time */
#define XML_CAP (2u << 20)  /* the row buffer; a cell needs at most ~1 MiB */
#define ZOUT (256u << 10)

struct part {               /* one data sheet's rows, deflated */
	off_t off;              /* in the rows file */
	unsigned long long clen, ulen;
	uLong crc;
	unsigned long long rows; /* data rows on it */
	unsigned ncols;
};

struct rows {
	int fd;
	off_t pos;
	z_stream zs;
	int zinit;
	char *xml;
	size_t used;
	unsigned char *out;
	struct part *p;         /* the sheet being written */
	int style[5];           /* xf index: text, int, money, date, stamp */
	char colname[SK_CSV_MAX_COLS][4];
};

struct book {
	lxw_workbook *wb;
	lxw_format *bold, *text, *money, *date, *stamp, *intf;
	unsigned long max_rows; /* per sheet, header included */
	struct sk_step *s;
	unsigned long long progress;
	struct rows rw;
	struct part *parts;     /* the data sheets in order: sheet2.xml on */
	size_t nparts;
};

/* ---- parsing values exactly ---- */

static int all_digits(const char *p, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

static long long digits_value(const char *p, size_t n)
{
	long long v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* An integer: optional '-' when `sign`, digits, no leading zero, at most 15 digits. */
static int parse_int(const char *p, size_t n, int sign, long long *out)
{
	int neg = 0;

	if (sign && n > 1 && p[0] == '-')
		neg = 1, p++, n--;
	if (!all_digits(p, n) || n > MAX_DIGITS || (n > 1 && p[0] == '0'))
		return -1;
	*out = neg ? -digits_value(p, n) : digits_value(p, n);
	return 0;
}

/*
 * Money into cents. `strict`: SPEC money "INT.DD" (no sign, no leading zero).
 * Otherwise a price as read: optional '-', INT, optionally '.' and 1 or 2
 * digits.
 */
static int parse_cents(const char *p, size_t n, int strict, long long *out)
{
	int neg = 0;
	size_t ip;
	const char *dot = memchr(p, '.', n);
	long long frac = 0;

	if (!strict && n > 1 && p[0] == '-')
		neg = 1, p++, n--, dot = memchr(p, '.', n);
	ip = dot ? (size_t)(dot - p) : n;
	if (!all_digits(p, ip) || (ip > 1 && p[0] == '0') || ip > MAX_DIGITS - 2)
		return -1;
	if (dot) {
		size_t fl = n - ip - 1;

		if (strict ? fl != 2 : (fl < 1 || fl > 2))
			return -1;
		if (!all_digits(dot + 1, fl))
			return -1;
		frac = digits_value(dot + 1, fl) * (fl == 1 ? 10 : 1);
	} else if (strict) {
		return -1;
	}
	*out = digits_value(p, ip) * 100 + frac;
	if (neg)
		*out = -*out;
	return 0;
}

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int num2(const char *p, size_t n)
{
	if (!all_digits(p, n))
		return -1;
	return (int)digits_value(p, n);
}

/* YYYY-MM-DD (len 10) or YYYY-MM-DDTHH:MM:SS (len 19), a real date from
 * 1900-03-01 on (Excel's 1900 calendar is wrong before). */
static int parse_when(const char *p, size_t n, int stamp, lxw_datetime *dt)
{
	int y, mo, d, h = 0, mi = 0, se = 0;

	if (n != (stamp ? 19u : 10u) || p[4] != '-' || p[7] != '-')
		return -1;
	y = num2(p, 4), mo = num2(p + 5, 2), d = num2(p + 8, 2);
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || (y == 1900 && mo < 3))
		return -1;
	if (stamp) {
		if (p[10] != 'T' || p[13] != ':' || p[16] != ':')
			return -1;
		h = num2(p + 11, 2), mi = num2(p + 14, 2), se = num2(p + 17, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
			return -1;
	}
	dt->year = y, dt->month = mo, dt->day = d, dt->hour = h, dt->min = mi, dt->sec = se;
	return 0;
}

/* Characters of UTF-8 text, or -1 when it is not UTF-8 (or holds NUL). */
static long utf8_chars(const char *p, size_t n)
{
	long c = 0;

	for (size_t i = 0; i < n; c++) {
		size_t k = p[i] ? sk_utf8_seq_len((const unsigned char *)p + i, n - i) : 0;

		if (k == 0)
			return -1;
		i += k;
	}
	return c;
}

/* Digits of |v| plus thousands separators, the sign, and ".00" for money. */
static unsigned shown_len(long long v, int money)
{
	unsigned dg = 1, len;
	unsigned long long a = v < 0 ? (unsigned long long)-(v + 1) + 1 : (unsigned long long)v;

	if (money)
		a /= 100;
	while (a >= 10)
		a /= 10, dg++;
	len = dg + (dg - 1) / 3 + (v < 0) + (money ? 3 : 0);
	return len;
}

/* ---- sheet names ---- */

/* The base name of `path` without ".csv", made a legal sheet name, cut so
 * that " (NNNN)" still fits in Excel's 31 characters. */
static void base_sheet_name(char out[32], const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n, o = 0;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".csv") == 0)
		n -= 4;
	for (size_t i = 0; i < n && o < 24;) {
		size_t k = sk_utf8_seq_len((const unsigned char *)b + i, n - i);

		if (k == 0 || o + k > 24)
			break;
		if (k == 1 && (strchr("[]:*?/\\", b[i]) || (unsigned char)b[i] < 0x20))
			out[o++] = '_';
		else
			memcpy(out + o, b + i, k), o += k;
		i += k;
	}
	while (o > 0 && out[o - 1] == '\'')
		o--;
	out[o] = 0;
	if (out[0] == '\'')
		out[0] = '_';
	if (!out[0])
		snprintf(out, 32, "Sheet");
	if (strcasecmp(out, "Run") == 0 || strcasecmp(out, "History") == 0)
		snprintf(out + o, 32 - o, "_");
}

static void piece_name(char out[48], const char *first, int k)
{
	if (k == 1)
		snprintf(out, 48, "%s", first);
	else
		snprintf(out, 48, "%s (%d)", first, k);
}

/* ---- inputs ---- */

/* Read the header line of `in->path` and pick its schema. */
static int pick_schema(struct input *in, int all_text, struct sk_err *err)
{
	char line[4096];
	FILE *f = fopen(in->path, "rb");
	size_t n;
	struct stat st;

	if (!f)
		return sk_err_set(err, SK_E_IO, "open '%s': %s", in->path, strerror(errno));
	n = fread(line, 1, sizeof(line) - 1, f);
	if (fstat(fileno(f), &st) == 0)
		in->mtime = st.st_mtime;
	fclose(f);
	line[n] = 0;
	char *lf = memchr(line, '\n', n);
	if (!lf)
		return sk_err_set(err, SK_E_DATA, "'%s' line 1: no header line (empty file, or a header "
				  "longer than %zu bytes)", in->path, sizeof(line) - 2);
	*lf = 0;
	for (size_t i = 0; i < NSCHEMAS; i++) {
		char want[1024];
		size_t o = 0, k;

		for (k = 0; schemas[i].cols[k]; k++)
			o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s", k ? "," : "",
					      schemas[i].cols[k]);
		if (strcmp(want, line) == 0) {
			in->sch = &schemas[i];
			in->ncols = k;
			memcpy(in->cols, schemas[i].cols, k * sizeof(char *));
			return 0;
		}
	}
	if (!all_text)
		return sk_err_set(err, SK_E_DATA, "'%s': the header matches none of the schemas of "
				  "SPEC.md (sales_report, customer_report, product_report, "
				  "transformed_data, raw_sales, customer_data, product_data); "
				  "give --text to write every column as text", in->path);
	/* --text: the header's names, unquoted ones only */
	if (strchr(line, '"') || strchr(line, '\r'))
		return sk_err_set(err, SK_E_DATA, "'%s' line 1: --text takes a header of plain names "
				  "(no quotes, no CR)", in->path);
	snprintf(in->colbuf, sizeof(in->colbuf), "%s", line);
	in->sch = NULL;
	in->ncols = 0;
	for (char *p = in->colbuf;;) {
		char *c = strchr(p, ',');

		if (in->ncols == SK_CSV_MAX_COLS)
			return sk_err_set(err, SK_E_DATA, "'%s' line 1: more than %d columns",
					  in->path, SK_CSV_MAX_COLS);
		in->cols[in->ncols++] = p;
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
	return 0;
}

static int setup_inputs(struct sk_step *s, const struct sk_xlsx_opts *o, int argc, char **argv,
			struct input **out, size_t *nout, struct sk_err *err)
{
	size_t n = argc > 0 ? (size_t)argc : 3;
	struct input *in = calloc(n, sizeof(*in));

	if (!in)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (argc > 0)
			snprintf(in[i].path, sizeof(in[i].path), "%s", argv[i]);
		else if (sk_step_path(s, in[i].path, NULL, default_inputs[i], err) < 0)
			goto fail;
		if (pick_schema(&in[i], o->all_text && *o->all_text, err) < 0)
			goto fail;
		if (in[i].sch && in[i].sch->sheet)
			snprintf(in[i].sheet, sizeof(in[i].sheet), "%s", in[i].sch->sheet);
		else
			base_sheet_name(in[i].sheet, in[i].path);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(in[j].sheet, in[i].sheet) == 0) {
				sk_err_set(err, SK_E_USAGE, "'%s' and '%s' would both be sheet '%s': "
					   "give one file per report", in[j].path, in[i].path,
					   in[i].sheet);
				goto fail;
			}
	}
	*out = in, *nout = n;
	return 0;
fail:
	free(in);
	return -1;
}

/* ---- events ---- */

static void copy_str(char *dst, size_t cap, json_t *v)
{
	if (json_is_string(v))
		snprintf(dst, cap, "%s", json_string_value(v));
}

static int by_started(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int c = strcmp(x->started, y->started);

	return c ? c : strcmp(x->step, y->step);
}

/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" into seconds since the epoch; -1 if not. */
static time_t parse_utc(const char *t)
{
	struct tm tm = {0};
	lxw_datetime dt;

	if (strlen(t) < 19 || parse_when(t, 19, 1, &dt) < 0)
		return (time_t)-1;
	tm.tm_year = dt.year - 1900, tm.tm_mon = dt.month - 1, tm.tm_mday = dt.day;
	tm.tm_hour = dt.hour, tm.tm_min = dt.min, tm.tm_sec = (int)dt.sec;
	return timegm(&tm);
}

struct runinfo {
	struct event *ev;
	size_t nev;
	char period[64];
	time_t made;
	char notes[8][200];
	size_t nnotes;
};

static void add_note(struct runinfo *ri, const char *fmt, const char *a, const char *b)
{
	if (ri->nnotes < sizeof(ri->notes) / sizeof(ri->notes[0]))
		snprintf(ri->notes[ri->nnotes++], sizeof(ri->notes[0]), fmt, a, b);
}

/* Read the events WORKDIR/events/STEP.json (not our own event); damaged files become notes. */
static int load_events(struct sk_step *s, const char *self, struct runinfo *ri, struct sk_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (sk_step_path(s, dir, NULL, "events", err) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[PATH_MAX + 256];
		json_error_t je;
		json_t *j, *det;
		struct event *ev;

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		if (strncmp(e->d_name, self, n - 5) == 0 && strlen(self) == n - 5)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		j = json_load_file(path, 0, &je);
		if (!j || !json_is_string(json_object_get(j, "step"))) {
			add_note(ri, "events/%s: not a step event%s", e->d_name, j ? "" : " (not JSON)");
			json_decref(j);
			continue;
		}
		ev = realloc(ri->ev, (ri->nev + 1) * sizeof(*ev));
		if (!ev) {
			json_decref(j);
			closedir(d);
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		}
		ri->ev = ev;
		ev = &ri->ev[ri->nev++];
		memset(ev, 0, sizeof(*ev));
		copy_str(ev->step, sizeof(ev->step), json_object_get(j, "step"));
		copy_str(ev->status, sizeof(ev->status), json_object_get(j, "status"));
		copy_str(ev->started, sizeof(ev->started), json_object_get(j, "started"));
		copy_str(ev->quality, sizeof(ev->quality), json_object_get(j, "quality"));
		if (json_is_object(json_object_get(j, "quality")))
			copy_str(ev->quality, sizeof(ev->quality),
				 json_object_get(json_object_get(j, "quality"), "level"));
		if (json_is_integer(json_object_get(j, "rows_in"))) {
			ev->has_rows = 1;
			ev->rows_in = json_integer_value(json_object_get(j, "rows_in"));
			ev->rows_out = json_integer_value(json_object_get(j, "rows_out"));
		}
		det = json_object_get(j, "details");
		if (!ri->period[0] && strncmp(ev->step, "extract-", 8) == 0)
			copy_str(ri->period, sizeof(ri->period), json_object_get(det, "range"));
		if (json_is_string(json_object_get(j, "finished"))) {
			time_t t = parse_utc(json_string_value(json_object_get(j, "finished")));

			if (t != (time_t)-1 && t > ri->made)
				ri->made = t;
		}
		json_decref(j);
	}
	closedir(d);
	if (ri->nev)
		qsort(ri->ev, ri->nev, sizeof(ri->ev[0]), by_started);
	return 0;
}

/* ---- writing ---- */

static int lxw_fail(lxw_error e, struct sk_err *err, const char *what)
{
	return sk_err_set(err, e == LXW_ERROR_MEMORY_MALLOC_FAILED ? SK_E_NOMEM : SK_E_IO,
			  "%s: %s", what, lxw_strerror(e));
}

/* ---- the rows: our own XML, deflated as it goes ---- */

static int write_all(int fd, const unsigned char *p, size_t n, struct sk_err *err)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sk_err_set(err, SK_E_IO, "write the rows' temporary file: %s",
					  strerror(errno));
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* Deflate the buffered XML with `flush` (Z_NO_FLUSH or Z_SYNC_FLUSH). */
static int rows_flush(struct rows *w, int flush, struct sk_err *err)
{
	z_stream *z = &w->zs;

	w->p->crc = crc32(w->p->crc, (const Bytef *)w->xml, (uInt)w->used);
	w->p->ulen += w->used;
	z->next_in = (Bytef *)w->xml;
	z->avail_in = (uInt)w->used;
	do {
		z->next_out = w->out;
		z->avail_out = ZOUT;
		if (deflate(z, flush) == Z_STREAM_ERROR)
			return sk_err_set(err, SK_E_NOMEM, "deflate the rows: %s", z->msg ? z->msg : "error");
		if (write_all(w->fd, w->out, ZOUT - z->avail_out, err) < 0)
			return -1;
		w->pos += (off_t)(ZOUT - z->avail_out);
	} while (z->avail_out == 0 || z->avail_in);
	w->used = 0;
	return 0;
}

/* Room for `n` more bytes of XML. */
static int rows_room(struct rows *w, size_t n, struct sk_err *err)
{
	if (w->used + n <= XML_CAP)
		return 0;
	return rows_flush(w, Z_NO_FLUSH, err);
}

static int rows_begin(struct rows *w, struct part *p, struct sk_err *err)
{
	memset(p, 0, sizeof(*p));
	p->off = w->pos;
	p->crc = crc32(0, Z_NULL, 0);
	w->p = p;
	if (!w->zinit) {
		if (deflateInit2(&w->zs, ROWS_LEVEL, Z_DEFLATED, -MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return sk_err_set(err, SK_E_NOMEM, "deflate: cannot start");
		w->zinit = 1;
	} else if (deflateReset(&w->zs) != Z_OK) {
		return sk_err_set(err, SK_E_NOMEM, "deflate: cannot restart");
	}
	return 0;
}

static int rows_end(struct rows *w, struct sk_err *err)
{
	if (rows_flush(w, Z_SYNC_FLUSH, err) < 0)
		return -1;
	w->p->clen = (unsigned long long)(w->pos - w->p->off);
	return 0;
}

static char *put_u(char *o, unsigned long long v)
{
	char t[24];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*o++ = t[--n];
	return o;
}

static char *put_s(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

/* `<c r="B7" s="3"`: the cell's start, `r` the sheet row (1-based). */
static char *cell_head(struct rows *w, char *o, size_t c, unsigned long long r, int style)
{
	o = put_s(o, "<c r=\"");
	o = put_s(o, w->colname[c]);
	o = put_u(o, r);
	o = put_s(o, "\" s=\"");
	o = put_u(o, (unsigned)style);
	*o++ = '"';
	return o;
}

/* A number cell whose value is the decimal `v`/10^`scale` (scale 0 or 2),
 * written as the shortest exact decimal, as Excel reads it. */
static void cell_num(struct rows *w, size_t c, unsigned long long r, int style, long long v,
		     int scale)
{
	char *o = w->xml + w->used;
	unsigned long long a = v < 0 ? (unsigned long long)-(v + 1) + 1 : (unsigned long long)v;

	o = cell_head(w, o, c, r, style);
	o = put_s(o, "><v>");
	if (v < 0)
		*o++ = '-';
	if (scale) {
		unsigned f = (unsigned)(a % 100);

		o = put_u(o, a / 100);
		if (f) {
			*o++ = '.';
			*o++ = (char)('0' + f / 10);
			if (f % 10)
				*o++ = (char)('0' + f % 10);
		}
	} else {
		o = put_u(o, a);
	}
	o = put_s(o, "</v></c>");
	w->used = (size_t)(o - w->xml);
}

static void cell_dbl(struct rows *w, size_t c, unsigned long long r, int style, double d)
{
	char *o = w->xml + w->used;

	o = cell_head(w, o, c, r, style);
	o += snprintf(o, 64, "><v>%.16G</v></c>", d); /* libxlsxwriter's form */
	w->used = (size_t)(o - w->xml);
}

/* Whether v[i..n) starts with "_xHHHH_", which a reader of the file decodes
 * (ECMA-376 ST_Xstring: Excel shows "_x0041_" as "A"). */
static int looks_escaped(const char *v, size_t i, size_t n)
{
	if (n - i < 7 || v[i] != '_' || v[i + 1] != 'x' || v[i + 6] != '_')
		return 0;
	for (size_t k = i + 2; k < i + 6; k++)
		if (!isxdigit((unsigned char)v[k]))
			return 0;
	return 1;
}

/* An inline string cell, escaped as libxlsxwriter does: & < > as
 * entities, other control characters than TAB, LF, CR as _xHHHH_, and
 * xml:space="preserve" when the text starts or ends with white space; and,
 * unlike libxlsxwriter, the '_' of a text "_xHHHH_" as "_x005F_", so that
 * it reads back as it was written, not as the character HHHH. */
static void cell_str(struct rows *w, size_t c, unsigned long long r, int style, const char *v,
		     size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = w->xml + w->used;
	unsigned char f = (unsigned char)v[0], l = (unsigned char)v[n - 1];

	o = cell_head(w, o, c, r, style);
	if (f == ' ' || f == '\t' || f == '\n' || f == '\r' || l == ' ' || l == '\t' || l == '\n' ||
	    l == '\r')
		o = put_s(o, " t=\"inlineStr\"><is><t xml:space=\"preserve\">");
	else
		o = put_s(o, " t=\"inlineStr\"><is><t>");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '_' && looks_escaped(v, i, n)) {
			o = put_s(o, "_x005F_");
		} else if (ch >= 0x20 && ch != '&' && ch != '<' && ch != '>') {
			*o++ = (char)ch;
		} else if (ch == '&') {
			o = put_s(o, "&amp;");
		} else if (ch == '<') {
			o = put_s(o, "&lt;");
		} else if (ch == '>') {
			o = put_s(o, "&gt;");
		} else if (ch == '\t' || ch == '\n' || ch == '\r') {
			*o++ = (char)ch;
		} else { /* < 0x20 */
			o = put_s(o, "_x00");
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
			*o++ = '_';
		}
	}
	o = put_s(o, "</t></is></c>");
	w->used = (size_t)(o - w->xml);
}

static lxw_worksheet *new_sheet(struct book *b, const char *name, struct input *in,
				struct sk_err *err)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);

	if (!ws) {
		sk_err_set(err, SK_E_NOMEM, "sheet '%s': cannot add it", name);
		return NULL;
	}
	for (size_t c = 0; c < in->ncols; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, in->cols[c], b->bold);
	worksheet_freeze_panes(ws, 1, 0);
	return ws;
}

static void finish_sheet(lxw_worksheet *ws, struct input *in, const unsigned *width,
			 unsigned long long rows, struct book *b)
{
	for (size_t c = 0; c < in->ncols; c++) {
		char t = in->sch ? in->sch->types[c] : 's';
		lxw_format *f = (t == 's') ? b->text : NULL;

		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width[c] + 2.0, f);
	}
	worksheet_autofilter(ws, 0, 0, (lxw_row_t)rows, (lxw_col_t)(in->ncols - 1));
}

static int bad_value(struct sk_err *err, const struct input *in, unsigned long line, size_t c,
		     const char *v, const char *want)
{
	return sk_err_set(err, SK_E_DATA, "'%s' line %lu, column '%s': '%.40s' is not %s",
			  in->path, line, in->cols[c], v, want);
}

/* One cell of sheet row `r` (1-based) from CSV field `v`; widens `*w` to
 * what it shows. */
static int put_cell(struct book *b, unsigned long long r, size_t c, const struct input *in,
		    const char *v, size_t n, unsigned long line, unsigned *w, struct sk_err *err)
{
	struct rows *rw = &b->rw;
	char t = in->sch ? in->sch->types[c] : 's';
	long long x;
	lxw_datetime dt;
	long chars;
	unsigned len = 0;

	if (n == 0) {
		if (t == 's' || (t >= 'a' && t <= 'z'))
			return 0;
		return bad_value(err, in, line, c, v, "allowed empty here (SPEC.md)");
	}
	switch (t) {
	case 's':
		chars = utf8_chars(v, n);
		if (chars < 0)
			return bad_value(err, in, line, c, v, "UTF-8 text");
		if (chars > XLSX_STR_MAX)
			return sk_err_set(err, SK_E_DATA, "'%s' line %lu, column '%s': %ld characters, "
					  "more than a cell holds (%d)", in->path, line, in->cols[c],
					  chars, XLSX_STR_MAX);
		if (rows_room(rw, 7 * n + 128, err) < 0) /* _xHHHH_: 7 bytes for 1 */
			return -1;
		cell_str(rw, c, r, rw->style[0], v, n);
		len = chars > WIDTH_CAP ? WIDTH_CAP : (unsigned)chars;
		break;
	case 'I': case 'i': case 'N': case 'n':
		if (parse_int(v, n, t == 'N' || t == 'n', &x) < 0)
			return bad_value(err, in, line, c, v, t == 'N' || t == 'n'
				? "an integer (at most 15 digits)"
				: "a non-negative integer (digits, no leading zero, at most 15)");
		if (rows_room(rw, 128, err) < 0)
			return -1;
		cell_num(rw, c, r, rw->style[1], x, 0);
		len = shown_len(x, 0);
		break;
	case 'M': case 'm': case 'P': case 'p':
		if (parse_cents(v, n, t == 'M' || t == 'm', &x) < 0)
			return bad_value(err, in, line, c, v, t == 'M' || t == 'm'
				? "money as SPEC.md writes it (digits, '.', two digits)"
				: "a price (optional '-', digits, optionally '.' and one or two digits)");
		if (rows_room(rw, 128, err) < 0)
			return -1;
		cell_num(rw, c, r, rw->style[2], x, 2);
		len = shown_len(x, 1);
		break;
	case 'D': case 'd': case 'T': case 't':
		if (parse_when(v, n, t == 'T' || t == 't', &dt) < 0)
			return bad_value(err, in, line, c, v, t == 'T' || t == 't'
				? "a timestamp YYYY-MM-DDTHH:MM:SS (from 1900-03-01)"
				: "a date YYYY-MM-DD (from 1900-03-01)");
		if (rows_room(rw, 128, err) < 0)
			return -1;
		if (t == 'T' || t == 't')
			cell_dbl(rw, c, r, rw->style[4], lxw_datetime_to_excel_datetime(&dt));
		else /* a whole number of days */
			cell_num(rw, c, r, rw->style[3],
				 (long long)lxw_datetime_to_excel_datetime(&dt), 0);
		len = t == 'T' || t == 't' ? 19 : 10;
		break;
	}
	if (len > *w)
		*w = len;
	return 0;
}

static void add_charts(struct book *b, lxw_worksheet *ws, const struct input *in)
{
	lxw_row_t last;
	lxw_chart *ch;
	lxw_chart_series *se;

	if (in->sch == &schemas[SCH_SALES] && in->rows > 0) {
		last = (lxw_row_t)(in->rows < b->max_rows - 1 ? in->rows : b->max_rows - 1);
		ch = workbook_add_chart(b->wb, LXW_CHART_LINE);
		se = chart_add_series(ch, NULL, NULL);
		chart_series_set_categories(se, in->sheet, 1, 0, last, 0);
		chart_series_set_values(se, in->sheet, 1, 4, last, 4);
		chart_series_set_name(se, "revenue");
		chart_title_set_name(ch, "Revenue per day");
		chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
		chart_axis_set_num_format(ch->y_axis, "#,##0.00");
		/* the dates as dates: LibreOffice shows the serial numbers otherwise */
		chart_axis_set_num_format(ch->x_axis, "yyyy-mm-dd");
		worksheet_insert_chart(ws, 1, (lxw_col_t)in->ncols + 1, ch);
	}
	if (in->sch == &schemas[SCH_PRODUCTS] && in->rows > 0) {
		last = (lxw_row_t)(in->rows < 10 ? in->rows : 10);
		ch = workbook_add_chart(b->wb, LXW_CHART_BAR);
		se = chart_add_series(ch, NULL, NULL);
		chart_series_set_categories(se, in->sheet, 1, 0, last, 0);
		chart_series_set_values(se, in->sheet, 1, 4, last, 4);
		chart_series_set_name(se, "revenue");
		chart_title_set_name(ch, "Top ten products by revenue");
		chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
		chart_axis_set_reverse(ch->y_axis); /* the first (largest) on top */
		chart_axis_set_num_format(ch->x_axis, "#,##0.00");
		worksheet_insert_chart(ws, 1, (lxw_col_t)in->ncols + 1, ch);
	}
}

/* A data sheet: libxlsxwriter's (header, panes, widths, filter, charts)
 * and our rows for it (struct part), sheet index 2 + its part's. */
static lxw_worksheet *start_piece(struct book *b, const char *name, struct input *in,
				  struct sk_err *err)
{
	struct part *p = realloc(b->parts, (b->nparts + 1) * sizeof(*p));

	if (!p) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	b->parts = p;
	if (rows_begin(&b->rw, &p[b->nparts], err) < 0)
		return NULL;
	p[b->nparts++].ncols = (unsigned)in->ncols;
	return new_sheet(b, name, in, err);
}

static int end_piece(struct book *b, lxw_worksheet *ws, struct input *in, const unsigned *width,
		     unsigned long long rows, struct sk_err *err)
{
	b->parts[b->nparts - 1].rows = rows;
	if (rows_end(&b->rw, err) < 0)
		return -1;
	finish_sheet(ws, in, width, rows, b);
	return 0;
}

/* Copy one input into its sheet(s). */
static int write_input(struct book *b, struct input *in, struct runinfo *ri, struct sk_err *err)
{
	struct sk_csv_reader *r = sk_csv_open(in->path, in->cols, in->ncols, err);
	struct sk_csv_row row;
	unsigned width[SK_CSV_MAX_COLS];
	lxw_worksheet *ws, *first;
	unsigned long long on_sheet = 0;
	char name[48];
	int rc;

	if (!r)
		return -1;
	sk_step_input(b->s, in->path);
	for (size_t c = 0; c < in->ncols; c++)
		width[c] = (unsigned)strlen(in->cols[c]) + 2; /* room for the filter button */
	in->sheets = 1;
	first = ws = start_piece(b, in->sheet, in, err);
	if (!ws)
		goto fail;
	while ((rc = sk_csv_next(r, &row, err)) == 1) {
		char *o;

		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "interrupted");
			goto fail;
		}
		if (on_sheet == b->max_rows - 1) {
			if (end_piece(b, ws, in, width, on_sheet, err) < 0)
				goto fail;
			piece_name(name, in->sheet, ++in->sheets);
			ws = start_piece(b, name, in, err);
			if (!ws)
				goto fail;
			on_sheet = 0;
		}
		on_sheet++;
		if (rows_room(&b->rw, 32, err) < 0)
			goto fail;
		o = put_s(b->rw.xml + b->rw.used, "<row r=\"");
		o = put_u(o, on_sheet + 1);
		o = put_s(o, "\">");
		b->rw.used = (size_t)(o - b->rw.xml);
		for (size_t c = 0; c < in->ncols; c++)
			if (put_cell(b, on_sheet + 1, c, in, row.f[c], row.len[c], row.line,
				     &width[c], err) < 0)
				goto fail;
		if (rows_room(&b->rw, 8, err) < 0)
			goto fail;
		memcpy(b->rw.xml + b->rw.used, "</row>", 6);
		b->rw.used += 6;
		in->rows++;
		sk_step_progress(b->s, ++b->progress);
	}
	if (rc < 0)
		goto fail;
	{
		struct sk_file_info info; /* lineage: the bytes read, hashed as read */
		if (sk_csv_digest(r, &info) == 0)
			sk_step_input_info(b->s, &info);
	}
	if (end_piece(b, ws, in, width, on_sheet, err) < 0)
		goto fail;
	add_charts(b, first, in);
	if (in->sheets > 1) {
		add_note(ri, "%s: more rows than a sheet holds; continued on '%s (2)' and on",
			 in->sheet, in->sheet);
	}
	sk_csv_close(r);
	return 0;
fail:
	sk_csv_close(r);
	return -1;
}

static void put_row(lxw_worksheet *ws, lxw_row_t r, const char *k, const char *v, lxw_format *bold)
{
	worksheet_write_string(ws, r, 0, k, bold);
	if (v && *v)
		worksheet_write_string(ws, r, 1, v, NULL);
}

static void put_date(lxw_worksheet *ws, lxw_row_t r, const char *k, const char *v, struct book *b)
{
	lxw_datetime dt;

	worksheet_write_string(ws, r, 0, k, b->bold);
	if (parse_when(v, 10, 0, &dt) == 0)
		worksheet_write_datetime(ws, r, 1, &dt, b->date);
}

/* The Run sheet; `inputs` already written (their row counts known). */
static void write_run(struct book *b, lxw_worksheet *ws, const char *tmpl, const char *run_id,
		      const struct runinfo *ri, const struct input *in, size_t nin)
{
	lxw_row_t r = 0;
	struct tm tm;
	lxw_datetime dt;
	const char *dots = strstr(ri->period, "..");

	put_row(ws, r++, "Template", tmpl, b->bold);
	put_row(ws, r++, "Run id", run_id, b->bold);
	put_row(ws, r++, "Period", ri->period[0] ? ri->period : "unknown (no extract event)", b->bold);
	if (dots && dots - ri->period == 10) {
		put_date(ws, r++, "From", ri->period, b);
		put_date(ws, r++, "To", dots + 2, b);
	}
	worksheet_write_string(ws, r, 0, "Made", b->bold);
	gmtime_r(&ri->made, &tm);
	dt.year = tm.tm_year + 1900, dt.month = tm.tm_mon + 1, dt.day = tm.tm_mday;
	dt.hour = tm.tm_hour, dt.min = tm.tm_min, dt.sec = tm.tm_sec;
	worksheet_write_datetime(ws, r, 1, &dt, b->stamp);
	worksheet_write_string(ws, r++, 2, "UTC", NULL);
	r++;
	if (ri->nev) {
		static const char *const h[] = {"Step", "Status", "Rows in", "Rows out", "Quality"};

		for (int c = 0; c < 5; c++)
			worksheet_write_string(ws, r, (lxw_col_t)c, h[c], b->bold);
		r++;
		for (size_t i = 0; i < ri->nev; i++, r++) {
			const struct event *e = &ri->ev[i];

			worksheet_write_string(ws, r, 0, e->step, NULL);
			if (e->status[0])
				worksheet_write_string(ws, r, 1, e->status, NULL);
			if (e->has_rows) {
				worksheet_write_number(ws, r, 2, (double)e->rows_in, NULL);
				worksheet_write_number(ws, r, 3, (double)e->rows_out, NULL);
			}
			if (e->quality[0])
				worksheet_write_string(ws, r, 4, e->quality, NULL);
		}
		r++;
	}
	worksheet_write_string(ws, r, 0, "Sheet", b->bold);
	worksheet_write_string(ws, r, 1, "File", b->bold);
	worksheet_write_string(ws, r, 2, "Rows", b->bold);
	worksheet_write_string(ws, r, 3, "Sheets", b->bold);
	r++;
	for (size_t i = 0; i < nin; i++, r++) {
		const char *base = strrchr(in[i].path, '/');

		worksheet_write_string(ws, r, 0, in[i].sheet, NULL);
		worksheet_write_string(ws, r, 1, base ? base + 1 : in[i].path, NULL);
		worksheet_write_number(ws, r, 2, (double)in[i].rows, NULL);
		worksheet_write_number(ws, r, 3, in[i].sheets, NULL);
	}
	if (ri->nnotes) {
		r++;
		worksheet_write_string(ws, r++, 0, "Notes", b->bold);
		for (size_t i = 0; i < ri->nnotes; i++)
			worksheet_write_string(ws, r++, 0, ri->notes[i], NULL);
	}
	worksheet_set_column(ws, 0, 0, 18, NULL);
	worksheet_set_column(ws, 1, 1, 24, NULL);
	worksheet_set_column(ws, 2, 4, 12, NULL);
}

/* ---- the zip: libxlsxwriter's parts, with our rows put in ---- */

/* Deflate `n` bytes into the open zip entry as one raw stream ended by
 * `flush` (Z_SYNC_FLUSH: more follows; Z_FINISH: the entry's last bytes). */
static int zip_deflate(zipFile zf, const char *p, size_t n, int flush, struct sk_err *err)
{
	z_stream z;
	unsigned char out[65536];
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, ROWS_LEVEL, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return sk_err_set(err, SK_E_NOMEM, "deflate: cannot start");
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = deflate(&z, flush);
		if (rc == Z_STREAM_ERROR ||
		    zipWriteInFileInZip(zf, out, (unsigned)(sizeof(out) - z.avail_out)) != ZIP_OK) {
			deflateEnd(&z);
			return sk_err_set(err, SK_E_IO, "write the workbook: %s", strerror(errno));
		}
	} while (z.avail_out == 0 || z.avail_in || (flush == Z_FINISH && rc != Z_STREAM_END));
	deflateEnd(&z);
	return 0;
}

/* Sheet `name` of libxlsxwriter (its header row only) around the rows of
 * part `p`: its head up to </sheetData> with the dimension made whole,
 * the rows, its tail. */
static int put_sheet(zipFile zf, unzFile uf, const char *name, const zip_fileinfo *zi,
		     const unz_file_info64 *fi, const struct book *b, const struct part *p,
		     struct sk_err *err)
{
	char *x = NULL, *end, *dim, dimv[40];
	size_t n = (size_t)fi->uncompressed_size, headn;
	unsigned long long ulen;
	uLong crc;
	unsigned char buf[65536];
	int ret = -1, open = 0;

	if (n > (16u << 20) || !(x = malloc(n + 1)))
		return sk_err_set(err, SK_E_NOMEM, "'%s' of the workbook: out of memory", name);
	if (unzOpenCurrentFile(uf) != UNZ_OK || unzReadCurrentFile(uf, x, (unsigned)n) != (int)n ||
	    unzCloseCurrentFile(uf) != UNZ_OK) {
		sk_err_set(err, SK_E_IO, "read '%s' of the workbook back", name);
		goto out;
	}
	x[n] = 0;
	end = strstr(x, "</sheetData>");
	dim = strstr(x, "<dimension ref=\"");
	if (!end || !dim || dim > end) {
		sk_err_set(err, SK_E_IO, "'%s' of the workbook: no sheetData", name);
		goto out;
	}
	dim += 16;
	if (p->rows) { /* "A1:F1" becomes "A1:F1000001": libxlsxwriter saw row 1 only */
		char *q = strchr(dim, '"');
		size_t old = (size_t)(q - dim), nw;

		memcpy(dimv, "A1:", 3);
		lxw_rowcol_to_cell(dimv + 3, (lxw_row_t)p->rows, (lxw_col_t)(p->ncols - 1));
		nw = strlen(dimv);
		memmove(dim + nw, q, n + 1 - (size_t)(q - x));
		memcpy(dim, dimv, nw);
		n = n - old + nw;
		end = strstr(x, "</sheetData>");
	}
	headn = (size_t)(end - x);
	ulen = headn + p->ulen + (n - headn);
	crc = crc32(0, (const Bytef *)x, (uInt)headn);
	crc = crc32_combine(crc, p->crc, (z_off_t)p->ulen);
	crc = crc32_combine(crc, crc32(0, (const Bytef *)end, (uInt)(n - headn)), (z_off_t)(n - headn));
	if (zipOpenNewFileInZip2_64(zf, name, zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, ROWS_LEVEL, 1,
				    ulen >= 0xffffffffULL) != ZIP_OK) {
		sk_err_set(err, SK_E_IO, "write '%s' of the workbook", name);
		goto out;
	}
	open = 1;
	if (zip_deflate(zf, x, headn, Z_SYNC_FLUSH, err) < 0)
		goto out;
	for (unsigned long long done = 0; done < p->clen;) {
		size_t k = p->clen - done < sizeof(buf) ? (size_t)(p->clen - done) : sizeof(buf);
		ssize_t r = pread(b->rw.fd, buf, k, p->off + (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			sk_err_set(err, SK_E_IO, "read the rows back: %s", r ? strerror(errno) : "short");
			goto out;
		}
		if (zipWriteInFileInZip(zf, buf, (unsigned)r) != ZIP_OK) {
			sk_err_set(err, SK_E_IO, "write the workbook: %s", strerror(errno));
			goto out;
		}
		done += (unsigned long long)r;
	}
	if (zip_deflate(zf, end, n - headn, Z_FINISH, err) < 0)
		goto out;
	open = 0;
	if (zipCloseFileInZipRaw64(zf, ulen, crc) != ZIP_OK) {
		sk_err_set(err, SK_E_IO, "write the workbook: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (open)
		zipCloseFileInZipRaw64(zf, 0, 0);
	free(x);
	return ret;
}

/* Copy one part of the workbook as it is (compressed bytes, CRC, sizes). */
static int copy_part(zipFile zf, unzFile uf, const char *name, const zip_fileinfo *zi,
		     const unz_file_info64 *fi, struct sk_err *err)
{
	unsigned char buf[65536];
	int method, level, k;

	if (unzOpenCurrentFile2(uf, &method, &level, 1) != UNZ_OK)
		return sk_err_set(err, SK_E_IO, "read '%s' of the workbook back", name);
	if (zipOpenNewFileInZip2_64(zf, name, zi, NULL, 0, NULL, 0, NULL, method, level, 1,
				    fi->uncompressed_size >= 0xffffffffULL) != ZIP_OK) {
		unzCloseCurrentFile(uf);
		return sk_err_set(err, SK_E_IO, "write '%s' of the workbook", name);
	}
	while ((k = unzReadCurrentFile(uf, buf, sizeof(buf))) > 0)
		if (zipWriteInFileInZip(zf, buf, (unsigned)k) != ZIP_OK)
			break;
	if (unzCloseCurrentFile(uf) != UNZ_OK || k != 0 ||
	    zipCloseFileInZipRaw64(zf, fi->uncompressed_size, fi->crc) != ZIP_OK)
		return sk_err_set(err, SK_E_IO, "copy '%s' of the workbook", name);
	return 0;
}

/* The workbook: every part of libxlsxwriter's (`from`), in its order, the
 * data sheets with our rows in them, written to `to`. */
static int assemble(const char *from, const char *to, const struct book *b, struct sk_err *err)
{
	unzFile uf = unzOpen64(from);
	zipFile zf = uf ? zipOpen64(to, APPEND_STATUS_CREATE) : NULL;
	int ret = -1, rc;

	if (!uf || !zf) {
		sk_err_set(err, SK_E_IO, "%s the workbook", uf ? "write" : "read back");
		goto out;
	}
	for (rc = unzGoToFirstFile(uf); rc == UNZ_OK; rc = unzGoToNextFile(uf)) {
		unz_file_info64 fi;
		zip_fileinfo zi;
		char name[256], want[64];
		unsigned k;

		if (unzGetCurrentFileInfo64(uf, &fi, name, sizeof(name), NULL, 0, NULL, 0) != UNZ_OK) {
			sk_err_set(err, SK_E_IO, "read the workbook back");
			goto out;
		}
		memset(&zi, 0, sizeof(zi));
		zi.tmz_date.tm_sec = fi.tmu_date.tm_sec, zi.tmz_date.tm_min = fi.tmu_date.tm_min;
		zi.tmz_date.tm_hour = fi.tmu_date.tm_hour, zi.tmz_date.tm_mday = fi.tmu_date.tm_mday;
		zi.tmz_date.tm_mon = fi.tmu_date.tm_mon, zi.tmz_date.tm_year = fi.tmu_date.tm_year;
		zi.dosDate = fi.dosDate;
		zi.internal_fa = fi.internal_fa;
		zi.external_fa = fi.external_fa;
		/* the Run sheet is sheet1.xml, the data sheets sheet2.xml on */
		if (sscanf(name, "xl/worksheets/sheet%u.xml", &k) == 1 &&
		    snprintf(want, sizeof(want), "xl/worksheets/sheet%u.xml", k) > 0 &&
		    !strcmp(want, name) && k >= 2 && k - 2 < b->nparts) {
			if (put_sheet(zf, uf, name, &zi, &fi, b, &b->parts[k - 2], err) < 0)
				goto out;
		} else if (copy_part(zf, uf, name, &zi, &fi, err) < 0) {
			goto out;
		}
	}
	if (rc != UNZ_END_OF_LIST_OF_FILE) {
		sk_err_set(err, SK_E_IO, "read the workbook back");
		goto out;
	}
	ret = 0;
out:
	if (zf && zipClose(zf, NULL) != ZIP_OK && ret == 0)
		ret = sk_err_set(err, SK_E_IO, "write the workbook: %s", strerror(errno));
	if (uf)
		unzClose(uf);
	return ret;
}

/* An unlinked temporary file in `dir` (nothing is left behind, even after
 * SIGKILL), reached by the /proc/self/fd path written to `proc`. */
static int temp_file(const char *dir, char proc[64], struct sk_err *err)
{
	char name[PATH_MAX + 32];
	int fd;

	snprintf(name, sizeof(name), "%s/.xlsx-work.tmp-XXXXXX", dir);
	fd = mkstemp(name);
	if (fd < 0)
		return sk_err_set(err, SK_E_IO, "create a temporary file in '%s': %s", dir,
				  strerror(errno));
	unlink(name);
	snprintf(proc, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* Copy the finished workbook (fd) into the atomic output file. */
static int copy_out(int fd, struct sk_afile *af, struct sk_file_info *info, struct sk_err *err)
{
	char buf[65536];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return sk_err_set(err, SK_E_IO, "rewind the workbook: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sk_err_set(err, SK_E_IO, "read the workbook back: %s", strerror(errno));
		}
		if (sk_afile_write(af, buf, (size_t)n, err) < 0)
			return -1;
	}
	return sk_afile_commit(af, info, err);
}

static unsigned long max_rows_knob(struct sk_err *err)
{
	const char *v = getenv(SK_XLSX_MAX_ROWS_ENV);
	long long x;

	if (!v || !*v)
		return LXW_ROW_MAX;
	if (parse_int(v, strlen(v), 0, &x) < 0 || x < 2 || x > LXW_ROW_MAX) {
		sk_err_set(err, SK_E_USAGE, "%s=%s: want 2 to %d (a test knob)", SK_XLSX_MAX_ROWS_ENV,
			   v, LXW_ROW_MAX);
		return 0;
	}
	return (unsigned long)x;
}

int sk_xlsx_run(struct sk_step *s, const struct sk_xlsx_opts *o, int argc, char **argv,
		struct sk_err *err)
{
	struct input *in = NULL;
	size_t nin = 0;
	struct runinfo ri;
	struct book b;
	char out[PATH_MAX], dir[PATH_MAX], procpath[64], zippath[64], rowspath[64];
	struct sk_afile *af = NULL;
	struct sk_file_info info;
	lxw_workbook_options wo = {0};
	lxw_doc_properties props = {0};
	lxw_worksheet *run;
	lxw_error e;
	int fd = -1, zfd = -1, rc = -1;
	char *slash;
	const char *env;

	memset(&ri, 0, sizeof(ri));
	memset(&b, 0, sizeof(b));
	b.rw.fd = -1;
	b.s = s;
	b.max_rows = max_rows_knob(err);
	if (!b.max_rows)
		return -1;
	if (setup_inputs(s, o, argc, argv, &in, &nin, err) < 0)
		return -1;
	if (sk_step_path(s, out, o->out && *o->out ? o->out : NULL, "sales_report.xlsx", err) < 0)
		goto done;
	if (load_events(s, "report-xlsx", &ri, err) < 0)
		goto done;
	env = getenv("SOURCE_DATE_EPOCH");
	if (!ri.made && env && *env) {
		long long x;

		if (parse_int(env, strlen(env), 0, &x) < 0) {
			sk_err_set(err, SK_E_USAGE, "SOURCE_DATE_EPOCH=%s: want seconds since 1970", env);
			goto done;
		}
		ri.made = (time_t)x;
	}
	for (size_t i = 0; !ri.made && i < nin; i++)
		if (in[i].mtime > ri.made)
			ri.made = in[i].mtime;

	af = sk_afile_open(out, err);
	if (!af)
		goto done;
	snprintf(dir, sizeof(dir), "%s", out);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	if (slash && !dir[0])
		snprintf(dir, sizeof(dir), "/");
	/* three: libxlsxwriter's workbook without the rows, the rows, the whole */
	if ((fd = temp_file(dir, procpath, err)) < 0 ||
	    (b.rw.fd = temp_file(dir, rowspath, err)) < 0 ||
	    (zfd = temp_file(dir, zippath, err)) < 0)
		goto done;
	b.rw.xml = malloc(XML_CAP);
	b.rw.out = malloc(ZOUT);
	if (!b.rw.xml || !b.rw.out) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto done;
	}
	for (size_t c = 0; c < SK_CSV_MAX_COLS; c++)
		lxw_col_to_name(b.rw.colname[c], (lxw_col_t)c, 0);

	wo.constant_memory = LXW_TRUE;
	wo.tmpdir = dir;
	wo.use_zip64 = LXW_TRUE;
	b.wb = workbook_new_opt(procpath, &wo);
	if (!b.wb) {
		sk_err_set(err, SK_E_NOMEM, "cannot start the workbook");
		goto done;
	}
	props.title = "Sales report";
	props.comments = "written by stepkit report-xlsx";
	props.created = ri.made;
	workbook_set_properties(b.wb, &props);
	b.bold = workbook_add_format(b.wb);
	format_set_bold(b.bold);
	b.text = workbook_add_format(b.wb);
	format_set_num_format(b.text, "@");
	b.money = workbook_add_format(b.wb);
	format_set_num_format(b.money, "#,##0.00");
	b.date = workbook_add_format(b.wb);
	format_set_num_format(b.date, "yyyy-mm-dd");
	b.stamp = workbook_add_format(b.wb);
	format_set_num_format(b.stamp, "yyyy-mm-dd hh:mm:ss");
	b.intf = workbook_add_format(b.wb);
	format_set_num_format(b.intf, "0");
	/* the style indexes our rows name (s="N"), fixed now in this order */
	lxw_format_get_xf_index(b.bold);
	b.rw.style[0] = lxw_format_get_xf_index(b.text);
	b.rw.style[1] = lxw_format_get_xf_index(b.intf);
	b.rw.style[2] = lxw_format_get_xf_index(b.money);
	b.rw.style[3] = lxw_format_get_xf_index(b.date);
	b.rw.style[4] = lxw_format_get_xf_index(b.stamp);

	run = workbook_add_worksheet(b.wb, "Run");
	if (!run) {
		sk_err_set(err, SK_E_NOMEM, "cannot add the Run sheet");
		goto done;
	}
	for (size_t i = 0; i < nin; i++)
		if (write_input(&b, &in[i], &ri, err) < 0)
			goto done;
	write_run(&b, run, o->tmpl && *o->tmpl ? o->tmpl : "", sk_step_run_id(s), &ri, in, nin);
	e = workbook_close(b.wb);
	b.wb = NULL;
	if (e != LXW_NO_ERROR) {
		lxw_fail(e, err, "write the workbook");
		goto done;
	}
	if (sk_interrupted()) {
		sk_err_set(err, SK_E_INTERRUPTED, "interrupted");
		goto done;
	}
	if (assemble(procpath, zippath, &b, err) < 0)
		goto done;
	if (sk_interrupted()) {
		sk_err_set(err, SK_E_INTERRUPTED, "interrupted");
		goto done;
	}
	rc = copy_out(zfd, af, &info, err);
	af = NULL;
	if (rc == 0) {
		unsigned long long rows = 0;

		for (size_t i = 0; i < nin; i++)
			rows += in[i].rows;
		sk_step_rows(s, (long long)rows, (long long)rows);
		sk_step_output(s, &info);
	}
done:
	if (b.wb) {
		/* close quietly into the unlinked file; the output is untouched */
		workbook_close(b.wb);
	}
	if (af)
		sk_afile_abort(af);
	if (fd >= 0)
		close(fd);
	if (zfd >= 0)
		close(zfd);
	if (b.rw.fd >= 0)
		close(b.rw.fd);
	if (b.rw.zinit)
		deflateEnd(&b.rw.zs);
	free(b.rw.xml);
	free(b.rw.out);
	free(b.parts);
	free(ri.ev);
	free(in);
	return rc;
}

int sk_xlsx_check(struct sk_step *s, const struct sk_xlsx_opts *o, int argc, char **argv,
		  struct sk_err *err)
{
	struct input *in;
	size_t nin;
	char out[PATH_MAX];

	if (!max_rows_knob(err))
		return -1;
	if (setup_inputs(s, o, argc, argv, &in, &nin, err) < 0)
		return -1;
	free(in);
	if (sk_step_path(s, out, o->out && *o->out ? o->out : NULL, "sales_report.xlsx", err) < 0)
		return -1;
	return sk_check_writable(out, err);
}

int sk_xlsx_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_xlsx_run(s, sk_step_ctx(s), argc, argv, err);
}

int sk_xlsx_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_xlsx_check(s, sk_step_ctx(s), argc, argv, err);
}
