/*
 * upload-http: send the reports to an HTTP(S) endpoint, by PUT of the raw
 * file or POST multipart/form-data, over one connection (lib/http.h).
 */
#include "base.h"
#include "http.h"
#include "log.h"
#include "step.h"

#include <sys/stat.h>
#include <sys/time.h>

static const char *o_url, *o_method, *o_user, *o_headers, *o_ca_file;

static const struct sk_opt opts[] = {
	{"url", "HTTP_UPLOAD_URL", "URL", "PUT to URL/NAME (URL ends in '/') or URL (one file); POST to URL", &o_url},
	{"method", "HTTP_METHOD", "METHOD", "PUT (raw body, default) or POST (multipart/form-data)", &o_method},
	{"user", "HTTP_USER", "USER", "basic auth user; password from HTTP_PASSWORD(_FILE)", &o_user},
	{"headers", "HTTP_HEADERS", "LIST", "extra 'Name: value' headers, newline or ';' separated", &o_headers},
	{"ca-file", "HTTP_CA_FILE", "FILE", "PEM CA bundle to verify the server with (private CA)", &o_ca_file},
	{0},
};

static const char *const default_files[] = {"sales_report.csv", "customer_report.csv",
					     "product_report.csv"};

/* Everything a run or a check needs, secrets included (freed by cfg_release). */
struct cfg {
	struct sk_http_upload up;
	struct sk_http_headers headers;
	struct sk_retry_policy retry;
	char *password, *token;
};

static void cfg_release(struct cfg *c)
{
	sk_http_headers_release(&c->headers);
	free(c->password);
	free(c->token);
}

static int cfg_load(struct cfg *c, struct sk_err *err)
{
	memset(c, 0, sizeof(*c));
	if (!o_url)
		return sk_err_set(err, SK_E_USAGE, "no upload URL: set HTTP_UPLOAD_URL or --url");
	if (sk_http_url_check(o_url, err) < 0)
		return sk_err_prefix(err, "HTTP_UPLOAD_URL");
	c->up.method = o_method ? o_method : "PUT";
	if (strcmp(c->up.method, "PUT") != 0 && strcmp(c->up.method, "POST") != 0)
		return sk_err_set(err, SK_E_USAGE, "HTTP_METHOD '%s': use PUT or POST", c->up.method);
	if (o_headers && sk_http_headers_parse(&c->headers, o_headers, err) < 0)
		return sk_err_prefix(err, "HTTP_HEADERS");
	c->up.headers = (const char *const *)c->headers.v;
	c->token = sk_env_secret("HTTP_BEARER_TOKEN", err);
	if (!c->token && err->code != SK_E_NONE)
		return -1;
	c->password = sk_env_secret("HTTP_PASSWORD", err);
	if (!c->password && err->code != SK_E_NONE)
		return -1;
	if (c->token && (o_user || c->password))
		return sk_err_set(err, SK_E_USAGE, "both a bearer token and a user/password are set: use one");
	if (c->password && !o_user)
		return sk_err_set(err, SK_E_USAGE, "HTTP_PASSWORD is set but HTTP_USER is not");
	if (o_user && !c->password)
		return sk_err_set(err, SK_E_USAGE, "HTTP_USER is set but no HTTP_PASSWORD or HTTP_PASSWORD_FILE");
	c->up.auth = c->token ? SK_HTTP_AUTH_BEARER : o_user ? SK_HTTP_AUTH_BASIC : SK_HTTP_AUTH_NONE;
	c->up.user = o_user;
	c->up.password = c->password;
	c->up.token = c->token;
	if (sk_retry_policy_init(&c->retry, err) < 0)
		return -1;
	c->retry.notice = sk_step_retry_notice;
	c->up.retry = &c->retry;
	return 0;
}

struct progress {
	const char *name;
	double last;
};

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void on_progress(void *ctx, unsigned long long sent, unsigned long long total)
{
	struct progress *p = ctx;

	if (now() - p->last < 5)
		return;
	p->last = now();
	sk_infof("progress: '%s': %llu of %llu MiB", p->name, sent >> 20, total >> 20);
}

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	const char *const *names = argc ? (const char *const *)argv : default_files;
	int n = argc ? argc : (int)SK_ARRAY_SIZE(default_files);
	char (*paths)[PATH_MAX] = calloc((size_t)n, PATH_MAX);
	struct sk_buf *urls = calloc((size_t)n, sizeof(*urls));
	struct sk_http_cfg hc = {.ca_file = o_ca_file};
	struct sk_http *h = NULL;
	struct cfg c;
	int ret = -1;

	if (cfg_load(&c, err) < 0)
		goto out;
	if (!paths || !urls) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	/* every local file and every target before the first byte goes out */
	for (int i = 0; i < n; i++) {
		struct stat st;
		const char *base;
		if (sk_path_join(paths[i], sk_step_workdir(s), names[i], err) < 0)
			goto out;
		if (stat(paths[i], &st) < 0) {
			sk_err_set(err, SK_E_IO, "'%s': %s", paths[i], strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			sk_err_set(err, SK_E_IO, "'%s': not a regular file", paths[i]);
			goto out;
		}
		base = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
		urls[i].max = 8192;
		/* PUT: URL/NAME; POST: every file to the form URL, named in its part */
		if (!strcmp(c.up.method, "POST") ? sk_buf_adds(&urls[i], o_url, err) < 0
		    : sk_http_upload_url(o_url, base, n, &urls[i], err) < 0)
			goto out;
		for (int j = 0; j < i; j++)
			if (!strcmp(strrchr(paths[j], '/') ? strrchr(paths[j], '/') + 1 : paths[j], base)) {
				sk_err_set(err, SK_E_USAGE, "'%s' and '%s' have the same name: one would "
					   "overwrite the other", paths[j], paths[i]);
				goto out;
			}
	}
	if (!(h = sk_http_open(&hc, err)))
		goto out;
	for (int i = 0; i < n; i++) {
		struct sk_http_upload_result r;
		struct sk_file_info info = {0};
		struct progress pr = {names[i], now()};
		char key[PATH_MAX + 16], secs[32];
		const char *base = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
		int rc;

		c.up.progress = on_progress;
		c.up.progress_ctx = &pr;
		sk_step_input(s, paths[i]);
		rc = sk_http_upload_file(h, &c.up, urls[i].data, paths[i], &r, err);
		sk_step_count(s, "attempts", r.attempts);
		snprintf(key, sizeof(key), "attempts.%s", base);
		sk_step_count(s, key, r.attempts);
		if (rc < 0) {
			sk_err_prefix(err, "'%s'", paths[i]);
			goto out;
		}
		snprintf(info.path, sizeof(info.path), "%s", r.url);
		info.bytes = r.bytes;
		memcpy(info.sha256, r.sha256, sizeof(info.sha256));
		sk_step_output(s, &info);
		sk_step_count(s, "files", 1);
		sk_step_count(s, "bytes", (long long)r.bytes);
		snprintf(key, sizeof(key), "remote.%s", base);
		sk_step_detail(s, key, r.url);
		snprintf(key, sizeof(key), "seconds.%s", base);
		snprintf(secs, sizeof(secs), "%.3f", r.seconds);
		sk_step_detail(s, key, secs);
		sk_debugf("'%s': %s connection", paths[i], r.reused ? "reused the" : "opened a new");
		sk_log_fields(SK_LOG_INFO,
			      (struct sk_log_field[]){{"bytes", (long long)r.bytes, NULL},
						      {"status", r.status, NULL},
						      {"attempts", r.attempts, NULL}},
			      3, "sent '%s' to '%s': %llu bytes, HTTP %ld, %d attempt%s, %.2f s",
			      paths[i], r.url, r.bytes, r.status, r.attempts, r.attempts == 1 ? "" : "s",
			      r.seconds);
	}
	ret = 0;
out:
	sk_http_close(h);
	for (int i = 0; urls && i < n; i++)
		sk_buf_release(&urls[i]);
	free(urls);
	free(paths);
	cfg_release(&c);
	return ret;
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	struct sk_http_cfg hc = {.ca_file = o_ca_file};
	struct sk_http *h = NULL;
	struct cfg c;
	char shown[2048];
	long status = 0;
	int ret = -1;

	(void)s, (void)argc, (void)argv;
	if (cfg_load(&c, err) < 0)
		goto out;
	sk_infof("configuration: ok (%s, %s)", c.up.method,
		 c.up.auth == SK_HTTP_AUTH_BEARER ? "bearer token"
		 : c.up.auth == SK_HTTP_AUTH_BASIC ? "basic auth" : "no auth");
	if (!(h = sk_http_open(&hc, err)))
		goto out;
	sk_http_url_redact(o_url, shown, sizeof(shown));
	if (sk_http_upload_check(h, &c.up, o_url, &status, err) < 0) {
		if (status == 401 || status == 403)
			sk_err_prefix(err, "check the user and password, or the bearer token");
		else if (status == 0)
			sk_err_prefix(err, "check HTTP_UPLOAD_URL, the network path and (https) HTTP_CA_FILE");
		goto out;
	}
	sk_infof("server: '%s' reachable%s; credentials not refused (HEAD answered %ld; nothing "
		 "was stored)", shown, !strncmp(o_url, "https:", 6) ? ", TLS certificate verified" : "",
		 status);
	ret = 0;
out:
	sk_http_close(h);
	cfg_release(&c);
	return ret;
}

const struct sk_tool tool = {
	.name = "upload-http",
	.summary = "Send the reports to an HTTP(S) endpoint: PUT of each file, or POST\n"
		   "multipart/form-data (a part named \"file\"). 2xx is success.",
	.args = "[FILE]...",
	.details = "FILEs default to sales_report.csv, customer_report.csv and product_report.csv\n"
		   "in the work directory. Secrets come only from the environment or files:\n"
		   "HTTP_BEARER_TOKEN or HTTP_BEARER_TOKEN_FILE; HTTP_PASSWORD or HTTP_PASSWORD_FILE\n"
		   "(with --user). Temporary failures (connection, timeout, 408, 429, 5xx) are\n"
		   "retried (STEPKIT_RETRIES, STEPKIT_RETRY_DELAY), honouring Retry-After.\n"
		   "--check sends HEAD to the URL: reachable, TLS, credentials; nothing is stored.\n",
	.opts = opts,
	.max_args = -1,
	.run = run,
	.check = check,
};
