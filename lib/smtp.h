/*
 * smtp.h: an e-mail message and its delivery over SMTP (libcurl smtp://
 * with STARTTLS, or smtps://), used by notify.
 *
 * Two halves:
 *
 * - sk_mail_*: build an RFC 5322 message ourselves, byte for byte, so it is
 *   deterministic and testable (libcurl adds no Date or Message-ID). Lines
 *   end in CRLF and never pass 998 bytes; a non-ASCII subject or display
 *   name becomes RFC 2047 encoded-words; the text body is 7bit when it is
 *   plain short-lined ASCII and quoted-printable otherwise (an HTML
 *   alternative alike); attachments are base64 in a multipart/mixed message. Addresses are validated (one '@',
 *   no CR/LF, no quoting tricks), so no value can inject a header.
 *
 * - sk_smtp_*: hand a built message to a server. Errors are classified by
 *   the server's SMTP reply code first (libcurl turns a transient 451 into
 *   the generic CURLE_WEIRD_SERVER_REPLY), then by libcurl's code:
 *
 *     SK_E_TRANSIENT  a 4xx reply (451, 421, 452...), connection refused,
 *                     DNS failure, timeout, connection lost
 *     SK_E_PERMANENT  a 5xx reply, login refused (535), authentication
 *                     required (530), certificate not trusted, STARTTLS not
 *                     offered, TLS handshake failure
 *     SK_E_USAGE      a bad URL or setting (see sk_smtp_cfg_check)
 *
 *   Messages are shaped "smtp 'URL': reason[: what to do]"; the URL never
 *   holds credentials (refused by sk_smtp_cfg_check) and the password never
 *   appears in a message.
 */
#ifndef SK_SMTP_H
#define SK_SMTP_H

#include "buf.h"
#include "errors.h"

#include <time.h>

/* Most recipients (To and Cc together) one message may have. */
#define SK_MAIL_MAX_RCPT 100

/* One address: an optional display name and the addr-spec. */
struct sk_mail_addr {
	char name[128]; /* display name, UTF-8, "" when none */
	char addr[256]; /* local@domain, printable ASCII */
};

/* A list of addresses, filled by sk_mail_addrs_parse(). Starts zeroed. */
struct sk_mail_addrs {
	size_t n;
	struct sk_mail_addr v[SK_MAIL_MAX_RCPT];
};

/*
 * Parse one address, "local@domain" or "Display Name <local@domain>" (the
 * name may be double-quoted). The addr-spec must have exactly one '@', a
 * dot-atom local part (no quoted strings) of at most 64 bytes and a domain
 * of letters, digits, '-' and '.'. CR, LF and other control characters are
 * refused everywhere. `what` names the setting in messages ("MAIL_TO").
 * 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_mail_addr_parse(struct sk_mail_addr *a, const char *s, size_t len, const char *what,
		       struct sk_err *err);

/*
 * Append the addresses of a comma-separated list to `l` (empty items are
 * skipped). Fails on a bad address or when `l` would pass SK_MAIL_MAX_RCPT.
 * 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_mail_addrs_parse(struct sk_mail_addrs *l, const char *list, const char *what,
			struct sk_err *err);

/*
 * An attachment: `len` bytes held in memory at `data`, or, when `data` is
 * NULL, the first `len` bytes of the open file `fd`, read (pread, from
 * offset 0) only as the message is read, 57 KiB at a time: a 200 MB report
 * never sits in memory. With `sha256` set, the bytes read must hash to it
 * (the value the message body lists): a file that changed or shrank in
 * between fails the read (SK_E_IO) instead of sending other bytes.
 */
struct sk_mail_part {
	const char *name;         /* file name shown to the reader (a base name) */
	const char *content_type; /* "text/csv", ... */
	const void *data;         /* NULL: read from `fd` */
	unsigned long long len;
	int fd;                   /* with data NULL; borrowed, stays open */
	const char *sha256;       /* hex, or NULL: not checked */
};

/* Everything a message is made of. All borrowed. */
struct sk_mail {
	const struct sk_mail_addr *from;
	const struct sk_mail_addrs *to; /* may be NULL or empty */
	const struct sk_mail_addrs *cc; /* may be NULL or empty */
	const char *subject;            /* UTF-8; control characters become spaces */
	const char *body;               /* UTF-8 text, LF or CRLF line ends */
	time_t date;                    /* the Date header, written in UTC */
	const char *message_id;         /* "<id@domain>", see sk_mail_new_id() */
	const char *boundary;           /* MIME boundary, used with attachments */
	const struct sk_mail_part *parts;
	size_t nparts;                  /* 0: a single text/plain message */
	const char *html;               /* NULL, or an HTML alternative of `body` (UTF-8):
					 * the text and it go in a multipart/alternative
					 * (inside the multipart/mixed with attachments) */
};

#define SK_MAIL_ID_MAX 320

/*
 * A fresh Message-ID "<32 random hex digits@domain>" where domain is the
 * domain of `from_addr`, and a MIME boundary "=_stepkit_<the same digits>"
 * ("=_" cannot occur in base64 or quoted-printable text). 0, or -1 with `err`.
 */
int sk_mail_new_id(const char *from_addr, char id[SK_MAIL_ID_MAX], char boundary[80],
		   struct sk_err *err);

/*
 * A built message, read like a file: the headers, the text and each part's
 * headers are built at open (in memory, at most 16 MiB), the attachments
 * are base64-encoded from their source as the reader asks for them. The
 * bytes depend only on `m`, which (with its parts) must outlive the handle.
 */
struct sk_mail_msg;

/* Build the headers and text. A handle the caller closes, or NULL with
 * `err` (SK_E_NOMEM at the cap, SK_E_USAGE for a bad value). */
struct sk_mail_msg *sk_mail_msg_open(const struct sk_mail *m, struct sk_err *err);

/* The message's size in bytes, known before any attachment is read. */
unsigned long long sk_mail_msg_size(const struct sk_mail_msg *msg);

/* Copy up to `n` next bytes into `buf`: their number (0 at the end), or
 * -1 with `err` (an attachment unreadable or changed, see sk_mail_part). */
long sk_mail_msg_read(struct sk_mail_msg *msg, char *buf, size_t n, struct sk_err *err);

/* Start again from the first byte (a retry). */
void sk_mail_msg_rewind(struct sk_mail_msg *msg);

/* Free. NULL is fine. */
void sk_mail_msg_close(struct sk_mail_msg *msg);

/*
 * Append the whole message (headers, body, attachments; CRLF line ends,
 * ending in CRLF) to `out`: sk_mail_msg_open and read to the end. 0, or
 * -1 with `err` (SK_E_NOMEM at the buffer's cap, SK_E_USAGE for a bad value).
 */
int sk_mail_build(const struct sk_mail *m, struct sk_buf *out, struct sk_err *err);

/*
 * Append `s` to `out` as an RFC 5322 header value for `name` ("Subject"):
 * as it is when it is printable ASCII short enough for one line, otherwise
 * as UTF-8 base64 encoded-words of at most 75 characters, folded with
 * CRLF SP, never splitting a UTF-8 character. Writes "Name: value\r\n".
 * Exposed for the unit tests.
 */
int sk_mail_header_text(struct sk_buf *out, const char *name, const char *s,
			struct sk_err *err);

/* Format `t` as an RFC 5322 date in UTC: "Tue, 01 Jul 2025 10:00:00 +0000". */
void sk_mail_date(time_t t, char out[40]);

/* How to talk to the server. */
struct sk_smtp_cfg {
	const char *url;      /* smtp://host[:port] (STARTTLS) or smtps://host[:port] */
	int tls_none;         /* 1: plain SMTP without STARTTLS (SMTP_TLS=none; smtp:// only) */
	const char *user;     /* NULL: no AUTH */
	const char *password; /* secret; with `user` */
	const char *ca_file;  /* PEM bundle to trust, or NULL: the system store */
	long connect_timeout; /* seconds for connect, TLS, greeting and AUTH; 0: 20 */
	long timeout;         /* seconds for the whole transaction; 0: 120 */
};

/*
 * Validate `c` without any network traffic: the URL parses, its scheme is
 * smtp or smtps, it has a host and holds no user:password@ (credentials come
 * from SMTP_USER and SMTP_PASSWORD only), tls_none only with smtp://, no
 * password sent without TLS, a password only with a user, `ca_file`
 * readable. 0, or -1 with `err` (SK_E_USAGE; the URL is not echoed when it
 * may hold credentials).
 */
int sk_smtp_cfg_check(const struct sk_smtp_cfg *c, struct sk_err *err);

/* A recipient the server refused at RCPT TO. */
struct sk_smtp_refusal {
	size_t index;    /* into the `rcpt` array of sk_smtp_send */
	int code;        /* the reply code: 4xx temporary, 5xx permanent */
	char reply[200]; /* the reply line, control characters blanked */
};

/* What one attempt learnt about its recipients. */
struct sk_smtp_result {
	size_t nrefused;
	struct sk_smtp_refusal refused[SK_MAIL_MAX_RCPT];
};

/*
 * One delivery attempt of `msg` (read from its start; CRLF line ends) from
 * envelope sender `from` to the `nrcpt` addr-specs of `rcpt`: connect,
 * STARTTLS (unless tls_none or smtps), AUTH when a user is set, MAIL FROM,
 * RCPT TO, DATA. libcurl does the dot stuffing. A refused recipient does
 * not stop the others: the message goes to every accepted one, and `res`
 * lists the refused ones (also when the attempt fails; `res` may be NULL).
 * 0 when the server took the message (for at least one recipient), or -1
 * with `err` classified as described at the top (every recipient refused:
 * by the last reply); the caller retries SK_E_TRANSIENT.
 */
int sk_smtp_send(const struct sk_smtp_cfg *c, const char *from, const char *const *rcpt,
		 size_t nrcpt, struct sk_mail_msg *msg, struct sk_smtp_result *res,
		 struct sk_err *err);

/*
 * Preflight: connect, STARTTLS, AUTH, then "MAIL FROM:<from>" and one
 * "RCPT TO" per recipient, then RSET and QUIT: no message is sent. On
 * success `report` (if not NULL, `reportsz` bytes) says what was verified.
 * 0, or -1 with `err` saying which stage failed and what to do.
 */
int sk_smtp_check(const struct sk_smtp_cfg *c, const char *from, const char *const *rcpt,
		  size_t nrcpt, char *report, size_t reportsz, struct sk_err *err);

#endif
