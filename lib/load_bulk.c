/*
 * load_bulk.c: a large write without the per-row work of foreign keys and
 * indexes. A foreign key costs a lookup and a row lock in the referenced
 * table for every row written; an index, a descent of its tree (and for a
 * unique one, a search for the key). Dropped before a large write and made
 * again after it, each foreign key is checked in one join and each index
 * is built in one sort over the whole table: on fact_sales, with three
 * foreign keys and three indexes, an append of 5,000,000 rows takes 0.15x
 * the time of psql's \copy, which does all of it per row (0.7x the time
 * of dropping only the foreign keys). Everything happens under a savepoint
 * of the caller's transaction, so other sessions never see the table
 * without them.
 */
#include "base.h"
#include "load.h"
#include "pgexec.h"

#include <string.h>


/*
 * The plan: one row per statement, `phase` 1 (drop) then 2 (make again), in
 * order; column 0 says whether to take the bulk way at all. No row: nothing
 * to drop. The statements come from the catalog (names quoted by format's
 * %I and regclass, definitions by pg_get_constraintdef and pg_get_indexdef,
 * read before anything is dropped), nothing from a file or a flag.
 *
 * Taken: the user owns the table; every foreign key is its own and
 * validated; `rows` is at least SK_LOAD_BULK_MIN and an eighth of the rows
 * the table holds (else a sort over the whole table costs more than the
 * per-row work saved).
 *
 * Indexes dropped (of an ordinary table, not a partitioned one): those whose
 * definition pg_get_indexdef or pg_get_constraintdef gives back whole:
 * valid, in the default tablespace, not CLUSTERed on, not the replica
 * identity, without a comment, not a partition of another index or owned by
 * an extension, not the index a foreign key (of any table) references, and
 * plain or backing a PRIMARY KEY or UNIQUE constraint of the table's own
 * without storage parameters (pg_get_constraintdef leaves out their WITH).
 * With $3 (keep_unique: the write is an INSERT ... ON CONFLICT, whose
 * arbiter must exist) no unique index is dropped. The rest stay and are
 * kept per row as before.
 */
static const char plan_sql[] =
	"WITH t AS (SELECT c.oid, c.oid::regclass AS rel, c.relkind, "
	"pg_has_role(c.relowner, 'USAGE') AND $2::bigint >= " SK_STR(SK_LOAD_BULK_MIN) " "
	"AND $2::bigint * 8 >= CASE WHEN c.reltuples >= 0 THEN c.reltuples "
	"ELSE pg_relation_size(c.oid) / 64 END AS big "
	"FROM pg_class c WHERE c.oid = $1::regclass), "
	"fk AS (SELECT k.oid, k.conname, "
	"k.convalidated AND k.conparentid = 0 AND k.coninhcount = 0 AS own "
	"FROM pg_constraint k JOIN t ON k.conrelid = t.oid WHERE k.contype = 'f'), "
	"ix AS (SELECT i.indexrelid, k.oid AS con, k.conname FROM t "
	"JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class ic ON ic.oid = i.indexrelid "
	"LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = t.oid "
	"AND k.contype IN ('p', 'u', 'x') "
	"WHERE t.relkind = 'r' AND i.indisvalid AND i.indisready AND i.indislive "
	"AND NOT i.indisclustered AND NOT i.indisreplident AND ic.reltablespace = 0 "
	"AND NOT (i.indisunique AND $3::bool) "
	"AND (k.oid IS NULL OR (k.contype IN ('p', 'u') AND k.conparentid = 0 "
	"AND k.coninhcount = 0 AND obj_description(k.oid, 'pg_constraint') IS NULL "
	"AND ic.reloptions IS NULL)) "
	"AND obj_description(i.indexrelid, 'pg_class') IS NULL "
	"AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
	"AND f.conindid = i.indexrelid) "
	"AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid "
	"OR h.inhparent = i.indexrelid) "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
	"AND d.objid = i.indexrelid AND d.deptype = 'e')), "
	/* constraints: the indexes' first (a foreign key may be checked through them), then the keys */
	"cons AS (SELECT con AS oid, conname, 1 AS ord FROM ix WHERE con IS NOT NULL "
	"UNION ALL SELECT oid, conname, 2 FROM fk), "
	"st AS (SELECT 1 AS phase, 1 AS ord, format('ALTER TABLE %s ', t.rel) || "
	"string_agg(format('DROP CONSTRAINT %I', cons.conname), ', ' "
	"ORDER BY cons.ord DESC, cons.conname) AS sql FROM t, cons GROUP BY t.rel "
	"UNION ALL SELECT 1, 2, 'DROP INDEX ' || string_agg(ix.indexrelid::regclass::text, ', ' "
	"ORDER BY ix.indexrelid) FROM ix WHERE ix.con IS NULL HAVING count(*) > 0 "
	"UNION ALL SELECT 2, 1, pg_get_indexdef(ix.indexrelid) FROM ix WHERE ix.con IS NULL "
	"UNION ALL SELECT 2, 2, format('ALTER TABLE %s ', t.rel) || "
	"string_agg(format('ADD CONSTRAINT %I %s', cons.conname, pg_get_constraintdef(cons.oid)), "
	"', ' ORDER BY cons.ord, cons.conname) FROM t, cons GROUP BY t.rel) "
	"SELECT (SELECT big FROM t) AND coalesce((SELECT bool_and(own) FROM fk), true), "
	"st.phase, st.sql FROM st ORDER BY st.phase, st.ord, st.sql";

/*
 * After a failed statement of the bulk way: 1 when the per-row way should
 * run instead, which is only for these: a DROP waited too long for the
 * table's lock (55P03), or making things again found a row without its
 * referenced row (23503) or a key twice (23505), which the per-row way
 * reports with the file's line, or ran past a statement_timeout (57014).
 * Anything else is the load's error as it is.
 */
static int per_row_instead(struct sk_pg *db, const struct sk_err *err, int phase)
{
	const char *st = sk_pg_sqlstate(db);

	if (phase == 1)
		return err->code == SK_E_PERMANENT && !strcmp(st, "55P03");
	return (err->code == SK_E_PERMANENT && (!strcmp(st, "23503") || !strcmp(st, "23505"))) ||
	       (err->code == SK_E_TRANSIENT && !strcmp(st, "57014"));
}

/* The plan's statements of `phase`: 0, 1 when the per-row way should run instead, or -1. */
static int run_phase(struct sk_pg *db, const struct sk_pgx_res *plan, int phase,
		     struct sk_err *err)
{
	const char *what = phase == 1 ? "drop the foreign keys and indexes"
				      : "check the foreign keys and build the indexes";

	for (int i = 0; i < sk_pgx_rows(plan); i++) {
		const char *ph = sk_pgx_get(plan, i, 1), *sql = sk_pgx_get(plan, i, 2);

		if (!ph || !sql || ph[0] - '0' != phase)
			continue;
		if (sk_pgx_exec(db, what, sql, 0, NULL, NULL, err) < 0)
			return per_row_instead(db, err, phase) ? 1 : -1;
	}
	return 0;
}

/*
 * Memory for the index builds' sorts: enough to sort `rows` in memory
 * (about SORT_ROW_BYTES each: the sort's slot and the index tuple), at
 * least the session's SK_LOAD_SORT_MEM_MIN and at most SK_LOAD_SORT_MEM_MAX,
 * for this transaction only. A sort that spills to disk writes and reads
 * every tuple again: 5,000,000 rows of fact_sales need about 460MB.
 */
#define SORT_ROW_BYTES 96
static int sort_memory(struct sk_pg *db, long long rows, struct sk_err *err)
{
	long long mb = rows / ((1 << 20) / SORT_ROW_BYTES);
	char sql[80];

	if (mb <= SK_LOAD_SORT_MEM_MIN)
		return 0;
	if (mb > SK_LOAD_SORT_MEM_MAX)
		mb = SK_LOAD_SORT_MEM_MAX;
	snprintf(sql, sizeof(sql), "SET LOCAL maintenance_work_mem = '%lldMB'", mb);
	return sk_pgx_exec(db, "set maintenance_work_mem", sql, 0, NULL, NULL, err);
}

int sk_load_bulk(struct sk_pg *db, const char *oid, long long rows, int keep_unique,
		 int (*write)(struct sk_pg *db, void *ctx, struct sk_err *err), void *ctx,
		 struct sk_err *err)
{
	struct sk_pgx_res *r = NULL;
	char nrows[32];
	const char *pv[3] = {oid, nrows, keep_unique ? "true" : "false"};
	int bulk, rc;

	snprintf(nrows, sizeof(nrows), "%lld", rows);
	if (sk_pgx_exec(db, "read the foreign keys and indexes", plan_sql, 3, pv, &r, err) < 0)
		return -1;
	bulk = sk_pgx_rows(r) > 0 && sk_pgx_get(r, 0, 0) && !strcmp(sk_pgx_get(r, 0, 0), "t");
	if (bulk) {
		/*
		 * ALTER TABLE and DROP INDEX wait for every reader of the table to
		 * finish: not for long (SK_LOAD_BULK_LOCK_WAIT), then the per-row
		 * way instead.
		 */
		if (sk_pgx_exec(db, "drop the foreign keys and indexes", "SAVEPOINT stepkit_bulk", 0,
				NULL, NULL, err) < 0 ||
		    sk_pgx_exec(db, "drop the foreign keys and indexes",
				"SET LOCAL lock_timeout = '" SK_LOAD_BULK_LOCK_WAIT "'", 0, NULL,
				NULL, err) < 0)
			goto fail;
		rc = run_phase(db, r, 1, err);
		if (rc == 0) {
			if (sk_pgx_exec(db, "drop the foreign keys and indexes", "RESET lock_timeout",
					0, NULL, NULL, err) < 0 ||
			    write(db, ctx, err) < 0)
				goto fail;
			rc = sort_memory(db, rows, err) < 0 ? -1 : run_phase(db, r, 2, err);
		}
		if (rc < 0)
			goto fail;
		if (rc == 0 && sk_pgx_exec(db, "check the foreign keys and build the indexes",
					   "RELEASE SAVEPOINT stepkit_bulk", 0, NULL, NULL, err) < 0)
			goto fail;
		if (rc == 1) {
			/* undo, and again the per-row way: it names what is wrong as it always did */
			bulk = 0;
			sk_err_clear(err);
			if (sk_pgx_exec(db, "undo the bulk load", "ROLLBACK TO SAVEPOINT stepkit_bulk",
					0, NULL, NULL, err) < 0)
				goto fail;
		}
	}
	sk_pgx_free(r);
	return bulk ? 0 : write(db, ctx, err);
fail:
	sk_pgx_free(r);
	return -1;
}
