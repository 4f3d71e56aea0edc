#include "base.h"
#include "aws_webid.h"
#include "buf.h"
#include "fsutil.h"
#include "http.h"
#include "xmltext.h"

#include <ctype.h>
#include <unistd.h>

#define TOKEN_MAX (64 * 1024) /* a projected service-account token is 1-2 KB */
#define FIELD_MAX 4096        /* STS session tokens run to about 1 KB */

int sk_aws_webid_env(struct sk_aws_webid_cfg *c)
{
	const char *v;

	c->role_arn = getenv("AWS_ROLE_ARN");
	c->token_file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	c->session_name = (v = getenv("AWS_ROLE_SESSION_NAME")) && *v ? v : NULL;
	c->endpoint = (v = getenv("AWS_ENDPOINT_URL_STS")) && *v ? v : NULL;
	c->region = (v = getenv("AWS_REGION")) && *v ? v : NULL;
	return c->role_arn && *c->role_arn && c->token_file && *c->token_file;
}

static void secret_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void sk_aws_creds_release(struct sk_aws_creds *c)
{
	secret_free(c->access_key);
	secret_free(c->secret_key);
	secret_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

/* One field of <Credentials>: 0 with *out owned, or -1 naming the field. */
static int cred_field(const char *xml, size_t len, const char *tag, int required, char **out,
		      char *fixed, size_t fixedsz, struct sk_err *err)
{
	char buf[FIELD_MAX];
	int rc =
		sk_xml_text(xml, len, tag, SK_XML_WHOLE, fixed ? fixed : buf,
			    fixed ? fixedsz : sizeof(buf));
	const char *v = fixed ? fixed : buf;

	if (rc < 0)
		return sk_err_set(err, SK_E_PERMANENT, "STS answer: <%s> too long or malformed",
				  tag);
	if (rc == 0 || !*v) {
		if (!required)
			return 0;
		return sk_err_set(err, SK_E_PERMANENT, "STS answer: no <%s> in <Credentials>", tag);
	}
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			explicit_bzero(buf, sizeof(buf));
			return sk_err_set(err, SK_E_PERMANENT,
					  "STS answer: <%s> holds a control "
					  "character or a space",
					  tag);
		}
	if (out && !(*out = strdup(v))) {
		explicit_bzero(buf, sizeof(buf));
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	}
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int sk_aws_webid_parse(const char *xml, struct sk_aws_creds *out, struct sk_err *err)
{
	const char *b, *e;

	memset(out, 0, sizeof(*out));
	if (!xml || !(b = strstr(xml, "<Credentials>")) || !(e = strstr(b, "</Credentials>")))
		return sk_err_set(
			err, SK_E_PERMANENT,
			"STS answer: no <Credentials> element (is AWS_ENDPOINT_URL_STS an STS?)");
	b += strlen("<Credentials>");
	if (cred_field(b, (size_t)(e - b), "AccessKeyId", 1, &out->access_key, NULL, 0, err) < 0 ||
	    cred_field(b, (size_t)(e - b), "SecretAccessKey", 1, &out->secret_key, NULL, 0, err) <
		    0 ||
	    cred_field(b, (size_t)(e - b), "SessionToken", 1, &out->session_token, NULL, 0, err) <
		    0 ||
	    cred_field(b, (size_t)(e - b), "Expiration", 0, NULL, out->expiration,
		       sizeof(out->expiration), err) < 0) {
		sk_aws_creds_release(out);
		return -1;
	}
	return 0;
}

/* AWS's rule for a role session name: 2 to 64 of [A-Za-z0-9+=,.@_-]. */
static int session_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("+=,.@_-", *s))
			return 0;
	return 1;
}

/* "stepkit-" + the host name (the pod's name), other characters dropped. */
static void default_session_name(char *out, size_t outsz)
{
	char host[256] = "";
	size_t n;

	snprintf(out, outsz, "stepkit");
	if (gethostname(host, sizeof(host) - 1) < 0)
		return;
	n = strlen(out);
	if (n + 1 < outsz)
		out[n++] = '-';
	for (const char *p = host; *p && n + 1 < outsz && n < 64; p++)
		if (isalnum((unsigned char)*p) || strchr("+=,.@_-", *p))
			out[n++] = *p;
	out[n] = '\0';
	if (out[n - 1] == '-')
		out[n - 1] = '\0';
}

/* Codes STS sends for conditions that pass. */
static int sts_code_transient(const char *code)
{
	return !strcmp(code, "IDPCommunicationError") || !strcmp(code, "Throttling") ||
	       !strcmp(code, "ServiceUnavailable") || !strcmp(code, "InternalFailure");
}

static const char *sts_hint(const char *code)
{
	if (!strcmp(code, "AccessDenied"))
		return "; check the role's trust policy (the OIDC provider and the service "
		       "account)";
	if (!strcmp(code, "InvalidIdentityToken"))
		return "; check the token's audience (sts.amazonaws.com) and the OIDC provider";
	if (!strcmp(code, "ExpiredTokenException"))
		return "; the token file is stale: the kubelet refreshes it, check the projection";
	return "";
}

struct sts_ctx {
	struct sk_http *http;
	const struct sk_http_req *req;
	struct sk_http_resp *resp;
	const char *role_arn;
	const char *token;
};

static int sts_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct sts_ctx *o = ctx;
	struct sk_http_resp *r = o->resp;
	char code[64] = "", msg[256] = "";
	enum sk_ecode ec;

	if (sk_http_perform(o->http, o->req, r, err) == 0)
		return 0;
	if (r->status < 300)
		return -1; /* no answer to interpret: http.c's message stands */
	if (r->body.len) {
		size_t n;
		sk_xml_text(r->body.data, r->body.len, "Code", SK_XML_CUT, code, sizeof(code));
		sk_xml_text(r->body.data, r->body.len, "Message", SK_XML_CUT, msg, sizeof(msg));
		for (n = strlen(msg); n && (msg[n - 1] == '.' || msg[n - 1] == ' '); n--)
			msg[n - 1] = '\0';
		/* neither the token nor anything that looks like it is quoted back */
		if (strlen(o->token) >= 8 && strstr(msg, o->token))
			msg[0] = '\0';
	}
	ec = sk_http_status_class(r->status);
	if (*code && sts_code_transient(code))
		ec = SK_E_TRANSIENT;
	if (ec == SK_E_NONE)
		ec = SK_E_PERMANENT;
	st->retry_after = r->retry_after;
	return sk_err_set(err, ec, "STS AssumeRoleWithWebIdentity for '%s': HTTP %ld%s%s%s%s%s",
			  o->role_arn, r->status, *code || *r->reason ? " " : "",
			  *code ? code : r->reason, *msg ? ": " : "", msg, sts_hint(code));
}

/* The form body: Action, Version, RoleArn, RoleSessionName, WebIdentityToken. */
static int form_add(struct sk_buf *b, const char *name, const char *value, struct sk_err *err)
{
	if (b->len && sk_buf_adds(b, "&", err) < 0)
		return -1;
	if (sk_buf_adds(b, name, err) < 0 || sk_buf_adds(b, "=", err) < 0)
		return -1;
	return sk_http_uri_encode(b, value, 0, err);
}

int sk_aws_webid_assume(const struct sk_aws_webid_cfg *c, struct sk_aws_creds *out,
			struct sk_err *err)
{
	struct sk_buf body = SK_BUF_INIT(TOKEN_MAX * 4);
	struct sk_http_cfg hc = {0};
	struct sk_http_req req = {0};
	struct sk_http_resp resp;
	struct sk_retry_state st = {0};
	struct sk_http *http = NULL;
	struct sts_ctx o;
	char url[512], name[80], what[600];
	char *token = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	sk_http_resp_init(&resp, 64 * 1024);
	if (!c->role_arn || !*c->role_arn || !c->token_file || !*c->token_file) {
		sk_err_set(err, SK_E_USAGE,
			   "web identity: set both AWS_ROLE_ARN and "
			   "AWS_WEB_IDENTITY_TOKEN_FILE");
		goto out;
	}
	if (c->session_name) {
		if (!session_name_ok(c->session_name)) {
			sk_err_set(err, SK_E_USAGE,
				   "AWS_ROLE_SESSION_NAME '%s': use 2 to 64 of "
				   "A-Z a-z 0-9 + = , . @ _ -",
				   c->session_name);
			goto out;
		}
		snprintf(name, sizeof(name), "%s", c->session_name);
	} else {
		default_session_name(name, sizeof(name));
	}
	if (c->endpoint)
		snprintf(url, sizeof(url), "%s", c->endpoint);
	else if (c->region)
		snprintf(url, sizeof(url), "https://sts.%s.amazonaws.com/", c->region);
	else
		snprintf(url, sizeof(url), "https://sts.amazonaws.com/");
	if (sk_http_url_check(url, err) < 0) {
		sk_err_prefix(err, "AWS_ENDPOINT_URL_STS");
		goto out;
	}
	if (!(token = sk_read_small_file(c->token_file, TOKEN_MAX, 1, err))) {
		err->code = SK_E_USAGE; /* a pod without its projected token: configuration */
		sk_err_prefix(err, "AWS_WEB_IDENTITY_TOKEN_FILE");
		goto out;
	}
	if (!*token) {
		sk_err_set(err, SK_E_USAGE, "AWS_WEB_IDENTITY_TOKEN_FILE '%s': empty",
			   c->token_file);
		goto out;
	}
	/* room for everything at once: a grown buffer would leave a copy of the token */
	if (sk_buf_grow(&body, strlen(token) * 3 + strlen(c->role_arn) * 3 + 256, err) < 0)
		goto out;
	if (form_add(&body, "Action", "AssumeRoleWithWebIdentity", err) < 0 ||
	    form_add(&body, "Version", "2011-06-15", err) < 0 ||
	    form_add(&body, "RoleArn", c->role_arn, err) < 0 ||
	    form_add(&body, "RoleSessionName", name, err) < 0 ||
	    form_add(&body, "WebIdentityToken", token, err) < 0)
		goto out;
	hc.ca_file = c->ca_file;
	hc.connect_timeout = c->connect_timeout;
	hc.stall_timeout = c->stall_timeout;
	hc.timeout = 60;
	if (!(http = sk_http_open(&hc, err)))
		goto out;
	sk_http_url_redact(url, what, sizeof(what) - 8);
	snprintf(what + strlen(what), 8, " (STS)");
	req.method = "POST";
	req.url = url;
	req.what = what;
	req.body = SK_HTTP_BODY_MEM;
	req.data = body.data;
	req.len = body.len;
	req.content_type = "application/x-www-form-urlencoded";
	req.token = token; /* not sent as a header: only redacted from messages */
	o = (struct sts_ctx){http, &req, &resp, c->role_arn, token};
	if (sk_retry(c->retry, sts_op, &o, &st, err) < 0)
		goto out;
	if (!resp.body.len || resp.truncated) {
		sk_err_set(err, SK_E_PERMANENT, "STS answer from '%s': empty or too long", what);
		goto out;
	}
	if (sk_aws_webid_parse(resp.body.data, out, err) < 0)
		goto out;
	ret = 0;
out:
	if (token)
		secret_free(token);
	if (body.data)
		explicit_bzero(body.data, body.len);
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	sk_buf_release(&body);
	sk_http_resp_release(&resp);
	sk_http_close(http);
	return ret;
}
