#include "base.h"
#include "utf8.h"
#include "smtp.h"
#include "http.h"
#include "sha256.h"
#include "sig.h"
#include "step.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

/* RFC 5322 2.1.1: a line MUST NOT pass 998 bytes and SHOULD stay under 78. */
#define LINE_MAX_BYTES 998
#define LINE_SOFT 78
/* Bytes of UTF-8 per encoded-word: base64 of 45 bytes is 60 characters,
 * plus "=?UTF-8?B?" and "?=" makes 72, under RFC 2047's 75. */
#define EW_CHUNK 45

/* ---- addresses ---------------------------------------------------------- */

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 atext: what a dot-atom local part may hold besides '.'. */
static int is_atext(int c)
{
	return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int has_ctl(const char *s, size_t len, int *line_break)
{
	*line_break = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r' || c == '\n')
			*line_break = 1;
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

static int valid_utf8(const char *s, size_t len)
{
	for (size_t i = 0, n; i < len; i += n)
		if (!(n = sk_utf8_seq_len((const unsigned char *)s + i, len - i)))
			return 0;
	return 1;
}

static int check_addr_spec(const char *a, const char *what, struct sk_err *err)
{
	const char *at = strchr(a, '@'), *dom;
	size_t llen, dlen;

	if (!at || strchr(at + 1, '@'))
		return sk_err_set(err, SK_E_USAGE, "%s: '%s': an address needs exactly one '@'",
				  what, a);
	llen = (size_t)(at - a);
	dom = at + 1;
	dlen = strlen(dom);
	if (llen == 0 || llen > 64 || a[0] == '.' || at[-1] == '.')
		return sk_err_set(err, SK_E_USAGE, "%s: '%s': bad local part", what, a);
	for (size_t i = 0; i < llen; i++)
		if (!(is_atext((unsigned char)a[i]) || (a[i] == '.' && a[i + 1] != '.')))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: '%s': character '%c' not allowed in the local part",
					  what, a, a[i]);
	if (dlen == 0 || dlen > 253 || dom[0] == '.' || dom[0] == '-' || dom[dlen - 1] == '.' ||
	    dom[dlen - 1] == '-')
		return sk_err_set(err, SK_E_USAGE, "%s: '%s': bad domain", what, a);
	for (size_t i = 0; i < dlen; i++)
		if (!(is_alnum((unsigned char)dom[i]) || dom[i] == '-' ||
		      (dom[i] == '.' && dom[i + 1] != '.')))
			return sk_err_set(err, SK_E_USAGE, "%s: '%s': bad domain", what, a);
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

int sk_mail_addr_parse(struct sk_mail_addr *a, const char *s, size_t len, const char *what,
		       struct sk_err *err)
{
	const char *name = NULL, *addr = s;
	size_t nlen = 0, alen;
	int lb;

	memset(a, 0, sizeof(*a));
	trim(&s, &len);
	addr = s;
	alen = len;
	if (has_ctl(s, len, &lb))
		return sk_err_set(err, SK_E_USAGE, "%s: an address contains %s", what,
				  lb ? "a line break" : "a control character");
	if (len == 0)
		return sk_err_set(err, SK_E_USAGE, "%s: empty address", what);
	if (s[len - 1] == '>') {
		const char *lt = NULL;
		for (size_t i = 0; i < len; i++)
			if (s[i] == '<')
				lt = s + i;
		if (!lt)
			return sk_err_set(err, SK_E_USAGE, "%s: '%.*s': '>' without '<'", what,
					  (int)len, s);
		name = s;
		nlen = (size_t)(lt - s);
		trim(&name, &nlen);
		if (nlen >= 2 && name[0] == '"' && name[nlen - 1] == '"') {
			name++;
			nlen -= 2;
		}
		addr = lt + 1;
		alen = (size_t)(s + len - 1 - addr);
	}
	for (size_t i = 0; i < nlen; i++)
		if (strchr("\"\\<>", name[i]))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: '%.*s': character '%c' not allowed in a display name",
					  what, (int)len, s, name[i]);
	if (nlen >= sizeof(a->name) || !valid_utf8(name ? name : "", nlen))
		return sk_err_set(err, SK_E_USAGE, "%s: '%.*s': display name too long or not UTF-8",
				  what, (int)len, s);
	if (alen >= sizeof(a->addr) || memchr(addr, '<', alen) || memchr(addr, '>', alen) ||
	    memchr(addr, ' ', alen))
		return sk_err_set(err, SK_E_USAGE, "%s: '%.*s': not an address (want local@domain)",
				  what, (int)len, s);
	memcpy(a->addr, addr, alen);
	a->addr[alen] = '\0';
	if (nlen)
		memcpy(a->name, name, nlen);
	a->name[nlen] = '\0';
	return check_addr_spec(a->addr, what, err);
}

int sk_mail_addrs_parse(struct sk_mail_addrs *l, const char *list, const char *what,
			struct sk_err *err)
{
	const char *p = list;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *item = p;
		size_t ilen = len;

		trim(&item, &ilen);
		if (ilen > 0) {
			if (l->n == SK_MAIL_MAX_RCPT)
				return sk_err_set(err, SK_E_USAGE, "%s: more than %d addresses",
						  what, SK_MAIL_MAX_RCPT);
			if (sk_mail_addr_parse(&l->v[l->n], item, ilen, what, err) < 0)
				return -1;
			l->n++;
		}
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* ---- message ------------------------------------------------------------ */

int sk_mail_new_id(const char *from_addr, char id[SK_MAIL_ID_MAX], char boundary[80],
		   struct sk_err *err)
{
	unsigned char r[16];
	char hex[33];
	const char *at = strrchr(from_addr, '@');
	const char *dom = at && at[1] ? at + 1 : "localhost";
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sk_err_set(err, SK_E_IO, "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	if (snprintf(id, SK_MAIL_ID_MAX, "<%s@%s>", hex, dom) >= SK_MAIL_ID_MAX)
		return sk_err_set(err, SK_E_USAGE, "message id too long");
	snprintf(boundary, 80, "=_stepkit_%s", hex);
	return 0;
}

void sk_mail_date(time_t t, char out[40])
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	/* English names and +0000 by hand: strftime would follow the locale */
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, 40, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Base64 of `len` bytes of `p` as one run of characters (no line breaks). */
static int add_b64(struct sk_buf *out, const void *p, size_t len, struct sk_err *err)
{
	unsigned char chunk[4 * (EW_CHUNK / 3) + 8];

	for (size_t i = 0; i < len; i += EW_CHUNK) {
		size_t n = len - i < EW_CHUNK ? len - i : EW_CHUNK;
		int w = EVP_EncodeBlock(chunk, (const unsigned char *)p + i, (int)n);
		if (sk_buf_add(out, chunk, (size_t)w, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * `s` as encoded-words, each holding whole UTF-8 characters, separated by
 * CRLF SP (decoders drop the white space between adjacent encoded-words, so
 * the text comes back exactly).
 */
static int add_encoded_words(struct sk_buf *out, const char *s, size_t len, struct sk_err *err)
{
	size_t i = 0;

	while (i < len) {
		size_t n = 0, c;
		while (i + n < len) {
			c = sk_utf8_seq_len((const unsigned char *)s + i + n, len - i - n);
			if (c == 0)
				c = 1; /* not UTF-8: carried byte by byte, still no CR/LF */
			if (n + c > EW_CHUNK)
				break;
			n += c;
		}
		if ((i > 0 && sk_buf_adds(out, "\r\n ", err) < 0) ||
		    sk_buf_adds(out, "=?UTF-8?B?", err) < 0 || add_b64(out, s + i, n, err) < 0 ||
		    sk_buf_adds(out, "?=", err) < 0)
			return -1;
		i += n;
	}
	return 0;
}

/* Printable ASCII without control characters: can go into a header as is. */
static int plain_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int sk_mail_header_text(struct sk_buf *out, const char *name, const char *s,
			struct sk_err *err)
{
	char *v = strdup(s ? s : "");
	size_t len, col, start, longest = 0, run = 0;
	int ret = -1;

	if (!v)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	len = strlen(v);
	/* a CR or LF here would start a new header: they become spaces */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			v[i] = ' ';
	for (size_t i = 0; i < len; i++) {
		run = v[i] == ' ' ? 0 : run + 1;
		if (run > longest)
			longest = run;
	}
	if (sk_buf_addf(out, err, "%s: ", name) < 0)
		goto out;
	col = strlen(name) + 2;
	/* encoded-words for anything a reader could not take literally: 8-bit
	 * bytes, text that looks like an encoded-word, a word too long to fold */
	if (!plain_ascii(v, len) || strstr(v, "=?") || col + longest > LINE_MAX_BYTES - 2) {
		if (add_encoded_words(out, v, len, err) < 0)
			goto out;
	} else {
		/* fold before a space when a line would pass 78 characters */
		start = 0;
		while (len - start + col > LINE_SOFT) {
			size_t cut = 0;
			for (size_t i = start + 1; i < len && i - start + col <= LINE_SOFT; i++)
				if (v[i] == ' ')
					cut = i;
			if (!cut) /* first word longer than the line: next space */
				for (size_t i = start + 1; i < len && !cut; i++)
					if (v[i] == ' ')
						cut = i;
			if (!cut)
				break;
			if (sk_buf_add(out, v + start, cut - start, err) < 0 ||
			    sk_buf_adds(out, "\r\n", err) < 0)
				goto out;
			start = cut;
			col = 0;
		}
		if (sk_buf_add(out, v + start, len - start, err) < 0)
			goto out;
	}
	if (sk_buf_adds(out, "\r\n", err) < 0)
		goto out;
	ret = 0;
out:
	free(v);
	return ret;
}

/* "Name <addr>" for a header: the name quoted, or encoded when not ASCII. */
static int add_addr(struct sk_buf *out, const struct sk_mail_addr *a, struct sk_err *err)
{
	size_t nlen = strlen(a->name);

	if (nlen == 0)
		return sk_buf_adds(out, a->addr, err);
	if (plain_ascii(a->name, nlen) && !strstr(a->name, "=?")) {
		if (sk_buf_addf(out, err, "\"%s\"", a->name) < 0)
			return -1;
	} else if (add_encoded_words(out, a->name, nlen, err) < 0) {
		return -1;
	}
	return sk_buf_addf(out, err, " <%s>", a->addr);
}

/* "To: a, b,\r\n c\r\n": one address per line once the line gets long. */
static int add_addr_header(struct sk_buf *out, const char *name,
			   const struct sk_mail_addr *v, size_t n, struct sk_err *err)
{
	size_t line_start;

	if (sk_buf_addf(out, err, "%s: ", name) < 0)
		return -1;
	line_start = out->len - strlen(name) - 2;
	for (size_t i = 0; i < n; i++) {
		size_t before = out->len;
		if (i > 0 && sk_buf_adds(out, ", ", err) < 0)
			return -1;
		if (add_addr(out, &v[i], err) < 0)
			return -1;
		if (i > 0 && out->len - line_start > LINE_SOFT) {
			/* redo this address on a continuation line */
			out->len = before;
			out->data[out->len] = '\0';
			if (sk_buf_adds(out, ",\r\n ", err) < 0)
				return -1;
			line_start = out->len - 1;
			if (add_addr(out, &v[i], err) < 0)
				return -1;
		}
	}
	return sk_buf_adds(out, "\r\n", err);
}

/* 7bit is enough: ASCII, no stray control characters, no line over 998. */
static int body_is_7bit(const char *b)
{
	size_t line = 0;

	for (const unsigned char *p = (const unsigned char *)b; *p; p++) {
		if (*p == '\n') {
			line = 0;
			continue;
		}
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p >= 0x80 || (*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
		if (++line > LINE_MAX_BYTES)
			return 0;
	}
	return 1;
}

static int add_body_7bit(struct sk_buf *out, const char *b, struct sk_err *err)
{
	size_t len = strlen(b);
	const char *p = b;

	while (p < b + len) {
		const char *nl = memchr(p, '\n', (size_t)(b + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(b + len - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (sk_buf_add(out, p, n, err) < 0 || sk_buf_adds(out, "\r\n", err) < 0)
			return -1;
		p = nl ? nl + 1 : b + len;
	}
	return 0;
}

/* Quoted-printable (RFC 2045 6.7), lines of at most 76 characters. */
static int add_body_qp(struct sk_buf *out, const char *b, struct sk_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(b);
	const unsigned char *p = (const unsigned char *)b, *end = p + len;

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), col = 0;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++) {
			char tok[3];
			size_t tl;
			unsigned char c = p[i];
			int last = i + 1 == n;
			if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
				tok[0] = (char)c;
				tl = 1;
			} else {
				tok[0] = '=';
				tok[1] = hex[c >> 4];
				tok[2] = hex[c & 15];
				tl = 3;
			}
			/* a soft break keeps room for the "=" at the end of the line */
			if (col + tl > 75) {
				if (sk_buf_adds(out, "=\r\n", err) < 0)
					return -1;
				col = 0;
			}
			if (sk_buf_add(out, tok, tl, err) < 0)
				return -1;
			col += tl;
		}
		if (sk_buf_adds(out, "\r\n", err) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int add_typed_part(struct sk_buf *out, const char *subtype, const char *body,
			  struct sk_err *err)
{
	int seven = body_is_7bit(body);

	if (sk_buf_addf(out, err,
			"Content-Type: text/%s; charset=UTF-8\r\n"
			"Content-Transfer-Encoding: %s\r\n\r\n",
			subtype, seven ? "7bit" : "quoted-printable") < 0)
		return -1;
	return seven ? add_body_7bit(out, body, err) : add_body_qp(out, body, err);
}

/*
 * The text, or with an HTML alternative a multipart/alternative of both
 * (plain first: RFC 2046 orders them by increasing preference). Its
 * boundary is "=_alt" before the message's: neither delimiter line is a
 * prefix of the other, and "=_" occurs in no encoded body.
 */
static int add_text_part(struct sk_buf *out, const struct sk_mail *m, struct sk_err *err)
{
	const char *body = m->body ? m->body : "";

	if (!m->html)
		return add_typed_part(out, "plain", body, err);
	if (sk_buf_addf(out, err,
			"Content-Type: multipart/alternative; boundary=\"=_alt%s\"\r\n\r\n"
			"--=_alt%s\r\n",
			m->boundary, m->boundary) < 0 ||
	    add_typed_part(out, "plain", body, err) < 0 ||
	    sk_buf_addf(out, err, "--=_alt%s\r\n", m->boundary) < 0 ||
	    add_typed_part(out, "html", m->html, err) < 0 ||
	    sk_buf_addf(out, err, "--=_alt%s--\r\n", m->boundary) < 0)
		return -1;
	return 0;
}

/* A file name parameter: quoted when plain ASCII, RFC 2231 otherwise. */
static int add_filename_params(struct sk_buf *out, const char *name, struct sk_err *err)
{
	size_t len = strlen(name);

	if (plain_ascii(name, len) && !strpbrk(name, "\"\\") && len <= 200)
		return sk_buf_addf(out, err, "; filename=\"%s\"", name);
	if (sk_buf_adds(out, "; filename*=UTF-8''", err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (is_alnum(c) || strchr("!#$&+-.^_`|~", c)) {
			if (sk_buf_add(out, &name[i], 1, err) < 0)
				return -1;
		} else if (sk_buf_addf(out, err, "%%%02X", c) < 0) {
			return -1;
		}
	}
	return 0;
}

static int add_attachment_head(struct sk_buf *out, const struct sk_mail_part *pt,
			       struct sk_err *err)
{
	size_t len = strlen(pt->name);

	if (sk_buf_addf(out, err, "Content-Type: %s", pt->content_type) < 0)
		return -1;
	if (plain_ascii(pt->name, len) && !strpbrk(pt->name, "\"\\") && len <= 200 &&
	    sk_buf_addf(out, err, "; name=\"%s\"", pt->name) < 0)
		return -1;
	if (sk_buf_adds(out, "\r\nContent-Disposition: attachment", err) < 0 ||
	    add_filename_params(out, pt->name, err) < 0 ||
	    sk_buf_adds(out, "\r\nContent-Transfer-Encoding: base64\r\n\r\n", err) < 0)
		return -1;
	return 0;
}

/* ---- the message, read piece by piece ----------------------------------- */

/* 57 bytes make one 76-character base64 line (RFC 2045 6.8), 78 with CRLF. */
#define B64_IN 57
#define B64_LINE 78
#define CHUNK_LINES 1024
/* Headers, text and part headers: the text body is capped well below. */
#define TEXT_MAX (16u << 20)

struct seg {
	size_t off, len;                 /* text: bytes of msg->text */
	const struct sk_mail_part *part; /* NULL: text; else the part, base64-encoded */
};

struct sk_mail_msg {
	struct sk_buf text;
	struct seg *seg;
	size_t nseg;
	unsigned long long size;
	/* where the reader is: a segment, bytes of it consumed (of the text,
	 * or of the part's source), and encoded bytes not yet handed out */
	size_t cur;
	unsigned long long off;
	size_t enc_len, enc_pos;
	struct sk_sha256 *h; /* of the part being read, when it has a sha256 */
	unsigned char raw[B64_IN * CHUNK_LINES];
	unsigned char enc[B64_LINE * CHUNK_LINES + 4];
};

static unsigned long long b64_size(unsigned long long n)
{
	unsigned long long rest = n % B64_IN;

	return n / B64_IN * B64_LINE + (rest ? (rest + 2) / 3 * 4 + 2 : 0);
}

static int end_text(struct sk_mail_msg *msg, size_t *mark)
{
	msg->seg[msg->nseg++] = (struct seg){*mark, msg->text.len - *mark, NULL};
	*mark = msg->text.len;
	return 0;
}

struct sk_mail_msg *sk_mail_msg_open(const struct sk_mail *m, struct sk_err *err)
{
	struct sk_mail_msg *msg = calloc(1, sizeof(*msg));
	struct sk_buf *out;
	char date[40];
	size_t mark = 0;

	if (!msg || !(msg->seg = calloc(2 * m->nparts + 2, sizeof(*msg->seg)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	msg->text = (struct sk_buf)SK_BUF_INIT(TEXT_MAX);
	out = &msg->text;
	if (!m->from || !m->message_id || ((m->nparts || m->html) && !m->boundary)) {
		sk_err_set(err, SK_E_USAGE, "mail: sender, message id or boundary missing");
		goto fail;
	}
	sk_mail_date(m->date, date);
	if (sk_buf_addf(out, err, "Date: %s\r\nFrom: ", date) < 0 || add_addr(out, m->from, err) < 0 ||
	    sk_buf_adds(out, "\r\n", err) < 0)
		goto fail;
	if (m->to && m->to->n && add_addr_header(out, "To", m->to->v, m->to->n, err) < 0)
		goto fail;
	if (m->cc && m->cc->n && add_addr_header(out, "Cc", m->cc->v, m->cc->n, err) < 0)
		goto fail;
	if (sk_mail_header_text(out, "Subject", m->subject, err) < 0)
		goto fail;
	/* Auto-Submitted (RFC 3834) keeps vacation responders from answering */
	if (sk_buf_addf(out, err,
			"Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n",
			m->message_id) < 0)
		goto fail;
	if (m->nparts == 0) {
		if (add_text_part(out, m, err) < 0)
			goto fail;
	} else {
		if (sk_buf_addf(out, err,
				"Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
				"This is a multi-part message in MIME format.\r\n\r\n--%s\r\n",
				m->boundary, m->boundary) < 0 ||
		    add_text_part(out, m, err) < 0)
			goto fail;
		for (size_t i = 0; i < m->nparts; i++) {
			if (sk_buf_addf(out, err, "--%s\r\n", m->boundary) < 0 ||
			    add_attachment_head(out, &m->parts[i], err) < 0)
				goto fail;
			end_text(msg, &mark);
			msg->seg[msg->nseg++] = (struct seg){0, 0, &m->parts[i]};
			msg->size += b64_size(m->parts[i].len);
		}
		if (sk_buf_addf(out, err, "--%s--\r\n", m->boundary) < 0)
			goto fail;
	}
	end_text(msg, &mark);
	msg->size += msg->text.len;
	return msg;
fail:
	sk_mail_msg_close(msg);
	return NULL;
}

unsigned long long sk_mail_msg_size(const struct sk_mail_msg *msg)
{
	return msg->size;
}

void sk_mail_msg_rewind(struct sk_mail_msg *msg)
{
	msg->cur = 0;
	msg->off = 0;
	msg->enc_len = msg->enc_pos = 0;
	sk_sha256_close(msg->h);
	msg->h = NULL;
}

void sk_mail_msg_close(struct sk_mail_msg *msg)
{
	if (!msg)
		return;
	sk_sha256_close(msg->h);
	sk_buf_release(&msg->text);
	free(msg->seg);
	free(msg);
}

static int part_changed(const struct sk_mail_part *pt, struct sk_err *err)
{
	return sk_err_set(err, SK_E_IO,
			  "attachment '%s': the file changed while it was being sent (its size or "
			  "sha256 is no longer the one the message lists): run notify again once "
			  "the file is complete",
			  pt->name);
}

/* Encode the next chunk of the part into msg->enc; at its end, check its sha256. */
static int refill(struct sk_mail_msg *msg, const struct sk_mail_part *pt, struct sk_err *err)
{
	unsigned long long left = pt->len - msg->off;
	size_t n = left < sizeof(msg->raw) ? (size_t)left : sizeof(msg->raw), got = 0, o = 0;

	if (msg->off == 0 && pt->sha256 && !msg->h && !(msg->h = sk_sha256_open(err)))
		return -1;
	if (pt->data) {
		memcpy(msg->raw, (const unsigned char *)pt->data + msg->off, n);
		got = n;
	}
	while (got < n) {
		ssize_t r = pread(pt->fd, msg->raw + got, n - got, (off_t)(msg->off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_err_set(err, SK_E_IO, "attachment '%s': read: %s", pt->name,
					  strerror(errno));
		if (r == 0)
			return part_changed(pt, err); /* shrank */
		got += (size_t)r;
	}
	if (msg->h)
		sk_sha256_update(msg->h, msg->raw, n);
	for (size_t i = 0; i < n; i += B64_IN) {
		size_t k = n - i < B64_IN ? n - i : B64_IN;
		o += (size_t)EVP_EncodeBlock(msg->enc + o, msg->raw + i, (int)k);
		msg->enc[o++] = '\r';
		msg->enc[o++] = '\n';
	}
	msg->off += n;
	msg->enc_len = o;
	msg->enc_pos = 0;
	return 0;
}

static int part_done(struct sk_mail_msg *msg, const struct sk_mail_part *pt, struct sk_err *err)
{
	char hex[SK_SHA256_HEX_LEN + 1];

	if (msg->h || (pt->sha256 && pt->len == 0)) {
		if (!msg->h && !(msg->h = sk_sha256_open(err)))
			return -1;
		sk_sha256_hex(msg->h, hex);
		sk_sha256_close(msg->h);
		msg->h = NULL;
		if (strcmp(hex, pt->sha256) != 0)
			return part_changed(pt, err);
	}
	msg->cur++;
	msg->off = 0;
	return 0;
}

long sk_mail_msg_read(struct sk_mail_msg *msg, char *buf, size_t n, struct sk_err *err)
{
	size_t got = 0;

	while (got < n && msg->cur < msg->nseg) {
		const struct seg *s = &msg->seg[msg->cur];
		size_t take;

		if (!s->part) {
			take = s->len - (size_t)msg->off < n - got ? s->len - (size_t)msg->off : n - got;
			memcpy(buf + got, msg->text.data + s->off + msg->off, take);
			got += take;
			msg->off += take;
			if (msg->off == s->len) {
				msg->cur++;
				msg->off = 0;
			}
			continue;
		}
		if (msg->enc_pos == msg->enc_len) {
			if (msg->off == s->part->len) {
				if (part_done(msg, s->part, err) < 0)
					return -1;
				continue;
			}
			if (refill(msg, s->part, err) < 0)
				return -1;
		}
		take = msg->enc_len - msg->enc_pos < n - got ? msg->enc_len - msg->enc_pos : n - got;
		memcpy(buf + got, msg->enc + msg->enc_pos, take);
		msg->enc_pos += take;
		got += take;
	}
	return (long)got;
}

int sk_mail_build(const struct sk_mail *m, struct sk_buf *out, struct sk_err *err)
{
	struct sk_mail_msg *msg = sk_mail_msg_open(m, err);
	char chunk[16384];
	long n;
	int ret = -1;

	if (!msg)
		return -1;
	while ((n = sk_mail_msg_read(msg, chunk, sizeof(chunk), err)) > 0)
		if (sk_buf_add(out, chunk, (size_t)n, err) < 0)
			goto out;
	if (n == 0)
		ret = 0;
out:
	sk_mail_msg_close(msg);
	return ret;
}

/* ---- transport ---------------------------------------------------------- */

/* What the debug callback saw of the SMTP dialogue (never a secret). */
struct trace {
	char last_reply[200]; /* the server's last reply line */
	int starttls;         /* we sent STARTTLS */
	int auth;             /* we sent AUTH */
	int quit;             /* we sent QUIT: later replies explain nothing */
	/* sk_smtp_send: the recipients, the one whose RCPT TO awaits its
	 * reply (-1: none), and the refused ones */
	const char *const *rcpt;
	size_t nrcpt;
	long pending;
	struct sk_smtp_result *res;
};

/* "RCPT TO:<addr>" just sent: remember which recipient awaits a reply. */
static void rcpt_sent(struct trace *t, const char *data, size_t size)
{
	const char *a = data + 9, *end = memchr(data, '>', size);

	t->pending = -1;
	if (!end || size < 10 || data[8] != '<')
		return;
	for (size_t i = 0; i < t->nrcpt; i++)
		if (strlen(t->rcpt[i]) == (size_t)(end - a) && !memcmp(t->rcpt[i], a, (size_t)(end - a)))
			t->pending = (long)i;
}

/* The reply to a RCPT TO: a refusal is recorded with its line. */
static void rcpt_reply(struct trace *t, const char *data, size_t size)
{
	struct sk_smtp_refusal *r;
	size_t n = size;
	int code;

	if (size < 4 || data[3] == '-')
		return; /* a multi-line reply goes on */
	code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
	if (code >= 300 && t->res && t->res->nrefused < SK_MAIL_MAX_RCPT) {
		r = &t->res->refused[t->res->nrefused++];
		r->index = (size_t)t->pending;
		r->code = code;
		while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
			n--;
		if (n >= sizeof(r->reply))
			n = sizeof(r->reply) - 1;
		memcpy(r->reply, data, n);
		r->reply[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)r->reply[i] < 0x20 || r->reply[i] == 0x7f)
				r->reply[i] = ' ';
	}
	t->pending = -1;
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct trace *t = ud;
	size_t start = 0, end;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		/* only the verb is looked at: the AUTH line carries the password */
		if (size >= 8 && !strncmp(data, "STARTTLS", 8))
			t->starttls = 1;
		if (size >= 5 && !strncmp(data, "AUTH ", 5))
			t->auth = 1;
		if (size >= 4 && !strncmp(data, "QUIT", 4))
			t->quit = 1;
		if (size >= 8 && !strncmp(data, "RCPT TO:", 8))
			rcpt_sent(t, data, size);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN || t->quit)
		return 0;
	if (t->pending >= 0)
		rcpt_reply(t, data, size);
	/* keep the last non-empty line of the reply */
	end = size;
	while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n'))
		end--;
	for (size_t i = 0; i < end; i++)
		if (data[i] == '\n')
			start = i + 1;
	if (end > start) {
		size_t n = end - start < sizeof(t->last_reply) - 1 ? end - start
								     : sizeof(t->last_reply) - 1;
		memcpy(t->last_reply, data + start, n);
		t->last_reply[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)t->last_reply[i] < 0x20 || t->last_reply[i] == 0x7f)
				t->last_reply[i] = ' ';
	}
	return 0;
}

static int xfer_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return sk_interrupted() ? 1 : 0;
}

/* "scheme://host:port" of the URL, for messages. */
static void url_label(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;

	snprintf(out, outsz, "(bad url)");
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, outsz, "%s://%s:%s", scheme, host, port);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* "SMTP_TLS=none" or "--smtp-tls none", as the user gave it, for messages. */
static const char *tls_none(void)
{
	return strcmp(sk_opt_given_as("SMTP_TLS"), "SMTP_TLS") ? "--smtp-tls none" : "SMTP_TLS=none";
}

int sk_smtp_cfg_check(const struct sk_smtp_cfg *c, struct sk_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	int ret = -1;

	if (!u) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (!c->url || !*c->url) {
		sk_err_set(err, SK_E_USAGE, "SMTP_URL is not set");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		/* not echoed: a malformed URL may still hold a password */
		sk_err_set(err, SK_E_USAGE,
			   "%s does not parse: want smtp://HOST[:PORT] or smtps://HOST[:PORT]",
			   sk_opt_given_as("SMTP_URL"));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		sk_err_set(err, SK_E_USAGE,
			   "%s must not hold credentials: use SMTP_USER and SMTP_PASSWORD "
			   "(or SMTP_PASSWORD_FILE)", sk_opt_given_as("SMTP_URL"));
		goto out;
	}
	if (strcmp(scheme, "smtp") && strcmp(scheme, "smtps")) {
		sk_err_set(err, SK_E_USAGE, "%s '%s': scheme must be smtp or smtps",
			   sk_opt_given_as("SMTP_URL"), c->url);
		goto out;
	}
	if (c->tls_none && !strcmp(scheme, "smtps")) {
		sk_err_set(err, SK_E_USAGE, "%s contradicts smtps:// (implicit TLS)", tls_none());
		goto out;
	}
	if (c->password && !c->user) {
		sk_err_set(err, SK_E_USAGE, "SMTP_PASSWORD is set but SMTP_USER is not");
		goto out;
	}
	if (c->user && !c->password) {
		sk_err_set(err, SK_E_USAGE, "%s is set but neither SMTP_PASSWORD nor SMTP_PASSWORD_FILE",
			   sk_opt_given_as("SMTP_USER"));
		goto out;
	}
	if (c->password && c->tls_none) {
		sk_err_set(err, SK_E_USAGE,
			   "%s: refusing to send the password without TLS "
			   "(drop %s or the credentials)", tls_none(), tls_none());
		goto out;
	}
	if (c->ca_file && access(c->ca_file, R_OK) < 0) {
		sk_err_set(err, SK_E_USAGE, "%s '%s': %s", sk_opt_given_as("SMTP_CA_FILE"), c->ca_file,
			   strerror(errno));
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return ret;
}

static int setup(CURL *h, const struct sk_smtp_cfg *c, char *errbuf, struct trace *t)
{
	CURLcode rc = CURLE_OK;

	errbuf[0] = '\0';
#define SET(opt, val) \
	if (rc == CURLE_OK) \
	rc = curl_easy_setopt(h, opt, val)
	SET(CURLOPT_URL, c->url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS required unless explicitly turned off for a local relay */
	SET(CURLOPT_USE_SSL, c->tls_none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file)
		SET(CURLOPT_CAINFO, c->ca_file);
	if (c->user) {
		SET(CURLOPT_USERNAME, c->user);
		SET(CURLOPT_PASSWORD, c->password);
	}
	SET(CURLOPT_CONNECTTIMEOUT, c->connect_timeout > 0 ? c->connect_timeout : 20L);
	SET(CURLOPT_TIMEOUT, c->timeout > 0 ? c->timeout : 120L);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, xfer_cb);
	/* the debug callback only runs in verbose mode; it writes nothing */
	SET(CURLOPT_DEBUGFUNCTION, debug_cb);
	SET(CURLOPT_DEBUGDATA, t);
	SET(CURLOPT_VERBOSE, 1L);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

/* Turn libcurl's result and the last SMTP reply into a classified error. */
static int classify(CURLcode rc, long code, const struct trace *t, const char *errbuf,
		    const struct sk_smtp_cfg *c, struct sk_err *err)
{
	char label[300];
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	const char *reply = t->last_reply[0] ? t->last_reply : why;

	url_label(c->url, label, sizeof(label));
	if (rc == CURLE_ABORTED_BY_CALLBACK && sk_interrupted())
		return sk_err_set(err, SK_E_INTERRUPTED, "smtp '%s': interrupted", label);
	if (code >= 400 && code < 500)
		return sk_err_set(err, SK_E_TRANSIENT, "smtp '%s': temporary failure: server replied '%s'",
				  label, reply);
	if (rc == CURLE_LOGIN_DENIED || code == 535)
		return sk_err_set(err, SK_E_PERMANENT,
				  "smtp '%s': login refused for user '%s' ('%s'): check SMTP_USER "
				  "and SMTP_PASSWORD",
				  label, c->user ? c->user : "", reply);
	if (code == 530)
		return sk_err_set(err, SK_E_PERMANENT, "smtp '%s': server replied '%s': %s%s", label,
				  reply,
				  c->tls_none ? "the server wants STARTTLS: drop " : "",
				  c->tls_none ? tls_none()
				  : c->user   ? "the server refused the session"
					      : "set SMTP_USER and SMTP_PASSWORD");
	if (code >= 500)
		return sk_err_set(err, SK_E_PERMANENT, "smtp '%s': server refused: '%s'", label,
				  reply);
	if (rc == CURLE_COULDNT_RESOLVE_HOST && sk_http_host_unknown(c->url))
		return sk_err_set(err, SK_E_PERMANENT,
				  "smtp '%s': %s (the DNS says there is no such name): check the "
				  "host of SMTP_URL", label, why);
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return sk_err_set(err, SK_E_TRANSIENT, "smtp '%s': %s", label, why);
	case CURLE_PEER_FAILED_VERIFICATION:
		return sk_err_set(err, SK_E_PERMANENT,
				  "smtp '%s': TLS certificate not trusted (%s): set SMTP_CA_FILE to "
				  "the CA that signed the server's certificate",
				  label, why);
	case CURLE_USE_SSL_FAILED:
		return sk_err_set(err, SK_E_PERMANENT,
				  "smtp '%s': the server does not offer STARTTLS: use smtps:// if "
				  "the port speaks implicit TLS, or SMTP_TLS=none for a local relay",
				  label);
	case CURLE_SSL_CONNECT_ERROR:
		return sk_err_set(err, SK_E_PERMANENT,
				  "smtp '%s': TLS handshake failed (%s): smtps:// wants implicit "
				  "TLS (port 465), smtp:// STARTTLS (port 587 or 25)",
				  label, why);
	case CURLE_SSL_CACERT_BADFILE:
		return sk_err_set(err, SK_E_USAGE, "smtp '%s': %s: %s", label,
				  sk_opt_given_as("SMTP_CA_FILE"), why);
	default:
		return sk_err_set(err, SK_E_PERMANENT, "smtp '%s': %s", label, why);
	}
}

struct reader {
	struct sk_mail_msg *msg;
	struct sk_err err; /* an attachment that could not be read */
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	struct reader *r = ud;
	long n = sk_mail_msg_read(r->msg, buf, size * nitems, &r->err);

	return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static struct curl_slist *rcpt_list(const char *const *rcpt, size_t n)
{
	struct curl_slist *l = NULL, *t;
	char line[300];

	for (size_t i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "<%s>", rcpt[i]);
		if (!(t = curl_slist_append(l, line))) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	return l;
}

int sk_smtp_send(const struct sk_smtp_cfg *c, const char *from, const char *const *rcpt,
		 size_t nrcpt, struct sk_mail_msg *msg, struct sk_smtp_result *res,
		 struct sk_err *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *to = rcpt_list(rcpt, nrcpt);
	char errbuf[CURL_ERROR_SIZE], mfrom[300];
	struct trace t = {{0}, 0, 0, 0, rcpt, nrcpt, -1, res};
	struct reader r = {msg, SK_ERR_INIT};
	long code = 0;
	CURLcode rc;
	int ret = -1;

	if (!h || !to) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (res)
		res->nrefused = 0;
	sk_mail_msg_rewind(msg);
	snprintf(mfrom, sizeof(mfrom), "<%s>", from);
	/* ALLLOWFAILS (libcurl 7.69's spelling, ALLOWFAILS since 8.2): a
	 * refused recipient does not cost the others their mail */
	if (setup(h, c, errbuf, &t) < 0 || curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom) ||
	    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to) ||
	    curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L) ||
	    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) ||
	    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb) ||
	    curl_easy_setopt(h, CURLOPT_READDATA, &r) ||
	    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)sk_mail_msg_size(msg))) {
		sk_err_set(err, SK_E_PERMANENT, "smtp: libcurl refused an option");
		goto out;
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK && r.err.code != SK_E_NONE) {
		*err = r.err; /* the abort was ours: the message is not complete */
		goto out;
	}
	if (rc != CURLE_OK) {
		classify(rc, code, &t, errbuf, c, err);
		goto out;
	}
	ret = 0;
out:
	curl_slist_free_all(to);
	curl_easy_cleanup(h);
	return ret;
}

/* ---- preflight ---------------------------------------------------------- */

/* Wait until the connection is readable/writable, or the deadline passes. */
static int wait_sock(CURL *h, int out, time_t deadline)
{
	curl_socket_t s = CURL_SOCKET_BAD;
	struct pollfd p;

	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD)
		return -1;
	p.fd = (int)s;
	p.events = out ? POLLOUT : POLLIN;
	p.revents = 0;
	while (time(NULL) < deadline && !sk_interrupted()) {
		int n = poll(&p, 1, 1000);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

/*
 * Send one command line (CRLF added) and read the whole reply. Returns the
 * reply code and leaves its last line in `reply`, or -1 when the connection
 * failed (with `reply` saying how).
 */
static int command(CURL *h, const char *cmd, char *reply, size_t rsz, time_t deadline)
{
	char line[600], buf[2048];
	size_t len, off = 0, got = 0, end, ls;

	len = (size_t)snprintf(line, sizeof(line), "%s\r\n", cmd);
	while (off < len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(h, line + off, len - off, &n);
		if (rc == CURLE_AGAIN) {
			if (wait_sock(h, 1, deadline) < 0)
				goto timeout;
			continue;
		}
		if (rc != CURLE_OK) {
			snprintf(reply, rsz, "%s", curl_easy_strerror(rc));
			return -1;
		}
		off += n;
	}
	for (;;) {
		size_t n = 0;
		CURLcode rc;

		if (got == sizeof(buf) - 1)
			got = 0; /* a long multi-line reply: only its end matters */
		rc = curl_easy_recv(h, buf + got, sizeof(buf) - 1 - got, &n);
		if (rc == CURLE_AGAIN) {
			if (wait_sock(h, 0, deadline) < 0)
				goto timeout;
			continue;
		}
		if (rc != CURLE_OK || n == 0) {
			snprintf(reply, rsz, "%s", rc ? curl_easy_strerror(rc) : "connection closed");
			return -1;
		}
		got += n;
		if (buf[got - 1] != '\n')
			continue;
		/* the reply ends with a line "NNN text": a space, not '-', after the code */
		end = got - 1;
		if (end > 0 && buf[end - 1] == '\r')
			end--;
		ls = end;
		while (ls > 0 && buf[ls - 1] != '\n')
			ls--;
		if (end - ls < 3 || (end - ls > 3 && buf[ls + 3] != ' '))
			continue;
		for (size_t i = 0; i < 3; i++)
			if (buf[ls + i] < '0' || buf[ls + i] > '9') {
				snprintf(reply, rsz, "malformed reply from the server");
				return -1;
			}
		snprintf(reply, rsz, "%.*s", (int)(end - ls), buf + ls);
		for (char *q = reply; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = ' ';
		return (buf[ls] - '0') * 100 + (buf[ls + 1] - '0') * 10 + (buf[ls + 2] - '0');
	}
timeout:
	snprintf(reply, rsz, "%s", sk_interrupted() ? "interrupted" : "timed out waiting for the server");
	return -1;
}

int sk_smtp_check(const struct sk_smtp_cfg *c, const char *from, const char *const *rcpt,
		  size_t nrcpt, char *report, size_t reportsz, struct sk_err *err)
{
	CURL *h = curl_easy_init();
	char errbuf[CURL_ERROR_SIZE], label[300], cmd[320], reply[300];
	struct trace t = {{0}, 0, 0, 0, NULL, 0, -1, NULL};
	time_t deadline = time(NULL) + (c->timeout > 0 ? c->timeout : 120);
	long code = 0;
	CURLcode rc;
	int ret = -1, r;

	url_label(c->url, label, sizeof(label));
	if (!h) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	/* CONNECT_ONLY runs libcurl's SMTP connect phase (greeting, EHLO,
	 * STARTTLS, AUTH) and stops before MAIL FROM; we go on by hand */
	if (setup(h, c, errbuf, &t) < 0 || curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L)) {
		sk_err_set(err, SK_E_PERMANENT, "smtp: libcurl refused an option");
		goto out;
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		classify(rc, code, &t, errbuf, c, err);
		if (err->code == SK_E_TRANSIENT &&
		    (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		     rc == CURLE_OPERATION_TIMEDOUT)) {
			char msg[SK_ERR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			sk_err_set(err, err->code,
				   "%s: is the server reachable from here? check the host and port "
				   "of SMTP_URL, DNS and firewalls",
				   msg);
		}
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>", from);
	r = command(h, cmd, reply, sizeof(reply), deadline);
	if (r < 0) {
		sk_err_set(err, SK_E_TRANSIENT, "smtp '%s': MAIL FROM: %s", label, reply);
		goto out;
	}
	if (r != 250) {
		sk_err_set(err, r >= 400 && r < 500 ? SK_E_TRANSIENT : SK_E_PERMANENT,
			   "smtp '%s': sender <%s> refused ('%s'): %s", label, from, reply,
			   r == 530 && !c->user ? "the server wants a login: set SMTP_USER and SMTP_PASSWORD"
			   : r == 530	       ? "the server wants STARTTLS or a login first"
					       : "MAIL_FROM must be an address this server lets you send as");
		goto out;
	}
	for (size_t i = 0; i < nrcpt; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", rcpt[i]);
		r = command(h, cmd, reply, sizeof(reply), deadline);
		if (r < 0) {
			sk_err_set(err, SK_E_TRANSIENT, "smtp '%s': RCPT TO: %s", label, reply);
			goto out;
		}
		if (r != 250 && r != 251) {
			sk_err_set(err, r >= 400 && r < 500 ? SK_E_TRANSIENT : SK_E_PERMANENT,
				   "smtp '%s': recipient <%s> refused ('%s'): check MAIL_TO and "
				   "MAIL_CC",
				   label, rcpt[i], reply);
			goto out;
		}
	}
	/* end the transaction politely; failures here do not matter */
	(void)command(h, "RSET", reply, sizeof(reply), deadline);
	(void)command(h, "QUIT", reply, sizeof(reply), deadline);
	if (report)
		snprintf(report, reportsz,
			 "smtp '%s': connected, %s, %s, sender <%s> and %zu recipient%s accepted; "
			 "nothing sent",
			 label,
			 !strncmp(c->url, "smtps:", 6) ? "implicit TLS verified"
			 : t.starttls		       ? "STARTTLS verified"
						       : "no TLS (SMTP_TLS=none)",
			 t.auth	     ? "login accepted"
			 : c->user ? "server offered no AUTH: credentials unused"
				   : "no login",
			 from, nrcpt, nrcpt == 1 ? "" : "s");
	ret = 0;
out:
	curl_easy_cleanup(h);
	return ret;
}
