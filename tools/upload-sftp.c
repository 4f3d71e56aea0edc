/*
 * upload-sftp: send the reports to an SFTP server (libssh2). The work is in
 * lib/sftp.c; this file only names the options.
 */
#include "base.h"
#include "dest_template.h"
#include "sftp.h"
#include "step.h"

static struct sk_sftp_opts o;

static const struct sk_opt opts[] = {
	{"host", "SFTP_HOST", "HOST", "server name or address", &o.host},
	{"port", "SFTP_PORT", "PORT", "server port (default 22)", &o.port},
	{"user", "SFTP_USER", "USER", "login name", &o.user},
	{"remote-dir", "SFTP_REMOTE_DIR", "DIR", "store the files in DIR, created if missing (default: the login directory); {date} {year} {month} {day} {run} replaced", &o.remote_dir},
	{"known-hosts", "SFTP_KNOWN_HOSTS", "FILE", "host keys to trust (required; ssh-keyscan output works)", &o.known_hosts},
	{"key-file", "SFTP_KEY_FILE", "FILE", "private key (ed25519 or ecdsa) to log in with", &o.key_file},
	{"connect-timeout", "SFTP_CONNECT_TIMEOUT", "SECONDS", "give up connecting after SECONDS (default 10)", &o.connect_timeout},
	{"timeout", "SFTP_TIMEOUT", "SECONDS", "give up when the server is silent for SECONDS (default 60)", &o.timeout},
	{"follow-symlinks", "STEPKIT_FOLLOW_SYMLINKS", NULL, "send files that are links out of the work directory (refused by default)", &o.follow_symlinks},
	{0},
};

/* {date}, {run}... in SFTP_REMOTE_DIR (dest_template.h): expanded once, before the work */
static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	if (sk_dest_expand_opt("SFTP_REMOTE_DIR", &o.remote_dir, &dest, err) < 0)
		return -1;
	rc = sk_sftp_upload_step(s, &o, argc, argv, err);
	free(dest);
	return rc;
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	char *dest;
	int rc;

	(void)argc;
	(void)argv;
	if (sk_dest_expand_opt("SFTP_REMOTE_DIR", &o.remote_dir, &dest, err) < 0)
		return -1;
	rc = sk_sftp_check_step(s, &o, err);
	free(dest);
	return rc;
}

const struct sk_tool tool = {
	.name = "upload-sftp",
	.summary = "Upload files to an SFTP server (to NAME.part, then renamed to NAME).",
	.args = "[FILE]...",
	.details = "Sends each FILE (default: sales_report.csv, customer_report.csv and\n"
		   "product_report.csv in the work directory) in one SSH session. The server's\n"
		   "host key must be in the known_hosts file. Secrets come from the environment\n"
		   "only: SFTP_PASSWORD or SFTP_PASSWORD_FILE, SFTP_KEY_PASSPHRASE or\n"
		   "SFTP_KEY_PASSPHRASE_FILE. Retries (STEPKIT_RETRIES, STEPKIT_RETRY_DELAY)\n"
		   "resend only the files not stored yet.\n",
	.opts = opts,
	.max_args = -1,
	.run = run,
	.check = check,
	.exits = SK_TOOL_REMOTE,
};
