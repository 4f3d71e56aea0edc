/*
 * jtape.h: a strict JSON reader (RFC 8259) that indexes a document in place
 * instead of building a tree: one pass over the text checks it (UTF-8, the
 * grammar, escapes, numbers, the nesting depth) and records every value as a
 * node of a flat array (its type, where its text is, where its subtree
 * ends). Nothing is allocated per value and strings without escapes are
 * read where they are, so extract-api's pages (thousands of small records)
 * cost a fraction of what a tree of jansson values does.
 *
 * What it accepts is what jansson's json_loadb(text, len, 0) accepts: an
 * object or an array at the top, UTF-8 only, no "\u0000" in a string, lone
 * surrogates refused, integers that fit a long long (else an error), and
 * real numbers that do not overflow. A member named twice: the last one
 * counts (as jansson's object does). One difference: a NUL byte between
 * tokens, which jansson skips ("[1\0]" loads) and this reader refuses, as
 * RFC 8259 has no place for it (tests/fuzz/fuzz_jtape.c checks both).
 *
 * Nodes are numbered in document order; the root is node 0. A container's
 * members (an object: key node then value node, per member) follow it, and
 * its `end` is the number of the first node after its subtree.
 */
#ifndef SK_JTAPE_H
#define SK_JTAPE_H

#include "buf.h"
#include "errors.h"

#include <stdint.h>

enum sk_jt_type { SK_JT_NULL, SK_JT_FALSE, SK_JT_TRUE, SK_JT_INT, SK_JT_REAL, SK_JT_STR,
		  SK_JT_ARR, SK_JT_OBJ };

struct sk_jt_node {
	uint8_t type;   /* enum sk_jt_type */
	uint8_t esc;    /* a string holding backslash escapes */
	uint32_t off;   /* text: a string's bytes inside its quotes, a number's text */
	uint32_t len;
	uint32_t end;   /* the node after this value's subtree */
	uint32_t count; /* a container's members or elements */
};

struct sk_jt {
	const char *text;        /* the document (borrowed: it must outlive the nodes) */
	size_t len;
	struct sk_jt_node *n;
	size_t nn, cap;
	struct sk_buf scratch;   /* decoded strings (sk_jt_str) */
};

/* A JSON pointer (RFC 6901) split into its tokens once (sk_jt_ptr_compile). */
struct sk_jt_ptr {
	size_t ntok;
	char **tok;      /* decoded tokens ("~1" -> '/', "~0" -> '~') */
	size_t *toklen;
};

#define SK_JT_NONE UINT32_MAX /* "missing" */

/*
 * Index `text` (`len` bytes, under 4 GiB) into `t` (zeroed before its first
 * use, reused from page to page). 0, or -1 with `err` (SK_E_DATA):
 * "REASON at byte N" (1-based offset of the offending byte), e.g. "unable
 * to decode byte 0xe9 at byte 812" for invalid UTF-8.
 */
int sk_jt_parse(struct sk_jt *t, const char *text, size_t len, struct sk_err *err);

/* Free what `t` holds. */
void sk_jt_release(struct sk_jt *t);

/* `ptr` (checked by sk_json_ptr_check) into `p`. 0, or -1 with `err` (no memory). */
int sk_jt_ptr_compile(struct sk_jt_ptr *p, const char *ptr, struct sk_err *err);
void sk_jt_ptr_release(struct sk_jt_ptr *p);

/* The node `p` points to from node `at`, or SK_JT_NONE when missing. */
uint32_t sk_jt_get(const struct sk_jt *t, uint32_t at, const struct sk_jt_ptr *p);

/*
 * A string node's value: a pointer into the document when it has no
 * escapes, else into `t`'s scratch buffer (valid until the next call); its
 * length in `*len`. Not NUL-terminated. NULL with `err` on no memory.
 */
const char *sk_jt_str(struct sk_jt *t, uint32_t i, size_t *len, struct sk_err *err);

/* An integer node's value (checked at parse time to fit). */
long long sk_jt_int(const struct sk_jt *t, uint32_t i);

/* A number node's value (integer or real) as a double. */
double sk_jt_num(const struct sk_jt *t, uint32_t i);

/* The type of node `i` as people say it, as sk_json_type_name ("missing"
 * for SK_JT_NONE). */
const char *sk_jt_type_name(const struct sk_jt *t, uint32_t i);

#endif
