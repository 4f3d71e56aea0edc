#include "base.h"
#include "s3.h"
#include "fsutil.h"
#include "http.h"
#include "mime.h"
#include "s3hash.h"
#include "sig.h"
#include "xmltext.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#define XML_MAX (256 * 1024) /* S3 answers: error documents, CompleteMultipartUpload */
#define MAX_SINGLE_PUT (5ULL << 30) /* PutObject's own limit */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sk_s3 {
	struct sk_s3_cfg cfg;
	struct sk_http *http;
	char sigv4[128];        /* "aws:amz:REGION:s3" */
	char scheme[8];         /* "http" or "https" */
	char hostport[256];     /* of the endpoint */
	char base_path[512];    /* endpoint path, without a trailing '/' */
	char prefix[1024];      /* "" or "some/prefix/" */
	char endpoint[1024];    /* as used, for the state file */
	int path_style;
	unsigned long long threshold, part_size;
};

/* ---- small helpers ---- */

static int parse_endpoint(struct sk_s3 *s, const char *ep, struct sk_err *err)
{
	const char *p, *hp, *path;
	size_t n;

	if (!strncmp(ep, "https://", 8)) {
		snprintf(s->scheme, sizeof(s->scheme), "https");
		hp = ep + 8;
	} else if (!strncmp(ep, "http://", 7)) {
		snprintf(s->scheme, sizeof(s->scheme), "http");
		hp = ep + 7;
	} else {
		return sk_err_set(err, SK_E_USAGE, "endpoint '%s': must start with https:// or http://",
				  ep);
	}
	for (p = hp; *p && *p != '/'; p++) {
		/* user:password@ would leak into logs; ?/# have no place in a base URL */
		if (*p == '@' || *p == '?' || *p == '#' || (unsigned char)*p <= ' ')
			return sk_err_set(err, SK_E_USAGE,
					  "endpoint: only scheme://host[:port][/path] is allowed");
	}
	n = (size_t)(p - hp);
	if (n == 0 || n >= sizeof(s->hostport))
		return sk_err_set(err, SK_E_USAGE, "endpoint '%s': no host", ep);
	memcpy(s->hostport, hp, n);
	s->hostport[n] = '\0';
	path = p;
	if (strpbrk(path, "?#"))
		return sk_err_set(err, SK_E_USAGE,
				  "endpoint: only scheme://host[:port][/path] is allowed");
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(s->base_path))
		return sk_err_set(err, SK_E_USAGE, "endpoint: path too long");
	memcpy(s->base_path, path, n);
	s->base_path[n] = '\0';
	return 0;
}

/* A bucket name usable as a DNS label in BUCKET.HOST (and a TLS wildcard). */
static int dns_bucket(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (; *b; b++)
		if (!((*b >= 'a' && *b <= 'z') || (*b >= '0' && *b <= '9') || *b == '-'))
			return 0;
	return 1;
}

struct sk_s3 *sk_s3_open(const struct sk_s3_cfg *cfg, struct sk_err *err)
{
	struct sk_s3 *s = calloc(1, sizeof(*s));
	struct sk_http_cfg hc = {0};
	const char *region = cfg->region && *cfg->region ? cfg->region : "us-east-1";
	const char *pre;
	size_t n;

	if (!s) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->cfg.region = region;
	if (!cfg->bucket || !*cfg->bucket) {
		sk_err_set(err, SK_E_USAGE, "no bucket configured");
		goto fail;
	}
	if (strpbrk(cfg->bucket, "/?#%@: \t\r\n")) {
		sk_err_set(err, SK_E_USAGE, "bucket '%s': not a valid bucket name", cfg->bucket);
		goto fail;
	}
	if (!cfg->access_key || !*cfg->access_key || !cfg->secret_key || !*cfg->secret_key) {
		sk_err_set(err, SK_E_USAGE, "no access key id or secret access key configured");
		goto fail;
	}
	if (!cfg->retry) {
		sk_err_set(err, SK_E_USAGE, "no retry policy");
		goto fail;
	}
	for (const char *r = region; *r; r++) {
		if (!((*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z') ||
		      (*r >= '0' && *r <= '9') || *r == '-' || *r == '_')) {
			sk_err_set(err, SK_E_USAGE, "region '%s': letters, digits and '-' only", region);
			goto fail;
		}
	}
	if (strlen(region) > 64) {
		sk_err_set(err, SK_E_USAGE, "region: too long");
		goto fail;
	}
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", region);
	if (cfg->endpoint && *cfg->endpoint)
		snprintf(s->endpoint, sizeof(s->endpoint), "%s", cfg->endpoint);
	else
		snprintf(s->endpoint, sizeof(s->endpoint), "https://s3.%s.amazonaws.com", region);
	if (parse_endpoint(s, s->endpoint, err) < 0)
		goto fail;
	s->path_style = cfg->path_style;
	if (s->path_style < 0)
		s->path_style = (cfg->endpoint && *cfg->endpoint) || !dns_bucket(cfg->bucket);

	pre = cfg->prefix ? cfg->prefix : "";
	while (*pre == '/')
		pre++;
	n = strlen(pre);
	if (n + 2 > sizeof(s->prefix) - 64) {
		sk_err_set(err, SK_E_USAGE, "prefix: too long");
		goto fail;
	}
	snprintf(s->prefix, sizeof(s->prefix), "%s%s", pre, n && pre[n - 1] != '/' ? "/" : "");

	s->part_size = cfg->part_size ? cfg->part_size : SK_S3_DEFAULT_PART;
	s->threshold = cfg->multipart_threshold ? cfg->multipart_threshold : SK_S3_DEFAULT_THRESHOLD;
	if (s->part_size < SK_S3_MIN_PART || s->part_size > MAX_SINGLE_PUT) {
		sk_err_set(err, SK_E_USAGE, "part size %llu: must be from 5 MiB (%llu) to 5 GiB",
			   s->part_size, SK_S3_MIN_PART);
		goto fail;
	}
	if (s->threshold > MAX_SINGLE_PUT) {
		sk_err_set(err, SK_E_USAGE, "multipart threshold %llu: at most 5 GiB (S3 PutObject)",
			   s->threshold);
		goto fail;
	}
	hc.ca_file = cfg->ca_file;
	hc.connect_timeout = cfg->connect_timeout;
	hc.stall_timeout = cfg->stall_timeout;
	s->http = sk_http_open(&hc, err);
	if (!s->http)
		goto fail;
	return s;
fail:
	sk_s3_close(s);
	return NULL;
}

void sk_s3_close(struct sk_s3 *s)
{
	if (!s)
		return;
	sk_http_close(s->http);
	free(s);
}

int sk_s3_key(const struct sk_s3 *s, const char *name, struct sk_buf *out, struct sk_err *err)
{
	sk_buf_reset(out);
	if (!name || !*name)
		return sk_err_set(err, SK_E_USAGE, "empty object name");
	if (sk_buf_adds(out, s->prefix, err) < 0 || sk_buf_adds(out, name, err) < 0)
		return -1;
	if (out->len > 1024)
		return sk_err_set(err, SK_E_USAGE, "key '%s': longer than 1024 bytes", out->data);
	return 0;
}

int sk_s3_url(const struct sk_s3 *s, const char *key, const char *query, struct sk_buf *out,
	      struct sk_err *err)
{
	sk_buf_reset(out);
	if (s->path_style) {
		if (sk_buf_addf(out, err, "%s://%s%s/", s->scheme, s->hostport, s->base_path) < 0 ||
		    sk_http_uri_encode(out, s->cfg.bucket, 0, err) < 0)
			return -1;
		if (key && *key && sk_buf_adds(out, "/", err) < 0)
			return -1;
	} else {
		if (sk_buf_addf(out, err, "%s://%s.%s%s/", s->scheme, s->cfg.bucket, s->hostport,
				s->base_path) < 0)
			return -1;
	}
	if (key && *key && sk_http_uri_encode(out, key, 1, err) < 0)
		return -1;
	if (query && *query && sk_buf_addf(out, err, "?%s", query) < 0)
		return -1;
	return 0;
}

struct kv {
	struct sk_buf k, v;
};

static int kv_cmp(const void *a, const void *b)
{
	const struct kv *x = a, *y = b;
	int c = strcmp(x->k.data, y->k.data);

	return c ? c : strcmp(x->v.data, y->v.data);
}

int sk_s3_query(struct sk_buf *out, const char *const *kv, size_t n, struct sk_err *err)
{
	struct kv *e = calloc(n ? n : 1, sizeof(*e));
	int ret = -1;

	sk_buf_reset(out);
	if (!e)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		e[i].k.max = e[i].v.max = 4096;
		if (sk_http_uri_encode(&e[i].k, kv[2 * i], 0, err) < 0 ||
		    sk_http_uri_encode(&e[i].v, kv[2 * i + 1] ? kv[2 * i + 1] : "", 0, err) < 0)
			goto out;
	}
	/* SigV4: sort by the encoded names (byte order), then by value */
	qsort(e, n, sizeof(*e), kv_cmp);
	for (size_t i = 0; i < n; i++)
		if (sk_buf_addf(out, err, "%s%s=%s", i ? "&" : "", e[i].k.data, e[i].v.data) < 0)
			goto out;
	if (!out->data && sk_buf_add(out, "", 0, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		sk_buf_release(&e[i].k);
		sk_buf_release(&e[i].v);
	}
	free(e);
	return ret;
}

static int xml_escape(struct sk_buf *b, const char *s, struct sk_err *err)
{
	for (; *s; s++) {
		const char *rep = *s == '"' ? "&quot;" : *s == '&' ? "&amp;" : *s == '<' ? "&lt;"
				 : *s == '>' ? "&gt;" : NULL;
		if (rep ? sk_buf_adds(b, rep, err) < 0 : sk_buf_add(b, s, 1, err) < 0)
			return -1;
	}
	return 0;
}

static void hex_of(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ETags compare without their quotes and case. */
static int etag_is(const char *etag, const char *want)
{
	size_t n = strlen(want);

	if (*etag == '"')
		etag++;
	return !strncasecmp(etag, want, n) && (etag[n] == '\0' || (etag[n] == '"' && !etag[n + 1]));
}

/* ---- requests ---- */

struct s3req {
	const char *method;
	const char *key;          /* NULL: the bucket */
	const char *query;        /* canonical, or NULL */
	enum sk_http_body body;
	const void *data;
	size_t len;
	const char *path;
	off_t offset;
	long long length;
	const char *sha256;       /* hex of the body; NULL: the empty body */
	const char *md5;          /* base64 Content-MD5, or NULL */
	const char *content_type;
	int no_interrupt;
	/* progress across the whole file */
	unsigned long long base, total;
};

struct op_ctx {
	struct sk_s3 *s;
	struct sk_http_req *req;
	struct sk_http_resp *resp;
	const char *label;
	const char *method;
};

/* Codes S3 sends for conditions that pass, whatever the HTTP status says. */
static int s3_code_transient(const char *code)
{
	static const char *const codes[] = {"SlowDown", "RequestTimeout", "InternalError",
					    "ServiceUnavailable", "OperationAborted"};
	for (size_t i = 0; i < SK_ARRAY_SIZE(codes); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

static const char *s3_hint(const char *code, long status)
{
	if (!strcmp(code, "SignatureDoesNotMatch"))
		return "; check the secret access key (and the region)";
	if (!strcmp(code, "InvalidAccessKeyId"))
		return "; check the access key id";
	if (!strcmp(code, "NoSuchBucket") || (!*code && status == 404))
		return "; check the bucket name and the endpoint";
	if (!strcmp(code, "AccessDenied") || (!*code && status == 403))
		return "; the credentials are refused or lack permission (s3:PutObject on the prefix)";
	if (!strcmp(code, "AuthorizationHeaderMalformed") || !strcmp(code, "PermanentRedirect") ||
	    status == 301)
		return "; the bucket is in another region: check the region and the endpoint";
	if (!strcmp(code, "RequestTimeTooSkewed"))
		return "; this machine's clock is wrong";
	if (!strcmp(code, "ExpiredToken") || !strcmp(code, "InvalidToken"))
		return "; the session token expired or is invalid";
	return "";
}

/*
 * One attempt: the HTTP request, then S3's own error document (also inside
 * a 200 answer to CompleteMultipartUpload) decides the message and class.
 */
static int s3_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct op_ctx *o = ctx;
	struct sk_http_resp *r = o->resp;
	char code[64] = "", msg[200] = "";
	enum sk_ecode ec;
	int rc, in_body_error;

	/* the attempt ends by the retry deadline, even against a server that
	 * trickles its answer */
	o->req->time_limit = sk_retry_remaining(st) > 0 ? sk_retry_remaining(st) : 0;
	rc = sk_http_perform(o->s->http, o->req, r, err);
	in_body_error = rc == 0 && r->body.len && strstr(r->body.data, "<Error>");

	if (rc == 0 && !in_body_error)
		return 0;
	if (!in_body_error && r->status < 300)
		return -1; /* no S3 answer to interpret: http.c's message stands */
	if (r->body.len && strstr(r->body.data, "<Error>")) {
		sk_xml_text(r->body.data, r->body.len, "Code", SK_XML_CUT, code, sizeof(code));
		sk_xml_text(r->body.data, r->body.len, "Message", SK_XML_CUT, msg, sizeof(msg));
		for (size_t n = strlen(msg); n && (msg[n - 1] == '.' || msg[n - 1] == ' '); n--)
			msg[n - 1] = '\0'; /* our message goes on after it */
	}
	ec = sk_http_status_class(r->status);
	if (in_body_error)
		ec = !*code || s3_code_transient(code) ? SK_E_TRANSIENT : SK_E_PERMANENT;
	else if (*code && s3_code_transient(code))
		ec = SK_E_TRANSIENT; /* e.g. RequestTimeout comes as HTTP 400 */
	if (ec == SK_E_NONE)
		ec = SK_E_PERMANENT;
	sk_err_set(err, ec, "%s '%s': HTTP %ld%s%s%s%s%s", o->method, o->label, r->status,
		   *code || *r->reason ? " " : "", *code ? code : r->reason, *msg ? ": " : "", msg,
		   s3_hint(code, r->status));
	st->retry_after = r->retry_after; /* SlowDown without one: sk_retry's backoff */
	/* the secret never reaches a message, even if a server echoed it */
	if (o->s->cfg.secret_key && strlen(o->s->cfg.secret_key) >= 3 &&
	    strstr(err->msg, o->s->cfg.secret_key))
		sk_err_set(err, err->code, "%s '%s': HTTP %ld", o->method, o->label, r->status);
	return -1;
}

struct progress_ctx {
	struct sk_s3 *s;
	const char *key;
	unsigned long long base, total;
};

static void on_progress(void *ctx, unsigned long long sent, unsigned long long total)
{
	struct progress_ctx *p = ctx;

	(void)total;
	p->s->cfg.progress(p->s->cfg.progress_ctx, p->key, p->base + sent, p->total);
}

/*
 * Make request `q` under the retry policy (`policy` NULL: the handle's).
 * `attempts` grows by the retries made. The response stays in `resp`.
 */
static int s3_do(struct sk_s3 *s, const struct s3req *q, const struct sk_retry_policy *policy,
		 struct sk_http_resp *resp, int *attempts, struct sk_err *err)
{
	struct sk_buf url = SK_BUF_INIT(8192);
	char h_sha[128], h_md5[64], h_tok[8192], label[1200];
	const char *headers[4];
	size_t nh = 0;
	struct sk_http_req req = {0};
	struct sk_retry_state st = {0};
	struct progress_ctx pc = {s, q->key, q->base, q->total};
	struct op_ctx o;
	int ret = -1;

	if (sk_s3_url(s, q->key, q->query, &url, err) < 0)
		goto out;
	snprintf(label, sizeof(label), "s3://%s/%s", s->cfg.bucket, q->key ? q->key : "");
	snprintf(h_sha, sizeof(h_sha), "x-amz-content-sha256: %s", q->sha256 ? q->sha256 : EMPTY_SHA256);
	headers[nh++] = h_sha;
	if (q->md5) {
		snprintf(h_md5, sizeof(h_md5), "Content-MD5: %s", q->md5);
		headers[nh++] = h_md5;
	}
	if (s->cfg.session_token && *s->cfg.session_token) {
		if (snprintf(h_tok, sizeof(h_tok), "x-amz-security-token: %s", s->cfg.session_token) >=
		    (int)sizeof(h_tok)) {
			sk_err_set(err, SK_E_USAGE, "session token: too long");
			goto out;
		}
		headers[nh++] = h_tok;
	}
	headers[nh] = NULL;

	req.method = q->method;
	req.url = url.data;
	req.headers = headers;
	req.what = label;
	req.body = q->body;
	req.data = q->data;
	req.len = q->len;
	req.path = q->path;
	req.offset = q->offset;
	req.length = q->length;
	req.content_type = q->content_type;
	req.auth = SK_HTTP_AUTH_SIGV4;
	req.user = s->cfg.access_key;
	req.password = s->cfg.secret_key;
	req.token = s->cfg.session_token; /* not sent as bearer: only redacted from messages */
	req.sigv4 = s->sigv4;
	req.no_interrupt = q->no_interrupt;
	if (s->cfg.progress && q->body == SK_HTTP_BODY_FILE) {
		req.progress = on_progress;
		req.progress_ctx = &pc;
	}
	o = (struct op_ctx){s, &req, resp, label, q->method};
	ret = sk_retry(policy ? policy : s->cfg.retry, s3_op, &o, &st, err);
	if (attempts && st.attempt > 1)
		*attempts += st.attempt - 1;
out:
	sk_buf_release(&url);
	return ret;
}

/* ---- the unfinished-upload record ---- */

static int state_path(const struct sk_s3 *s, const char *key, char out[PATH_MAX],
		      struct sk_err *err)
{
	struct sk_sha256 *h;
	char hex[SK_SHA256_HEX_LEN + 1], name[64];

	if (!s->cfg.state_dir)
		return 0;
	if (!(h = sk_sha256_open(err)))
		return -1;
	sk_sha256_update(h, s->endpoint, strlen(s->endpoint) + 1);
	sk_sha256_update(h, s->cfg.bucket, strlen(s->cfg.bucket) + 1);
	sk_sha256_update(h, key, strlen(key));
	sk_sha256_hex(h, hex);
	sk_sha256_close(h);
	snprintf(name, sizeof(name), "s3-%.16s.upload", hex);
	return sk_path_join(out, s->cfg.state_dir, name, err) < 0 ? -1 : 1;
}

static int state_save(const struct sk_s3 *s, const char *key, const char *upload_id,
		      struct sk_err *err)
{
	char path[PATH_MAX];
	struct sk_buf b = SK_BUF_INIT(4096);
	int rc = state_path(s, key, path, err), ret = -1;

	if (rc <= 0)
		return rc;
	if (sk_mkdir_p(s->cfg.state_dir, err) < 0)
		goto out;
	if (sk_buf_addf(&b, err, "%s\n%s\n%s\n", s->cfg.bucket, key, upload_id) < 0)
		goto out;
	if (sk_write_file_atomic(path, b.data, b.len, 0, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	sk_buf_release(&b);
	return ret;
}

static void state_drop(const struct sk_s3 *s, const char *key)
{
	char path[PATH_MAX];

	if (state_path(s, key, path, NULL) > 0)
		unlink(path); /* gone already is fine */
}

/* Abort multipart upload `id` of `key`. Returns 0 when it is gone. */
static int abort_upload(struct sk_s3 *s, const char *key, const char *id, struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(4096);
	struct sk_http_resp resp;
	struct sk_retry_policy p = *s->cfg.retry;
	const char *kv[] = {"uploadId", id};
	struct s3req r = {0};
	int ret = -1;

	/* a short policy: this runs on the way out, maybe with SIGKILL coming */
	if (p.max_attempts > 3)
		p.max_attempts = 3;
	if (p.max_delay > 2)
		p.max_delay = 2;
	p.notice = NULL;
	sk_http_resp_init(&resp, XML_MAX);
	if (sk_s3_query(&q, kv, 1, err) < 0)
		goto out;
	r.method = "DELETE";
	r.key = key;
	r.query = q.data;
	r.no_interrupt = 1;
	ret = s3_do(s, &r, &p, &resp, NULL, err);
	if (ret < 0 && resp.status == 404)
		ret = 0; /* NoSuchUpload: nothing left to abort */
	if (ret == 0)
		state_drop(s, key);
out:
	sk_http_resp_release(&resp);
	sk_buf_release(&q);
	return ret;
}

/* Abort what an earlier run of this key left behind (see s3.h). */
static int abort_stale(struct sk_s3 *s, const char *key, struct sk_s3_put *out,
		       struct sk_err *err)
{
	char path[PATH_MAX];
	struct sk_err e2 = SK_ERR_INIT;
	char *text, *l1, *l2, *l3, *save = NULL;
	int rc = state_path(s, key, path, err);

	if (rc <= 0)
		return rc;
	if (access(path, F_OK) != 0)
		return 0;
	if (!(text = sk_read_small_file(path, 8192, 1, err)))
		return -1;
	l1 = strtok_r(text, "\n", &save);
	l2 = strtok_r(NULL, "\n", &save);
	l3 = strtok_r(NULL, "\n", &save);
	if (l1 && l2 && l3 && !strcmp(l1, s->cfg.bucket) && !strcmp(l2, key)) {
		if (abort_upload(s, key, l3, &e2) == 0) {
			out->stale_aborted = 1;
		} else if (e2.code == SK_E_TRANSIENT || e2.code == SK_E_INTERRUPTED) {
			/* the server is still not well: this upload would fail too */
			sk_err_set(err, e2.code, "aborting the multipart upload an earlier run left: %s",
				   e2.msg);
			free(text);
			return -1;
		} else {
			/* refused for good: say so once, do not try forever */
			snprintf(out->warning, sizeof(out->warning),
				 "could not abort multipart upload %.64s an earlier run left: %.300s; "
				 "abort it by hand or let a lifecycle rule expire it", l3, e2.msg);
			state_drop(s, key);
		}
	} else {
		state_drop(s, key);
	}
	free(text);
	return 0;
}

/* ---- uploads ---- */

static int put_single(struct sk_s3 *s, FILE *fp, const char *path, const char *key,
		      unsigned long long size, struct sk_s3_put *out, struct sk_err *err)
{
	struct sk_s3_digests d;
	struct sk_http_resp resp;
	struct s3req r = {0};
	int ret = -1;

	sk_http_resp_init(&resp, XML_MAX);
	if (sk_s3_hash_file(fileno(fp), size, &d, err) < 0)
		goto out;
	memcpy(out->sha256, d.sha256, sizeof(out->sha256));
	r.method = "PUT";
	r.key = key;
	r.body = SK_HTTP_BODY_FILE;
	r.path = path;
	r.offset = 0;
	r.length = (long long)size;
	r.sha256 = d.sha256;
	r.md5 = d.md5_b64;
	r.content_type = sk_mime_type(path);
	r.total = size;
	if (s3_do(s, &r, NULL, &resp, &out->attempts, err) < 0)
		goto out;
	snprintf(out->etag, sizeof(out->etag), "%s", resp.etag);
	{
		char hex[33];
		hex_of(d.md5, 16, hex);
		out->etag_checked = etag_is(resp.etag, hex);
	}
	ret = 0;
out:
	sk_http_resp_release(&resp);
	return ret;
}

static int put_multipart(struct sk_s3 *s, FILE *fp, const char *path, const char *key,
			 unsigned long long size, struct sk_s3_put *out, struct sk_err *err)
{
	struct sk_http_resp resp;
	struct sk_buf q = SK_BUF_INIT(4096), xml = SK_BUF_INIT(4 << 20);
	struct sk_s3_part_hasher *hasher = NULL;
	EVP_MD_CTX *md5s = EVP_MD_CTX_new();
	char upload_id[1024] = "", (*etags)[256] = NULL;
	unsigned long long part = s->part_size;
	unsigned int nparts, mdlen;
	unsigned char md[16];
	char hex[40];
	struct s3req r;
	int ret = -1, created = 0;

	sk_http_resp_init(&resp, XML_MAX);
	if (!md5s || EVP_DigestInit_ex(md5s, EVP_md5(), NULL) != 1) {
		sk_err_set(err, SK_E_NOMEM, "md5: cannot initialise");
		goto out;
	}
	/* S3 allows 10000 parts: grow the part (in whole MiB) for huge files */
	if ((size + part - 1) / part > SK_S3_MAX_PARTS)
		part = ((size / SK_S3_MAX_PARTS) | ((1ULL << 20) - 1)) + 1;
	nparts = (unsigned int)((size + part - 1) / part);
	if (!(etags = calloc(nparts, sizeof(*etags)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	/* the parts are hashed one ahead of the part being sent */
	if (!(hasher = sk_s3_part_hasher_start(fileno(fp), size, part, nparts, err)))
		goto out;

	/* CreateMultipartUpload: "uploads=", with the '=' libcurl signs */
	{
		const char *kv[] = {"uploads", NULL};
		if (sk_s3_query(&q, kv, 1, err) < 0)
			goto out;
	}
	r = (struct s3req){.method = "POST", .key = key, .query = q.data, .body = SK_HTTP_BODY_MEM,
			   .data = "", .len = 0, .content_type = sk_mime_type(path)};
	if (s3_do(s, &r, NULL, &resp, &out->attempts, err) < 0)
		goto out;
	if (sk_xml_text(resp.body.data, resp.body.len, "UploadId", SK_XML_WHOLE, upload_id,
			sizeof(upload_id)) != 1 ||
	    !*upload_id) {
		sk_err_set(err, SK_E_PERMANENT, "POST 's3://%s/%s?uploads': no UploadId in the answer",
			   s->cfg.bucket, key);
		goto out;
	}
	created = 1;
	{
		/* only a safety net for the next run: no reason to fail this one */
		struct sk_err e2 = SK_ERR_INIT;
		if (state_save(s, key, upload_id, &e2) < 0)
			snprintf(out->warning, sizeof(out->warning),
				 "cannot record multipart upload %.64s for the next run (%.300s)",
				 upload_id, e2.msg);
	}

	for (unsigned int i = 0; i < nparts; i++) {
		unsigned long long off = (unsigned long long)i * part;
		unsigned long long len = size - off < part ? size - off : part;
		struct sk_s3_digests d;
		char num[16];
		const char *kv[] = {"partNumber", num, "uploadId", upload_id};

		snprintf(num, sizeof(num), "%u", i + 1);
		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "interrupted");
			goto out;
		}
		if (sk_s3_part_digests(hasher, i, &d, err) < 0)
			goto out;
		if (EVP_DigestUpdate(md5s, d.md5, 16) != 1) {
			sk_err_set(err, SK_E_NOMEM, "md5 failed");
			goto out;
		}
		if (sk_s3_query(&q, kv, 2, err) < 0)
			goto out;
		r = (struct s3req){.method = "PUT", .key = key, .query = q.data,
				   .body = SK_HTTP_BODY_FILE, .path = path, .offset = (off_t)off,
				   .length = (long long)len, .sha256 = d.sha256, .md5 = d.md5_b64,
				   .base = off, .total = size};
		if (s3_do(s, &r, NULL, &resp, &out->attempts, err) < 0) {
			sk_err_prefix(err, "part %u of %u", i + 1, nparts);
			goto out;
		}
		if (!*resp.etag) {
			sk_err_set(err, SK_E_PERMANENT, "part %u of %u of 's3://%s/%s': no ETag in the answer",
				   i + 1, nparts, s->cfg.bucket, key);
			goto out;
		}
		snprintf(etags[i], sizeof(etags[i]), "%s", resp.etag);
	}

	/* CompleteMultipartUpload */
	if (sk_buf_adds(&xml, "<CompleteMultipartUpload>", err) < 0)
		goto out;
	for (unsigned int i = 0; i < nparts; i++) {
		if (sk_buf_addf(&xml, err, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1) < 0 ||
		    xml_escape(&xml, etags[i], err) < 0 || sk_buf_adds(&xml, "</ETag></Part>", err) < 0)
			goto out;
	}
	if (sk_buf_adds(&xml, "</CompleteMultipartUpload>", err) < 0)
		goto out;
	{
		const char *kv[] = {"uploadId", upload_id};
		struct sk_sha256 *h = sk_sha256_open(err);
		struct sk_s3_digests d;
		if (!h)
			goto out;
		sk_sha256_update(h, xml.data, xml.len);
		sk_sha256_hex(h, d.sha256);
		sk_sha256_close(h);
		if (sk_s3_query(&q, kv, 1, err) < 0)
			goto out;
		int before = out->attempts;
		r = (struct s3req){.method = "POST", .key = key, .query = q.data,
				   .body = SK_HTTP_BODY_MEM, .data = xml.data, .len = xml.len,
				   .sha256 = d.sha256, .content_type = "application/xml"};
		if (s3_do(s, &r, NULL, &resp, &out->attempts, err) < 0) {
			/* NoSuchUpload after a retry: the first try completed it and its
			 * answer was lost; the HEAD check that follows decides */
			if (resp.status != 404 || out->attempts == before)
				goto out;
			sk_err_clear(err);
		}
	}
	created = 0; /* the upload is an object now: nothing to abort */
	state_drop(s, key);
	sk_xml_text(resp.body.data, resp.body.len, "ETag", SK_XML_WHOLE, out->etag, sizeof(out->etag));
	sk_s3_part_hasher_sha256(hasher, out->sha256);
	/* AWS's multipart ETag: the MD5 of the part MD5s, then "-N" */
	if (EVP_DigestFinal_ex(md5s, md, &mdlen) != 1) {
		sk_err_set(err, SK_E_NOMEM, "md5 failed");
		goto out;
	}
	hex_of(md, 16, hex);
	snprintf(hex + 32, sizeof(hex) - 32, "-%u", nparts);
	out->etag_checked = etag_is(out->etag, hex);
	out->parts = (int)nparts;
	ret = 0;
out:
	sk_s3_part_hasher_close(hasher); /* first: no hashing while aborting */
	if (ret < 0 && created) {
		struct sk_err e2 = SK_ERR_INIT;
		size_t n = strlen(err->msg);
		if (abort_upload(s, key, upload_id, &e2) < 0) {
			/* keep the record only when a later try can succeed */
			int later = e2.code == SK_E_TRANSIENT || e2.code == SK_E_INTERRUPTED;
			if (!later)
				state_drop(s, key);
			if (n + 40 < sizeof(err->msg))
				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; aborting multipart upload %.64s failed too (%.200s)%s", upload_id,
					 e2.msg, later && s->cfg.state_dir ? ": the next run aborts it"
					 : ": abort it by hand or let a lifecycle rule expire it");
		}
	}
	free(etags);
	EVP_MD_CTX_free(md5s);
	sk_buf_release(&xml);
	sk_buf_release(&q);
	sk_http_resp_release(&resp);
	return ret;
}

int sk_s3_put_file(struct sk_s3 *s, const char *path, const char *name, struct sk_s3_put *out,
		   struct sk_err *err)
{
	struct sk_buf key = SK_BUF_INIT(2048), url = SK_BUF_INIT(8192);
	struct sk_http_resp resp;
	struct timespec t0, t1;
	struct stat st;
	struct s3req r = {0};
	FILE *fp = NULL;
	unsigned long long size;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->attempts = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sk_http_resp_init(&resp, XML_MAX);
	if (!(fp = fopen(path, "rb")) || fstat(fileno(fp), &st) < 0) {
		sk_err_set(err, SK_E_IO, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		sk_err_set(err, SK_E_IO, "not a regular file");
		goto out;
	}
	size = (unsigned long long)st.st_size;
	if (sk_s3_key(s, name, &key, err) < 0 || sk_s3_url(s, key.data, NULL, &url, err) < 0)
		goto out;
	snprintf(out->key, sizeof(out->key), "%s", key.data);
	snprintf(out->url, sizeof(out->url), "%s", url.data);
	if (abort_stale(s, key.data, out, err) < 0)
		goto out;
	if (size >= s->threshold && size > 0) {
		if (put_multipart(s, fp, path, key.data, size, out, err) < 0)
			goto out;
	} else if (put_single(s, fp, path, key.data, size, out, err) < 0) {
		goto out;
	}

	/* the object as the server holds it now */
	r.method = "HEAD";
	r.key = key.data;
	if (s3_do(s, &r, NULL, &resp, &out->attempts, err) < 0) {
		sk_err_prefix(err, "checking the uploaded object");
		goto out;
	}
	if (resp.content_length < 0 || (unsigned long long)resp.content_length != size) {
		sk_err_set(err, SK_E_TRANSIENT, "'s3://%s/%s': holds %lld bytes after the upload, "
			   "the file %llu", s->cfg.bucket, key.data, resp.content_length, size);
		goto out;
	}
	if (!out->etag[0])
		snprintf(out->etag, sizeof(out->etag), "%s", resp.etag);
	out->bytes = size;
	ret = 0;
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (fp)
		fclose(fp); /* read-only */
	sk_http_resp_release(&resp);
	sk_buf_release(&key);
	sk_buf_release(&url);
	return ret;
}

int sk_s3_check(struct sk_s3 *s, struct sk_s3_check *res, struct sk_err *err)
{
	static const char probe[] = "stepkit write probe\n";
	struct sk_http_resp resp;
	struct sk_buf key = SK_BUF_INIT(2048);
	struct s3req r = {0};
	struct sk_s3_digests d;
	char name[128];
	int ret = -1;

	memset(res, 0, sizeof(*res));
	sk_http_resp_init(&resp, XML_MAX);

	r.method = "HEAD";
	if (s3_do(s, &r, NULL, &resp, NULL, err) == 0) {
		res->reachable = res->bucket_exists = 1;
	} else {
		res->reachable = resp.status != 0;
		if (!res->reachable) {
			sk_err_prefix(err, "endpoint '%s://%s' not reachable", s->scheme, s->hostport);
			goto out;
		}
		if (resp.status == 404) {
			sk_err_set(err, SK_E_PERMANENT, "bucket '%s' does not exist (HEAD: HTTP 404): "
				   "check the bucket name, the endpoint and the region", s->cfg.bucket);
			goto out;
		}
		if (resp.status != 403) {
			sk_err_prefix(err, "bucket check");
			goto out;
		}
		res->bucket_denied = 1; /* no s3:ListBucket, or bad keys: the probe tells */
		sk_err_clear(err);
	}

	snprintf(name, sizeof(name), ".stepkit-check-%ld-%ld", (long)getpid(), (long)time(NULL));
	if (sk_s3_key(s, name, &key, err) < 0)
		goto out;
	snprintf(res->probe_key, sizeof(res->probe_key), "%s", key.data);
	if (sk_s3_hash_mem(probe, sizeof(probe) - 1, &d, err) < 0)
		goto out;
	r = (struct s3req){.method = "PUT", .key = key.data, .body = SK_HTTP_BODY_MEM,
			   .data = probe, .len = sizeof(probe) - 1, .sha256 = d.sha256,
			   .md5 = d.md5_b64, .content_type = "text/plain"};
	if (s3_do(s, &r, NULL, &resp, NULL, err) < 0) {
		if (res->bucket_denied && resp.status == 403)
			sk_err_prefix(err, "write probe (HEAD bucket was refused too: the keys are "
				      "wrong or may not write under the prefix)");
		else
			sk_err_prefix(err, "write probe");
		goto out;
	}
	res->write_ok = 1;
	r = (struct s3req){.method = "DELETE", .key = key.data};
	if (s3_do(s, &r, NULL, &resp, NULL, err) == 0)
		res->delete_ok = 1;
	sk_err_clear(err);
	ret = 0;
out:
	sk_buf_release(&key);
	sk_http_resp_release(&resp);
	return ret;
}
