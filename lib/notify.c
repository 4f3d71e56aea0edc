#include "base.h"
#include "notify.h"
#include "fsutil.h"
#include "k8sname.h"
#include "log.h"
#include "mime.h"
#include "money.h"
#include "retry.h"
#include "safepath.h"
#include "sha256.h"
#include "sig.h"
#include "smtp.h"
#include "summary.h"
#include "upload_step.h"
#include "webhook.h"

#include <fcntl.h>
#include <jansson.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The step's own name: its earlier event is not part of the run it reports. */
#define SELF "notify"
#define BODY_MAX (4 * 1024 * 1024)

struct cfg {
	struct sk_mail_addr from;
	struct sk_mail_addrs to, cc, to_warn, to_crit;
	struct sk_mail_addrs hdr_to; /* To: MAIL_TO and the level's extra recipients */
	const char *rcpt[2 * SK_MAIL_MAX_RCPT]; /* envelope: To and Cc, each address once */
	size_t nrcpt;
	size_t nlisted; /* addresses in all the lists: 0 means no mail at any level */
	int alert_on;   /* rank of the lowest level that alerts: 0 GREEN .. 2 RED */
	int approval;   /* --approval-request */
	struct sk_approval appr; /* workflow, namespace, node, timeout (now: at run time) */
	struct sk_smtp_cfg smtp;
	char *password; /* SMTP_PASSWORD(_FILE), owned */
	char *webhook;  /* WEBHOOK_URL(_FILE), owned */
	const char *webhook_ca;
	const char *outbox;
	int attach;
	int follow_links; /* MAIL_ATTACH_FOLLOW_SYMLINKS: links out of the workdir allowed */
	unsigned long long attach_max;
	const char *prefix, *pipeline, *status;
};

enum att_state { ATT_ATTACHED, ATT_MISSING, ATT_OVER_CAP, ATT_UNREADABLE, ATT_REFUSED };

struct att {
	char path[PATH_MAX];
	const char *name; /* base name, inside `path` */
	enum att_state state;
	char why[160];    /* ATT_UNREADABLE, ATT_REFUSED */
	unsigned long long bytes;
	char sha256[SK_SHA256_HEX_LEN + 1];
	int fd;           /* ATT_ATTACHED: open, read again as the message is sent */
	char type[64];    /* its MIME part's Content-Type */
};

static void cfg_release(struct cfg *c)
{
	if (c->password) /* do not leave the secret in freed memory */
		explicit_bzero(c->password, strlen(c->password));
	free(c->password);
	if (c->webhook)
		explicit_bzero(c->webhook, strlen(c->webhook));
	free(c->webhook);
}

static int parse_yes_no(const char *v, const char *what, int *out, struct sk_err *err)
{
	static const char *const yes[] = {"yes", "true", "1", "on"}, *const no[] = {"no", "false", "0", "off"};

	for (size_t i = 0; i < SK_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return sk_err_set(err, SK_E_USAGE, "%s '%s': use yes or no", what, v);
}

static int parse_count(const char *v, const char *what, long long lo, long long hi,
		       long long *out, struct sk_err *err)
{
	if (sk_parse_int(v, strlen(v), out) < 0 || *out < lo || *out > hi)
		return sk_err_set(err, SK_E_USAGE, "%s '%s': expected a whole number from %lld to %lld",
				  what, v, lo, hi);
	return 0;
}

/* A secret from NAME or NAME_FILE; 0 also when unset (then *out is NULL). */
static int secret(const char *name, char **out, struct sk_err *err)
{
	struct sk_err e = SK_ERR_INIT;

	*out = sk_env_secret(name, &e);
	if (!*out && e.code != SK_E_NONE) {
		*err = e;
		if (err->code == SK_E_IO) /* an unreadable secret file is a setup error */
			err->code = SK_E_USAGE;
		return -1;
	}
	return 0;
}

/* Add the addresses of `l` not yet in `to`. */
static int merge(struct sk_mail_addrs *to, const struct sk_mail_addrs *l, struct sk_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t j = 0;
		while (j < to->n && strcasecmp(to->v[j].addr, l->v[i].addr))
			j++;
		if (j < to->n)
			continue;
		if (to->n == SK_MAIL_MAX_RCPT)
			return sk_err_set(err, SK_E_USAGE,
					  "MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING and NOTIFY_TO_CRITICAL: "
					  "more than %d recipients", SK_MAIL_MAX_RCPT);
		to->v[to->n++] = l->v[i];
	}
	return 0;
}

/*
 * The recipients of a run at level `rank` (0 GREEN, 1 YELLOW, 2 RED): To is
 * MAIL_TO, plus NOTIFY_TO_WARNING from YELLOW up, plus NOTIFY_TO_CRITICAL at
 * RED; Cc is MAIL_CC; the envelope names each address once.
 */
static int route(struct cfg *c, int rank, struct sk_err *err)
{
	c->hdr_to.n = 0;
	c->nrcpt = 0;
	if (merge(&c->hdr_to, &c->to, err) < 0 ||
	    (rank >= 1 && merge(&c->hdr_to, &c->to_warn, err) < 0) ||
	    (rank >= 2 && merge(&c->hdr_to, &c->to_crit, err) < 0))
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		const struct sk_mail_addrs *l = pass ? &c->cc : &c->hdr_to;
		for (size_t i = 0; i < l->n; i++) {
			size_t j = 0;
			while (j < c->nrcpt && strcasecmp(c->rcpt[j], l->v[i].addr))
				j++;
			if (j == c->nrcpt)
				c->rcpt[c->nrcpt++] = l->v[i].addr;
		}
	}
	if (c->nrcpt > SK_MAIL_MAX_RCPT)
		return sk_err_set(err, SK_E_USAGE,
				  "MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING and NOTIFY_TO_CRITICAL: more "
				  "than %d recipients", SK_MAIL_MAX_RCPT);
	return 0;
}

/* An approval request that reaches nobody would leave the run waiting for
 * an answer no one was asked for: a configuration error, never a skip. */
#define NOBODY_TO_ASK                                                                              \
	"--approval-request: %s (MAIL_TO, MAIL_CC; NOTIFY_TO_WARNING from YELLOW, "                \
	"NOTIFY_TO_CRITICAL for RED) and WEBHOOK_URL is not set: nobody would be asked and the "   \
	"run would wait until its approval timeout; set MAIL_TO (in Argo: approval-to or "         \
	"notify-to)"

static int approval_load(const struct sk_notify_opts *o, struct cfg *c, struct sk_err *err)
{
	long long n;

	if (o->approval_request && *o->approval_request &&
	    parse_yes_no(o->approval_request, "NOTIFY_APPROVAL_REQUEST", &c->approval, err) < 0)
		return -1;
	c->appr.workflow = o->workflow && *o->workflow ? o->workflow : NULL;
	c->appr.namespace = o->namespace && *o->namespace ? o->namespace : NULL;
	c->appr.node = o->approval_node && *o->approval_node ? o->approval_node : "approve";
	c->appr.timeout = -1;
	if (c->appr.workflow && !sk_k8s_name(c->appr.workflow, 253, 1))
		return sk_err_set(err, SK_E_USAGE,
				  "STEPKIT_WORKFLOW '%s': not a workflow name (lower-case letters, "
				  "digits, '-' and '.'; in Argo {{workflow.name}})",
				  c->appr.workflow);
	if (c->appr.namespace && !sk_k8s_name(c->appr.namespace, 63, 0))
		return sk_err_set(err, SK_E_USAGE,
				  "STEPKIT_NAMESPACE '%s': not a namespace name (lower-case letters, "
				  "digits and '-'; in Argo {{workflow.namespace}})",
				  c->appr.namespace);
	for (const char *p = c->appr.node; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.') || p - c->appr.node >= 128)
			return sk_err_set(err, SK_E_USAGE,
					  "NOTIFY_APPROVAL_NODE '%s': use the suspend node's display "
					  "name (letters, digits, '-', '_', '.')",
					  c->appr.node);
	if (o->approval_timeout && *o->approval_timeout) {
		if (parse_count(o->approval_timeout, "NOTIFY_APPROVAL_TIMEOUT", 1, 366LL * 86400, &n,
				err) < 0)
			return -1;
		c->appr.timeout = n;
	}
	if (c->approval && !c->appr.workflow)
		return sk_err_set(err, SK_E_USAGE,
				  "STEPKIT_WORKFLOW is not set: --approval-request needs the "
				  "workflow's name for the argo commands (--workflow NAME; in Argo "
				  "{{workflow.name}})");
	return 0;
}

/* Everything the settings say, validated; no network, no files written. */
static int cfg_load(const struct sk_notify_opts *o, struct cfg *c, struct sk_err *err)
{
	long long n;

	memset(c, 0, sizeof(*c));
	c->prefix = o->subject_prefix ? o->subject_prefix : "[stepkit]";
	c->pipeline = o->pipeline && *o->pipeline ? o->pipeline : "sales-analysis";
	c->outbox = o->outbox && *o->outbox ? o->outbox : NULL;
	c->webhook_ca = o->webhook_ca_file && *o->webhook_ca_file ? o->webhook_ca_file : NULL;
	c->attach_max = SK_NOTIFY_ATTACH_MAX_DEFAULT;
	c->status = o->status && *o->status ? o->status : NULL;
	if (c->status && strcasecmp(c->status, "Succeeded") && strcasecmp(c->status, "Failed") &&
	    strcasecmp(c->status, "Error"))
		return sk_err_set(err, SK_E_USAGE, "--status '%s': use Succeeded, Failed or Error",
				  c->status);
	if ((o->to && sk_mail_addrs_parse(&c->to, o->to, "MAIL_TO", err) < 0) ||
	    (o->cc && sk_mail_addrs_parse(&c->cc, o->cc, "MAIL_CC", err) < 0) ||
	    (o->to_warning && sk_mail_addrs_parse(&c->to_warn, o->to_warning, "NOTIFY_TO_WARNING", err) < 0) ||
	    (o->to_critical && sk_mail_addrs_parse(&c->to_crit, o->to_critical, "NOTIFY_TO_CRITICAL", err) < 0))
		return -1;
	c->nlisted = c->to.n + c->cc.n + c->to_warn.n + c->to_crit.n;
	/* the most recipients any level has: RED's */
	if (route(c, 2, err) < 0)
		return -1;
	if (o->from && *o->from) {
		if (sk_mail_addr_parse(&c->from, o->from, strlen(o->from), "MAIL_FROM", err) < 0)
			return -1;
	} else if (c->nlisted) {
		return sk_err_set(err, SK_E_USAGE,
				  "MAIL_FROM is not set: the sender address is required with "
				  "MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING or NOTIFY_TO_CRITICAL");
	}
	if (o->alert_on && *o->alert_on) {
		c->alert_on = -1;
		for (int i = 0; i < 3; i++)
			if (!strcasecmp(o->alert_on, (const char *[]){"green", "yellow", "red"}[i]))
				c->alert_on = i;
		if (c->alert_on < 0)
			return sk_err_set(err, SK_E_USAGE, "NOTIFY_ALERT_ON '%s': use green, yellow or red",
					  o->alert_on);
	}
	if (approval_load(o, c, err) < 0)
		return -1;
	if (o->attach && parse_yes_no(o->attach, "MAIL_ATTACH", &c->attach, err) < 0)
		return -1;
	if (o->attach_follow_symlinks &&
	    parse_yes_no(o->attach_follow_symlinks, "MAIL_ATTACH_FOLLOW_SYMLINKS", &c->follow_links,
			 err) < 0)
		return -1;
	if (o->attach_max) {
		if (parse_count(o->attach_max, "MAIL_ATTACH_MAX_BYTES", 0, 1LL << 30, &n, err) < 0)
			return -1;
		c->attach_max = (unsigned long long)n;
	}
	c->smtp.url = o->smtp_url && *o->smtp_url ? o->smtp_url : NULL;
	c->smtp.user = o->smtp_user && *o->smtp_user ? o->smtp_user : NULL;
	c->smtp.ca_file = o->smtp_ca_file && *o->smtp_ca_file ? o->smtp_ca_file : NULL;
	if (o->smtp_tls && *o->smtp_tls) {
		if (!strcasecmp(o->smtp_tls, "none"))
			c->smtp.tls_none = 1;
		else if (strcasecmp(o->smtp_tls, "required"))
			return sk_err_set(err, SK_E_USAGE, "SMTP_TLS '%s': use required or none",
					  o->smtp_tls);
	}
	if (o->smtp_timeout) {
		if (parse_count(o->smtp_timeout, "SMTP_TIMEOUT", 1, 3600, &n, err) < 0)
			return -1;
		c->smtp.timeout = (long)n;
		c->smtp.connect_timeout = n < 20 ? (long)n : 20;
	}
	if (secret("SMTP_PASSWORD", &c->password, err) < 0 || secret("WEBHOOK_URL", &c->webhook, err) < 0)
		return -1;
	c->smtp.password = c->password;
	if (c->webhook && sk_webhook_url_check(c->webhook, err) < 0)
		return -1;
	if (c->webhook_ca && access(c->webhook_ca, R_OK) < 0)
		return sk_err_set(err, SK_E_USAGE, "WEBHOOK_CA_FILE '%s': %s", c->webhook_ca,
				  strerror(errno));
	/* the outbox replaces the server: SMTP settings matter only without it */
	if (c->nlisted && !c->outbox) {
		if (!c->smtp.url)
			return sk_err_set(err, SK_E_USAGE,
					  "MAIL_TO is set but neither SMTP_URL (to send) nor "
					  "MAIL_OUTBOX (to write the message to a directory)");
		if (sk_smtp_cfg_check(&c->smtp, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- attachments -------------------------------------------------------- */

/* The attachment's MIME type: mime.h's, with the charset of a text type
 * (the reports are UTF-8, SPEC.md). */
static const char *content_type(const char *name, char *buf, size_t size)
{
	const char *t = sk_mime_type(name);

	if (!sk_mime_is_text(t))
		return t;
	snprintf(buf, size, "%s; charset=UTF-8", t);
	return buf;
}

/*
 * Hash the file and keep it open: the message reads it again as it goes
 * out, and checks that the bytes sent hash the same (smtp.h), so the
 * sha256 the body lists is that of the bytes attached. Nothing of it is
 * held in memory.
 */
static int hash_attachment(struct att *a, unsigned long long size, struct sk_err *err)
{
	struct sk_sha256 *h = NULL;
	unsigned long long got = 0;
	char buf[65536];
	int ret = -1;

	if (!(h = sk_sha256_open(err)))
		goto out;
	while (got < size) {
		size_t want = size - got < sizeof(buf) ? (size_t)(size - got) : sizeof(buf);
		ssize_t r = read(a->fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sk_err_set(err, SK_E_IO, "read '%s': %s", a->path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break; /* shrank since fstat: send what is there */
		sk_sha256_update(h, buf, (size_t)r);
		got += (size_t)r;
		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "read '%s': interrupted", a->path);
			goto out;
		}
	}
	sk_sha256_hex(h, a->sha256);
	a->bytes = got;
	ret = 0;
out:
	sk_sha256_close(h);
	return ret;
}

/* A link leading out of the work directory is not followed unless allowed. */
static int refuse_link(struct sk_step *s, const struct cfg *c, struct att *a)
{
	struct sk_err e = SK_ERR_INIT;
	int esc;

	if (c->follow_links)
		return 0;
	esc = sk_path_escapes_workdir(sk_step_workdir(s), a->path, &e);
	if (esc <= 0)
		return 0; /* an error (a missing file) is found by open() */
	a->state = ATT_REFUSED;
	snprintf(a->why, sizeof(a->why),
		 "a symbolic link leading out of the work directory (MAIL_ATTACH_FOLLOW_SYMLINKS=yes "
		 "allows it)");
	return 1;
}

static int collect(struct sk_step *s, const struct cfg *c, int argc, char **argv,
		   struct att **out, size_t *nout, struct sk_err *err)
{
	const char *const *names;
	size_t n = (size_t)sk_upload_names(argc, argv, &names); /* the reports, by default */
	unsigned long long left = c->attach_max;
	struct att *v = calloc(n ? n : 1, sizeof(*v));

	*out = v;
	*nout = 0;
	if (!v)
		return sk_err_set(err, SK_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct att *a = &v[i];
		struct stat st;
		const char *slash;

		a->fd = -1;
		*nout = i + 1;
		/* arguments are paths as given; the default names are in the workdir */
		if (sk_step_path(s, a->path, argc > 0 ? names[i] : NULL, names[i], err) < 0)
			return -1;
		slash = strrchr(a->path, '/');
		a->name = slash ? slash + 1 : a->path;
		if (refuse_link(s, c, a))
			continue;
		a->fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (a->fd < 0) {
			a->state = errno == ENOENT ? ATT_MISSING : ATT_UNREADABLE;
			snprintf(a->why, sizeof(a->why), "%s",
				 errno == ENOENT ? "missing" : strerror(errno));
			continue;
		}
		if (fstat(a->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			a->state = ATT_UNREADABLE;
			snprintf(a->why, sizeof(a->why), "not a regular file");
			close(a->fd);
			a->fd = -1;
			continue;
		}
		if (hash_attachment(a, (unsigned long long)st.st_size, err) < 0)
			return -1;
		if (a->bytes > left) {
			close(a->fd);
			a->fd = -1;
			a->state = ATT_OVER_CAP;
			continue;
		}
		a->state = ATT_ATTACHED;
		left -= a->bytes;
	}
	return 0;
}

static int attachments_section(struct sk_buf *b, const struct cfg *c, const struct att *v,
			       size_t n, struct sk_err *err)
{
	if (sk_buf_addf(b, err, "\nAttachments (at most %llu bytes in total):\n", c->attach_max) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct att *a = &v[i];
		if (sk_summary_clean(b, a->name, 255, err) < 0)
			return -1;
		switch (a->state) {
		case ATT_ATTACHED:
			if (sk_buf_addf(b, err, ": attached, %llu bytes, sha256 %s\n", a->bytes,
					a->sha256) < 0)
				return -1;
			break;
		case ATT_OVER_CAP:
			if (sk_buf_addf(b, err, ": not attached (over the limit), %llu bytes, sha256 %s\n",
					a->bytes, a->sha256) < 0)
				return -1;
			break;
		case ATT_MISSING:
			if (sk_buf_adds(b, ": missing\n", err) < 0)
				return -1;
			break;
		case ATT_UNREADABLE:
		case ATT_REFUSED:
			if (sk_buf_addf(b, err, ": not attached: %s\n", a->why) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* ---- delivery ----------------------------------------------------------- */

/*
 * The recipients across attempts: a recipient refused for good (5xx) is
 * not tried again, one refused for now (4xx) is the only one the next
 * attempt goes to, and one the server took is never sent the mail twice.
 */
struct send_ctx {
	struct sk_step *s;
	const struct cfg *c;
	struct sk_mail_msg *msg;
	const char *pending[2 * SK_MAIL_MAX_RCPT];
	size_t npending;
	size_t delivered;
	struct sk_smtp_refusal refused[2 * SK_MAIL_MAX_RCPT]; /* index: into c->rcpt */
	size_t nrefused;
	struct sk_smtp_result res;
};

static size_t rcpt_index(const struct cfg *c, const char *addr)
{
	size_t i = 0;

	while (i < c->nrcpt && c->rcpt[i] != addr)
		i++;
	return i;
}

static int send_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct send_ctx *x = ctx;
	const char *later[2 * SK_MAIL_MAX_RCPT];
	size_t nlater = 0, n = x->npending;
	int rc;

	(void)st;
	sk_step_count(x->s, "attempts", 1);
	rc = sk_smtp_send(&x->c->smtp, x->c->from.addr, x->pending, x->npending, x->msg, &x->res,
			  err);
	if (rc < 0 && x->res.nrefused < n)
		return -1; /* not the recipients' doing: the same ones next time */
	for (size_t i = 0; i < x->res.nrefused; i++) {
		struct sk_smtp_refusal r = x->res.refused[i];

		if (r.index >= n)
			continue;
		if (r.code >= 400 && r.code < 500) {
			later[nlater++] = x->pending[r.index];
		} else {
			r.index = rcpt_index(x->c, x->pending[r.index]);
			x->refused[x->nrefused++] = r;
		}
	}
	if (rc == 0)
		x->delivered += n - x->res.nrefused;
	memcpy(x->pending, later, nlater * sizeof(*later));
	x->npending = nlater;
	if (nlater == 0)
		return 0; /* the refused for good are reported by the caller */
	sk_err_clear(err);
	for (size_t i = 0; i < x->res.nrefused; i++)
		if (x->res.refused[i].code < 500)
			return sk_err_set(err, SK_E_TRANSIENT,
					  "smtp '%s': recipient <%s> deferred ('%s')%s", x->c->smtp.url,
					  later[0], x->res.refused[i].reply,
					  nlater > 1 ? " with others" : "");
	return sk_err_set(err, SK_E_TRANSIENT, "smtp '%s': recipient <%s> deferred", x->c->smtp.url,
			  later[0]);
}

/* Some recipients refused for good: exit 1, naming them. */
static int refused_error(const struct send_ctx *x, struct sk_err *err)
{
	const struct cfg *c = x->c;
	char names[SK_ERR_MSG_MAX] = "";
	size_t o = 0;

	for (size_t i = 1; i < x->nrefused && o < sizeof(names); i++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, ", <%s>",
				      c->rcpt[x->refused[i].index]);
	return sk_err_set(err, SK_E_PERMANENT,
			  "smtp '%s': recipient <%s> refused ('%s')%s%s: delivered to %zu of %zu "
			  "recipients; check MAIL_TO and MAIL_CC",
			  c->smtp.url, c->rcpt[x->refused[0].index], x->refused[0].reply,
			  x->nrefused > 1 ? ", also " : "", x->nrefused > 1 ? names + 2 : "",
			  x->delivered, c->nrcpt);
}

static int is_safe_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == '_';
}

/* Write the message into a temporary file of `dir`: its open fd, or -1. */
static int outbox_temp(const char *dir, struct sk_mail_msg *msg, char tmp[PATH_MAX], int *slot,
		       struct sk_err *err)
{
	char chunk[65536];
	long n;
	int fd;

	if (snprintf(tmp, PATH_MAX, "%s/.mail.eml.tmp-XXXXXX", dir) >= PATH_MAX)
		return sk_err_set(err, SK_E_USAGE, "'%s': path too long", dir);
	if ((fd = mkstemp(tmp)) < 0)
		return sk_err_set(err, SK_E_IO, "create a file in '%s': %s", dir, strerror(errno));
	*slot = sk_tempfile_register(tmp);
	sk_mail_msg_rewind(msg);
	while ((n = sk_mail_msg_read(msg, chunk, sizeof(chunk), err)) > 0) {
		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED, "outbox: interrupted");
			goto fail;
		}
		for (long off = 0; off < n;) {
			ssize_t w = write(fd, chunk + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				sk_err_set(err, SK_E_IO, "write '%s': %s", tmp, strerror(errno));
				goto fail;
			}
			off += w;
		}
	}
	if (n < 0)
		goto fail;
	/* group-writable like every output (OpenShift: arbitrary uid, group 0) */
	if (fchmod(fd, 0664) < 0 || fsync(fd) < 0) {
		sk_err_set(err, SK_E_IO, "write '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	unlink(tmp);
	sk_tempfile_forget(*slot);
	return -1;
}

/*
 * Give the finished file its name without ever replacing another: two runs
 * with the same run id in the same second get NAME.eml and NAME-2.eml.
 * link() fails on an existing name (EEXIST) and works over NFS; where a
 * file system has no hard links, renameat2(RENAME_NOREPLACE) does the same.
 */
static int outbox_name(const char *tmp, const char *dir, const char *base, char path[PATH_MAX],
		       struct sk_err *err)
{
	for (int k = 1; k <= 1000; k++) {
		char name[200];
		int rc;

		if (k == 1)
			snprintf(name, sizeof(name), "%s.eml", base);
		else
			snprintf(name, sizeof(name), "%s-%d.eml", base, k);
		if (sk_path_join(path, dir, name, err) < 0)
			return -1;
		rc = link(tmp, path);
		if (rc < 0 && errno != EEXIST)
			rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
		if (rc == 0)
			return 0;
		if (errno != EEXIST)
			return sk_err_set(err, SK_E_IO, "name '%s': %s", path, strerror(errno));
	}
	return sk_err_set(err, SK_E_IO, "'%s': 1000 messages named '%s' already: clean the outbox",
			  dir, base);
}

/* OUTBOX/RUN-YYYYMMDDTHHMMSSZ.eml (-2, -3... when taken), the run id reduced to safe characters. */
static int outbox_write(struct sk_step *s, const struct cfg *c, struct sk_mail_msg *msg,
			time_t now, struct sk_err *err)
{
	char base[160], path[PATH_MAX], tmp[PATH_MAX], stamp[20];
	const char *run = sk_step_run_id(s);
	struct tm tm;
	int fd = -1, slot = -1, dfd, ret = -1;
	size_t i;

	for (i = 0; run[i] && i < 100; i++)
		base[i] = is_safe_char(run[i]) && (i > 0 || run[i] != '.') ? run[i] : '_';
	base[i] = '\0';
	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "0");
	snprintf(base + i, sizeof(base) - i, "-%s", stamp);
	if (sk_mkdir_p(c->outbox, err) < 0)
		return -1;
	if ((fd = outbox_temp(c->outbox, msg, tmp, &slot, err)) < 0)
		return -1;
	if (sk_interrupted()) {
		sk_err_set(err, SK_E_INTERRUPTED, "outbox: interrupted");
		goto out;
	}
	if (outbox_name(tmp, c->outbox, base, path, err) < 0)
		goto out;
	/* the name is there: make it last (a link is one more directory entry) */
	if ((dfd = open(c->outbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	sk_step_detail(s, "outbox_file", path);
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"bytes", (long long)sk_mail_msg_size(msg), NULL}}, 1,
		      "mail written to '%s' (%llu bytes), not sent: MAIL_OUTBOX is set", path,
		      sk_mail_msg_size(msg));
	ret = 0;
out:
	close(fd);
	unlink(tmp); /* the temporary name; the message keeps its own */
	sk_tempfile_forget(slot);
	return ret;
}

/* The message's text and HTML: the summary (or approval request) and the
 * attachments section. */
struct content {
	const char *subject;
	const char *text; /* without the attachments section */
	const char *html; /* an HTML fragment, inside <body> */
	time_t now;
};

static int mail(struct sk_step *s, const struct cfg *c, const struct content *m, int argc,
		char **argv, struct sk_err *err)
{
	struct att *att = NULL;
	size_t natt = 0, nparts = 0;
	struct sk_mail_part *parts = NULL;
	struct sk_buf body = SK_BUF_INIT(BODY_MAX), html = SK_BUF_INIT(2 * BODY_MAX);
	struct sk_buf attsec = SK_BUF_INIT(BODY_MAX);
	struct sk_mail_msg *msg = NULL;
	char id[SK_MAIL_ID_MAX], boundary[80];
	struct sk_retry_policy p;
	struct sk_retry_state st = {0};
	struct send_ctx *x = NULL;
	time_t now = m->now;
	int ret = -1;

	if (sk_buf_adds(&body, m->text, err) < 0 || sk_summary_html_open(&html, m->subject, err) < 0 ||
	    sk_buf_adds(&html, m->html, err) < 0)
		goto out;
	if (c->attach) {
		if (collect(s, c, argc, argv, &att, &natt, err) < 0 ||
		    attachments_section(&attsec, c, att, natt, err) < 0 ||
		    sk_buf_adds(&body, attsec.data, err) < 0)
			goto out;
		/* "\nAttachments (...):\n" then the lines: the heading, then <pre> */
		{
			char *nl = strchr(attsec.data + 1, '\n');
			*nl = '\0';
			if (nl[-1] == ':')
				nl[-1] = '\0';
			if (sk_summary_html_pre(&html, attsec.data + 1, nl + 1, err) < 0)
				goto out;
		}
		if (!(parts = calloc(natt ? natt : 1, sizeof(*parts)))) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < natt; i++) {
			struct sk_file_info info;
			if (att[i].state == ATT_MISSING || att[i].state == ATT_UNREADABLE ||
			    att[i].state == ATT_REFUSED) {
				sk_warnf("attachment '%s': %s: listed, not attached", att[i].path,
					 att[i].why);
				sk_step_count(s, att[i].state == ATT_REFUSED ? "attachments_refused"
									     : "attachments_skipped", 1);
				continue;
			}
			if (att[i].state == ATT_OVER_CAP) {
				sk_warnf("attachment '%s': %llu bytes would pass MAIL_ATTACH_MAX_BYTES "
					 "(%llu in total): listed, not attached",
					 att[i].path, att[i].bytes, c->attach_max);
				sk_step_count(s, "attachments_skipped", 1);
				continue;
			}
			parts[nparts++] = (struct sk_mail_part){att[i].name,
								content_type(att[i].name, att[i].type,
									     sizeof(att[i].type)),
								NULL, att[i].bytes, att[i].fd,
								att[i].sha256};
			snprintf(info.path, sizeof(info.path), "%s", att[i].path);
			info.bytes = att[i].bytes;
			memcpy(info.sha256, att[i].sha256, sizeof(info.sha256));
			sk_step_output(s, &info); /* what was delivered, as upload steps record it */
			sk_step_count(s, "attachments", 1);
		}
	}
	if (sk_summary_html_close(&html, err) < 0 || sk_mail_new_id(c->from.addr, id, boundary, err) < 0)
		goto out;
	if (!(msg = sk_mail_msg_open(&(struct sk_mail){&c->from, &c->hdr_to, &c->cc, m->subject,
						       body.data, now, id, boundary, parts, nparts,
						       html.data},
				     err))) {
		sk_err_prefix(err, "mail");
		goto out;
	}
	sk_step_count(s, "recipients", (long long)c->nrcpt);
	sk_step_count(s, "message_bytes", (long long)sk_mail_msg_size(msg));
	sk_step_detail(s, "message_id", id);
	if (c->outbox) {
		if (outbox_write(s, c, msg, now, err) < 0)
			goto out;
		sk_step_detail(s, "mail", "outbox");
		ret = 0;
		goto out;
	}
	if (sk_step_retry_policy(&p, err) < 0)
		goto out;
	if (!(x = calloc(1, sizeof(*x)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	x->s = s;
	x->c = c;
	x->msg = msg;
	memcpy(x->pending, c->rcpt, c->nrcpt * sizeof(*c->rcpt));
	x->npending = c->nrcpt;
	if (sk_retry(&p, send_op, x, &st, err) < 0)
		goto out;
	if (x->nrefused) {
		sk_step_count(s, "recipients_refused", (long long)x->nrefused);
		if (x->delivered)
			sk_step_detail(s, "mail", "partly sent");
		refused_error(x, err);
		if (!x->delivered)
			goto out;
		ret = -1;
		goto done;
	}
	sk_step_detail(s, "mail", "sent");
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"recipients", (long long)c->nrcpt, NULL},
					      {"bytes", (long long)sk_mail_msg_size(msg), NULL},
					      {"attempts", st.attempt, NULL}},
		      3, "mail sent to %zu recipient%s (%llu bytes, %zu attachment%s, attempt %d)",
		      c->nrcpt, c->nrcpt == 1 ? "" : "s", sk_mail_msg_size(msg), nparts,
		      nparts == 1 ? "" : "s", st.attempt);
	ret = 0;
out:
	if (ret < 0)
		sk_step_detail(s, "mail", "failed");
done:
	for (size_t i = 0; i < natt; i++)
		if (att[i].fd >= 0)
			close(att[i].fd);
	free(att);
	free(parts);
	free(x);
	sk_mail_msg_close(msg);
	sk_buf_release(&body);
	sk_buf_release(&html);
	sk_buf_release(&attsec);
	return ret;
}

static int webhook(struct sk_step *s, const struct cfg *c, const char *subject,
		   const char *text, json_t *fields, struct sk_err *err)
{
	struct sk_buf body = SK_BUF_INIT(2 * SK_WEBHOOK_TEXT_MAX), json = SK_BUF_INIT(32 * SK_WEBHOOK_TEXT_MAX);
	struct sk_retry_policy p;
	int attempts = 0, ret = -1;

	if (sk_webhook_text(&body, subject, text, err) < 0 ||
	    sk_webhook_payload(&json, body.data, fields, err) < 0 || sk_step_retry_policy(&p, err) < 0)
		goto out;
	sk_step_count(s, "webhook_bytes", (long long)json.len);
	ret = sk_webhook_post(c->webhook, c->webhook_ca, json.data, json.len, &p, &attempts, err);
	sk_step_count(s, "webhook_attempts", attempts);
	if (ret == 0)
		sk_infof("webhook posted (%zu bytes, attempt %d)", json.len, attempts);
out:
	sk_step_detail(s, "webhook", ret == 0 ? "sent" : "failed");
	sk_buf_release(&body);
	sk_buf_release(&json);
	return ret;
}

/* Two independent channels failed: report one, return the other. A
 * permanent failure wins, since retrying the whole step cannot fix it. */
static int pick_error(struct sk_err *mail_err, struct sk_err *hook_err, struct sk_err *err)
{
	struct sk_err *keep = mail_err, *other = hook_err;

	if (mail_err->code == SK_E_NONE) {
		keep = hook_err;
		other = NULL;
	} else if (hook_err->code == SK_E_NONE) {
		other = NULL;
	} else if (mail_err->code == SK_E_TRANSIENT && hook_err->code != SK_E_TRANSIENT) {
		keep = hook_err;
		other = mail_err;
	}
	if (other)
		sk_errorf("%s", other->msg);
	*err = *keep;
	return keep->code == SK_E_NONE ? 0 : -1;
}

/* "[PREFIX ]LEVEL PIPELINE RUN: waiting for approval" */
static int approval_subject(const struct sk_summary *sm, const struct cfg *c, const char *run,
			    struct sk_buf *out, struct sk_err *err)
{
	if (sk_summary_subject_head(sm, c->prefix, c->pipeline, run, out, err) < 0 ||
	    sk_buf_adds(out, ": waiting for approval", err) < 0)
		return -1;
	return 0;
}

/* The webhook's fields besides "text" (docs/notify.md gives the schema). */
static json_t *payload_fields(const struct sk_summary *sm, const struct cfg *c, const char *run,
			      const char *subject, struct sk_err *err)
{
	json_t *o = json_object(), *a = NULL;
	struct sk_buf cmd = SK_BUF_INIT(4096);

	if (!o || json_object_set_new(o, "kind", json_string(c->approval ? "approval_request"
									   : "summary")) < 0 ||
	    json_object_set_new(o, "level", json_string(sk_summary_level(sm))) < 0 ||
	    json_object_set_new(o, "status", json_string(sk_summary_status(sm))) < 0 ||
	    json_object_set_new(o, "pipeline", json_string(c->pipeline)) < 0 ||
	    json_object_set_new(o, "run", json_string(run)) < 0 ||
	    json_object_set_new(o, "subject", json_string(subject)) < 0 ||
	    sk_summary_json(sm, o, err) < 0)
		goto fail;
	if (!c->approval) {
		if (json_object_set_new(o, "approval", json_null()) < 0)
			goto fail;
		sk_buf_release(&cmd);
		return o;
	}
	if (!(a = json_object()) ||
	    json_object_set_new(a, "workflow", json_string(c->appr.workflow)) < 0 ||
	    json_object_set_new(a, "namespace", c->appr.namespace ? json_string(c->appr.namespace)
								  : json_null()) < 0 ||
	    json_object_set_new(a, "node", json_string(c->appr.node)) < 0)
		goto fail;
	for (int approve = 1; approve >= 0; approve--) {
		json_t *l = json_array();
		if (!l || json_object_set_new(a, approve ? "approve" : "reject", l) < 0)
			goto fail;
		for (int resume = 0; resume < 2; resume++) {
			sk_buf_reset(&cmd);
			if (sk_summary_approval_command(&c->appr, approve, resume, &cmd, err) < 0)
				goto fail;
			if (json_array_append_new(l, json_string(cmd.data)) < 0)
				goto fail;
		}
	}
	if (c->appr.timeout >= 0) {
		char when[32];
		time_t end = c->appr.now + (time_t)c->appr.timeout;
		struct tm tm;
		if (!gmtime_r(&end, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(when, sizeof(when), "?");
		if (json_object_set_new(a, "timeout_seconds", json_integer(c->appr.timeout)) < 0 ||
		    json_object_set_new(a, "deadline", json_string(when)) < 0)
			goto fail;
	} else if (json_object_set_new(a, "timeout_seconds", json_null()) < 0 ||
		   json_object_set_new(a, "deadline", json_null()) < 0) {
		goto fail;
	}
	if (json_object_set_new(o, "approval", a) < 0) {
		a = NULL;
		goto fail;
	}
	sk_buf_release(&cmd);
	return o;
fail:
	if (err->code == SK_E_NONE)
		sk_err_set(err, SK_E_NOMEM, "webhook: cannot build the JSON (out of memory, or a "
					    "value that is not UTF-8)");
	json_decref(a);
	json_decref(o);
	sk_buf_release(&cmd);
	return NULL;
}

int sk_notify_run(struct sk_step *s, const struct sk_notify_opts *o, int argc, char **argv,
		  struct sk_err *err)
{
	static const char *const lower[] = {"green", "yellow", "red"};
	struct cfg *c = calloc(1, sizeof(*c));
	struct sk_summary *sm = NULL;
	struct sk_buf subject = SK_BUF_INIT(4096), text = SK_BUF_INIT(BODY_MAX),
		      html = SK_BUF_INIT(2 * BODY_MAX);
	struct sk_err merr = SK_ERR_INIT, werr = SK_ERR_INIT;
	const char *run = sk_step_run_id(s), *level;
	json_t *fields = NULL;
	char dir[PATH_MAX];
	int ret = -1, rank;

	if (!c) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (cfg_load(o, c, err) < 0)
		goto out;
	if (!c->nlisted && !c->webhook && c->approval) {
		sk_err_set(err, SK_E_USAGE, NOBODY_TO_ASK, "no recipient is set");
		goto out;
	}
	if (!c->nlisted && !c->webhook) {
		sk_infof("no recipients (MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING, NOTIFY_TO_CRITICAL) and "
			 "no WEBHOOK_URL: nothing to send, skipped");
		sk_step_detail(s, "mail", "skipped");
		sk_step_detail(s, "webhook", "skipped");
		ret = 0;
		goto out;
	}
	if (!(sm = sk_summary_open(err)) || sk_path_join(dir, sk_step_workdir(s), "events", err) < 0 ||
	    sk_summary_load_events(sm, dir, SELF, err) < 0 ||
	    (o->failures && sk_summary_add_failures(sm, o->failures, err) < 0) ||
	    (c->status && sk_summary_set_status(sm, c->status, err) < 0))
		goto out;
	for (size_t i = 0; i < sk_summary_nevents(sm); i++)
		sk_step_input(s, sk_summary_event_path(sm, i));
	for (size_t i = 0; i < sk_summary_nnotes(sm); i++)
		sk_warnf("%s", sk_summary_note(sm, i));
	level = sk_summary_level(sm);
	rank = sk_summary_level_rank(level);
	sk_step_detail(s, "run_status", sk_summary_status(sm));
	sk_step_detail(s, "level", level);
	sk_step_detail(s, "kind", c->approval ? "approval request" : "summary");
	sk_step_count(s, "events", (long long)sk_summary_nevents(sm));
	sk_step_count(s, "failures", (long long)sk_summary_nfailures(sm));
	/* a failed run is RED, the highest level: it always alerts */
	if (!c->approval && rank < c->alert_on) {
		sk_infof("the run is %s, below NOTIFY_ALERT_ON=%s: no mail, no webhook, skipped", level,
			 lower[c->alert_on]);
		sk_step_detail(s, "mail", "skipped: below alert level");
		sk_step_detail(s, "webhook", "skipped: below alert level");
		ret = 0;
		goto out;
	}
	if (route(c, rank, err) < 0)
		goto out;
	if (c->approval && !c->nrcpt && !c->webhook) {
		sk_err_set(err, SK_E_USAGE, NOBODY_TO_ASK, "no recipient is set for this level");
		goto out;
	}
	c->appr.now = time(NULL);
	if ((c->approval ? approval_subject(sm, c, run, &subject, err)
			 : sk_summary_subject(sm, c->prefix, c->pipeline, run, &subject, err)) < 0 ||
	    (c->approval ? sk_summary_approval_body(sm, c->pipeline, run, &c->appr, &text, err)
			 : sk_summary_body(sm, c->pipeline, run, &text, err)) < 0 ||
	    (c->approval ? sk_summary_approval_html(sm, c->pipeline, run, &c->appr, &html, err)
			 : sk_summary_html(sm, c->pipeline, run, &html, err)) < 0)
		goto out;
	sk_step_detail(s, "subject", subject.data);
	if (c->nrcpt) {
		struct content m = {subject.data, text.data, html.data, c->appr.now};
		mail(s, c, &m, argc, argv, &merr);
	} else if (c->nlisted) {
		sk_infof("the run is %s: no recipients at this level (MAIL_TO and MAIL_CC are empty; "
			 "NOTIFY_TO_WARNING gets YELLOW and RED, NOTIFY_TO_CRITICAL only RED): no mail",
			 level);
		sk_step_detail(s, "mail", "skipped: no recipients at this level");
	} else {
		sk_step_detail(s, "mail", "skipped");
	}
	if (c->webhook && !sk_interrupted()) {
		if (!(fields = payload_fields(sm, c, run, subject.data, &werr)))
			sk_step_detail(s, "webhook", "failed");
		else
			webhook(s, c, subject.data, text.data, fields, &werr);
	} else if (!c->webhook) {
		sk_step_detail(s, "webhook", "skipped");
	}
	ret = pick_error(&merr, &werr, err);
out:
	json_decref(fields);
	sk_summary_close(sm);
	sk_buf_release(&subject);
	sk_buf_release(&text);
	sk_buf_release(&html);
	if (c)
		cfg_release(c);
	free(c);
	return ret;
}

/* ---- --check ------------------------------------------------------------ */

static int check_outbox(const struct cfg *c, struct sk_err *err)
{
	char path[PATH_MAX];

	if (sk_mkdir_p(c->outbox, err) < 0 || sk_path_join(path, c->outbox, "check.eml", err) < 0)
		goto fail;
	/* creating (and removing) the temporary file is exactly what a run does */
	if (sk_check_writable(path, err) < 0)
		goto fail;
	sk_infof("outbox '%s': writable", c->outbox);
	return 0;
fail:
	return sk_err_prefix(err, "outbox not writable (MAIL_OUTBOX)");
}

/* Log a failed check; keep the first one for the exit status. */
static void note_failure(struct sk_err *first, const struct sk_err *e)
{
	if (first->code == SK_E_NONE)
		*first = *e;
	else
		sk_errorf("%s", e->msg);
}

int sk_notify_check(struct sk_step *s, const struct sk_notify_opts *o, int argc, char **argv,
		    struct sk_err *err)
{
	struct cfg *c = calloc(1, sizeof(*c));
	struct sk_err first = SK_ERR_INIT, e = SK_ERR_INIT;
	char report[600];
	int ret = -1;

	(void)s;
	(void)argc;
	(void)argv;
	if (!c) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (cfg_load(o, c, err) < 0)
		goto out;
	if (!c->nlisted && !c->webhook) {
		sk_infof("no recipients (MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING, NOTIFY_TO_CRITICAL) and "
			 "no WEBHOOK_URL: nothing to check, "
			 "a run would skip");
		ret = 0;
		goto out;
	}
	if (c->nlisted && c->outbox && check_outbox(c, &e) < 0)
		note_failure(&first, &e);
	if (c->nrcpt && !c->outbox) { /* every recipient of a RED run (cfg_load routed it) */
		if (sk_smtp_check(&c->smtp, c->from.addr, c->rcpt, c->nrcpt, report, sizeof(report),
				  &e) < 0)
			note_failure(&first, &e);
		else
			sk_infof("%s", report);
	}
	if (c->webhook) {
		sk_err_clear(&e);
		if (sk_webhook_check(c->webhook, c->webhook_ca, report, sizeof(report), &e) < 0)
			note_failure(&first, &e);
		else
			sk_infof("%s", report);
	}
	*err = first;
	ret = first.code == SK_E_NONE ? 0 : -1;
out:
	if (c)
		cfg_release(c);
	free(c);
	return ret;
}
