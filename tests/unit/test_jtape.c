/* Unit tests for lib/jtape.c: it accepts what jansson accepts (flags 0) and
 * its pointers find what sk_json_ptr_get finds. */
#include "base.h"
#include "json_path.h"
#include "jtape.h"
#include "tap.h"

#include <jansson.h>

static struct sk_jt t;

/* Whether the tape and jansson agree on accepting `doc`. */
static void same_verdict(const char *doc, const char *name)
{
	struct sk_err err = SK_ERR_INIT;
	json_error_t je;
	json_t *j = json_loadb(doc, strlen(doc), 0, &je);
	int mine = sk_jt_parse(&t, doc, strlen(doc), &err) == 0;

	ok(mine == (j != NULL), "%s: %s by both", name, j ? "accepted" : "refused");
	if (mine != (j != NULL))
		printf("#   jtape: %s\n#   jansson: %s\n", mine ? "ok" : err.msg, j ? "ok" : je.text);
	json_decref(j);
}

/* The message of refusing `doc`. */
static const char *refusal(const char *doc, size_t len)
{
	static struct sk_err err;

	sk_err_clear(&err);
	return sk_jt_parse(&t, doc, len, &err) < 0 ? err.msg : "accepted";
}

/* The text of the value at `ptr` in the last parsed document, as a string. */
static const char *at(const char *ptr)
{
	static char out[256];
	struct sk_jt_ptr p;
	struct sk_err err = SK_ERR_INIT;
	uint32_t v;
	size_t len;
	const char *s;

	if (sk_jt_ptr_compile(&p, ptr, &err) < 0)
		return "(no memory)";
	v = sk_jt_get(&t, 0, &p);
	sk_jt_ptr_release(&p);
	if (v == SK_JT_NONE)
		return "missing";
	switch (t.n[v].type) {
	case SK_JT_STR:
		s = sk_jt_str(&t, v, &len, &err);
		snprintf(out, sizeof(out), "s:%.*s", (int)len, s);
		break;
	case SK_JT_INT:
		snprintf(out, sizeof(out), "i:%lld", sk_jt_int(&t, v));
		break;
	case SK_JT_REAL:
		snprintf(out, sizeof(out), "r:%.17g", sk_jt_num(&t, v));
		break;
	default:
		snprintf(out, sizeof(out), "%s/%u", sk_jt_type_name(&t, v), t.n[v].count);
	}
	return out;
}

int main(void)
{
	static const char *const docs[] = {
		"{}", "[]", " [ 1 , 2 ] ", "{\"a\": [true, false, null]}", "[-0, 0.5, 1e3, -1.25E-2]",
		"[\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\"]", "[9223372036854775807]",
		"[-9223372036854775808]", "[9223372036854775808]", "[-9223372036854775809]",
		"[1e400]", "1", "\"x\"", "", "[", "[1,]", "{\"a\":1,}", "[01]", "[1.]", "[.5]",
		"[1e]", "[+1]", "[tru]", "[nul]", "{\"a\" 1}", "{1: 2}", "[\"\\x\"]", "[\"\\u12\"]",
		"[\"\\u0000\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"a\tb\"]", "[1] [2]", "[1] x",
		"[\"\xe9\"]", "[\"\xed\xa0\x80\"]", "{\"a\": {\"a\": {\"a\": []}}}", "[[[[[]]]]]",
		"{\"k\": 1, \"k\": 2}", "\xef\xbb\xbf[]",
	};
	struct sk_err err = SK_ERR_INIT;
	char deep[5000];

	for (size_t i = 0; i < SK_ARRAY_SIZE(docs); i++) {
		char name[64];
		snprintf(name, sizeof(name), "document %zu", i);
		same_verdict(docs[i], name);
	}
	memset(deep, '[', 3000);
	memset(deep + 3000, ']', 1999);
	deep[4999] = '\0';
	same_verdict(deep, "3000 arrays deep");

	/* random damage to a valid answer: both readers agree on every case */
	{
		static const char base[] =
			"{\"result\": {\"rows\": [{\"sku\": 161875896, \"name\": "
			"\"Mug, \\\"Big\\\" \\u00e9\\ud83d\\ude00\", \"n\": -1.5e-3, \"ok\": true, "
			"\"x\": null, \"a\": [0, 1e2, false, {}]}], \"last_id\": \"\xd0\x9a\"}}";
		static const char alphabet[] =
			"{}[]\":,\\/ -+.0123456789eEtrufalsn\x80\xc3\xa9\xff\x01u";
		int agree = 0, cases = 3000, accepted = 0;
		tap_seed(42);
		for (int c = 0; c < cases; c++) {
			char doc[sizeof(base)];
			size_t len = sizeof(base) - 1;
			json_error_t je;
			json_t *j;
			struct sk_err e2 = SK_ERR_INIT;
			int mine;
			memcpy(doc, base, sizeof(base));
			for (int m = 1 + (int)tap_rnd(3); m > 0 && len > 0; m--) {
				size_t at = tap_rnd((unsigned)len);
				switch (tap_rnd(3)) {
				case 0: /* replace */
					doc[at] = alphabet[tap_rnd(sizeof(alphabet) - 1)];
					break;
				case 1: /* delete */
					memmove(doc + at, doc + at + 1, len - at);
					len--;
					break;
				default: /* cut */
					len = at;
				}
			}
			j = json_loadb(doc, len, 0, &je);
			mine = sk_jt_parse(&t, doc, len, &e2) == 0;
			agree += mine == (j != NULL);
			accepted += mine;
			if (mine && j) { /* the same values where both read one */
				static const char *const ptrs[] = {
					"/result/rows/0/name", "/result/rows/0/sku",
					"/result/last_id", "/result/rows/0/n"};
				for (size_t k = 0; k < SK_ARRAY_SIZE(ptrs); k++) {
					json_t *v = sk_json_ptr_get(j, ptrs[k]);
					char want[256] = "missing";
					if (json_is_string(v))
						snprintf(want, sizeof(want), "s:%.*s",
							 (int)json_string_length(v),
							 json_string_value(v));
					else if (json_is_integer(v))
						snprintf(want, sizeof(want), "i:%lld",
							 (long long)json_integer_value(v));
					else if (json_is_real(v))
						snprintf(want, sizeof(want), "r:%.17g",
							 json_real_value(v));
					else if (v)
						snprintf(want, sizeof(want), "%s/%zu",
							 sk_json_type_name(v),
							 json_is_array(v) ? json_array_size(v)
									  : json_object_size(v));
					if (strcmp(at(ptrs[k]), want)) {
						agree--;
						printf("#   case %d %s: jtape %s, jansson %s\n", c,
						       ptrs[k], at(ptrs[k]), want);
						break;
					}
				}
			}
			if (mine != (j != NULL) && agree + 5 > c)
				printf("#   disagree on case %d: jtape %s, jansson %s: %.*s\n", c,
				       mine ? "ok" : e2.msg, j ? "ok" : je.text, (int)len, doc);
			json_decref(j);
		}
		is_int(agree, cases,
		       "%d damaged answers: accepted or refused by both, the same values (%d "
		       "accepted)",
		       cases, accepted);
	}

	is_str(refusal("[\"caf\xe9\"]", 7), "unable to decode byte 0xe9 at byte 6", "bad UTF-8: the byte and where");
	is_str(refusal("{\"a\": [1, 2}", 12), "',' or ']' expected at byte 12", "a wrong bracket");
	is_str(refusal("{\"result\": {\"rows\": [", 21), "premature end of input at byte 22", "cut short");
	is_str(refusal("<html>", 6), "'[' or '{' expected at byte 1", "not JSON");
	is_str(refusal("[\"\\u0000\"]", 10), "\\u0000 is not allowed in a string at byte 3", "NUL escaped");
	is_str(refusal("[9223372036854775808]", 21), "too big integer at byte 2", "integer overflow");

	static const char pdoc[] = "{\"a\": {\"b\": [10, {\"c/d\": 1, \"e~f\": null, \"g\\u0068\": \"\\u00e9x\"}]},"
			   " \"\": 7, \"0\": 8, \"d\": 1, \"d\": 2, \"r\": -2.5, \"m\": -9223372036854775808}";
	ok(sk_jt_parse(&t, pdoc, strlen(pdoc), &err) == 0, "a document with pointers to follow");
	is_str(at("/a/b/0"), "i:10", "/a/b/0: an array index");
	is_str(at("/a/b/1/c~1d"), "i:1", "~1 is '/'");
	is_str(at("/a/b/1/e~0f"), "null/0", "~0 is '~'; a null is null, not missing");
	is_str(at("/a/b/1/gh"), "s:\xc3\xa9x", "an escaped key matches; an escaped value decoded");
	is_str(at("/a/b/2"), "missing", "an index past the end");
	is_str(at("/a/b/01"), "missing", "a leading zero is no index");
	is_str(at("/a/x"), "missing", "a missing member");
	is_str(at("/a/b/0/c"), "missing", "below a number: missing");
	is_str(at("/"), "i:7", "'/' is the member named ''");
	is_str(at("/0"), "i:8", "'/0' on an object is the member \"0\"");
	is_str(at("/d"), "i:2", "a name twice: the last counts (as in jansson)");
	is_str(at("/r"), "r:-2.5", "a real");
	is_str(at("/m"), "i:-9223372036854775808", "the smallest integer");
	is_str(at("/a/b"), "an array/2", "an array and its count");
	is_str(at(""), "an object/7", "'' is the whole document (a name twice counted twice)");
	sk_jt_release(&t);
	return done_testing();
}
