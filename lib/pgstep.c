#include "base.h"
#include "pgstep.h"
#include "log.h"
#include "pg.h"
#include "step.h"

int sk_pg_step_validate(const struct sk_pg_step_conf *c, long *read_timeout_ms,
			struct sk_err *err)
{
	long ms = 0;

	if (c->read_timeout && *c->read_timeout) {
		if (sk_pg_read_timeout_parse(c->read_timeout, c->read_timeout_name, &ms, err) < 0)
			return -1;
	} else if (c->read_timeout_default > 0) {
		ms = c->read_timeout_default * 1000;
	}
	/* argv is world-readable (ps, /proc/PID/cmdline); the environment is not */
	if (c->db && !strcmp(c->db_name, "--db") && sk_pg_conninfo_has_password(c->db))
		return sk_err_set(err, SK_E_USAGE,
				  "--db holds a password (not shown): a command line is visible to "
				  "every user of the machine; put the password in PGPASSWORD, in a "
				  "file named by PGPASSWORD_FILE, or in PGPASSFILE");
	if (!sk_pg_configured(c->db))
		return sk_err_set(err, SK_E_USAGE,
				  "no PostgreSQL server configured (neither --db nor PGHOST, PGPORT, "
				  "PGDATABASE, PGUSER, PGSERVICE is set): set PGHOST (and PGPORT, "
				  "PGDATABASE, PGUSER, PGPASSWORD) or --db%s%s",
				  c->otherwise ? ", or " : "", c->otherwise ? c->otherwise : "");
	if (read_timeout_ms)
		*read_timeout_ms = ms;
	return 0;
}

/* Server notices, through the logger: JSON logs stay JSON. */
static void on_notice(void *ctx, int warning, const char *msg)
{
	(void)ctx;
	if (warning)
		sk_warnf("%s", msg);
	else
		sk_infof("%s", msg);
}

struct sk_pg *sk_pg_step_open(const struct sk_pg_step_conf *c, struct sk_err *err)
{
	char appname[64], *pw = NULL;
	const char *pwfile = getenv("PGPASSWORD_FILE");
	struct sk_pg_cfg cfg = {0};
	struct sk_pg *db;

	if (sk_pg_step_validate(c, &cfg.read_timeout_ms, err) < 0)
		return NULL;
	/* PGPASSWORD itself is libpq's business; only the file form is ours */
	if (pwfile && *pwfile && !(pw = sk_env_secret("PGPASSWORD", err)))
		return NULL;
	snprintf(appname, sizeof(appname), "stepkit-%s", sk_progname());
	cfg.conninfo = c->db;
	cfg.password = pw;
	cfg.appname = appname;
	cfg.read_timeout_name = c->read_timeout_name;
	cfg.notice = on_notice;
	db = sk_pg_open(&cfg, err);
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	return db;
}
