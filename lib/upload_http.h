/*
 * upload_http.h: the upload-http step: send files to an HTTP(S) endpoint by
 * PUT of the raw file or POST of multipart/form-data, over one connection
 * (http.h does the transfer). tools/upload-http.c holds only the options;
 * doc/upload-http.md is the operator's documentation.
 *
 * Like notify.c, this module is the step runtime of one tool, so it logs
 * (each file sent, progress, the --check verdict) through log.h; it never
 * exits.
 */
#ifndef SK_UPLOAD_HTTP_H
#define SK_UPLOAD_HTTP_H

#include "errors.h"

struct sk_step;

/*
 * The tool's settings as given (flag or environment), all borrowed, NULL
 * when unset. Secrets are not here: HTTP_PASSWORD(_FILE) and
 * HTTP_BEARER_TOKEN(_FILE) are read from the environment by the calls below.
 */
struct sk_upload_http_opts {
	const char *url;     /* HTTP_UPLOAD_URL: required; PUT to URL/NAME when it ends
				in '/', else to URL (one file only); POST to URL */
	const char *method;  /* HTTP_METHOD: "PUT" (default) or "POST" */
	const char *user;    /* HTTP_USER: basic auth, needs HTTP_PASSWORD(_FILE) */
	const char *headers; /* HTTP_HEADERS: extra "Name: value" lines, newline or ';' */
	const char *ca_file; /* HTTP_CA_FILE: PEM bundle of a private CA */
	const char *connect_timeout; /* HTTP_CONNECT_TIMEOUT: seconds (default 10) */
	const char *timeout; /* HTTP_TIMEOUT: seconds without a byte moving (default 60) */
	const char *allow_insecure_auth; /* HTTP_ALLOW_INSECURE_AUTH: "1"/"true" lets a
				password, a bearer token or an Authorization
				header go over plain http:// (refused otherwise) */
	const char *follow_symlinks; /* STEPKIT_FOLLOW_SYMLINKS: "1"/"true" sends a file
				that is a link out of the work directory
				(refused otherwise, see sk_upload_local()) */
};

/*
 * The step. Validates the settings (SK_E_USAGE: no or bad URL, a method
 * other than PUT/POST, a bad header, a token together with a user or
 * password, a user without a password or the reverse, credentials or an
 * Authorization header for a plain http:// URL without allow_insecure_auth),
 * then checks every
 * local file (argv resolved against the work directory; none: the three
 * reports; missing or not regular: SK_E_IO) and builds every target URL
 * (two files of the same name, or several for a URL naming one file:
 * SK_E_USAGE) before the first byte goes out. Then sends the files in order
 * over one handle, each retried per lib/retry.h; the first failure stops
 * the step, its message prefixed with the local path.
 *
 * Records in the event, per file: the local file as an input, the stored
 * one as an output (its redacted URL, bytes, sha256, source, seconds,
 * attempts), counts "files", "bytes" and "attempts" (every request, failed
 * ones too). 0, or -1 with `err` (classes as in http.h).
 */
int sk_upload_http_run(struct sk_step *s, const struct sk_upload_http_opts *o, int argc,
		       char **argv, struct sk_err *err);

/*
 * --check: validate the settings as above, then HEAD the URL with the
 * credentials (sk_http_upload_check()); nothing is stored. Logs the
 * configuration and the verdict; a failure's message says what to check
 * (credentials for 401/403, URL, network and CA file when unreachable).
 * 0, or -1 with `err`.
 */
int sk_upload_http_check(struct sk_step *s, const struct sk_upload_http_opts *o,
			 struct sk_err *err);

#endif
