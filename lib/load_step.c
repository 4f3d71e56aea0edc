#include "base.h"
#include "load_step.h"
#include "load.h"
#include "log.h"
#include "pg.h"
#include "pgexec.h"
#include "pgstep.h"
#include "runlog.h"
#include "star.h"
#include "step.h"

#include <limits.h>
#include <sys/stat.h>
#include <sys/time.h>

#define MAX_FILES 64
#define STEP_NAME "load-postgres"
#define SK_LOAD_WORK_MEM "64MB"
#define SK_LOAD_TEMP_BUFFERS "256MB"

struct job {
	struct sk_load_spec spec;
	char keybuf[1024];
	int star;
	char paths[MAX_FILES][PATH_MAX];
	int nfiles;
	const char *target; /* for the run log */
};

/* Which name the user used for a setting: the variable when it came from there. */
static const char *setting(const char *v, const char *env, const char *flag)
{
	return v && v == getenv(env) ? env : flag;
}

static void pg_conf(const struct sk_load_opts *o, struct sk_pg_step_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->db = o->db;
	c->db_name = setting(o->db, "STEPKIT_DB", "--db");
	c->read_timeout = o->read_timeout;
	c->read_timeout_name = setting(o->read_timeout, "STEPKIT_PG_READ_TIMEOUT", "--read-timeout");
	c->read_timeout_default = SK_LOAD_READ_TIMEOUT_DEFAULT;
}

static int parse(struct sk_step *s, const struct sk_load_opts *o, int argc, char **argv,
		 struct job *j, struct sk_err *err)
{
	char name[PATH_MAX];
	struct sk_pg_step_conf c;

	memset(j, 0, sizeof(*j));
	/* the connection settings first: a usage error is not a failed load to log */
	pg_conf(o, &c);
	if (sk_pg_step_validate(&c, NULL, err) < 0)
		return -1;
	if (o->target && *o->target) {
		if (strcmp(o->target, "sales-star"))
			return sk_err_set(err, SK_E_USAGE, "--target: '%s' is not sales-star", o->target);
		if (o->table || o->mode || o->key || o->where || o->dedup || o->audit)
			return sk_err_set(err, SK_E_USAGE,
					  "--target sales-star takes no --table, --mode, --key, --where, --dedup or --audit");
		j->star = 1;
		j->target = "sales-star";
	} else {
		if (!o->table || !*o->table)
			return sk_err_set(err, SK_E_USAGE, "--table TABLE or --target sales-star is needed");
		j->spec.table = o->table;
		j->spec.audit = o->audit && *o->audit ? o->audit : NULL;
		j->spec.run_id = sk_step_run_id(s);
		if (sk_load_spec_parse(&j->spec, o->mode, o->key, j->keybuf, sizeof(j->keybuf), o->where,
				       o->dedup, err) < 0)
			return -1;
		j->target = o->table;
	}
	if (argc > MAX_FILES)
		return sk_err_set(err, SK_E_USAGE, "more than %d files", MAX_FILES);
	if (argc == 0) {
		/* the workdir's NAME.csv for table [schema.]NAME */
		const char *base = j->star ? SK_STAR_FILE : strrchr(o->table, '.');

		base = j->star ? base : base ? base + 1 : o->table;
		if (snprintf(name, sizeof(name), j->star ? "%s" : "%s.csv", base) >= (int)sizeof(name))
			return sk_err_set(err, SK_E_USAGE, "--table: name too long");
		if (sk_step_path(s, j->paths[0], NULL, name, err) < 0)
			return -1;
		j->nfiles = 1;
	}
	for (int i = 0; i < argc; i++)
		if (sk_step_path(s, j->paths[j->nfiles++], NULL, argv[i], err) < 0)
			return -1;
	for (int i = 0; i < j->nfiles; i++) {
		struct stat st;

		if (stat(j->paths[i], &st) != 0)
			return sk_err_set(err, SK_E_IO, "'%s': %s", j->paths[i], strerror(errno));
		if (!S_ISREG(st.st_mode))
			return sk_err_set(err, SK_E_IO, "'%s': not a regular file", j->paths[i]);
	}
	return 0;
}

static struct sk_pg *connect_db(struct sk_step *s, const struct sk_load_opts *o, int writable,
				struct sk_err *err)
{
	char target[300];
	struct sk_pg_step_conf c;
	struct sk_pg *db;

	pg_conf(o, &c);
	db = sk_pg_step_open(&c, err);
	/* "relation already exists, skipping" and the like are not for the step's log */
	if (db && sk_pgx_exec(db, "set client_min_messages", "SET client_min_messages = warning", 0,
			      NULL, NULL, err) < 0) {
		sk_pg_close(db);
		return NULL;
	}
	/*
	 * Memory for the server's sorts, hashes and temporary tables: its
	 * defaults (4 MB, 8 MB, 64 MB) send a million-row stage, the joins and
	 * groupings over it and the sorts of an index built again (load_bulk.c)
	 * to disk. Limits, taken only as needed; temp_buffers only counts before
	 * the session's first temporary table.
	 */
	if (db && writable &&
	    (sk_pgx_exec(db, "set work_mem", "SET work_mem = '" SK_LOAD_WORK_MEM "'", 0, NULL, NULL,
			 err) < 0 ||
	     sk_pgx_exec(db, "set temp_buffers", "SET temp_buffers = '" SK_LOAD_TEMP_BUFFERS "'", 0,
			 NULL, NULL, err) < 0 ||
	     sk_pgx_exec(db, "set maintenance_work_mem",
			 "SET maintenance_work_mem = '" SK_STR(SK_LOAD_SORT_MEM_MIN) "MB'", 0, NULL, NULL,
			 err) < 0)) {
		sk_pg_close(db);
		return NULL;
	}
	if (db && writable && sk_pgx_read_write(db, err) < 0) {
		sk_pg_close(db);
		return NULL;
	}
	if (db && s) {
		snprintf(target, sizeof(target), "postgres %s", sk_pg_target(db));
		sk_step_detail(s, "target", target);
	}
	return db;
}

static void add_counts(struct sk_load_counts *sum, const struct sk_load_counts *c)
{
	sum->read += c->read;
	sum->inserted += c->inserted;
	sum->updated += c->updated;
	sum->unchanged += c->unchanged;
	sum->deleted += c->deleted;
}

/* Everything inside the one transaction. */
static int load_all(struct sk_pg *db, struct sk_step *s, const struct sk_load_opts *o,
		    struct job *j, struct sk_load_counts *sum, struct sk_err *err)
{
	struct sk_load_plan *p = NULL;
	struct sk_load_counts c;
	long long nev = 0;
	int ret = -1;

	if (sk_pgx_exec(db, "begin", "BEGIN", 0, NULL, NULL, err) < 0)
		goto out;
	for (int i = 0; i < j->nfiles; i++) {
		memset(&c, 0, sizeof(c));
		sk_step_input(s, j->paths[i]);
		if (j->star) {
			if (sk_star_load(db, j->paths[i], s, &c, err) < 0) {
				sum->read += c.read;
				goto out;
			}
		} else {
			if (!(p = sk_load_plan_open(db, &j->spec, j->paths[i], err)))
				goto out;
			if (sk_load_run(db, p, s, &c, err) < 0) {
				sum->read += c.read; /* for the run log's rows_failed */
				goto out;
			}
			sk_load_plan_close(p);
			p = NULL;
		}
		add_counts(sum, &c);
		sk_infof("'%s' into %s: %lld rows read, %lld inserted, %lld updated, %lld unchanged%s",
			 j->paths[i], j->target, c.read, c.inserted, c.updated, c.unchanged,
			 c.deleted ? ", slice replaced" : "");
	}
	if (o->events && *o->events) {
		if (sk_runlog_events(db, o->events, &nev, err) < 0)
			goto out;
		sk_step_count(s, "events", nev);
	}
	if (sk_pgx_exec(db, "commit", "COMMIT", 0, NULL, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	sk_load_plan_close(p);
	return ret;
}

int sk_load_step_run(struct sk_step *s, const struct sk_load_opts *o, int argc, char **argv,
		     struct sk_err *err)
{
	struct job *j = calloc(1, sizeof(*j));
	struct sk_load_counts sum = {0};
	struct sk_runlog_rec rec = {0};
	struct sk_pg *db = NULL;
	struct sk_err lerr = SK_ERR_INIT;
	int ret = -1, loaded = 0;

	gettimeofday(&rec.started, NULL);
	if (!j)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	if (parse(s, o, argc, argv, j, err) < 0)
		goto out;
	if (!(db = connect_db(s, o, 1, err)))
		goto out;
	if (load_all(db, s, o, j, &sum, err) < 0)
		goto log;
	loaded = 1;
	sk_step_rows(s, sum.read, sum.inserted + sum.updated);
	sk_step_count(s, "inserted", sum.inserted);
	sk_step_count(s, "updated", sum.updated);
	sk_step_count(s, "unchanged", sum.unchanged);
	if (j->spec.mode == SK_LOAD_REPLACE)
		sk_step_count(s, "deleted", sum.deleted);
log:
	if (err->code == SK_E_INTERRUPTED)
		goto out; /* dying by the signal: no time for a log */
	rec.run_id = sk_step_run_id(s);
	rec.step = STEP_NAME;
	rec.target = j->target;
	rec.status = loaded ? "succeeded" : "failed";
	rec.read = sum.read;
	rec.inserted = loaded ? sum.inserted : 0;
	rec.updated = loaded ? sum.updated : 0;
	rec.unchanged = loaded ? sum.unchanged : 0;
	rec.failed = loaded ? 0 : sum.read;
	rec.error = loaded ? NULL : err->msg;
	rec.error_kind = loaded ? NULL : sk_ecode_name(err->code);
	rec.peak_kib = sk_runlog_peak_kib();
	gettimeofday(&rec.completed, NULL);
	if (!loaded) {
		/* the failed transaction dies with its connection; the log gets a new one */
		sk_pg_close(db);
		db = connect_db(NULL, o, 1, &lerr);
		if (!db || sk_runlog_write(db, &rec, &lerr) < 0)
			sk_warnf("the failure was not recorded in stepkit_runs: %s", lerr.msg);
		goto out;
	}
	if (sk_runlog_write(db, &rec, err) < 0)
		goto out;
	ret = 0;
out:
	sk_pg_close(db);
	free(j);
	return ret;
}

int sk_load_step_check(struct sk_step *s, const struct sk_load_opts *o, int argc, char **argv,
		       struct sk_err *err)
{
	struct job *j = calloc(1, sizeof(*j));
	struct sk_load_plan *p = NULL;
	struct sk_pg *db = NULL;
	int ret = -1;

	if (!j)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	if (parse(s, o, argc, argv, j, err) < 0)
		goto out;
	if (!(db = connect_db(NULL, o, 0, err)))
		goto out;
	sk_infof("postgres %s: connected", sk_pg_target(db));
	for (int i = 0; i < j->nfiles; i++) {
		if (j->star) {
			if (sk_star_check(db, j->paths[i], err) < 0)
				goto out;
			sk_infof("'%s': header ok; the sales star's tables are there and writable",
				 j->paths[i]);
			continue;
		}
		if (!(p = sk_load_plan_open(db, &j->spec, j->paths[i], err)) ||
		    sk_load_plan_check(db, p, err) < 0)
			goto out;
		sk_load_plan_close(p);
		p = NULL;
		sk_infof("'%s': header matches table %s%s; privileges ok", j->paths[i], j->spec.table,
			 j->spec.mode == SK_LOAD_UPSERT ? ", the key has a unique index" : "");
	}
	ret = 0;
out:
	sk_load_plan_close(p);
	sk_pg_close(db);
	free(j);
	return ret;
}
