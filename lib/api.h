/*
 * api.h: extract-api, a paginated JSON API to one CSV under the data
 * contract (SPEC.md section 1), driven by a declarative JSON configuration
 * (no code per API).
 *
 * The configuration (--config FILE) names the request, the pagination, the
 * records and the columns:
 *
 *   {"url": "http://127.0.0.1:8080/v2/analytics/stock_on_warehouses",
 *    "method": "POST",
 *    "headers": {"Client-Id": "${OZON_CLIENT_ID}", "Api-Key": "${OZON_API_KEY}"},
 *    "body": {"limit": "${limit}", "offset": "${offset}", "warehouse_type": "ALL"},
 *    "pagination": {"type": "offset", "limit": 1000},
 *    "records": "/result/rows",
 *    "columns": [{"name": "sku", "path": "/sku", "type": "integer"}, ...]}
 *
 * Keys (any other key is a configuration error naming it):
 *   url        http:// or https://, no user:password@ (credentials go in headers)
 *   method     GET (default) or POST
 *   headers    object of header values; "${NAME}" inside a value is the
 *              environment variable NAME or the content of the file NAME_FILE
 *              (a secret: redacted from every message, never in the event)
 *   query      object of query-string parameters (appended to url, encoded)
 *   body       the JSON request body (POST), sent as application/json
 *   In query and body, a string that is exactly "${offset}", "${limit}",
 *   "${page}" or "${cursor}" becomes that page variable: a JSON number for
 *   the first three, a string for the cursor. On the first page a member
 *   whose value is "${cursor}" is left out (pagination.first_cursor sets it).
 *   pagination {"type": "none" | "offset" | "page" | "cursor" | "link",
 *               "limit": N           page size (offset: required),
 *               "start": N           first offset (0) or page number (1),
 *               "cursor": "/ptr"     cursor: where the next cursor is in an answer,
 *               "first_cursor": "s"  cursor: the cursor of the first request,
 *               "has_more": "/ptr"   a boolean in the answer: false stops,
 *               "total": "/ptr"      a total record count in the answer: reached stops,
 *               "stop_on_short": bool  a page shorter than limit stops (default
 *                                    true when limit is set)}
 *              "link": the next page is the Link header's rel="next" target
 *              (a path, or a URL of the same origin: another host is refused,
 *              the credentials would go with it), kept as page-NNNNNN.json.next.
 *              Every kind stops at an empty page; a cursor that repeats, or more
 *              pages than --max-pages, is an error (never an endless loop).
 *   records    JSON pointer to the array of records in each answer ("" = the answer)
 *   columns    [{"name", "path" (JSON pointer in a record), "type": text | integer |
 *              decimal | boolean | timestamp, "required": bool, "min": number}]
 *   rate       requests per second at most (the --rate default)
 *
 * Values: text as the JSON string (an integer as its digits), integer as
 * plain digits (a JSON integer, or a string of digits), decimal as the
 * shortest text that reads back as the same number (or a decimal string as
 * sent), boolean true/false, timestamp a string starting YYYY-MM-DDTHH:MM:SS
 * (written as sent). A JSON null or a missing field is an empty value unless
 * the column is required. A record that breaks its columns (required field
 * missing or null, wrong type, below "min") is an error (exit 1) naming the
 * page, the record's index in it and the field; with --max-invalid PERCENT
 * it is dropped and counted instead (counts.dropped_missing / _type / _rule)
 * and too many drops fail the gate (exit 3, no output).
 *
 * Requests go through http.h (stall and connect timeouts, Retry-After),
 * limited to --rate per second, retried under the step's retry policy
 * (retry.h: 408, 429, 5xx, timeouts, resets). A circuit breaker stops the
 * run (SK_E_TRANSIENT: exit 75) once --breaker requests in a row failed for
 * the server's fault (network, timeout, 5xx; 429 is throttling, not an
 * outage), instead of spending the retry budget page by page.
 *
 * Resume: every page's answer is kept as WORKDIR/api/NAME/page-NNNNNN.json
 * (atomic files; NAME the output's base name) until the CSV is committed,
 * then removed (unless --keep-pages). A rerun with the same configuration
 * reads the kept pages instead of asking for them again and continues from
 * the first page that is missing: an Argo retry after exit 75 goes on where
 * the last attempt stopped. --fresh starts over. Pages kept by another
 * configuration are never used (the directory records the configuration's
 * SHA-256).
 *
 * --key COL[,COL...]: a record whose values of those columns were seen
 * before is dropped (the first wins) and counted (dropped_duplicate).
 *
 * --map COLUMN=FILE: FILE is a CSV with a header line and two columns, a
 * value as the API sends it and the value to write instead (the first line
 * of a value wins). COLUMN holds the mapped value and a new column
 * COLUMN_original, right after it, the value as sent; a value the file
 * lacks is written unchanged and counted (counts.unmapped, the first few
 * logged).
 *
 * Event counts: pages, pages_resumed, records, api_requests_made,
 * api_requests_failed, api_retries, total_api_time_ms, dropped_REASON.
 */
#ifndef SK_API_H
#define SK_API_H

#include "errors.h"
#include "gate.h"

struct sk_step;

/* Option values (borrowed strings from argv or environ; NULL when unset). */
struct sk_api_opts {
	const char *config, *out;
	const char *rate, *max_pages, *breaker, *max_page_mib;
	const char *timeout, *connect_timeout;
	const char *fresh, *keep_pages;
	const char *min_rows, *max_invalid;
	const char *key;                /* --key COL,COL: drop later duplicates */
	const char *map;                /* --map COLUMN=FILE */
};

/*
 * Run the extract: read the configuration (errors SK_E_USAGE naming the
 * file and the key path), fetch or resume every page, write the CSV
 * atomically, record the event. 0, or -1 with `err`: SK_E_DATA for a bad
 * answer or record (naming the page, record index and field),
 * SK_E_PERMANENT for a refused request (4xx, the server's message quoted),
 * SK_E_TRANSIENT when the API stayed unavailable (retries exhausted or the
 * breaker open), SK_E_QUALITY for a gate. No output and no temporary file
 * are left on failure; the pages fetched are kept for the next run.
 */
int sk_api_run(struct sk_step *s, const struct sk_api_opts *o, struct sk_err *err);

/*
 * --check: the configuration and its secrets, the output directory, then
 * one request for the first page with limit 1 (tried once): its status and
 * latency, whether the records pointer is an array and every column
 * resolves in the first record. Writes nothing. 0, or -1 with `err`.
 */
int sk_api_check(struct sk_step *s, const struct sk_api_opts *o, struct sk_err *err);

/*
 * Read a configuration from `text` (`len` bytes; `name` names it in
 * messages) and throw it away again: 0 when valid, or -1 with `err`
 * (SK_E_USAGE, "config 'NAME': KEY.PATH: reason"). Secrets are not looked
 * up. For the unit tests.
 */
int sk_api_config_validate(const char *name, const char *text, size_t len, struct sk_err *err);

/*
 * Replace every copy of `secret` in `msg` (a NUL-terminated message of an
 * SK_ERR_MSG_MAX buffer) by "***". Where a short secret leaves no room to
 * grow, the message loses its last bytes instead; a secret is never left
 * in it. For the unit tests (the run scrubs its header secrets this way).
 */
void sk_api_scrub(char *msg, const char *secret);

/*
 * The shortest decimal text (no exponent) that reads back as `v`, into
 * `out`; -1 when `v` is not finite or needs an exponent. For the unit tests.
 */
int sk_api_format_decimal(double v, char *out, size_t outsz);

#endif
