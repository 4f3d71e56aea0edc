/*
 * notify.h: the notify step: summarise a run (summary.h) and send it by
 * e-mail (smtp.h, or into an outbox directory) and to a chat webhook
 * (webhook.h). tools/notify.c holds only the options; doc/notify.md is the
 * operator's documentation.
 *
 * Like step.c, this module is the step runtime of one tool, so it logs
 * (progress, skips, warnings) through log.h; the modules below it do not.
 */
#ifndef SK_NOTIFY_H
#define SK_NOTIFY_H

#include "errors.h"
#include "step.h"

/* The tool's settings as given (flag or environment), all borrowed,
 * NULL when unset. Secrets are not here: SMTP_PASSWORD(_FILE) and
 * WEBHOOK_URL(_FILE) are read with sk_env_secret(). */
struct sk_notify_opts {
	const char *smtp_url;       /* SMTP_URL */
	const char *smtp_tls;       /* SMTP_TLS: "required" (default) or "none" */
	const char *smtp_user;      /* SMTP_USER */
	const char *smtp_ca_file;   /* SMTP_CA_FILE */
	const char *smtp_timeout;   /* SMTP_TIMEOUT, seconds */
	const char *from;           /* MAIL_FROM */
	const char *to;             /* MAIL_TO, comma list */
	const char *cc;             /* MAIL_CC, comma list */
	const char *outbox;         /* MAIL_OUTBOX, a directory */
	const char *attach;         /* MAIL_ATTACH: yes/no */
	const char *attach_max;     /* MAIL_ATTACH_MAX_BYTES */
	const char *attach_follow_symlinks; /* MAIL_ATTACH_FOLLOW_SYMLINKS: yes/no */
	const char *subject_prefix; /* MAIL_SUBJECT_PREFIX, default "[stepkit]" */
	const char *pipeline;       /* NOTIFY_PIPELINE, default "sales-analysis" */
	const char *status;         /* NOTIFY_STATUS: Succeeded, Failed, Error */
	const char *failures;       /* NOTIFY_FAILURES: Argo's {{workflow.failures}} */
	const char *webhook_ca_file; /* WEBHOOK_CA_FILE */
	const char *alert_on;       /* NOTIFY_ALERT_ON: green (default), yellow, red */
	const char *to_warning;     /* NOTIFY_TO_WARNING: more recipients at YELLOW and RED */
	const char *to_critical;    /* NOTIFY_TO_CRITICAL: more recipients at RED */
	const char *approval_request; /* NOTIFY_APPROVAL_REQUEST: a flag (yes/no) */
	const char *workflow;       /* STEPKIT_WORKFLOW: the Argo Workflow's name */
	const char *namespace;      /* STEPKIT_NAMESPACE */
	const char *approval_node;  /* NOTIFY_APPROVAL_NODE, default "approve" */
	const char *approval_timeout; /* NOTIFY_APPROVAL_TIMEOUT, seconds */
};

/* Default total size of the attachments, bytes (10 MiB). */
#define SK_NOTIFY_ATTACH_MAX_DEFAULT (10ULL * 1024 * 1024)

/*
 * The step: validate the settings (SK_E_USAGE), skip with a log line when
 * there is neither a recipient nor a webhook, read the events under
 * WORKDIR/events and the failures, take the run's level (summary.h); below
 * NOTIFY_ALERT_ON skip with a log line (not for an approval request); pick
 * the recipients by level (MAIL_TO; NOTIFY_TO_WARNING too at YELLOW and
 * RED; NOTIFY_TO_CRITICAL too at RED), build the message (the summary, or
 * with --approval-request what the approver must look at and the argo
 * commands; text and HTML), attach the files
 * `argv` (default: the three reports in the work directory) under the size
 * cap, then write it to the outbox or send it (retrying transient errors),
 * and post to the webhook. Records recipients, message bytes, attachments,
 * attempts and what was done in the step's event. 0, or -1 with `err`.
 */
int sk_notify_run(struct sk_step *s, const struct sk_notify_opts *o, int argc, char **argv,
		  struct sk_err *err);

/*
 * --check: validate the settings, then test each configured channel
 * without sending: the SMTP server (connect, STARTTLS, AUTH, MAIL FROM and
 * RCPT TO accepted), the outbox directory (writable) and the webhook host
 * (reachable). Every failure is logged with what to do; the first is
 * returned. 0, or -1 with `err`.
 */
int sk_notify_check(struct sk_step *s, const struct sk_notify_opts *o, int argc, char **argv,
		    struct sk_err *err);

#endif
