#include "base.h"
#include "map.h"

/*
 * Layout of one arena entry, 8-byte aligned:
 *   uint32_t keylen; uint32_t pad; value[value_size rounded to 8]; key; NUL
 * Offsets in the table count 8-byte units, plus one (0 marks an empty slot).
 */
struct slot {
	uint32_t hash;
	uint32_t off;
};

struct sk_map {
	struct slot *slots;
	size_t mask; /* slots - 1 (a power of two) */
	size_t count;
	size_t vsize; /* value size rounded up to 8 */
	unsigned char *arena;
	size_t used, cap; /* bytes */
};

#define HDR 8
#define MAX_ARENA ((size_t)UINT32_MAX * 8)

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t sk_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		h = mix(h ^ load64(p + i), 0xA0761D6478BD642FULL);
	if (i < len) {
		/* the last 1-7 bytes without a variable-length memcpy call: the
		 * last 8 bytes when there are that many, else two overlapping
		 * 4-byte loads, or the first, middle and last byte */
		uint64_t t;
		if (len >= 8) {
			t = load64(p + len - 8);
		} else if (len >= 4) {
			uint32_t lo, hi;
			memcpy(&lo, p, 4);
			memcpy(&hi, p + len - 4, 4);
			t = (uint64_t)lo << 32 | hi;
		} else {
			t = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
		}
		h = mix(h ^ t, 0xE7037ED1A0B428DBULL);
	}
	return mix(h, 0x8EBC6AF09C88C6E3ULL);
}

struct sk_map *sk_map_open(size_t value_size, struct sk_err *err)
{
	struct sk_map *m = calloc(1, sizeof(*m));

	if (!m)
		goto fail;
	m->vsize = (value_size + 7) & ~(size_t)7;
	m->mask = 1023;
	m->slots = calloc(m->mask + 1, sizeof(*m->slots));
	if (!m->slots)
		goto fail;
	return m;
fail:
	sk_map_close(m);
	sk_err_set(err, SK_E_NOMEM, "out of memory");
	return NULL;
}

void sk_map_close(struct sk_map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->arena);
	free(m);
}

static inline unsigned char *entry_at(const struct sk_map *m, uint32_t off)
{
	return m->arena + (size_t)(off - 1) * 8;
}

static inline int key_equal(const struct sk_map *m, const unsigned char *e,
			    const char *key, size_t len)
{
	uint32_t klen;

	memcpy(&klen, e, 4);
	return klen == len && sk_same_bytes(e + HDR + m->vsize, key, len);
}

static int grow_table(struct sk_map *m, struct sk_err *err)
{
	size_t n = (m->mask + 1) * 2;
	struct slot *s = calloc(n, sizeof(*s));

	if (!s)
		return sk_err_set(err, SK_E_NOMEM, "out of memory (hash table of %zu slots)", n);
	for (size_t i = 0; i <= m->mask; i++) {
		size_t j;
		if (!m->slots[i].off)
			continue;
		for (j = m->slots[i].hash & (n - 1); s[j].off; j = (j + 1) & (n - 1))
			;
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->mask = n - 1;
	return 0;
}

static unsigned char *arena_alloc(struct sk_map *m, size_t size, struct sk_err *err)
{
	unsigned char *p;

	if (m->used + size > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1 << 16;
		while (cap < m->used + size)
			cap *= 2;
		if (cap > MAX_ARENA)
			cap = MAX_ARENA;
		if (m->used + size > cap) {
			sk_err_set(err, SK_E_NOMEM, "hash map arena full (32 GiB)");
			return NULL;
		}
		p = realloc(m->arena, cap);
		if (!p) {
			sk_err_set(err, SK_E_NOMEM, "out of memory (%zu bytes of keys)", cap);
			return NULL;
		}
		m->arena = p;
		m->cap = cap;
	}
	p = m->arena + m->used;
	m->used += size;
	return p;
}

void *sk_map_upsert(struct sk_map *m, const char *key, size_t len, int *inserted,
		    struct sk_err *err)
{
	uint32_t h = (uint32_t)sk_hash(key, len);
	size_t i, size;
	unsigned char *e;
	uint32_t klen = (uint32_t)len;

	if (len > UINT32_MAX - 16) {
		sk_err_set(err, SK_E_NOMEM, "key too long");
		return NULL;
	}
	for (i = h & m->mask; m->slots[i].off; i = (i + 1) & m->mask) {
		if (m->slots[i].hash == h) {
			e = entry_at(m, m->slots[i].off);
			if (key_equal(m, e, key, len)) {
				*inserted = 0;
				return e + HDR;
			}
		}
	}
	/* keep the load factor under 3/4 so probe chains stay short */
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) {
		if (grow_table(m, err) < 0)
			return NULL;
		for (i = h & m->mask; m->slots[i].off; i = (i + 1) & m->mask)
			;
	}
	size = (HDR + m->vsize + len + 1 + 7) & ~(size_t)7;
	e = arena_alloc(m, size, err);
	if (!e)
		return NULL;
	memcpy(e, &klen, 4);
	memset(e + 4, 0, 4 + m->vsize);
	memcpy(e + HDR + m->vsize, key, len);
	e[HDR + m->vsize + len] = '\0';
	m->slots[i].hash = h;
	m->slots[i].off = (uint32_t)((size_t)(e - m->arena) / 8 + 1);
	m->count++;
	*inserted = 1;
	return e + HDR;
}

uint32_t sk_map_prefetch(const struct sk_map *m, const char *key, size_t len)
{
	uint32_t h = (uint32_t)sk_hash(key, len);
	const struct slot *s = &m->slots[h & m->mask];

	__builtin_prefetch(s);
	return h;
}

void *sk_map_get(const struct sk_map *m, const char *key, size_t len)
{
	return sk_map_get_hashed(m, key, len, (uint32_t)sk_hash(key, len));
}

void *sk_map_get_hashed(const struct sk_map *m, const char *key, size_t len, uint32_t h)
{
	for (size_t i = h & m->mask; m->slots[i].off; i = (i + 1) & m->mask) {
		if (m->slots[i].hash == h) {
			unsigned char *e = entry_at(m, m->slots[i].off);
			if (key_equal(m, e, key, len))
				return e + HDR;
		}
	}
	return NULL;
}

size_t sk_map_count(const struct sk_map *m)
{
	return m->count;
}

const char *sk_map_key(const struct sk_map *m, const void *value, size_t *len)
{
	const unsigned char *e = (const unsigned char *)value - HDR;
	uint32_t klen;

	memcpy(&klen, e, 4);
	if (len)
		*len = klen;
	return (const char *)e + HDR + m->vsize;
}

void *sk_map_next(const struct sk_map *m, size_t *pos)
{
	unsigned char *e;
	uint32_t klen;

	if (*pos >= m->used)
		return NULL;
	e = m->arena + *pos;
	memcpy(&klen, e, 4);
	*pos += (HDR + m->vsize + klen + 1 + 7) & ~(size_t)7;
	return e + HDR;
}

size_t sk_map_bytes(const struct sk_map *m)
{
	return (m->mask + 1) * sizeof(struct slot) + m->cap;
}
