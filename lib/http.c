#include "base.h"
#include "http.h"
#include "mime.h"
#include "sig.h"

#include <curl/curl.h>
#include <math.h>
#include <netdb.h>
#include <sys/stat.h>
#include <sys/time.h>

#define UPLOAD_BUFFER (512L << 10)

struct sk_http {
	CURL *curl;
	CURLM *multi;              /* drives `curl`, so we wake often enough to time stalls */
	struct sk_http_cfg cfg;
	char errbuf[CURL_ERROR_SIZE];
};

/* State of one transfer, shared by the libcurl callbacks. */
struct xfer {
	const struct sk_http_req *req;
	struct sk_http_resp *resp;
	FILE *fp;                  /* BODY_FILE */
	unsigned long long total;  /* body bytes to send */
	unsigned long long done;   /* body bytes handed to libcurl */
	struct sk_sha256 *hash;    /* with hash_body */
	int read_errno;            /* set when reading the body file failed */
	int short_file;            /* the file ended before `total` bytes */
	int interrupted;           /* the progress callback stopped the transfer */
	int stalled;               /* ... because no byte moved for the stall timeout */
	double last_progress;
	CURL *curl;                /* to ask whether the connection is up yet */
	double stall;              /* the stall timeout, seconds */
	double last_move;          /* when a byte last moved (or the connection came up) */
	curl_off_t moved;          /* bytes up and down at last_move */
	curl_off_t header_bytes;   /* header lines received (libcurl counts body bytes) */
};

static int global_done;

static double now_seconds(void)
{
	return sk_retry_clock(); /* the clock of the retry deadline, which bounds requests */
}

void sk_http_resp_init(struct sk_http_resp *r, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	r->body.max = max_body;
}

void sk_http_resp_release(struct sk_http_resp *r)
{
	sk_buf_release(&r->body);
}

/* Forget what an earlier response (or a 100 Continue) left behind. */
static void resp_reset(struct sk_http_resp *r)
{
	r->status = 0;
	r->reason[0] = r->etag[0] = r->content_type[0] = '\0';
	r->location[0] = '\0';
	r->link[0] = '\0';
	r->link_cut = 0;
	r->retry_after = 0;
	r->content_length = -1;
	r->truncated = 0;
	sk_buf_reset(&r->body);
}

struct sk_http *sk_http_open(const struct sk_http_cfg *cfg, struct sk_err *err)
{
	struct sk_http *h;

	if (!global_done) {
		/* once per process; curl_global_init is not reentrant before 7.84 */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			sk_err_set(err, SK_E_PERMANENT, "libcurl initialisation failed");
			return NULL;
		}
		global_done = 1;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	if (cfg)
		h->cfg = *cfg;
	if (h->cfg.connect_timeout <= 0)
		h->cfg.connect_timeout = 10;
	if (h->cfg.stall_timeout <= 0)
		h->cfg.stall_timeout = 60;
	h->curl = curl_easy_init();
	h->multi = curl_multi_init();
	if (!h->curl || !h->multi) {
		curl_easy_cleanup(h->curl);
		curl_multi_cleanup(h->multi);
		free(h);
		sk_err_set(err, SK_E_NOMEM, "libcurl: cannot create a handle");
		return NULL;
	}
	return h;
}

void sk_http_close(struct sk_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	curl_multi_cleanup(h->multi); /* after the easy handle: it holds the connections */
	free(h);
}

/* ---- header lists ---- */

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int sk_http_header_check(const char *line, struct sk_err *err)
{
	const unsigned char *p = (const unsigned char *)line;
	const unsigned char *colon;

	for (colon = p; is_tchar(*colon); colon++)
		;
	if (colon == p || *colon != ':')
		return sk_err_set(err, SK_E_USAGE, "header must be 'Name: value' with a valid name");
	for (p = colon + 1; *p; p++) {
		if (*p == '\r' || *p == '\n')
			return sk_err_set(err, SK_E_USAGE,
					  "header '%.*s' holds a line break (header injection)",
					  (int)(colon - (const unsigned char *)line), line);
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return sk_err_set(err, SK_E_USAGE, "header '%.*s' holds a control character",
					  (int)(colon - (const unsigned char *)line), line);
	}
	return 0;
}

int sk_http_headers_add(struct sk_http_headers *hl, const char *line, struct sk_err *err)
{
	char **v;
	char *copy;

	if (sk_http_header_check(line, err) < 0)
		return -1;
	v = realloc(hl->v, (hl->n + 2) * sizeof(*v));
	if (!v)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	hl->v = v;
	copy = strdup(line);
	if (!copy)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	hl->v[hl->n++] = copy;
	hl->v[hl->n] = NULL;
	return 0;
}

void sk_http_headers_release(struct sk_http_headers *hl)
{
	for (size_t i = 0; i < hl->n; i++)
		free(hl->v[i]);
	free(hl->v);
	hl->v = NULL;
	hl->n = 0;
}

/* Does `p` (after a ';') start a new "Name:" header? */
static int starts_header(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	if (!is_tchar((unsigned char)*p))
		return 0;
	while (is_tchar((unsigned char)*p))
		p++;
	return *p == ':';
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

int sk_http_headers_parse(struct sk_http_headers *hl, const char *spec, struct sk_err *err)
{
	const char *p = spec;
	int n = 0;

	while (*p) {
		const char *b = p, *e = p;
		char *one;
		int rc;

		/* an entry ends at a newline, or at a ';' that starts another header */
		while (*e && *e != '\n' && !(*e == ';' && starts_header(e + 1)))
			e++;
		p = *e ? e + 1 : e;
		trim(&b, &e);
		if (b == e)
			continue;
		n++;
		one = strndup(b, (size_t)(e - b));
		if (!one)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		rc = sk_http_headers_add(hl, one, err);
		free(one);
		if (rc < 0)
			return sk_err_prefix(err, "header %d", n);
	}
	return 0;
}

int sk_http_header_value(const char *line, size_t len, const char *name, char *out,
			 size_t outsz)
{
	size_t nlen = strlen(name);
	const char *b, *e;
	size_t vlen;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return 0;
	b = line + nlen + 1;
	e = line + len;
	while (e > b && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	trim(&b, &e);
	vlen = (size_t)(e - b);
	if (outsz == 0)
		return 1;
	if (vlen >= outsz)
		vlen = outsz - 1;
	memcpy(out, b, vlen);
	out[vlen] = '\0';
	return 1;
}

/* ---- classification and messages ---- */

enum sk_ecode sk_http_status_class(long status)
{
	if (status >= 200 && status <= 299)
		return SK_E_NONE;
	if (status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599))
		return SK_E_TRANSIENT;
	return SK_E_PERMANENT;
}

static enum sk_ecode curl_class(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST: /* libcurl cannot tell NXDOMAIN from a DNS outage */
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_UPLOAD_FAILED:
	case CURLE_SSL_CONNECT_ERROR: /* handshake cut short: certificate problems have their own codes */
	case CURLE_SEND_FAIL_REWIND:
	case CURLE_AGAIN:
		return SK_E_TRANSIENT;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return SK_E_USAGE;
	case CURLE_OUT_OF_MEMORY:
		return SK_E_NOMEM;
	default: /* TLS verification, login denied, too many redirects... */
		return SK_E_PERMANENT;
	}
}

int sk_http_host_unknown(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int unknown = 0;

	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host && *host != '[') {
		struct addrinfo hints, *res = NULL;
		int rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(host, NULL, &hints, &res);
		unknown = rc == EAI_NONAME || rc == EAI_NODATA;
		if (rc == 0)
			freeaddrinfo(res);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return unknown;
}

/* What an operator should do about a permanent curl failure, or "". */
static const char *curl_hint(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return "; the server's certificate is not trusted: give the CA that signed it as the CA file";
	case CURLE_SSL_CACERT_BADFILE:
		return "; the CA file cannot be read or holds no PEM certificate";
	case CURLE_LOGIN_DENIED:
		return "; check the user and password";
	default:
		return "";
	}
}

static const char *status_hint(long status)
{
	switch (status) {
	case 401:
		return "; the server refused the credentials: check them";
	case 403:
		return "; the credentials lack permission for this";
	case 404:
		return "; check the URL";
	case 405:
		return "; the server does not accept this method here";
	case 413:
		return "; the server refused the size of the body";
	default:
		if (status >= 300 && status < 400)
			return "; redirects are not followed: use the final URL";
		return "";
	}
}

void sk_http_url_redact(const char *url, char *out, size_t outsz)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		snprintf(out, outsz, "(bad url)");
	} else {
		/* the port only when the URL named it */
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		snprintf(out, outsz, "%s://%s%s%s%s", scheme, host, port ? ":" : "", port ? port : "",
			 path);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
}

void sk_http_location_redact(const char *location, char *out, size_t outsz)
{
	if (strstr(location, "://")) {
		sk_http_url_redact(location, out, outsz);
		return;
	}
	/* a path (or something odd): up to its query string, control bytes out */
	snprintf(out, outsz, "%.*s", (int)strcspn(location, "?#"), location);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Replace every copy of `secret` in `msg` by "***". */
static void scrub(char *msg, const char *secret)
{
	size_t slen;
	char *p = msg;

	if (!secret || (slen = strlen(secret)) < 3)
		return; /* "***" for every 1-2 byte match would garble, not protect */
	while ((p = strstr(p, secret))) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + slen, strlen(p + slen) + 1);
		p += 3;
	}
}

/* A short printable excerpt of a text error body, for the message. */
static void body_excerpt(const struct sk_http_resp *r, char *out, size_t outsz)
{
	const char *ct = r->content_type;
	size_t n = 0;

	out[0] = '\0';
	if (!r->body.len || outsz < 8)
		return;
	if (strncasecmp(ct, "text/plain", 10) != 0 && strncasecmp(ct, "application/json", 16) != 0 &&
	    strncasecmp(ct, "application/problem+json", 24) != 0)
		return;
	n = snprintf(out, outsz, ": ");
	for (size_t i = 0; i < r->body.len && n + 1 < outsz && i < 200; i++) {
		unsigned char c = (unsigned char)r->body.data[i];
		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
	while (n > 2 && out[n - 1] == ' ')
		out[--n] = '\0';
	if (n <= 2)
		out[0] = '\0';
}

/* ---- libcurl callbacks ---- */

static size_t on_header(char *line, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	struct sk_http_resp *r = x->resp;
	size_t len = size * nitems;
	char val[64];

	x->header_bytes += (curl_off_t)len;

	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		/* a new status line: 100 Continue, then the final answer */
		const char *sp = memchr(line, ' ', len);
		resp_reset(r);
		if (sp) {
			const char *reason = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line));
			r->status = strtol(sp + 1, NULL, 10);
			if (reason) {
				const char *b = reason + 1, *e = line + len;
				trim(&b, &e);
				while (e > b && (e[-1] == '\n' || e[-1] == '\r'))
					e--;
				snprintf(r->reason, sizeof(r->reason), "%.*s", (int)(e - b), b);
			}
		}
	} else if (sk_http_header_value(line, len, "etag", r->etag, sizeof(r->etag)) ||
		   sk_http_header_value(line, len, "content-type", r->content_type,
					sizeof(r->content_type)) ||
		   sk_http_header_value(line, len, "location", r->location,
					sizeof(r->location))) {
		/* stored */
	} else if (len > 5 && !strncasecmp(line, "link:", 5)) {
		char link[sizeof(r->link)];
		size_t have = strlen(r->link);
		if (sk_http_header_value(line, len, "link", link, sizeof(link))) {
			/* several Link headers read as one list; one that does not
			 * fit whole is marked, never silently dropped or cut */
			size_t n = strlen(link), sep = have ? 2 : 0;
			if (n == sizeof(link) - 1 || have + sep + n >= sizeof(r->link)) {
				r->link_cut = 1;
			} else {
				memcpy(r->link + have, ", ", sep);
				memcpy(r->link + have + sep, link, n + 1);
			}
		}
	} else if (sk_http_header_value(line, len, "retry-after", val, sizeof(val))) {
		r->retry_after = sk_retry_after_parse(val);
	} else if (sk_http_header_value(line, len, "content-length", val, sizeof(val))) {
		char *end;
		long long v = strtoll(val, &end, 10);
		r->content_length = (*end || v < 0) ? -1 : v;
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	struct sk_http_resp *r = x->resp;
	size_t len = size * nitems, room, keep;

	room = r->body.max > r->body.len ? r->body.max - r->body.len : 0;
	keep = len < room ? len : room;
	if (keep && sk_buf_add(&r->body, p, keep, NULL) < 0)
		keep = 0;
	if (keep < len)
		r->truncated = 1; /* read on, so the connection stays reusable */
	return len;
}

static size_t on_read(char *p, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	size_t want = size * nitems, got;

	if (x->req->body == SK_HTTP_BODY_MEM) {
		const char *d = x->req->data;
		got = x->total - x->done < want ? (size_t)(x->total - x->done) : want;
		if (got)
			memcpy(p, d + x->done, got);
	} else {
		if (x->total - x->done < want)
			want = (size_t)(x->total - x->done);
		if (want == 0)
			return 0;
		got = fread(p, 1, want, x->fp);
		if (got == 0) {
			if (ferror(x->fp))
				x->read_errno = errno ? errno : EIO;
			else
				x->short_file = 1; /* truncated under us: never pad or send less */
			return CURL_READFUNC_ABORT;
		}
		if (x->hash)
			sk_sha256_update(x->hash, p, got);
	}
	x->done += got;
	return got;
}

/* libcurl rewinds when it must resend the body (a reused connection that the
 * server had closed, an auth round trip): start the body and its hash over. */
static int on_seek(void *ctx, curl_off_t offset, int origin)
{
	struct xfer *x = ctx;

	if (origin != SEEK_SET || offset < 0 || (unsigned long long)offset > x->total)
		return CURL_SEEKFUNC_CANTSEEK;
	if (x->fp) {
		if (fseeko(x->fp, x->req->offset + (off_t)offset, SEEK_SET) != 0)
			return CURL_SEEKFUNC_FAIL;
		if (x->hash) {
			if (offset != 0)
				return CURL_SEEKFUNC_CANTSEEK; /* the hash can only restart from 0 */
			sk_sha256_close(x->hash);
			x->hash = sk_sha256_open(NULL);
			if (!x->hash)
				return CURL_SEEKFUNC_FAIL;
		}
	}
	x->done = (unsigned long long)offset;
	return CURL_SEEKFUNC_OK;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = ctx;
	double now = now_seconds();
	curl_off_t ready = 0;

	(void)dltotal;
	if (!x->req->no_interrupt && sk_interrupted()) {
		x->interrupted = 1;
		return 1;
	}
	/*
	 * Stall detection here rather than by CURLOPT_LOW_SPEED_*: those count
	 * in whole seconds and, when idle, libcurl looked at them late (a
	 * 1 s stall timeout fired after about 6 s). libcurl calls us at least
	 * once a second, so this fires within a second of the timeout. The
	 * clock starts when the connection is up (connecting has its own
	 * timeout); any body byte in either direction, or a header line
	 * received, restarts it.
	 */
	if (curl_easy_getinfo(x->curl, CURLINFO_PRETRANSFER_TIME_T, &ready) != CURLE_OK ||
	    ready == 0 || dlnow + ulnow + x->header_bytes != x->moved) {
		x->moved = dlnow + ulnow + x->header_bytes;
		x->last_move = now;
	} else if (now - x->last_move >= x->stall) {
		x->stalled = 1;
		return 1;
	}
	if (x->req->progress && ultotal > 0) {
		if (now - x->last_progress >= 1.0) {
			x->last_progress = now;
			x->req->progress(x->req->progress_ctx, (unsigned long long)ulnow,
					 (unsigned long long)ultotal);
		}
	}
	return 0;
}

/* ---- one request ---- */

static int open_body(struct xfer *x, const char *label, struct sk_err *err)
{
	const struct sk_http_req *q = x->req;
	struct stat st;

	if (q->body == SK_HTTP_BODY_MEM) {
		x->total = q->len;
		return 0;
	}
	if (q->body != SK_HTTP_BODY_FILE && q->body != SK_HTTP_BODY_FORM_FILE)
		return 0;
	x->fp = fopen(q->path, "rb");
	if (!x->fp)
		return sk_err_set(err, SK_E_IO, "%s", strerror(errno));
	if (fstat(fileno(x->fp), &st) < 0)
		return sk_err_set(err, SK_E_IO, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sk_err_set(err, SK_E_IO, "not a regular file");
	if (q->body == SK_HTTP_BODY_FORM_FILE) {
		x->total = (unsigned long long)st.st_size; /* always the whole file */
	} else if (q->offset < 0 || q->offset > st.st_size ||
		   (q->length >= 0 && q->offset + q->length > st.st_size)) {
		return sk_err_set(err, SK_E_IO, "range past the end of the file (%s)", label);
	} else {
		x->total = q->length >= 0 ? (unsigned long long)q->length
					  : (unsigned long long)(st.st_size - q->offset);
	}
	if (q->body == SK_HTTP_BODY_FILE && q->offset && fseeko(x->fp, q->offset, SEEK_SET) != 0)
		return sk_err_set(err, SK_E_IO, "%s", strerror(errno));
	if (q->hash_body && !(x->hash = sk_sha256_open(err)))
		return -1;
	return 0;
}

/*
 * curl_easy_perform() by hand: libcurl's own loop sleeps up to a second
 * when nothing happens, and so calls the progress callback (our stall and
 * signal check) only that often. Waking every STALL_TICK_MS keeps the stall
 * timeout and SIGTERM within a tenth of a second.
 */
#define STALL_TICK_MS 100

static CURLcode run_transfer(struct sk_http *h)
{
	CURLcode crc = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		mc = curl_multi_perform(h->multi, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(h->multi, NULL, 0, STALL_TICK_MS, NULL);
		if (mc != CURLM_OK) {
			crc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_RECV_ERROR;
			break;
		}
	}
	while ((msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
			crc = msg->data.result;
	curl_multi_remove_handle(h->multi, h->curl);
	return crc;
}

#define SETOPT(opt, val)                                                       \
	do {                                                                   \
		if ((crc = curl_easy_setopt(c, opt, val)) != CURLE_OK)          \
			goto curl_failed;                                      \
	} while (0)

int sk_http_perform(struct sk_http *h, const struct sk_http_req *req, struct sk_http_resp *resp,
		    struct sk_err *err)
{
	CURL *c = h->curl;
	struct xfer x = {0};
	struct curl_slist *hdrs = NULL, *tmp;
	curl_mime *mime = NULL;
	char label[512], ctype[160], ua[64], excerpt[240];
	const char *method = req->method ? req->method : "GET";
	enum sk_ecode code;
	CURLcode crc = CURLE_OK;
	long status = 0, connects = 0;
	curl_off_t sent = 0;
	double secs = 0, limit = 0;
	int ret = -1;

	if (req->what)
		snprintf(label, sizeof(label), "%s", req->what);
	else
		sk_http_url_redact(req->url, label, sizeof(label));
	resp_reset(resp);
	resp->sent = 0;
	resp->seconds = 0;
	resp->new_connection = 0;
	resp->sha256[0] = '\0';
	x.req = req;
	x.resp = resp;
	x.last_progress = x.last_move = now_seconds();
	x.curl = c;
	x.stall = h->cfg.stall_timeout;
	/* the whole request ends by the smaller of the two limits */
	if (h->cfg.timeout > 0)
		limit = (double)h->cfg.timeout;
	if (req->time_limit > 0 && (limit == 0 || req->time_limit < limit))
		limit = req->time_limit;

	if (!req->no_interrupt && sk_interrupted()) {
		sk_err_set(err, SK_E_INTERRUPTED, "%s '%s': interrupted", method, label);
		goto out;
	}
	for (const char *const *hp = req->headers; hp && *hp; hp++) {
		if (sk_http_header_check(*hp, err) < 0) {
			sk_err_prefix(err, "%s '%s'", method, label);
			goto out;
		}
		if (!(tmp = curl_slist_append(hdrs, *hp)))
			goto nomem;
		hdrs = tmp;
	}
	if (open_body(&x, label, err) < 0)
		goto out;

	curl_easy_reset(c); /* keeps the live connection and the TLS session cache */
	h->errbuf[0] = '\0';
	SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_PATH_AS_IS, 1L); /* send the path we built, byte for byte (SigV4 signs it) */
	/* at least 1 ms: 0 would be libcurl's default of 300 s */
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout * 1000 < 1
					  ? 1L : (long)(h->cfg.connect_timeout * 1000 + 0.5));
	if (limit > 0)
		SETOPT(CURLOPT_TIMEOUT_MS, limit * 1000 < 1 ? 1L : (long)(limit * 1000 + 0.5));
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	snprintf(ua, sizeof(ua), "stepkit/%s", SK_VERSION);
	SETOPT(CURLOPT_USERAGENT, h->cfg.user_agent ? h->cfg.user_agent : ua);
	if (h->cfg.ca_file)
		SETOPT(CURLOPT_CAINFO, h->cfg.ca_file);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &x);
	if (req->accept_encoding)
		SETOPT(CURLOPT_ACCEPT_ENCODING, req->accept_encoding);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &x);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
	SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(CURLOPT_XFERINFODATA, &x);

	switch (req->auth) {
	case SK_HTTP_AUTH_NONE:
		break;
	case SK_HTTP_AUTH_BASIC:
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(CURLOPT_USERNAME, req->user ? req->user : "");
		SETOPT(CURLOPT_PASSWORD, req->password ? req->password : "");
		break;
	case SK_HTTP_AUTH_BEARER:
		SETOPT(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		SETOPT(CURLOPT_XOAUTH2_BEARER, req->token ? req->token : "");
		break;
	case SK_HTTP_AUTH_SIGV4:
		SETOPT(CURLOPT_AWS_SIGV4, req->sigv4);
		SETOPT(CURLOPT_USERNAME, req->user ? req->user : "");
		SETOPT(CURLOPT_PASSWORD, req->password ? req->password : "");
		break;
	}

	if (req->body == SK_HTTP_BODY_FORM_FILE) {
		curl_mimepart *part;
		const char *base = strrchr(req->path, '/');
		if (!(mime = curl_mime_init(c)) || !(part = curl_mime_addpart(mime)))
			goto nomem;
		/* our own read callback rather than curl_mime_filedata: the
		 * file is already open and checked, and hash_body works alike */
		if ((crc = curl_mime_name(part, req->form_name ? req->form_name : "file")) ||
		    (crc = curl_mime_data_cb(part, (curl_off_t)x.total, on_read, on_seek, NULL,
					     &x)) ||
		    (crc = curl_mime_filename(part, req->filename ? req->filename
								  : base ? base + 1 : req->path)) ||
		    (crc = curl_mime_type(part, req->content_type ? req->content_type
								  : "application/octet-stream")))
			goto curl_failed;
		SETOPT(CURLOPT_MIMEPOST, mime);
		if (strcmp(method, "POST") != 0)
			SETOPT(CURLOPT_CUSTOMREQUEST, method);
	} else if (req->body == SK_HTTP_BODY_MEM || req->body == SK_HTTP_BODY_FILE ||
		   !strcmp(method, "PUT") || !strcmp(method, "POST")) {
		/* a body (perhaps empty) through the read callback: PUT uploads,
		 * POST sends it as the request body, other methods ride on UPLOAD */
		const char *ct = req->content_type;
		if (!ct && !strcmp(method, "POST"))
			ct = "application/octet-stream"; /* never curl's form-urlencoded default */
		if (ct) {
			snprintf(ctype, sizeof(ctype), "Content-Type: %s", ct);
			if (sk_http_header_check(ctype, err) < 0) {
				sk_err_prefix(err, "%s '%s'", method, label);
				goto out;
			}
			if (!(tmp = curl_slist_append(hdrs, ctype)))
				goto nomem;
			hdrs = tmp;
		}
		SETOPT(CURLOPT_READFUNCTION, on_read);
		SETOPT(CURLOPT_READDATA, &x);
		SETOPT(CURLOPT_SEEKFUNCTION, on_seek);
		SETOPT(CURLOPT_SEEKDATA, &x);
		if (!strcmp(method, "POST")) {
			SETOPT(CURLOPT_POST, 1L);
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x.total);
		} else {
			SETOPT(CURLOPT_UPLOAD, 1L);
			SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x.total);
			if (strcmp(method, "PUT") != 0)
				SETOPT(CURLOPT_CUSTOMREQUEST, method);
		}
	} else if (!strcmp(method, "HEAD")) {
		SETOPT(CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		SETOPT(CURLOPT_CUSTOMREQUEST, method);
	}
	if (hdrs)
		SETOPT(CURLOPT_HTTPHEADER, hdrs);
	/* a file body in 512 KiB reads and sends rather than libcurl's 64 KiB:
	 * a 256 MiB PUT took 0.29 s of CPU, now 0.24 s (of which the SHA-256
	 * is 0.15 s) */
	if (req->body == SK_HTTP_BODY_FILE || req->body == SK_HTTP_BODY_FORM_FILE)
		SETOPT(CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER);

	crc = run_transfer(h);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &sent);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	resp->status = status;
	/* the payload itself, without multipart framing */
	resp->sent = req->body == SK_HTTP_BODY_NONE ? (unsigned long long)sent : x.done;
	resp->seconds = secs;
	resp->new_connection = connects > 0;

	if (x.read_errno) {
		sk_err_set(err, SK_E_IO, "read: %s", strerror(x.read_errno));
		goto out;
	}
	if (x.short_file) {
		sk_err_set(err, SK_E_IO, "the file shrank while it was sent");
		goto out;
	}
	if (x.interrupted || (crc == CURLE_ABORTED_BY_CALLBACK && sk_interrupted())) {
		sk_err_set(err, SK_E_INTERRUPTED, "%s '%s': interrupted", method, label);
		goto out;
	}
	if (x.stalled) {
		sk_err_set(err, SK_E_TRANSIENT, "%s '%s': stalled: no progress for %g s (%s)",
			   method, label, x.stall, status ? "the server stopped sending its answer"
			   : "the server stopped reading or never answered");
		goto out;
	}
	if (crc == CURLE_OPERATION_TIMEDOUT && limit > 0 && secs >= limit - 0.01) {
		/* libcurl's "Operation timed out after N ms with M bytes received"
		 * does not say which limit it was */
		sk_err_set(err, SK_E_TRANSIENT, "%s '%s': not done after %.3g s, the time %s "
			   "(the server answers too slowly, or the body is too big for the link)",
			   method, label, limit, limit == req->time_limit
			   ? "left before the retry deadline (STEPKIT_RETRY_DEADLINE)"
			   : "limit of one request");
		goto out;
	}
	if (crc != CURLE_OK) {
		const char *hint = curl_hint(crc);
		char *where = NULL;

		code = curl_class(crc);
		if (crc == CURLE_COULDNT_RESOLVE_HOST &&
		    curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &where) == CURLE_OK && where &&
		    sk_http_host_unknown(where)) {
			code = SK_E_PERMANENT; /* a retry cannot make the name exist */
			hint = " (the DNS says there is no such name): check the host name";
		}
		sk_err_set(err, code, "%s '%s': %s%s", method, label,
			   h->errbuf[0] ? h->errbuf : curl_easy_strerror(crc), hint);
		goto out;
	}
	if (status < 200) {
		/* libcurl 7.88 returns CURLE_OK when the server dies after
		 * "100 Continue": the request never got its answer */
		sk_err_set(err, SK_E_TRANSIENT, "%s '%s': connection closed without a final answer%s",
			   method, label, status ? " (after 100 Continue)" : "");
		goto out;
	}
	code = sk_http_status_class(status);
	if (code != SK_E_NONE) {
		char where[600] = "";
		body_excerpt(resp, excerpt, sizeof(excerpt));
		if (status >= 300 && status < 400 && resp->location[0]) {
			char shown[512];
			sk_http_location_redact(resp->location, shown, sizeof(shown));
			snprintf(where, sizeof(where), " (Location '%s')", shown);
		}
		sk_err_set(err, code, "%s '%s': HTTP %ld%s%s%s%s%s", method, label, status,
			   resp->reason[0] ? " " : "", resp->reason, excerpt, status_hint(status),
			   where);
		goto out;
	}
	if (x.hash) {
		if (x.done != x.total) {
			sk_err_set(err, SK_E_TRANSIENT, "%s '%s': sent %llu of %llu bytes", method,
				   label, x.done, x.total);
			goto out;
		}
		sk_sha256_hex(x.hash, resp->sha256);
	}
	ret = 0;
	goto out;

nomem:
	sk_err_set(err, SK_E_NOMEM, "%s '%s': out of memory", method, label);
	goto out;
curl_failed:
	sk_err_set(err, curl_class(crc) == SK_E_NOMEM ? SK_E_NOMEM : SK_E_USAGE,
		   "%s '%s': libcurl: %s", method, label, curl_easy_strerror(crc));
out:
	if (ret < 0 && err) {
		scrub(err->msg, req->password);
		scrub(err->msg, req->token);
	}
	/* drop our pointers from the handle before they go out of scope */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hdrs);
	sk_sha256_close(x.hash);
	if (x.fp)
		fclose(x.fp); /* read-only: nothing to lose */
	return ret;
}

struct retry_ctx {
	struct sk_http *h;
	const struct sk_http_req *req;
	struct sk_http_resp *resp;
};

int sk_http_attempt(struct sk_http *h, const struct sk_http_req *req, struct sk_http_resp *resp,
		    struct sk_retry_state *st, struct sk_err *err)
{
	struct sk_http_req r = *req;
	double left = sk_retry_remaining(st);
	int ret;

	if (left > 0 && (r.time_limit <= 0 || left < r.time_limit))
		r.time_limit = left;
	ret = sk_http_perform(h, &r, resp, err);
	if (ret < 0)
		st->retry_after = resp->retry_after;
	return ret;
}

static int retry_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct retry_ctx *rc = ctx;

	return sk_http_attempt(rc->h, rc->req, rc->resp, st, err);
}

int sk_http_perform_retry(struct sk_http *h, const struct sk_retry_policy *p,
			  const struct sk_http_req *req, struct sk_http_resp *resp,
			  struct sk_retry_state *st, struct sk_err *err)
{
	struct retry_ctx rc = {h, req, resp};

	return sk_retry(p, retry_op, &rc, st, err);
}

int sk_http_uri_encode(struct sk_buf *b, const char *s, int keep_slash, struct sk_err *err)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
			if (sk_buf_add(b, p, 1, err) < 0)
				return -1;
		} else {
			char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
			if (sk_buf_add(b, enc, 3, err) < 0)
				return -1;
		}
	}
	if (!b->data && sk_buf_add(b, "", 0, err) < 0)
		return -1; /* an empty string is still a string */
	return 0;
}

/* ---- uploads ---- */

int sk_http_url_check(const char *url, struct sk_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL, *pw = NULL;
	int ret = -1;

	if (!u) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (!url || !*url) {
		sk_err_set(err, SK_E_USAGE, "no URL given");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		sk_err_set(err, SK_E_USAGE, "URL: not a valid http(s) URL");
		goto out;
	}
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		sk_err_set(err, SK_E_USAGE, "URL: scheme '%s': use https:// or http://", scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK) {
		/* the URL is not echoed: it holds the credentials */
		sk_err_set(err, SK_E_USAGE,
			   "URL: holds user:password@; give credentials in their own settings");
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pw);
	curl_url_cleanup(u);
	return ret;
}

int sk_http_upload_url(const char *base, const char *name, int nfiles, struct sk_buf *out,
		       struct sk_err *err)
{
	const char *q = strpbrk(base, "?#");
	size_t plen = q ? (size_t)(q - base) : strlen(base);

	sk_buf_reset(out);
	if (plen == 0 || base[plen - 1] != '/') {
		if (nfiles > 1) {
			char shown[512];
			sk_http_url_redact(base, shown, sizeof(shown));
			return sk_err_set(err, SK_E_USAGE,
					  "URL '%s' names one file, not a directory ending in '/': "
					  "it takes one file, got %d", shown, nfiles);
		}
		return sk_buf_adds(out, base, err);
	}
	if (sk_buf_add(out, base, plen, err) < 0 || sk_http_uri_encode(out, name, 0, err) < 0)
		return -1;
	if (q && *q == '?' && sk_buf_add(out, q, strcspn(q, "#"), err) < 0)
		return -1;
	return 0;
}

int sk_http_upload_file(struct sk_http *h, const struct sk_http_upload *u, const char *url,
			const char *path, struct sk_http_upload_result *res, struct sk_err *err)
{
	struct sk_http_req req = {0};
	struct sk_http_resp resp;
	struct sk_retry_state st = {0};
	const char *base = strrchr(path, '/');
	double t0 = now_seconds();
	int ret;

	memset(res, 0, sizeof(*res));
	sk_http_url_redact(url, res->url, sizeof(res->url));
	sk_http_resp_init(&resp, 16 * 1024);
	req.method = u->method ? u->method : "PUT";
	req.url = url;
	req.headers = u->headers;
	req.body = strcmp(req.method, "POST") ? SK_HTTP_BODY_FILE : SK_HTTP_BODY_FORM_FILE;
	req.path = path;
	req.length = -1;
	req.filename = base ? base + 1 : path;
	req.content_type = u->content_type ? u->content_type : sk_mime_type(path);
	req.hash_body = 1;
	req.auth = u->auth;
	req.user = u->user;
	req.password = u->password;
	req.token = u->token;
	req.progress = u->progress;
	req.progress_ctx = u->progress_ctx;
	ret = sk_http_perform_retry(h, u->retry, &req, &resp, &st, err);
	res->status = resp.status;
	res->attempts = st.attempt;
	res->reused = resp.status && !resp.new_connection;
	res->bytes = ret == 0 ? resp.sent : 0;
	if (ret == 0)
		memcpy(res->sha256, resp.sha256, sizeof(res->sha256));
	res->seconds = now_seconds() - t0;
	sk_http_resp_release(&resp);
	return ret;
}

int sk_http_upload_check(struct sk_http *h, const struct sk_http_upload *u, const char *url,
			 long *status, struct sk_err *err)
{
	struct sk_http_req req = {0};
	struct sk_http_resp resp;
	struct sk_retry_policy once = {1, 0, 0, 0, NULL};
	struct sk_retry_state st = {0};
	int ret = -1;

	*status = 0;
	if (u->retry)
		once.deadline = u->retry->deadline; /* the bound on the request, without retries */
	sk_http_resp_init(&resp, 4096);
	req.method = "HEAD";
	req.url = url;
	req.headers = u->headers;
	req.auth = u->auth;
	req.user = u->user;
	req.password = u->password;
	req.token = u->token;
	if (sk_http_perform_retry(h, &once, &req, &resp, &st, err) == 0) {
		ret = 0;
	} else if (resp.status == 0) {
		sk_err_prefix(err, "server not reachable or TLS failed (tried once: --check does "
			      "not retry)");
	} else if (resp.status == 401 || resp.status == 403) {
		sk_err_prefix(err, "credentials refused");
	} else if (resp.status >= 300 && resp.status < 400) {
		err->code = SK_E_PERMANENT;
		sk_err_prefix(err, "the URL redirects, and uploads do not follow redirects: set "
			      "HTTP_UPLOAD_URL to the target");
	} else if (err->code == SK_E_TRANSIENT) {
		sk_err_prefix(err, "server reachable but failing");
	} else {
		sk_err_clear(err); /* 404, 405...: reachable, and the credentials passed */
		ret = 0;
	}
	*status = resp.status;
	sk_http_resp_release(&resp);
	return ret;
}
