/*
 * json_path.c: JSON Pointer (RFC 6901) resolution over jansson values.
 */
#include "base.h"
#include "json_path.h"

int sk_json_ptr_check(const char *ptr, struct sk_err *err)
{
	if (!ptr)
		return sk_err_set(err, SK_E_USAGE, "not a string");
	if (*ptr && *ptr != '/')
		return sk_err_set(err, SK_E_USAGE,
				  "'%s' is not a JSON pointer: it must start with '/' (\"/result/rows\")",
				  ptr);
	for (const char *p = ptr; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return sk_err_set(err, SK_E_USAGE,
					  "'%s' is not a JSON pointer: '~' must be followed by 0 or 1",
					  ptr);
	return 0;
}

/* Decode one token (between `s` and `e`) into `out`; its length, or -1 if too long. */
static long token(const char *s, const char *e, char *out, size_t cap)
{
	size_t n = 0;

	for (; s < e; s++) {
		char c = *s;
		if (c == '~') {
			c = s[1] == '1' ? '/' : '~';
			s++;
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (long)n;
}

int sk_json_ptr_index(const char *t, size_t len, size_t *idx)
{
	size_t v = 0;

	if (len == 0 || (len > 1 && t[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (t[i] < '0' || t[i] > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(t[i] - '0');
	}
	*idx = v;
	return 0;
}

json_t *sk_json_ptr_get(json_t *root, const char *ptr)
{
	char tok[1024];
	json_t *cur = root;
	const char *p = ptr;

	while (cur && *p == '/') {
		const char *s = p + 1, *e = strchr(s, '/');
		long n;
		size_t idx;

		if (!e)
			e = s + strlen(s);
		n = token(s, e, tok, sizeof(tok));
		if (n < 0)
			return NULL;
		if (json_is_object(cur))
			cur = json_object_getn(cur, tok, (size_t)n);
		else if (json_is_array(cur) && sk_json_ptr_index(tok, (size_t)n, &idx) == 0)
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
		p = e;
	}
	return cur;
}

const char *sk_json_type_name(const json_t *v)
{
	if (!v)
		return "missing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}
