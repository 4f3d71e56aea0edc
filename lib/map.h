/*
 * map.h: a hash map from byte-string keys to fixed-size values, built for
 * the row-heavy steps (dedup sets of millions of keys, group-by tables).
 *
 * Memory: keys and values live in one growing arena, each entry packed as
 * [key length][value][key bytes, NUL]; the table itself holds 8 bytes per
 * slot (a 32-bit hash and a 32-bit arena offset). A five-million-key dedup
 * set of ~14-byte keys costs about 190 MB, not the gigabytes of a map of
 * heap strings. Entries are never removed. Iteration walks the arena, so it
 * visits entries in insertion order.
 *
 * Pointers returned into the map (values, keys) stay valid only until the
 * next insertion (the arena may move); re-fetch after inserting.
 */
#ifndef SK_MAP_H
#define SK_MAP_H

#include "errors.h"

struct sk_map;

/* A new map whose values are `value_size` bytes (0 for a set). Caller closes. */
struct sk_map *sk_map_open(size_t value_size, struct sk_err *err);

/* Free the map and everything in it. NULL is fine. */
void sk_map_close(struct sk_map *m);

/*
 * Find `key`, inserting it with a zeroed value when absent. Returns the value
 * (for a set: a non-NULL pointer), `*inserted` set to 1 when it was new; NULL
 * with `err` (SK_E_NOMEM) when memory or the 32 GiB arena limit ran out.
 */
void *sk_map_upsert(struct sk_map *m, const char *key, size_t len, int *inserted,
		    struct sk_err *err);

/* The value of `key`, or NULL when absent. */
void *sk_map_get(const struct sk_map *m, const char *key, size_t len);

/*
 * A lookup in two halves, for a caller with other work to do in between:
 * sk_map_prefetch() hashes the key and starts loading its slot,
 * sk_map_get_hashed() with that hash is sk_map_get(). Rows that look up a
 * table larger than the cache wait for memory less that way.
 */
uint32_t sk_map_prefetch(const struct sk_map *m, const char *key, size_t len);
void *sk_map_get_hashed(const struct sk_map *m, const char *key, size_t len, uint32_t hash);

/* Number of keys. */
size_t sk_map_count(const struct sk_map *m);

/* The key of an entry, given its value pointer; `*len` gets its length. */
const char *sk_map_key(const struct sk_map *m, const void *value, size_t *len);

/*
 * Iterate in insertion order: start with `*pos = 0`; each call returns the
 * next value, or NULL at the end. Do not insert while iterating.
 */
void *sk_map_next(const struct sk_map *m, size_t *pos);

/* Bytes held (table plus arena), for memory reports. */
size_t sk_map_bytes(const struct sk_map *m);

/* The hash used by the map, exposed for callers that hash once and probe twice. */
uint64_t sk_hash(const void *key, size_t len);

#endif
