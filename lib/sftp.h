/*
 * sftp.h: upload files over SFTP with libssh2 (upload-sftp).
 *
 * One SSH session carries every file. The server's host key must be in a
 * known_hosts file (plain or hashed entries, `ssh-keyscan` output,
 * "[host]:port" entries): an unknown or changed key is refused, never
 * accepted silently, and there is no "trust on first use". Login is by
 * password or key (ed25519, ecdsa; RSA keys are detected and explained:
 * libssh2 1.10 signs them only with SHA-1 "ssh-rsa", which OpenSSH 8.8 and
 * later refuse).
 *
 * A file is written as NAME.part in the remote directory (created if
 * missing, like mkdir -p; a stale NAME.part from a killed run is removed
 * first), fsynced when the server supports fsync@openssh.com, its remote
 * size compared with the bytes sent, and renamed to NAME. OpenSSH speaks
 * SFTP version 3, whose rename never replaces an existing file, and libssh2
 * 1.10 cannot send posix-rename@openssh.com: when NAME exists the rename
 * fails, so NAME is removed and the rename done again. Between those two
 * requests (one round trip) NAME is absent on the server; it is never
 * half-written. On any failure, and on SIGTERM/SIGINT, the NAME.part is
 * removed while the session still works.
 *
 * Errors are classified where they happen (sk_err codes):
 *   SK_E_TRANSIENT  connection refused, unreachable, DNS temporary failure,
 *                   connect or I/O timeout, connection lost (also mid-file),
 *                   server closing the session
 *   SK_E_PERMANENT  unknown or changed host key, login refused, permission
 *                   denied or other refusal on the remote side, no common
 *                   algorithms, host not found
 *   SK_E_USAGE      a missing or malformed setting, an unreadable
 *                   known_hosts or key file
 *   SK_E_IO         a local file that cannot be read
 *   SK_E_INTERRUPTED  SIGTERM/SIGINT: the current request is finished
 *                   (within a 2 s grace) and the upload stops
 * Messages never contain the password or the key passphrase.
 *
 * The session uses libssh2 in non-blocking mode under our own poll() loop,
 * so that timeouts and signals are handled between libssh2 calls, never
 * in the middle of a packet (which would leave the session unusable for the
 * clean-up).
 */
#ifndef SK_SFTP_H
#define SK_SFTP_H

#include "errors.h"
#include "sha256.h"

struct sk_step;
struct sk_sftp;

/* A validated configuration. Strings are borrowed. */
struct sk_sftp_cfg {
	const char *host;           /* name or address */
	int port;                   /* 1..65535 */
	const char *user;
	const char *password;       /* secret; NULL: none */
	const char *key_file;       /* private key; NULL: none */
	const char *key_passphrase; /* secret; NULL: unencrypted key */
	const char *known_hosts;    /* required */
	const char *remote_dir;     /* "" or NULL: the server's start directory */
	double connect_timeout;     /* seconds for TCP connect */
	double io_timeout;          /* seconds without progress on the session */
};

/*
 * Connect, check the host key, log in and start SFTP. Returns a session the
 * caller closes, or NULL with `err` set (see the classes above).
 */
struct sk_sftp *sk_sftp_open(const struct sk_sftp_cfg *cfg, struct sk_err *err);

/* Disconnect and free. NULL is fine. */
void sk_sftp_close(struct sk_sftp *s);

/*
 * Create `dir` and its missing parents on the server (mkdir -p). 0, or -1
 * with `err`. When `created` is not NULL it receives how many directories
 * were made (the last ones of the path), so --check can remove them again.
 */
int sk_sftp_mkdir_p(struct sk_sftp *s, const char *dir, int *created, struct sk_err *err);

/* What one upload did. */
struct sk_sftp_put_info {
	unsigned long long bytes;           /* bytes stored (= local size) */
	char sha256[SK_SHA256_HEX_LEN + 1]; /* of the bytes sent */
	int fsynced;                        /* 1 if the server fsynced the file */
	int fsync_refused;                  /* not fsynced: the server refused (else unsupported) */
	int replaced;                       /* 1 if an existing file was replaced */
	double seconds;
};

/* Called every few seconds during a transfer with the bytes sent so far. */
typedef void (*sk_sftp_progress_fn)(void *ctx, unsigned long long sent,
				     unsigned long long total, double seconds);

/*
 * Upload the local file `local` to the remote path `remote` (through
 * `remote`.part, see above). `progress` may be NULL. 0 with `info` filled,
 * or -1 with `err`; on failure the .part is removed when the session still
 * allows it.
 */
int sk_sftp_put(struct sk_sftp *s, const char *local, const char *remote,
		sk_sftp_progress_fn progress, void *ctx, struct sk_sftp_put_info *info,
		struct sk_err *err);

/*
 * Options of the upload-sftp tool as strings (flag or environment, borrowed);
 * NULL when not set. Secrets are not options: SFTP_PASSWORD(_FILE) and
 * SFTP_KEY_PASSPHRASE(_FILE) are read from the environment here.
 */
struct sk_sftp_opts {
	const char *host, *port, *user, *remote_dir, *known_hosts, *key_file;
	const char *connect_timeout, *timeout;
	const char *follow_symlinks; /* STEPKIT_FOLLOW_SYMLINKS: "1" sends links out of the
					work directory (see sk_upload_link_check()) */
};

/*
 * The upload-sftp step: upload the files named in argv (resolved against
 * the work directory; none: sales_report.csv, customer_report.csv and
 * product_report.csv) in one session, retried per lib/retry.h while the
 * failure is SK_E_TRANSIENT (a retry resends only the files not yet
 * stored). Local files are checked before connecting. Records in the
 * step's event: each local file as an input, each stored file as an output
 * (path "sftp://HOST:PORT/REMOTE_PATH", or "sftp://HOST:PORT/~/PATH" for a
 * relative remote directory; bytes, sha256, source: the local file, and
 * seconds), counts "files", "bytes" and "attempts", details "server" and
 * "remote_dir". 0, or -1 with `err`.
 */
int sk_sftp_upload_step(struct sk_step *s, const struct sk_sftp_opts *o, int argc,
			char **argv, struct sk_err *err);

/*
 * upload-sftp --check: test, in order, the configuration, that the server
 * is reachable, its host key, the login, and that the remote directory is
 * writable (a probe file is created and removed; missing directories are
 * created and removed again), logging each step that passed. On failure
 * `err` says which test failed and what to do. No file is sent.
 */
int sk_sftp_check_step(struct sk_step *s, const struct sk_sftp_opts *o, struct sk_err *err);

#endif
