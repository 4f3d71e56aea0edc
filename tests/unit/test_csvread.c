/*
 * Unit tests for the two paths of lib/csvio.c's reader (lines split by the
 * reader itself, lines parsed by libcsv) and for the writer's background
 * thread: random records are written, read back and compared with what was
 * generated, in files large enough to cross the read buffer and the
 * writer's chunks many times. Hand-made inputs check where the paths meet:
 * CRLF, quoted line feeds, very long lines, errors in file order.
 */
#include "base.h"
#include "csvio.h"
#include "sha256.h"
#include "tap.h"
#include "utf8.h"

#include <csv.h>
#include <unistd.h>

static char dir[] = "/tmp/sk-csvread-XXXXXX";
static const char *const hdr3[] = {"a", "b", "c"};


static const char *path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char *put_file(const char *name, const char *content, size_t len)
{
	const char *path = path_of(name);
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(content, 1, len, fp) != len || fclose(fp) != 0)
		printf("# cannot write %s\n", path);
	return path;
}

/* A random value: mostly plain, sometimes with the bytes that need quotes. */
static size_t random_value(char *v, size_t cap)
{
	static const char plain[] = "0123456789ABCxyz -.:/";
	static const char odd[] = ",\"\r\n\0";
	size_t len = tap_rnd(20) ? tap_rnd(24) : tap_rnd(300), i = 0;

	if (tap_rnd(5000) == 0)
		len = 300000 + tap_rnd(100000); /* longer than half the read buffer */
	if (len > cap)
		len = cap;
	while (i < len) {
		if (tap_rnd(40) == 0 && i + 2 <= len) {
			memcpy(v + i, "\xc3\xa9", 2); /* UTF-8 is whole characters */
			i += 2;
		} else {
			v[i++] = tap_rnd(30) ? plain[tap_rnd(sizeof(plain) - 1)] : odd[tap_rnd(sizeof(odd) - 1)];
		}
	}
	return len;
}

struct value {
	size_t off, len;
};

/* Write `nrec` random records, read them back, compare values and lines. */
static void round_trip(size_t nrec, const char *name)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_file_info info;
	struct sk_csv_writer *w;
	struct sk_csv_reader *r;
	struct sk_csv_row row;
	struct value *vals = calloc(nrec * 3, sizeof(*vals));
	unsigned long *lines = calloc(nrec, sizeof(*lines));
	size_t cap = 64u << 20, used = 0, bad = 0, n = 0;
	char *text = malloc(cap), hex[SK_SHA256_HEX_LEN + 1];
	unsigned long long bytes;
	unsigned long line = 2;
	int rc;

	w = sk_csv_create(path_of("rt.csv"), hdr3, 3, &err);
	ok(w != NULL, "%s: create", name);
	if (!w || !vals || !lines || !text)
		return;
	for (size_t i = 0; i < nrec; i++) {
		lines[i] = line;
		for (int j = 0; j < 3; j++) {
			struct value *v = &vals[i * 3 + (size_t)j];
			v->off = used;
			v->len = random_value(text + used, cap - used);
			used += v->len;
			sk_csv_put(w, text + v->off, v->len);
			for (size_t k = 0; k < v->len; k++)
				line += text[v->off + k] == '\n';
		}
		line++;
		if (sk_csv_end_row(w, &err) < 0)
			break;
	}
	ok(sk_csv_commit(w, &info, &err) == 0, "%s: commit (%s)", name, err.msg);
	ok(sk_sha256_file(path_of("rt.csv"), NULL, hex, &bytes, &err) == 0 &&
		   !strcmp(hex, info.sha256) && bytes == info.bytes,
	   "%s: sha256 and size of the committed file", name);

	r = sk_csv_open(path_of("rt.csv"), hdr3, 3, &err);
	ok(r != NULL, "%s: open", name);
	while (r && (rc = sk_csv_next(r, &row, &err)) == 1 && n < nrec) {
		for (int j = 0; j < 3; j++) {
			const struct value *v = &vals[n * 3 + (size_t)j];
			if (row.len[j] != v->len || memcmp(row.f[j], text + v->off, v->len) ||
			    row.f[j][v->len] != '\0')
				bad++;
		}
		if (row.line != lines[n])
			bad++;
		n++;
	}
	is_int(n, nrec, "%s: every record read back", name);
	is_int(bad, 0, "%s: values, NUL terminators and line numbers", name);
	ok(r && sk_csv_next(r, &row, &err) == 0, "%s: then end of file", name);
	sk_csv_close(r);
	free(vals);
	free(lines);
	free(text);
}

/* Read `content`; "v|v|v@line;" per record, then "EOF" or "ERR message-tail". */
static void reads(const char *content, size_t len, const char *want, const char *name)
{
	static char out[1 << 16];
	struct sk_err err = SK_ERR_INIT;
	struct sk_csv_reader *r = sk_csv_open(put_file("in.csv", content, len), hdr3, 3, &err);
	struct sk_csv_row row;
	size_t used = 0;
	int rc = -1;

	out[0] = '\0';
	while (r && (rc = sk_csv_next(r, &row, &err)) == 1) {
		for (size_t i = 0; i < row.n; i++)
			used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%.20s",
						 i ? "|" : "", row.f[i]);
		used += (size_t)snprintf(out + used, sizeof(out) - used, "@%lu;", row.line);
	}
	if (rc < 0) {
		const char *tail = strstr(err.msg, "': ");
		snprintf(out + used, sizeof(out) - used, "ERR %s", tail ? tail + 3 : err.msg);
	} else {
		snprintf(out + used, sizeof(out) - used, "EOF");
	}
	sk_csv_close(r);
	is_str(out, want, "%s", name);
}

#define READS(s, want, name) reads(s, sizeof(s) - 1, want, name)

#define BARE_CR "a CR (\\r) that does not end the line: lines end with LF or CRLF, a CR may only be inside quotes"
#define NO_LF "the last line does not end with a line feed (the file may be truncated)"

static const char quoting[] = "malformed quoting (a quote inside an unquoted field, text "
			      "after a closing quote, or an unterminated quoted field)";

/*
 * The oracle: libcsv alone, in the reader's mode, over the whole input, with
 * the reader's rules for records (an empty line is an error, the LF of a CRLF
 * ends nothing, any other CR outside quotes is an error, three fields, every
 * value UTF-8, the input ends with LF). Renders "v|v|v;" per record, then
 * "EOF" or "ERR", into `out` (values may hold NUL, so the length is
 * returned).
 */
struct oracle {
	char *out;
	size_t len, cap, nf;
	int prev, err;
	size_t before_cr; /* out's length before a record that ended at a CR */
	int utf8_bad;
};

static void oracle_put(struct oracle *o, const void *s, size_t len)
{
	if (o->len + len <= o->cap)
		memcpy(o->out + o->len, s, len);
	o->len += len;
}

static void oracle_field(void *s, size_t len, void *ctx)
{
	struct oracle *o = ctx;

	if (o->err)
		return;
	if (o->prev == '\r') {
		o->err = 1; /* a CR, then not its LF: that was no record */
		o->len = o->before_cr;
		return;
	}
	if (!sk_utf8_valid(s, len))
		o->err = 1;
	if (o->nf++)
		oracle_put(o, "|", 1);
	oracle_put(o, s, len);
}

static void oracle_record(int c, void *ctx)
{
	struct oracle *o = ctx;
	int prev = o->prev;

	if (o->err)
		return; /* prev stays: the end tells a CR record from an earlier error */
	o->prev = c;
	if (prev == '\r') {
		if (o->nf == 0 && c == '\n')
			return;
		o->err = 1;
		o->len = o->before_cr; /* that was no record */
		return;
	}
	o->before_cr = o->len;
	if (o->nf != 3)
		o->err = 1;
	else
		oracle_put(o, ";", 1);
	o->nf = 0;
}


static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static size_t oracle(const char *in, size_t len, char *out, size_t cap)
{
	struct oracle o = {out, 0, cap, 0, '\n', 0, 0, 0};
	struct csv_parser p;
	size_t keep;

	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
	csv_set_space_func(&p, no_space);
	if (csv_parse(&p, in, len, oracle_field, oracle_record, &o) != len)
		o.err = 1;
	if (!o.err && len > 0 && in[len - 1] != '\n') {
		/* a last line without LF: no record of it, even one ended by a CR */
		if (o.prev == '\r')
			o.len = o.before_cr;
		o.err = 1;
	}
	if (!o.err && csv_fini(&p, oracle_field, oracle_record, &o) != 0)
		o.err = 1;
	if (o.err && o.prev == '\r')
		o.len = o.before_cr; /* a record is one only if the LF of its CRLF follows */
	csv_free(&p);
	if (o.err) {
		/* drop the fields of the record the error cut short */
		keep = o.len;
		while (keep > 0 && out[keep - 1] != ';')
			keep--;
		o.len = keep;
	}
	oracle_put(&o, o.err ? "ERR" : "EOF", 3);
	return o.len;
}

/* The reader over the same input, rendered the oracle's way. */
static size_t reader(const char *path, char *out, size_t cap)
{
	struct oracle o = {out, 0, cap, 0, '\n', 0, 0, 0};
	struct sk_err err = SK_ERR_INIT;
	struct sk_csv_reader *r = sk_csv_open(path, hdr3, 3, &err);
	struct sk_csv_row row;
	int rc = -1;

	while (r && (rc = sk_csv_next(r, &row, &err)) == 1) {
		for (size_t i = 0; i < row.n; i++) {
			if (i)
				oracle_put(&o, "|", 1);
			oracle_put(&o, row.f[i], row.len[i]);
		}
		oracle_put(&o, ";", 1);
	}
	sk_csv_close(r);
	oracle_put(&o, rc < 0 ? "ERR" : "EOF", 3);
	return o.len;
}

/*
 * Random inputs made of the bytes that matter (quotes, commas, CR, LF) in
 * mostly well-formed records, then damaged at random: the reader's own
 * splitter and libcsv must agree on every value and on where it fails.
 */
static void differential(unsigned cases)
{
	static const char *const tokens[] = {
		"a", "bc", "12.50", " ", ",", ",", ",", "\"", "\"\"", "\n", "\r", "\r\n",
		"\"x,y\"", "\"q\"\"q\"", "\"\"", "\"l\nf\"", "\xc3\xa9", "\"", "\n\n",
		"\xe9", "\"\r\"", "\xed\xa0\x80",
	};
	static char in[4096], got[1 << 14], want[1 << 14];
	unsigned bad = 0, first_bad = 0;

	for (unsigned c = 0; c < cases; c++) {
		size_t len = 6, ng, nw;
		unsigned recs = 1 + tap_rnd(40);

		memcpy(in, "a,b,c\n", 6);
		for (unsigned i = 0; i < recs && len < sizeof(in) - 200; i++) {
			for (int j = 0; j < 3; j++) {
				unsigned parts = tap_rnd(3);
				if (j)
					in[len++] = ',';
				for (unsigned k = 0; k < parts; k++) {
					const char *t = tokens[tap_rnd(4) ? tap_rnd(4) : tap_rnd(sizeof(tokens) / sizeof(*tokens))];
					memcpy(in + len, t, strlen(t));
					len += strlen(t);
				}
			}
			in[len++] = '\n';
		}
		if (tap_rnd(3) == 0) /* a last line without its LF */
			len--;
		ng = reader(put_file("diff.csv", in, len), got, sizeof(got));
		nw = oracle(in + 6, len - 6, want, sizeof(want));
		if (ng != nw || memcmp(got, want, ng)) {
			if (!bad++) {
				first_bad = c;
				if (getenv("SK_DEBUG_DIFF")) {
					fwrite(in, 1, len, stderr);
					fprintf(stderr, "\n---got\n%.*s\n---want\n%.*s\n", (int)ng, got, (int)nw, want);
				}
			}
		}
	}
	is_int(bad, 0, "%u random inputs: the reader agrees with libcsv (first differing case %u)",
	       cases, first_bad);
}

int main(void)
{
	char want[512], *big;
	size_t n;

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP cannot create %s\n", dir);
		return 0;
	}

	READS("a,b,c\n1,2,3\n\"x,y\",\"q\"\"\",\n4,5,6",
	      "1|2|3@2;x,y|q\"|@3;ERR line 4: the last line does not end with a line feed (the "
	      "file may be truncated)",
	      "plain and quoted lines, last line without LF: an error");
	READS("a,b,c\r\n1,2,3\r\n\"4\",5,6\r\n", "1|2|3@2;4|5|6@3;EOF", "CRLF lines");
	READS("a,b,c\n1,\"two\nlines\",3\n4,5,6\n", "1|two\nlines|3@2;4|5|6@4;EOF",
	      "a quoted LF: the next record starts two lines later");
	READS("a,b,c\n1,\"x\n\n\ny\",3\n7,8,9\n", "1|x\n\n\ny|3@2;7|8|9@6;EOF",
	      "a quoted field of empty lines");
	READS("a,b,c\n1,2\n", "ERR line 2: 2 fields, expected 3", "a short plain line");
	READS("a,b,c\n1,2,3\n\n4,5,6\n", "1|2|3@2;ERR line 3: empty line (expected 3 fields)",
	      "an empty line");
	snprintf(want, sizeof(want), "1|2|3@2;ERR line 3: %s", quoting);
	READS("a,b,c\n1,2,3\n4,5\"x,6\n", want, "a quote inside an unquoted field");
	READS("a,b,c\n1,2,3\n4,\"5\"x,6\n", want, "text after a closing quote");
	snprintf(want, sizeof(want), "1|2|3@2;ERR line 3: %s", quoting);
	READS("a,b,c\n1,2,3\n4,\"5,6\n7,8,9\n", want, "an unterminated quote at the end");
	READS("a,b,c\n1,2,3,4\n5,\"6\n", "ERR line 2: 4 fields, expected 3",
	      "errors come in file order");
	READS("a,b,c\n1,2,\"3\"\r4,5\n", "ERR line 2: " BARE_CR, "a bare CR after a quote");
	READS("a,b,c\n1,2,3\n4,5\r,6\n", "1|2|3@2;ERR line 3: " BARE_CR, "a bare CR in a plain line");
	READS("a,b,c\n1,\"x\ny\",3\r\r\n", "ERR line 3: " BARE_CR, "a CR before a CRLF, after a quoted LF");
	READS("a,b,c\n\r4,5,6\n", "ERR line 2: " BARE_CR, "a bare CR at a line start");
	READS("a,b,c\n\r\n", "ERR line 2: empty line (expected 3 fields)", "an empty CRLF line");
	READS("a,b,c\n1,\"a\rb\",3\r\n4,5,6\n", "1|a\rb|3@2;4|5|6@3;EOF", "a CR inside quotes is data");
	READS("a,b,c\n1,\"x\ny\",3\n4,\"5", "1|x\ny|3@2;ERR line 4: " NO_LF,
	      "a cut quoted field: the line is the last physical one");
	READS("a,b,c\n\"\",,\n", "||@2;EOF", "empty values, quoted or not");

	/* a plain line longer than half the read buffer goes through libcsv */
	n = 700000;
	big = malloc(n + 64);
	memcpy(big, "a,b,c\n1,", 8);
	memset(big + 8, 'L', n);
	memcpy(big + 8 + n, ",3\n4,5,6\n", 9);
	reads(big, 8 + n + 9, "1|LLLLLLLLLLLLLLLLLLLL|3@2;4|5|6@3;EOF", "a 700 kB plain line");
	/* and an unterminated quote over a long stretch is still an error */
	memcpy(big, "a,b,c\n1,\"", 9);
	memset(big + 9, 'L', n);
	reads(big, 9 + n, "ERR line 2: " NO_LF, "a 700 kB unterminated quote at the end of the file");
	big[9 + n] = '\n';
	snprintf(want, sizeof(want), "ERR line 2: %s", quoting);
	reads(big, 9 + n + 1, want, "a 700 kB unterminated quote, then a LF");
	free(big);

	/* UTF-8 on both paths, named by line and column */
	READS("a,b,c\n1,2,3\n4,Caf\xe9 noir,6\n", "1|2|3@2;ERR line 3: b is not UTF-8: byte 0xE9 in "
	      "'Caf\\xE9 noir' (save the file as UTF-8)", "Latin-1 in a plain line");
	READS("a,b,c\n1,\"x\ny\",3\n4,5,\"a\nb\xed\xa0\x80\"\n",
	      "1|x\ny|3@2;ERR line 5: c is not UTF-8: byte 0xED in 'a?b\\xED\\xA0\\x80' (save the file as UTF-8)",
	      "a surrogate after a quoted LF: the physical line");
	READS("a,b,c\n1,2,3\n\xc3\xa9,\xf0\x9f\x98\x80,\xf4\x8f\xbf\xbf\n",
	      "1|2|3@2;\xc3\xa9|\xf0\x9f\x98\x80|\xf4\x8f\xbf\xbf@3;EOF", "valid UTF-8 of 2, 3 and 4 bytes");

	/* one field limit on every path */
	n = (16u << 20) + 10;
	big = malloc(n + 64);
	memcpy(big, "a,b,c\n1,", 8);
	memset(big + 8, 'L', n);
	memcpy(big + 8 + n, ",3\n", 3);
	reads(big, 8 + n + 3, "ERR line 2: b is longer than 16 MiB, the limit for one field (an "
	      "unterminated quote?)", "a plain field over 16 MiB");
	free(big);
	{
		/* a record that never ends: an open quote, then 20 MB of NUL bytes */
		const char *path = put_file("open.csv", "a,b,c\n1,\"", 9);
		struct sk_err err = SK_ERR_INIT;
		struct sk_csv_reader *r;
		struct sk_csv_row row;

		ok(truncate(path, 20 << 20) == 0, "a 20 MB file with an open quote");
		r = sk_csv_open(path, hdr3, 3, &err);
		ok(r && sk_csv_next(r, &row, &err) < 0, "a record that never ends is an error");
		is_str(strstr(err.msg, "': ") ? strstr(err.msg, "': ") + 3 : err.msg,
		       "line 2: b is longer than 16 MiB, the limit for one field (an unterminated "
		       "quote?)", "... naming the line and the field");
		sk_csv_close(r);
		unlink(path);
	}
	/* and a record of ever more fields stops at the first one too many */
	n = 1 << 20;
	big = malloc(n + 64);
	memcpy(big, "a,b,c\n", 6);
	for (size_t i = 6; i < n; i += 2)
		memcpy(big + i, "x,", 2);
	reads(big, n, "ERR line 2: more than 3 fields, expected 3", "a 1 MB line of fields");
	free(big);

	/* regression: sk_csv_stop_at inside the block the masks were cached for */
	{
		struct sk_err err = SK_ERR_INIT;
		static const char *const hdr4[] = {"a", "b", "c", "d"};
		struct sk_csv_reader *r =
			sk_csv_open("tests/fixtures/regressions/csv-stopat-in.csv", hdr4, 4, &err);
		struct sk_csv_row row;

		ok(r != NULL, "csv-stopat-in.csv: open (%s)", err.msg);
		ok(r && sk_csv_stop_at(r, 16) == 0, "stop at offset 16, inside line 2");
		ok(r && sk_csv_next(r, &row, &err) < 0 && sk_csv_offset(r) <= 16,
		   "the cut line is not read whole, and the reader stays before the stop");
		is_str(strstr(err.msg, "': ") ? strstr(err.msg, "': ") + 3 : err.msg,
		       "line 2: " NO_LF, "the cut line reads as a last line without LF");
		sk_csv_close(r);
	}

	differential(20000);
	round_trip(2000, "small file (no writer thread)");
	round_trip(200000, "large file (writer thread, many read buffers)");

	unlink(path_of("diff.csv"));
	unlink(path_of("open.csv"));
	unlink(path_of("in.csv"));
	unlink(path_of("rt.csv"));
	rmdir(dir);
	return done_testing();
}
