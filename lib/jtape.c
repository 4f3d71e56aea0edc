/*
 * jtape.c: a strict JSON reader that indexes a document in place (see
 * jtape.h). One recursive pass over the text; the nodes go into one array
 * reused from document to document.
 */
#include "base.h"
#include "jtape.h"
#include "json_path.h"
#include "utf8.h"

#include <math.h>

#define MAX_DEPTH 2048 /* jansson's limit */

struct ps {
	struct sk_jt *t;
	const char *s;
	size_t len, i;
	struct sk_err *err;
};

static int fail(struct ps *p, size_t at, const char *fmt, ...) SK_PRINTF(3, 4);

static int fail(struct ps *p, size_t at, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return sk_err_set(p->err, SK_E_DATA, "%s at byte %zu", why, at + 1);
}

static inline void ws(struct ps *p)
{
	while (p->i < p->len) {
		char c = p->s[p->i];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			break;
		p->i++;
	}
}

static int new_node(struct ps *p, enum sk_jt_type type, uint32_t *out)
{
	struct sk_jt *t = p->t;

	if (t->nn == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct sk_jt_node *n;
		if (cap >= UINT32_MAX)
			return fail(p, p->i, "too many values");
		if (!(n = realloc(t->n, cap * sizeof(*n))))
			return sk_err_set(p->err, SK_E_NOMEM, "out of memory");
		t->n = n;
		t->cap = cap;
	}
	t->n[t->nn] = (struct sk_jt_node){(uint8_t)type, 0, (uint32_t)p->i, 0,
					  (uint32_t)t->nn + 1, 0};
	*out = (uint32_t)t->nn++;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s[i..i+3] (bounds checked by the caller), or -1. */
static long hex4(const char *s)
{
	long v = 0;

	for (int k = 0; k < 4; k++) {
		int h = hexval(s[k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static int parse_string(struct ps *p)
{
	const char *s = p->s;
	size_t j = p->i + 1, len = p->len;
	uint32_t k;
	int esc = 0;

	if (new_node(p, SK_JT_STR, &k) < 0)
		return -1;
	for (;;) {
		unsigned char c;
		/* the common bytes first: printable, not a quote or backslash */
		while (j < len && (c = (unsigned char)s[j]) >= 0x20 && c != '"' && c != '\\')
			j++;
		if (j >= len)
			return fail(p, len, "premature end of input in a string");
		c = (unsigned char)s[j];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, j, "control character 0x%02x in a string", c);
		/* a backslash */
		esc = 1;
		if (j + 1 >= len)
			return fail(p, len, "premature end of input in a string");
		switch (s[j + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			j += 2;
			break;
		case 'u': {
			long u, lo;
			if (j + 6 > len || (u = hex4(s + j + 2)) < 0)
				return fail(p, j, "invalid \\u escape");
			if (u == 0)
				return fail(p, j, "\\u0000 is not allowed in a string");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return fail(p, j, "invalid Unicode '\\u%04lX'", u);
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (j + 12 > len || s[j + 6] != '\\' || s[j + 7] != 'u' ||
				    (lo = hex4(s + j + 8)) < 0xDC00 || lo > 0xDFFF)
					return fail(p, j, "invalid Unicode '\\u%04lX': a lone surrogate", u);
				j += 12;
			} else {
				j += 6;
			}
			break;
		}
		default:
			return fail(p, j, "invalid escape '\\%c'", s[j + 1] >= 0x20 && s[j + 1] < 0x7f
				    ? s[j + 1] : '?');
		}
	}
	p->t->n[k].off = (uint32_t)(p->i + 1);
	p->t->n[k].len = (uint32_t)(j - p->i - 1);
	p->t->n[k].esc = (uint8_t)esc;
	p->i = j + 1;
	return 0;
}

static int parse_number(struct ps *p)
{
	const char *s = p->s;
	size_t i = p->i, len = p->len, start = p->i, digits = 0;
	int real = 0, neg = 0;
	uint32_t k;

	if (s[i] == '-')
		i++, neg = 1;
	if (i < len && s[i] == '0') {
		i++, digits = 1;
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	} else {
		return fail(p, i, "invalid number");
	}
	if (i < len && s[i] == '.') {
		real = 1;
		if (++i >= len || s[i] < '0' || s[i] > '9')
			return fail(p, i, "invalid number: a digit must follow '.'");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		real = 1;
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return fail(p, i, "invalid number: a digit must follow the exponent");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i - start > 1000)
		return fail(p, start, "a number of %zu characters", i - start);
	if (new_node(p, real ? SK_JT_REAL : SK_JT_INT, &k) < 0)
		return -1;
	p->t->n[k].len = (uint32_t)(i - start);
	if (!real && digits >= 19) { /* 18 digits always fit */
		char b[1024];
		char *e;
		memcpy(b, s + start, i - start);
		b[i - start] = '\0';
		errno = 0;
		(void)strtoll(b, &e, 10);
		if (errno == ERANGE)
			return fail(p, start, "too big %sinteger", neg ? "negative " : "");
	} else if (real) {
		if (!isfinite(sk_jt_num(p->t, k)))
			return fail(p, start, "real number overflow");
	}
	p->i = i;
	return 0;
}

static int literal(struct ps *p, const char *word, enum sk_jt_type type)
{
	size_t n = strlen(word);
	uint32_t k;

	if (p->len - p->i < n || memcmp(p->s + p->i, word, n))
		return fail(p, p->i, "invalid token");
	if (new_node(p, type, &k) < 0)
		return -1;
	p->t->n[k].len = (uint32_t)n;
	p->i += n;
	return 0;
}

static int parse_value(struct ps *p, int depth);

static int parse_container(struct ps *p, int depth, int obj)
{
	char close = obj ? '}' : ']';
	uint32_t k, count = 0;

	if (depth > MAX_DEPTH)
		return fail(p, p->i, "maximum parsing depth reached");
	if (new_node(p, obj ? SK_JT_OBJ : SK_JT_ARR, &k) < 0)
		return -1;
	p->i++;
	ws(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
	} else {
		for (;;) {
			ws(p);
			if (obj) {
				if (p->i >= p->len || p->s[p->i] != '"')
					return fail(p, p->i, p->i >= p->len ? "premature end of input"
						    : "string or '}' expected");
				if (parse_string(p) < 0)
					return -1;
				ws(p);
				if (p->i >= p->len || p->s[p->i] != ':')
					return fail(p, p->i, p->i >= p->len ? "premature end of input"
						    : "':' expected");
				p->i++;
			}
			if (parse_value(p, depth + 1) < 0)
				return -1;
			count++;
			ws(p);
			if (p->i >= p->len)
				return fail(p, p->i, "premature end of input");
			if (p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->s[p->i] == close) {
				p->i++;
				break;
			}
			return fail(p, p->i, obj ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	p->t->n[k].count = count;
	p->t->n[k].end = (uint32_t)p->t->nn;
	p->t->n[k].len = (uint32_t)(p->i - p->t->n[k].off);
	return 0;
}

static int parse_value(struct ps *p, int depth)
{
	ws(p);
	if (p->i >= p->len)
		return fail(p, p->i, "premature end of input");
	switch (p->s[p->i]) {
	case '{':
		return parse_container(p, depth, 1);
	case '[':
		return parse_container(p, depth, 0);
	case '"':
		return parse_string(p);
	case 't':
		return literal(p, "true", SK_JT_TRUE);
	case 'f':
		return literal(p, "false", SK_JT_FALSE);
	case 'n':
		return literal(p, "null", SK_JT_NULL);
	default:
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return parse_number(p);
		return fail(p, p->i, "invalid token");
	}
}

int sk_jt_parse(struct sk_jt *t, const char *text, size_t len, struct sk_err *err)
{
	struct ps p = {t, text, len, 0, err};
	size_t ok;

	t->text = text;
	t->len = len;
	t->nn = 0;
	if (len >= UINT32_MAX)
		return sk_err_set(err, SK_E_DATA, "a document over 4 GiB");
	/* JSON text is UTF-8 throughout (RFC 8259 section 8.1) */
	if ((ok = sk_utf8_valid_prefix(text, len)) != len)
		return fail(&p, ok, "unable to decode byte 0x%02x", (unsigned char)text[ok]);
	ws(&p);
	if (p.i >= len || (text[p.i] != '{' && text[p.i] != '['))
		return fail(&p, p.i, "'[' or '{' expected");
	if (parse_value(&p, 1) < 0)
		return -1;
	ws(&p);
	if (p.i != len)
		return fail(&p, p.i, "end of input expected");
	return 0;
}

void sk_jt_release(struct sk_jt *t)
{
	free(t->n);
	sk_buf_release(&t->scratch);
	memset(t, 0, sizeof(*t));
}

static void put_utf8(char **o, unsigned long cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80) {
		*u++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*u++ = (unsigned char)(0xC0 | (cp >> 6));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xE0 | (cp >> 12));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*u++ = (unsigned char)(0xF0 | (cp >> 18));
		*u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*u++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*o = (char *)u;
}

/* Decode a checked string's `len` raw bytes at `s` into `out` (room for
 * `len` bytes: decoding never grows). The decoded length. */
static size_t decode(const char *s, size_t len, char *out)
{
	char *o = out;

	for (size_t i = 0; i < len;) {
		if (s[i] != '\\') {
			*o++ = s[i++];
			continue;
		}
		switch (s[i + 1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned long u = (unsigned long)hex4(s + i + 2);
			if (u >= 0xD800 && u <= 0xDBFF) {
				unsigned long lo = (unsigned long)hex4(s + i + 8);
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
			put_utf8(&o, u);
			i += 6;
			continue;
		}
		default: *o++ = s[i + 1]; break; /* " \ / */
		}
		i += 2;
	}
	return (size_t)(o - out);
}

const char *sk_jt_str(struct sk_jt *t, uint32_t i, size_t *len, struct sk_err *err)
{
	const struct sk_jt_node *n = &t->n[i];

	if (!n->esc) {
		*len = n->len;
		return t->text + n->off;
	}
	sk_buf_reset(&t->scratch);
	if (!t->scratch.max)
		t->scratch = (struct sk_buf)SK_BUF_INIT(1u << 30);
	if (sk_buf_grow(&t->scratch, (size_t)n->len + 1, err) < 0)
		return NULL;
	*len = decode(t->text + n->off, n->len, t->scratch.data);
	return t->scratch.data;
}

long long sk_jt_int(const struct sk_jt *t, uint32_t i)
{
	const char *s = t->text + t->n[i].off, *e = s + t->n[i].len;
	long long v = 0;
	int neg = *s == '-';

	/* accumulated negative: LLONG_MIN fits (checked at parse time) */
	for (s += neg; s < e; s++)
		v = v * 10 - (*s - '0');
	return neg ? v : -v;
}

double sk_jt_num(const struct sk_jt *t, uint32_t i)
{
	char b[1024];
	size_t n = t->n[i].len < sizeof(b) ? t->n[i].len : sizeof(b) - 1;

	memcpy(b, t->text + t->n[i].off, n);
	b[n] = '\0';
	return strtod(b, NULL);
}

int sk_jt_ptr_compile(struct sk_jt_ptr *p, const char *ptr, struct sk_err *err)
{
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	for (const char *c = ptr; *c; c++)
		n += *c == '/';
	p->tok = calloc(n ? n : 1, sizeof(*p->tok));
	p->toklen = calloc(n ? n : 1, sizeof(*p->toklen));
	if (!p->tok || !p->toklen) {
		sk_jt_ptr_release(p);
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	}
	for (const char *c = ptr; *c == '/';) {
		const char *s = c + 1, *e = strchr(s, '/');
		char *o;
		if (!e)
			e = s + strlen(s);
		if (!(o = p->tok[p->ntok] = malloc((size_t)(e - s) + 1))) {
			sk_jt_ptr_release(p);
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		}
		for (; s < e; s++) {
			if (*s == '~' && s + 1 < e && (s[1] == '0' || s[1] == '1')) {
				*o++ = s[1] == '1' ? '/' : '~';
				s++;
			} else {
				*o++ = *s;
			}
		}
		*o = '\0';
		p->toklen[p->ntok] = (size_t)(o - p->tok[p->ntok]);
		p->ntok++;
		c = e;
	}
	return 0;
}

void sk_jt_ptr_release(struct sk_jt_ptr *p)
{
	for (size_t i = 0; p->tok && i < p->ntok; i++)
		free(p->tok[i]);
	free(p->tok);
	free(p->toklen);
	memset(p, 0, sizeof(*p));
}

/* Whether the key node `k` is the `n` bytes `tok`. */
static int key_is(const struct sk_jt *t, uint32_t k, const char *tok, size_t n)
{
	const struct sk_jt_node *kn = &t->n[k];
	char small[256], *b;
	size_t dl;
	int eq;

	if (!kn->esc)
		return kn->len == n && !memcmp(t->text + kn->off, tok, n);
	if (kn->len < n) /* decoding never grows */
		return 0;
	b = kn->len <= sizeof(small) ? small : malloc(kn->len);
	if (!b)
		return 0;
	dl = decode(t->text + kn->off, kn->len, b);
	eq = dl == n && !memcmp(b, tok, n);
	if (b != small)
		free(b);
	return eq;
}

uint32_t sk_jt_get(const struct sk_jt *t, uint32_t at, const struct sk_jt_ptr *p)
{
	uint32_t cur = at;

	for (size_t k = 0; k < p->ntok && cur != SK_JT_NONE; k++) {
		const struct sk_jt_node *n = &t->n[cur];
		uint32_t i = cur + 1, found = SK_JT_NONE;
		size_t idx;

		if (n->type == SK_JT_OBJ) {
			/* every member: the last of a name counts, as in jansson */
			const char *tok = p->tok[k];
			size_t tl = p->toklen[k];
			for (uint32_t m = 0; m < n->count; m++) {
				const struct sk_jt_node *kn = &t->n[i];
				/* the length first: most names differ there */
				if (kn->esc ? key_is(t, i, tok, tl)
					    : kn->len == tl && !memcmp(t->text + kn->off, tok, tl))
					found = i + 1;
				i = t->n[i + 1].end;
			}
		} else if (n->type == SK_JT_ARR && sk_json_ptr_index(p->tok[k], p->toklen[k], &idx) == 0 &&
			   idx < n->count) {
			for (size_t m = 0; m < idx; m++)
				i = t->n[i].end;
			found = i;
		}
		cur = found;
	}
	return cur;
}

const char *sk_jt_type_name(const struct sk_jt *t, uint32_t i)
{
	if (i == SK_JT_NONE)
		return "missing";
	switch ((enum sk_jt_type)t->n[i].type) {
	case SK_JT_OBJ:
		return "an object";
	case SK_JT_ARR:
		return "an array";
	case SK_JT_STR:
		return "a string";
	case SK_JT_INT:
		return "an integer";
	case SK_JT_REAL:
		return "a number";
	case SK_JT_TRUE:
		return "true";
	case SK_JT_FALSE:
		return "false";
	case SK_JT_NULL:
		return "null";
	}
	return "unknown";
}
