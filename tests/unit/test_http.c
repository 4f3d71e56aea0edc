/*
 * test_http: the pure parts of lib/http.c and lib/s3.c (no network): header
 * checks and parsing, response header values and Retry-After, status
 * classes, URL redaction and checks, upload URLs, SigV4 URI encoding, S3
 * URLs in path and virtual-host style, canonical queries, key prefixes, the
 * XML answers, and the configuration checks of sk_s3_open.
 */
#include "base.h"
#include "http.h"
#include "s3.h"
#include "tap.h"

static struct sk_retry_policy policy;

static void test_header_check(void)
{
	struct sk_err e = SK_ERR_INIT;

	ok(sk_http_header_check("X-Run: 42", &e) == 0, "plain header accepted");
	ok(sk_http_header_check("X-Tab:\ta\tb", &e) == 0, "tab in a value accepted");
	ok(sk_http_header_check("X-Empty:", &e) == 0, "empty value accepted");
	ok(sk_http_header_check("no colon", &e) < 0 && e.code == SK_E_USAGE, "no colon refused");
	ok(sk_http_header_check(": value", &e) < 0, "empty name refused");
	ok(sk_http_header_check("Bad Name: x", &e) < 0, "space in the name refused");
	ok(sk_http_header_check("X-A: 1\r\nX-Evil: 2", &e) < 0, "CR LF in a value refused");
	is_str(e.msg, "header 'X-A' holds a line break (header injection)", "message names the header");
	ok(sk_http_header_check("X-A: 1\nX-Evil: 2", &e) < 0, "bare LF refused");
	ok(sk_http_header_check("X-A: a\001b", &e) < 0, "control character refused");
	ok(sk_http_header_check("Authorization: Bearer s3cr\rEt", &e) < 0 && !strstr(e.msg, "s3cr"),
	   "a refused value is not echoed");
}

static void test_headers_parse(void)
{
	struct sk_http_headers hl = {0};
	struct sk_err e = SK_ERR_INIT;

	ok(sk_http_headers_parse(&hl, "X-A: 1; X-B: 2", &e) == 0 && hl.n == 2, "';' separates headers");
	is_str(hl.v[0], "X-A: 1", "first header trimmed");
	is_str(hl.v[1], "X-B: 2", "second header trimmed");
	ok(hl.v[2] == NULL, "list is NULL-terminated");
	sk_http_headers_release(&hl);

	ok(sk_http_headers_parse(&hl, "Content-Type: text/csv; charset=utf-8", &e) == 0 && hl.n == 1,
	   "';' inside a value does not split");
	is_str(hl.v[0], "Content-Type: text/csv; charset=utf-8", "value kept whole");
	sk_http_headers_release(&hl);

	ok(sk_http_headers_parse(&hl, "X-A: 1\r\n\n  X-B: two words \nX-C: 3;", &e) == 0 && hl.n == 3,
	   "newlines (CRLF too) separate, blanks skipped");
	is_str(hl.v[1], "X-B: two words", "inner spaces kept, outer trimmed");
	sk_http_headers_release(&hl);

	ok(sk_http_headers_parse(&hl, "X-A: 1\nbroken\nX-C: 3", &e) < 0 && e.code == SK_E_USAGE,
	   "a bad entry fails the list");
	is_str(e.msg, "header 2: header must be 'Name: value' with a valid name", "bad entry named by number");
	sk_http_headers_release(&hl);

	ok(sk_http_headers_parse(&hl, "X-A: 1\rX-Evil: 2", &e) < 0, "a bare CR inside a line is refused");
	sk_http_headers_release(&hl);
	ok(sk_http_headers_parse(&hl, "", &e) == 0 && hl.n == 0 && hl.v == NULL, "empty setting: no headers");
}

static void test_header_value(void)
{
	char v[64];
	const char *l1 = "Retry-After: 120\r\n", *l2 = "etag:  \"9b2cf535f27731c974343645a3985328\" \r\n";

	ok(sk_http_header_value(l1, strlen(l1), "retry-after", v, sizeof(v)) == 1, "Retry-After found (any case)");
	is_str(v, "120", "value without CRLF");
	is_int((long long)sk_retry_after_parse(v), 120, "Retry-After seconds");
	ok(sk_http_header_value(l2, strlen(l2), "ETag", v, sizeof(v)) == 1, "ETag found");
	is_str(v, "\"9b2cf535f27731c974343645a3985328\"", "ETag trimmed, quotes kept");
	ok(sk_http_header_value("Retry-After-Not: 1\r\n", 20, "retry-after", v, sizeof(v)) == 0,
	   "a longer name does not match");
	ok(sk_http_header_value("Retry-After: 1", 14, "etag", v, sizeof(v)) == 0, "another name does not match");
	ok(sk_http_header_value("ETag: 0123456789\r\n", 18, "etag", v, 5) == 1 && !strcmp(v, "0123"),
	   "long value truncated to the buffer");
	ok(sk_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT") == 0, "Retry-After date in the past: 0");
	ok(sk_retry_after_parse("soon") == 0, "unparseable Retry-After: 0");
}

static void test_status_class(void)
{
	static const long transient[] = {408, 425, 429, 500, 502, 503, 504, 599};
	static const long permanent[] = {100, 301, 304, 400, 401, 403, 404, 405, 409, 413};

	ok(sk_http_status_class(200) == SK_E_NONE && sk_http_status_class(201) == SK_E_NONE &&
	   sk_http_status_class(204) == SK_E_NONE, "2xx: success");
	for (size_t i = 0; i < SK_ARRAY_SIZE(transient); i++)
		ok(sk_http_status_class(transient[i]) == SK_E_TRANSIENT, "%ld: transient", transient[i]);
	for (size_t i = 0; i < SK_ARRAY_SIZE(permanent); i++)
		ok(sk_http_status_class(permanent[i]) == SK_E_PERMANENT, "%ld: permanent", permanent[i]);
}

static void test_urls(void)
{
	struct sk_buf b = SK_BUF_INIT(4096);
	struct sk_err e = SK_ERR_INIT;
	char out[256];

	sk_http_url_redact("https://etl:pw@files.example:8443/in/a.csv?sig=s3cret#x", out, sizeof(out));
	is_str(out, "https://files.example:8443/in/a.csv", "redact: no user, password, query, fragment");
	sk_http_url_redact("http://127.0.0.1/up/", out, sizeof(out));
	is_str(out, "http://127.0.0.1/up/", "redact: plain URL unchanged");
	sk_http_url_redact("not a url", out, sizeof(out));
	is_str(out, "(bad url)", "redact: garbage");

	ok(sk_http_url_check("https://files.example/in/", &e) == 0, "url check: https ok");
	ok(sk_http_url_check("ftp://files.example/in/", &e) < 0 && e.code == SK_E_USAGE, "url check: ftp refused");
	ok(sk_http_url_check("https://etl:s3cret@files.example/", &e) < 0 && !strstr(e.msg, "s3cret"),
	   "url check: credentials refused, not echoed");
	ok(sk_http_url_check("", &e) < 0, "url check: empty refused");

	ok(sk_http_upload_url("http://h/up/", "sales report.csv", 3, &b, &e) == 0, "upload url: directory");
	is_str(b.data, "http://h/up/sales%20report.csv", "upload url: name appended, encoded");
	ok(sk_http_upload_url("http://h/up/?sig=abc&x=1", "a.csv", 3, &b, &e) == 0, "upload url: with a query");
	is_str(b.data, "http://h/up/a.csv?sig=abc&x=1", "upload url: query kept after the name");
	ok(sk_http_upload_url("http://h/up/today.csv", "a.csv", 1, &b, &e) == 0, "upload url: one file");
	is_str(b.data, "http://h/up/today.csv", "upload url: taken as is");
	ok(sk_http_upload_url("http://h/up/today.csv?sig=s3cret", "a.csv", 2, &b, &e) < 0 &&
	   e.code == SK_E_USAGE && !strstr(e.msg, "s3cret"), "upload url: one URL, two files refused, query not shown");

	sk_buf_reset(&b);
	ok(sk_http_uri_encode(&b, "a b/c~d+e_f.g-h", 1, &e) == 0, "uri encode");
	is_str(b.data, "a%20b/c~d%2Be_f.g-h", "uri encode: '/' kept, unreserved kept");
	sk_buf_reset(&b);
	sk_http_uri_encode(&b, "a/b=c&d\xc3\xa9", 0, &e);
	is_str(b.data, "a%2Fb%3Dc%26d%C3%A9", "uri encode: '/' and UTF-8 escaped, upper-case hex");
	sk_buf_reset(&b);
	sk_http_uri_encode(&b, "", 0, &e);
	ok(b.data && !strcmp(b.data, ""), "uri encode: empty string");
	sk_buf_release(&b);
}

static struct sk_s3 *s3_open(const char *endpoint, const char *region, const char *bucket,
			     const char *prefix, int path_style)
{
	struct sk_s3_cfg c = {0};
	struct sk_err e = SK_ERR_INIT;
	struct sk_s3 *s;

	c.endpoint = endpoint;
	c.region = region;
	c.bucket = bucket;
	c.prefix = prefix;
	c.path_style = path_style;
	c.access_key = "AKIDEXAMPLE";
	c.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	c.retry = &policy;
	s = sk_s3_open(&c, &e);
	if (!s)
		printf("# sk_s3_open: %s\n", e.msg);
	return s;
}

static void test_s3_urls(void)
{
	struct sk_buf b = SK_BUF_INIT(4096);
	struct sk_err e = SK_ERR_INIT;
	struct sk_s3 *s;

	s = s3_open(NULL, "eu-west-1", "reports", "daily/2024-05-01", -1);
	ok(s && sk_s3_url(s, "daily/2024-05-01/sales report.csv", NULL, &b, &e) == 0, "AWS default");
	is_str(b.data, "https://reports.s3.eu-west-1.amazonaws.com/daily/2024-05-01/sales%20report.csv",
	       "AWS: virtual-hosted by default, key encoded, '/' kept");
	sk_s3_url(s, NULL, NULL, &b, &e);
	is_str(b.data, "https://reports.s3.eu-west-1.amazonaws.com/", "AWS: bucket URL");
	sk_s3_key(s, "sales_report.csv", &b, &e);
	is_str(b.data, "daily/2024-05-01/sales_report.csv", "prefix gets a '/'");
	sk_s3_close(s);

	s = s3_open(NULL, NULL, "my.reports", NULL, -1);
	ok(s && sk_s3_url(s, "a.csv", NULL, &b, &e) == 0, "bucket with a dot");
	is_str(b.data, "https://s3.us-east-1.amazonaws.com/my.reports/a.csv",
	       "a bucket that is no DNS label goes path style (TLS wildcard); region us-east-1");
	sk_s3_key(s, "a.csv", &b, &e);
	is_str(b.data, "a.csv", "no prefix: the name alone");
	sk_s3_close(s);

	s = s3_open("http://127.0.0.1:9000", NULL, "reports", "/in/", -1);
	ok(s && sk_s3_url(s, "in/a+b.csv", "partNumber=1&uploadId=x", &b, &e) == 0, "custom endpoint");
	is_str(b.data, "http://127.0.0.1:9000/reports/in/a%2Bb.csv?partNumber=1&uploadId=x",
	       "custom endpoint: path style by default, query appended");
	sk_s3_url(s, NULL, NULL, &b, &e);
	is_str(b.data, "http://127.0.0.1:9000/reports", "path style: bucket URL");
	sk_s3_key(s, "a.csv", &b, &e);
	is_str(b.data, "in/a.csv", "leading '/' of the prefix dropped, trailing kept once");
	sk_s3_close(s);

	s = s3_open("https://minio.example/s3/", NULL, "reports", NULL, 0);
	ok(s && sk_s3_url(s, "k.csv", NULL, &b, &e) == 0, "endpoint with a path, virtual host forced");
	is_str(b.data, "https://reports.minio.example/s3/k.csv", "virtual host: bucket before the host, path kept");
	sk_s3_close(s);

	s = s3_open("http://s3.localhost:4569", NULL, "reports", NULL, 1);
	ok(s && sk_s3_url(s, "k.csv", NULL, &b, &e) == 0, "path style forced");
	is_str(b.data, "http://s3.localhost:4569/reports/k.csv", "path style forced: bucket in the path");
	sk_s3_close(s);
	sk_buf_release(&b);
}

static void test_s3_query(void)
{
	struct sk_buf b = SK_BUF_INIT(4096);
	struct sk_err e = SK_ERR_INIT;
	const char *create[] = {"uploads", NULL};
	const char *part[] = {"uploadId", "2~a/b+c=", "partNumber", "12"};
	const char *same[] = {"b", "2", "a", "z", "b", "1"};

	ok(sk_s3_query(&b, create, 1, &e) == 0, "query: uploads");
	is_str(b.data, "uploads=", "query: a flag keeps its '=' (curl signs it verbatim)");
	ok(sk_s3_query(&b, part, 2, &e) == 0, "query: part");
	is_str(b.data, "partNumber=12&uploadId=2~a%2Fb%2Bc%3D", "query: sorted by name, values encoded");
	sk_s3_query(&b, same, 3, &e);
	is_str(b.data, "a=z&b=1&b=2", "query: equal names sorted by value");
	sk_s3_query(&b, NULL, 0, &e);
	ok(b.data && !strcmp(b.data, ""), "query: none");
	sk_buf_release(&b);
}

static void test_s3_config(void)
{
	struct sk_s3_cfg c = {0};
	struct sk_err e = SK_ERR_INIT;
	struct sk_s3 *s;

	c.bucket = "reports";
	c.access_key = "AKIDEXAMPLE";
	c.secret_key = "s3cret-key-value";
	c.retry = &policy;
	c.path_style = -1;

	c.part_size = (5ULL << 20) - 1;
	ok(!(s = sk_s3_open(&c, &e)) && e.code == SK_E_USAGE, "part size under 5 MiB refused");
	c.part_size = 5ULL << 20;
	ok((s = sk_s3_open(&c, &e)) != NULL, "part size of 5 MiB accepted");
	sk_s3_close(s);
	c.multipart_threshold = 6ULL << 30;
	ok(!(s = sk_s3_open(&c, &e)) && e.code == SK_E_USAGE, "threshold above 5 GiB refused");
	c.multipart_threshold = 0;
	c.region = "us east";
	ok(!(s = sk_s3_open(&c, &e)) && e.code == SK_E_USAGE, "region with a space refused");
	c.region = "eu:west";
	ok(!(s = sk_s3_open(&c, &e)), "region with ':' refused (it is part of the SigV4 setting)");
	c.region = NULL;
	c.endpoint = "ftp://files.example";
	ok(!(s = sk_s3_open(&c, &e)) && e.code == SK_E_USAGE, "endpoint scheme other than http(s) refused");
	c.endpoint = "https://AKID:s3cret-key-value@minio.example";
	ok(!(s = sk_s3_open(&c, &e)) && !strstr(e.msg, "s3cret"), "endpoint with credentials refused, not echoed");
	c.endpoint = "https://minio.example/?x=1";
	ok(!(s = sk_s3_open(&c, &e)), "endpoint with a query refused");
	c.endpoint = NULL;
	c.bucket = "a/b";
	ok(!(s = sk_s3_open(&c, &e)), "bucket with '/' refused");
	c.bucket = "";
	ok(!(s = sk_s3_open(&c, &e)), "empty bucket refused");
	c.bucket = "reports";
	c.secret_key = NULL;
	ok(!(s = sk_s3_open(&c, &e)), "missing secret refused");
}

int main(void)
{
	struct sk_err e = SK_ERR_INIT;

	if (sk_retry_policy_init(&policy, &e) < 0)
		printf("# retry policy: %s\n", e.msg);
	test_header_check();
	test_headers_parse();
	test_header_value();
	test_status_class();
	test_urls();
	test_s3_urls();
	test_s3_query();
	test_s3_config();
	return done_testing();
}
