/*
 * buf.h: a growable byte buffer with a hard cap (curl dynbuf, git strbuf).
 *
 * The buffer owns `data`, which is always NUL-terminated once anything was
 * added (so it can be used as a C string when it holds text). Growing past
 * `max` fails with SK_E_NOMEM instead of eating memory until the OOM killer
 * comes, so oversized input becomes an error message.
 */
#ifndef SK_BUF_H
#define SK_BUF_H

#include "errors.h"

struct sk_buf {
	char *data;  /* owned; NULL until the first add */
	size_t len;  /* bytes used, not counting the NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* hard cap on len */
};

#define SK_BUF_INIT(maxbytes) {NULL, 0, 0, (maxbytes)}

/* Make room for `extra` more bytes (plus the NUL). 0, or -1 with `err`. */
int sk_buf_grow(struct sk_buf *b, size_t extra, struct sk_err *err);

/* Append `n` bytes. 0, or -1 with `err` (SK_E_NOMEM) at the cap. */
int sk_buf_add(struct sk_buf *b, const void *p, size_t n, struct sk_err *err);

/* Append a NUL-terminated string. */
int sk_buf_adds(struct sk_buf *b, const char *s, struct sk_err *err);

/* Append formatted text. */
int sk_buf_addf(struct sk_buf *b, struct sk_err *err, const char *fmt, ...)
	SK_PRINTF(3, 4);

/* Forget the contents, keep the memory. */
static inline void sk_buf_reset(struct sk_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Free the memory; the buffer can be reused afterwards (empty, same cap). */
void sk_buf_release(struct sk_buf *b);

#endif
