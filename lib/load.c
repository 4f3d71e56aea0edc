#include "base.h"
#include "load.h"
#include "buf.h"
#include "csvio.h"
#include "money.h"
#include "pgbin.h"
#include "pgexec.h"
#include "step.h"

#include <csv.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TABLE_COLS 1600 /* PostgreSQL's own limit */
#define COPY_CHUNK (256u * 1024)
#define HEADER_MAX (64u * 1024)
#define SQL_MAX (1u << 20)
#define STAGE "stepkit_stage"
#define CHANGED "stepkit_changed"
#define LINE_COL SK_LOAD_LINE_COL

struct sk_load_plan {
	struct sk_load_spec spec;
	char path[PATH_MAX];
	struct sk_buf hstore;
	const char *hdr[SK_CSV_MAX_COLS];
	size_t nh;
	int notnull[SK_CSV_MAX_COLS]; /* the table's column is NOT NULL */
	struct sk_pgbin_col bin[SK_CSV_MAX_COLS]; /* the columns' types, for a binary COPY */
	int binary;			       /* every column has a binary form */
	int stmt_triggers; /* the table has statement triggers on INSERT */
	char oid[24];
	char relname[256];
	struct sk_buf qtable; /* "schema"."table" */
	struct sk_buf qcols;  /* "a", "b" (the header's columns) */
	struct sk_buf qkeys;  /* "k1", "k2" */
	struct sk_buf qaudit; /* "schema"."audit" or "audit" */
};

/* ---- options ---- */

int sk_load_spec_parse(struct sk_load_spec *spec, const char *mode, const char *keys,
		       char *keybuf, size_t keybuf_size, const char *where, const char *dedup,
		       struct sk_err *err)
{
	if (!mode || !strcmp(mode, "append"))
		spec->mode = SK_LOAD_APPEND;
	else if (!strcmp(mode, "upsert"))
		spec->mode = SK_LOAD_UPSERT;
	else if (!strcmp(mode, "replace"))
		spec->mode = SK_LOAD_REPLACE;
	else
		return sk_err_set(err, SK_E_USAGE, "--mode: '%s' is not append, upsert or replace",
				  mode);
	spec->nkeys = 0;
	keybuf[0] = '\0';
	if (keys && *keys) {
		char *p;

		if (snprintf(keybuf, keybuf_size, "%s", keys) >= (int)keybuf_size)
			return sk_err_set(err, SK_E_USAGE, "--key: too long");
		for (p = keybuf;;) {
			char *comma = strchr(p, ',');

			if (comma)
				*comma = '\0';
			if (!*p)
				return sk_err_set(err, SK_E_USAGE, "--key: an empty column name in '%s'",
						  keys);
			if (spec->nkeys == SK_LOAD_MAX_KEYS)
				return sk_err_set(err, SK_E_USAGE, "--key: more than %d columns",
						  SK_LOAD_MAX_KEYS);
			for (size_t i = 0; i < spec->nkeys; i++)
				if (!strcmp(spec->keys[i], p))
					return sk_err_set(err, SK_E_USAGE, "--key: '%s' given twice", p);
			spec->keys[spec->nkeys++] = p;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	if (spec->mode == SK_LOAD_UPSERT && spec->nkeys == 0)
		return sk_err_set(err, SK_E_USAGE, "--mode upsert needs --key COL[,COL...]");
	if (spec->mode != SK_LOAD_UPSERT && spec->nkeys > 0)
		return sk_err_set(err, SK_E_USAGE, "--key is for --mode upsert");
	spec->dedup = SK_LOAD_DEDUP_NONE;
	if (dedup && *dedup) {
		if (!strcmp(dedup, "first"))
			spec->dedup = SK_LOAD_DEDUP_FIRST;
		else if (!strcmp(dedup, "last"))
			spec->dedup = SK_LOAD_DEDUP_LAST;
		else
			return sk_err_set(err, SK_E_USAGE, "--dedup: '%s' is not first or last", dedup);
		if (spec->mode != SK_LOAD_UPSERT)
			return sk_err_set(err, SK_E_USAGE, "--dedup is for --mode upsert");
	}
	spec->where_col = spec->where_val = NULL;
	if (where && *where) {
		const char *eq = strchr(where, '=');
		char *col;

		if (spec->mode != SK_LOAD_REPLACE)
			return sk_err_set(err, SK_E_USAGE, "--where is for --mode replace");
		if (!eq || eq == where)
			return sk_err_set(err, SK_E_USAGE, "--where: '%s' is not COL=VALUE", where);
		/* the column's name lives after the keys in keybuf */
		col = keybuf + strlen(keybuf) + 1;
		if ((size_t)(col - keybuf) + (size_t)(eq - where) + 1 > keybuf_size)
			return sk_err_set(err, SK_E_USAGE, "--where: too long");
		memcpy(col, where, (size_t)(eq - where));
		col[eq - where] = '\0';
		spec->where_col = col;
		spec->where_val = eq + 1;
	}
	if (spec->audit && *spec->audit && spec->mode != SK_LOAD_UPSERT)
		return sk_err_set(err, SK_E_USAGE, "--audit is for --mode upsert");
	return 0;
}

/* ---- the header ---- */

struct hdr_state {
	struct sk_buf *store;
	size_t off[SK_CSV_MAX_COLS];
	size_t n;
	int done, too_many;
	struct sk_err *err;
};

static void hdr_field(void *s, size_t len, void *ctx)
{
	struct hdr_state *h = ctx;

	if (h->done)
		return;
	if (h->n == SK_CSV_MAX_COLS) {
		h->too_many = 1;
		return;
	}
	h->off[h->n++] = h->store->len;
	if (sk_buf_add(h->store, s ? s : "", len, h->err) < 0 || sk_buf_add(h->store, "", 1, h->err) < 0)
		h->done = 1;
}

static void hdr_record(int c, void *ctx)
{
	(void)c;
	((struct hdr_state *)ctx)->done = 1;
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

int sk_load_header(const char *path, const char **names, size_t max, struct sk_buf *store,
		   struct sk_err *err)
{
	struct hdr_state h = {store, {0}, 0, 0, 0, err};
	struct csv_parser p;
	char buf[4096];
	size_t total = 0;
	int fd = -1, ready = 0, ret = -1;

	sk_buf_reset(store);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	ready = 1;
	csv_set_space_func(&p, no_space);
	while (!h.done) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0) {
			csv_fini(&p, hdr_field, hdr_record, &h);
			break;
		}
		total += (size_t)n;
		/* feed byte ranges up to the first record's end only */
		if (csv_parse(&p, buf, (size_t)n, hdr_field, hdr_record, &h) != (size_t)n && !h.done) {
			sk_err_set(err, SK_E_DATA, "'%s': line 1: header: %s", path,
				   csv_strerror(csv_error(&p)));
			goto out;
		}
		if (total > HEADER_MAX && !h.done) {
			sk_err_set(err, SK_E_DATA, "'%s': line 1: header longer than %u bytes", path,
				   HEADER_MAX);
			goto out;
		}
	}
	if (err->code)
		goto out;
	if (h.n == 0) {
		sk_err_set(err, SK_E_DATA, "'%s': empty file: a header line is needed", path);
		goto out;
	}
	if (h.too_many || h.n > max) {
		sk_err_set(err, SK_E_DATA, "'%s': line 1: more than %zu columns", path, max);
		goto out;
	}
	for (size_t i = 0; i < h.n; i++)
		names[i] = store->data + h.off[i];
	ret = (int)h.n;
out:
	if (ready)
		csv_free(&p);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- streaming a file into COPY ---- */

/*
 * Where the numbers COPY gives its rows and the file's lines part: a binary
 * COPY numbers rows, a COPY of CSV the lines it read up to the row's end
 * (line feeds in quotes too, but not the file's CRs).
 */
struct linemap {
	struct {
		unsigned long long rec;
		unsigned long line;
	} *v;
	size_t n, cap;
};

static int linemap_note(struct linemap *m, unsigned long long rec, unsigned long line,
			struct sk_err *err)
{
	if (m->n > 0 && line - m->v[m->n - 1].line == rec - m->v[m->n - 1].rec)
		return 0; /* still one line per record since the last mark */
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		void *v = realloc(m->v, cap * sizeof(*m->v));

		if (!v)
			return sk_err_set(err, SK_E_NOMEM, "out of memory");
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].rec = rec;
	m->v[m->n].line = line;
	m->n++;
	return 0;
}

static unsigned long linemap_line(const struct linemap *m, unsigned long long rec)
{
	size_t lo = 0, hi = m->n;

	if (m->n == 0)
		return 0;
	while (hi - lo > 1) { /* the last mark at or before rec */
		size_t mid = (lo + hi) / 2;

		if (m->v[mid].rec <= rec)
			lo = mid;
		else
			hi = mid;
	}
	return m->v[lo].line + (unsigned long)(rec - m->v[lo].rec);
}

/* The server refused a row: say where, in the file's terms (`base`: the earlier COPY's rows). */
static int copy_refused(const char *path, const struct sk_pgx_copy_fail *f,
			const struct linemap *m, unsigned long long base, struct sk_err *err)
{
	if (err->code == SK_E_TRANSIENT || err->code == SK_E_INTERRUPTED || !f->message[0])
		return -1;
	if (f->line > 0 && f->column[0])
		return sk_err_set(err, SK_E_DATA, "'%s': line %lu: column %s: %s (SQLSTATE %s)", path,
				  linemap_line(m, base + f->line), f->column, f->message, f->sqlstate);
	if (f->line > 0)
		return sk_err_set(err, SK_E_DATA, "'%s': line %lu: %s (SQLSTATE %s)", path,
				  linemap_line(m, base + f->line), f->message, f->sqlstate);
	return sk_err_prefix(err, "'%s'", path);
}

static unsigned long line_ends(const struct sk_csv_row *row, char eol)
{
	unsigned long n = 0;

	for (size_t i = 0; i < row->n; i++)
		for (const char *p = row->f[i], *end = p + row->len[i];
		     (p = memchr(p, eol, (size_t)(end - p))) != NULL; p++)
			n++;
	return n;
}

/* One record as a line of COPY's CSV: empty fields as NULL. */
static int put_text_row(struct sk_buf *b, const struct sk_csv_row *row, int with_line,
			struct sk_err *err)
{
	for (size_t i = 0; i < row->n; i++) {
		if (i > 0 && sk_buf_add(b, ",", 1, err) < 0)
			return -1;
		if (row->len[i] == 0)
			continue; /* NULL */
		/* alone on a line, \. would end COPY's data: quote it */
		if (row->n == 1 && !with_line && row->len[i] == 2 && !memcmp(row->f[i], "\\.", 2)) {
			if (sk_buf_adds(b, "\"\\.\"", err) < 0)
				return -1;
			continue;
		}
		if (sk_csv_encode(b, row->f[i], row->len[i], err) < 0)
			return -1;
	}
	if (with_line && sk_buf_addf(b, err, ",%lu", row->line) < 0)
		return -1;
	return sk_buf_add(b, "\n", 1, err);
}

/* One record in COPY's binary form: 0; 1 when a value has none (nothing added); -1. */
static int put_binary_row(struct sk_buf *b, const struct sk_csv_row *row,
			  const struct sk_pgbin_col *bin, int with_line, struct sk_err *err)
{
	size_t mark = b->len;
	int rc;

	if (sk_pgbin_row(b, row->n + (with_line ? 1 : 0), err) < 0)
		return -1;
	for (size_t i = 0; i < row->n; i++) {
		rc = row->len[i] == 0 ? sk_pgbin_null(b, err)
				      : sk_pgbin_field(b, &bin[i], row->f[i], row->len[i], err);
		if (rc != 0) {
			b->len = mark;
			return rc;
		}
	}
	return with_line ? sk_pgbin_int8(b, (long long)row->line, err) : 0;
}

static int copy_begin(struct sk_pg *db, const char *copy_sql, int binary, struct sk_buf *b,
		      struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(SQL_MAX);
	int ret = -1;

	if (sk_buf_addf(&q, err, "%s WITH (FORMAT %s)", copy_sql, binary ? "binary" : "csv") < 0 ||
	    sk_pgx_copy_begin(db, q.data, err) < 0 || (binary && sk_pgbin_header(b, err) < 0))
		goto out;
	ret = 0;
out:
	sk_buf_release(&q);
	return ret;
}

/*
 * End a COPY's data (a binary one with its trailer) and read its outcome; a
 * refused row is named by the file's line (`base`: see copy_refused).
 * *copying is cleared once the data is sent: the COPY is over, whatever the
 * outcome.
 */
static int copy_finish(struct sk_pg *db, struct sk_buf *b, int binary, int *copying,
		       const char *path, const char *const *cols, size_t ncols, const char *relname,
		       const struct linemap *m, unsigned long long base, struct sk_err *err)
{
	struct sk_pgx_copy_fail fail;
	long long copied;

	if ((binary && sk_pgbin_trailer(b, err) < 0) ||
	    (b->len > 0 && sk_pgx_copy_put(db, b->data, b->len, err) < 0))
		return -1;
	sk_buf_reset(b);
	*copying = 0;
	if (sk_pgx_copy_end(db, relname, &copied, &fail, cols, ncols, err) < 0)
		return copy_refused(path, &fail, m, base, err);
	return 0;
}

/*
 * With `bin`, COPY's binary form until a value has none here; then the
 * rows so far are ended as one COPY and that row and the rest go in a
 * second one, of CSV (`base` rows later in the file than its numbers say).
 */
int sk_load_copy(struct sk_pg *db, const char *path, const char *const *cols, size_t ncols,
		 const char *copy_sql, const char *relname, int with_line,
		 const struct sk_pgbin_col *bin, struct sk_step *s, long long *rows,
		 struct sk_err *err)
{
	struct sk_csv_reader *r = NULL;
	struct sk_buf b = SK_BUF_INIT(COPY_CHUNK + (64u << 20));
	struct linemap m = {0};
	struct sk_csv_row row;
	unsigned long long rec = 0, base = 0, copyline = 0;
	int copying = 0, binary = bin != NULL, ret = -1, rc;

	*rows = 0;
	r = sk_csv_open(path, cols, ncols, err);
	if (!r || copy_begin(db, copy_sql, binary, &b, err) < 0)
		goto out;
	copying = 1;
	while ((rc = sk_csv_next(r, &row, err)) > 0) {
		rec++;
		int put = binary ? put_binary_row(&b, &row, bin, with_line, err) : 0;

		if (put < 0)
			goto out;
		if (put == 1) { /* the rows so far in, then CSV */
			if (copy_finish(db, &b, 1, &copying, path, cols, ncols, relname, &m, 0, err) < 0 ||
			    copy_begin(db, copy_sql, 0, &b, err) < 0)
				goto out;
			copying = 1;
			binary = 0;
			base = rec - 1;
		}
		if (!binary) {
			/*
			 * COPY of CSV counts lines, those inside quotes too, and names a
			 * row's last: LFs (the line end it saw), but in its first row,
			 * before it has seen a line end, CRs.
			 */
			copyline += 1 + line_ends(&row, copyline == 0 ? '\r' : '\n');
			if (put_text_row(&b, &row, with_line, err) < 0)
				goto out;
		}
		if (linemap_note(&m, binary ? rec : base + copyline, row.line, err) < 0)
			goto out;
		if (b.len >= COPY_CHUNK) {
			if (sk_pgx_copy_put(db, b.data, b.len, err) < 0)
				goto out;
			sk_buf_reset(&b);
		}
		if (s)
			sk_step_progress(s, rec);
	}
	if (rc < 0)
		goto out;
	if (s) {
		struct sk_file_info info;

		if (sk_csv_digest(r, &info) == 0)
			sk_step_input_info(s, &info); /* read whole: lineage */
	}
	if (copy_finish(db, &b, binary, &copying, path, cols, ncols, relname, &m, base, err) < 0)
		goto out;
	ret = 0;
out:
	*rows = (long long)rec; /* also on failure: the rows read, for the run log */
	if (copying && err->code == SK_E_INTERRUPTED)
		sk_pgx_cancel(db); /* the reader saw the signal: stop the server's work too */
	else if (copying && err->code != SK_E_TRANSIENT)
		sk_pgx_copy_abort(db, "the input file is not valid");
	sk_csv_close(r);
	sk_buf_release(&b);
	free(m.v);
	return ret;
}

/* ---- the plan ---- */

static const char find_table_sql[] =
	"SELECT c.oid::text, n.nspname, c.relname FROM pg_class c "
	"JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.relkind IN ('r', 'p') AND ((c.relname = $1 AND pg_table_is_visible(c.oid)) OR "
	"(strpos($1, '.') > 0 AND n.nspname = split_part($1, '.', 1) AND "
	"c.relname = substr($1, strpos($1, '.') + 1))) "
	"ORDER BY c.relname = $1 DESC LIMIT 1";

static const char columns_sql[] =
	"SELECT a.attname, a.attnotnull, a.atthasdef OR a.attidentity <> '', a.attgenerated <> '', "
	"a.atttypid::text, a.atttypmod::text "
	"FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
	"ORDER BY a.attnum";

/*
 * A statement trigger on INSERT fires once per COPY: a load that goes on in
 * a second COPY (pgbin.h) would fire it twice, so such a table gets CSV.
 * (1: a row trigger; 4: on INSERT)
 */
static const char stmt_triggers_sql[] =
	"SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal "
	"AND tgtype & 1 = 0 AND tgtype & 4 <> 0";

/* Unique, immediate, whole-table indexes on plain columns: the ones ON CONFLICT can use. */
static const char unique_sql[] =
	"SELECT i.indexrelid::text, a.attname FROM pg_index i "
	"JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
	"WHERE i.indrelid = $1::oid AND i.indisunique AND i.indimmediate AND i.indisvalid "
	"AND i.indpred IS NULL AND i.indexprs IS NULL ORDER BY 1";

static int header_index(const struct sk_load_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nh; i++)
		if (!strcmp(p->hdr[i], name))
			return (int)i;
	return -1;
}

/* "k1, k2" for messages */
static void key_list(const struct sk_load_spec *spec, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < spec->nkeys && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? ", " : "", spec->keys[i]);
}

static int find_table(struct sk_pg *db, struct sk_load_plan *p, struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;
	const char *pv[1] = {p->spec.table};
	int ret = -1;

	if (sk_pgx_exec(db, "find the table", find_table_sql, 1, pv, &r, err) < 0)
		goto out;
	if (sk_pgx_rows(r) == 0) {
		sk_err_set(err, SK_E_PERMANENT,
			   "table '%s' not found (or not visible to user %s): create it "
			   "(scripts/warehouse.sql creates the warehouse's), or name it schema.table",
			   p->spec.table, sk_pg_user(db));
		goto out;
	}
	snprintf(p->oid, sizeof(p->oid), "%s", sk_pgx_get(r, 0, 0));
	snprintf(p->relname, sizeof(p->relname), "%s", sk_pgx_get(r, 0, 2));
	if (sk_pgx_ident(&p->qtable, sk_pgx_get(r, 0, 1), err) < 0 ||
	    sk_buf_add(&p->qtable, ".", 1, err) < 0 ||
	    sk_pgx_ident(&p->qtable, sk_pgx_get(r, 0, 2), err) < 0)
		goto out;
	ret = 0;
out:
	sk_pgx_free(r);
	return ret;
}

static int match_columns(struct sk_pg *db, struct sk_load_plan *p, struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;
	const char *pv[1] = {p->oid};
	int seen[SK_CSV_MAX_COLS] = {0}, ret = -1;
	char missing[256] = "";

	for (size_t i = 0; i < p->nh; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->hdr[i], p->hdr[j])) {
				sk_err_set(err, SK_E_DATA, "'%s': line 1: column '%s' appears twice",
					   p->path, p->hdr[i]);
				goto out;
			}
	if (sk_pgx_exec(db, "read the table's columns", columns_sql, 1, pv, &r, err) < 0)
		goto out;
	for (int row = 0; row < sk_pgx_rows(r); row++) {
		const char *name = sk_pgx_get(r, row, 0);
		int h = header_index(p, name);
		int notnull = !strcmp(sk_pgx_get(r, row, 1), "t");
		int hasdef = !strcmp(sk_pgx_get(r, row, 2), "t");
		int generated = !strcmp(sk_pgx_get(r, row, 3), "t");

		if (h >= 0 && generated) {
			sk_err_set(err, SK_E_DATA,
				   "'%s': line 1: column '%s' of table %s is generated: remove it from the file",
				   p->path, name, p->spec.table);
			goto out;
		}
		if (h < 0 && !hasdef && !generated && !missing[0])
			snprintf(missing, sizeof(missing), "%s", name);
		if (h >= 0) {
			seen[h] = 1;
			p->notnull[h] = notnull;
			const char *oid = sk_pgx_get(r, row, 4), *mod = sk_pgx_get(r, row, 5);
			long long typoid = 0, typmod = -1;

			/* (an answer that does not parse: no binary form, so CSV) */
			if (sk_parse_int(oid, strlen(oid), &typoid) < 0 ||
			    sk_parse_int(mod, strlen(mod), &typmod) < 0)
				typoid = 0;
			p->bin[h].kind = sk_pgbin_kind_of((unsigned long)typoid);
			p->bin[h].typmod = (int)typmod;
		}
	}
	p->binary = 1;
	for (size_t i = 0; i < p->nh; i++)
		if (p->bin[i].kind == SK_PGBIN_NONE)
			p->binary = 0;
	if (p->binary) {
		long long n = 0;

		if (sk_load_count_query(db, "read the table's triggers", stmt_triggers_sql, 1, pv, &n,
					NULL, err) < 0)
			goto out;
		p->stmt_triggers = n > 0;
	}
	for (size_t i = 0; i < p->nh; i++) {
		if (!seen[i]) {
			sk_err_set(err, SK_E_DATA, "'%s': line 1: column '%s' is not a column of table %s",
				   p->path, p->hdr[i], p->spec.table);
			goto out;
		}
		if (i > 0 && sk_buf_adds(&p->qcols, ", ", err) < 0)
			goto out;
		if (sk_pgx_ident(&p->qcols, p->hdr[i], err) < 0)
			goto out;
	}
	/* after the extra columns: one of those is often the missing one misspelt */
	if (missing[0]) {
		sk_err_set(err, SK_E_DATA,
			   "'%s': line 1: the header lacks column '%s' of table %s (it has no default)",
			   p->path, missing, p->spec.table);
		goto out;
	}
	ret = 0;
out:
	sk_pgx_free(r);
	return ret;
}

/* The key: in the header, and a unique index on exactly its columns. */
static int match_key(struct sk_pg *db, struct sk_load_plan *p, struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;
	const char *pv[1] = {p->oid};
	char keys[512];
	int ret = -1, found = 0;

	key_list(&p->spec, keys, sizeof(keys));
	for (size_t k = 0; k < p->spec.nkeys; k++) {
		if (header_index(p, p->spec.keys[k]) < 0) {
			sk_err_set(err, SK_E_DATA, "'%s': line 1: key column '%s' is not in the header",
				   p->path, p->spec.keys[k]);
			goto out;
		}
		if (k > 0 && sk_buf_adds(&p->qkeys, ", ", err) < 0)
			goto out;
		if (sk_pgx_ident(&p->qkeys, p->spec.keys[k], err) < 0)
			goto out;
	}
	if (header_index(p, LINE_COL) >= 0) {
		sk_err_set(err, SK_E_DATA, "'%s': line 1: column '" LINE_COL "' is reserved for upserts",
			   p->path);
		goto out;
	}
	if (sk_pgx_exec(db, "read the table's unique indexes", unique_sql, 1, pv, &r, err) < 0)
		goto out;
	/* rows come grouped by index: compare each group with the key as sets */
	for (int row = 0, start = 0; row <= sk_pgx_rows(r) && !found; row++) {
		if (row < sk_pgx_rows(r) && !strcmp(sk_pgx_get(r, row, 0), sk_pgx_get(r, start, 0)))
			continue;
		if ((size_t)(row - start) == p->spec.nkeys) {
			int all = 1;

			for (int j = start; j < row; j++) {
				int in = 0;

				for (size_t k = 0; k < p->spec.nkeys; k++)
					in |= !strcmp(sk_pgx_get(r, j, 1), p->spec.keys[k]);
				all &= in;
			}
			found = all;
		}
		start = row;
	}
	if (!found) {
		sk_err_set(err, SK_E_PERMANENT,
			   "table %s has no unique index on (%s), which ON CONFLICT needs: "
			   "CREATE UNIQUE INDEX ON %s (%s);",
			   p->spec.table, keys, p->qtable.data, p->qkeys.data);
		goto out;
	}
	ret = 0;
out:
	sk_pgx_free(r);
	return ret;
}

/* The audit table, quoted: "schema"."name" when it holds a dot. */
static int quote_audit(struct sk_load_plan *p, struct sk_err *err)
{
	const char *a = p->spec.audit, *dot = strchr(a, '.');
	char schema[256];

	if (!dot)
		return sk_pgx_ident(&p->qaudit, a, err);
	if ((size_t)(dot - a) >= sizeof(schema))
		return sk_err_set(err, SK_E_USAGE, "--audit: schema name too long");
	memcpy(schema, a, (size_t)(dot - a));
	schema[dot - a] = '\0';
	if (sk_pgx_ident(&p->qaudit, schema, err) < 0 || sk_buf_add(&p->qaudit, ".", 1, err) < 0)
		return -1;
	return sk_pgx_ident(&p->qaudit, dot + 1, err);
}

struct sk_load_plan *sk_load_plan_open(struct sk_pg *db, const struct sk_load_spec *spec,
				       const char *path, struct sk_err *err)
{
	struct sk_load_plan *p = calloc(1, sizeof(*p));
	int n;

	if (!p) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	p->spec = *spec;
	p->hstore.max = HEADER_MAX * 2;
	p->qtable.max = p->qcols.max = p->qkeys.max = p->qaudit.max = SQL_MAX;
	snprintf(p->path, sizeof(p->path), "%s", path);
	n = sk_load_header(path, p->hdr, SK_CSV_MAX_COLS, &p->hstore, err);
	if (n < 0)
		goto fail;
	p->nh = (size_t)n;
	if (find_table(db, p, err) < 0 || match_columns(db, p, err) < 0)
		goto fail;
	if (spec->mode == SK_LOAD_UPSERT && match_key(db, p, err) < 0)
		goto fail;
	if (spec->where_col && header_index(p, spec->where_col) < 0) {
		sk_err_set(err, SK_E_DATA, "'%s': line 1: --where column '%s' is not in the header",
			   path, spec->where_col);
		goto fail;
	}
	if (spec->audit && *spec->audit && quote_audit(p, err) < 0)
		goto fail;
	return p;
fail:
	sk_load_plan_close(p);
	return NULL;
}

void sk_load_plan_close(struct sk_load_plan *p)
{
	if (!p)
		return;
	sk_buf_release(&p->hstore);
	sk_buf_release(&p->qtable);
	sk_buf_release(&p->qcols);
	sk_buf_release(&p->qkeys);
	sk_buf_release(&p->qaudit);
	free(p);
}

int sk_load_plan_check(struct sk_pg *db, const struct sk_load_plan *p, struct sk_err *err)
{
	static const char *const privs[] = {"INSERT", "UPDATE", "DELETE"};
	struct sk_pgx_res *r = NULL;
	const char *pv[3] = {p->oid, NULL, NULL};
	int ret = -1;

	for (size_t i = 0; i < SK_ARRAY_SIZE(privs); i++) {
		if ((i == 1 && p->spec.mode != SK_LOAD_UPSERT) ||
		    (i == 2 && p->spec.mode != SK_LOAD_REPLACE))
			continue;
		pv[1] = privs[i];
		if (sk_pgx_exec(db, "check privileges", "SELECT has_table_privilege($1::oid, $2)", 2, pv,
				&r, err) < 0)
			goto out;
		if (strcmp(sk_pgx_get(r, 0, 0), "t")) {
			sk_err_set(err, SK_E_PERMANENT, "user %s may not %s into table %s: GRANT %s ON %s TO %s;",
				   sk_pg_user(db), privs[i], p->spec.table, privs[i], p->qtable.data,
				   sk_pg_user(db));
			goto out;
		}
		sk_pgx_free(r);
		r = NULL;
	}
	if (p->spec.audit && *p->spec.audit) {
		pv[0] = p->spec.audit;
		if (sk_pgx_exec(db, "check the audit table",
				"SELECT to_regclass($1) IS NOT NULL, "
				"has_schema_privilege(current_schema(), 'CREATE')",
				1, pv, &r, err) < 0)
			goto out;
		if (strcmp(sk_pgx_get(r, 0, 0), "t") && strcmp(sk_pgx_get(r, 0, 1), "t")) {
			sk_err_set(err, SK_E_PERMANENT,
				   "audit table %s does not exist and user %s may not create it: "
				   "run scripts/warehouse.sql, or GRANT CREATE ON SCHEMA %s TO %s;",
				   p->spec.audit, sk_pg_user(db), "public", sk_pg_user(db));
			goto out;
		}
	}
	ret = 0;
out:
	sk_pgx_free(r);
	return ret;
}

/* ---- the modes ---- */

static int copy_into(struct sk_pg *db, struct sk_load_plan *p, const char *qtarget,
		     const char *relname, int with_line, struct sk_step *s, long long *rows,
		     struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(SQL_MAX);
	int ret = -1;

	if (sk_buf_addf(&q, err, "COPY %s (%s%s) FROM STDIN", qtarget, p->qcols.data,
			with_line ? ", " LINE_COL : "") < 0)
		goto out;
	/* (the stage, with_line, has no triggers) */
	ret = sk_load_copy(db, p->path, p->hdr, p->nh, q.data, relname, with_line,
			   p->binary && (with_line || !p->stmt_triggers) ? p->bin : NULL, s, rows,
			   err);
out:
	sk_buf_release(&q);
	return ret;
}

int sk_load_count_query(struct sk_pg *db, const char *what, const char *sql, int np,
			const char *const *pv, long long *a, long long *b, struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;

	if (sk_pgx_exec(db, what, sql, np, pv, &r, err) < 0)
		return -1;
	*a = sk_pgx_rows(r) > 0 && sk_pgx_get(r, 0, 0) ? strtoll(sk_pgx_get(r, 0, 0), NULL, 10) : 0;
	if (b)
		*b = sk_pgx_rows(r) > 0 && sk_pgx_get(r, 0, 1)
			     ? strtoll(sk_pgx_get(r, 0, 1), NULL, 10)
			     : 0;
	sk_pgx_free(r);
	return 0;
}

int sk_load_count_tag(struct sk_pg *db, const char *what, const char *sql, long long *n,
		      struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;

	if (sk_pgx_exec(db, what, sql, 0, NULL, &r, err) < 0)
		return -1;
	*n = sk_pgx_affected(r);
	sk_pgx_free(r);
	return 0;
}

static int run_replace(struct sk_pg *db, struct sk_load_plan *p, struct sk_step *s,
		       struct sk_load_counts *c, struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(SQL_MAX);
	struct sk_pgx_res *r = NULL;
	const char *pv[1] = {p->spec.where_val};
	long long inslice = 0;
	int ret = -1;

	if (sk_buf_addf(&q, err, "DELETE FROM %s", p->qtable.data) < 0)
		goto out;
	if (p->spec.where_col &&
	    (sk_buf_adds(&q, " WHERE ", err) < 0 || sk_pgx_ident(&q, p->spec.where_col, err) < 0 ||
	     sk_buf_adds(&q, " = $1", err) < 0))
		goto out;
	if (sk_pgx_exec(db, "delete the slice", q.data, p->spec.where_col ? 1 : 0, pv, &r, err) < 0)
		goto out;
	c->deleted = sk_pgx_affected(r);
	if (copy_into(db, p, p->qtable.data, p->relname, 0, s, &c->read, err) < 0)
		goto out;
	c->inserted = c->read;
	if (p->spec.where_col) {
		/* every row loaded must be in the slice, or a rerun would not replace it */
		sk_buf_reset(&q);
		if (sk_buf_addf(&q, err, "SELECT count(*) FROM %s WHERE ", p->qtable.data) < 0 ||
		    sk_pgx_ident(&q, p->spec.where_col, err) < 0 ||
		    sk_buf_adds(&q, " = $1", err) < 0 ||
		    sk_load_count_query(db, "check the slice", q.data, 1, pv, &inslice, NULL, err) <
			    0)
			goto out;
		if (inslice != c->read) {
			sk_err_set(err, SK_E_DATA,
				   "'%s': %lld of its %lld rows have %s other than '%s': a replace of "
				   "the slice %s=%s must load only that slice (nothing was loaded)",
				   p->path, c->read - inslice, c->read, p->spec.where_col,
				   p->spec.where_val, p->spec.where_col, p->spec.where_val);
			goto out;
		}
	}
	ret = 0;
out:
	sk_pgx_free(r);
	sk_buf_release(&q);
	return ret;
}

int sk_load_repeated_key(struct sk_pg *db, const char *stage, const char *qkeys, long long *first,
			 long long *line, struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(SQL_MAX);
	struct sk_pgx_res *r = NULL;
	int ret = -1;

	*first = *line = 0;
	/* a hash aggregate says whether any key repeats; only then the window finds the lines */
	if (sk_buf_addf(&q, err,
			"SELECT EXISTS (SELECT FROM pg_temp.%s GROUP BY %s HAVING count(*) > 1)",
			stage, qkeys) < 0 ||
	    sk_pgx_exec(db, "look for repeated keys", q.data, 0, NULL, &r, err) < 0)
		goto out;
	ret = 0;
	if (strcmp(sk_pgx_get(r, 0, 0), "t"))
		goto out;
	sk_pgx_free(r);
	r = NULL;
	sk_buf_reset(&q);
	ret = -1;
	if (sk_buf_addf(&q, err,
			"SELECT first, " SK_LOAD_LINE_COL " FROM (SELECT " SK_LOAD_LINE_COL ", "
			"row_number() OVER w AS n, min(" SK_LOAD_LINE_COL ") OVER w AS first "
			"FROM pg_temp.%s WINDOW w AS (PARTITION BY %s ORDER BY " SK_LOAD_LINE_COL
			")) d WHERE n = 2 ORDER BY " SK_LOAD_LINE_COL " LIMIT 1",
			stage, qkeys) < 0 ||
	    sk_pgx_exec(db, "look for repeated keys", q.data, 0, NULL, &r, err) < 0)
		goto out;
	ret = 0;
	if (sk_pgx_rows(r) == 1 && sk_pgx_get(r, 0, 0) && sk_pgx_get(r, 0, 1)) {
		*first = strtoll(sk_pgx_get(r, 0, 0), NULL, 10);
		*line = strtoll(sk_pgx_get(r, 0, 1), NULL, 10);
		ret = 1;
	}
out:
	sk_pgx_free(r);
	sk_buf_release(&q);
	return ret;
}

/* A key twice in the file: name the first such pair of lines. */
static int find_duplicate(struct sk_pg *db, struct sk_load_plan *p, struct sk_err *err)
{
	long long first, line;
	char keys[512];
	int found = sk_load_repeated_key(db, STAGE, p->qkeys.data, &first, &line, err);

	if (found <= 0)
		return found;
	key_list(&p->spec, keys, sizeof(keys));
	return sk_err_set(
		err, SK_E_DATA,
		"'%s': line %lld repeats the key (%s) of line %lld: a key may appear once "
		"(or use --dedup first or --dedup last)",
		p->path, line, keys, first);
}

struct upsert_write {
	const char *sql;
	int np;
	const char *const *pv;
	struct sk_load_counts *c;
};

static int upsert_write(struct sk_pg *db, void *ctx, struct sk_err *err)
{
	struct upsert_write *w = ctx;

	return sk_load_count_query(db, "upsert", w->sql, w->np, w->pv, &w->c->inserted,
				   &w->c->updated, err);
}

static int run_upsert(struct sk_pg *db, struct sk_load_plan *p, struct sk_step *s,
		      struct sk_load_counts *c, struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(SQL_MAX), set = SK_BUF_INIT(SQL_MAX),
		      oldrow = SK_BUF_INIT(SQL_MAX), newrow = SK_BUF_INIT(SQL_MAX),
		      jkey_o = SK_BUF_INIT(SQL_MAX), jkey_t = SK_BUF_INIT(SQL_MAX),
		      qk_o = SK_BUF_INIT(SQL_MAX), currow = SK_BUF_INIT(SQL_MAX),
		      srow = SK_BUF_INIT(SQL_MAX), keyjoin = SK_BUF_INIT(SQL_MAX),
		      key1 = SK_BUF_INIT(SQL_MAX);
	const char *pv[2 + SK_LOAD_MAX_KEYS];
	int audit = p->spec.audit && *p->spec.audit, nupd = 0, np = 0, ret = -1;
	long long changed = 0;

	/* the stage: the header's columns with the table's types and NOT NULLs, and the line */
	if (sk_pgx_exec(db, "create the stage table", "DROP TABLE IF EXISTS pg_temp." STAGE, 0, NULL,
			NULL, err) < 0)
		goto out;
	if (sk_buf_addf(&q, err,
			"CREATE TEMP TABLE " STAGE " ON COMMIT DROP AS SELECT %s, NULL::bigint AS "
			LINE_COL " FROM %s WITH NO DATA", p->qcols.data, p->qtable.data) < 0 ||
	    sk_pgx_exec(db, "create the stage table", q.data, 0, NULL, NULL, err) < 0)
		goto out;
	sk_buf_reset(&q);
	for (size_t i = 0; i < p->nh; i++) {
		if (!p->notnull[i])
			continue;
		if (sk_buf_adds(&q, q.len ? ", " : "ALTER TABLE pg_temp." STAGE " ", err) < 0 ||
		    sk_buf_adds(&q, "ALTER COLUMN ", err) < 0 || sk_pgx_ident(&q, p->hdr[i], err) < 0 ||
		    sk_buf_adds(&q, " SET NOT NULL", err) < 0)
			goto out;
	}
	if (q.len && sk_pgx_exec(db, "create the stage table", q.data, 0, NULL, NULL, err) < 0)
		goto out;
	if (copy_into(db, p, "pg_temp." STAGE, STAGE, 1, s, &c->read, err) < 0)
		goto out;
	if (p->spec.dedup == SK_LOAD_DEDUP_NONE && find_duplicate(db, p, err) < 0)
		goto out;

	/* SET c = EXCLUDED.c for the other columns; ROW(t.c...) vs ROW(EXCLUDED.c...) */
	for (size_t i = 0; i < p->nh; i++) {
		int is_key = 0;

		for (size_t k = 0; k < p->spec.nkeys; k++)
			is_key |= !strcmp(p->hdr[i], p->spec.keys[k]);
		if (is_key)
			continue;
		if (nupd++ > 0 && (sk_buf_adds(&set, ", ", err) < 0 || sk_buf_adds(&oldrow, ", ", err) < 0 ||
				   sk_buf_adds(&newrow, ", ", err) < 0 ||
				   sk_buf_adds(&currow, ", ", err) < 0 || sk_buf_adds(&srow, ", ", err) < 0))
			goto out;
		if (sk_buf_adds(&currow, "cur.", err) < 0 || sk_pgx_ident(&currow, p->hdr[i], err) < 0 ||
		    sk_buf_adds(&srow, "s.", err) < 0 || sk_pgx_ident(&srow, p->hdr[i], err) < 0)
			goto out;
		if (sk_pgx_ident(&set, p->hdr[i], err) < 0 || sk_buf_adds(&set, " = EXCLUDED.", err) < 0 ||
		    sk_pgx_ident(&set, p->hdr[i], err) < 0 || sk_buf_adds(&oldrow, "t.", err) < 0 ||
		    sk_pgx_ident(&oldrow, p->hdr[i], err) < 0 || sk_buf_adds(&newrow, "EXCLUDED.", err) < 0 ||
		    sk_pgx_ident(&newrow, p->hdr[i], err) < 0)
			goto out;
	}
	/* key as jsonb for the audit: names as parameters $3..., never as SQL text */
	for (size_t k = 0; k < p->spec.nkeys; k++) {
		pv[2 + k] = p->spec.keys[k];
		if (sk_buf_addf(&jkey_o, err, "%s$%zu::text, o.", k ? ", " : "", k + 3) < 0 ||
		    sk_pgx_ident(&jkey_o, p->spec.keys[k], err) < 0 ||
		    sk_buf_addf(&jkey_t, err, "%s$%zu::text, t.", k ? ", " : "", k + 3) < 0 ||
		    sk_pgx_ident(&jkey_t, p->spec.keys[k], err) < 0 ||
		    sk_buf_adds(&qk_o, k ? ", o." : "o.", err) < 0 || sk_pgx_ident(&qk_o, p->spec.keys[k], err) < 0 ||
		    sk_buf_adds(&keyjoin, k ? " AND cur." : "cur.", err) < 0 ||
		    sk_pgx_ident(&keyjoin, p->spec.keys[k], err) < 0 ||
		    sk_buf_adds(&keyjoin, " = s.", err) < 0 || sk_pgx_ident(&keyjoin, p->spec.keys[k], err) < 0)
			goto out;
	}
	sk_buf_reset(&q);
	if (sk_pgx_exec(db, "compare with the table", "DROP TABLE IF EXISTS pg_temp." CHANGED, 0,
			NULL, NULL, err) < 0 ||
	    sk_buf_adds(&q, "CREATE TEMP TABLE " CHANGED " ON COMMIT DROP AS ", err) < 0)
		goto out;
	if (p->spec.dedup == SK_LOAD_DEDUP_NONE) {
		if (sk_buf_addf(&q, err, "WITH file AS (SELECT %s FROM pg_temp." STAGE ")",
				p->qcols.data) < 0)
			goto out;
	} else if (sk_buf_addf(&q, err,
			       "WITH file AS (SELECT DISTINCT ON (%s) %s FROM pg_temp." STAGE
			       " ORDER BY %s, " LINE_COL "%s)",
			       p->qkeys.data, p->qcols.data, p->qkeys.data,
			       p->spec.dedup == SK_LOAD_DEDUP_LAST ? " DESC" : "") < 0) {
		goto out;
	}
	/*
	 * Only the rows that are new or differ reach ON CONFLICT, found by a
	 * join that reads the table without locking: ON CONFLICT locks (so
	 * writes) every existing row it meets, changed or not. It still
	 * decides, so a row another session wrote meanwhile is handled.
	 */
	if (sk_pgx_ident(&key1, p->spec.keys[0], err) < 0)
		goto out;
	if (sk_buf_addf(&q, err, ", src AS (SELECT s.* FROM file s LEFT JOIN %s cur ON %s WHERE cur.%s IS NULL",
			p->qtable.data, keyjoin.data, key1.data) < 0)
		goto out;
	if (nupd > 0 && sk_buf_addf(&q, err, " OR ROW(%s) IS DISTINCT FROM ROW(%s)", currow.data,
				    srow.data) < 0)
		goto out;
	if (sk_buf_adds(&q, ") SELECT * FROM src", err) < 0)
		goto out;
	if (sk_load_count_tag(db, "compare with the table", q.data, &changed, err) < 0)
		goto out;
	sk_buf_reset(&q);
	if (sk_buf_adds(&q, "WITH src AS (SELECT * FROM pg_temp." CHANGED ")", err) < 0)
		goto out;
	if (audit && sk_buf_addf(&q, err,
				 ", old AS (SELECT jsonb_build_object(%s) AS k, to_jsonb(o) AS row "
				 "FROM %s o WHERE (%s) IN (SELECT %s FROM src))",
				 jkey_o.data, p->qtable.data, qk_o.data, p->qkeys.data) < 0)
		goto out;
	if (sk_buf_addf(&q, err, ", up AS (INSERT INTO %s AS t (%s) SELECT %s FROM src ON CONFLICT (%s) ",
			p->qtable.data, p->qcols.data, p->qcols.data, p->qkeys.data) < 0)
		goto out;
	if (nupd == 0 ? sk_buf_adds(&q, "DO NOTHING", err) < 0
		      : sk_buf_addf(&q, err, "DO UPDATE SET %s WHERE ROW(%s) IS DISTINCT FROM ROW(%s)",
				    set.data, oldrow.data, newrow.data) < 0)
		goto out;
	if (sk_buf_adds(&q, " RETURNING (t.xmax = 0) AS ins", err) < 0)
		goto out;
	if (audit && sk_buf_addf(&q, err, ", jsonb_build_object(%s) AS k, to_jsonb(t) AS row",
				 jkey_t.data) < 0)
		goto out;
	if (sk_buf_adds(&q, ")", err) < 0)
		goto out;
	if (audit) {
		if (sk_buf_addf(&q, err,
				", aud AS (INSERT INTO %s (table_name, run_id, change, key, old_values, "
				"new_values) SELECT $1, $2, CASE WHEN up.ins THEN 'insert' ELSE 'update' END, "
				"up.k, old.row, up.row FROM up LEFT JOIN old ON old.k = up.k)",
				p->qaudit.data) < 0)
			goto out;
		pv[0] = p->spec.table;
		pv[1] = p->spec.run_id ? p->spec.run_id : "local";
		np = 2 + (int)p->spec.nkeys;
	}
	if (sk_buf_adds(&q, " SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up",
			err) < 0)
		goto out;
	if (audit) {
		struct sk_buf a = SK_BUF_INIT(SQL_MAX);
		int rc = sk_buf_addf(&a, err,
				     "CREATE TABLE IF NOT EXISTS %s (id bigint GENERATED ALWAYS AS "
				     "IDENTITY PRIMARY KEY, table_name text NOT NULL, run_id text NOT NULL, "
				     "change text NOT NULL CHECK (change IN ('insert', 'update')), "
				     "key jsonb NOT NULL, old_values jsonb, new_values jsonb NOT NULL, "
				     "changed_at timestamptz NOT NULL DEFAULT now())",
				     p->qaudit.data);

		if (rc == 0)
			rc = sk_pgx_exec(db, "create the audit table", a.data, 0, NULL, NULL, err);
		sk_buf_release(&a);
		if (rc < 0)
			goto out;
	}
	if (changed > 0) {
		struct upsert_write w = {q.data, np, pv, c};

		if (sk_load_bulk(db, p->oid, changed, 1, upsert_write, &w, err) < 0)
			goto out;
	}
	{
		long long distinct = c->read;

		if (p->spec.dedup != SK_LOAD_DEDUP_NONE) {
			sk_buf_reset(&q);
			if (sk_buf_addf(
				    &q, err,
				    "SELECT count(*) FROM (SELECT DISTINCT %s FROM pg_temp." STAGE
				    ") d",
				    p->qkeys.data) < 0 ||
			    sk_load_count_query(db, "count keys", q.data, 0, NULL, &distinct, NULL,
						err) < 0)
				goto out;
		}
		c->unchanged = distinct - c->inserted - c->updated;
	}
	ret = 0;
out:
	sk_buf_release(&q);
	sk_buf_release(&set);
	sk_buf_release(&oldrow);
	sk_buf_release(&newrow);
	sk_buf_release(&jkey_o);
	sk_buf_release(&jkey_t);
	sk_buf_release(&qk_o);
	sk_buf_release(&currow);
	sk_buf_release(&srow);
	sk_buf_release(&keyjoin);
	sk_buf_release(&key1);
	return ret;
}

struct append_write {
	struct sk_load_plan *p;
	struct sk_step *s;
	struct sk_load_counts *c;
};

static int append_write(struct sk_pg *db, void *ctx, struct sk_err *err)
{
	struct append_write *w = ctx;

	return copy_into(db, w->p, w->p->qtable.data, w->p->relname, 0, w->s, &w->c->read, err);
}

int sk_load_run(struct sk_pg *db, struct sk_load_plan *p, struct sk_step *s,
		struct sk_load_counts *c, struct sk_err *err)
{
	memset(c, 0, sizeof(*c));
	switch (p->spec.mode) {
	case SK_LOAD_APPEND: {
		struct append_write w = {p, s, c};
		struct stat st;

		/*
		 * The rows are known only once COPY is done: guess them from the
		 * file's size (a row of a table with foreign keys is rarely under
		 * 48 bytes). The guess only picks the faster way; both are exact.
		 */
		if (stat(p->path, &st) != 0)
			return sk_err_set(err, SK_E_IO, "'%s': %s", p->path, strerror(errno));
		if (sk_load_bulk(db, p->oid, (long long)(st.st_size / 48), 0, append_write, &w,
				 err) < 0)
			return -1;
		c->inserted = c->read;
		return 0;
	}
	case SK_LOAD_REPLACE:
		return run_replace(db, p, s, c, err);
	case SK_LOAD_UPSERT:
		return run_upsert(db, p, s, c, err);
	}
	return sk_err_set(err, SK_E_USAGE, "unknown mode");
}
