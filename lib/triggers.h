/*
 * triggers.h: the downstream workflows a finished run starts (issue 11,
 * "Downstream triggers"), computed from a JSON configuration and the run's
 * outcome. Argo creates them (a `resource` template with `withParam` over the
 * list this module writes); nothing here talks to Kubernetes.
 *
 * The configuration (ConfigMap stepkit-triggers, argo/base/triggers.json):
 *
 *   {"templates": {"sales-analysis": {
 *       "on_success":  [{"template": "warehouse-load",
 *                        "parameters": {"period": "{{workflow.parameters.period}}",
 *                                       "triggered_by": "{{workflow.name}}"}}],
 *       "on_approval": [...]}}}
 *
 * A run that Succeeded starts its template's `on_success` entries, and also
 * its `on_approval` entries when a person approved it (approval "yes"). A
 * run that did not succeed, or that was rejected (approval "no"), starts
 * nothing. Parameter values may use
 * {{workflow.name}}, {{workflow.namespace}}, {{workflow.status}} and
 * {{workflow.parameters.NAME}}; any other tag is a configuration error.
 *
 * The list written (compact JSON, one line, no newline):
 *   [{"template": "warehouse-load", "reason": "on_success",
 *     "parameters": [{"name": "period", "value": "daily"}, ...]}, ...]
 */
#ifndef SK_TRIGGERS_H
#define SK_TRIGGERS_H
#include "errors.h"

struct sk_step;

/* The options of the triggers tool (borrowed strings, NULL when unset). */
struct sk_triggers_opts {
	const char *config;     /* --config FILE / STEPKIT_TRIGGERS */
	const char *template_;  /* --template NAME / STEPKIT_TEMPLATE */
	const char *status;     /* --status Succeeded|Failed|Error */
	const char *approval;   /* --approval yes|no|none (none: not asked) */
	const char *parameters; /* --parameters JSON: Argo's {{workflow.parameters.json}} */
	const char *workflow;   /* --workflow NAME (default: the run id) */
	const char *namespace_; /* --namespace NS */
	const char *out;        /* --out FILE (default DIR/triggers.json) */
	const char *fail_if_rejected; /* --fail-if-rejected: approval "no" fails (exit 1) */
};

/* The values the configuration's {{...}} tags may use. */
struct sk_triggers_run {
	const char *template_; /* the WorkflowTemplate this run comes from */
	const char *status;    /* Succeeded, Failed or Error */
	const char *approval;  /* yes, no or none */
	const char *workflow;  /* the run's workflow name */
	const char *namespace_;
	const char *parameters; /* JSON list [{"name": N, "value": V}, ...], or NULL */
};

/*
 * Compute the list for `run` from the configuration text `config` (named
 * `source` in messages). Returns the list as a malloc'd JSON string the
 * caller frees, and in `*count` its length; NULL with `err` set: SK_E_USAGE
 * for a wrong configuration or value (the message names the key), SK_E_NOMEM.
 */
char *sk_triggers_compute(const char *config, const char *source, const struct sk_triggers_run *run,
			  size_t *count, struct sk_err *err);

/*
 * The tool: read the configuration, compute, write the list atomically.
 * With `fail_if_rejected` and approval "no", the (empty) list is written and
 * the run fails: SK_E_PERMANENT, the message saying nothing was published.
 */
int sk_triggers_tool_run(struct sk_step *s, const struct sk_triggers_opts *o, struct sk_err *err);
/* --check: the configuration and the values are valid; nothing written. */
int sk_triggers_tool_check(struct sk_step *s, const struct sk_triggers_opts *o, struct sk_err *err);
#endif
