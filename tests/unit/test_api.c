/* Unit tests for lib/json_path.c (RFC 6901 pointers) and lib/api.c (config
 * validation, decimals). */
#include "base.h"
#include "api.h"
#include "json_path.h"
#include "tap.h"

#include <jansson.h>
#include <math.h>

/* The message of validating `text` (or "ok"). */
static const char *validate(const char *text)
{
	static struct sk_err err;

	sk_err_clear(&err);
	if (sk_api_config_validate("c.json", text, strlen(text), &err) == 0)
		return "ok";
	return err.code == SK_E_USAGE ? err.msg : "(not a usage error)";
}

#define COLS "\"columns\": [{\"name\": \"sku\", \"path\": \"/sku\", \"type\": \"integer\"}]"
#define OFFSET "\"body\": {\"limit\": \"${limit}\", \"offset\": \"${offset}\"}, \"method\": \"POST\", " \
	"\"pagination\": {\"type\": \"offset\", \"limit\": 10}"

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	json_error_t je;
	json_t *doc = json_loads("{\"a\": {\"b\": [10, {\"c/d\": 1, \"e~f\": null}]}, \"\": 7, \"0\": 8}",
				 0, &je);
	char out[64];

	/* pointers */
	ok(doc != NULL, "document parses");
	ok(sk_json_ptr_get(doc, "") == doc, "'' is the whole document");
	is_int(json_integer_value(sk_json_ptr_get(doc, "/a/b/0")), 10, "/a/b/0: an array index");
	is_int(json_integer_value(sk_json_ptr_get(doc, "/a/b/1/c~1d")), 1, "~1 is '/'");
	ok(json_is_null(sk_json_ptr_get(doc, "/a/b/1/e~0f")), "~0 is '~'; a null is returned as null");
	ok(sk_json_ptr_get(doc, "/a/b/2") == NULL, "an index past the end: missing");
	ok(sk_json_ptr_get(doc, "/a/b/01") == NULL, "a leading zero is no index");
	ok(sk_json_ptr_get(doc, "/a/b/-1") == NULL, "a sign is no index");
	ok(sk_json_ptr_get(doc, "/a/x") == NULL, "a missing member");
	ok(sk_json_ptr_get(doc, "/a/b/0/c") == NULL, "below a number: missing");
	is_int(json_integer_value(sk_json_ptr_get(doc, "/")), 7, "'/' is the member named ''");
	is_int(json_integer_value(sk_json_ptr_get(doc, "/0")), 8, "'/0' on an object is the member \"0\"");
	ok(sk_json_ptr_check("/a~2", &err) < 0 && err.code == SK_E_USAGE, "'~2' is malformed");
	is_str(err.msg, "'/a~2' is not a JSON pointer: '~' must be followed by 0 or 1", "'~2': message");
	ok(sk_json_ptr_check("a/b", &err) < 0, "no leading '/': malformed");
	ok(sk_json_ptr_check("", &err) == 0 && sk_json_ptr_check("/x~0~1", &err) == 0, "'' and escapes are fine");
	is_str(sk_json_type_name(NULL), "missing", "type name of NULL");
	is_str(sk_json_type_name(sk_json_ptr_get(doc, "/a/b")), "an array", "type name of an array");
	json_decref(doc);

	/* configuration */
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"\", " COLS "}"), "ok", "the smallest config");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", " OFFSET ", " COLS "}"), "ok",
	       "offset pagination with ${limit} and ${offset}");
	is_str(validate("[1]"), "config 'c.json': must be a JSON object, not an array", "not an object");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"url\": \"http://h/y\", " COLS "}"),
	       "config 'c.json': line 1, column 44: duplicate object key near '\"url\"'", "a duplicate key");
	is_str(validate("{\"records\": \"/r\", " COLS "}"),
	       "config 'c.json': url: missing: the API's http:// or https:// URL", "no url");
	is_str(validate("{\"url\": \"ftp://h/x\", \"records\": \"/r\", " COLS "}"),
	       "config 'c.json': URL: scheme 'ftp': use https:// or http://", "an ftp url");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"method\": \"PUT\", " COLS "}"),
	       "config 'c.json': method: 'PUT': use GET or POST", "method PUT");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"body\": {}, " COLS "}"),
	       "config 'c.json': body: a body needs \"method\": \"POST\"", "a body with GET");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"columns\": []}"),
	       "config 'c.json': columns: must be a non-empty array, not an empty one", "no columns");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"columns\": [{\"name\": \"a\", \"path\": \"/a\"}, {\"name\": \"a\", \"path\": \"/b\"}]}"),
	       "config 'c.json': columns[1].name: 'a' is also columns[0]", "a repeated column name");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"columns\": [{\"name\": \"a,b\", \"path\": \"/a\"}]}"),
	       "config 'c.json': columns[0].name: 'a,b': a header name holds no comma, quote or line break", "a comma in a name");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"columns\": [{\"name\": \"a\", \"path\": \"/a\", \"type\": \"text\", \"min\": 0}]}"),
	       "config 'c.json': columns[0].min: only for integer and decimal columns", "min on text");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"columns\": [{\"name\": \"a\", \"path\": \"/a\", \"requird\": true}]}"),
	       "config 'c.json': columns[0].requird: unknown key (known here: name, path, type, required, min)", "a misspelt column key");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"method\": \"POST\", \"body\": {\"l\": \"${limit}\"}, " COLS "}"),
	       "config 'c.json': pagination.limit: \"${limit}\" is used but no limit is set", "${limit} without a limit");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"pagination\": {\"type\": \"cursor\"}, \"query\": {\"c\": \"${cursor}\"}, " COLS "}"),
	       "config 'c.json': pagination.cursor: cursor pagination needs the pointer to the next cursor in an answer (\"/result/last_id\")",
	       "cursor without its pointer");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"pagination\": {\"type\": \"page\"}, \"query\": {\"p\": \"${offset}\"}, " COLS "}"),
	       "config 'c.json': pagination.type: page pagination, but neither body nor query holds \"${page}\"", "page without ${page}");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"query\": {\"p\": [1]}, " COLS "}"),
	       "config 'c.json': query.p: must be a string, number or boolean, not an array", "an array in the query");
	is_str(validate("{\"url\": \"http://h/x\", \"records\": \"/r\", \"rate\": 0, " COLS "}"),
	       "config 'c.json': rate: must be a number of requests per second above 0", "rate 0");

	/* decimals: the shortest text that reads back, never an exponent */
	ok(sk_api_format_decimal(0.1, out, sizeof(out)) == 0, "0.1 formats");
	is_str(out, "0.1", "0.1: shortest");
	ok(sk_api_format_decimal(-110.62, out, sizeof(out)) == 0, "-110.62 formats");
	is_str(out, "-110.62", "-110.62");
	ok(sk_api_format_decimal(18.0, out, sizeof(out)) == 0, "18.0 formats");
	is_str(out, "18", "18.0 is 18");
	ok(sk_api_format_decimal(1e22, out, sizeof(out)) < 0, "1e22 would need an exponent: refused");
	ok(sk_api_format_decimal(NAN, out, sizeof(out)) < 0, "NaN refused");
	/* secrets out of messages */
	{
		char m[SK_ERR_MSG_MAX];
		snprintf(m, sizeof(m), "key 42 and 42!");
		sk_api_scrub(m, "42");
		is_str(m, "key *** and ***!", "a short secret: every copy replaced");
		snprintf(m, sizeof(m), "a *** b ***");
		sk_api_scrub(m, "***");
		is_str(m, "a *** b ***", "a secret that is \"***\" ends");
		snprintf(m, sizeof(m), "x Key-s3cr3t y Key-s3cr3t");
		sk_api_scrub(m, "Key-s3cr3t");
		is_str(m, "x *** y ***", "a long secret: replaced");
		memset(m, 'a', sizeof(m) - 1);
		m[sizeof(m) - 1] = '\0';
		m[sizeof(m) - 2] = '7';
		m[10] = '7';
		sk_api_scrub(m, "7");
		ok(strchr(m, '7') == NULL, "a full message: no copy of a 1-byte secret left");
		ok(strncmp(m + 10, "***", 3) == 0 && strlen(m) == sizeof(m) - 1, "a full message: cut at the end to make room");
	}
	return done_testing();
}
