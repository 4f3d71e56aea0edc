/*
 * load.h: a CSV file (SPEC.md section 1 dialect) into a PostgreSQL table,
 * the generic part of load-postgres.
 *
 * Matching. The file's header names the columns: every name must be a
 * column of the table (exact bytes), none twice, none generated; a column
 * of the table missing from the header is allowed only when it has a
 * default (serial, identity, DEFAULT ...). Anything else is an error
 * before anything is written.
 *
 * Values. They travel only as COPY ... FROM STDIN data, re-encoded from
 * the parsed file: an empty field (quoted or not) is NULL (SPEC: "an empty
 * field means missing"), every other value is sent as its exact bytes and
 * PostgreSQL converts the text to the column's type. Identifiers (table,
 * columns, key, audit table) are quoted (pgexec.h sk_pgx_ident).
 *
 * A value the server rejects stops the load: SK_E_DATA "'FILE': line L:
 * column C: <server message> (SQLSTATE x)", L the file's physical line
 * (a record with a quoted line feed spans several lines; COPY counts
 * records), C when the server named one.
 *
 * Modes (all inside the caller's transaction; nothing here commits):
 *   append   COPY into the table;
 *   upsert   COPY into a temporary table (plus each row's line), then one
 *            INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE (row) IS
 *            DISTINCT FROM (new row): rows that did not change are not
 *            touched; counts inserted, updated and unchanged. The key must
 *            have a unique index (ON CONFLICT needs one). A key repeated in
 *            the file is an error naming both lines, unless dedup keeps the
 *            first or the last of them. With an audit table, every insert
 *            and update is recorded there (key, old and new row as jsonb,
 *            change, run id, time) by the same statement;
 *   replace  DELETE the rows where COL = VALUE (VALUE a bound parameter),
 *            or every row without `where_col`, then COPY; every loaded row
 *            must fall in that slice (else a rerun would not replace it).
 */
#ifndef SK_LOAD_H
#define SK_LOAD_H

#include "errors.h"
#include "pg.h"

#include <stddef.h>

struct sk_step;

enum sk_load_mode { SK_LOAD_APPEND, SK_LOAD_UPSERT, SK_LOAD_REPLACE };
enum sk_load_dedup { SK_LOAD_DEDUP_NONE, SK_LOAD_DEDUP_FIRST, SK_LOAD_DEDUP_LAST };

#define SK_LOAD_MAX_KEYS 16

struct sk_load_spec {
	const char *table;                  /* as given: "t", or "schema.t" */
	enum sk_load_mode mode;
	const char *keys[SK_LOAD_MAX_KEYS]; /* upsert key columns */
	size_t nkeys;
	const char *where_col, *where_val;  /* replace slice, or NULL */
	enum sk_load_dedup dedup;
	const char *audit;                  /* upsert audit table, or NULL */
	const char *run_id;                 /* recorded in audit rows */
};

/* What a load did. */
struct sk_load_counts {
	long long read;      /* data records in the file */
	long long inserted;
	long long updated;
	long long unchanged; /* upsert: rows equal to the table's */
	long long deleted;   /* replace: rows of the slice removed */
};

/*
 * Parse the mode ("append", "upsert", "replace"), the key list ("a,b"),
 * the slice ("COL=VALUE", split at the first '=') and dedup ("first",
 * "last") into `spec`, checking how they combine. Borrows the strings
 * (the key list is split in `keybuf`, which must outlive `spec`).
 * 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_load_spec_parse(struct sk_load_spec *spec, const char *mode, const char *keys,
		       char *keybuf, size_t keybuf_size, const char *where, const char *dedup,
		       struct sk_err *err);

/* A file matched to a table (caller closes). */
struct sk_load_plan;

/*
 * Read the header of `path`, find the table (and the key's unique index
 * for an upsert), match them as described above. Writes nothing.
 * NULL with `err`: SK_E_IO (file), SK_E_DATA (header), SK_E_PERMANENT
 * (no such table, no unique index: with the SQL that would fix it), or a
 * connection error.
 */
struct sk_load_plan *sk_load_plan_open(struct sk_pg *db, const struct sk_load_spec *spec,
				       const char *path, struct sk_err *err);

/*
 * --check, after sk_load_plan_open: the privileges the mode needs (INSERT;
 * UPDATE for upsert; DELETE for replace; the audit table's), each missing
 * one named with its GRANT. 0, or -1 with `err`.
 */
int sk_load_plan_check(struct sk_pg *db, const struct sk_load_plan *p, struct sk_err *err);

/* Load the file (in the caller's transaction). 0, or -1 with `err`. */
int sk_load_run(struct sk_pg *db, struct sk_load_plan *p, struct sk_step *s,
		struct sk_load_counts *c, struct sk_err *err);

void sk_load_plan_close(struct sk_load_plan *p); /* NULL is fine */

/*
 * The streaming part, for other loaders (star.h): read the CSV file `path`
 * whose header is `cols[0..ncols-1]`, send every record to the COPY
 * `copy_sql` ("COPY x (cols[, line]) FROM STDIN", its WITH added here),
 * empty fields as NULL; with `with_line`, each row ends with one more value,
 * the record's physical line. With `bin` (the columns' types, pgbin.h), in
 * COPY's binary form while the values have one, then the rest in a second
 * COPY, of CSV: the table must not have statement triggers on INSERT. NULL:
 * all of it CSV. Errors as above (the COPY's relation is `relname`).
 * Rows read in `*rows`. 0, or -1 with `err`.
 */
struct sk_pgbin_col;
int sk_load_copy(struct sk_pg *db, const char *path, const char *const *cols, size_t ncols,
		 const char *copy_sql, const char *relname, int with_line,
		 const struct sk_pgbin_col *bin, struct sk_step *s, long long *rows,
		 struct sk_err *err);

/* The column of a stage table that holds each row's line (sk_load_copy's `with_line`). */
#define SK_LOAD_LINE_COL "stepkit_line"

/*
 * A key repeated in the file: in the temporary table pg_temp.`stage` (a
 * fixed name, not quoted here) filled by sk_load_copy with `with_line`,
 * the first row, by line, whose key `qkeys` (its columns as SQL, quoted:
 * "a", "b") an earlier row has. 1 with that row's line in `*line` and the
 * key's first line in `*first`; 0 when every key appears once (one hash
 * aggregate; only then a window looks for the lines); -1 with `err`.
 */
int sk_load_repeated_key(struct sk_pg *db, const char *stage, const char *qkeys, long long *first,
			 long long *line, struct sk_err *err);

/*
 * Run `sql` (its parameters bound: pv[0..np-1]) and read the first row's
 * first value, and with `b` its second, as numbers (NULL or no row: 0).
 * 0, or -1 with `err`.
 */
int sk_load_count_query(struct sk_pg *db, const char *what, const char *sql, int np,
			const char *const *pv, long long *a, long long *b, struct sk_err *err);

/*
 * Run `sql` (no parameters) and read the rows its command tag counts
 * ("INSERT 0 n"; "SELECT n" of a CREATE TABLE AS). 0, or -1 with `err`.
 */
int sk_load_count_tag(struct sk_pg *db, const char *what, const char *sql, long long *n,
		      struct sk_err *err);

/*
 * Read the header of the CSV file `path` into `names` (at most `max`),
 * their bytes in `store` (caller releases). The count, or -1 with `err`.
 */
struct sk_buf;
int sk_load_header(const char *path, const char **names, size_t max, struct sk_buf *store,
		   struct sk_err *err);

/*
 * Write many rows into table `oid` (a regclass or oid, as text) through
 * write(db, ctx, err), which may run more than once. Each foreign key and
 * index of the table costs the server work per row written (a lookup and a
 * row lock in the referenced table; a descent of the index's tree), most of
 * the time of a large load. When `rows` is large (at least
 * SK_LOAD_BULK_MIN, and an eighth of the rows the table already holds), the
 * user owns the table and its foreign keys are all its own and validated,
 * the foreign keys and the indexes that can be made again exactly (see
 * load_bulk.c; with `keep_unique`, for an INSERT ... ON CONFLICT, no unique
 * one) are dropped, the rows written, and all of them made again: one join
 * per foreign key, one sort per index, over the whole table. All under a
 * savepoint of the caller's transaction, so other sessions never see the
 * table without them (ALTER TABLE and DROP INDEX take an ACCESS EXCLUSIVE
 * lock on the table until the transaction ends: readers wait for the load;
 * it waits for the lock SK_LOAD_BULK_LOCK_WAIT at most). Only these
 * failures send it the per-row way, after undoing the bulk work: that lock
 * not granted in time (55P03); a row without its referenced row (23503) or
 * a key twice (23505) when they are made again, so that write() runs again
 * and reports the row's line as the per-row way always does; a
 * statement_timeout there (57014). Any other failure, write()'s own
 * included, is returned as it is, write() run once. 0, or -1 with `err`.
 */
#define SK_LOAD_BULK_MIN 10000
#define SK_LOAD_BULK_LOCK_WAIT "5s"
/* maintenance_work_mem, in MB: the session's, and at most for a large load's index builds */
#define SK_LOAD_SORT_MEM_MIN 256
#define SK_LOAD_SORT_MEM_MAX 1024
int sk_load_bulk(struct sk_pg *db, const char *oid, long long rows, int keep_unique,
		 int (*write)(struct sk_pg *db, void *ctx, struct sk_err *err), void *ctx,
		 struct sk_err *err);
#endif
