/*
 * sftp.c: SFTP uploads over libssh2 1.10 (see sftp.h for the contract).
 *
 * libssh2 runs in non-blocking mode: every call that answers EAGAIN is
 * repeated after wait_socket() polled the socket in short slices. That loop
 * owns the I/O timeout and sees SIGTERM at once; it then lets the pending
 * call finish (for GRACE_SEC) instead of abandoning it, because libssh2
 * refuses, or garbles, a new request while a packet is half sent, and the
 * clean-up (close the handle, remove the .part) needs a working session.
 */
#include "base.h"
#include "sftp.h"
#include "log.h"
#include "money.h"
#include "retry.h"
#include "sig.h"
#include "step.h"
#include "upload_step.h"

#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <openssl/evp.h>

/*
 * Upload buffer and pipelining window. libssh2 1.10 cuts what one
 * libssh2_sftp_write() is given into 30000-byte SFTP WRITE requests, sends
 * them all and returns as acknowledgements come back; handing it a window
 * of bytes from the first unacknowledged one keeps that many in flight. The
 * file is read a window at a time into a buffer of four maximal windows, so
 * the unacknowledged rest (under a window) is moved down only once every
 * two windows or more.
 *
 * The window is sized to the round trip (see pick_window): enough to keep
 * WINDOW_RATE bytes/s flowing, within [WINDOW_MIN, WINDOW_MAX]. More than
 * the round trip needs only queues up in the server, where OpenSSH's sshd
 * keeps growing, faulting in and moving its buffers (perf: memmove and page
 * faults): 256 MiB over loopback took 1.7 s of sshd CPU with 4 MiB in
 * flight, 0.9 s with 1 MiB, and the upload 2.6 s instead of 1.6 s.
 * WINDOW_MAX, the old fixed window, is twice what the OpenSSH sftp client
 * keeps in flight (64 x 32 KiB), so slow long links lose nothing.
 */
#define WINDOW_MIN (1u << 20)
#define WINDOW_MAX (4u << 20)
#define WINDOW_RATE 1e9
#define BUF_SIZE (4 * WINDOW_MAX)
#define GRACE_SEC 2.0
#define POLL_SLICE_MS 200
#define PROGRESS_SEC 5.0
#define KNOWN_HOSTS_MAX (16u << 20)
#define DEFAULT_CONNECT_TIMEOUT 10.0
#define DEFAULT_IO_TIMEOUT 60.0

struct sk_sftp {
	const struct sk_sftp_cfg *cfg;
	int sock;
	LIBSSH2_SESSION *ssh;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_KNOWNHOSTS *known, *revoked;
	double grace_until;      /* a signal came: finish the current call by then */
	int broken;              /* transport failed or a call was abandoned */
	int kh_bad_line;         /* first known_hosts line libssh2 could not read */
	const char *auth_method; /* what logged us in */
	char peer[300];          /* "[host]:port", or "host" for port 22 */
	char keyscan[400];       /* the ssh-keyscan command for this server */
	char hostkey[160];       /* "ssh-ed25519 SHA256:..." of the server */
	char *buf;               /* upload buffer, BUF_SIZE bytes */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- waiting, and turning libssh2 failures into sk_err ---------------- */

/*
 * Wait until the socket is ready in the direction libssh2 is blocked on.
 * Fails with SK_E_TRANSIENT after io_timeout seconds of silence, or with
 * SK_E_INTERRUPTED when a signal came and the grace period ran out; either
 * way the pending libssh2 call is abandoned and the session marked broken.
 */
static int wait_socket(struct sk_sftp *s, struct sk_err *err)
{
	int dir = libssh2_session_block_directions(s->ssh);
	struct pollfd p = {.fd = s->sock, .events = 0, .revents = 0};
	double start = now();

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (!p.events)
		p.events = POLLIN;
	for (;;) {
		double limit = start + s->cfg->io_timeout, left;
		int rc;

		if (sk_interrupted() && s->grace_until == 0)
			s->grace_until = now() + GRACE_SEC;
		if (s->grace_until > 0 && s->grace_until < limit)
			limit = s->grace_until;
		left = limit - now();
		if (left <= 0) {
			s->broken = 1;
			if (s->grace_until > 0)
				return sk_err_set(err, SK_E_INTERRUPTED, "interrupted by signal %d",
						  sk_interrupt_signal());
			return sk_err_set(err, SK_E_TRANSIENT, "no answer from %s for %.0f s",
					  s->peer, s->cfg->io_timeout);
		}
		rc = poll(&p, 1, left * 1000 < POLL_SLICE_MS ? (int)(left * 1000) + 1 : POLL_SLICE_MS);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR) {
			s->broken = 1;
			return sk_err_set(err, SK_E_TRANSIENT, "poll: %s", strerror(errno));
		}
	}
}

/* Repeat a libssh2 call returning int while it says EAGAIN. */
#define NB_INT(rc, s, err, call)                                        \
	do {                                                            \
		while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN)         \
			if (wait_socket((s), (err)) < 0)                \
				break;                                  \
	} while (0)

/* The same for calls returning a pointer (NULL and last errno EAGAIN). */
#define NB_PTR(p, s, err, call)                                                    \
	do {                                                                       \
		while (!((p) = (call)) &&                                          \
		       libssh2_session_last_errno((s)->ssh) == LIBSSH2_ERROR_EAGAIN) \
			if (wait_socket((s), (err)) < 0)                           \
				break;                                             \
	} while (0)

static const char *fx_text(unsigned long fx)
{
	switch (fx) {
	case LIBSSH2_FX_EOF: return "end of file";
	case LIBSSH2_FX_NO_SUCH_FILE: return "no such file or directory";
	case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
	case LIBSSH2_FX_FAILURE: return "failure (the server gives no reason: disk full, or the target exists?)";
	case LIBSSH2_FX_BAD_MESSAGE: return "bad message";
	case LIBSSH2_FX_NO_CONNECTION: return "no connection";
	case LIBSSH2_FX_CONNECTION_LOST: return "connection lost";
	case LIBSSH2_FX_OP_UNSUPPORTED: return "operation not supported by the server";
	case LIBSSH2_FX_INVALID_HANDLE: return "invalid handle";
	case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
	case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
	case LIBSSH2_FX_WRITE_PROTECT: return "write protected";
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space left on the server";
	case LIBSSH2_FX_QUOTA_EXCEEDED: return "quota exceeded";
	case LIBSSH2_FX_NOT_A_DIRECTORY: return "not a directory";
	case LIBSSH2_FX_INVALID_FILENAME: return "invalid file name";
	default: return "error";
	}
}

/* The SFTP status of the last failed request, 0 when it was not one. */
static unsigned long fx_of(struct sk_sftp *s, int rc)
{
	return rc == LIBSSH2_ERROR_SFTP_PROTOCOL && s->sftp ? libssh2_sftp_last_error(s->sftp) : 0;
}

/* libssh2 codes that mean the connection failed, not that we were refused. */
static int ssh_code_transient(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_NONE:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_BAD_SOCKET:
		return 1;
	default:
		return 0;
	}
}

/*
 * Record the failure `rc` of a libssh2 call, with `fmt` saying what we were
 * doing, and return -1. EAGAIN means wait_socket() gave up and already said
 * why: only the context is added.
 */
static int ssh_fail(struct sk_sftp *s, int rc, struct sk_err *err, const char *fmt, ...)
	SK_PRINTF(4, 5);
static int ssh_fail(struct sk_sftp *s, int rc, struct sk_err *err, const char *fmt, ...)
{
	char what[PATH_MAX + 64];
	char *msg = NULL;
	unsigned long fx;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return sk_err_prefix(err, "%s", what);
	if ((fx = fx_of(s, rc)) != 0) {
		int lost = fx == LIBSSH2_FX_NO_CONNECTION || fx == LIBSSH2_FX_CONNECTION_LOST;

		return sk_err_set(err, lost ? SK_E_TRANSIENT : SK_E_PERMANENT, "%s: %s", what,
				  fx_text(fx));
	}
	libssh2_session_last_error(s->ssh, &msg, NULL, 0);
	if (ssh_code_transient(rc)) {
		s->broken = 1;
		return sk_err_set(err, SK_E_TRANSIENT, "%s: connection to %s lost (%s)", what,
				  s->peer, msg && *msg ? msg : "socket error");
	}
	return sk_err_set(err, SK_E_PERMANENT, "%s: %s", what, msg && *msg ? msg : "libssh2 error");
}

/* ---- TCP --------------------------------------------------------------- */

/* Wait for a non-blocking connect: 0, or the errno it failed with. */
static int wait_connect(int fd, double deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	for (;;) {
		double left = deadline - now();
		int rc;

		if (sk_interrupted())
			return EINTR;
		if (left <= 0)
			return ETIMEDOUT;
		rc = poll(&p, 1, left * 1000 < POLL_SLICE_MS ? (int)(left * 1000) + 1 : POLL_SLICE_MS);
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR)
			return errno;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return errno;
	return soerr;
}

static int tcp_connect(struct sk_sftp *s, struct sk_err *err)
{
	const struct sk_sftp_cfg *c = s->cfg;
	struct addrinfo hints, *res = NULL, *ai;
	double deadline = now() + c->connect_timeout;
	char port[16];
	int fd = -1, rc, last = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", c->port);
	rc = getaddrinfo(c->host, port, &hints, &res);
	if (rc != 0) {
		if (rc == EAI_AGAIN)
			return sk_err_set(err, SK_E_TRANSIENT, "resolve '%s': temporary failure in name resolution", c->host);
		if (rc == EAI_SYSTEM)
			return sk_err_set(err, SK_E_TRANSIENT, "resolve '%s': %s", c->host, strerror(errno));
		return sk_err_set(err, SK_E_PERMANENT, "resolve '%s': %s: check SFTP_HOST", c->host,
				  gai_strerror(rc));
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		last = errno == EINPROGRESS ? wait_connect(fd, deadline) : errno;
		if (last == 0)
			break;
		close(fd);
		fd = -1;
		if (last == EINTR || last == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (last == EINTR)
			return sk_err_set(err, SK_E_INTERRUPTED, "connect to %s: interrupted", s->peer);
		if (last == ETIMEDOUT)
			return sk_err_set(err, SK_E_TRANSIENT, "connect to %s: no answer within %.0f s",
					  s->peer, c->connect_timeout);
		/* refused, unreachable, reset: the server may be restarting */
		return sk_err_set(err, SK_E_TRANSIENT, "connect to %s: %s", s->peer, strerror(last));
	}
	/* no TCP_NODELAY: like OpenSSH's sftp, let Nagle merge the stream of
	 * 30 KB packets into full segments; requests wait for an answer
	 * anyway, so small ones are never held back */
	s->sock = fd;
	return 0;
}

/* ---- host keys --------------------------------------------------------- */

/* Host key types in our order of preference, as libssh2 and known_hosts name them. */
static const struct {
	int hostkey_type;  /* LIBSSH2_HOSTKEY_TYPE_* */
	int known_type;    /* LIBSSH2_KNOWNHOST_KEY_* */
	const char *method;
} key_types[] = {
	{LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
	{LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
	{LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
	{LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"},
};

/*
 * Read known_hosts line by line (libssh2_knownhost_readfile gives up on the
 * whole file at the first line it cannot parse, e.g. @cert-authority):
 * @revoked keys go to their own list, @cert-authority lines are skipped
 * (libssh2 has no certificates), unreadable lines remembered for a warning.
 */
static int load_known_hosts(struct sk_sftp *s, struct sk_err *err)
{
	const char *path = s->cfg->known_hosts;
	char *text = NULL, *line, *next;
	int lineno = 0, ret = -1;

	if (!(s->known = libssh2_knownhost_init(s->ssh)) ||
	    !(s->revoked = libssh2_knownhost_init(s->ssh))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(text = sk_read_small_file(path, KNOWN_HOSTS_MAX, 0, err))) {
		err->code = SK_E_USAGE;
		sk_err_prefix(err, "%s", sk_opt_given_as("--known-hosts"));
		goto out;
	}
	for (line = text; line; line = next) {
		LIBSSH2_KNOWNHOSTS *into = s->known;
		char *nl = strchr(line, '\n');

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (!*line || *line == '#' || *line == '\r')
			continue;
		if (!strncmp(line, "@cert-authority", 15))
			continue;
		if (!strncmp(line, "@revoked", 8)) {
			into = s->revoked;
			line += 8 + strspn(line + 8, " \t");
		}
		if (libssh2_knownhost_readline(into, line, strlen(line), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0 &&
		    !s->kh_bad_line)
			s->kh_bad_line = lineno;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

/*
 * Offer only the host key types known_hosts holds for this server (as
 * OpenSSH does): otherwise the server may pick a type we have no entry for
 * and a known server would look unknown. A probe with a dummy key answers
 * MISMATCH exactly when an entry of that type exists for the host.
 */
static int prefer_known_types(struct sk_sftp *s, struct sk_err *err)
{
	const char **algs = NULL;
	char prefs[256] = "";
	size_t used = 0;
	int n = libssh2_session_supported_algs(s->ssh, LIBSSH2_METHOD_HOSTKEY, &algs);

	for (size_t i = 0; i < SK_ARRAY_SIZE(key_types); i++) {
		int supported = 0, rc;

		for (int j = 0; j < n; j++)
			if (!strcmp(algs[j], key_types[i].method))
				supported = 1;
		if (!supported)
			continue;
		rc = libssh2_knownhost_checkp(s->known, s->cfg->host, s->cfg->port, "-", 1,
					      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
						      key_types[i].known_type,
					      NULL);
		if (rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			used += (size_t)snprintf(prefs + used, sizeof(prefs) - used, "%s%s",
						 used ? "," : "", key_types[i].method);
	}
	if (n > 0)
		libssh2_free(s->ssh, (void *)algs);
	if (used && libssh2_session_method_pref(s->ssh, LIBSSH2_METHOD_HOSTKEY, prefs) != 0)
		return sk_err_set(err, SK_E_PERMANENT, "host key types '%s': not supported", prefs);
	return 0;
}

/* "SHA256:base64" of the server's key, as ssh-keygen -l prints it. */
static void fingerprint(struct sk_sftp *s, char out[64])
{
	const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(s->ssh, LIBSSH2_HOSTKEY_HASH_SHA256);
	unsigned char b64[64];
	int n;

	if (!h) {
		snprintf(out, 64, "SHA256:?");
		return;
	}
	n = EVP_EncodeBlock(b64, h, 32);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	snprintf(out, 64, "SHA256:%.*s", n, (const char *)b64);
}

static int verify_hostkey(struct sk_sftp *s, struct sk_err *err)
{
	const struct sk_sftp_cfg *c = s->cfg;
	const char *key, *method = "unknown";
	struct libssh2_knownhost *found = NULL;
	size_t len = 0;
	int type = 0, known_type = LIBSSH2_KNOWNHOST_KEY_UNKNOWN, mask, rc;
	char fp[64];

	if (!(key = libssh2_session_hostkey(s->ssh, &len, &type)))
		return sk_err_set(err, SK_E_PERMANENT, "%s: the server sent no host key", s->peer);
	for (size_t i = 0; i < SK_ARRAY_SIZE(key_types); i++)
		if (key_types[i].hostkey_type == type) {
			known_type = key_types[i].known_type;
			method = key_types[i].method;
		}
	fingerprint(s, fp);
	snprintf(s->hostkey, sizeof(s->hostkey), "%s %s", method, fp);
	mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | known_type;
	if (libssh2_knownhost_checkp(s->revoked, c->host, c->port, key, len, mask, NULL) ==
	    LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return sk_err_set(err, SK_E_PERMANENT, "host key of %s (%s) is marked @revoked in '%s': refusing to connect",
				  s->peer, s->hostkey, c->known_hosts);
	rc = libssh2_knownhost_checkp(s->known, c->host, c->port, key, len, mask, &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return sk_err_set(err, SK_E_PERMANENT,
				  "host key of %s has changed: it is now %s, not the key in '%s': this may be an "
				  "attack (someone in the middle); if the key was changed on purpose, remove the "
				  "old entry with 'ssh-keygen -f %s -R \"%s\"', then add the new key with '%s >> %s'",
				  s->peer, s->hostkey, c->known_hosts, c->known_hosts, s->peer, s->keyscan,
				  c->known_hosts);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return sk_err_set(err, SK_E_PERMANENT,
				  "host key of %s (%s) is not in '%s': if this is the right server, add its key "
				  "with '%s >> %s' and check the fingerprint with the server's administrator",
				  s->peer, s->hostkey, c->known_hosts, s->keyscan, c->known_hosts);
	default:
		return sk_err_set(err, SK_E_PERMANENT, "host key of %s: cannot check it against '%s'",
				  s->peer, c->known_hosts);
	}
}

/* ---- login ------------------------------------------------------------- */

/*
 * The type of a private key file: "ssh-rsa", "ssh-ed25519", "ecdsa-...",
 * "ssh-dss", or "" when it cannot tell. The OpenSSH format keeps the public
 * key in clear even when the private part is encrypted, so this works for
 * keys with a passphrase too.
 */
static void key_file_type(const char *path, char out[64])
{
	struct sk_err e = SK_ERR_INIT;
	char *text = sk_read_small_file(path, 64 * 1024, 0, &e);
	unsigned char *bin = NULL;
	char *b64 = NULL, *p, *end;
	size_t n = 0, pos;
	uint32_t l;
	int len;

	out[0] = '\0';
	if (!text)
		return;
	if (strstr(text, "-----BEGIN RSA PRIVATE KEY-----"))
		snprintf(out, 64, "ssh-rsa");
	else if (strstr(text, "-----BEGIN EC PRIVATE KEY-----"))
		snprintf(out, 64, "ecdsa");
	else if (strstr(text, "-----BEGIN DSA PRIVATE KEY-----"))
		snprintf(out, 64, "ssh-dss");
	if (out[0] || !(p = strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----")) ||
	    !(end = strstr(p, "-----END OPENSSH PRIVATE KEY-----")))
		goto out;
	p += 35;
	if (!(b64 = malloc((size_t)(end - p) + 1)) || !(bin = malloc((size_t)(end - p) + 1)))
		goto out;
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ')
			b64[n++] = *p;
	len = EVP_DecodeBlock(bin, (unsigned char *)b64, (int)n);
	/* "openssh-key-v1\0", then strings cipher, kdf, kdf options, uint32
	 * count, string public key whose first field is the type */
	pos = 15;
	if (len < 15 || memcmp(bin, "openssh-key-v1", 15) != 0)
		goto out;
	for (int field = 0; field < 5; field++) {
		if (pos + 4 > (size_t)len)
			goto out;
		l = (uint32_t)bin[pos] << 24 | (uint32_t)bin[pos + 1] << 16 | (uint32_t)bin[pos + 2] << 8 | bin[pos + 3];
		pos += 4;
		if (field == 3)
			continue; /* the key count: no length-prefixed data */
		if (field == 4) {
			/* inside the public key blob: the type string */
			if (pos + 4 > (size_t)len)
				goto out;
			l = (uint32_t)bin[pos] << 24 | (uint32_t)bin[pos + 1] << 16 | (uint32_t)bin[pos + 2] << 8 | bin[pos + 3];
			pos += 4;
			if (l < 64 && pos + l <= (size_t)len)
				snprintf(out, 64, "%.*s", (int)l, (const char *)bin + pos);
			goto out;
		}
		if (l > (size_t)len - pos)
			goto out;
		pos += l;
	}
out:
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (b64) {
		explicit_bzero(b64, n);
		free(b64);
	}
	free(bin);
}

static int login(struct sk_sftp *s, struct sk_err *err)
{
	const struct sk_sftp_cfg *c = s->cfg;
	unsigned int ulen = (unsigned int)strlen(c->user);
	char methods[128], why[SK_ERR_MSG_MAX] = "", ktype[64];
	char *list;
	int rc;

	NB_PTR(list, s, err, libssh2_userauth_list(s->ssh, c->user, ulen));
	if (!list) {
		if (libssh2_userauth_authenticated(s->ssh)) {
			s->auth_method = "none";
			return 0;
		}
		return ssh_fail(s, libssh2_session_last_errno(s->ssh), err, "login to %s", s->peer);
	}
	snprintf(methods, sizeof(methods), "%s", list);
	if (c->key_file) {
		NB_INT(rc, s, err,
		       libssh2_userauth_publickey_fromfile_ex(s->ssh, c->user, ulen, NULL, c->key_file,
							      c->key_passphrase ? c->key_passphrase : ""));
		if (rc == 0) {
			s->auth_method = "publickey";
			return 0;
		}
		if (rc == LIBSSH2_ERROR_EAGAIN || ssh_code_transient(rc))
			return ssh_fail(s, rc, err, "login to %s", s->peer);
		key_file_type(c->key_file, ktype);
		if (rc == LIBSSH2_ERROR_FILE)
			snprintf(why, sizeof(why), "cannot use key '%s': wrong passphrase (SFTP_KEY_PASSPHRASE) or unsupported key format",
				 c->key_file);
		else if (!strcmp(ktype, "ssh-rsa"))
			snprintf(why, sizeof(why), "RSA key '%s' refused: libssh2 1.10 signs RSA keys only with SHA-1 (ssh-rsa), "
				 "which OpenSSH 8.8 and later refuse; use an ed25519 or ecdsa key (ssh-keygen -t ed25519)",
				 c->key_file);
		else if (!strstr(methods, "publickey"))
			snprintf(why, sizeof(why), "the server does not accept keys (it accepts: %s)", methods);
		else
			snprintf(why, sizeof(why), "key '%s' refused for user '%s' (is its .pub in the user's authorized_keys?)",
				 c->key_file, c->user);
	}
	if (c->password) {
		NB_INT(rc, s, err,
		       libssh2_userauth_password_ex(s->ssh, c->user, ulen, c->password,
						    (unsigned int)strlen(c->password), NULL));
		if (rc == 0) {
			s->auth_method = "password";
			return 0;
		}
		if (rc == LIBSSH2_ERROR_EAGAIN || ssh_code_transient(rc))
			return ssh_fail(s, rc, err, "login to %s", s->peer);
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", *why ? "; " : "",
			 rc == LIBSSH2_ERROR_PASSWORD_EXPIRED ? "password expired"
			 : !strstr(methods, "password") ? "the server does not accept passwords"
							: "password refused (SFTP_PASSWORD or SFTP_PASSWORD_FILE)");
	}
	return sk_err_set(err, SK_E_PERMANENT, "login to %s as '%s' refused: %s (the server accepts: %s)",
			  s->peer, c->user, why, methods);
}

/* ---- session ----------------------------------------------------------- */

static struct sk_sftp *session_new(const struct sk_sftp_cfg *c, struct sk_err *err)
{
	static int ssh_ready;
	struct sk_sftp *s;

	if (!ssh_ready) {
		if (libssh2_init(0) != 0) {
			sk_err_set(err, SK_E_PERMANENT, "libssh2 cannot start");
			return NULL;
		}
		ssh_ready = 1;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	s->cfg = c;
	s->sock = -1;
	if (c->port == 22) {
		snprintf(s->peer, sizeof(s->peer), "%s", c->host);
		snprintf(s->keyscan, sizeof(s->keyscan), "ssh-keyscan %s", c->host);
	} else {
		snprintf(s->peer, sizeof(s->peer), "[%s]:%d", c->host, c->port);
		snprintf(s->keyscan, sizeof(s->keyscan), "ssh-keyscan -p %d %s", c->port, c->host);
	}
	if (!(s->ssh = libssh2_session_init())) {
		free(s);
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	libssh2_session_set_blocking(s->ssh, 0);
	return s;
}

/* SSH handshake and host key check, on a connected socket. */
static int session_handshake(struct sk_sftp *s, struct sk_err *err)
{
	int rc;

	if (load_known_hosts(s, err) < 0 || prefer_known_types(s, err) < 0)
		return -1;
	NB_INT(rc, s, err, libssh2_session_handshake(s->ssh, s->sock));
	if (rc != 0) {
		ssh_fail(s, rc, err, "ssh handshake with %s", s->peer);
		if (rc == LIBSSH2_ERROR_KEX_FAILURE)
			sk_err_prefix(err, "no common algorithms (an RSA-only server needs ssh-rsa host keys, refused by "
					   "OpenSSH 8.8+ unless enabled)");
		return -1;
	}
	return verify_hostkey(s, err);
}

static int session_sftp(struct sk_sftp *s, struct sk_err *err)
{
	NB_PTR(s->sftp, s, err, libssh2_sftp_init(s->ssh));
	if (!s->sftp)
		return ssh_fail(s, libssh2_session_last_errno(s->ssh), err, "start SFTP on %s", s->peer);
	if (!(s->buf = malloc(BUF_SIZE)))
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	return 0;
}

void sk_sftp_close(struct sk_sftp *s)
{
	int rc;
	struct sk_err ignored = SK_ERR_INIT;

	if (!s)
		return;
	if (s->ssh) {
		/* a polite goodbye only on a healthy session, bounded by the grace */
		if (!s->broken && s->sock >= 0) {
			if (s->grace_until == 0 || s->grace_until < now())
				s->grace_until = now() + GRACE_SEC;
			if (s->sftp)
				NB_INT(rc, s, &ignored, libssh2_sftp_shutdown(s->sftp));
			if (!s->broken)
				NB_INT(rc, s, &ignored,
				       libssh2_session_disconnect_ex(s->ssh, SSH_DISCONNECT_BY_APPLICATION, "done", ""));
			(void)rc;
		}
		if (s->known)
			libssh2_knownhost_free(s->known);
		if (s->revoked)
			libssh2_knownhost_free(s->revoked);
		libssh2_session_free(s->ssh);
	}
	if (s->sock >= 0)
		close(s->sock);
	free(s->buf);
	free(s);
}

struct sk_sftp *sk_sftp_open(const struct sk_sftp_cfg *cfg, struct sk_err *err)
{
	struct sk_sftp *s = session_new(cfg, err);

	if (!s)
		return NULL;
	if (tcp_connect(s, err) < 0 || session_handshake(s, err) < 0 || login(s, err) < 0 ||
	    session_sftp(s, err) < 0) {
		sk_sftp_close(s);
		return NULL;
	}
	return s;
}

/* ---- remote files ------------------------------------------------------ */

/* 1 exists (attributes in `a`), 0 absent, -1 error. */
static int remote_stat(struct sk_sftp *s, const char *path, LIBSSH2_SFTP_ATTRIBUTES *a,
		       struct sk_err *err)
{
	int rc;
	unsigned long fx;

	NB_INT(rc, s, err, libssh2_sftp_stat_ex(s->sftp, path, (unsigned int)strlen(path), LIBSSH2_SFTP_STAT, a));
	if (rc == 0)
		return 1;
	fx = fx_of(s, rc);
	if (fx == LIBSSH2_FX_NO_SUCH_FILE || fx == LIBSSH2_FX_NO_SUCH_PATH)
		return 0;
	return ssh_fail(s, rc, err, "stat '%s'", path);
}

/* Remove a remote file; a missing one is fine. 0 or -1. */
static int remote_unlink(struct sk_sftp *s, const char *path, struct sk_err *err)
{
	int rc;
	unsigned long fx;

	NB_INT(rc, s, err, libssh2_sftp_unlink_ex(s->sftp, path, (unsigned int)strlen(path)));
	if (rc == 0)
		return 0;
	fx = fx_of(s, rc);
	if (fx == LIBSSH2_FX_NO_SUCH_FILE || fx == LIBSSH2_FX_NO_SUCH_PATH)
		return 0;
	return ssh_fail(s, rc, err, "remove '%s'", path);
}

int sk_sftp_mkdir_p(struct sk_sftp *s, const char *dir, int *created, struct sk_err *err)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	char path[PATH_MAX];
	size_t len;
	int rc, made = 0;

	if (created)
		*created = 0;
	if (!dir || !*dir)
		return 0;
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return sk_err_set(err, SK_E_USAGE, "remote directory '%s': too long", dir);
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	/* the common case, one round trip: it is there already */
	rc = remote_stat(s, path, &a, err);
	if (rc < 0)
		return -1;
	if (rc == 1 && LIBSSH2_SFTP_S_ISDIR(a.permissions))
		return 0;
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		rc = made ? 0 : remote_stat(s, path, &a, err);
		if (rc < 0)
			return -1;
		if (rc == 1 && !LIBSSH2_SFTP_S_ISDIR(a.permissions))
			return sk_err_set(err, SK_E_PERMANENT, "remote '%s' exists and is not a directory", path);
		if (rc == 0) {
			NB_INT(rc, s, err, libssh2_sftp_mkdir_ex(s->sftp, path, (unsigned int)strlen(path), 0755));
			if (rc != 0) {
				struct sk_err e2 = SK_ERR_INIT;

				/* created meanwhile by someone else: fine */
				if (rc == LIBSSH2_ERROR_EAGAIN || remote_stat(s, path, &a, &e2) != 1 ||
				    !LIBSSH2_SFTP_S_ISDIR(a.permissions))
					return ssh_fail(s, rc, err, "create remote directory '%s'", path);
			} else {
				made++;
			}
		}
		if (i < len)
			path[i] = '/';
	}
	if (created)
		*created = made;
	return 0;
}

/* Close `h` (if any) and remove `part`, best effort, keeping `err` as it is. */
static void discard_part(struct sk_sftp *s, LIBSSH2_SFTP_HANDLE *h, const char *part)
{
	struct sk_err ignored = SK_ERR_INIT;
	int rc;

	if (s->broken)
		return; /* the session is gone: the next run removes the stale .part */
	if (sk_interrupted())
		s->grace_until = now() + GRACE_SEC; /* a fresh, short budget for the clean-up */
	if (h)
		NB_INT(rc, s, &ignored, libssh2_sftp_close_handle(h));
	if (!s->broken)
		(void)remote_unlink(s, part, &ignored);
	(void)rc;
}

/*
 * Rename `from` to `to`, replacing `to`. SFTPv3 (OpenSSH) refuses to
 * rename onto an existing file, whatever the flags say, and libssh2 1.10
 * has no posix-rename: then remove `to` and rename again. `*replaced` is
 * set when an old file was removed.
 */
static int rename_over(struct sk_sftp *s, const char *from, const char *to, int *replaced,
		       struct sk_err *err)
{
	LIBSSH2_SFTP_ATTRIBUTES a;
	long flags = LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;
	unsigned long fx;
	int rc, exists;

	*replaced = 0;
	NB_INT(rc, s, err,
	       libssh2_sftp_rename_ex(s->sftp, from, (unsigned int)strlen(from), to, (unsigned int)strlen(to), flags));
	if (rc == 0)
		return 0;
	fx = fx_of(s, rc);
	if (fx != LIBSSH2_FX_FAILURE && fx != LIBSSH2_FX_FILE_ALREADY_EXISTS)
		return ssh_fail(s, rc, err, "rename '%s' to '%s'", from, to);
	exists = remote_stat(s, to, &a, err);
	if (exists < 0)
		return -1;
	if (exists == 0 || LIBSSH2_SFTP_S_ISDIR(a.permissions))
		return sk_err_set(err, SK_E_PERMANENT, "rename '%s' to '%s': %s", from, to,
				  exists ? "the target is a directory" : fx_text(fx));
	/* from here until the rename below, `to` is absent on the server */
	if (remote_unlink(s, to, err) < 0)
		return sk_err_prefix(err, "replace '%s'", to);
	NB_INT(rc, s, err,
	       libssh2_sftp_rename_ex(s->sftp, from, (unsigned int)strlen(from), to, (unsigned int)strlen(to), flags));
	if (rc != 0)
		return ssh_fail(s, rc, err, "rename '%s' to '%s'", from, to);
	*replaced = 1;
	return 0;
}

/*
 * Read up to `window` more bytes of the file after the len bytes at
 * buf + off, first moving those down when the end of the buffer is near.
 */
static ssize_t refill(struct sk_sftp *s, int fd, size_t *off, size_t len, size_t window)
{
	size_t room;
	ssize_t n;

	if (*off + len + window > BUF_SIZE) {
		memmove(s->buf, s->buf + *off, len);
		*off = 0;
	}
	room = BUF_SIZE - *off - len;
	do
		n = read(fd, s->buf + *off + len, room < window ? room : window);
	while (n < 0 && errno == EINTR && !sk_interrupted());
	return n;
}

/* Bytes to keep in flight for a round trip of `rtt` seconds. */
static size_t pick_window(double rtt)
{
	double want = rtt * WINDOW_RATE;

	if (!(want > WINDOW_MIN))
		return WINDOW_MIN;
	if (want > WINDOW_MAX)
		return WINDOW_MAX;
	return (size_t)want;
}

/*
 * The SHA-256 of the file, computed by a second thread from the same open
 * file (pread: the same inode, even if the name is replaced meanwhile) while
 * the first one sends. libssh2 1.10 encrypts 16 bytes per OpenSSL call and
 * keeps one core busy; hashing beside it keeps the upload as fast as the
 * OpenSSH client, which also spreads the work over two processes.
 */
struct hasher {
	pthread_t thread;
	int fd, started, rc;
	atomic_int stop;
	unsigned long long bytes;
	char hex[SK_SHA256_HEX_LEN + 1];
	struct sk_err err;
};

static void *hasher_main(void *arg)
{
	struct hasher *hs = arg;
	struct sk_sha256 *h = sk_sha256_open(&hs->err);
	char *block = malloc(1u << 20);
	off_t at = 0;
	ssize_t n = 0;

	hs->rc = -1;
	if (!h || !block) {
		if (h)
			sk_err_set(&hs->err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	while (!atomic_load(&hs->stop) && (n = pread(hs->fd, block, 1u << 20, at)) > 0) {
		sk_sha256_update(h, block, (size_t)n);
		at += n;
	}
	if (n < 0) {
		sk_err_set(&hs->err, SK_E_IO, "read: %s", strerror(errno));
		goto out;
	}
	sk_sha256_hex(h, hs->hex);
	hs->bytes = (unsigned long long)at;
	hs->rc = 0;
out:
	free(block);
	sk_sha256_close(h);
	return NULL;
}

/* Start hashing `fd`; when no thread can be had, hasher_join() does it. */
static void hasher_start(struct hasher *hs, int fd)
{
	memset(hs, 0, sizeof(*hs));
	hs->fd = fd;
	atomic_init(&hs->stop, 0);
	/* signals stay with the sending thread, whose polls must see them */
	hs->started = sk_thread_start(&hs->thread, hasher_main, hs) == 0;
}

/* Wait for the hash (or, with `abandon`, stop it). 0, or -1 with `err`. */
static int hasher_join(struct hasher *hs, int abandon, struct sk_err *err)
{
	if (abandon)
		atomic_store(&hs->stop, 1);
	if (hs->started)
		pthread_join(hs->thread, NULL);
	else if (!abandon)
		hasher_main(hs);
	hs->started = 0;
	if (abandon)
		return 0;
	if (hs->rc < 0) {
		*err = hs->err;
		return -1;
	}
	return 0;
}

int sk_sftp_put(struct sk_sftp *s, const char *local, const char *remote,
		sk_sftp_progress_fn progress, void *ctx, struct sk_sftp_put_info *info,
		struct sk_err *err)
{
	LIBSSH2_SFTP_HANDLE *h = NULL;
	LIBSSH2_SFTP_ATTRIBUTES a;
	struct hasher hs = {0};
	struct stat st;
	char part[PATH_MAX];
	size_t off = 0, len = 0, window;
	unsigned long long acked = 0, queued = 0;
	double t0 = now(), last_report = t0, rtt, t;
	int fd = -1, eof = 0, stopping = 0, rc, ret = -1, part_made = 0, hashing = 0;

	memset(info, 0, sizeof(*info));
	if (snprintf(part, sizeof(part), "%s.part", remote) >= (int)sizeof(part))
		return sk_err_set(err, SK_E_USAGE, "remote path '%s': too long", remote);
	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", local, strerror(errno));
		goto out;
	}
	hasher_start(&hs, fd);
	hashing = 1;
	/* a .part left by a killed run goes first: it can never be mistaken
	 * for ours, and the directory does not collect them */
	t = now();
	if (remote_unlink(s, part, err) < 0)
		goto out;
	rtt = now() - t;
	t = now();
	NB_PTR(h, s, err,
	       libssh2_sftp_open_ex(s->sftp, part, (unsigned int)strlen(part),
				    LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0644,
				    LIBSSH2_SFTP_OPENFILE));
	if (!h) {
		ssh_fail(s, libssh2_session_last_errno(s->ssh), err, "create '%s'", part);
		goto out;
	}
	part_made = 1;
	/* each was one request and its answer: the faster one is the round trip */
	t = now() - t;
	if (t < rtt)
		rtt = t;
	window = pick_window(rtt);
	sk_debugf("'%s': %zu KiB in flight (round trip %.3f ms)", part, window >> 10, rtt * 1e3);
	for (;;) {
		size_t pass;
		ssize_t n;

		if (!stopping && !eof && len < window) {
			n = refill(s, fd, &off, len, window);
			if (n < 0) {
				sk_err_set(err, SK_E_IO, "read '%s': %s", local, strerror(errno));
				goto out;
			}
			if (n == 0)
				eof = 1;
			len += (size_t)n;
		}
		/*
		 * On SIGTERM, stop reading but let libssh2 finish what it
		 * queued: an SFTP request may be half sent, and anything sent
		 * after it (our close, our remove) would be read as its data.
		 */
		if (sk_interrupted())
			stopping = 1;
		if (stopping)
			pass = (size_t)(queued - acked);
		else
			pass = len < window ? len : window;
		if (pass == 0)
			break;
		if (acked + pass > queued)
			queued = acked + pass;
		/* Always from the first unacknowledged byte: libssh2 skips what it
		 * has already queued and queues the rest. */
		n = libssh2_sftp_write(h, s->buf + off, pass);
		if (n == LIBSSH2_ERROR_EAGAIN) {
			if (wait_socket(s, err) < 0) {
				sk_err_prefix(err, "write '%s'", part);
				goto out;
			}
			continue;
		}
		if (n < 0) {
			ssh_fail(s, (int)n, err, "write '%s'", part);
			goto out;
		}
		off += (size_t)n;
		len -= (size_t)n;
		acked += (unsigned long long)n;
		if (progress && now() - last_report >= PROGRESS_SEC) {
			last_report = now();
			progress(ctx, acked, (unsigned long long)st.st_size, last_report - t0);
		}
	}
	if (stopping) {
		sk_err_set(err, SK_E_INTERRUPTED, "write '%s': interrupted by signal %d", part,
			   sk_interrupt_signal());
		goto out;
	}
	NB_INT(rc, s, err, libssh2_sftp_fsync(h));
	if (rc == 0) {
		info->fsynced = 1;
	} else if (fx_of(s, rc) == LIBSSH2_FX_OP_UNSUPPORTED ||
		   fx_of(s, rc) == LIBSSH2_FX_PERMISSION_DENIED) {
		/* a server without fsync@openssh.com answers "unsupported", one
		 * whose admin turned it off (sftp-server -P fsync) "permission
		 * denied": the file is stored all the same, the size check
		 * still holds, and the caller says it was not fsynced */
		info->fsync_refused = fx_of(s, rc) == LIBSSH2_FX_PERMISSION_DENIED;
	} else {
		ssh_fail(s, rc, err, "fsync '%s'", part);
		goto out;
	}
	NB_INT(rc, s, err, libssh2_sftp_fstat_ex(h, &a, 0));
	if (rc != 0) {
		ssh_fail(s, rc, err, "stat '%s'", part);
		goto out;
	}
	NB_INT(rc, s, err, libssh2_sftp_close_handle(h));
	if (rc != 0) {
		if (rc != LIBSSH2_ERROR_EAGAIN)
			h = NULL; /* libssh2 freed it */
		ssh_fail(s, rc, err, "close '%s'", part);
		goto out;
	}
	h = NULL;
	hashing = 0;
	if (hasher_join(&hs, 0, err) < 0) {
		sk_err_prefix(err, "'%s'", local);
		goto out;
	}
	if (acked != (unsigned long long)st.st_size || hs.bytes != acked) {
		sk_err_set(err, SK_E_IO, "'%s' changed while it was sent (%lld bytes before, %llu after)",
			   local, (long long)st.st_size, acked);
		goto out;
	}
	if (!(a.flags & LIBSSH2_SFTP_ATTR_SIZE) || a.filesize != acked) {
		sk_err_set(err, SK_E_PERMANENT, "'%s' on the server has %llu bytes, not the %llu sent", part,
			   (unsigned long long)a.filesize, acked);
		goto out;
	}
	if (rename_over(s, part, remote, &info->replaced, err) < 0)
		goto out;
	part_made = 0;
	info->bytes = acked;
	memcpy(info->sha256, hs.hex, sizeof(info->sha256));
	info->seconds = now() - t0;
	ret = 0;
out:
	if (hashing)
		(void)hasher_join(&hs, 1, NULL);
	if (part_made)
		discard_part(s, h, part);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- configuration ----------------------------------------------------- */

/* A configuration with its owned secrets. */
struct conf {
	struct sk_sftp_cfg cfg;
	char *password, *passphrase;
};

static void conf_release(struct conf *c)
{
	sk_upload_secret_free(c->password);
	sk_upload_secret_free(c->passphrase);
	memset(c, 0, sizeof(*c));
}

static int conf_init(struct conf *c, const struct sk_sftp_opts *o, struct sk_err *err)
{
	struct sk_sftp_cfg *g = &c->cfg;
	long long port = 22;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if (!o->host || !*o->host) {
		sk_err_set(err, SK_E_USAGE, "no server: set SFTP_HOST (--host)");
		goto out;
	}
	if (o->port && *o->port &&
	    (sk_parse_int(o->port, strlen(o->port), &port) < 0 || port < 1 || port > 65535)) {
		sk_err_set(err, SK_E_USAGE, "%s '%s': expected a port number from 1 to 65535",
			   sk_opt_given_as("--port"), o->port);
		goto out;
	}
	if (!o->user || !*o->user) {
		sk_err_set(err, SK_E_USAGE, "no user: set SFTP_USER (--user)");
		goto out;
	}
	if (!o->known_hosts || !*o->known_hosts) {
		sk_err_set(err, SK_E_USAGE,
			   "no known_hosts file: set SFTP_KNOWN_HOSTS (--known-hosts) to a file holding the server's "
			   "host key, e.g. made with 'ssh-keyscan -p %lld %s > known_hosts' (check the fingerprint "
			   "with the server's administrator); unknown servers are never trusted",
			   port, o->host);
		goto out;
	}
	if (access(o->known_hosts, R_OK) != 0) {
		sk_err_set(err, SK_E_USAGE, "%s '%s': %s", sk_opt_given_as("--known-hosts"),
			   o->known_hosts, strerror(errno));
		goto out;
	}
	if (o->key_file && *o->key_file && access(o->key_file, R_OK) != 0) {
		sk_err_set(err, SK_E_USAGE, "%s '%s': %s", sk_opt_given_as("--key-file"), o->key_file,
			   strerror(errno));
		goto out;
	}
	if (sk_upload_seconds(o->connect_timeout, sk_opt_given_as("--connect-timeout"),
			      DEFAULT_CONNECT_TIMEOUT, &g->connect_timeout, err) < 0 ||
	    sk_upload_seconds(o->timeout, sk_opt_given_as("--timeout"), DEFAULT_IO_TIMEOUT,
			      &g->io_timeout, err) < 0)
		goto out;
	if (sk_upload_secret("SFTP_PASSWORD", 0, &c->password, err) < 0 ||
	    sk_upload_secret("SFTP_KEY_PASSPHRASE", 0, &c->passphrase, err) < 0)
		goto out;
	if (!c->password && !(o->key_file && *o->key_file)) {
		sk_err_set(err, SK_E_USAGE,
			   "no credentials: set SFTP_PASSWORD (or SFTP_PASSWORD_FILE) or SFTP_KEY_FILE (--key-file)");
		goto out;
	}
	g->host = o->host;
	g->port = (int)port;
	g->user = o->user;
	g->password = c->password;
	g->key_file = o->key_file && *o->key_file ? o->key_file : NULL;
	g->key_passphrase = c->passphrase;
	g->known_hosts = o->known_hosts;
	g->remote_dir = o->remote_dir ? o->remote_dir : "";
	ret = 0;
out:
	if (ret < 0)
		conf_release(c);
	return ret;
}

/* "sftp://host:port" + the remote path (relative paths under "/~/", as curl writes them). */
static void remote_url(const struct sk_sftp_cfg *c, const char *remote, char out[PATH_MAX])
{
	int v6 = strchr(c->host, ':') != NULL;

	snprintf(out, PATH_MAX, "sftp://%s%s%s:%d%s%s", v6 ? "[" : "", c->host, v6 ? "]" : "", c->port,
		 remote[0] == '/' ? "" : "/~/", remote);
}

/* ---- the upload-sftp step ---------------------------------------------- */

struct upfile {
	char local[PATH_MAX];
	char remote[PATH_MAX];
	const char *name; /* in `local` */
	int done;
};

struct upload {
	struct sk_step *step;
	const struct sk_sftp_cfg *cfg;
	struct upfile *files;
	int nfiles;
	const char *current;
};

static void log_progress(void *ctx, unsigned long long sent, unsigned long long total, double secs)
{
	struct upload *u = ctx;

	sk_log_fields(SK_LOG_INFO, (struct sk_log_field[]){{"bytes", (long long)sent, NULL}}, 1,
		      "put '%s': %.1f of %.1f MiB, %.1f MiB/s", u->current, (double)sent / 1048576.0,
		      (double)total / 1048576.0, secs > 0 ? (double)sent / 1048576.0 / secs : 0.0);
}

/* One attempt: one session, every file not stored yet. */
static int upload_attempt(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct upload *u = ctx;
	struct sk_sftp *s;
	int ret = -1;

	if (!(s = sk_sftp_open(u->cfg, err)))
		return -1;
	if (s->kh_bad_line && st->attempt == 1)
		sk_warnf("'%s': line %d: not a known_hosts entry libssh2 can read, ignored", u->cfg->known_hosts,
			 s->kh_bad_line);
	sk_debugf("connected to %s (%s, %s, %s, %s), logged in as '%s' by %s", s->peer, s->hostkey,
		  libssh2_session_methods(s->ssh, LIBSSH2_METHOD_KEX),
		  libssh2_session_methods(s->ssh, LIBSSH2_METHOD_CRYPT_CS),
		  libssh2_session_methods(s->ssh, LIBSSH2_METHOD_MAC_CS), u->cfg->user, s->auth_method);
	if (sk_sftp_mkdir_p(s, u->cfg->remote_dir, NULL, err) < 0)
		goto out;
	for (int i = 0; i < u->nfiles; i++) {
		struct upfile *f = &u->files[i];
		struct sk_sftp_put_info info;
		char url[PATH_MAX];

		if (f->done)
			continue;
		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "interrupted by signal %d before '%s'",
				   sk_interrupt_signal(), f->name);
			goto out;
		}
		u->current = f->name;
		if (sk_sftp_put(s, f->local, f->remote, log_progress, u, &info, err) < 0)
			goto out;
		f->done = 1;
		remote_url(u->cfg, f->remote, url);
		sk_upload_record(u->step, &(struct sk_upload_record){.source = f->local,
								    .remote = url,
								    .bytes = info.bytes,
								    .sha256 = info.sha256,
								    .seconds = info.seconds});
		sk_log_fields(SK_LOG_INFO,
			      (struct sk_log_field[]){{"bytes", (long long)info.bytes, NULL},
						      {"sha256", 0, info.sha256}},
			      2, "put '%s' to %s:%s: %llu bytes in %.2f s (%.1f MiB/s)%s%s", f->name, s->peer,
			      f->remote, info.bytes, info.seconds,
			      info.seconds > 0 ? (double)info.bytes / 1048576.0 / info.seconds : 0.0,
			      info.replaced ? ", replaced the old file" : "",
			      info.fsynced	   ? ""
			      : info.fsync_refused ? ", not fsynced (the server refuses fsync@openssh.com)"
						   : ", not fsynced (unsupported by the server)");
	}
	ret = 0;
out:
	sk_sftp_close(s);
	return ret;
}

/* Resolve and check the local files before any connection. */
static int local_files(struct sk_step *step, const struct sk_sftp_cfg *c, const char *const *names,
		       int n, int follow, struct upfile *files, struct sk_err *err)
{
	for (int i = 0; i < n; i++) {
		struct upfile *f = &files[i];
		const char *dir = c->remote_dir;
		size_t dl = strlen(dir);

		if (sk_upload_local(step, names[i], f->local, &f->name, follow, err) < 0)
			return -1;
		if (access(f->local, R_OK) < 0)
			return sk_err_set(err, SK_E_IO, "'%s': %s", f->local, strerror(errno));
		for (int j = 0; j < i; j++)
			if (!strcmp(files[j].name, f->name))
				return sk_err_set(err, SK_E_USAGE, "'%s' and '%s' would both be stored as '%s'",
						  files[j].local, f->local, f->name);
		if (snprintf(f->remote, PATH_MAX, "%s%s%s", dir, dl && dir[dl - 1] != '/' ? "/" : "",
			     f->name) >= PATH_MAX - 8)
			return sk_err_set(err, SK_E_USAGE, "remote path for '%s': too long", f->name);
		sk_step_input(step, f->local);
	}
	return 0;
}

int sk_sftp_upload_step(struct sk_step *step, const struct sk_sftp_opts *o, int argc,
			char **argv, struct sk_err *err)
{
	struct sk_retry_policy policy;
	struct sk_retry_state st = {0};
	struct conf c;
	struct upload u = {0};
	const char *const *names;
	char server[PATH_MAX];
	int n = sk_upload_names(argc, argv, &names), ret = -1, have_conf = 0, follow = 0;

	sk_upload_counts_begin(step);
	if (conf_init(&c, o, err) < 0)
		goto out;
	have_conf = 1;
	if (sk_step_retry_policy(&policy, err) < 0)
		goto out;
	if (!(u.files = calloc((size_t)n, sizeof(*u.files)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (sk_upload_bool(o->follow_symlinks, sk_opt_given_as("--follow-symlinks"), &follow,
			   err) < 0 ||
	    local_files(step, &c.cfg, names, n, follow, u.files, err) < 0)
		goto out;
	u.step = step;
	u.cfg = &c.cfg;
	u.nfiles = n;
	remote_url(&c.cfg, "", server);
	server[strlen(server) - 3] = '\0'; /* drop the "/~/" */
	sk_step_detail(step, "server", server);
	sk_step_detail(step, "remote_dir", c.cfg.remote_dir);
	ret = sk_retry(&policy, upload_attempt, &u, &st, err);
	sk_step_count(step, "attempts", st.attempt);
out:
	free(u.files);
	if (have_conf)
		conf_release(&c);
	return ret;
}

/* ---- upload-sftp --check ----------------------------------------------- */

/* Create and remove a probe file (and any directory made for it). */
static int probe_dir(struct sk_sftp *s, const char *dir, struct sk_err *err)
{
	struct sk_err ignored = SK_ERR_INIT;
	LIBSSH2_SFTP_HANDLE *h = NULL;
	char probe[PATH_MAX], path[PATH_MAX];
	size_t dl = strlen(dir);
	ssize_t n;
	int created = 0, rc, ret = -1;

	if (sk_sftp_mkdir_p(s, dir, &created, err) < 0)
		return -1;
	snprintf(probe, sizeof(probe), "%s%s.stepkit-check-%ld", dir, dl && dir[dl - 1] != '/' ? "/" : "",
		 (long)getpid());
	NB_PTR(h, s, err,
	       libssh2_sftp_open_ex(s->sftp, probe, (unsigned int)strlen(probe),
				    LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0644,
				    LIBSSH2_SFTP_OPENFILE));
	if (!h)
		return ssh_fail(s, libssh2_session_last_errno(s->ssh), err, "create '%s'", probe);
	NB_INT(n, s, err, libssh2_sftp_write(h, "stepkit check\n", 14));
	if (n == 14)
		ret = 0;
	else
		ssh_fail(s, n < 0 ? (int)n : LIBSSH2_ERROR_SFTP_PROTOCOL, err, "write '%s'", probe);
	NB_INT(rc, s, &ignored, libssh2_sftp_close_handle(h));
	if (remote_unlink(s, probe, ret == 0 ? err : &ignored) < 0)
		ret = -1;
	/* remove the directories made for the probe, deepest first */
	snprintf(path, sizeof(path), "%s", dir);
	for (int i = 0; i < created && ret == 0; i++) {
		char *slash;
		size_t l = strlen(path);

		while (l > 1 && path[l - 1] == '/')
			path[--l] = '\0';
		NB_INT(rc, s, err, libssh2_sftp_rmdir_ex(s->sftp, path, (unsigned int)strlen(path)));
		if (rc != 0)
			return ssh_fail(s, rc, err, "remove the probe directory '%s'", path);
		if (!(slash = strrchr(path, '/')))
			break;
		*slash = '\0';
	}
	return ret;
}

int sk_sftp_check_step(struct sk_step *step, const struct sk_sftp_opts *o, struct sk_err *err)
{
	struct sk_sftp *s = NULL;
	struct conf c;
	const char *dir;
	int ret = -1, have_conf = 0;

	(void)step;
	if (conf_init(&c, o, err) < 0) {
		sk_err_prefix(err, "check failed: configuration");
		goto out;
	}
	have_conf = 1;
	dir = *c.cfg.remote_dir ? c.cfg.remote_dir : ".";
	sk_infof("check: configuration ok: user '%s' at %s:%d, %s, host keys from '%s'", c.cfg.user,
		 c.cfg.host, c.cfg.port, c.cfg.key_file ? "key login" : "password login", c.cfg.known_hosts);
	if (!(s = session_new(&c.cfg, err)))
		goto out;
	if (tcp_connect(s, err) < 0) {
		sk_err_prefix(err, "check failed: server not reachable");
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			 ": is the server up, are SFTP_HOST and SFTP_PORT right, is a firewall in the way?");
		goto out;
	}
	sk_infof("check: server reachable: %s", s->peer);
	if (session_handshake(s, err) < 0) {
		sk_err_prefix(err, "check failed: host key");
		goto out;
	}
	if (s->kh_bad_line)
		sk_warnf("'%s': line %d: not a known_hosts entry libssh2 can read, ignored", c.cfg.known_hosts,
			 s->kh_bad_line);
	sk_infof("check: host key ok: %s is in '%s'", s->hostkey, c.cfg.known_hosts);
	if (login(s, err) < 0) {
		sk_err_prefix(err, "check failed: login");
		goto out;
	}
	sk_infof("check: login ok: user '%s' by %s", c.cfg.user, s->auth_method);
	if (session_sftp(s, err) < 0 || probe_dir(s, dir, err) < 0) {
		sk_err_prefix(err, "check failed: remote directory '%s' not writable", dir);
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			 ": fix SFTP_REMOTE_DIR or ask the server's administrator for write access");
		goto out;
	}
	sk_infof("check: remote directory '%s' is writable", dir);
	ret = 0;
out:
	sk_sftp_close(s);
	if (have_conf)
		conf_release(&c);
	return ret;
}
