/*
 * fuzz_jtape: libFuzzer target for lib/jtape.c, extract-api's strict JSON
 * reader, differential against jansson (json_loadb with no flags), which
 * jtape.h promises to accept and refuse alike:
 *   - the two agree on whether the input is a JSON document, but for a NUL
 *     byte: jansson skips one between tokens ("[1\0]" loads), RFC 8259 has
 *     no place for it, and jtape must refuse it;
 *   - when both read it, every value is the same: types, integers, reals
 *     (the same double), strings byte for byte (escapes decoded), arrays
 *     element by element, objects member by member (for a name given twice,
 *     the last one, as jansson keeps it).
 */
#include "base.h"
#include "jtape.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sk_jt tape;

/* Node `i`'s string value, or trap. */
static const char *str_of(uint32_t i, size_t *len)
{
	struct sk_err err = SK_ERR_INIT;
	const char *s = sk_jt_str(&tape, i, len, &err);

	if (!s)
		__builtin_trap();
	return s;
}

/* The last member of object node `obj` named `key`: its value node. */
static uint32_t member(uint32_t obj, const char *key, size_t klen)
{
	uint32_t found = SK_JT_NONE;

	for (uint32_t k = obj + 1; k < tape.n[obj].end; k = tape.n[k + 1].end) {
		size_t len;
		const char *s = str_of(k, &len);
		if (len == klen && memcmp(s, key, len) == 0)
			found = k + 1;
	}
	return found;
}

static void same(json_t *j, uint32_t i)
{
	const struct sk_jt_node *n = &tape.n[i];

	switch (json_typeof(j)) {
	case JSON_NULL:
		if (n->type != SK_JT_NULL)
			__builtin_trap();
		break;
	case JSON_TRUE:
		if (n->type != SK_JT_TRUE)
			__builtin_trap();
		break;
	case JSON_FALSE:
		if (n->type != SK_JT_FALSE)
			__builtin_trap();
		break;
	case JSON_INTEGER:
		if (n->type != SK_JT_INT || sk_jt_int(&tape, i) != json_integer_value(j))
			__builtin_trap();
		break;
	case JSON_REAL:
		if (n->type != SK_JT_REAL || sk_jt_num(&tape, i) != json_real_value(j))
			__builtin_trap();
		break;
	case JSON_STRING: {
		size_t len;
		const char *s;
		if (n->type != SK_JT_STR)
			__builtin_trap();
		s = str_of(i, &len);
		if (len != json_string_length(j) || memcmp(s, json_string_value(j), len) != 0)
			__builtin_trap();
		break;
	}
	case JSON_ARRAY: {
		uint32_t k = i + 1;
		if (n->type != SK_JT_ARR || n->count != json_array_size(j))
			__builtin_trap();
		for (size_t e = 0; e < json_array_size(j); e++, k = tape.n[k].end)
			same(json_array_get(j, e), k);
		if (k != n->end)
			__builtin_trap();
		break;
	}
	case JSON_OBJECT: {
		const char *key;
		size_t klen;
		json_t *v;
		if (n->type != SK_JT_OBJ || n->count < json_object_size(j))
			__builtin_trap();
		json_object_keylen_foreach(j, key, klen, v) {
			uint32_t m = member(i, key, klen);
			if (m == SK_JT_NONE)
				__builtin_trap();
			same(v, m);
		}
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_err err = SK_ERR_INIT;
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, 0, &je);
	int rc = sk_jt_parse(&tape, (const char *)data, size, &err);

	if (memchr(data, '\0', size)) {
		if (rc == 0)
			__builtin_trap();
		json_decref(j);
		return 0;
	}
	if ((j != NULL) != (rc == 0))
		__builtin_trap();
	if (j) {
		same(j, 0);
		json_decref(j);
	}
	return 0;
}
