#include "base.h"
#include "pg.h"
#include "buf.h"
#include "money.h"
#include "sig.h"

#include <csv.h>
#include <libpq-fe.h>
#include <poll.h>

#define MAX_COLS 64
#define MAX_SECRETS 3
#define FETCH_ROWS 10000
#define POLL_MS 200
#define CURSOR "stepkit_cursor"

struct sk_pg {
	PGconn *conn;
	char *secrets[MAX_SECRETS]; /* passwords to blank out of messages */
	char target[256];
	char sqlstate[6]; /* of the last failed result, "" otherwise */
	long read_timeout_ms; /* -1: none */
	const char *read_timeout_name;
	sk_pg_notice_cb notice;
	void *notice_ctx;
};

/* ---- messages: one line, no secret, classified ---- */

/* Overwrite every occurrence of a known password with '*'. */
static void scrub(const struct sk_pg *db, char *msg)
{
	for (size_t i = 0; i < MAX_SECRETS; i++) {
		const char *s = db->secrets[i];
		size_t n = s ? strlen(s) : 0;
		char *p;

		/* shorter ones would blank ordinary words; libpq never echoes
		 * a password anyway, this is the second line of defence */
		if (n < 3)
			continue;
		for (p = strstr(msg, s); p; p = strstr(p + n, s))
			memset(p, '*', n);
	}
}

/*
 * libpq's text as one line: its tab-indented lines are hints ("Is the
 * server running on that host...") and the rest of a wrapped sentence;
 * keep the others, joined by "; ", runs of spaces collapsed ("FATAL:  x").
 */
static void one_line(const struct sk_pg *db, const char *in, char *out, size_t size)
{
	size_t o = 0;
	int skip = 0, newline = 0;

	for (const char *p = in ? in : ""; *p && o + 3 < size; p++) {
		if (*p == '\n') {
			newline = 1;
			skip = p[1] == '\t';
			continue;
		}
		if (skip)
			continue;
		if (newline && o > 0) {
			out[o++] = ';';
			out[o++] = ' ';
		}
		newline = 0;
		if ((*p == ' ' || *p == '\t') && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = *p == '\t' ? ' ' : *p;
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
		o--;
	out[o] = '\0';
	scrub(db, out);
}

static int contains_any(const char *msg, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcasestr(msg, words[i]))
			return 1;
	return 0;
}

/* libpq reports connection trouble as text only: no SQLSTATE reaches us. */
static const char *const transient_words[] = {
	"connection refused", "no route to host", "network is unreachable",
	"timeout expired", "timed out", "could not translate host name",
	"name resolution", "starting up", "shutting down", "in recovery mode",
	"not yet accepting connections",
	"server closed the connection", "terminating connection", "connection reset",
	"could not receive data", "could not send data", "no connection to the server",
	"connection to server was lost", "ssl syscall error", "ssl connection has been closed",
	"eof detected", "broken pipe", "too many clients", "connection slots",
};
/* glibc's gai_strerror() for EAI_NONAME and EAI_NODATA; a DNS outage is
 * "Temporary failure in name resolution" and stays transient */
static const char *const unknown_host_words[] = {
	"name or service not known", "no address associated with hostname",
};
/*
 * Every host libpq tried is a name the DNS says does not exist. With several
 * hosts (PGHOST=a,b) libpq joins their errors into one message: one host
 * down, or a DNS outage, keeps the whole failure temporary.
 */
static int only_unknown_hosts(const char *msg)
{
	static const char translate[] = "could not translate host name";

	if (!strcasestr(msg, translate) ||
	    !contains_any(msg, unknown_host_words, SK_ARRAY_SIZE(unknown_host_words)))
		return 0;
	/* anything else transient (refused, timed out, temporary failure in
	 * name resolution...) is another host's trouble */
	for (size_t i = 0; i < SK_ARRAY_SIZE(transient_words); i++)
		if (strcmp(transient_words[i], translate) != 0 && strcasestr(msg, transient_words[i]))
			return 0;
	return 1;
}

static const char *const auth_words[] = {
	"authentication failed", "no password supplied", "pg_hba.conf",
	"is not permitted to log in", "password authentication",
};

static const char *const hint_unreachable =
	": check that the server is up and that PGHOST/PGPORT (or --db) point to it";
static const char *const hint_auth = ": check PGUSER and PGPASSWORD (or PGPASSWORD_FILE)";

/* A failure without a server result: connect, or the connection broke. */
static int fail_conn(struct sk_pg *db, const char *what, struct sk_err *err)
{
	char msg[320];
	enum sk_ecode code;
	const char *hint = "";

	db->sqlstate[0] = '\0';
	one_line(db, PQerrorMessage(db->conn), msg, sizeof(msg));
	if (only_unknown_hosts(msg)) {
		/* the DNS answered that the name does not exist: a retry cannot help */
		code = SK_E_PERMANENT;
		hint = ": check PGHOST (or the host in --db)";
	} else if (contains_any(msg, transient_words, SK_ARRAY_SIZE(transient_words))) {
		code = SK_E_TRANSIENT;
		if (!strcmp(what, "connect"))
			hint = hint_unreachable;
	} else if (contains_any(msg, auth_words, SK_ARRAY_SIZE(auth_words))) {
		code = SK_E_PERMANENT;
		hint = hint_auth;
	} else if (strstr(msg, "invalid ")) {
		code = SK_E_USAGE; /* a setting: invalid sslmode value, invalid integer value */
	} else if (strstr(msg, "does not exist") || strstr(msg, "permission denied") ||
		   strcasestr(msg, "ssl") || strcasestr(msg, "certificate")) {
		code = SK_E_PERMANENT; /* no such database or role, TLS setup */
	} else {
		/* unknown trouble with the link itself: a retry costs little */
		code = PQstatus(db->conn) == CONNECTION_BAD ? SK_E_TRANSIENT : SK_E_PERMANENT;
	}
	return sk_err_set(err, code, "postgres %s: %s: %s%s", db->target, what,
			  msg[0] ? msg : "unknown error", hint);
}

/* 57014: a statement_timeout or pg_cancel_backend; the same query may pass
 * under less load, and Argo's retry limit bounds the attempts */
static int transient_state(const char *st)
{
	return !strncmp(st, "08", 2) || !strncmp(st, "53", 2) || !strcmp(st, "57P01") ||
	       !strcmp(st, "57P02") || !strcmp(st, "57P03") || !strcmp(st, "57014") ||
	       !strcmp(st, "40001") || !strcmp(st, "40P01");
}

/* A failed result: classify by its SQLSTATE, quote the primary message. */
static int fail_result(struct sk_pg *db, const char *what, const PGresult *res,
		       struct sk_err *err)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[320];
	enum sk_ecode code;

	/* no SQLSTATE: libpq made the result itself, the link is the problem */
	if (!st || !primary)
		return fail_conn(db, what, err);
	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", st);
	one_line(db, primary, msg, sizeof(msg));
	code = transient_state(st) ? SK_E_TRANSIENT : SK_E_PERMANENT;
	if (!strncmp(st, "28", 2))
		return sk_err_set(err, code, "postgres %s: %s: %s (SQLSTATE %s)%s", db->target,
				  what, msg, st, hint_auth);
	return sk_err_set(err, code, "postgres %s: %s: %s (SQLSTATE %s)", db->target, what,
			  msg, st);
}

/* ---- waiting without blocking signals out ---- */

/*
 * A termination signal: ask the server to cancel the running query (else a
 * long sort would go on for nobody), then report. PQcancel opens a second
 * connection and has no timeout of its own; the server answered moments
 * ago, and the step is killed anyway if it lingers past the grace period.
 */
static int interrupted(struct sk_pg *db, struct sk_err *err)
{
	PGcancel *c = PQgetCancel(db->conn);
	char buf[256];

	if (c) {
		(void)PQcancel(c, buf, sizeof(buf)); /* best effort: we are leaving */
		PQfreeCancel(c);
	}
	return sk_err_set(err, SK_E_INTERRUPTED, "postgres %s: interrupted by signal %d",
			  db->target, sk_interrupt_signal());
}

/*
 * Why not the blocking calls (PQexec, PQgetCopyData with async=0): libpq
 * retries poll() on EINTR, so a SIGTERM that arrives while the server is
 * still planning or sorting would wait for the server. We poll the socket
 * ourselves and look at the interrupt flag between polls.
 */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * No byte within the read timeout. The query is not cancelled: PQcancel
 * opens a new connection without any timeout, and would hang on the very
 * network that may be the trouble; closing ours ends the backend's work
 * at its next write.
 */
static int stalled(struct sk_pg *db, struct sk_err *err)
{
	return sk_err_set(err, SK_E_TRANSIENT,
			  "postgres %s: no data from the server for %ld s (%s): the backend may be "
			  "stuck or the network down; a query slower than that to send its next row "
			  "needs a longer %s",
			  db->target, db->read_timeout_ms / 1000, db->read_timeout_name,
			  db->read_timeout_name);
}

/*
 * One wait for the socket to be ready for `events`, bounded by 200 ms
 * slices: a signal is seen between them, and `*deadline` (0: none) is
 * the read timeout. 0 with the ready events in `*revents` (0: nothing yet,
 * try again), or -1 with `err`.
 */
static int wait_socket(struct sk_pg *db, short events, long long deadline, short *revents,
		       struct sk_err *err)
{
	struct pollfd p = {PQsocket(db->conn), events, 0};
	int rc, ms = POLL_MS;

	*revents = 0;
	if (sk_interrupted())
		return interrupted(db, err);
	if (deadline) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return stalled(db, err);
		if (left < ms)
			ms = (int)left;
	}
	rc = poll(&p, 1, ms);
	if (rc < 0 && errno != EINTR)
		return sk_err_set(err, SK_E_TRANSIENT, "postgres %s: poll: %s", db->target,
				  strerror(errno));
	if (rc > 0)
		*revents = p.revents;
	return 0;
}

static long long read_deadline(const struct sk_pg *db)
{
	return db->read_timeout_ms > 0 ? now_ms() + db->read_timeout_ms : 0;
}

static int wait_input(struct sk_pg *db, struct sk_err *err)
{
	long long deadline = read_deadline(db);
	short ev = 0;

	while (!ev)
		if (wait_socket(db, POLLIN, deadline, &ev, err) < 0)
			return -1;
	if (!PQconsumeInput(db->conn))
		return fail_conn(db, "connection lost", err);
	return 0;
}

/*
 * Push what PQsend* queued to the server. The connection is non-blocking,
 * so a server that stopped reading (frozen, or a network that drops
 * packets) cannot hold a send forever: the read timeout bounds the time
 * without progress here too. libpq asks to read while it waits to write
 * (the server may be sending notices), hence POLLIN as well.
 */
static int flush_out(struct sk_pg *db, struct sk_err *err)
{
	long long deadline = read_deadline(db);

	for (;;) {
		int rc = PQflush(db->conn);
		short ev;

		if (rc == 0)
			return 0;
		if (rc < 0)
			return fail_conn(db, "send", err);
		if (wait_socket(db, POLLIN | POLLOUT, deadline, &ev, err) < 0)
			return -1;
		if ((ev & POLLIN) && !PQconsumeInput(db->conn))
			return fail_conn(db, "connection lost", err);
		if ((ev & POLLOUT) && deadline)
			deadline = read_deadline(db); /* progress */
	}
}

/* The next result of the running command, read without blocking; NULL at the end. */
static int next_result(struct sk_pg *db, PGresult **res, struct sk_err *err)
{
	*res = NULL;
	while (PQisBusy(db->conn))
		if (wait_input(db, err) < 0)
			return -1;
	*res = PQgetResult(db->conn);
	return 0;
}

/*
 * Collect the results of the command just sent; the last one (or the first
 * error) is returned through `out` when its status is `want`, else the error
 * is reported. A COPY OUT result is returned at once: the rows follow it.
 */
static int finish(struct sk_pg *db, const char *what, ExecStatusType want, PGresult **out,
		  struct sk_err *err)
{
	PGresult *keep = NULL, *r = NULL;
	int ret = -1;

	for (;;) {
		if (next_result(db, &r, err) < 0)
			goto out;
		if (!r)
			break;
		if (PQresultStatus(r) == PGRES_COPY_OUT) {
			PQclear(keep);
			keep = r;
			break;
		}
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r); /* keep the first error, drain the rest */
		} else {
			PQclear(keep);
			keep = r;
		}
	}
	if (!keep) {
		fail_conn(db, what, err);
		goto out;
	}
	if (PQresultStatus(keep) != want) {
		if (PQresultStatus(keep) == PGRES_FATAL_ERROR)
			fail_result(db, what, keep, err);
		else
			sk_err_set(err, SK_E_PERMANENT, "postgres %s: %s: unexpected result %s",
				   db->target, what, PQresStatus(PQresultStatus(keep)));
		goto out;
	}
	if (out) {
		*out = keep;
		keep = NULL;
	}
	ret = 0;
out:
	PQclear(keep);
	return ret;
}

/* Run one statement through the extended protocol (one statement only, parameters bound). */
static int run(struct sk_pg *db, const char *what, const char *sql, int np,
	       const char *const *pv, ExecStatusType want, PGresult **out, struct sk_err *err)
{
	if (!PQsendQueryParams(db->conn, sql, np, NULL, pv, NULL, NULL, 0))
		return fail_conn(db, what, err);
	if (flush_out(db, err) < 0)
		return -1;
	return finish(db, what, want, out, err);
}

/* ---- connect ---- */

static void remember_secret(struct sk_pg *db, const char *s)
{
	for (size_t i = 0; s && *s && i < MAX_SECRETS; i++) {
		if (!db->secrets[i]) {
			db->secrets[i] = strdup(s); /* NULL on ENOMEM: only the scrub is lost */
			return;
		}
	}
}

/* libpq expands dbname only when it looks like a conninfo string or a URI. */
static int is_conninfo(const char *s)
{
	return strchr(s, '=') || !strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11);
}

/*
 * Whether a conninfo libpq refused may carry a password: its parse errors
 * quote the offending token ("invalid percent-encoded token: "..."") before
 * we could learn which token was the password, so then we quote nothing.
 */
static int may_hold_password(const char *ci)
{
	const char *auth = strstr(ci, "://"), *end, *at;

	if (strcasestr(ci, "password"))
		return 1;
	if (!auth)
		return 0;
	auth += 3;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	return at && memchr(auth, ':', (size_t)(at - auth)) != NULL; /* user:password@ */
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

int sk_pg_read_timeout_parse(const char *v, const char *what, long *ms, struct sk_err *err)
{
	long long n;

	if (sk_parse_int(v, strlen(v), &n) < 0 || n < 0 || n > 86400)
		return sk_err_set(err, SK_E_USAGE,
				  "%s '%s': expected whole seconds from 1 to 86400, or 0 for none",
				  what, v);
	*ms = n == 0 ? -1 : (long)n * 1000;
	return 0;
}

int sk_pg_configured(const char *conninfo)
{
	static const char *const vars[] = {"PGHOST",	 "PGHOSTADDR", "PGPORT", "PGDATABASE",
					   "PGUSER",	 "PGSERVICE",  "PGPASSWORD_FILE"};

	if (conninfo && *conninfo)
		return 1;
	for (size_t i = 0; i < SK_ARRAY_SIZE(vars); i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return 1;
	return 0;
}

int sk_pg_conninfo_has_password(const char *ci)
{
	PQconninfoOption *opts;
	char *perr = NULL;
	int has = 0;

	if (!ci || !is_conninfo(ci))
		return 0; /* a plain database name */
	if (!(opts = PQconninfoParse(ci, &perr))) {
		PQfreemem(perr); /* may quote the password: not looked at */
		return may_hold_password(ci);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			has = 1;
	PQconninfoFree(opts);
	return has;
}

/*
 * libpq prints notices on stderr unless told otherwise: one line through
 * the caller's callback keeps JSON logs JSON, and scrubbed like the rest.
 */
static void on_notice(void *arg, const PGresult *res)
{
	struct sk_pg *db = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char text[320], line[640];

	if (!db->notice)
		return;
	if (!sev)
		sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
	one_line(db, primary ? primary : PQresultErrorMessage(res), text, sizeof(text));
	snprintf(line, sizeof(line), "postgres %s: server %s: %s%s%s%s", db->target,
		 sev ? sev : "NOTICE", text, st ? " (SQLSTATE " : "", st ? st : "", st ? ")" : "");
	db->notice(db->notice_ctx, sev && !strcmp(sev, "WARNING"), line);
}

struct sk_pg *sk_pg_open(const struct sk_pg_cfg *cfg, struct sk_err *err)
{
	const char *kw[16], *val[16];
	size_t n = 0;
	struct sk_pg *db = calloc(1, sizeof(*db));
	const char *ci = cfg->conninfo && *cfg->conninfo ? cfg->conninfo : NULL;
	PQconninfoOption *opts = NULL;
	char *perr = NULL;

	if (!db) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(db->target, sizeof(db->target), "(not connected)");
	db->read_timeout_ms = cfg->read_timeout_ms == 0 ? SK_PG_READ_TIMEOUT_DEFAULT * 1000L
				: cfg->read_timeout_ms;
	db->read_timeout_name = cfg->read_timeout_name ? cfg->read_timeout_name : "read timeout";
	db->notice = cfg->notice;
	db->notice_ctx = cfg->notice_ctx;
	remember_secret(db, cfg->password);
	remember_secret(db, getenv("PGPASSWORD"));
	if (ci && is_conninfo(ci)) {
		/* parse first: a usage error, and the password to keep out of messages */
		opts = PQconninfoParse(ci, &perr);
		if (!opts) {
			char msg[256];

			if (may_hold_password(ci))
				snprintf(msg, sizeof(msg), "libpq's reason is not shown, as the string "
					 "holds a password: put it in PGPASSWORD_FILE instead");
			else
				one_line(db, perr ? perr : "out of memory", msg, sizeof(msg));
			sk_err_set(err, SK_E_USAGE, "--db: not a valid connection string: %s", msg);
			goto fail;
		}
		for (PQconninfoOption *o = opts; o->keyword; o++)
			if (!strcmp(o->keyword, "password"))
				remember_secret(db, o->val);
	}
	/* Order matters: libpq keeps the last value of a keyword, and the
	 * conninfo in "dbname" is expanded where it stands. Our defaults go
	 * before it, what must hold goes after it. */
	if (!getenv("PGCONNECT_TIMEOUT") || !*getenv("PGCONNECT_TIMEOUT")) {
		kw[n] = "connect_timeout";
		val[n++] = "10";
	}
	if (cfg->appname) {
		kw[n] = "fallback_application_name";
		val[n++] = cfg->appname;
	}
	/* a server that vanished without a FIN is noticed in about two minutes */
	kw[n] = "keepalives_idle";
	val[n++] = "60";
	kw[n] = "keepalives_interval";
	val[n++] = "10";
	kw[n] = "keepalives_count";
	val[n++] = "6";
	if (cfg->password && *cfg->password) {
		kw[n] = "password";
		val[n++] = cfg->password;
	}
	if (ci) {
		kw[n] = "dbname";
		val[n++] = ci;
	}
	kw[n] = "client_encoding";
	val[n++] = "UTF8";
	kw[n] = NULL;
	val[n] = NULL;

	db->conn = PQconnectdbParams(kw, val, 1);
	if (!db->conn) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	snprintf(db->target, sizeof(db->target), "host=%s port=%s dbname=%s user=%s",
		 or_empty(PQhost(db->conn)), or_empty(PQport(db->conn)),
		 or_empty(PQdb(db->conn)), or_empty(PQuser(db->conn)));
	scrub(db, db->target);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		fail_conn(db, "connect", err);
		goto fail;
	}
	(void)PQsetNoticeReceiver(db->conn, on_notice, db);
	/* sends go through flush_out(), reads through wait_input(): both bounded */
	if (PQsetnonblocking(db->conn, 1) != 0) {
		fail_conn(db, "connect", err);
		goto fail;
	}
	if (run(db, "set session read only", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
		0, NULL, PGRES_COMMAND_OK, NULL, err) < 0 ||
	    run(db, "set datestyle", "SET DateStyle = 'ISO, YMD'", 0, NULL, PGRES_COMMAND_OK, NULL,
		err) < 0)
		goto fail;
	PQconninfoFree(opts);
	return db;
fail:
	PQfreemem(perr);
	PQconninfoFree(opts);
	sk_pg_close(db);
	return NULL;
}

void sk_pg_close(struct sk_pg *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	for (size_t i = 0; i < MAX_SECRETS; i++) {
		if (db->secrets[i])
			explicit_bzero(db->secrets[i], strlen(db->secrets[i]));
		free(db->secrets[i]);
	}
	free(db);
}

const char *sk_pg_user(const struct sk_pg *db)
{
	return or_empty(PQuser(db->conn));
}

const char *sk_pg_target(const struct sk_pg *db)
{
	return db->target;
}

const char *sk_pg_sqlstate(const struct sk_pg *db)
{
	return db->sqlstate;
}

/* ---- describe, probe, literal ---- */

int sk_pg_describe(struct sk_pg *db, const char *sql, int *ncols, int *nparams,
		   struct sk_err *err)
{
	PGresult *res = NULL;
	int ret = -1;

	/* the unnamed statement: replaced by the next query, nothing to free */
	if (!PQsendPrepare(db->conn, "", sql, 0, NULL)) {
		fail_conn(db, "prepare query", err);
		goto out;
	}
	if (flush_out(db, err) < 0)
		goto out;
	if (finish(db, "prepare query", PGRES_COMMAND_OK, NULL, err) < 0)
		goto out;
	if (!PQsendDescribePrepared(db->conn, "")) {
		fail_conn(db, "describe query", err);
		goto out;
	}
	if (flush_out(db, err) < 0)
		goto out;
	if (finish(db, "describe query", PGRES_COMMAND_OK, &res, err) < 0)
		goto out;
	*ncols = PQnfields(res);
	*nparams = PQnparams(res);
	ret = 0;
out:
	PQclear(res);
	return ret;
}

int sk_pg_probe(struct sk_pg *db, const char *sql, int nparams, struct sk_err *err)
{
	struct sk_buf q = SK_BUF_INIT(1u << 20);
	const char *nulls[MAX_COLS] = {0};
	int ret = -1;

	if (nparams < 0 || nparams > MAX_COLS) {
		sk_err_set(err, SK_E_USAGE, "query uses %d parameters: at most %d", nparams,
			   MAX_COLS);
		goto out;
	}
	if (sk_buf_addf(&q, err, "SELECT * FROM (%s\n) AS stepkit_probe LIMIT 0", sql) < 0)
		goto out;
	if (run(db, "query", q.data, nparams, nulls, PGRES_TUPLES_OK, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	sk_buf_release(&q);
	return ret;
}

char *sk_pg_literal(struct sk_pg *db, const char *s, struct sk_err *err)
{
	char *lit = PQescapeLiteral(db->conn, s, strlen(s));
	char *copy = NULL;

	if (!lit) {
		char msg[256];

		one_line(db, PQerrorMessage(db->conn), msg, sizeof(msg));
		sk_err_set(err, SK_E_DATA, "quote a value for SQL: %s", msg);
		return NULL;
	}
	copy = strdup(lit);
	PQfreemem(lit);
	if (!copy)
		sk_err_set(err, SK_E_NOMEM, "out of memory");
	return copy;
}

/* ---- for modules that speak more of libpq (pgexec.c) ---- */

struct pg_conn *sk_pg_conn(struct sk_pg *db)
{
	return db->conn;
}

int sk_pg_wait(struct sk_pg *db, struct sk_err *err)
{
	return wait_input(db, err);
}

int sk_pg_fail(struct sk_pg *db, const char *what, const struct pg_result *res,
	       struct sk_err *err)
{
	return fail_result(db, what, res, err);
}

/* ---- streaming ---- */

struct stream {
	struct sk_pg *db;
	sk_pg_row_cb cb;
	void *ctx;
	struct sk_pg_row row;
	const char *f[MAX_COLS];
	size_t len[MAX_COLS];
	size_t off[MAX_COLS];
	size_t n;          /* fields of the row being parsed */
	size_t ncols;      /* fields of the first row */
	struct sk_buf data; /* the row's values, each followed by a NUL */
	unsigned long long rows;
	struct sk_err err;  /* set inside a libcsv callback */
};

/* Hand a complete row to the callback. */
static int deliver(struct stream *st, size_t n)
{
	if (st->rows == 0)
		st->ncols = n;
	st->rows++;
	if (n != st->ncols)
		return sk_err_set(&st->err, SK_E_DATA,
				  "postgres %s: result row %llu has %zu fields, the first had %zu",
				  st->db->target, st->rows, n, st->ncols);
	st->row.n = n;
	st->row.f = st->f;
	st->row.len = st->len;
	st->row.num = st->rows;
	return st->cb(st->ctx, &st->row, &st->err);
}

static void on_field(void *s, size_t len, void *ctx)
{
	struct stream *st = ctx;

	if (st->err.code)
		return;
	if (st->n == MAX_COLS) {
		sk_err_set(&st->err, SK_E_DATA, "postgres %s: result has more than %d columns",
			   st->db->target, MAX_COLS);
		return;
	}
	/* libcsv reuses its buffer: copy the value out, NUL-terminated */
	st->off[st->n] = st->data.len;
	st->len[st->n] = len;
	if (sk_buf_add(&st->data, s ? s : "", len, &st->err) < 0 ||
	    sk_buf_add(&st->data, "", 1, &st->err) < 0)
		return;
	st->n++;
}

static void on_record(int c, void *ctx)
{
	struct stream *st = ctx;

	(void)c;
	if (st->err.code || st->n == 0)
		return;
	for (size_t i = 0; i < st->n; i++)
		st->f[i] = st->data.data + st->off[i];
	deliver(st, st->n);
	st->n = 0;
	sk_buf_reset(&st->data);
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0; /* libcsv trims blanks by default: values are passed through */
}

/*
 * A row without any quote: PostgreSQL quotes every value holding a comma,
 * a quote, CR or LF (and the empty string), so such a row is just its
 * values between commas. Split it in place (the buffer is ours until
 * PQfreemem), NUL-terminating each value.
 */
static int split_plain(struct stream *st, char *buf, size_t n)
{
	size_t nf = 0, start = 0;

	buf[n - 1] = ','; /* the final LF ends the last value like a comma */
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != ',')
			continue;
		if (nf == MAX_COLS)
			return sk_err_set(&st->err, SK_E_DATA,
					  "postgres %s: result has more than %d columns",
					  st->db->target, MAX_COLS);
		buf[i] = '\0';
		st->f[nf] = buf + start;
		st->len[nf++] = i - start;
		start = i + 1;
	}
	return deliver(st, nf);
}

/*
 * COPY OUT: each PQgetCopyData buffer is exactly one row of PostgreSQL's
 * CSV ("" for an empty string, nothing for NULL, quotes where needed).
 * Rows holding a quote go through libcsv, the judge of quoting; the others
 * (nearly all: libcsv's byte-by-byte callbacks cost more than the rest of
 * the client's work) are split directly.
 */
static int stream_copy(struct stream *st, const char *sql, struct sk_err *err)
{
	struct sk_pg *db = st->db;
	struct sk_buf q = SK_BUF_INIT(1u << 20);
	struct csv_parser p;
	int parser_ready = 0, ret = -1;
	PGresult *res = NULL;
	char *buf = NULL;

	if (sk_buf_addf(&q, err, "COPY (%s\n) TO STDOUT WITH (FORMAT csv, HEADER false)", sql) < 0)
		goto out;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	parser_ready = 1;
	csv_set_space_func(&p, no_space);
	/* extended protocol: exactly one statement, so the query cannot end the COPY early */
	if (run(db, "query", q.data, 0, NULL, PGRES_COPY_OUT, &res, err) < 0)
		goto out;
	PQclear(res);
	res = NULL;
	for (;;) {
		int n = PQgetCopyData(db->conn, &buf, 1);

		if (n > 0 && buf[n - 1] == '\n' && !memchr(buf, '"', (size_t)n)) {
			if (split_plain(st, buf, (size_t)n) < 0) {
				*err = st->err;
				goto out;
			}
			PQfreemem(buf);
			buf = NULL;
			if (sk_interrupted()) {
				interrupted(db, err);
				goto out;
			}
			continue;
		}
		if (n > 0) {
			if (csv_parse(&p, buf, (size_t)n, on_field, on_record, st) != (size_t)n) {
				sk_err_set(err, SK_E_DATA, "postgres %s: row %llu: cannot parse COPY output: %s",
					   db->target, st->rows + 1, csv_strerror(csv_error(&p)));
				goto out;
			}
			PQfreemem(buf);
			buf = NULL;
			if (st->err.code) {
				*err = st->err;
				goto out;
			}
			if (sk_interrupted()) {
				interrupted(db, err);
				goto out;
			}
			continue;
		}
		if (n == -1)
			break; /* end of the COPY: the command's result follows */
		if (n == -2) {
			fail_conn(db, "query", err);
			goto out;
		}
		if (wait_input(db, err) < 0)
			goto out;
	}
	if (csv_fini(&p, on_field, on_record, st) != 0) {
		sk_err_set(err, SK_E_DATA, "postgres %s: cannot parse COPY output: %s", db->target,
			   csv_strerror(csv_error(&p)));
		goto out;
	}
	if (st->err.code) {
		*err = st->err;
		goto out;
	}
	/* a backend killed mid-COPY ends the data with an error result */
	if (finish(db, "query", PGRES_COMMAND_OK, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	PQfreemem(buf);
	PQclear(res);
	if (parser_ready)
		csv_free(&p);
	sk_buf_release(&q);
	return ret;
}

/*
 * With parameters: a cursor declared through the extended protocol, so the
 * values travel as bound parameters and are never part of the SQL text.
 * A read-only transaction holds the cursor; batches keep memory flat.
 */
static int stream_cursor(struct stream *st, const char *sql, int nparams,
			 const char *const *params, struct sk_err *err)
{
	struct sk_pg *db = st->db;
	struct sk_buf q = SK_BUF_INIT(1u << 20);
	PGresult *res = NULL;
	int ret = -1;

	if (sk_buf_addf(&q, err, "DECLARE " CURSOR " NO SCROLL CURSOR FOR %s\n", sql) < 0)
		goto out;
	if (run(db, "begin", "BEGIN READ ONLY", 0, NULL, PGRES_COMMAND_OK, NULL, err) < 0 ||
	    run(db, "query", q.data, nparams, params, PGRES_COMMAND_OK, NULL, err) < 0)
		goto out;
	for (;;) {
		int nt, nf;

		if (run(db, "fetch", "FETCH FORWARD " SK_STR(FETCH_ROWS) " FROM " CURSOR, 0, NULL,
			PGRES_TUPLES_OK, &res, err) < 0)
			goto out;
		nt = PQntuples(res);
		nf = PQnfields(res);
		if (nt == 0)
			break;
		if (nf > MAX_COLS) {
			sk_err_set(err, SK_E_DATA, "postgres %s: result has more than %d columns",
				   db->target, MAX_COLS);
			goto out;
		}
		for (int r = 0; r < nt; r++) {
			if (sk_interrupted()) {
				interrupted(db, err);
				goto out;
			}
			/* PQgetvalue gives "" for NULL: the same as COPY's empty field */
			for (int c = 0; c < nf; c++) {
				st->f[c] = PQgetvalue(res, r, c);
				st->len[c] = (size_t)PQgetlength(res, r, c);
			}
			if (deliver(st, (size_t)nf) < 0) {
				*err = st->err;
				goto out;
			}
		}
		PQclear(res);
		res = NULL;
	}
	if (run(db, "close cursor", "CLOSE " CURSOR, 0, NULL, PGRES_COMMAND_OK, NULL, err) < 0 ||
	    run(db, "commit", "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, err) < 0)
		goto out;
	ret = 0;
out:
	PQclear(res);
	sk_buf_release(&q);
	return ret;
}

long long sk_pg_stream(struct sk_pg *db, const char *sql, int nparams,
		       const char *const *params, sk_pg_row_cb cb, void *ctx,
		       struct sk_err *err)
{
	struct stream st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.db = db;
	st.cb = cb;
	st.ctx = ctx;
	st.data.max = 64u << 20; /* one row; a larger one is not a sales line */
	if (nparams > 0)
		rc = stream_cursor(&st, sql, nparams, params, err);
	else
		rc = stream_copy(&st, sql, err);
	sk_buf_release(&st.data);
	return rc < 0 ? -1 : (long long)st.rows;
}
