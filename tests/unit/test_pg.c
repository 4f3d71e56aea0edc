/*
 * test_pg.c: the parts of pg.c and extract.c that need no server: period
 * arithmetic, conninfo validation, the classification of a refused
 * connection, and that no password leaks into a message. The real server
 * cases are in tests/int/pg.t.
 */
#include "base.h"
#include "extract.h"
#include "pg.h"
#include "tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void period(const char *p, const char *as_of, const char *want_from,
		   const char *want_to)
{
	char from[11], to[11];
	struct sk_err err = SK_ERR_INIT;
	int rc = sk_extract_period(p, as_of, from, to, &err);

	ok(rc == 0, "period %s as of %s: accepted%s%s", p, as_of, rc ? ": " : "", rc ? err.msg : "");
	is_str(from, want_from, "period %s as of %s: from", p, as_of);
	is_str(to, want_to, "period %s as of %s: to", p, as_of);
}

static void bad_period(const char *p, const char *as_of, const char *want_msg)
{
	char from[11], to[11];
	struct sk_err err = SK_ERR_INIT;
	int rc = sk_extract_period(p, as_of, from, to, &err);

	ok(rc < 0 && err.code == SK_E_USAGE, "period '%s' as of '%s': usage error", p, as_of);
	is_str(err.msg, want_msg, "period '%s' as of '%s': message", p, as_of);
}

/* A TCP port on 127.0.0.1 that refuses connections: bound, never listening. */
static int refusing_port(int *fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(a.sin_port);
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_pg *db;
	struct sk_pg_cfg cfg = {0};
	char conninfo[256];
	int fd = -1, port;

	period("current-month", "2024-02-10", "2024-02-01", "2024-02-29");
	period("current-month", "2023-02-28", "2023-02-01", "2023-02-28");
	period("previous-month", "2011-01-15", "2010-12-01", "2010-12-31");
	period("previous-month", "2011-05-31", "2011-04-01", "2011-04-30");
	period("daily", "2011-03-01", "2011-02-28", "2011-02-28");
	period("daily", "2012-03-01", "2012-02-29", "2012-02-29");
	period("daily", "2011-01-01", "2010-12-31", "2010-12-31");
	period("daily", "2011-12-09", "2011-12-08", "2011-12-08");
	period("daily", "2026-11-23T00:30:00+01:00", "2026-11-22", "2026-11-22");
	period("all", "2011-12-09", "", "");
	bad_period("weekly", "2011-12-09",
		   "--period 'weekly': use current-month, previous-month, daily or all");
	bad_period("daily", "2011-02-30", "--as-of '2011-02-30' is not a date (YYYY-MM-DD)");
	bad_period("daily", "2011-2-3", "--as-of '2011-2-3' is not a date (YYYY-MM-DD)");
	bad_period("daily", "2011-02-03 10:00", "--as-of '2011-02-03 10:00' is not a date (YYYY-MM-DD)");

	/* a conninfo libpq cannot parse is a usage error, and its password stays out */
	cfg.conninfo = "host=127.0.0.1 password=Sup3rSecretPw junk";
	db = sk_pg_open(&cfg, &err);
	ok(!db && err.code == SK_E_USAGE, "bad conninfo: usage error (%s)", err.msg);
	ok(!strstr(err.msg, "Sup3rSecretPw"), "bad conninfo: no password in the message");
	sk_pg_close(db);

	/* nobody listening: transient, names host and port, no password */
	port = refusing_port(&fd);
	ok(port > 0, "a refusing port");
	snprintf(conninfo, sizeof(conninfo),
		 "host=127.0.0.1 port=%d dbname=x user=u password=An0therSecret", port);
	cfg.conninfo = conninfo;
	cfg.password = "Th1rdSecret";
	cfg.appname = "stepkit-test";
	sk_err_clear(&err);
	db = sk_pg_open(&cfg, &err);
	ok(!db && err.code == SK_E_TRANSIENT, "refused: transient");
	{
		char want[128];

		snprintf(want, sizeof(want), "postgres host=127.0.0.1 port=%d dbname=x user=u: connect: ",
			 port);
		ok(!strncmp(err.msg, want, strlen(want)), "refused: message names the target (%s)",
		   err.msg);
	}
	ok(strstr(err.msg, "Connection refused") != NULL, "refused: says so");
	ok(strstr(err.msg, "check that the server is up") != NULL, "refused: says what to check");
	ok(!strstr(err.msg, "An0therSecret") && !strstr(err.msg, "Th1rdSecret"),
	   "refused: no password in the message");
	sk_pg_close(db);
	if (fd >= 0)
		close(fd);

	/* a URI is checked the same way */
	cfg.conninfo = "postgresql://u:Fourth%zzSecret@127.0.0.1/x";
	cfg.password = NULL;
	sk_err_clear(&err);
	db = sk_pg_open(&cfg, &err);
	ok(!db && err.code == SK_E_USAGE, "bad URI: usage error (%s)", err.msg);
	ok(!strstr(err.msg, "Secret"), "bad URI: no password in the message");
	sk_pg_close(db);

	/* without a password, libpq's reason is worth showing */
	cfg.conninfo = "postgresql://u@127.0.0.1/x?nosuchoption=1";
	sk_err_clear(&err);
	db = sk_pg_open(&cfg, &err);
	ok(!db && err.code == SK_E_USAGE, "bad URI option: usage error");
	is_str(err.msg, "--db: not a valid connection string: invalid URI query parameter: \"nosuchoption\"",
	       "bad URI option: libpq's reason");
	sk_pg_close(db);

	sk_pg_close(NULL);
	ok(1, "sk_pg_close(NULL) is fine");
	return done_testing();
}
