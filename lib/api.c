/*
 * api.c: extract-api (see api.h): a paginated JSON API to one CSV.
 *
 * One run is: read the configuration, resolve the header secrets, then page
 * by page either read the page kept by an earlier run (resume) or ask the
 * API for it (rate limit, retries, circuit breaker), keep it, turn its
 * records into CSV rows, and decide from the answer whether another page
 * follows. The CSV is written through the atomic writer and committed only
 * when every page was read and the gates passed.
 */
#include "base.h"
#include "api.h"
#include "buf.h"
#include "csvio.h"
#include "fsutil.h"
#include "gate.h"
#include "http.h"
#include "json_path.h"
#include "jtape.h"
#include "log.h"
#include "map.h"
#include "money.h"
#include "retry.h"
#include "sha256.h"
#include "sig.h"
#include "step.h"
#include "utf8.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (1u << 20)       /* a configuration file is small */
#define DEFAULT_OUT "api_data.csv"
#define DEFAULT_MAX_PAGES 100000
#define DEFAULT_BREAKER 5
#define DEFAULT_PAGE_BYTES (64u << 20)
#define ROW_MAX (64u << 20)
#define SHOW_DROPS 5                /* invalid records quoted in the log */
#define MAX_SECRETS 16

enum ptype { P_NONE, P_OFFSET, P_PAGE, P_CURSOR, P_LINK };
enum ctype { C_TEXT, C_INT, C_DEC, C_BOOL, C_TS };

static const char *const ctype_names[] = {"text", "integer", "decimal", "boolean", "timestamp"};

struct col {
	const char *name, *path; /* borrowed from the configuration's JSON */
	enum ctype type;
	int required;
	int has_min;
	double min;
};

struct cfg {
	json_t *root;            /* owns every string below */
	char name[PATH_MAX];     /* the file, for messages */
	char sha[SK_SHA256_HEX_LEN + 1];
	const char *url, *method;
	json_t *headers, *query, *body; /* borrowed from root, may be NULL */
	enum ptype ptype;
	long long limit;         /* 0: none */
	long long start;
	const char *cursor_ptr, *first_cursor, *has_more_ptr, *total_ptr;
	int stop_short;
	const char *records;
	struct col cols[SK_CSV_MAX_COLS];
	size_t ncols;
	double rate;             /* 0: none */
};

/* The variables of one page's request. */
struct vars {
	long long offset, limit, page;
	const char *cursor;      /* NULL: none yet */
	const char *next_url;    /* link: the URL of this page (NULL: the first) */
};

/* A run's settings and counters. */
struct run {
	struct sk_step *s;
	struct cfg c;
	struct sk_http *h;
	struct sk_http_headers hdrs;
	char *secrets[MAX_SECRETS];
	size_t nsecrets;
	struct sk_retry_policy retry;
	double rate;
	long long max_pages, breaker;
	size_t max_page_bytes;
	double timeout, connect_timeout;
	long long min_rows;
	double max_invalid;
	char out[PATH_MAX], pages_dir[PATH_MAX];
	char shown_url[1024];
	/* counters */
	long long requests, failed, retries, consecutive, pages, resumed, records, rows;
	long long dropped_missing, dropped_type, dropped_rule, dropped_duplicate, shown_drops;
	size_t key[SK_CSV_MAX_COLS]; /* --key: column indexes */
	long long map_col;           /* --map: the column mapped, -1: none */
	struct sk_map *map;          /* raw value -> offset of its mapping in map_vals */
	struct sk_buf map_vals;      /* the mapped values, NUL-terminated one after another */
	long long unmapped;
	size_t nkey;
	struct sk_map *keys;         /* the keys seen (--key) */
	double api_seconds, last_start;
	int tripped;
	char next[2048];             /* link: the current page's rel="next", absolute, or "" */
	/* the answers: indexed in place (jtape.h), the pointers split once */
	struct sk_jt jt;
	struct sk_jt_ptr records_p, cursor_p, has_more_p, total_p;
	struct sk_jt_ptr col_p[SK_CSV_MAX_COLS];
	char *kept;                  /* the text of a page read back from its file */
};

static int cfg_err(struct sk_err *err, const struct cfg *c, const char *key, const char *fmt, ...)
	SK_PRINTF(4, 5);

static int cfg_err(struct sk_err *err, const struct cfg *c, const char *key, const char *fmt, ...)
{
	char why[SK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return sk_err_set(err, SK_E_USAGE, "config '%s': %s: %s", c->name, key, why);
}

/* ---- secrets ---- */

void sk_api_scrub(char *msg, const char *secret)
{
	size_t n;
	char *p = msg;

	if (!secret || (n = strlen(secret)) < 1)
		return;
	/* past each replacement: a secret that is or holds "*" cannot loop */
	while ((p = strstr(p, secret))) {
		size_t len = strlen(msg);
		if (n < 3 && len + 3 - n >= SK_ERR_MSG_MAX) {
			/* no room to grow: drop the message's last bytes, or from the
			 * secret on when they would reach into it */
			size_t drop = len + 3 - n - (SK_ERR_MSG_MAX - 1);
			if ((size_t)(p - msg) + n + drop > len) {
				*p = '\0';
				break;
			}
			msg[len - drop] = '\0';
		}
		memmove(p + 3, p + n, strlen(p + n) + 1);
		memcpy(p, "***", 3);
		p += 3;
	}
}

static void scrub(const struct run *r, struct sk_err *err)
{
	for (size_t i = 0; err && i < r->nsecrets; i++)
		sk_api_scrub(err->msg, r->secrets[i]);
}

/* ---- configuration ---- */

/* A string member, or NULL when absent; -1 when present but not a string. */
static int get_str(const struct cfg *c, json_t *obj, const char *key, const char *path,
		   const char **out, struct sk_err *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v))
		return cfg_err(err, c, path, "must be a string, not %s", sk_json_type_name(v));
	*out = json_string_value(v);
	return 0;
}

static int get_bool(const struct cfg *c, json_t *obj, const char *key, const char *path,
		    int *out, struct sk_err *err)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return cfg_err(err, c, path, "must be true or false, not %s", sk_json_type_name(v));
	*out = json_is_true(v);
	return 0;
}

static int get_ptr(const struct cfg *c, json_t *obj, const char *key, const char *path,
		   const char **out, struct sk_err *err)
{
	if (get_str(c, obj, key, path, out, err) < 0)
		return -1;
	if (*out && sk_json_ptr_check(*out, err) < 0)
		return sk_err_prefix(err, "config '%s': %s", c->name, path);
	return 0;
}

/* Refuse members other than `known` (a typo must not be ignored silently). */
static int only_keys(const struct cfg *c, json_t *obj, const char *where,
		     const char *const *known, struct sk_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;
		char path[256], list[256] = "";
		for (i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				break;
		if (known[i])
			continue;
		for (i = 0; known[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", known[i]);
		snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
		return cfg_err(err, c, path, "unknown key (known here: %s)", list);
	}
	return 0;
}

/* Whether `v` (a template) holds the page variable string `name` anywhere. */
static int uses_var(json_t *v, const char *name)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_string(v))
		return !strcmp(json_string_value(v), name);
	if (json_is_object(v)) {
		json_object_foreach(v, key, m)
			if (uses_var(m, name))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if (uses_var(m, name))
				return 1;
	}
	return 0;
}

static int uses(const struct cfg *c, const char *name)
{
	return (c->body && uses_var(c->body, name)) || (c->query && uses_var(c->query, name));
}

static int parse_pagination(struct cfg *c, json_t *p, struct sk_err *err)
{
	static const char *const known[] = {"type", "limit", "start", "cursor", "first_cursor",
					    "has_more", "total", "stop_on_short", NULL};
	const char *type = NULL;
	json_t *v;

	c->ptype = P_NONE;
	if (!p)
		return 0;
	if (!json_is_object(p))
		return cfg_err(err, c, "pagination", "must be an object, not %s", sk_json_type_name(p));
	if (only_keys(c, p, "pagination", known, err) < 0 ||
	    get_str(c, p, "type", "pagination.type", &type, err) < 0)
		return -1;
	if (!type || !strcmp(type, "none"))
		c->ptype = P_NONE;
	else if (!strcmp(type, "offset"))
		c->ptype = P_OFFSET;
	else if (!strcmp(type, "page"))
		c->ptype = P_PAGE;
	else if (!strcmp(type, "cursor"))
		c->ptype = P_CURSOR;
	else if (!strcmp(type, "link"))
		c->ptype = P_LINK;
	else
		return cfg_err(err, c, "pagination.type", "'%s': use offset, page, cursor, link or "
			       "none", type);
	if ((v = json_object_get(p, "limit"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return cfg_err(err, c, "pagination.limit",
				       "must be a whole number from 1, not %s",
				       json_is_integer(v) ? "below 1" : sk_json_type_name(v));
		c->limit = json_integer_value(v);
	}
	c->start = c->ptype == P_PAGE ? 1 : 0;
	if ((v = json_object_get(p, "start"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return cfg_err(err, c, "pagination.start",
				       "must be a whole number from 0, not %s",
				       json_is_integer(v) ? "below 0" : sk_json_type_name(v));
		c->start = json_integer_value(v);
	}
	if (get_ptr(c, p, "cursor", "pagination.cursor", &c->cursor_ptr, err) < 0 ||
	    get_str(c, p, "first_cursor", "pagination.first_cursor", &c->first_cursor, err) < 0 ||
	    get_ptr(c, p, "has_more", "pagination.has_more", &c->has_more_ptr, err) < 0 ||
	    get_ptr(c, p, "total", "pagination.total", &c->total_ptr, err) < 0)
		return -1;
	c->stop_short = c->limit > 0 && !c->has_more_ptr && c->ptype != P_CURSOR &&
			c->ptype != P_LINK;
	if (get_bool(c, p, "stop_on_short", "pagination.stop_on_short", &c->stop_short, err) < 0)
		return -1;
	if (c->ptype == P_OFFSET && !c->limit)
		return cfg_err(err, c, "pagination.limit", "offset pagination needs the page size");
	if (c->ptype == P_CURSOR && !c->cursor_ptr)
		return cfg_err(err, c, "pagination.cursor",
			       "cursor pagination needs the pointer to the next cursor in an answer "
			       "(\"/result/last_id\")");
	if (c->ptype != P_CURSOR && (c->cursor_ptr || c->first_cursor))
		return cfg_err(err, c, c->cursor_ptr ? "pagination.cursor" : "pagination.first_cursor",
			       "only for \"type\": \"cursor\"");
	if (c->stop_short && !c->limit)
		return cfg_err(err, c, "pagination.stop_on_short", "needs pagination.limit");
	return 0;
}

static int parse_columns(struct cfg *c, json_t *a, struct sk_err *err)
{
	static const char *const known[] = {"name", "path", "type", "required", "min", NULL};
	json_t *col;
	size_t i;

	if (!a)
		return cfg_err(err, c, "columns", "missing: list the CSV columns "
			       "([{\"name\": \"sku\", \"path\": \"/sku\", \"type\": \"integer\"}])");
	if (!json_is_array(a) || json_array_size(a) == 0)
		return cfg_err(err, c, "columns", "must be a non-empty array, not %s",
			       json_is_array(a) ? "an empty one" : sk_json_type_name(a));
	if (json_array_size(a) > SK_CSV_MAX_COLS)
		return cfg_err(err, c, "columns", "%zu columns: at most %d", json_array_size(a),
			       SK_CSV_MAX_COLS);
	json_array_foreach(a, i, col) {
		struct col *k = &c->cols[i];
		char where[64], key[96];
		const char *type = NULL;
		json_t *min;

		snprintf(where, sizeof(where), "columns[%zu]", i);
		if (!json_is_object(col))
			return cfg_err(err, c, where, "must be an object, not %s",
				       sk_json_type_name(col));
		if (only_keys(c, col, where, known, err) < 0)
			return -1;
		snprintf(key, sizeof(key), "%s.name", where);
		if (get_str(c, col, "name", key, &k->name, err) < 0)
			return -1;
		if (!k->name || !*k->name)
			return cfg_err(err, c, key, "missing: the CSV header name");
		if (strpbrk(k->name, ",\"\r\n"))
			return cfg_err(err, c, key, "'%s': a header name holds no comma, quote or "
				       "line break", k->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(c->cols[j].name, k->name))
				return cfg_err(err, c, key, "'%s' is also columns[%zu]", k->name, j);
		snprintf(key, sizeof(key), "%s.path", where);
		if (get_ptr(c, col, "path", key, &k->path, err) < 0)
			return -1;
		if (!k->path)
			return cfg_err(err, c, key, "missing: the JSON pointer in a record (\"/%s\")",
				       k->name);
		snprintf(key, sizeof(key), "%s.type", where);
		if (get_str(c, col, "type", key, &type, err) < 0)
			return -1;
		k->type = C_TEXT;
		if (type) {
			size_t t;
			for (t = 0; t < SK_ARRAY_SIZE(ctype_names); t++)
				if (!strcmp(type, ctype_names[t]))
					break;
			if (t == SK_ARRAY_SIZE(ctype_names))
				return cfg_err(err, c, key, "'%s': use text, integer, decimal, "
					       "boolean or timestamp", type);
			k->type = (enum ctype)t;
		}
		snprintf(key, sizeof(key), "%s.required", where);
		if (get_bool(c, col, "required", key, &k->required, err) < 0)
			return -1;
		if ((min = json_object_get(col, "min"))) {
			snprintf(key, sizeof(key), "%s.min", where);
			if (!json_is_number(min))
				return cfg_err(err, c, key, "must be a number, not %s",
					       sk_json_type_name(min));
			if (k->type != C_INT && k->type != C_DEC)
				return cfg_err(err, c, key, "only for integer and decimal columns");
			k->has_min = 1;
			k->min = json_number_value(min);
		}
	}
	c->ncols = json_array_size(a);
	return 0;
}

static void cfg_release(struct cfg *c)
{
	json_decref(c->root);
	c->root = NULL;
}

static int cfg_parse(struct cfg *c, const char *name, const char *text, size_t len,
		     struct sk_err *err)
{
	static const char *const known[] = {"url", "method", "headers", "query", "body",
					    "pagination", "records", "columns", "rate", NULL};
	json_error_t je;
	json_t *v;
	const char *key;
	struct sk_sha256 *h;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (!(h = sk_sha256_open(err)))
		return -1;
	sk_sha256_update(h, text, len);
	sk_sha256_hex(h, c->sha);
	sk_sha256_close(h);
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!c->root)
		return sk_err_set(err, SK_E_USAGE, "config '%s': line %d, column %d: %s", name,
				  je.line, je.column, je.text);
	if (!json_is_object(c->root))
		return sk_err_set(err, SK_E_USAGE, "config '%s': must be a JSON object, not %s",
				  name, sk_json_type_name(c->root));
	if (only_keys(c, c->root, "", known, err) < 0 ||
	    get_str(c, c->root, "url", "url", &c->url, err) < 0 ||
	    get_str(c, c->root, "method", "method", &c->method, err) < 0 ||
	    get_ptr(c, c->root, "records", "records", &c->records, err) < 0)
		return -1;
	if (!c->url)
		return cfg_err(err, c, "url", "missing: the API's http:// or https:// URL");
	if (sk_http_url_check(c->url, err) < 0)
		return sk_err_prefix(err, "config '%s'", name);
	if (strchr(c->url, '#'))
		return cfg_err(err, c, "url", "holds a '#' fragment");
	if (!c->method)
		c->method = "GET";
	if (strcmp(c->method, "GET") && strcmp(c->method, "POST"))
		return cfg_err(err, c, "method", "'%s': use GET or POST", c->method);
	if (!c->records)
		return cfg_err(err, c, "records", "missing: the JSON pointer to the array of records "
			       "(\"/result/rows\"; \"\" when the answer is the array)");
	c->headers = json_object_get(c->root, "headers");
	if (c->headers) {
		if (!json_is_object(c->headers))
			return cfg_err(err, c, "headers", "must be an object, not %s",
				       sk_json_type_name(c->headers));
		json_object_foreach(c->headers, key, v) {
			char path[300];
			snprintf(path, sizeof(path), "headers.%s", key);
			if (!json_is_string(v))
				return cfg_err(err, c, path, "must be a string, not %s",
					       sk_json_type_name(v));
		}
	}
	c->query = json_object_get(c->root, "query");
	if (c->query) {
		if (!json_is_object(c->query))
			return cfg_err(err, c, "query", "must be an object, not %s",
				       sk_json_type_name(c->query));
		json_object_foreach(c->query, key, v) {
			char path[300];
			snprintf(path, sizeof(path), "query.%s", key);
			if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v))
				return cfg_err(err, c, path, "must be a string, number or boolean, "
					       "not %s", sk_json_type_name(v));
		}
	}
	c->body = json_object_get(c->root, "body");
	if (c->body && strcmp(c->method, "POST"))
		return cfg_err(err, c, "body", "a body needs \"method\": \"POST\"");
	if ((v = json_object_get(c->root, "rate"))) {
		if (!json_is_number(v) || json_number_value(v) <= 0)
			return cfg_err(err, c, "rate", "must be a number of requests per second "
				       "above 0");
		c->rate = json_number_value(v);
	}
	if (parse_pagination(c, json_object_get(c->root, "pagination"), err) < 0 ||
	    parse_columns(c, json_object_get(c->root, "columns"), err) < 0)
		return -1;
	/* the page variables the template uses must exist, and the ones the
	 * pagination needs must be used (else every page is the first) */
	if (uses(c, "${limit}") && !c->limit)
		return cfg_err(err, c, "pagination.limit", "\"${limit}\" is used but no limit is set");
	if (c->ptype == P_OFFSET && !uses(c, "${offset}"))
		return cfg_err(err, c, "pagination.type", "offset pagination, but neither body nor "
			       "query holds \"${offset}\"");
	if (c->ptype == P_PAGE && !uses(c, "${page}"))
		return cfg_err(err, c, "pagination.type", "page pagination, but neither body nor "
			       "query holds \"${page}\"");
	if (c->ptype == P_CURSOR && !uses(c, "${cursor}"))
		return cfg_err(err, c, "pagination.type", "cursor pagination, but neither body nor "
			       "query holds \"${cursor}\"");
	if (c->ptype != P_OFFSET && uses(c, "${offset}"))
		return cfg_err(err, c, "pagination.type", "\"${offset}\" needs \"type\": \"offset\"");
	if (c->ptype != P_PAGE && uses(c, "${page}"))
		return cfg_err(err, c, "pagination.type", "\"${page}\" needs \"type\": \"page\"");
	if (c->ptype != P_CURSOR && uses(c, "${cursor}"))
		return cfg_err(err, c, "pagination.type", "\"${cursor}\" needs \"type\": \"cursor\"");
	return 0;
}

int sk_api_config_validate(const char *name, const char *text, size_t len, struct sk_err *err)
{
	struct cfg c;
	int ret = cfg_parse(&c, name, text, len, err);

	cfg_release(&c);
	return ret;
}

static int cfg_load(struct cfg *c, const char *path, struct sk_err *err)
{
	char *text;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!path || !*path)
		return sk_err_set(err, SK_E_USAGE, "no configuration: give --config FILE "
				  "(or STEPKIT_API_CONFIG; see extract-api --help)");
	if (!(text = sk_read_config(path, CONFIG_MAX, sk_opt_given_as("--config"), err)))
		return -1;
	ret = cfg_parse(c, path, text, strlen(text), err);
	free(text);
	return ret;
}

/* ---- headers: ${NAME} from the environment or NAME_FILE ---- */

static int add_secret(struct run *r, char *v, struct sk_err *err)
{
	if (r->nsecrets == MAX_SECRETS) {
		free(v);
		return sk_err_set(err, SK_E_USAGE, "more than %d ${NAME} secrets", MAX_SECRETS);
	}
	r->secrets[r->nsecrets++] = v;
	return 0;
}

static int build_headers(struct run *r, struct sk_err *err)
{
	struct sk_buf line = SK_BUF_INIT(64 << 10);
	const char *key;
	json_t *v;
	int ret = -1, accept = 0;

	if (r->c.headers) {
		json_object_foreach(r->c.headers, key, v) {
			const char *p = json_string_value(v), *q;
			char path[300];

			snprintf(path, sizeof(path), "headers.%s", key);
			if (!strcasecmp(key, "Accept"))
				accept = 1;
			sk_buf_reset(&line);
			if (sk_buf_addf(&line, err, "%s: ", key) < 0)
				goto out;
			while ((q = strstr(p, "${"))) {
				const char *e = strchr(q, '}');
				char name[128];
				char *val;
				size_t n;

				if (sk_buf_add(&line, p, (size_t)(q - p), err) < 0)
					goto out;
				n = e ? (size_t)(e - q - 2) : 0;
				if (!e || n == 0 || n >= sizeof(name) ||
				    strspn(q + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789_") != n) {
					cfg_err(err, &r->c, path, "'${' starts no ${NAME} (letters, digits, '_')");
					goto out;
				}
				memcpy(name, q + 2, n);
				name[n] = '\0';
				if (!(val = sk_env_secret(name, err))) {
					if (err->code == SK_E_NONE)
						cfg_err(err, &r->c, path, "${%s}: set %s or %s_FILE", name,
							name, name);
					else
						sk_err_prefix(err, "config '%s': %s: ${%s}", r->c.name,
							      path, name);
					goto out;
				}
				if (!*val) {
					free(val);
					cfg_err(err, &r->c, path, "${%s}: %s is empty", name, name);
					goto out;
				}
				if (sk_buf_adds(&line, val, err) < 0 || add_secret(r, val, err) < 0)
					goto out;
				p = e + 1;
			}
			if (sk_buf_adds(&line, p, err) < 0)
				goto out;
			if (sk_http_headers_add(&r->hdrs, line.data, err) < 0) {
				sk_err_prefix(err, "config '%s': %s", r->c.name, path);
				goto out;
			}
		}
	}
	if (!accept && sk_http_headers_add(&r->hdrs, "Accept: application/json", err) < 0)
		goto out;
	ret = 0;
out:
	if (line.data)
		memset(line.data, 0, line.len); /* it held secrets */
	sk_buf_release(&line);
	return ret;
}

/* ---- one page's request ---- */

/* A copy of `t` with the page variables put in; NULL (err) on no memory.
 * `*omit` is set for a "${cursor}" without a cursor yet. */
static json_t *expand(json_t *t, const struct vars *v, int *omit)
{
	const char *key;
	json_t *m, *out = NULL;
	size_t i;

	*omit = 0;
	if (json_is_string(t)) {
		const char *s = json_string_value(t);
		if (!strcmp(s, "${offset}"))
			return json_integer(v->offset);
		if (!strcmp(s, "${limit}"))
			return json_integer(v->limit);
		if (!strcmp(s, "${page}"))
			return json_integer(v->page);
		if (!strcmp(s, "${cursor}")) {
			if (!v->cursor) {
				*omit = 1;
				return NULL;
			}
			return json_string(v->cursor);
		}
		return json_incref(t);
	}
	if (json_is_object(t)) {
		if (!(out = json_object()))
			return NULL;
		json_object_foreach(t, key, m) {
			int skip;
			json_t *x = expand(m, v, &skip);
			if (skip)
				continue;
			if (!x || json_object_set_new(out, key, x) < 0)
				goto fail;
		}
		return out;
	}
	if (json_is_array(t)) {
		if (!(out = json_array()))
			return NULL;
		json_array_foreach(t, i, m) {
			int skip;
			json_t *x = expand(m, v, &skip);
			if (skip)
				continue;
			if (!x || json_array_append_new(out, x) < 0)
				goto fail;
		}
		return out;
	}
	return json_incref(t);
fail:
	json_decref(out);
	return NULL;
}

static int build_request(const struct cfg *c, const struct vars *v, struct sk_buf *url,
			 struct sk_buf *body, struct sk_err *err)
{
	const char *key;
	json_t *m;
	char sep = strchr(c->url, '?') ? '&' : '?';

	sk_buf_reset(url);
	sk_buf_reset(body);
	if (sk_buf_adds(url, v->next_url ? v->next_url : c->url, err) < 0)
		return -1;
	if (c->query && !v->next_url) { /* a next link carries its own query */
		json_object_foreach(c->query, key, m) {
			int omit;
			json_t *x = expand(m, v, &omit);
			char num[64];
			const char *val = num;

			if (omit)
				continue;
			if (!x)
				return sk_err_set(err, SK_E_NOMEM, "out of memory");
			if (json_is_string(x))
				val = json_string_value(x);
			else if (json_is_integer(x))
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(x));
			else if (json_is_real(x))
				snprintf(num, sizeof(num), "%.17g", json_real_value(x));
			else
				snprintf(num, sizeof(num), "%s", json_is_true(x) ? "true" : "false");
			if (sk_buf_add(url, &sep, 1, err) < 0 || sk_http_uri_encode(url, key, 0, err) < 0 ||
			    sk_buf_add(url, "=", 1, err) < 0 || sk_http_uri_encode(url, val, 0, err) < 0) {
				json_decref(x);
				return -1;
			}
			json_decref(x);
			sep = '&';
		}
	}
	if (c->body) {
		int omit;
		json_t *x = expand(c->body, v, &omit);
		char *text;

		if (!x && !omit)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		text = x ? json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		json_decref(x);
		if (x && !text)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		if (text && sk_buf_adds(body, text, err) < 0) {
			free(text);
			return -1;
		}
		free(text);
	}
	return 0;
}

/* Wait until the rate limit lets the next request start (token bucket of
 * one): 0, or -1 when a termination signal ended the wait. */
static int rate_wait(struct run *r)
{
	double next, now;

	if (r->rate <= 0 || r->last_start <= 0)
		return 0;
	next = r->last_start + 1.0 / r->rate;
	if ((now = sk_retry_clock()) < next)
		return sk_retry_pause(next - now);
	return 0;
}

struct fetch {
	struct run *r;
	const struct sk_http_req *req;
	struct sk_http_resp *resp;
	long long page;
};

/* One attempt (sk_retry's op): counts, the breaker, secrets out of messages. */
static int fetch_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct fetch *f = ctx;
	struct run *r = f->r;
	double t0;
	int ret;

	if (rate_wait(r) < 0)
		return sk_err_set(err, SK_E_INTERRUPTED, "page %lld: interrupted waiting for the "
				  "rate limit", f->page);
	t0 = r->last_start = sk_retry_clock();
	ret = sk_http_attempt(r->h, f->req, f->resp, st, err);
	r->api_seconds += sk_retry_clock() - t0;
	r->requests++;
	if (st->attempt > 1)
		r->retries++;
	if (ret == 0) {
		r->consecutive = 0;
		return 0;
	}
	r->failed++;
	scrub(r, err);
	sk_err_prefix(err, "page %lld", f->page);
	if (err->code == SK_E_TRANSIENT && f->resp->status != 429 && r->breaker > 0 &&
	    ++r->consecutive >= r->breaker) {
		/* stop now: the API looks down; exit 75 lets Argo try later, and
		 * the pages kept so far make that run resume */
		r->tripped = 1;
		sk_err_prefix(err, "circuit breaker open after %lld failed requests in a row, the "
			      "API looks down; stopping (exit 75: a retry later resumes after "
			      "the last good page; --breaker sets the count); last error", r->consecutive);
		err->code = SK_E_PERMANENT; /* ends sk_retry's loop; set back below */
	}
	return -1;
}

/* Ask for one page; its body lands in `resp`. */
static int fetch_page(struct run *r, const struct vars *v, long long page, int once,
		      struct sk_http_resp *resp, struct sk_err *err)
{
	struct sk_buf url = SK_BUF_INIT(64 << 10), body = SK_BUF_INIT(16 << 20);
	struct sk_retry_policy one;
	struct sk_retry_state st = {0};
	struct sk_http_req req = {0};
	struct fetch f = {r, &req, resp, page};
	int ret = -1;

	if (build_request(&r->c, v, &url, &body, err) < 0)
		goto out;
	req.method = r->c.method;
	req.url = url.data;
	req.headers = (const char *const *)r->hdrs.v;
	req.what = r->shown_url;
	req.accept_encoding = ""; /* gzip answers are common; libcurl decodes them */
	if (r->c.body) {
		req.body = SK_HTTP_BODY_MEM;
		req.data = body.data ? body.data : "";
		req.len = body.len;
		req.content_type = "application/json";
	}
	sk_debugf("page %lld: %s '%s'%s%s", page, req.method, r->shown_url, body.len ? " " : "",
		  body.len ? body.data : "");
	one = r->retry;
	if (once)
		one.max_attempts = 1;
	ret = sk_retry(&one, fetch_op, &f, &st, err);
	if (ret < 0 && r->tripped)
		err->code = SK_E_TRANSIENT;
	if (ret == 0 && resp->truncated) {
		sk_err_set(err, SK_E_DATA, "page %lld: the answer is over %zu bytes "
			   "(--max-page-bytes): ask for smaller pages (pagination.limit)", page,
			   r->max_page_bytes);
		ret = -1;
	}
out:
	sk_buf_release(&url);
	sk_buf_release(&body);
	return ret;
}

/* Index an answer into `t`; a clear error for HTML, empty or broken JSON. */
static int parse_page(struct sk_jt *t, const char *text, size_t len, const char *ctype,
		      long long page, struct sk_err *err)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len)
		return sk_err_set(err, SK_E_DATA, "page %lld: the answer is empty, not JSON", page);
	if (text[i] == '<' || (ctype && strstr(ctype, "html"))) {
		char shown[80];
		size_t n = len - i < 60 ? len - i : 60;
		sk_utf8_escape(shown, sizeof(shown), text + i, n, 1);
		return sk_err_set(err, SK_E_DATA, "page %lld: the answer is HTML, not JSON%s%s%s "
				  "(a proxy's or login page?): '%s'", page,
				  ctype && *ctype ? " (Content-Type '" : "", ctype ? ctype : "",
				  ctype && *ctype ? "')" : "", shown);
	}
	if (sk_jt_parse(t, text, len, err) < 0)
		return sk_err_prefix(err, "page %lld: the answer is not valid JSON", page);
	return 0;
}

/* ---- kept pages (resume) ---- */

/* WORKDIR/api/NAME/page-NNNNNN.json, with `suffix` (".next") after it. */
static int page_path(const struct run *r, long long page, const char *suffix, char out[PATH_MAX],
		     struct sk_err *err)
{
	char name[64];

	snprintf(name, sizeof(name), "page-%06lld.json%s", page, suffix);
	return sk_path_join(out, r->pages_dir, name, err);
}

/*
 * Keep one page: atomic (a temporary file, removed on a signal, renamed into
 * place) but not fsynced. A page is a cache of what the server would send
 * again: an fsync per page (two, with the directory's) cost 50 ms a page
 * here, more than the request, and a page that a power loss leaves empty
 * or cut short is refetched, since a kept page that does not parse is
 * dropped (get_page).
 */
static int page_keep(const char *path, const void *data, size_t len, struct sk_err *err)
{
	if (sk_write_file_cache(path, data, len, err) < 0)
		return sk_err_prefix(err, "keep page '%s'", path);
	return 0;
}

/* Remove the kept pages (and the directory, when empty). */
static void pages_remove(const struct run *r)
{
	DIR *d = opendir(r->pages_dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct sk_err ignore = SK_ERR_INIT;
		if (strncmp(e->d_name, "page-", 5) && strncmp(e->d_name, ".page-", 6) &&
		    strcmp(e->d_name, "config.sha256"))
			continue;
		if (sk_path_join(p, r->pages_dir, e->d_name, &ignore) == 0)
			unlink(p);
	}
	closedir(d);
	if (rmdir(r->pages_dir) == 0) {
		/* WORKDIR/api too, when no other output keeps pages there */
		char *slash;
		if (snprintf(p, sizeof(p), "%s", r->pages_dir) < (int)sizeof(p) &&
		    (slash = strrchr(p, '/'))) {
			*slash = '\0';
			rmdir(p);
		}
	}
}

/*
 * Prepare the pages directory: kept pages are used only when they were
 * fetched under the same configuration (its SHA-256 is recorded); --fresh,
 * or another configuration, starts over.
 */
static int pages_open(struct run *r, int fresh, struct sk_err *err)
{
	char p[PATH_MAX];
	char *old = NULL;
	struct sk_err ignore = SK_ERR_INIT;

	if (sk_path_join(p, r->pages_dir, "config.sha256", err) < 0)
		return -1;
	if (!fresh && (old = sk_read_small_file(p, 256, 1, &ignore)) && strcmp(old, r->c.sha)) {
		sk_infof("'%s': pages of another configuration, starting over", r->pages_dir);
		fresh = 1;
	}
	free(old);
	if (fresh)
		pages_remove(r);
	if (sk_mkdir_p(r->pages_dir, err) < 0)
		return sk_err_prefix(err, "pages directory");
	/* what killed runs left (the pages' writer does not look, page by page) */
	sk_stale_temps(r->pages_dir, NULL, 1, NULL, NULL, &ignore);
	return sk_write_file_atomic(p, r->c.sha, strlen(r->c.sha), 0, NULL, err);
}

/* ---- records to rows ---- */

int sk_api_format_decimal(double v, char *out, size_t outsz)
{
	if (!isfinite(v))
		return -1;
	for (int prec = 1; prec <= 17; prec++) {
		int n = snprintf(out, outsz, "%.*g", prec, v);
		if (n < 0 || (size_t)n >= outsz)
			return -1;
		if (strtod(out, NULL) == v)
			return strpbrk(out, "eE") ? -1 : 0;
	}
	return -1;
}

/* A decimal string as an API may send one: [-]digits[.digits]. */
static int is_decimal_text(const char *s, size_t len)
{
	size_t i = len && *s == '-' ? 1 : 0, d = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (i < len && s[i] == '.') {
		size_t f = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			f++;
		if (!f)
			return 0;
	}
	return i == len && d > 0;
}

/* `len` bytes of number text as a double. */
static double text_double(const char *s, size_t len)
{
	char small[64], *b = len < sizeof(small) ? small : malloc(len + 1);
	double x;

	if (!b)
		return NAN;
	memcpy(b, s, len);
	b[len] = '\0';
	x = strtod(b, NULL);
	if (b != small)
		free(b);
	return x;
}

/* `v` as decimal digits into `out` (24 bytes); the length. */
static size_t fmt_ll(long long v, char *out)
{
	char tmp[24];
	size_t n = 0, len = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

/* Why a value breaks its column (NULL: it does not), its reason counter. */
struct verdict {
	const char *reason; /* "dropped_missing", "dropped_type", "dropped_rule" */
	char why[200];
};

/* Append the value of column `j` in record node `rec` to `row` (CSV-encoded). */
static int put_value(struct run *r, size_t j, uint32_t rec, struct sk_buf *row,
		     struct verdict *vd, const char **raw, size_t *rawlen, struct sk_err *err)
{
	const struct col *k = &r->c.cols[j];
	struct sk_jt *t = &r->jt;
	uint32_t v = sk_jt_get(t, rec, &r->col_p[j]);
	enum sk_jt_type vt = v == SK_JT_NONE ? SK_JT_NULL : (enum sk_jt_type)t->n[v].type;
	char num[64];
	const char *text = NULL, *s = NULL;
	size_t len = 0, slen = 0;
	double x = 0;
	int has_x = 0;

	if (v == SK_JT_NONE || vt == SK_JT_NULL) {
		if (k->required) {
			vd->reason = "dropped_missing";
			snprintf(vd->why, sizeof(vd->why), "%s, and the column is required",
				 v != SK_JT_NONE ? "null" : "missing");
		}
		return sk_buf_add(row, "", 0, err);
	}
	if (vt == SK_JT_STR && !(s = sk_jt_str(t, v, &slen, err)))
		return -1;
	switch (k->type) {
	case C_TEXT:
		if (vt == SK_JT_STR)
			text = s, len = slen;
		else if (vt == SK_JT_INT)
			len = fmt_ll(sk_jt_int(t, v), num), text = num;
		break;
	case C_INT:
		if (vt == SK_JT_INT) {
			long long n = sk_jt_int(t, v);
			len = fmt_ll(n, num), text = num;
			x = (double)n, has_x = 1;
		} else if (vt == SK_JT_STR) {
			long long n;
			if (slen && sk_parse_int(s, slen, &n) == 0) {
				len = fmt_ll(n, num), text = num;
				x = (double)n, has_x = 1;
			}
		}
		break;
	case C_DEC:
		if (vt == SK_JT_INT) {
			long long n = sk_jt_int(t, v);
			len = fmt_ll(n, num), text = num;
			x = (double)n, has_x = 1;
		} else if (vt == SK_JT_REAL) {
			x = sk_jt_num(t, v), has_x = 1;
			if (sk_api_format_decimal(x, num, sizeof(num)) == 0)
				text = num, len = strlen(num);
		} else if (vt == SK_JT_STR && is_decimal_text(s, slen)) {
			text = s, len = slen;
			if (k->has_min)
				x = text_double(s, slen), has_x = 1;
		}
		break;
	case C_BOOL:
		if (vt == SK_JT_TRUE)
			text = "true", len = 4;
		else if (vt == SK_JT_FALSE)
			text = "false", len = 5;
		break;
	case C_TS:
		if (vt == SK_JT_STR && slen >= 19 && sk_is_timestamp(s, 19))
			text = s, len = slen;
		break;
	}
	if (!text) {
		char shown[48] = "";
		if (vt == SK_JT_STR)
			sk_utf8_escape(shown, sizeof(shown), s, slen > 40 ? 40 : slen, 1);
		vd->reason = "dropped_type";
		snprintf(vd->why, sizeof(vd->why), "%s%s%s%s, not %s %s", sk_jt_type_name(t, v),
			 *shown ? " '" : "", shown, *shown ? "'" : "",
			 k->type == C_INT ? "an" : "a", k->type == C_TS
			 ? "timestamp (YYYY-MM-DDTHH:MM:SS)" : ctype_names[k->type]);
		return sk_buf_add(row, "", 0, err);
	}
	if (k->has_min && has_x && x < k->min) {
		char shown[48];
		sk_utf8_escape(shown, sizeof(shown), text, len > 40 ? 40 : len, 1);
		vd->reason = "dropped_rule";
		snprintf(vd->why, sizeof(vd->why), "%s is below the minimum %g", shown, k->min);
	}
	*raw = text;
	*rawlen = len;
	return sk_csv_encode(row, text, len, err);
}

static void count_drop(struct run *r, const char *reason)
{
	if (!strcmp(reason, "dropped_missing"))
		r->dropped_missing++;
	else if (!strcmp(reason, "dropped_type"))
		r->dropped_type++;
	else
		r->dropped_rule++;
}

/*
 * The mapped column: its value through the --map table into `row`, the
 * value as the API sent it (CSV-encoded) into `orig` for COLUMN_original.
 * A value the table lacks is written unchanged and counted.
 */
static int map_value(struct run *r, size_t j, uint32_t rec, struct sk_buf *row,
		     struct sk_buf *orig, struct verdict *vd, struct sk_err *err)
{
	const struct col *k = &r->c.cols[j];
	const char *raw = NULL;
	size_t rawlen = 0, *at;

	sk_buf_reset(orig);
	if (put_value(r, j, rec, orig, vd, &raw, &rawlen, err) < 0)
		return -1;
	if (!raw || vd->reason) /* empty, or invalid: nothing to map */
		return sk_buf_add(row, orig->data ? orig->data : "", orig->len, err);
	if ((at = sk_map_get(r->map, raw, rawlen))) {
		const char *to = r->map_vals.data + *at;
		return sk_csv_encode(row, to, strlen(to), err);
	}
	if (r->unmapped++ < SHOW_DROPS)
		sk_warnf("--map: %s value '%.*s' is not in the mapping; written unchanged", k->name,
			 (int)(rawlen > 80 ? 80 : rawlen), raw);
	return sk_buf_add(row, orig->data, orig->len, err);
}

/* The records of the page in r->jt to rows of `w` (NULL: check only). */
static int page_rows(struct run *r, long long page, struct sk_csv_writer *w, size_t *nrec,
		     struct sk_err *err)
{
	struct sk_jt *t = &r->jt;
	uint32_t recs = sk_jt_get(t, 0, &r->records_p), rec, next;
	struct sk_buf row = SK_BUF_INIT(ROW_MAX), key = SK_BUF_INIT(ROW_MAX);
	struct sk_buf orig = SK_BUF_INIT(ROW_MAX);
	size_t i, fs[SK_CSV_MAX_COLS], fe[SK_CSV_MAX_COLS];
	int ret = -1;

	if (recs == SK_JT_NONE || t->n[recs].type != SK_JT_ARR) {
		sk_err_set(err, SK_E_DATA, "page %lld: records '%s' is %s, not an array: check "
			   "\"records\" in '%s'", page, r->c.records, sk_jt_type_name(t, recs),
			   r->c.name);
		goto out;
	}
	*nrec = t->n[recs].count;
	for (i = 0, rec = recs + 1; i < *nrec; i++, rec = next) {
		struct verdict vd = {NULL, ""};
		const struct col *bad = NULL;

		next = t->n[rec].end;
		sk_buf_reset(&row);
		if (t->n[rec].type != SK_JT_OBJ) {
			vd.reason = "dropped_type";
			snprintf(vd.why, sizeof(vd.why), "the record is %s, not an object",
				 sk_jt_type_name(t, rec));
		}
		for (size_t j = 0; !vd.reason && j < r->c.ncols; j++) {
			/* the separator by position: the fields before may be empty */
			if (j && sk_buf_add(&row, ",", 1, err) < 0)
				goto out;
			fs[j] = row.len;
			if ((long long)j == r->map_col) {
				if (map_value(r, j, rec, &row, &orig, &vd, err) < 0)
					goto out;
			} else {
				const char *raw = "";
				size_t rawlen = 0;
				if (put_value(r, j, rec, &row, &vd, &raw, &rawlen, err) < 0)
					goto out;
			}
			fe[j] = row.len;
			if ((long long)j == r->map_col &&
			    (sk_buf_add(&row, ",", 1, err) < 0 ||
			     sk_buf_add(&row, orig.data ? orig.data : "", orig.len, err) < 0))
				goto out;
			if (vd.reason)
				bad = &r->c.cols[j];
		}
		r->records++;
		if (vd.reason) {
			char where[200];
			if (bad)
				snprintf(where, sizeof(where), "page %lld, record %zu, field '%s' (%s)",
					 page, i, bad->name, bad->path);
			else
				snprintf(where, sizeof(where), "page %lld, record %zu", page, i);
			if (r->max_invalid < 0) {
				sk_err_set(err, SK_E_DATA, "%s: %s (--max-invalid PERCENT drops such "
					   "records instead)", where, vd.why);
				goto out;
			}
			count_drop(r, vd.reason);
			if (r->shown_drops++ < SHOW_DROPS)
				sk_warnf("dropped %s: %s", where, vd.why);
			continue;
		}
		if (r->nkey) {
			int inserted;
			/* the CSV text of the key fields joined by ',': one text per key */
			sk_buf_reset(&key);
			for (size_t k = 0; k < r->nkey; k++)
				if ((k && sk_buf_add(&key, ",", 1, err) < 0) ||
				    sk_buf_add(&key, row.data + fs[r->key[k]],
					       fe[r->key[k]] - fs[r->key[k]], err) < 0)
					goto out;
			if (!sk_map_upsert(r->keys, key.data ? key.data : "", key.len, &inserted, err))
				goto out;
			if (!inserted) {
				r->dropped_duplicate++;
				if (r->shown_drops++ < SHOW_DROPS)
					sk_infof("dropped page %lld, record %zu: key %s seen before (first "
						 "wins)", page, i, key.data ? key.data : "");
				continue;
			}
		}
		if (w) {
			sk_csv_put_encoded(w, row.data ? row.data : "", row.len);
			if (sk_csv_end_row(w, err) < 0)
				goto out;
			r->rows++;
			sk_step_progress(r->s, (unsigned long long)r->rows);
		}
	}
	ret = 0;
out:
	sk_buf_release(&row);
	sk_buf_release(&key);
	sk_buf_release(&orig);
	return ret;
}

/* ---- the next page ---- */

/* Text of a cursor node (string or integer) into `out`; 0 none (stop), -1 bad. */
static int cursor_text(struct run *r, uint32_t v, char *out, size_t outsz, struct sk_err *err)
{
	struct sk_jt *t = &r->jt;
	enum sk_jt_type vt = v == SK_JT_NONE ? SK_JT_NULL : (enum sk_jt_type)t->n[v].type;

	if (vt == SK_JT_NULL || vt == SK_JT_FALSE)
		return 0;
	if (vt == SK_JT_STR) {
		size_t len;
		const char *s = sk_jt_str(t, v, &len, err);
		if (!s)
			return -2;
		if (!len)
			return 0;
		if (len >= outsz || memchr(s, '\0', len))
			return -1;
		memcpy(out, s, len);
		out[len] = '\0';
		return 1;
	}
	if (vt == SK_JT_INT) {
		fmt_ll(sk_jt_int(t, v), out);
		return 1;
	}
	return -1;
}

/*
 * After page `page` (`nrec` records, indexed in r->jt): 1 when another page
 * follows (vars advanced), 0 when this was the last, -1 with `err`.
 */
static int next_page(struct run *r, long long page, size_t nrec, struct vars *v, char *cursor,
		     size_t cursz, struct sk_map *seen, struct sk_err *err)
{
	struct sk_jt *t = &r->jt;
	uint32_t x;

	if (r->c.ptype == P_NONE || nrec == 0)
		return 0;
	if (r->c.has_more_ptr) {
		x = sk_jt_get(t, 0, &r->has_more_p);
		if (x == SK_JT_NONE || (t->n[x].type != SK_JT_TRUE && t->n[x].type != SK_JT_FALSE))
			return sk_err_set(err, SK_E_DATA, "page %lld: has_more '%s' is %s, not true "
					  "or false", page, r->c.has_more_ptr, sk_jt_type_name(t, x));
		if (t->n[x].type == SK_JT_FALSE)
			return 0;
	}
	if (r->c.total_ptr) {
		x = sk_jt_get(t, 0, &r->total_p);
		if (x == SK_JT_NONE || t->n[x].type != SK_JT_INT)
			return sk_err_set(err, SK_E_DATA, "page %lld: total '%s' is %s, not an "
					  "integer", page, r->c.total_ptr, sk_jt_type_name(t, x));
		if (r->records >= sk_jt_int(t, x))
			return 0;
	}
	if (r->c.stop_short && (long long)nrec < r->c.limit)
		return 0;
	switch (r->c.ptype) {
	case P_OFFSET:
		v->offset += r->c.limit;
		break;
	case P_PAGE:
		v->page++;
		break;
	case P_CURSOR: {
		int inserted, rc;
		x = sk_jt_get(t, 0, &r->cursor_p);
		rc = cursor_text(r, x, cursor, cursz, err);
		if (rc == -2)
			return -1;
		if (rc < 0)
			return sk_err_set(err, SK_E_DATA, "page %lld: cursor '%s' is %s: want a "
					  "string or an integer", page, r->c.cursor_ptr,
					  sk_jt_type_name(t, x));
		if (rc == 0)
			return 0;
		if (!sk_map_upsert(seen, cursor, strlen(cursor), &inserted, err))
			return -1;
		if (!inserted)
			return sk_err_set(err, SK_E_DATA, "page %lld: the API returned cursor '%s' "
					  "again: it would loop; stopping", page, cursor);
		v->cursor = cursor;
		break;
	}
	case P_LINK: {
		int inserted;
		if (!r->next[0])
			return 0;
		if (!sk_map_upsert(seen, r->next, strlen(r->next), &inserted, err))
			return -1;
		if (!inserted) {
			char shown[512];
			sk_http_url_redact(r->next, shown, sizeof(shown));
			return sk_err_set(err, SK_E_DATA, "page %lld: the next link '%s' came before: "
					  "it would loop; stopping", page, shown);
		}
		snprintf(cursor, cursz, "%s", r->next);
		v->next_url = cursor;
		break;
	}
	case P_NONE:
		return 0;
	}
	if (page >= r->max_pages)
		return sk_err_set(err, SK_E_DATA, "more than %lld pages (%s): the API does not "
				  "stop, or raise the limit", r->max_pages, sk_opt_given_as("--max-pages"));
	return 1;
}

/* ---- settings ---- */

static int parse_number(const char *v, const char *name, double lo, double hi, double *out,
			struct sk_err *err)
{
	char *end;
	double x;

	if (!v || !*v)
		return 0;
	errno = 0;
	x = strtod(v, &end);
	if (end == v || (*end && strcmp(end, "/s")) || errno || !(x >= lo && x <= hi))
		return sk_err_set(err, SK_E_USAGE, "%s '%s': give a number from %g to %g",
				  sk_opt_given_as(name), v, lo, hi);
	*out = x;
	return 0;
}

static int parse_count(const char *v, const char *name, long long lo, long long *out,
		       struct sk_err *err)
{
	long long n;

	if (!v || !*v)
		return 0;
	if (sk_parse_int(v, strlen(v), &n) < 0 || n < lo || *v == '+' || *v == '-')
		return sk_err_set(err, SK_E_USAGE, "%s '%s': give a whole number from %lld",
				  sk_opt_given_as(name), v, lo);
	*out = n;
	return 0;
}

/* --map COLUMN=FILE: a two-column CSV (a header line, then raw,normalised). */
static int parse_map(struct run *r, const char *v, struct sk_err *err)
{
	const char *eq = v ? strchr(v, '=') : NULL;
	struct sk_csv_reader *rd = NULL;
	struct sk_csv_row row;
	size_t j;
	int rc, ret = -1, first = 1;

	r->map_col = -1;
	if (!v || !*v)
		return 0;
	for (j = 0; eq && j < r->c.ncols; j++)
		if (strlen(r->c.cols[j].name) == (size_t)(eq - v) &&
		    !strncmp(r->c.cols[j].name, v, (size_t)(eq - v)))
			break;
	if (!eq || !eq[1] || j == r->c.ncols)
		return sk_err_set(err, SK_E_USAGE, "%s '%s': give COLUMN=FILE, COLUMN one of the "
				  "columns of '%s'", sk_opt_given_as("--map"), v, r->c.name);
	if (r->c.ncols + 1 > SK_CSV_MAX_COLS)
		return sk_err_set(err, SK_E_USAGE, "%s: no room for %s_original (at most %d columns)",
				  sk_opt_given_as("--map"), r->c.cols[j].name, SK_CSV_MAX_COLS);
	r->map_col = (long long)j;
	r->map_vals = (struct sk_buf)SK_BUF_INIT(256u << 20);
	if (!(r->map = sk_map_open(sizeof(size_t), err)) ||
	    !(rd = sk_csv_open_range(eq + 1, 2, 0, 0, err)))
		goto out;
	while ((rc = sk_csv_next(rd, &row, err)) > 0) {
		int inserted;
		size_t *at;
		if (first) { /* the header */
			first = 0;
			continue;
		}
		if (!(at = sk_map_upsert(r->map, row.f[0], row.len[0], &inserted, err)))
			goto out;
		if (!inserted)
			continue; /* the first line of a value wins */
		*at = r->map_vals.len;
		if (sk_buf_add(&r->map_vals, row.f[1], row.len[1], err) < 0 ||
		    sk_buf_add(&r->map_vals, "", 1, err) < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	sk_infof("--map %s: %zu values from '%s'", r->c.cols[j].name, sk_map_count(r->map), eq + 1);
	ret = 0;
out:
	if (ret < 0)
		sk_err_prefix(err, "%s", sk_opt_given_as("--map"));
	sk_csv_close(rd);
	return ret;
}

/* --key a,b: the columns whose values together identify a record. */
static int parse_key(struct run *r, const char *v, struct sk_err *err)
{
	const char *p = v;

	if (!v || !*v)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ","), j;
		for (j = 0; j < r->c.ncols; j++)
			if (strlen(r->c.cols[j].name) == n && !strncmp(r->c.cols[j].name, p, n))
				break;
		if (j == r->c.ncols || n == 0)
			return sk_err_set(err, SK_E_USAGE, "%s '%s': '%.*s' is not a column of '%s'",
					  sk_opt_given_as("--key"), v, (int)n, p, r->c.name);
		if (r->nkey == SK_CSV_MAX_COLS)
			return sk_err_set(err, SK_E_USAGE, "%s: too many columns",
					  sk_opt_given_as("--key"));
		r->key[r->nkey++] = j;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!(r->keys = sk_map_open(0, err)))
		return -1;
	return 0;
}

static void run_release(struct run *r)
{
	free(r->kept);
	sk_jt_release(&r->jt);
	sk_jt_ptr_release(&r->records_p);
	sk_jt_ptr_release(&r->cursor_p);
	sk_jt_ptr_release(&r->has_more_p);
	sk_jt_ptr_release(&r->total_p);
	for (size_t i = 0; i < SK_CSV_MAX_COLS; i++)
		sk_jt_ptr_release(&r->col_p[i]);
	sk_map_close(r->keys);
	sk_map_close(r->map);
	sk_buf_release(&r->map_vals);
	sk_http_close(r->h);
	sk_http_headers_release(&r->hdrs);
	for (size_t i = 0; i < r->nsecrets; i++) {
		memset(r->secrets[i], 0, strlen(r->secrets[i]));
		free(r->secrets[i]);
	}
	cfg_release(&r->c);
}

static int run_init(struct run *r, struct sk_step *s, const struct sk_api_opts *o,
		    struct sk_err *err)
{
	struct sk_http_cfg hc = {0};
	long long mib = DEFAULT_PAGE_BYTES >> 20;
	char base[PATH_MAX], api[PATH_MAX], *dot;
	const char *slash;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->map_col = -1;
	r->max_pages = DEFAULT_MAX_PAGES;
	r->breaker = DEFAULT_BREAKER;
	r->timeout = 60;
	r->connect_timeout = 10;
	if (cfg_load(&r->c, o->config, err) < 0)
		return -1;
	/* the pointers split once, not per record */
	if (sk_jt_ptr_compile(&r->records_p, r->c.records, err) < 0 ||
	    (r->c.cursor_ptr && sk_jt_ptr_compile(&r->cursor_p, r->c.cursor_ptr, err) < 0) ||
	    (r->c.has_more_ptr && sk_jt_ptr_compile(&r->has_more_p, r->c.has_more_ptr, err) < 0) ||
	    (r->c.total_ptr && sk_jt_ptr_compile(&r->total_p, r->c.total_ptr, err) < 0))
		return -1;
	for (size_t i = 0; i < r->c.ncols; i++)
		if (sk_jt_ptr_compile(&r->col_p[i], r->c.cols[i].path, err) < 0)
			return -1;
	r->rate = r->c.rate;
	if (parse_number(o->rate, "--rate", 0.001, 1e6, &r->rate, err) < 0 ||
	    parse_count(o->max_pages, "--max-pages", 1, &r->max_pages, err) < 0 ||
	    parse_count(o->breaker, "--breaker", 0, &r->breaker, err) < 0 ||
	    parse_count(o->max_page_mib, "--max-page-mib", 1, &mib, err) < 0 ||
	    parse_number(o->timeout, "--timeout", 0.1, 86400, &r->timeout, err) < 0 ||
	    parse_number(o->connect_timeout, "--connect-timeout", 0.1, 600, &r->connect_timeout,
			 err) < 0 ||
	    sk_gate_rows_parse(o->min_rows, "--min-rows", &r->min_rows, err) < 0 ||
	    sk_gate_percent_parse(o->max_invalid, "--max-invalid", &r->max_invalid, err) < 0 ||
	    sk_step_retry_policy(&r->retry, err) < 0)
		return -1;
	if (parse_key(r, o->key, err) < 0 || parse_map(r, o->map, err) < 0)
		return -1;
	if (mib > 4096)
		return sk_err_set(err, SK_E_USAGE, "%s '%s': at most 4096",
				  sk_opt_given_as("--max-page-mib"), o->max_page_mib);
	r->max_page_bytes = (size_t)mib << 20;
	if (sk_step_path(s, r->out, o->out, DEFAULT_OUT, err) < 0)
		return -1;
	slash = strrchr(r->out, '/');
	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : r->out);
	if ((dot = strrchr(base, '.')) && dot != base)
		*dot = '\0';
	if (sk_path_join(api, sk_step_workdir(s), "api", err) < 0 ||
	    sk_path_join(r->pages_dir, api, base, err) < 0)
		return -1;
	sk_http_url_redact(r->c.url, r->shown_url, sizeof(r->shown_url));
	if (build_headers(r, err) < 0)
		return -1;
	hc.connect_timeout = r->connect_timeout;
	hc.stall_timeout = r->timeout;
	if (!(r->h = sk_http_open(&hc, err)))
		return -1;
	return 0;
}

static void record_event(struct run *r)
{
	sk_step_count(r->s, "pages", r->pages);
	sk_step_count(r->s, "pages_resumed", r->resumed);
	sk_step_count(r->s, "records", r->records);
	sk_step_count(r->s, "api_requests_made", r->requests);
	sk_step_count(r->s, "api_requests_failed", r->failed);
	sk_step_count(r->s, "api_retries", r->retries);
	sk_step_count(r->s, "total_api_time_ms", (long long)(r->api_seconds * 1000 + 0.5));
	/* drop reasons: counts.dropped_REASON and metrics.drop_reasons */
	if (r->dropped_missing)
		sk_step_dropped(r->s, "dropped_missing", r->dropped_missing);
	if (r->dropped_type)
		sk_step_dropped(r->s, "dropped_type", r->dropped_type);
	if (r->dropped_rule)
		sk_step_dropped(r->s, "dropped_rule", r->dropped_rule);
	if (r->dropped_duplicate)
		sk_step_dropped(r->s, "dropped_duplicate", r->dropped_duplicate);
	if (r->map_col >= 0)
		sk_step_count(r->s, "unmapped", r->unmapped);
}

/* The length of the scheme://host[:port] part of an absolute http(s) URL, or 0. */
static size_t origin_len(const char *u)
{
	const char *p = NULL, *e;

	if (!strncasecmp(u, "http://", 7))
		p = u + 7;
	else if (!strncasecmp(u, "https://", 8))
		p = u + 8;
	if (!p)
		return 0;
	e = p + strcspn(p, "/?#");
	return e > p ? (size_t)(e - u) : 0;
}

/*
 * The rel="next" target of a Link header value (RFC 8288), made absolute
 * against `base` (the URL just asked), into `out` ("" when there is none).
 * A target on another scheme, host or port is refused: our headers (the
 * credentials) would go with it.
 */
static int link_next(const char *link, const char *base, long long page, char *out,
		     size_t outsz, struct sk_err *err)
{
	const char *p = link;

	out[0] = '\0';
	while ((p = strchr(p, '<'))) {
		const char *ue = strchr(p, '>'), *pe;
		int next = 0;

		if (!ue)
			break;
		pe = strchr(ue, '<'); /* the parameters end where the next link starts */
		if (!pe)
			pe = ue + strlen(ue);
		for (const char *r = ue; (r = strstr(r, "rel=")) && r < pe; r += 4) {
			const char *v = r + 4, *ve;
			if (*v == '"')
				v++;
			ve = v + strcspn(v, "\";,");
			for (const char *t = v; t < ve;) {
				size_t n = strcspn(t, " \";,");
				if (n == 4 && !strncasecmp(t, "next", 4))
					next = 1;
				t += n ? n : 1;
			}
		}
		if (next) {
			size_t n = (size_t)(ue - p - 1), ob = origin_len(base), ot;
			char target[2048], shown[512];
			int w;

			if (n >= sizeof(target))
				return sk_err_set(err, SK_E_DATA, "page %lld: the next link is over %zu "
						  "bytes", page, sizeof(target) - 1);
			memcpy(target, p + 1, n);
			target[n] = '\0';
			if ((ot = origin_len(target))) {
				if (ot != ob || strncasecmp(target, base, ob)) {
					sk_http_url_redact(target, shown, sizeof(shown));
					return sk_err_set(err, SK_E_DATA, "page %lld: the next link goes "
							  "to another host ('%s'): not followed, the "
							  "credentials would go with it", page, shown);
				}
				w = snprintf(out, outsz, "%s", target);
			} else if (target[0] == '/' && target[1] != '/') {
				w = snprintf(out, outsz, "%.*s%s", (int)ob, base, target);
			} else {
				return sk_err_set(err, SK_E_DATA, "page %lld: the next link '%s' is "
						  "neither absolute nor a path from '/'", page, target);
			}
			if (w < 0 || (size_t)w >= outsz)
				return sk_err_set(err, SK_E_DATA, "page %lld: the next link is too long",
						  page);
			return 0;
		}
		p = ue;
	}
	return 0;
}

/* Whether `path` is a regular file: only such a kept file is read back (a
 * FIFO there would hold the run until someone wrote to it). */
static int is_regular(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Page `page`: the kept file, or a request (then kept), indexed in r->jt
 * (which points into r->kept or `resp`'s body). 0, or -1 with `err`. */
static int get_page(struct run *r, const struct vars *v, long long page,
		    struct sk_http_resp *resp, struct sk_err *err)
{
	char path[PATH_MAX], nextpath[PATH_MAX];
	struct sk_err miss = SK_ERR_INIT;

	free(r->kept);
	r->kept = NULL;
	if (page_path(r, page, "", path, err) < 0 || page_path(r, page, ".next", nextpath, err) < 0)
		return -1;
	r->next[0] = '\0';
	if (r->c.ptype == P_LINK) {
		/* the next link came in a header: kept beside the page, before it */
		char *nx = is_regular(nextpath)
			   ? sk_read_small_file(nextpath, sizeof(r->next) - 1, 0, &miss) : NULL;
		if (nx) {
			snprintf(r->next, sizeof(r->next), "%s", nx);
			free(nx);
		} else {
			unlink(path); /* a page without its link cannot be resumed */
		}
	}
	if (is_regular(path) && (r->kept = sk_read_small_file(path, r->max_page_bytes, 0, &miss))) {
		struct sk_err bad = SK_ERR_INIT;
		if (parse_page(&r->jt, r->kept, strlen(r->kept), NULL, page, &bad) == 0) {
			r->resumed++;
			sk_debugf("page %lld: resumed from '%s'", page, path);
			return 0;
		}
		free(r->kept);
		r->kept = NULL;
		/* cut short by a crash (pages are not fsynced): ask again */
		sk_warnf("kept %s; asking for it again", bad.msg);
	}
	if (fetch_page(r, v, page, 0, resp, err) < 0 ||
	    parse_page(&r->jt, resp->body.data ? resp->body.data : "", resp->body.len,
		       resp->content_type, page, err) < 0)
		return -1;
	if (r->c.ptype == P_LINK && resp->link_cut)
		return sk_err_set(err, SK_E_DATA,
				  "page %lld: the Link header is longer than %zu bytes: its next link "
				  "cannot be read whole, so the pages cannot be followed safely",
				  page, sizeof(resp->link) - 1);
	if (r->c.ptype == P_LINK &&
	    (link_next(resp->link, v->next_url ? v->next_url : r->c.url, page, r->next,
		       sizeof(r->next), err) < 0 ||
	     page_keep(nextpath, r->next, strlen(r->next), err) < 0))
		return -1;
	return page_keep(path, resp->body.data ? resp->body.data : "", resp->body.len, err);
}

int sk_api_run(struct sk_step *s, const struct sk_api_opts *o, struct sk_err *err)
{
	struct run r;
	struct sk_http_resp resp;
	struct sk_csv_writer *w = NULL;
	struct sk_map *seen = NULL;
	struct sk_file_info info;
	const char *names[SK_CSV_MAX_COLS + 1];
	char orig_name[300];
	size_t nnames = 0;
	struct vars v = {0};
	char cursor[4096];
	long long page = 1; /* pages count from 1 in messages and file names */
	int ret = -1, more = 1;

	sk_http_resp_init(&resp, 0);
	if (run_init(&r, s, o, err) < 0)
		goto out;
	sk_http_resp_release(&resp);
	sk_http_resp_init(&resp, r.max_page_bytes);
	sk_step_detail(s, "source", r.shown_url);
	sk_step_detail(s, "config", r.c.name);
	if (sk_mkdir_p(sk_step_workdir(s), err) < 0 || pages_open(&r, o->fresh != NULL, err) < 0)
		goto out;
	for (size_t i = 0; i < r.c.ncols; i++) {
		names[nnames++] = r.c.cols[i].name;
		if ((long long)i == r.map_col) {
			snprintf(orig_name, sizeof(orig_name), "%s_original", r.c.cols[i].name);
			names[nnames++] = orig_name;
		}
	}
	if (!(w = sk_csv_create(r.out, names, nnames, err)) ||
	    !(seen = sk_map_open(0, err)))
		goto out;
	v.limit = r.c.limit;
	v.offset = v.page = r.c.start;
	if (r.c.ptype == P_CURSOR && r.c.first_cursor)
		v.cursor = r.c.first_cursor;
	while (more) {
		size_t nrec = 0;

		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "interrupted at page %lld", page);
			goto out;
		}
		if (get_page(&r, &v, page, &resp, err) < 0)
			goto out;
		r.pages++;
		more = page_rows(&r, page, w, &nrec, err);
		if (more == 0)
			more = next_page(&r, page, nrec, &v, cursor, sizeof(cursor), seen, err);
		if (more < 0)
			goto out;
		page++;
	}
	if (r.max_invalid >= 0) {
		struct sk_gate_share g = {r.dropped_missing + r.dropped_type + r.dropped_rule,
					  r.records, "records", "are invalid (a required field "
					  "missing, a wrong type, a rule broken)",
					  "look at the dropped records in the log"};
		if (sk_gate_max_share(s, "max_invalid", "--max-invalid", &g, r.max_invalid, r.out,
				      err) < 0)
			goto out;
	}
	if (sk_gate_min_rows(s, r.rows, r.min_rows, r.out, err) < 0)
		goto out;
	if (sk_csv_commit(w, &info, err) < 0) {
		w = NULL;
		goto out;
	}
	w = NULL;
	sk_step_output(s, &info);
	if (!o->keep_pages)
		pages_remove(&r);
	sk_infof("wrote '%s': %lld rows from %lld pages (%lld kept from an earlier run), "
		 "%lld requests", info.path, r.rows, r.pages, r.resumed, r.requests);
	if (r.rows == 0)
		sk_warnf("no rows: '%s' holds only its header", info.path);
	ret = 0;
out:
	sk_csv_abort(w);
	sk_map_close(seen);
	if (ret < 0 && r.pages > 0 && err->code == SK_E_TRANSIENT)
		sk_infof("%lld pages kept in '%s': a rerun resumes there", r.pages, r.pages_dir);
	record_event(&r);
	sk_step_rows(s, r.records, ret == 0 ? r.rows : 0);
	scrub(&r, err);
	run_release(&r);
	sk_http_resp_release(&resp);
	return ret;
}

int sk_api_check(struct sk_step *s, const struct sk_api_opts *o, struct sk_err *err)
{
	struct run r;
	struct sk_http_resp resp;
	struct vars v = {0};
	uint32_t recs, first;
	size_t nrec = 0;
	int ret = -1;

	sk_http_resp_init(&resp, 0);
	if (run_init(&r, s, o, err) < 0)
		goto out;
	sk_http_resp_release(&resp);
	sk_http_resp_init(&resp, r.max_page_bytes);
	sk_infof("config '%s': valid, %zu columns", r.c.name, r.c.ncols);
	if (sk_check_writable(r.out, err) < 0)
		goto out;
	sk_infof("output '%s': directory writable", r.out);
	v.limit = r.c.limit ? 1 : 0; /* the smallest page */
	v.offset = v.page = r.c.start;
	v.cursor = r.c.first_cursor;
	if (fetch_page(&r, &v, 1, 1, &resp, err) < 0) {
		if (err->code == SK_E_TRANSIENT)
			sk_err_prefix(err, "tried once");
		goto out;
	}
	sk_infof("%s '%s': HTTP %ld in %.0f ms", r.c.method, r.shown_url, resp.status,
		 resp.seconds * 1000);
	if (parse_page(&r.jt, resp.body.data ? resp.body.data : "", resp.body.len,
		       resp.content_type, 1, err) < 0)
		goto out;
	recs = sk_jt_get(&r.jt, 0, &r.records_p);
	if (recs == SK_JT_NONE || r.jt.n[recs].type != SK_JT_ARR) {
		sk_err_set(err, SK_E_DATA, "records '%s' is %s, not an array: check \"records\" in "
			   "'%s'", r.c.records, sk_jt_type_name(&r.jt, recs), r.c.name);
		goto out;
	}
	nrec = r.jt.n[recs].count;
	first = recs + 1;
	sk_infof("records '%s': an array of %zu", r.c.records, nrec);
	if (!nrec) {
		sk_warnf("no record in the first page: the columns could not be checked");
	} else {
		for (size_t i = 0; i < r.c.ncols; i++) {
			const struct col *k = &r.c.cols[i];
			if (sk_jt_get(&r.jt, first, &r.col_p[i]) != SK_JT_NONE)
				continue;
			if (k->required) {
				sk_err_set(err, SK_E_DATA, "column '%s': '%s' is missing from the first "
					   "record, and the column is required", k->name, k->path);
				goto out;
			}
			sk_warnf("column '%s': '%s' is missing from the first record (written empty)",
				 k->name, k->path);
		}
		sk_infof("columns: checked against the first record");
	}
	ret = 0;
out:
	scrub(&r, err);
	run_release(&r);
	sk_http_resp_release(&resp);
	return ret;
}
