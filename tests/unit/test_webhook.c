/* Unit tests for lib/webhook.c: the text and JSON of a chat notification. */
#include "base.h"
#include "webhook.h"
#include "tap.h"

int main(void)
{
	struct sk_buf t = SK_BUF_INIT(1 << 20), j = SK_BUF_INIT(1 << 20);
	struct sk_err err = SK_ERR_INIT;
	char *big;

	is_int(sk_webhook_text(&t, "[stepkit] run r1: Failed: transform", "a <b> & c\nline 2\n", &err), 0,
	       "text");
	is_str(t.data, "[stepkit] run r1: Failed: transform\n```\na &lt;b&gt; &amp; c\nline 2\n```",
	       "title, then the body as a code block, <>& escaped");
	is_int(sk_webhook_json(&j, t.data, &err), 0, "json");
	is_str(j.data,
	       "{\"text\":\"[stepkit] run r1: Failed: transform\\n```\\na &lt;b&gt; &amp; c\\nline 2\\n```\"}",
	       "compact JSON {\"text\": ...}");

	sk_buf_reset(&t);
	sk_webhook_text(&t, "Zürich \"quoted\"", "no newline at the end", &err);
	sk_buf_reset(&j);
	sk_webhook_json(&j, t.data, &err);
	is_str(j.data, "{\"text\":\"Zürich \\\"quoted\\\"\\n```\\nno newline at the end\\n```\"}",
	       "UTF-8 kept, quotes escaped, fence on its own line");

	{
		json_t *f = json_pack("{s:s, s:s, s:n}", "level", "YELLOW", "text", "ignored", "approval");
		sk_buf_reset(&j);
		is_int(sk_webhook_payload(&j, "a <b>", f, &err), 0, "payload");
		is_str(j.data, "{\"text\":\"a <b>\",\"level\":\"YELLOW\",\"approval\":null}",
		       "payload: text first, then the fields in order, a second text ignored");
		json_decref(f);
	}

	sk_buf_reset(&t);
	sk_webhook_text(&t, "title", "", &err);
	is_str(t.data, "title", "no body: no code block");

	/* a body far too long: cut at a character boundary, still a closed block */
	big = malloc(3 * SK_WEBHOOK_TEXT_MAX + 1);
	for (size_t i = 0; i < (size_t)SK_WEBHOOK_TEXT_MAX; i++)
		memcpy(big + 3 * i, "€", 3);
	big[3 * SK_WEBHOOK_TEXT_MAX] = '\0';
	sk_buf_reset(&t);
	sk_webhook_text(&t, "title", big, &err);
	ok(t.len <= SK_WEBHOOK_TEXT_MAX, "cut to the limit (%zu bytes)", t.len);
	ok(t.len > 6 && !strcmp(t.data + t.len - 7, "...\n```"), "ends with ... and the fence");
	sk_buf_reset(&j);
	is_int(sk_webhook_json(&j, t.data, &err), 0, "still valid UTF-8 for JSON");
	free(big);

	is_int(sk_webhook_url_check("https://hooks.slack.com/services/T/B/X", &err), 0, "https URL");
	is_int(sk_webhook_url_check("http://127.0.0.1:8089/hook", &err), 0, "http URL");
	is_int(sk_webhook_url_check("ftp://x/Sekr3t", &err), -1, "ftp refused");
	ok(strstr(err.msg, "Sekr3t") == NULL, "the URL is not echoed");
	is_int(sk_webhook_url_check("https://x/a b", &err), -1, "white space refused");
	is_int(sk_webhook_url_check("https://x/a\r\nX-Injected: 1", &err), -1, "CR LF refused");

	sk_buf_release(&t);
	sk_buf_release(&j);
	return done_testing();
}
