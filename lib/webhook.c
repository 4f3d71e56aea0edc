#include "base.h"
#include "webhook.h"
#include "http.h"

#include <jansson.h>
#include <strings.h>

/* Length of the UTF-8 character starting at `s` (1 for a stray byte). */
static size_t char_len(const unsigned char *s)
{
	if (s[0] >= 0xf0)
		return 4;
	if (s[0] >= 0xe0)
		return 3;
	if (s[0] >= 0xc0)
		return 2;
	return 1;
}

/* Append `s` with Slack's three escapes, stopping before `limit` bytes of
 * output. Returns 1 when everything fit, 0 when cut, -1 on error. */
static int add_escaped(struct sk_buf *out, const char *s, size_t limit, struct sk_err *err)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
		size_t n = rep ? strlen(rep) : char_len(p);
		if (!rep)
			for (size_t i = 1; i < n; i++)
				if (!p[i])
					n = i; /* truncated sequence at the end: take what is there */
		if (out->len + n > limit)
			return 0;
		if (sk_buf_add(out, rep ? rep : (const char *)p, n, err) < 0)
			return -1;
		p += rep ? 1 : n;
	}
	return 1;
}

int sk_webhook_text(struct sk_buf *out, const char *title, const char *body, struct sk_err *err)
{
	/* room kept for the closing fence and the "..." of a cut text */
	size_t limit = out->len + SK_WEBHOOK_TEXT_MAX - 8;
	int r;

	if ((r = add_escaped(out, title, limit, err)) < 0)
		return -1;
	if (r && body && *body) {
		if (sk_buf_adds(out, "\n```\n", err) < 0 || (r = add_escaped(out, body, limit, err)) < 0)
			return -1;
		if (!r && sk_buf_adds(out, "...\n", err) < 0)
			return -1;
		if (out->len && out->data[out->len - 1] != '\n' && sk_buf_adds(out, "\n", err) < 0)
			return -1;
		return sk_buf_adds(out, "```", err);
	}
	return r ? 0 : sk_buf_adds(out, "...", err);
}

int sk_webhook_json(struct sk_buf *out, const char *text, struct sk_err *err)
{
	json_t *o = json_object(), *t = json_string(text);
	char *s = NULL;
	int ret = -1;

	if (!o || !t || json_object_set_new(o, "text", t) < 0) {
		if (!t) /* json_string refuses invalid UTF-8 */
			sk_err_set(err, SK_E_DATA, "webhook: text is not valid UTF-8");
		else
			sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	t = NULL;
	if (!(s = json_dumps(o, JSON_COMPACT))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (sk_buf_adds(out, s, err) < 0)
		goto out;
	ret = 0;
out:
	free(s);
	json_decref(t);
	json_decref(o);
	return ret;
}

int sk_webhook_payload(struct sk_buf *out, const char *text, json_t *fields, struct sk_err *err)
{
	json_t *o = json_object(), *t = json_string(text), *v;
	const char *k;
	char *s = NULL;
	int ret = -1;

	if (!t) { /* json_string refuses invalid UTF-8 */
		sk_err_set(err, SK_E_DATA, "webhook: text is not valid UTF-8");
		goto out;
	}
	if (!o || json_object_set_new(o, "text", t) < 0) {
		t = NULL;
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	t = NULL;
	json_object_foreach(fields, k, v) {
		if (strcmp(k, "text") && json_object_set(o, k, v) < 0) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!(s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	ret = sk_buf_adds(out, s, err);
out:
	free(s);
	json_decref(t);
	json_decref(o);
	return ret;
}

int sk_webhook_url_check(const char *url, struct sk_err *err)
{
	if (!url || (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
		return sk_err_set(err, SK_E_USAGE,
				  "WEBHOOK_URL must be an http:// or https:// URL (not shown: it "
				  "is a credential)");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return sk_err_set(err, SK_E_USAGE,
					  "WEBHOOK_URL contains white space or a control character");
	return 0;
}

int sk_webhook_post(const char *url, const char *ca_file, const char *json, size_t len,
		    const struct sk_retry_policy *p, int *attempts, struct sk_err *err)
{
	struct sk_http_cfg cfg = {ca_file, 10, 60, 30, NULL};
	struct sk_http_req req = {0};
	struct sk_http_resp resp;
	struct sk_retry_state st = {0};
	struct sk_retry_policy one = {1, 0, 0, 0, NULL};
	struct sk_http *h = NULL;
	int ret = -1;

	*attempts = 0;
	sk_http_resp_init(&resp, 4096);
	if (sk_webhook_url_check(url, err) < 0 || !(h = sk_http_open(&cfg, err)))
		goto out;
	req.method = "POST";
	req.url = url;
	req.what = "webhook";
	req.body = SK_HTTP_BODY_MEM;
	req.content_type = "application/json";
	req.data = json;
	req.len = len;
	ret = sk_http_perform_retry(h, p ? p : &one, &req, &resp, &st, err);
	*attempts = st.attempt;
out:
	sk_http_resp_release(&resp);
	sk_http_close(h);
	return ret;
}

int sk_webhook_check(const char *url, const char *ca_file, char *report, size_t reportsz,
		     struct sk_err *err)
{
	struct sk_http_cfg cfg = {ca_file, 10, 30, 30, NULL};
	struct sk_http_req req = {0};
	struct sk_http_resp resp;
	struct sk_http *h = NULL;
	int ret = -1;

	sk_http_resp_init(&resp, 0);
	if (sk_webhook_url_check(url, err) < 0 || !(h = sk_http_open(&cfg, err)))
		goto out;
	req.method = "HEAD";
	req.url = url;
	req.what = "webhook";
	if (sk_http_perform(h, &req, &resp, err) < 0 && resp.status == 0) {
		sk_err_prefix(err, "webhook not reachable (check WEBHOOK_URL, DNS, proxy, "
				   "firewall, WEBHOOK_CA_FILE)");
		goto out;
	}
	sk_err_clear(err);
	if (report)
		snprintf(report, reportsz,
			 "webhook: host reachable (HEAD answered %ld); nothing posted, so the "
			 "token itself is not verified",
			 resp.status);
	ret = 0;
out:
	sk_http_resp_release(&resp);
	sk_http_close(h);
	return ret;
}
