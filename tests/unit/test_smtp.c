/* Unit tests for lib/smtp.c: addresses, headers, the message bytes, settings. */
#include "base.h"
#include "sha256.h"
#include "smtp.h"
#include "tap.h"

#include <fcntl.h>
#include <unistd.h>

static struct sk_buf b = SK_BUF_INIT(1 << 22);

static int parse(const char *s, struct sk_mail_addr *a, struct sk_err *err)
{
	sk_err_clear(err);
	return sk_mail_addr_parse(a, s, strlen(s), "MAIL_TO", err);
}

static void test_addresses(void)
{
	struct sk_mail_addr a;
	struct sk_err err = SK_ERR_INIT;
	static struct sk_mail_addrs l;

	is_int(parse("  ops@example.com ", &a, &err), 0, "plain address");
	is_str(a.addr, "ops@example.com", "trimmed");
	is_str(a.name, "", "no display name");
	is_int(parse("Sales ETL <etl@example.com>", &a, &err), 0, "name <addr>");
	is_str(a.name, "Sales ETL", "display name");
	is_str(a.addr, "etl@example.com", "its address");
	is_int(parse("\"Müller, Ana\" <ana@ex-ample.org>", &a, &err), 0, "quoted UTF-8 name");
	is_str(a.name, "Müller, Ana", "quotes removed");
	is_int(parse("first.last+tag@sub.example.com", &a, &err), 0, "dot-atom local part, subdomain");
	is_int(parse("root@localhost", &a, &err), 0, "single-label domain");

	is_int(parse("ops@example.com\r\nBcc: evil@example.com", &a, &err), -1, "CR LF refused");
	is_str(err.msg, "MAIL_TO: an address contains a line break", "line break named, value not echoed");
	is_int(err.code, SK_E_USAGE, "as a usage error");
	is_int(parse("ops@example.com\n", &a, &err), -1, "a trailing newline refused");
	is_int(parse("a\tb@example.com", &a, &err), -1, "tab refused");
	is_int(parse("a@b@example.com", &a, &err), -1, "two @ refused");
	is_str(err.msg, "MAIL_TO: 'a@b@example.com': an address needs exactly one '@'", "two @ message");
	is_int(parse("example.com", &a, &err), -1, "no @ refused");
	is_int(parse("@example.com", &a, &err), -1, "empty local part refused");
	is_int(parse(".a@example.com", &a, &err), -1, "leading dot refused");
	is_int(parse("a..b@example.com", &a, &err), -1, "double dot refused");
	is_int(parse("\"a b\"@example.com", &a, &err), -1, "quoted local part refused");
	is_int(parse("a@exa_mple.com", &a, &err), -1, "bad domain character refused");
	is_int(parse("a@-example.com", &a, &err), -1, "domain starting with '-' refused");
	is_int(parse("a@example.com.", &a, &err), -1, "trailing dot refused");
	is_int(parse("a@", &a, &err), -1, "empty domain refused");
	is_int(parse("Evil \"x\" <a@example.com>", &a, &err), -1, "quote inside a name refused");
	is_int(parse("Name <a@example.com", &a, &err), -1, "'<' without '>' refused");
	is_int(parse("Name a@example.com>", &a, &err), -1, "'>' without '<' refused");
	is_int(parse("<a@example.com> <b@example.com>", &a, &err), -1, "two addresses in one refused");
	is_int(parse("", &a, &err), -1, "empty refused");
	is_int(parse("Bad\xff Name <a@example.com>", &a, &err), -1, "non-UTF-8 name refused");
	is_int(parse("ünï@example.com", &a, &err), -1, "non-ASCII local part refused (no SMTPUTF8)");

	is_int(sk_mail_addrs_parse(&l, "a@example.com, ,b@example.com,", "MAIL_TO", &err), 0, "list with empty items");
	is_int(l.n, 2, "two addresses");
	is_str(l.v[1].addr, "b@example.com", "second one");
	memset(&l, 0, sizeof(l));
	{
		struct sk_buf many = SK_BUF_INIT(1 << 16);
		for (int i = 0; i <= SK_MAIL_MAX_RCPT; i++)
			sk_buf_addf(&many, &err, "u%d@example.com,", i);
		is_int(sk_mail_addrs_parse(&l, many.data, "MAIL_TO", &err), -1, "more than the maximum refused");
		sk_buf_release(&many);
	}
}

static void test_headers(void)
{
	struct sk_err err = SK_ERR_INIT;
	char date[40];

	sk_mail_date(0, date);
	is_str(date, "Thu, 01 Jan 1970 00:00:00 +0000", "date of the epoch");
	sk_mail_date(1751364000, date);
	is_str(date, "Tue, 01 Jul 2025 10:00:00 +0000", "a date in UTC, English names");

	sk_buf_reset(&b);
	sk_mail_header_text(&b, "Subject", "[stepkit] sales-analysis r1: Succeeded", &err);
	is_str(b.data, "Subject: [stepkit] sales-analysis r1: Succeeded\r\n", "ASCII subject as is");
	sk_buf_reset(&b);
	sk_mail_header_text(&b, "Subject", "run\r\nBcc: evil@example.com", &err);
	is_str(b.data, "Subject: run  Bcc: evil@example.com\r\n", "CR LF in a subject become spaces");
	sk_buf_reset(&b);
	sk_mail_header_text(&b, "Subject", "[ETL ✓] r1: Failed", &err);
	is_str(b.data, "Subject: =?UTF-8?B?W0VUTCDinJNdIHIxOiBGYWlsZWQ=?=\r\n", "non-ASCII: RFC 2047 base64");
	sk_buf_reset(&b);
	sk_mail_header_text(&b, "Subject", "looks =?like?= a word", &err);
	ok(!strncmp(b.data, "Subject: =?UTF-8?B?", 19), "text that looks encoded gets encoded");
	sk_buf_reset(&b);
	/* 60 two-byte characters: 120 bytes, 22 characters (44 bytes) per word */
	{
		char s[200] = "";
		for (int i = 0; i < 60; i++)
			memcpy(s + 2 * i, "é", 3);
		sk_mail_header_text(&b, "Subject", s, &err);
		is_str(b.data,
		       "Subject: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n"
		       " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n"
		       " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n",
		       "long UTF-8: words of whole characters, folded");
	}
	sk_buf_reset(&b);
	sk_mail_header_text(&b, "Subject",
			    "[stepkit] sales-analysis a-very-long-run-identifier-2025-07-01: Failed: "
			    "extract-sales, transform, analyze-sales and 2 more",
			    &err);
	is_str(b.data,
	       "Subject: [stepkit] sales-analysis a-very-long-run-identifier-2025-07-01:\r\n"
	       " Failed: extract-sales, transform, analyze-sales and 2 more\r\n",
	       "long ASCII subject folded before a space");
}

static const char expected_mail[] =
	"Date: Tue, 01 Jul 2025 10:00:00 +0000\r\n"
	"From: \"Sales ETL\" <etl@example.com>\r\n"
	"To: ops@example.com, =?UTF-8?B?QW5hIE3DvGxsZXI=?= <ana@example.org>\r\n"
	"Cc: audit@example.net\r\n"
	"Subject: [stepkit] sales-analysis r1: Succeeded\r\n"
	"Message-ID: <0123456789abcdef0123456789abcdef@example.com>\r\n"
	"MIME-Version: 1.0\r\n"
	"Auto-Submitted: auto-generated\r\n"
	"Content-Type: multipart/mixed; boundary=\"=_stepkit_b\"\r\n"
	"\r\n"
	"This is a multi-part message in MIME format.\r\n"
	"\r\n"
	"--=_stepkit_b\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"Content-Transfer-Encoding: 7bit\r\n"
	"\r\n"
	"line 1\r\n"
	"\r\n"
	".dot\r\n"
	"--=_stepkit_b\r\n"
	"Content-Type: text/csv; charset=UTF-8; name=\"a.csv\"\r\n"
	"Content-Disposition: attachment; filename=\"a.csv\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"eCx5CjEsMgo=\r\n"
	"--=_stepkit_b\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%22.bin\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
	"QUFB\r\n"
	"--=_stepkit_b--\r\n";

static void test_build(void)
{
	struct sk_err err = SK_ERR_INIT;
	static struct sk_mail_addrs to, cc;
	struct sk_mail_addr from;
	char big[60];
	char id[SK_MAIL_ID_MAX], boundary[80];
	struct sk_mail_part parts[2] = {{"a.csv", "text/csv; charset=UTF-8", "x,y\n1,2\n", 8, -1, NULL},
					{"résumé\".bin", "application/octet-stream", big, sizeof(big), -1, NULL}};
	struct sk_mail m = {&from, &to, &cc, "[stepkit] sales-analysis r1: Succeeded",
			    "line 1\n\r\n.dot", 1751364000,
			    "<0123456789abcdef0123456789abcdef@example.com>", "=_stepkit_b", parts, 2, NULL};

	memset(big, 'A', sizeof(big));
	sk_mail_addr_parse(&from, "Sales ETL <etl@example.com>", 27, "MAIL_FROM", &err);
	sk_mail_addrs_parse(&to, "ops@example.com, Ana Müller <ana@example.org>", "MAIL_TO", &err);
	sk_mail_addrs_parse(&cc, "audit@example.net", "MAIL_CC", &err);
	sk_buf_reset(&b);
	is_int(sk_mail_build(&m, &b, &err), 0, "build");
	is_str(b.data, expected_mail, "the exact message: headers, 7bit text, base64 parts, RFC 2231 name");

	/* an HTML alternative: multipart/alternative inside the multipart/mixed,
	 * its own boundary, the attachments after it */
	m.html = "<p>Z\xc3\xbcrich &amp; co</p>\n";
	sk_buf_reset(&b);
	is_int(sk_mail_build(&m, &b, &err), 0, "build with HTML");
	ok(strstr(b.data, "Content-Type: multipart/mixed; boundary=\"=_stepkit_b\"\r\n\r\n"
			  "This is a multi-part message in MIME format.\r\n\r\n"
			  "--=_stepkit_b\r\n"
			  "Content-Type: multipart/alternative; boundary=\"=_alt=_stepkit_b\"\r\n\r\n"
			  "--=_alt=_stepkit_b\r\n"
			  "Content-Type: text/plain; charset=UTF-8\r\n"
			  "Content-Transfer-Encoding: 7bit\r\n\r\n"
			  "line 1\r\n\r\n.dot\r\n"
			  "--=_alt=_stepkit_b\r\n"
			  "Content-Type: text/html; charset=UTF-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
			  "<p>Z=C3=BCrich &amp; co</p>\r\n"
			  "--=_alt=_stepkit_b--\r\n"
			  "--=_stepkit_b\r\n"
			  "Content-Type: text/csv; charset=UTF-8; name=\"a.csv\"\r\n") != NULL,
	   "HTML alternative: nested multipart/alternative, text first, then the attachments");
	m.nparts = 0;
	sk_buf_reset(&b);
	sk_mail_build(&m, &b, &err);
	ok(strstr(b.data, "Auto-Submitted: auto-generated\r\n"
			  "Content-Type: multipart/alternative; boundary=\"=_alt=_stepkit_b\"\r\n\r\n"
			  "--=_alt=_stepkit_b\r\nContent-Type: text/plain; charset=UTF-8\r\n") != NULL &&
	   b.len > 28 && !strcmp(b.data + b.len - 28, "</p>\r\n--=_alt=_stepkit_b--\r\n"),
	   "HTML alternative without attachments: multipart/alternative at the top");
	m.html = NULL;
	m.nparts = 2;

	/* without attachments: one text/plain part; UTF-8 text goes quoted-printable */
	m.nparts = 0;
	m.cc = NULL;
	m.body = "Zürich \n= sign\t\nend";
	sk_buf_reset(&b);
	sk_mail_build(&m, &b, &err);
	ok(strstr(b.data, "Content-Type: text/plain; charset=UTF-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
			  "Z=C3=BCrich=20\r\n=3D sign=09\r\nend\r\n") != NULL,
	   "quoted-printable: 8-bit bytes, '=', trailing blanks encoded");
	ok(strstr(b.data, "Cc:") == NULL, "no Cc header without Cc");

	/* a 2000-byte line: soft breaks keep every line at 76 or less */
	{
		char longline[2001];
		size_t maxlen = 0, cur = 0;
		memset(longline, 'x', 2000);
		longline[2000] = '\0';
		m.body = longline;
		sk_buf_reset(&b);
		sk_mail_build(&m, &b, &err);
		ok(strstr(b.data, "quoted-printable") != NULL, "overlong line: quoted-printable");
		for (size_t i = 0; i < b.len; i++) {
			if (b.data[i] == '\r' && b.data[i + 1] == '\n') {
				if (cur > maxlen)
					maxlen = cur;
				cur = 0;
				i++;
			} else {
				cur++;
			}
		}
		ok(maxlen <= 998, "no line above 998 bytes in the message (%zu)", maxlen);
	}

	/* many recipients: one header, folded after a comma before 78 columns */
	{
		static struct sk_mail_addrs many;
		size_t cur = 0, maxlen = 0;
		char *hdr, *end;
		sk_mail_addrs_parse(&many, "first.recipient@example.com, second.recipient@example.com, "
				    "Third Person <third.recipient@example.com>, fourth@example.com",
				    "MAIL_TO", &err);
		m.to = &many;
		m.body = "x";
		sk_buf_reset(&b);
		sk_mail_build(&m, &b, &err);
		hdr = strstr(b.data, "\r\nTo: ");
		end = hdr ? strstr(hdr, "\r\nSubject: ") : NULL;
		ok(hdr && end, "To header present");
		if (hdr && end) {
			*end = '\0';
			is_str(hdr + 2, "To: first.recipient@example.com, second.recipient@example.com,\r\n"
					" \"Third Person\" <third.recipient@example.com>, fourth@example.com",
			       "To folded after a comma");
			for (char *q = hdr + 2; *q; q++) {
				cur = (*q == '\r') ? 0 : cur + 1;
				if (cur > maxlen)
					maxlen = cur;
			}
			ok(maxlen <= 78, "folded lines at most 78 (%zu)", maxlen);
		}
		m.to = &to;
	}

	is_int(sk_mail_new_id("etl@example.com", id, boundary, &err), 0, "new id");
	ok(strlen(id) == 46 && id[0] == '<' && !strcmp(id + 33, "@example.com>"), "id <32 hex@domain>: %s", id);
	ok(!strncmp(boundary, "=_stepkit_", 10) && !strncmp(boundary + 10, id + 1, 32), "boundary from the same digits");
}

static int cfg(const char *url, int tls_none, const char *user, const char *pw, struct sk_err *err)
{
	struct sk_smtp_cfg c = {url, tls_none, user, pw, NULL, 0, 0};

	sk_err_clear(err);
	return sk_smtp_cfg_check(&c, err);
}

static void test_cfg(void)
{
	struct sk_err err = SK_ERR_INIT;

	is_int(cfg("smtp://mail.example.com:587", 0, "u", "p", &err), 0, "smtp:// with login");
	is_int(cfg("smtps://mail.example.com", 0, NULL, NULL, &err), 0, "smtps:// without login");
	is_int(cfg("smtp://127.0.0.1:25", 1, NULL, NULL, &err), 0, "plain relay with SMTP_TLS=none");
	is_int(cfg("smtp://u:Sekr3t@mail.example.com", 0, NULL, NULL, &err), -1, "credentials in the URL refused");
	ok(strstr(err.msg, "Sekr3t") == NULL, "and not echoed: %s", err.msg);
	is_int(cfg("http://mail.example.com", 0, NULL, NULL, &err), -1, "http:// refused");
	is_int(cfg("smtps://mail.example.com", 1, NULL, NULL, &err), -1, "SMTP_TLS=none with smtps:// refused");
	is_int(cfg("smtp://mail.example.com", 1, "u", "p", &err), -1, "password without TLS refused");
	is_int(cfg("smtp://mail.example.com", 0, "u", NULL, &err), -1, "user without password refused");
	is_int(cfg("smtp://mail.example.com", 0, NULL, "p", &err), -1, "password without user refused");
	is_int(cfg("", 0, NULL, NULL, &err), -1, "empty URL refused");
	is_int(err.code, SK_E_USAGE, "all usage errors");
	{
		struct sk_smtp_cfg c = {"smtp://mail.example.com", 0, NULL, NULL, "/nonexistent/ca.pem", 0, 0};
		is_int(sk_smtp_cfg_check(&c, &err), -1, "unreadable SMTP_CA_FILE refused");
	}
}

/* An attachment read from a file: the same bytes as from memory; a file
 * whose bytes no longer hash to the listed sha256 fails the read. */
static void test_stream(void)
{
	static char dir[] = "/tmp/test_smtp.XXXXXX";
	char path[64], data[200], hex[SK_SHA256_HEX_LEN + 1], bad[SK_SHA256_HEX_LEN + 1];
	struct sk_err err = SK_ERR_INIT;
	struct sk_mail_addr from;
	struct sk_mail_part part = {"a.bin", "application/octet-stream", data, sizeof(data), -1, NULL};
	struct sk_mail m = {&from, NULL, NULL, "s", "b", 1751364000, "<x@example.com>", "=_b", &part, 1, NULL};
	struct sk_buf mem = SK_BUF_INIT(1 << 20), file = SK_BUF_INIT(1 << 20);
	struct sk_mail_msg *msg;
	FILE *f;
	int fd;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	if (!mkdtemp(dir) || snprintf(path, sizeof(path), "%s/a.bin", dir) < 0 ||
	    !(f = fopen(path, "wb")) || fwrite(data, 1, sizeof(data), f) != sizeof(data) || fclose(f))
		return;
	sk_mail_addr_parse(&from, "etl@example.com", 15, "MAIL_FROM", &err);
	is_int(sk_mail_build(&m, &mem, &err), 0, "stream: from memory");
	fd = open(path, O_RDONLY);
	is_int(sk_sha256_file(path, NULL, hex, NULL, &err), 0, "stream: sha256 of the file");
	part = (struct sk_mail_part){"a.bin", "application/octet-stream", NULL, sizeof(data), fd, hex};
	is_int(sk_mail_build(&m, &file, &err), 0, "stream: from the file");
	ok(mem.len == file.len && !memcmp(mem.data, file.data, mem.len), "stream: the same bytes");
	msg = sk_mail_msg_open(&m, &err);
	ok(msg && sk_mail_msg_size(msg) == file.len, "stream: the size is known before reading");
	sk_mail_msg_close(msg);
	memcpy(bad, hex, sizeof(bad));
	bad[0] = bad[0] == '0' ? '1' : '0';
	part.sha256 = bad;
	sk_buf_reset(&file);
	is_int(sk_mail_build(&m, &file, &err), -1, "stream: a changed file fails");
	ok(err.code == SK_E_IO && strstr(err.msg, "attachment 'a.bin': the file changed while it was "
				 "being sent") == err.msg, "stream: the message says so: %s", err.msg);
	part.sha256 = hex;
	part.len = sizeof(data) + 1;
	is_int(sk_mail_build(&m, &file, &err), -1, "stream: a file shorter than announced fails");
	close(fd);
	unlink(path);
	rmdir(dir);
	sk_buf_release(&mem);
	sk_buf_release(&file);
}

int main(void)
{
	test_addresses();
	test_headers();
	test_build();
	test_stream();
	test_cfg();
	sk_buf_release(&b);
	return done_testing();
}
