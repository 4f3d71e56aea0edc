/*
 * http.h: the one libcurl wrapper of stepkit (HTTP and HTTPS), used by
 * upload-http, upload-s3 (through s3.h) and notify's webhook.
 *
 * A `struct sk_http` is one libcurl easy handle. Requests made through the
 * same handle reuse its connection (keep-alive, TLS session), so a tool that
 * sends several files opens one handle and calls sk_http_perform() per file.
 * Tools never see libcurl types: they fill a `struct sk_http_req`, get a
 * `struct sk_http_resp` back, and an `sk_err` classified where the error
 * happens:
 *
 *   SK_E_TRANSIENT  connection refused, DNS failure, timeout, stall (no byte
 *                   moved for the stall timeout) or time limit reached, send or
 *                   receive error, connection closed before or during the
 *                   response (even after "100 Continue"), TLS handshake cut
 *                   short, HTTP 408, 425, 429 and
 *                   every 5xx. `resp->retry_after` carries the server's
 *                   Retry-After (seconds) for sk_retry().
 *   SK_E_PERMANENT  every other 4xx (401, 403, 404...), 1xx/3xx as a final
 *                   answer (redirects are never followed: credentials must
 *                   not travel to another host), TLS certificate not trusted,
 *                   login denied, anything else libcurl reports.
 *   SK_E_USAGE      a malformed URL, a scheme other than http/https, a bad
 *                   header.
 *   SK_E_IO         a local body file that cannot be opened or read.
 *   SK_E_INTERRUPTED  SIGTERM/SIGINT arrived during the transfer (it is
 *                   aborted within about a second).
 *
 * Messages are shaped "METHOD 'URL': reason", with the URL stripped of any
 * user:password@ part and of its query string, and with the request's
 * password, token and secret replaced by "***" wherever they would appear:
 * a secret never reaches a message. A request's `what` can replace the URL
 * in messages altogether (a webhook URL is itself a secret).
 *
 * TLS is always verified (peer and host name); `ca_file` adds trust in a
 * private CA. Only http:// and https:// URLs are accepted.
 */
#ifndef SK_HTTP_H
#define SK_HTTP_H

#include "buf.h"
#include "errors.h"
#include "retry.h"
#include "sha256.h"

#include <sys/types.h>

struct sk_http;

/* Per-handle settings: they apply to every request made through it. */
struct sk_http_cfg {
	const char *ca_file;      /* PEM CA bundle to trust, or NULL: the system store */
	double connect_timeout;   /* seconds to connect incl. TLS handshake; 0: 10 */
	long timeout;             /* cap on one whole request, seconds; 0: none of its own
				     (the request's time_limit still applies) */
	double stall_timeout;     /* abort when no byte has moved in either direction for
				     this long once connected, seconds (fractions kept;
				     checked at least once a second); 0: 60 */
	const char *user_agent;   /* NULL: "stepkit/VERSION" */
};

enum sk_http_body {
	SK_HTTP_BODY_NONE = 0, /* no request body */
	SK_HTTP_BODY_MEM,      /* `data`, `len` (copied by libcurl as it sends; keep it alive) */
	SK_HTTP_BODY_FILE,     /* `path`: `length` bytes from `offset` (length -1: to the end),
				  streamed from disk, never held in memory */
	SK_HTTP_BODY_FORM_FILE /* multipart/form-data with one part named `form_name`
				  ("file" when NULL) holding the whole file `path`, with
				  filename `filename` (NULL: the base name of `path`) */
};

enum sk_http_auth {
	SK_HTTP_AUTH_NONE = 0,
	SK_HTTP_AUTH_BASIC,  /* `user`, `password` */
	SK_HTTP_AUTH_BEARER, /* `token`: "Authorization: Bearer TOKEN" */
	SK_HTTP_AUTH_SIGV4   /* AWS Signature V4 by libcurl: `user` = access key id,
				`password` = secret key, `sigv4` = "aws:amz:REGION:SERVICE".
				The caller adds x-amz-content-sha256 (and any
				x-amz-security-token) to `headers`: libcurl signs them. */
};

/* One request. Everything is borrowed for the duration of the call. */
struct sk_http_req {
	const char *method;          /* "GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"... */
	const char *url;             /* http:// or https:// */
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL; checked
					with sk_http_header_check() before anything is sent */
	const char *what;            /* shown instead of the URL in messages, or NULL */

	enum sk_http_body body;
	const void *data;            /* BODY_MEM */
	size_t len;                  /* BODY_MEM */
	const char *path;            /* BODY_FILE, BODY_FORM_FILE; messages about the
					file do not name it: the caller does */
	off_t offset;                /* BODY_FILE: first byte to send */
	long long length;            /* BODY_FILE: bytes to send, -1: to the end of the file */
	const char *form_name;       /* BODY_FORM_FILE */
	const char *filename;        /* BODY_FORM_FILE */
	const char *content_type;    /* Content-Type of the body (of the part for FORM_FILE),
					or NULL: none for a PUT, application/octet-stream
					for a POST or a form part (never libcurl's
					form-urlencoded default, which SigV4 would sign) */
	int hash_body;               /* BODY_FILE, BODY_FORM_FILE: compute the SHA-256 of
					the file bytes sent into resp->sha256 (no second
					read of the file) */

	enum sk_http_auth auth;
	const char *user;            /* BASIC, SIGV4 */
	const char *password;        /* BASIC, SIGV4: secret, redacted from messages */
	const char *token;           /* BEARER: secret, redacted from messages */
	const char *sigv4;           /* SIGV4 */

	double time_limit;           /* seconds the whole request may take (connect, send,
					answer), or 0: only the handle's `timeout`. The
					smaller of the two bounds it: a server that trickles
					its answer a byte at a time (never a stall) still
					cannot hold the request longer. sk_http_perform_retry()
					sets it to the time left before the policy's deadline. */
	const char *accept_encoding; /* "": ask for every compression libcurl decodes
					(gzip, deflate...) and decode the answer before it
					reaches resp->body (body.max counts decoded bytes);
					NULL: ask for none */
	int no_interrupt;            /* 1: keep going after SIGTERM (cleanup requests such
					as an S3 abort; bounded by the timeouts) */
	/* Called about once a second while the body is sent; may be NULL. */
	void (*progress)(void *ctx, unsigned long long sent, unsigned long long total);
	void *progress_ctx;
};

/* What came back. Initialise with sk_http_resp_init(), free with
 * sk_http_resp_release(); one response can be reused for several requests
 * (each perform resets it). */
struct sk_http_resp {
	long status;                 /* final HTTP status; 0 when none arrived */
	char reason[64];             /* its reason phrase ("Service Unavailable"), may be "" */
	char etag[256];              /* ETag header as sent (quotes kept), or "" */
	char content_type[128];      /* Content-Type header, or "" */
	char location[512];          /* Location header (a redirect's target) as sent,
					or "": may hold a token in its query, show it
					only through sk_http_location_redact() */
	char link[2048];             /* the Link header(s) as sent, joined by ", " (RFC 8288:
					pagination's rel="next"), or "" */
	int link_cut;                /* a Link header did not fit in `link`: what is there
					is incomplete and must not be followed */
	double retry_after;          /* Retry-After in seconds from now, 0 when absent */
	long long content_length;    /* Content-Length header, -1 when absent */
	unsigned long long sent;     /* body bytes sent (of the file alone for FORM_FILE) */
	double seconds;              /* time the request took */
	int new_connection;          /* 1: a new connection was opened, 0: one was reused */
	char sha256[SK_SHA256_HEX_LEN + 1]; /* with req->hash_body: hex of the body sent */
	struct sk_buf body;          /* the response body, up to body.max bytes */
	int truncated;               /* 1 when the body was longer than body.max (the rest
					was read and dropped, not an error) */
};

/* Prepare `r` to keep at most `max_body` bytes of response body (0: none). */
void sk_http_resp_init(struct sk_http_resp *r, size_t max_body);

/* Free the body buffer. */
void sk_http_resp_release(struct sk_http_resp *r);

/* A new handle, or NULL with `err` set. `cfg` is copied (its strings are
 * borrowed and must outlive the handle). Caller closes. */
struct sk_http *sk_http_open(const struct sk_http_cfg *cfg, struct sk_err *err);

/* Close the connection and free the handle. NULL is fine. */
void sk_http_close(struct sk_http *h);

/*
 * Make one request. Returns 0 when a 2xx status arrived; otherwise -1 with
 * `err` classified as described at the top. `resp` is filled in both cases
 * as far as the exchange got (status, headers, body), so a caller can read
 * a 404 or an S3 error document after -1.
 */
int sk_http_perform(struct sk_http *h, const struct sk_http_req *req, struct sk_http_resp *resp,
		    struct sk_err *err);

/*
 * sk_http_perform() under the retry policy `p`: repeated while it fails with
 * SK_E_TRANSIENT, honouring Retry-After. Each attempt's time_limit is the
 * time left before the policy's deadline (or req->time_limit when that is
 * smaller), so the whole call ends near the deadline even while a server
 * trickles. `st` (caller-owned) tells afterwards how many attempts were
 * made (st->attempt). Returns 0 or -1 with `err`.
 */
int sk_http_perform_retry(struct sk_http *h, const struct sk_retry_policy *p,
			  const struct sk_http_req *req, struct sk_http_resp *resp,
			  struct sk_retry_state *st, struct sk_err *err);

/*
 * One attempt of sk_http_perform_retry() (for an sk_retry() operation of
 * its own that counts or limits attempts, as extract-api's does): the
 * request bounded by the time left before `st`'s deadline, the server's
 * Retry-After into st->retry_after on failure.
 */
int sk_http_attempt(struct sk_http *h, const struct sk_http_req *req, struct sk_http_resp *resp,
		    struct sk_retry_state *st, struct sk_err *err);

/*
 * A list of extra request headers, NULL-terminated so that `v` can be passed
 * as sk_http_req.headers. Starts zeroed ({0}); owns its strings.
 */
struct sk_http_headers {
	char **v;
	size_t n;
};

/* Append "Name: value" after checking it with sk_http_header_check().
 * 0, or -1 with `err` (SK_E_USAGE, or SK_E_NOMEM). */
int sk_http_headers_add(struct sk_http_headers *hl, const char *line, struct sk_err *err);

/*
 * Append the headers of a user setting such as HTTP_HEADERS: lines
 * separated by newlines, or by ';' when the text after the ';' starts a new
 * "Name:" (so "Content-Type: text/csv; charset=utf-8" stays one header).
 * Blank entries are skipped; each header is checked. 0, or -1 with `err`
 * (SK_E_USAGE) naming the bad entry by number, never echoing its value (it
 * may hold a token).
 */
int sk_http_headers_parse(struct sk_http_headers *hl, const char *spec, struct sk_err *err);

/* Free the list; it can be reused afterwards. */
void sk_http_headers_release(struct sk_http_headers *hl);

/*
 * Check one "Name: value" header line: the name an RFC 9110 token, then ':',
 * the value free of CR, LF, NUL and other control characters but tab (no
 * header injection). 0, or -1 with `err` (SK_E_USAGE, the value not echoed).
 */
int sk_http_header_check(const char *line, struct sk_err *err);

/*
 * If the response header line `line` (`len` bytes, CRLF included or not) is
 * `name` (case-insensitive), copy its value, trimmed, into `out` (truncated
 * to `outsz`) and return 1; else return 0. Exposed for the unit tests.
 */
int sk_http_header_value(const char *line, size_t len, const char *name, char *out,
			 size_t outsz);

/*
 * Classify an HTTP status: SK_E_NONE for 2xx, SK_E_TRANSIENT for 408, 425,
 * 429 and 5xx, SK_E_PERMANENT for anything else.
 */
enum sk_ecode sk_http_status_class(long status);

/*
 * After libcurl could not resolve the host of `url` (any scheme): 1 when
 * the system resolver, asked again, says the name does not exist (NXDOMAIN,
 * or no address): a typo, permanent. 0 when it could not answer (a DNS
 * outage: worth a retry), answers now, or the URL has no host. libcurl's
 * CURLE_COULDNT_RESOLVE_HOST is the same code for both.
 */
int sk_http_host_unknown(const char *url);

/*
 * Write `url` as it may appear in a message into `out`: scheme, host, port
 * and path only; no user:password@, no query string, no fragment (either
 * may carry a token). A URL that does not parse becomes "(bad url)".
 */
void sk_http_url_redact(const char *url, char *out, size_t outsz);

/*
 * Write a redirect target (resp->location: an absolute URL, or a path) as
 * it may appear in a message: an absolute URL as sk_http_url_redact() does,
 * a path without its query string and fragment.
 */
void sk_http_location_redact(const char *location, char *out, size_t outsz);

/*
 * Percent-encode `s` into `b` the way AWS SigV4 canonicalises a URI: the
 * unreserved characters A-Z a-z 0-9 - _ . ~ stay, '/' stays when
 * `keep_slash`, every other byte becomes %XX (upper-case hex). 0 or -1.
 */
int sk_http_uri_encode(struct sk_buf *b, const char *s, int keep_slash, struct sk_err *err);

/* ---- uploads (upload-http) ---- */

/*
 * Check a URL given by a user: http:// or https://, a host, and no
 * user:password@ part (credentials go in their own settings, never in a URL
 * that may sit in argv or a log). 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_http_url_check(const char *url, struct sk_err *err);

/*
 * The URL a file goes to: `base` + the percent-encoded `name` when the path
 * of `base` ends with '/' (a query string in `base`, such as a pre-signed
 * token, stays after it), else `base` itself, which only one file may use
 * (`nfiles` > 1 is then SK_E_USAGE). Written into `out`. 0 or -1.
 */
int sk_http_upload_url(const char *base, const char *name, int nfiles, struct sk_buf *out,
		       struct sk_err *err);

/* How to send files: shared by every file of a run. Borrowed strings. */
struct sk_http_upload {
	const char *method;          /* "PUT" (raw body) or "POST" (multipart/form-data,
					one part named "file" with the file name) */
	const char *content_type;    /* of the body or the part; NULL: the
					file's, by its name (mime.h) */
	const char *const *headers;  /* extra headers, NULL-terminated, or NULL */
	enum sk_http_auth auth;      /* NONE, BASIC or BEARER */
	const char *user, *password, *token;
	const struct sk_retry_policy *retry;
	void (*progress)(void *ctx, unsigned long long sent, unsigned long long total);
	void *progress_ctx;
};

/* What sending one file did, for the step's event. */
struct sk_http_upload_result {
	char url[2048];              /* where it went, redacted (no query, no user) */
	long status;                 /* the final HTTP status */
	unsigned long long bytes;    /* file bytes sent */
	char sha256[SK_SHA256_HEX_LEN + 1]; /* of the bytes sent */
	int attempts;                /* requests made, 1 when the first one worked */
	int reused;                  /* the last request rode on an open connection */
	double seconds;
};

/*
 * Send the local file `path` to `url` (from sk_http_upload_url) over `h`,
 * streamed from disk, retried under u->retry. 2xx is success. 0, or -1 with
 * `err` (which names the URL, not `path`: the caller prefixes it); `res` is
 * filled either way as far as it got.
 */
int sk_http_upload_file(struct sk_http *h, const struct sk_http_upload *u, const char *url,
			const char *path, struct sk_http_upload_result *res, struct sk_err *err);

/*
 * Preflight for an upload URL without storing anything: HEAD `url` with the
 * credentials of `u`, once (no retry: a preflight answers at once; the
 * request is still bounded by u->retry's deadline). It fails (-1, `err`
 * says which part and what to do) when the server cannot be reached
 * (SK_E_TRANSIENT), TLS verification fails, the answer is 401 or 403
 * (credentials refused: SK_E_PERMANENT), a redirect (3xx, SK_E_PERMANENT,
 * naming the status and the Location: the upload would fail, as redirects
 * are not followed), or 408/429/5xx (SK_E_TRANSIENT). Any other answer (2xx, 404 for a file
 * not uploaded yet, 405 from a server that takes only PUT/POST there) means
 * reachable, TLS verified and credentials not refused: 0, with the status in
 * `*status`. A server that checks credentials only on writes cannot be
 * verified further without writing.
 */
int sk_http_upload_check(struct sk_http *h, const struct sk_http_upload *u, const char *url,
			 long *status, struct sk_err *err);

#endif
