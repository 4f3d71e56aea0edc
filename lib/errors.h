/*
 * errors.h: the one error type of stepkit and the exit-code table.
 *
 * Every library function that can fail takes a `struct sk_err *` owned by the
 * caller (usually on its stack), fills it on failure and returns -1 (or NULL).
 * The library never prints and never exits: the tool's main reports the
 * message and maps the error kind to the process exit status.
 */
#ifndef SK_ERRORS_H
#define SK_ERRORS_H

/*
 * Process exit statuses, the contract with Argo (retryStrategy retries only
 * SK_EXIT_TEMPFAIL) and with people reading the README.
 */
enum sk_exit {
	SK_EXIT_OK = 0,       /* success */
	SK_EXIT_FAIL = 1,     /* permanent failure: bad data, refused login, missing file */
	SK_EXIT_USAGE = 2,    /* usage or configuration error */
	SK_EXIT_QUALITY = 3,  /* a data-quality gate failed */
	SK_EXIT_TEMPFAIL = 75 /* temporary failure: worth retrying (EX_TEMPFAIL) */
};

/* What went wrong, in the terms that decide the exit status. */
enum sk_ecode {
	SK_E_NONE = 0,
	SK_E_USAGE,       /* bad flag, bad setting: exit 2 */
	SK_E_DATA,        /* input that breaks the data contract: exit 1 */
	SK_E_IO,          /* local file system: exit 1 */
	SK_E_PERMANENT,   /* remote said no for good (auth, 4xx, SQL error): exit 1 */
	SK_E_TRANSIENT,   /* network, timeout, 5xx, server restarting: exit 75 */
	SK_E_QUALITY,     /* data-quality gate: exit 3 */
	SK_E_INTERRUPTED, /* SIGTERM/SIGINT seen: the tool dies by the signal */
	SK_E_NOMEM        /* allocation failed or a hard size cap was hit: exit 1 */
};

#define SK_ERR_MSG_MAX 512

/* Caller-owned error record. `code` is SK_E_NONE until something fails. */
struct sk_err {
	enum sk_ecode code;
	char msg[SK_ERR_MSG_MAX];
};

#define SK_ERR_INIT {SK_E_NONE, {0}}

/*
 * Record an error and return -1, so a caller can write
 * `return sk_err_set(err, SK_E_IO, "open '%s': %s", path, strerror(errno));`.
 * The message has no program name and no trailing newline. `err` may be NULL.
 */
int sk_err_set(struct sk_err *err, enum sk_ecode code, const char *fmt, ...)
	SK_PRINTF(3, 4);

/*
 * Put "context: " in front of the message already in `err`, keeping its code,
 * and return -1. Used by callers that know the file or step the callee did not.
 */
int sk_err_prefix(struct sk_err *err, const char *fmt, ...) SK_PRINTF(2, 3);

/* Forget any recorded error. */
void sk_err_clear(struct sk_err *err);

/* A stable lowercase name for `code` ("transient", "data", ...), for events. */
const char *sk_ecode_name(enum sk_ecode code);

/* The exit status for `code` (SK_E_INTERRUPTED maps to SK_EXIT_FAIL). */
int sk_ecode_exit(enum sk_ecode code);

#endif
