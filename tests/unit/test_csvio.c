/* Unit tests for lib/csvio.c: the strict reader and the minimal-quoting writer. */
#include "base.h"
#include "csvio.h"
#include "tap.h"

#include <unistd.h>

static char dir[] = "/tmp/sk-csvio-XXXXXX";
static const char *const hdr3[] = {"a", "b", "c"};

static const char *put_file(const char *name, const char *content)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	fputs(content, fp);
	fclose(fp);
	return path;
}

/* Read every record; return the count, or -1 with err. Joins fields with | into out. */
static int read_all(const char *content, char *out, size_t outsz, struct sk_err *err)
{
	struct sk_csv_reader *r = sk_csv_open(put_file("in.csv", content), hdr3, 3, err);
	struct sk_csv_row row;
	int n = 0, rc;
	size_t used = 0;

	out[0] = '\0';
	if (!r)
		return -1;
	while ((rc = sk_csv_next(r, &row, err)) == 1) {
		for (size_t i = 0; i < row.n; i++)
			used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? "|" : "", row.f[i]);
		used += (size_t)snprintf(out + used, outsz - used, "@%lu;", row.line);
		n++;
	}
	sk_csv_close(r);
	return rc < 0 ? -1 : n;
}

static void reads(const char *content, const char *want, const char *name)
{
	struct sk_err err = SK_ERR_INIT;
	char out[4096];
	int n = read_all(content, out, sizeof(out), &err);

	ok(n >= 0, "%s: read ok", name);
	if (n < 0)
		printf("#   error: %s\n", err.msg);
	is_str(out, want, "%s: records", name);
}

/* The error message after the file path: "line N: ..." */
static void fails(const char *content, const char *want_tail, const char *name)
{
	struct sk_err err = SK_ERR_INIT;
	char out[4096];
	int n = read_all(content, out, sizeof(out), &err);
	const char *tail = strstr(err.msg, "': ");

	ok(n < 0 && err.code == SK_E_DATA, "%s: rejected as data error", name);
	is_str(tail ? tail + 3 : err.msg, want_tail, "%s: message", name);
}

static void writes(const char *const *fields, size_t n, const char *want)
{
	struct sk_err err = SK_ERR_INIT;
	char path[512], got[512] = {0};
	struct sk_csv_writer *w;
	FILE *fp;
	size_t len;

	snprintf(path, sizeof(path), "%s/out.csv", dir);
	w = sk_csv_create(path, hdr3, 3, &err);
	for (size_t i = 0; i < n; i++)
		sk_csv_puts(w, fields[i]);
	ok(sk_csv_end_row(w, &err) == 0 && sk_csv_commit(w, NULL, &err) == 0, "write row");
	fp = fopen(path, "rb");
	len = fread(got, 1, sizeof(got) - 1, fp);
	got[len] = '\0';
	fclose(fp);
	is_str(got + 6, want, "written bytes");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;

	reads("a,b,c\n1,2,3\n", "1|2|3@2;", "plain");
	reads("a,b,c\n", "", "header only");
	fails("a,b,c\n1,2,3", "line 2: the last line does not end with a line feed (the file may be truncated)",
	      "no final newline: the file may be truncated");
	fails("a,b,c", "line 1: the last line does not end with a line feed (the file may be truncated)",
	      "a header without its newline");
	fails("a,b,c\n1,2,3\r", "line 2: the last line does not end with a line feed (the file may be truncated)",
	      "a last CR without its LF");
	fails("a,b,c\n1,2\r3,4\n", "line 2: a CR (\\r) that does not end the line: lines end with LF or CRLF, "
				     "a CR may only be inside quotes", "a bare CR");
	reads("a,b,c\r\n1,2,3\r\n4,5,6\r\n", "1|2|3@2;4|5|6@3;", "CRLF");
	reads("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\n", "x,y|say \"hi\"|@2;", "quotes, commas, empty");
	reads("a,b,c\n\"85123A\", lead ,tail \n", "85123A| lead |tail @2;", "needless quotes, spaces kept");
	reads("a,b,c\n\"multi\nline\",2,3\n4,5,6\n", "multi\nline|2|3@2;4|5|6@4;", "LF in quotes keeps line numbers");
	reads("a,b,c\nMüller,José,東京\n", "Müller|José|東京@2;", "UTF-8 untouched");

	fails("a,b,c\n1,2\n", "line 2: 2 fields, expected 3", "short row");
	fails("a,b,c\n1,2,3,4\n", "line 2: 4 fields, expected 3", "long row");
	fails("a,b,c\n1,2,3\n\n4,5,6\n", "line 3: empty line (expected 3 fields)", "empty line");
	fails("a,b,c\n1,\"open,3\n", "line 2: malformed quoting (a quote inside an unquoted field, "
				     "text after a closing quote, or an unterminated quoted field)",
	      "unterminated quote");
	fails("a,b,c\n1,ab\"c,3\n", "line 2: malformed quoting (a quote inside an unquoted field, "
				    "text after a closing quote, or an unterminated quoted field)",
	      "quote inside unquoted field");
	fails("", "empty file: expected the header line 'a,b,c'", "empty file");
	fails("a,x,c\n", "line 1: column 2 is 'x', expected 'b' (header must be 'a,b,c')", "wrong header");
	fails("a,b\n", "line 1: header has 2 columns, expected 3: 'a,b,c'", "short header");
	fails("a,b,c,d\n", "line 1: header has 4 columns, expected 3: 'a,b,c'", "long header");
	fails("\xEF\xBB\xBF" "a,b,c\n", "line 1: starts with a UTF-8 byte order mark: save the file without BOM", "BOM");

	{
		struct sk_err err = SK_ERR_INIT;
		ok(sk_csv_open("/nonexistent/x.csv", hdr3, 3, &err) == NULL && err.code == SK_E_IO,
		   "missing file is an io error");
		is_str(err.msg, "'/nonexistent/x.csv': No such file or directory", "missing file message");
	}

	writes((const char *const[]){"1", "2", "3"}, 3, "1,2,3\n");
	writes((const char *const[]){"x,y", "say \"hi\"", ""}, 3, "\"x,y\",\"say \"\"hi\"\"\",\n");
	writes((const char *const[]){"a\nb", "c\rd", "Müller"}, 3, "\"a\nb\",\"c\rd\",Müller\n");
	writes((const char *const[]){"it's", " sp ", "NA"}, 3, "it's, sp ,NA\n");

	unlink(put_file("in.csv", ""));
	unlink(put_file("out.csv", ""));
	rmdir(dir);
	return done_testing();
}
