/*
 * load-postgres: CSV files into PostgreSQL tables (append, upsert with
 * audit, replace of a slice), or transformed_data.csv into the sales star
 * schema; one transaction per invocation, a run log in stepkit_runs. The
 * work is in lib/load_step.c, lib/load.c and lib/star.c.
 */
#include "base.h"
#include "load_step.h"
#include "step.h"

static struct sk_load_opts o;

static const struct sk_opt opts[] = {
	{"table", "STEPKIT_TABLE", "TABLE", "load into TABLE (or schema.TABLE)", &o.table},
	{"mode", "STEPKIT_LOAD_MODE", "MODE", "append (default), upsert or replace", &o.mode},
	{"key", "STEPKIT_KEY", "COLS", "upsert: the key columns, COL[,COL...] (a unique index on them)", &o.key},
	{"dedup", "STEPKIT_DEDUP", "WHICH", "upsert: keep the first or last row of a key repeated in a file (default: an error)", &o.dedup},
	{"audit", "STEPKIT_AUDIT", "TABLE", "upsert: record every insert and update in TABLE (created if missing)", &o.audit},
	{"where", "STEPKIT_WHERE", "COL=VALUE", "replace: delete the rows where COL = VALUE first (default: all rows)", &o.where},
	{"target", "STEPKIT_TARGET", "TARGET", "sales-star: load transformed_data.csv into the star schema", &o.target},
	{"events", "STEPKIT_EVENTS_DIR", "DIR", "also load the JSON events in DIR into stepkit_events", &o.events},
	{"db", "STEPKIT_DB", "CONNINFO", "conninfo string or URI (else libpq's PGHOST, PGPORT, PGDATABASE, PGUSER...)", &o.db},
	{"read-timeout", "STEPKIT_PG_READ_TIMEOUT", "SECONDS", "fail (exit 75) when the server sends nothing for this long (default 3600; 0: never)", &o.read_timeout},
	{0},
};

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_load_step_run(s, &o, argc, argv, err);
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_load_step_check(s, &o, argc, argv, err);
}

const struct sk_tool tool = {
	.name = "load-postgres",
	.summary = "Load CSV files into PostgreSQL tables, or transformed_data.csv into the\n"
		   "sales star schema, in one transaction, with a run log in stepkit_runs.",
	.args = "[FILE]...",
	.details =
		"FILE defaults to WORKDIR/TABLE.csv (--table) or WORKDIR/transformed_data.csv\n"
		"(--target sales-star). The header names the columns; values go through COPY\n"
		"(an empty field is NULL) and PostgreSQL converts them: a value it rejects\n"
		"stops the load naming the file, line and column. Everything commits at once\n"
		"or not at all; a lost connection is exit 75 and a rerun is safe.\n"
		"PostgreSQL: libpq's environment (PGHOST, PGPORT, PGDATABASE, PGUSER,\n"
		"PGPASSWORD, PGPASSFILE, PGSSLMODE...) or --db; the password may also come\n"
		"from the file named by PGPASSWORD_FILE. See docs/load-postgres.md.\n",
	.opts = opts,
	.max_args = -1,
	.exits = SK_TOOL_REMOTE, /* PostgreSQL: a lost connection is 75 */
	.run = run,
	.check = check,
};
