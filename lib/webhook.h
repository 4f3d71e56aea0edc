/*
 * webhook.h: a chat notification as an incoming-webhook JSON POST
 * {"text": "..."}, the format Slack, Mattermost, Rocket.Chat, Google Chat
 * and Microsoft Teams' classic incoming webhooks accept. Sent through
 * http.h, so errors are classified there (408, 429, 5xx and network
 * errors transient; other 4xx permanent).
 *
 * A webhook URL is itself a credential (whoever holds it can post), so it
 * never appears in a message: errors name it "webhook".
 */
#ifndef SK_WEBHOOK_H
#define SK_WEBHOOK_H

#include "buf.h"
#include "errors.h"
#include "retry.h"

#include <jansson.h>

/* Longest "text" sent, bytes (Slack cuts at 40,000 characters). */
#define SK_WEBHOOK_TEXT_MAX 35000

/*
 * Append the message text: `title` on the first line, then `body` as a
 * code block (``` ... ```, so a table stays aligned). '&', '<' and '>' are
 * written as "&amp;", "&lt;" and "&gt;" (Slack reads "<...>" as a link).
 * The text is cut at a UTF-8 character boundary to SK_WEBHOOK_TEXT_MAX
 * bytes, ending in "...". 0, or -1 with `err`.
 */
int sk_webhook_text(struct sk_buf *out, const char *title, const char *body, struct sk_err *err);

/* Append the JSON document {"text":"..."} (compact, UTF-8). 0 or -1. */
int sk_webhook_json(struct sk_buf *out, const char *text, struct sk_err *err);

/*
 * Append {"text":"...", then the members of `fields` in their order}
 * (compact, UTF-8; a "text" in `fields` is ignored). Chat services read
 * "text" and ignore the rest; other receivers get structured data
 * (notify's schema: docs/notify.md). 0 or -1.
 */
int sk_webhook_payload(struct sk_buf *out, const char *text, json_t *fields, struct sk_err *err);

/*
 * Check that `url` is an http:// or https:// URL without echoing it.
 * 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_webhook_url_check(const char *url, struct sk_err *err);

/*
 * POST `json` (`len` bytes, Content-Type application/json) to `url` under
 * the retry policy `p` (NULL: one attempt). `ca_file` adds trust in a
 * private CA (NULL: the system store). `*attempts` gets the number of
 * attempts made. 0 for a 2xx answer, or -1 with `err`.
 */
int sk_webhook_post(const char *url, const char *ca_file, const char *json, size_t len,
		    const struct sk_retry_policy *p, int *attempts, struct sk_err *err);

/*
 * Preflight without posting: a HEAD request to `url`. Any HTTP answer
 * means the host is reachable (DNS, TCP, TLS verified); the status is put
 * in `report` (it cannot prove the token valid: only a POST would).
 * 0, or -1 with `err` when no answer came (connection, TLS).
 */
int sk_webhook_check(const char *url, const char *ca_file, char *report, size_t reportsz,
		     struct sk_err *err);

#endif
