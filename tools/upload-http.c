/*
 * upload-http: send the reports to an HTTP(S) endpoint, by PUT of the raw
 * file or POST multipart/form-data, over one connection. The work is in
 * lib/upload_http.c; this file only names the options.
 */
#include "base.h"
#include "dest_template.h"
#include "step.h"
#include "upload_http.h"

static struct sk_upload_http_opts o;

static const struct sk_opt opts[] = {
	{"url", "HTTP_UPLOAD_URL", "URL", "PUT to URL/NAME (URL ends in '/') or URL (one file); POST to URL; {date} {year} {month} {day} {run} replaced", &o.url},
	{"method", "HTTP_METHOD", "METHOD", "PUT (raw body, default) or POST (multipart/form-data)", &o.method},
	{"user", "HTTP_USER", "USER", "basic auth user; password from HTTP_PASSWORD(_FILE)", &o.user},
	{"headers", "HTTP_HEADERS", "LIST", "extra 'Name: value' headers, newline or ';' separated", &o.headers},
	{"ca-file", "HTTP_CA_FILE", "FILE", "PEM CA bundle to verify the server with (private CA)", &o.ca_file},
	{"connect-timeout", "HTTP_CONNECT_TIMEOUT", "SECONDS", "give up connecting (TCP and TLS) after SECONDS (default 10)", &o.connect_timeout},
	{"timeout", "HTTP_TIMEOUT", "SECONDS", "give up when no byte moves for SECONDS (default 60)", &o.timeout},
	{"allow-insecure-auth", "HTTP_ALLOW_INSECURE_AUTH", NULL, "send credentials over plain http:// too (refused by default)", &o.allow_insecure_auth},
	{"follow-symlinks", "STEPKIT_FOLLOW_SYMLINKS", NULL, "send files that are links out of the work directory (refused by default)", &o.follow_symlinks},
	{0},
};

/* {date}, {run}... in HTTP_UPLOAD_URL (dest_template.h): expanded once, before the work */
static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	if (sk_dest_expand_opt("HTTP_UPLOAD_URL", &o.url, &dest, err) < 0)
		return -1;
	rc = sk_upload_http_run(s, &o, argc, argv, err);
	free(dest);
	return rc;
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	(void)argc;
	(void)argv;
	if (sk_dest_expand_opt("HTTP_UPLOAD_URL", &o.url, &dest, err) < 0)
		return -1;
	rc = sk_upload_http_check(s, &o, err);
	free(dest);
	return rc;
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
	.exits = SK_TOOL_REMOTE,
};
