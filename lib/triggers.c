#include "base.h"
#include "triggers.h"
#include "buf.h"
#include "fsutil.h"
#include "k8sname.h"
#include "log.h"
#include "step.h"

#include <jansson.h>
#include <limits.h>

#define CONFIG_MAX (1u << 20) /* a ConfigMap holds at most 1 MiB */
#define MAX_TRIGGERS 100      /* per run: more is a configuration mistake */
/* generateName "NAME-" plus Kubernetes' 5 random characters stays a valid
 * 63-character name (the label workflows.argoproj.io/workflow) */
#define TEMPLATE_NAME_MAX 57

/* An Argo parameter name: letters, digits, '-' and '_'. */
static int valid_param(const char *s)
{
	if (!*s || strlen(s) > 128)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* The value of workflow parameter `name` in Argo's JSON list, or NULL. */
static const char *workflow_param(json_t *params, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(params, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));
		if (n && strcmp(n, name) == 0)
			return json_string_value(json_object_get(p, "value"));
	}
	return NULL;
}

/* Replace the {{...}} tags of `in` (at key `where`) into `out`. */
static int expand(struct sk_buf *out, const char *in, const char *where,
		  const struct sk_triggers_run *run, json_t *params, struct sk_err *err)
{
	const char *p = in;

	sk_buf_reset(out);
	while (*p) {
		const char *open = strstr(p, "{{"), *close, *val = NULL;
		char tag[160];
		size_t n;

		if (!open)
			return sk_buf_adds(out, p, err);
		if (sk_buf_add(out, p, (size_t)(open - p), err) < 0)
			return -1;
		if (!(close = strstr(open + 2, "}}")))
			return sk_err_set(err, SK_E_USAGE, "%s: '{{' without '}}'", where);
		n = (size_t)(close - open - 2);
		/* Argo allows blanks inside the braces: {{ workflow.name }} */
		while (n && open[2] == ' ')
			open++, n--;
		while (n && open[2 + n - 1] == ' ')
			n--;
		if (n >= sizeof(tag))
			return sk_err_set(err, SK_E_USAGE,
					  "%s: a {{...}} tag longer than %zu bytes", where,
					  sizeof(tag) - 1);
		memcpy(tag, open + 2, n);
		tag[n] = '\0';
		if (strcmp(tag, "workflow.name") == 0)
			val = run->workflow;
		else if (strcmp(tag, "workflow.namespace") == 0)
			val = run->namespace_;
		else if (strcmp(tag, "workflow.status") == 0)
			val = run->status;
		else if (strncmp(tag, "workflow.parameters.", 20) == 0) {
			if (!(val = workflow_param(params, tag + 20)))
				return sk_err_set(
					err, SK_E_USAGE,
					"%s: '{{%s}}': the run has no parameter '%s'%s", where, tag,
					tag + 20,
					json_array_size(params) ? "" : " (no --parameters given)");
		} else
			return sk_err_set(
				err, SK_E_USAGE,
				"%s: '{{%s}}' is not known (use workflow.name, workflow.namespace, "
				"workflow.status or workflow.parameters.NAME)",
				where, tag);
		if (!val)
			return sk_err_set(
				err, SK_E_USAGE, "%s: '{{%s}}' has no value in this run (set --%s)",
				where, tag,
				strcmp(tag, "workflow.namespace") == 0 ? "namespace" : "workflow");
		if (sk_buf_adds(out, val, err) < 0)
			return -1;
		p = close + 2;
	}
	return 0;
}

/* Append the entries of `list` (key `where`) to `result`. */
static int add_list(json_t *result, json_t *list, const char *where, const char *reason,
		    const struct sk_triggers_run *run, json_t *params, struct sk_err *err)
{
	struct sk_buf v = SK_BUF_INIT(64 << 10);
	char at[320];
	size_t i;
	json_t *e;
	int ret = -1;

	if (!json_is_array(list)) {
		sk_err_set(err, SK_E_USAGE,
			   "%s: want a list of {\"template\": ..., \"parameters\": {...}}", where);
		goto out;
	}
	json_array_foreach(list, i, e) {
		const char *key, *tmpl;
		json_t *val, *item = NULL, *plist = NULL, *ps;

		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (!json_is_object(e)) {
			sk_err_set(err, SK_E_USAGE,
				   "%s: want an object {\"template\": ..., \"parameters\": {...}}",
				   at);
			goto out;
		}
		json_object_foreach(e, key, val) {
			if (strcmp(key, "template") != 0 && strcmp(key, "parameters") != 0) {
				sk_err_set(err, SK_E_USAGE,
					   "%s: unknown key '%s' (template, parameters)", at, key);
				goto out;
			}
		}
		tmpl = json_string_value(json_object_get(e, "template"));
		if (!tmpl || !sk_k8s_name(tmpl, TEMPLATE_NAME_MAX, 0)) {
			sk_err_set(err, SK_E_USAGE,
				   "%s.template: want a WorkflowTemplate name (lowercase letters, "
				   "digits, '-'; "
				   "at most %d)",
				   at, TEMPLATE_NAME_MAX);
			goto out;
		}
		ps = json_object_get(e, "parameters");
		if (ps && !json_is_object(ps)) {
			sk_err_set(err, SK_E_USAGE, "%s.parameters: want an object of name: value",
				   at);
			goto out;
		}
		if (json_array_size(result) == MAX_TRIGGERS) {
			sk_err_set(err, SK_E_USAGE, "%s: more than %d workflows to start", at,
				   MAX_TRIGGERS);
			goto out;
		}
		if (!(item = json_object()) || !(plist = json_array()) ||
		    json_object_set_new(item, "template", json_string(tmpl)) < 0 ||
		    json_object_set_new(item, "reason", json_string(reason)) < 0 ||
		    json_object_set(item, "parameters", plist) < 0 ||
		    json_array_append(result, item) < 0) {
			json_decref(item);
			json_decref(plist);
			sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
			goto out;
		}
		json_decref(item);
		json_object_foreach(ps, key, val) {
			char pat[480];
			json_t *p;

			snprintf(pat, sizeof(pat), "%s.parameters.%s", at, key);
			if (!valid_param(key)) {
				json_decref(plist);
				sk_err_set(err, SK_E_USAGE,
					   "%s: not a parameter name (letters, digits, '-', '_')",
					   pat);
				goto out;
			}
			if (!json_is_string(val)) {
				json_decref(plist);
				sk_err_set(err, SK_E_USAGE,
					   "%s: want a string (quote numbers: \"7\")", pat);
				goto out;
			}
			if (expand(&v, json_string_value(val), pat, run, params, err) < 0) {
				json_decref(plist);
				goto out;
			}
			if (!(p = json_pack("{s:s, s:s%}", "name", key, "value",
					    v.data ? v.data : "", v.len)) ||
			    json_array_append_new(plist, p) < 0) {
				json_decref(plist);
				sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
				goto out;
			}
		}
		json_decref(plist);
	}
	ret = 0;
out:
	sk_buf_release(&v);
	return ret;
}

char *sk_triggers_compute(const char *config, const char *source, const struct sk_triggers_run *run,
			  size_t *count, struct sk_err *err)
{
	json_t *root = NULL, *params = NULL, *tmpls, *mine, *result = NULL, *val;
	json_error_t je;
	const char *key;
	char where[200], *text = NULL;
	int succeeded;

	*count = 0;
	if (!run->template_ || !sk_k8s_name(run->template_, 253, 0)) {
		sk_err_set(err, SK_E_USAGE,
			   "--template: want the WorkflowTemplate's name (STEPKIT_TEMPLATE)");
		goto out;
	}
	if (!run->status ||
	    (strcmp(run->status, "Succeeded") != 0 && strcmp(run->status, "Failed") != 0 &&
	     strcmp(run->status, "Error") != 0)) {
		sk_err_set(err, SK_E_USAGE, "--status: want Succeeded, Failed or Error (got '%s')",
			   run->status ? run->status : "");
		goto out;
	}
	if (!run->approval ||
	    (strcmp(run->approval, "yes") != 0 && strcmp(run->approval, "no") != 0 &&
	     strcmp(run->approval, "none") != 0)) {
		sk_err_set(err, SK_E_USAGE, "--approval: want yes, no or none (got '%s')",
			   run->approval ? run->approval : "");
		goto out;
	}
	if (run->parameters && *run->parameters) {
		size_t i;
		json_t *p;

		params = json_loads(run->parameters, 0, &je);
		if (!json_is_array(params)) {
			sk_err_set(err, SK_E_USAGE,
				   "--parameters: want Argo's {{workflow.parameters.json}}, a JSON "
				   "list of "
				   "{\"name\": ..., \"value\": ...}");
			goto out;
		}
		json_array_foreach(params, i, p) {
			if (!json_is_string(json_object_get(p, "name"))) {
				sk_err_set(err, SK_E_USAGE, "--parameters[%zu]: no \"name\"", i);
				goto out;
			}
		}
	} else if (!(params = json_array())) {
		sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
		goto out;
	}
	if (!(root = json_loads(config, JSON_REJECT_DUPLICATES, &je))) {
		sk_err_set(err, SK_E_USAGE, "'%s': line %d: not valid JSON: %s", source, je.line,
			   je.text);
		goto out;
	}
	if (!json_is_object(root) || !json_is_object(tmpls = json_object_get(root, "templates"))) {
		sk_err_set(err, SK_E_USAGE,
			   "'%s': want {\"templates\": {\"NAME\": {\"on_success\": [...], "
			   "\"on_approval\": [...]}}}",
			   source);
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (strcmp(key, "templates") != 0) {
			sk_err_set(err, SK_E_USAGE, "'%s': unknown key '%s' (templates)", source,
				   key);
			goto out;
		}
	}
	if (!(result = json_array())) {
		sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
		goto out;
	}
	succeeded = strcmp(run->status, "Succeeded") == 0;
	/* every template's entries are checked, so that a mistake shows on the
	 * first run of any template, not on the night its list is used */
	json_object_foreach(tmpls, key, mine) {
		const char *k2;
		int self = strcmp(key, run->template_) == 0;

		if (!json_is_object(mine)) {
			sk_err_set(err, SK_E_USAGE,
				   "'%s': templates.%s: want {\"on_success\": [...], "
				   "\"on_approval\": [...]}",
				   source, key);
			goto out;
		}
		json_object_foreach(mine, k2, val) {
			int on_success = strcmp(k2, "on_success") == 0;
			int use;
			json_t *sink;

			if (!on_success && strcmp(k2, "on_approval") != 0) {
				sk_err_set(err, SK_E_USAGE,
					   "'%s': templates.%s: unknown key '%s' (on_success, "
					   "on_approval)",
					   source, key, k2);
				goto out;
			}
			/* a rejected run published nothing: it starts nothing either */
			use = self && succeeded && strcmp(run->approval, "no") != 0 &&
			      (on_success || strcmp(run->approval, "yes") == 0);
			snprintf(where, sizeof(where), "'%s': templates.%s.%s", source, key, k2);
			if (!(sink = use ? json_incref(result) : json_array())) {
				sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
				goto out;
			}
			if (add_list(sink, val, where, k2, run, params, err) < 0) {
				json_decref(sink);
				goto out;
			}
			json_decref(sink);
		}
	}
	if (!(text = json_dumps(result, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		sk_err_set(err, SK_E_NOMEM, "triggers: out of memory");
	else
		*count = json_array_size(result);
out:
	json_decref(result);
	json_decref(root);
	json_decref(params);
	return text;
}

/* Read the configuration and compute; the list, or NULL with `err`. */
static char *compute(struct sk_step *s, const struct sk_triggers_opts *o, size_t *count,
		     struct sk_err *err)
{
	struct sk_triggers_run run = {
		.template_ = o->template_,
		.status = o->status,
		.approval = o->approval ? o->approval : "none",
		.workflow = o->workflow && *o->workflow ? o->workflow : sk_step_run_id(s),
		.namespace_ = o->namespace_ && *o->namespace_ ? o->namespace_ : NULL,
		.parameters = o->parameters,
	};
	char *config, *list;

	if (!o->config || !*o->config) {
		sk_err_set(err, SK_E_USAGE,
			   "--config: the triggers file is not set (STEPKIT_TRIGGERS)");
		return NULL;
	}
	if (!(config = sk_read_config(o->config, CONFIG_MAX, sk_opt_given_as("--config"), err)))
		return NULL;
	sk_step_input(s, o->config);
	list = sk_triggers_compute(config, o->config, &run, count, err);
	free(config);
	return list;
}

int sk_triggers_tool_run(struct sk_step *s, const struct sk_triggers_opts *o, struct sk_err *err)
{
	char path[PATH_MAX];
	struct sk_file_info info;
	size_t count;
	char *list;
	int ret = -1;

	if (sk_step_path(s, path, o->out, "triggers.json", err) < 0)
		return -1;
	if (!(list = compute(s, o, &count, err)))
		return -1;
	if (sk_write_file_atomic(path, list, strlen(list), 1, &info, err) < 0)
		goto out;
	sk_step_output(s, &info);
	sk_step_rows(s, 0, (long long)count);
	if (o->fail_if_rejected && o->approval && strcmp(o->approval, "no") == 0) {
		sk_err_set(
			err, SK_E_PERMANENT,
			"approval: the run was rejected (approve is not yes: answered no, resumed "
			"without an answer, or not answered in time); nothing was published and no "
			"workflow is started");
		goto out;
	}
	if (count)
		sk_infof("%zu workflow(s) to start: %s", count, list);
	else
		sk_infof("no workflow to start (template %s, status %s, approval %s)", o->template_,
			 o->status, o->approval ? o->approval : "none");
	ret = 0;
out:
	free(list);
	return ret;
}

int sk_triggers_tool_check(struct sk_step *s, const struct sk_triggers_opts *o, struct sk_err *err)
{
	size_t count;
	char *list = compute(s, o, &count, err);

	if (!list)
		return -1;
	sk_infof("check passed: '%s' is valid; this run would start %zu workflow(s)", o->config,
		 count);
	free(list);
	return 0;
}
