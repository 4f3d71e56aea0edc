/*
 * notify: e-mail (SMTP with STARTTLS or implicit TLS, or an outbox
 * directory) and chat-webhook notification summarising a run from the
 * steps' events; in Argo's exit handler also from {{workflow.failures}}.
 * The work is in lib/notify.c; doc/notify.md documents the settings.
 */
#include "base.h"
#include "notify.h"
#include "step.h"

static struct sk_notify_opts o;

static const struct sk_opt opts[] = {
	{"smtp-url", "SMTP_URL", "URL", "smtp://HOST:PORT (STARTTLS required) or smtps://HOST:PORT", &o.smtp_url},
	{"smtp-tls", "SMTP_TLS", "MODE", "required (default) or none (plain smtp:// to a local relay)", &o.smtp_tls},
	{"smtp-user", "SMTP_USER", "USER", "login (password: SMTP_PASSWORD or SMTP_PASSWORD_FILE)", &o.smtp_user},
	{"smtp-ca-file", "SMTP_CA_FILE", "FILE", "trust the CA certificates in FILE (PEM)", &o.smtp_ca_file},
	{"smtp-timeout", "SMTP_TIMEOUT", "SECONDS", "limit for one delivery attempt (default 120)", &o.smtp_timeout},
	{"from", "MAIL_FROM", "ADDR", "sender, 'local@domain' or 'Name <local@domain>'", &o.from},
	{"to", "MAIL_TO", "LIST", "recipients, comma-separated", &o.to},
	{"cc", "MAIL_CC", "LIST", "copy recipients, comma-separated", &o.cc},
	{"outbox", "MAIL_OUTBOX", "DIR", "write the message to DIR/RUN-TIME.eml (-2, -3... if taken) instead of sending", &o.outbox},
	{"attach", "MAIL_ATTACH", "yes|no", "attach the reports (default no)", &o.attach},
	{"attach-max-bytes", "MAIL_ATTACH_MAX_BYTES", "N", "attach at most N bytes in total (default 10485760)", &o.attach_max},
	{"attach-follow-symlinks", "MAIL_ATTACH_FOLLOW_SYMLINKS", "yes|no", "attach a symbolic link that leads out of WORKDIR (default no: listed, not attached)", &o.attach_follow_symlinks},
	{"subject-prefix", "MAIL_SUBJECT_PREFIX", "TEXT", "subject prefix (default [stepkit])", &o.subject_prefix},
	{"pipeline", "NOTIFY_PIPELINE", "NAME", "pipeline name in the subject (default sales-analysis)", &o.pipeline},
	{"status", "NOTIFY_STATUS", "STATUS", "Succeeded, Failed or Error (default: from the events)", &o.status},
	{"failures", "NOTIFY_FAILURES", "JSON", "Argo's {{workflow.failures}}: what failed and why", &o.failures},
	{"webhook-ca-file", "WEBHOOK_CA_FILE", "FILE", "trust the CA certificates in FILE for the webhook", &o.webhook_ca_file},
	{"alert-on", "NOTIFY_ALERT_ON", "LEVEL", "green (default: every run), yellow or red: below it, no mail and no webhook", &o.alert_on},
	{"to-warning", "NOTIFY_TO_WARNING", "LIST", "more recipients when the run is YELLOW or RED", &o.to_warning},
	{"to-critical", "NOTIFY_TO_CRITICAL", "LIST", "more recipients when the run is RED (a step failed or a check failed)", &o.to_critical},
	{"approval-request", "NOTIFY_APPROVAL_REQUEST", NULL, "tell the approver the run waits: the checks, the argo commands", &o.approval_request},
	{"workflow", "STEPKIT_WORKFLOW", "NAME", "the Argo workflow waiting (with --approval-request; {{workflow.name}})", &o.workflow},
	{"namespace", "STEPKIT_NAMESPACE", "NS", "its namespace (default: none given, kubectl's context)", &o.namespace},
	{"approval-node", "NOTIFY_APPROVAL_NODE", "NAME", "display name of the suspend node (default approve)", &o.approval_node},
	{"approval-timeout", "NOTIFY_APPROVAL_TIMEOUT", "SECONDS", "how long the suspend waits before the run fails", &o.approval_timeout},
	{0},
};

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_notify_run(s, &o, argc, argv, err);
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	return sk_notify_check(s, &o, argc, argv, err);
}

const struct sk_tool tool = {
	.name = "notify",
	.summary = "Mail and/or post a summary of the run (steps, rows, files, errors).",
	.args = "[FILE]...",
	.details = "Reads DIR/events/*.json. Attaches FILEs (default: the three reports in DIR)\n"
		   "when MAIL_ATTACH=yes. Secrets only from the environment or files:\n"
		   "SMTP_PASSWORD or SMTP_PASSWORD_FILE, WEBHOOK_URL or WEBHOOK_URL_FILE\n"
		   "(a Slack/Teams-style incoming webhook, JSON {\"text\": ...}).\n"
		   "No recipients and no webhook: logs that it skipped and exits 0.\n"
		   "The subject starts with the run's level: RED if a step failed or is\n"
		   "RED, else YELLOW if a step is YELLOW, else GREEN. Recipients: MAIL_TO\n"
		   "and MAIL_CC always; NOTIFY_TO_WARNING too when YELLOW or RED;\n"
		   "NOTIFY_TO_CRITICAL too when RED. The mail has a text and an HTML part.\n",
	.opts = opts,
	.max_args = -1,
	.run = run,
	.check = check,
	.exits = SK_TOOL_REMOTE,
	.makes_workdir = 1, /* the failure notice runs where the volume may be missing */
};
