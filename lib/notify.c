#include "base.h"
#include "notify.h"
#include "fsutil.h"
#include "log.h"
#include "money.h"
#include "retry.h"
#include "sha256.h"
#include "sig.h"
#include "smtp.h"
#include "summary.h"
#include "upload_step.h"
#include "webhook.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The step's own name: its earlier event is not part of the run it reports. */
#define SELF "notify"
#define BODY_MAX (4 * 1024 * 1024)

struct cfg {
	struct sk_mail_addr from;
	struct sk_mail_addrs to, cc;
	const char *rcpt[2 * SK_MAIL_MAX_RCPT]; /* envelope: To and Cc, each address once */
	size_t nrcpt;
	struct sk_smtp_cfg smtp;
	char *password; /* SMTP_PASSWORD(_FILE), owned */
	char *webhook;  /* WEBHOOK_URL(_FILE), owned */
	const char *webhook_ca;
	const char *outbox;
	int attach;
	unsigned long long attach_max;
	const char *prefix, *pipeline, *status;
};

enum att_state { ATT_ATTACHED, ATT_MISSING, ATT_OVER_CAP, ATT_UNREADABLE };

struct att {
	char path[PATH_MAX];
	const char *name; /* base name, inside `path` */
	enum att_state state;
	char why[128];    /* ATT_UNREADABLE */
	unsigned long long bytes;
	char sha256[SK_SHA256_HEX_LEN + 1];
	char *data;       /* ATT_ATTACHED: the bytes sent */
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
	    (o->cc && sk_mail_addrs_parse(&c->cc, o->cc, "MAIL_CC", err) < 0))
		return -1;
	/* the envelope names each address once, whatever the headers say */
	for (int pass = 0; pass < 2; pass++) {
		const struct sk_mail_addrs *l = pass ? &c->cc : &c->to;
		for (size_t i = 0; i < l->n; i++) {
			size_t j = 0;
			while (j < c->nrcpt && strcasecmp(c->rcpt[j], l->v[i].addr))
				j++;
			if (j == c->nrcpt)
				c->rcpt[c->nrcpt++] = l->v[i].addr;
		}
	}
	if (c->nrcpt > SK_MAIL_MAX_RCPT)
		return sk_err_set(err, SK_E_USAGE, "MAIL_TO and MAIL_CC: more than %d recipients",
				  SK_MAIL_MAX_RCPT);
	if (o->from && *o->from) {
		if (sk_mail_addr_parse(&c->from, o->from, strlen(o->from), "MAIL_FROM", err) < 0)
			return -1;
	} else if (c->nrcpt) {
		return sk_err_set(err, SK_E_USAGE,
				  "MAIL_FROM is not set: the sender address is required with "
				  "MAIL_TO or MAIL_CC");
	}
	if (o->attach && parse_yes_no(o->attach, "MAIL_ATTACH", &c->attach, err) < 0)
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
	if (c->nrcpt && !c->outbox) {
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

static const char *content_type(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && !strcasecmp(name + n - 4, ".csv"))
		return "text/csv; charset=UTF-8";
	if (n > 5 && !strcasecmp(name + n - 5, ".json"))
		return "application/json";
	if (n > 4 && !strcasecmp(name + n - 4, ".txt"))
		return "text/plain; charset=UTF-8";
	return "application/octet-stream";
}

/* Read the whole file into a->data, hashing the very bytes that are sent. */
static int read_attachment(struct att *a, int fd, size_t size, struct sk_err *err)
{
	struct sk_sha256 *h = NULL;
	size_t got = 0;
	int ret = -1;

	if (!(a->data = malloc(size ? size : 1))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(h = sk_sha256_open(err)))
		goto out;
	while (got < size) {
		ssize_t r = read(fd, a->data + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sk_err_set(err, SK_E_IO, "read '%s': %s", a->path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break; /* shrank since fstat: send what is there */
		got += (size_t)r;
	}
	sk_sha256_update(h, a->data, got);
	sk_sha256_hex(h, a->sha256);
	a->bytes = got;
	ret = 0;
out:
	sk_sha256_close(h);
	return ret;
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
		int fd;

		*nout = i + 1;
		/* arguments are paths as given; the default names are in the workdir */
		if (sk_step_path(s, a->path, argc > 0 ? names[i] : NULL, names[i], err) < 0)
			return -1;
		slash = strrchr(a->path, '/');
		a->name = slash ? slash + 1 : a->path;
		fd = open(a->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			a->state = errno == ENOENT ? ATT_MISSING : ATT_UNREADABLE;
			snprintf(a->why, sizeof(a->why), "%s",
				 errno == ENOENT ? "missing" : strerror(errno));
			continue;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			a->state = ATT_UNREADABLE;
			snprintf(a->why, sizeof(a->why), "not a regular file");
			close(fd);
			continue;
		}
		if ((unsigned long long)st.st_size > left) {
			struct sk_err e = SK_ERR_INIT;
			close(fd);
			a->state = ATT_OVER_CAP;
			a->bytes = (unsigned long long)st.st_size;
			if (sk_sha256_file(a->path, a->sha256, &a->bytes, &e) < 0)
				snprintf(a->sha256, sizeof(a->sha256), "-");
			continue;
		}
		if (read_attachment(a, fd, (size_t)st.st_size, err) < 0) {
			close(fd);
			return -1;
		}
		close(fd);
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
			if (sk_buf_addf(b, err, ": not attached: %s\n", a->why) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* ---- delivery ----------------------------------------------------------- */

struct send_ctx {
	struct sk_step *s;
	const struct cfg *c;
	const struct sk_buf *msg;
};

static int send_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct send_ctx *x = ctx;

	(void)st;
	sk_step_count(x->s, "attempts", 1);
	return sk_smtp_send(&x->c->smtp, x->c->from.addr, x->c->rcpt, x->c->nrcpt, x->msg->data,
			    x->msg->len, err);
}

static int is_safe_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '-' || ch == '_';
}

/* OUTBOX/RUN-YYYYMMDDTHHMMSSZ.eml, the run id reduced to safe characters. */
static int outbox_write(struct sk_step *s, const struct cfg *c, const struct sk_buf *msg,
			time_t now, struct sk_err *err)
{
	char name[160], path[PATH_MAX], stamp[20];
	const char *run = sk_step_run_id(s);
	struct sk_file_info info;
	struct tm tm;
	size_t i;

	for (i = 0; run[i] && i < 100; i++)
		name[i] = is_safe_char(run[i]) && (i > 0 || run[i] != '.') ? run[i] : '_';
	name[i] = '\0';
	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "0");
	snprintf(name + i, sizeof(name) - i, "-%s.eml", stamp);
	if (sk_mkdir_p(c->outbox, err) < 0 || sk_path_join(path, c->outbox, name, err) < 0)
		return -1;
	/* sk_path_join keeps a name with '/' as is: the run id cannot have one */
	if (sk_write_file_atomic(path, msg->data, msg->len, 0, &info, err) < 0)
		return -1;
	sk_step_detail(s, "outbox_file", info.path);
	sk_log_fields(SK_LOG_INFO, (struct sk_log_field[]){{"bytes", (long long)info.bytes, NULL}}, 1,
		      "mail written to '%s' (%llu bytes), not sent: MAIL_OUTBOX is set", info.path,
		      info.bytes);
	return 0;
}

static int mail(struct sk_step *s, const struct cfg *c, const char *subject, const char *summary,
		int argc, char **argv, struct sk_err *err)
{
	struct att *att = NULL;
	size_t natt = 0, nparts = 0;
	struct sk_mail_part *parts = NULL;
	struct sk_buf body = SK_BUF_INIT(BODY_MAX), msg;
	char id[SK_MAIL_ID_MAX], boundary[80];
	struct sk_retry_policy p;
	struct sk_retry_state st = {0};
	struct send_ctx x;
	time_t now = time(NULL);
	int ret = -1;

	/* base64 grows 57 bytes into 78 on the wire; the rest is headers and text */
	msg = (struct sk_buf)SK_BUF_INIT((size_t)(c->attach_max / 57 + 1) * 78 + 2 * BODY_MAX);
	if (sk_buf_adds(&body, summary, err) < 0)
		goto out;
	if (c->attach) {
		if (collect(s, c, argc, argv, &att, &natt, err) < 0 ||
		    attachments_section(&body, c, att, natt, err) < 0)
			goto out;
		if (!(parts = calloc(natt ? natt : 1, sizeof(*parts)))) {
			sk_err_set(err, SK_E_NOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < natt; i++) {
			struct sk_file_info info;
			if (att[i].state == ATT_MISSING || att[i].state == ATT_UNREADABLE) {
				sk_warnf("attachment '%s': %s: listed, not attached", att[i].path,
					 att[i].why);
				sk_step_count(s, "attachments_skipped", 1);
				continue;
			}
			if (att[i].state == ATT_OVER_CAP) {
				sk_warnf("attachment '%s': %llu bytes would pass MAIL_ATTACH_MAX_BYTES "
					 "(%llu in total): listed, not attached",
					 att[i].path, att[i].bytes, c->attach_max);
				sk_step_count(s, "attachments_skipped", 1);
				continue;
			}
			parts[nparts++] = (struct sk_mail_part){att[i].name, content_type(att[i].name),
								att[i].data, att[i].bytes};
			snprintf(info.path, sizeof(info.path), "%s", att[i].path);
			info.bytes = att[i].bytes;
			memcpy(info.sha256, att[i].sha256, sizeof(info.sha256));
			sk_step_output(s, &info); /* what was delivered, as upload steps record it */
			sk_step_count(s, "attachments", 1);
		}
	}
	if (sk_mail_new_id(c->from.addr, id, boundary, err) < 0)
		goto out;
	if (sk_mail_build(&(struct sk_mail){&c->from, &c->to, &c->cc, subject, body.data, now, id,
					    boundary, parts, nparts},
			  &msg, err) < 0) {
		sk_err_prefix(err, "mail");
		goto out;
	}
	sk_step_count(s, "recipients", (long long)c->nrcpt);
	sk_step_count(s, "message_bytes", (long long)msg.len);
	sk_step_detail(s, "message_id", id);
	if (c->outbox) {
		if (outbox_write(s, c, &msg, now, err) < 0)
			goto out;
		sk_step_detail(s, "mail", "outbox");
		ret = 0;
		goto out;
	}
	if (sk_step_retry_policy(&p, err) < 0)
		goto out;
	x = (struct send_ctx){s, c, &msg};
	if (sk_retry(&p, send_op, &x, &st, err) < 0)
		goto out;
	sk_step_detail(s, "mail", "sent");
	sk_log_fields(SK_LOG_INFO,
		      (struct sk_log_field[]){{"recipients", (long long)c->nrcpt, NULL},
					      {"bytes", (long long)msg.len, NULL},
					      {"attempts", st.attempt, NULL}},
		      3, "mail sent to %zu recipient%s (%zu bytes, %zu attachment%s, attempt %d)",
		      c->nrcpt, c->nrcpt == 1 ? "" : "s", msg.len, nparts, nparts == 1 ? "" : "s",
		      st.attempt);
	ret = 0;
out:
	if (ret < 0)
		sk_step_detail(s, "mail", "failed");
	for (size_t i = 0; i < natt; i++)
		free(att[i].data);
	free(att);
	free(parts);
	sk_buf_release(&body);
	sk_buf_release(&msg);
	return ret;
}

static int webhook(struct sk_step *s, const struct cfg *c, const char *subject,
		   const char *summary, struct sk_err *err)
{
	struct sk_buf text = SK_BUF_INIT(2 * SK_WEBHOOK_TEXT_MAX), json = SK_BUF_INIT(16 * SK_WEBHOOK_TEXT_MAX);
	struct sk_retry_policy p;
	int attempts = 0, ret = -1;

	if (sk_webhook_text(&text, subject, summary, err) < 0 ||
	    sk_webhook_json(&json, text.data, err) < 0 || sk_step_retry_policy(&p, err) < 0)
		goto out;
	sk_step_count(s, "webhook_bytes", (long long)json.len);
	ret = sk_webhook_post(c->webhook, c->webhook_ca, json.data, json.len, &p, &attempts, err);
	sk_step_count(s, "webhook_attempts", attempts);
	if (ret == 0)
		sk_infof("webhook posted (%zu bytes, attempt %d)", json.len, attempts);
out:
	sk_step_detail(s, "webhook", ret == 0 ? "sent" : "failed");
	sk_buf_release(&text);
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

int sk_notify_run(struct sk_step *s, const struct sk_notify_opts *o, int argc, char **argv,
		  struct sk_err *err)
{
	struct cfg *c = calloc(1, sizeof(*c));
	struct sk_summary *sm = NULL;
	struct sk_buf subject = SK_BUF_INIT(4096), summary = SK_BUF_INIT(BODY_MAX);
	struct sk_err merr = SK_ERR_INIT, werr = SK_ERR_INIT;
	char dir[PATH_MAX];
	int ret = -1;

	if (!c) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto out;
	}
	if (cfg_load(o, c, err) < 0)
		goto out;
	if (!c->nrcpt && !c->webhook) {
		sk_infof("no recipients (MAIL_TO, MAIL_CC) and no WEBHOOK_URL: nothing to send, skipped");
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
	if (sk_summary_subject(sm, c->prefix, c->pipeline, sk_step_run_id(s), &subject, err) < 0 ||
	    sk_summary_body(sm, c->pipeline, sk_step_run_id(s), &summary, err) < 0)
		goto out;
	sk_step_detail(s, "run_status", sk_summary_status(sm));
	sk_step_detail(s, "subject", subject.data);
	sk_step_count(s, "events", (long long)sk_summary_nevents(sm));
	sk_step_count(s, "failures", (long long)sk_summary_nfailures(sm));
	if (c->nrcpt)
		mail(s, c, subject.data, summary.data, argc, argv, &merr);
	else
		sk_step_detail(s, "mail", "skipped");
	if (c->webhook && !sk_interrupted())
		webhook(s, c, subject.data, summary.data, &werr);
	else if (!c->webhook)
		sk_step_detail(s, "webhook", "skipped");
	ret = pick_error(&merr, &werr, err);
out:
	sk_summary_close(sm);
	sk_buf_release(&subject);
	sk_buf_release(&summary);
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
	if (!c->nrcpt && !c->webhook) {
		sk_infof("no recipients (MAIL_TO, MAIL_CC) and no WEBHOOK_URL: nothing to check, "
			 "a run would skip");
		ret = 0;
		goto out;
	}
	if (c->nrcpt && c->outbox && check_outbox(c, &e) < 0)
		note_failure(&first, &e);
	if (c->nrcpt && !c->outbox) {
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
