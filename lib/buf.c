#include "base.h"
#include "buf.h"

int sk_buf_grow(struct sk_buf *b, size_t extra, struct sk_err *err)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return sk_err_set(err, SK_E_NOMEM,
				  "buffer would exceed its limit of %zu bytes", b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return sk_err_set(err, SK_E_NOMEM, "out of memory (%zu bytes)", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int sk_buf_add(struct sk_buf *b, const void *p, size_t n, struct sk_err *err)
{
	if (sk_buf_grow(b, n, err) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int sk_buf_adds(struct sk_buf *b, const char *s, struct sk_err *err)
{
	return sk_buf_add(b, s, strlen(s), err);
}

int sk_buf_addf(struct sk_buf *b, struct sk_err *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sk_err_set(err, SK_E_NOMEM, "formatting failed");
	if (sk_buf_grow(b, (size_t)n, err) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void sk_buf_release(struct sk_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
