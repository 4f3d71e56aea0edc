/*
 * json_path.h: JSON Pointers (RFC 6901) over jansson values, for
 * extract-api's configuration ("records": "/result/rows", a column's
 * "path": "/sku").
 *
 * A pointer is "" (the whole document) or a sequence of "/token": each
 * token names an object member, or an array index (decimal, no leading
 * zero, no sign). Inside a token "~1" stands for '/' and "~0" for '~'; any
 * other '~' makes the pointer malformed. Pointers are checked once, when
 * the configuration is read (sk_json_ptr_check), and then resolved per
 * record without further allocation.
 */
#ifndef SK_JSON_PATH_H
#define SK_JSON_PATH_H

#include "errors.h"

#include <jansson.h>

/*
 * Whether `ptr` is a well-formed pointer: "" or starting with '/', every
 * '~' followed by '0' or '1'. 0, or -1 with `err` (SK_E_USAGE) saying what
 * is wrong (the caller prefixes the setting's name).
 */
int sk_json_ptr_check(const char *ptr, struct sk_err *err);

/*
 * The value `ptr` points to inside `root` (borrowed from `root`), or NULL
 * when some member or index is missing (or `root` is NULL). A JSON null
 * that exists is returned as the null value, not NULL: the caller tells
 * "missing" from "null". `ptr` must have passed sk_json_ptr_check().
 */
json_t *sk_json_ptr_get(json_t *root, const char *ptr);

/* A pointer token `t` (`len` bytes) as an array index: digits, no leading
 * zero (RFC 6901 section 4). 0 with `*idx`, or -1 when it is not one. */
int sk_json_ptr_index(const char *t, size_t len, size_t *idx);

/*
 * The JSON type of `v` as people say it ("an object", "an array", "a string",
 * "an integer", "a number", "true", "false", "null"; "missing" for NULL), for
 * messages such as "'/result/rows' is a string, not an array".
 */
const char *sk_json_type_name(const json_t *v);

#endif
