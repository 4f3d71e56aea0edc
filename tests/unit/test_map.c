/* Unit tests for lib/map.c: insert/find, growth, insertion-order iteration. */
#include "base.h"
#include "map.h"
#include "tap.h"

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_map *m = sk_map_open(sizeof(long long), &err);
	char key[32];
	int ins, bad = 0;
	size_t pos = 0, n = 0;
	long long *v;

	ok(m != NULL, "open");
	for (int i = 0; i < 100000; i++) {
		int len = snprintf(key, sizeof(key), "k%d", i);
		v = sk_map_upsert(m, key, (size_t)len, &ins, &err);
		if (!v || !ins)
			bad++;
		else
			*v = i;
	}
	is_int(bad, 0, "100000 distinct inserts");
	is_int(sk_map_count(m), 100000, "count");
	v = sk_map_upsert(m, "k42", 3, &ins, &err);
	ok(v && !ins && *v == 42, "existing key found, not inserted");
	ok(sk_map_get(m, "k99999", 6) && *(long long *)sk_map_get(m, "k99999", 6) == 99999, "get");
	ok(sk_map_get(m, "k100000", 7) == NULL, "absent key");
	ok(sk_map_get(m, "k4", 2) != sk_map_get(m, "k42", 3), "prefix keys differ");

	/* keys with NUL bytes and the empty key are ordinary keys */
	ok(sk_map_upsert(m, "a\0b", 3, &ins, &err) && ins, "key with NUL inserted");
	ok(sk_map_upsert(m, "a\0c", 3, &ins, &err) && ins, "other key with NUL inserted");
	ok(sk_map_upsert(m, "", 0, &ins, &err) && ins, "empty key inserted");
	ok(sk_map_upsert(m, "", 0, &ins, &err) && !ins, "empty key found");

	bad = 0;
	while ((v = sk_map_next(m, &pos)) != NULL) {
		size_t klen;
		const char *k = sk_map_key(m, v, &klen);
		if (n < 100000) {
			int len = snprintf(key, sizeof(key), "k%zu", n);
			if ((size_t)len != klen || memcmp(k, key, klen) || *v != (long long)n)
				bad++;
		}
		n++;
	}
	is_int(n, 100003, "iteration visits every key once");
	is_int(bad, 0, "iteration in insertion order with keys and values");
	sk_map_close(m);

	m = sk_map_open(0, &err);
	ok(m && sk_map_upsert(m, "x", 1, &ins, &err) && ins, "set insert");
	ok(sk_map_upsert(m, "x", 1, &ins, &err) && !ins, "set member");
	sk_map_close(m);
	sk_map_close(NULL);
	return done_testing();
}
