#include "base.h"
#include "upload_http.h"
#include "http.h"
#include "log.h"
#include "step.h"
#include "upload_step.h"

/* Everything a run or a check needs, secrets included (freed by cfg_release). */
struct cfg {
	struct sk_http_cfg http;
	struct sk_http_upload up;
	struct sk_http_headers headers;
	struct sk_retry_policy retry;
	char *password, *token;
	int follow; /* --follow-symlinks */
};

static void cfg_release(struct cfg *c)
{
	sk_http_headers_release(&c->headers);
	sk_upload_secret_free(c->password);
	sk_upload_secret_free(c->token);
}

static int cfg_load(const struct sk_upload_http_opts *o, struct cfg *c, struct sk_err *err)
{
	int insecure = 0;

	memset(c, 0, sizeof(*c));
	if (!o->url)
		return sk_err_set(err, SK_E_USAGE, "no upload URL: set HTTP_UPLOAD_URL or --url");
	if (sk_http_url_check(o->url, err) < 0)
		return sk_err_prefix(err, "HTTP_UPLOAD_URL");
	c->up.method = o->method ? o->method : "PUT";
	if (strcmp(c->up.method, "PUT") != 0 && strcmp(c->up.method, "POST") != 0)
		return sk_err_set(err, SK_E_USAGE, "HTTP_METHOD '%s': use PUT or POST", c->up.method);
	if (o->headers && sk_http_headers_parse(&c->headers, o->headers, err) < 0)
		return sk_err_prefix(err, "HTTP_HEADERS");
	c->up.headers = (const char *const *)c->headers.v;
	if (sk_upload_secret("HTTP_BEARER_TOKEN", 0, &c->token, err) < 0 ||
	    sk_upload_secret("HTTP_PASSWORD", 0, &c->password, err) < 0)
		return -1;
	if (c->token && (o->user || c->password))
		return sk_err_set(err, SK_E_USAGE, "both a bearer token and a user/password are set: use one");
	if (c->password && !o->user)
		return sk_err_set(err, SK_E_USAGE, "HTTP_PASSWORD is set but HTTP_USER is not");
	if (o->user && !c->password)
		return sk_err_set(err, SK_E_USAGE, "HTTP_USER is set but no HTTP_PASSWORD or HTTP_PASSWORD_FILE");
	c->up.auth = c->token ? SK_HTTP_AUTH_BEARER : o->user ? SK_HTTP_AUTH_BASIC : SK_HTTP_AUTH_NONE;
	if (sk_upload_bool(o->allow_insecure_auth, "HTTP_ALLOW_INSECURE_AUTH", &insecure, err) < 0)
		return -1;
	if (!insecure && !strncasecmp(o->url, "http://", 7)) {
		/* notify refuses a password without TLS the same way (SMTP_TLS=none) */
		const char *what = c->up.auth == SK_HTTP_AUTH_BEARER ? "the bearer token"
				   : c->up.auth == SK_HTTP_AUTH_BASIC ? "the password" : NULL;
		for (size_t i = 0; !what && i < c->headers.n; i++)
			if (!strncasecmp(c->headers.v[i], "Authorization:", 14) ||
			    !strncasecmp(c->headers.v[i], "Proxy-Authorization:", 20))
				what = "the Authorization header of HTTP_HEADERS";
		if (what)
			return sk_err_set(err, SK_E_USAGE, "HTTP_UPLOAD_URL is plain http://: refusing "
					  "to send %s unencrypted; use https://, or on a network you "
					  "trust allow it with --allow-insecure-auth "
					  "(HTTP_ALLOW_INSECURE_AUTH=1)", what);
	}
	c->up.user = o->user;
	c->up.password = c->password;
	c->up.token = c->token;
	if (sk_step_retry_policy(&c->retry, err) < 0 ||
	    sk_upload_bool(o->follow_symlinks, "STEPKIT_FOLLOW_SYMLINKS", &c->follow, err) < 0)
		return -1;
	c->up.retry = &c->retry;
	c->http.ca_file = o->ca_file;
	if (sk_upload_seconds(o->connect_timeout, "HTTP_CONNECT_TIMEOUT", 0,
			      &c->http.connect_timeout, err) < 0 ||
	    sk_upload_seconds(o->timeout, "HTTP_TIMEOUT", 0, &c->http.stall_timeout, err) < 0)
		return -1;
	return 0;
}

/* One file of a run. */
struct file {
	const char *arg;     /* as given (argv or a default name): progress lines */
	char path[PATH_MAX]; /* in the work directory */
	const char *name;    /* base name, inside `path` */
	struct sk_buf url;   /* where it goes */
	struct sk_upload_progress progress;
};

static void on_progress(void *ctx, unsigned long long sent, unsigned long long total)
{
	struct file *f = ctx;

	sk_upload_progress(&f->progress, f->arg, sent, total);
}

/* Every local file and every target, before the first byte goes out. */
static int prepare(struct sk_step *s, const struct sk_upload_http_opts *o, const struct cfg *c,
		   const char *const *names, struct file *files, int n, struct sk_err *err)
{
	for (int i = 0; i < n; i++) {
		struct file *f = &files[i];

		f->arg = names[i];
		if (sk_upload_local(s, names[i], f->path, &f->name, c->follow, err) < 0)
			return -1;
		f->url.max = 8192;
		/* PUT: URL/NAME; POST: every file to the form URL, named in its part */
		if (!strcmp(c->up.method, "POST") ? sk_buf_adds(&f->url, o->url, err) < 0
		    : sk_http_upload_url(o->url, f->name, n, &f->url, err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (!strcmp(files[j].name, f->name))
				return sk_err_set(err, SK_E_USAGE, "'%s' and '%s' have the same name: one "
						  "would overwrite the other", files[j].path, f->path);
	}
	return 0;
}

/* Send one file over `h` and record it. */
static int send_file(struct sk_step *s, struct sk_http *h, struct cfg *c, struct file *f,
		     struct sk_err *err)
{
	struct sk_http_upload_result r;
	int rc;

	sk_upload_progress_start(&f->progress);
	c->up.progress = on_progress;
	c->up.progress_ctx = f;
	sk_step_input(s, f->path);
	rc = sk_http_upload_file(h, &c->up, f->url.data, f->path, &r, err);
	sk_step_count(s, "attempts", r.attempts);
	if (rc < 0)
		return sk_err_prefix(err, "'%s'", f->path);
	sk_upload_record(s, &(struct sk_upload_record){.source = f->path,
						       .remote = r.url,
						       .bytes = r.bytes,
						       .sha256 = r.sha256,
						       .seconds = r.seconds,
						       .attempts = r.attempts});
	sk_debugf("'%s': %s connection", f->path, r.reused ? "reused the" : "opened a new");
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"bytes", (long long)r.bytes, NULL},
					      {"status", r.status, NULL},
					      {"attempts", r.attempts, NULL}},
		      3, "sent '%s' to '%s': %llu bytes, HTTP %ld, %d attempt%s, %.2f s", f->path,
		      r.url, r.bytes, r.status, r.attempts, r.attempts == 1 ? "" : "s", r.seconds);
	return 0;
}

int sk_upload_http_run(struct sk_step *s, const struct sk_upload_http_opts *o, int argc,
		       char **argv, struct sk_err *err)
{
	const char *const *names;
	int n = sk_upload_names(argc, argv, &names);
	struct file *files = calloc((size_t)n, sizeof(*files));
	struct sk_http *h = NULL;
	struct cfg c;
	int ret = -1;

	sk_upload_counts_begin(s);
	if (cfg_load(o, &c, err) < 0)
		goto out;
	if (!files) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (prepare(s, o, &c, names, files, n, err) < 0 || !(h = sk_http_open(&c.http, err)))
		goto out;
	for (int i = 0; i < n; i++)
		if (send_file(s, h, &c, &files[i], err) < 0)
			goto out;
	ret = 0;
out:
	sk_http_close(h);
	for (int i = 0; files && i < n; i++)
		sk_buf_release(&files[i].url);
	free(files);
	cfg_release(&c);
	return ret;
}

int sk_upload_http_check(struct sk_step *s, const struct sk_upload_http_opts *o,
			 struct sk_err *err)
{
	struct sk_http *h = NULL;
	struct cfg c;
	char shown[2048];
	long status = 0;
	int ret = -1;

	(void)s;
	if (cfg_load(o, &c, err) < 0)
		goto out;
	sk_infof("configuration: ok (%s, %s)", c.up.method,
		 c.up.auth == SK_HTTP_AUTH_BEARER ? "bearer token"
		 : c.up.auth == SK_HTTP_AUTH_BASIC ? "basic auth" : "no auth");
	if (!(h = sk_http_open(&c.http, err)))
		goto out;
	sk_http_url_redact(o->url, shown, sizeof(shown));
	if (sk_http_upload_check(h, &c.up, o->url, &status, err) < 0) {
		if (status == 401 || status == 403)
			sk_err_prefix(err, "check the user and password, or the bearer token");
		else if (status == 0)
			sk_err_prefix(err, "check HTTP_UPLOAD_URL, the network path and (https) HTTP_CA_FILE");
		goto out;
	}
	sk_infof("server: '%s' reachable%s; credentials not refused (HEAD answered %ld; nothing "
		 "was stored)", shown, !strncmp(o->url, "https:", 6) ? ", TLS certificate verified" : "",
		 status);
	ret = 0;
out:
	sk_http_close(h);
	cfg_release(&c);
	return ret;
}
