/* Unit tests for lib/triggers.c: the workflows a finished run starts. */
#include "base.h"
#include "triggers.h"
#include "tap.h"

static char got[4096];

/* compute CONFIG for RUN: the list, or "ERR code: message" */
static const char *compute(const char *config, const struct sk_triggers_run *run)
{
	struct sk_err err = SK_ERR_INIT;
	size_t n = 99;
	char *list = sk_triggers_compute(config, "t.json", run, &n, &err);

	if (!list)
		snprintf(got, sizeof(got), "ERR %d: %s", (int)err.code, err.msg);
	else
		snprintf(got, sizeof(got), "%zu %s", n, list);
	free(list);
	return got;
}

#define CFG(entries) "{\"templates\": {\"t\": {" entries "}}}"

int main(void)
{
	const char *params = "[{\"name\":\"period\",\"value\":\"daily\",\"enum\":[\"daily\"]},"
			     "{\"name\":\"q\",\"value\":\"a \\\"b\\\"\"}]";
	struct sk_triggers_run ok_run = {"t", "Succeeded", "none", "wf-1", "ns", params};
	struct sk_triggers_run run;
	const char *both = CFG("\"on_success\": [{\"template\": \"a\"}], "
			       "\"on_approval\": [{\"template\": \"b\", \"parameters\": {}}]");
	char big[8192];
	size_t len;

	/* which lists: status and approval */
	is_str(compute(both, &ok_run),
	       "1 [{\"template\":\"a\",\"reason\":\"on_success\",\"parameters\":[]}]",
	       "Succeeded, not asked: on_success only");
	run = ok_run, run.approval = "yes";
	is_str(compute(both, &run),
	       "2 [{\"template\":\"a\",\"reason\":\"on_success\",\"parameters\":[]},"
	       "{\"template\":\"b\",\"reason\":\"on_approval\",\"parameters\":[]}]",
	       "Succeeded, approved: on_success then on_approval");
	run = ok_run, run.approval = "no";
	is_str(compute(both, &run), "0 []", "rejected: nothing");
	run = ok_run, run.status = "Failed", run.approval = "yes";
	is_str(compute(both, &run), "0 []", "Failed: nothing");
	run = ok_run, run.status = "Error";
	is_str(compute(both, &run), "0 []", "Error: nothing");
	run = ok_run, run.template_ = "other";
	is_str(compute(both, &run), "0 []", "a template the config does not name: nothing");
	is_str(compute("{\"templates\": {}}", &ok_run), "0 []", "no templates: nothing");

	/* substitution */
	is_str(compute(CFG("\"on_success\": [{\"template\": \"a\", \"parameters\": {"
			   "\"p\": \"{{workflow.parameters.period}}-{{ workflow.name }}\", "
			   "\"q\": \"{{workflow.parameters.q}}\", \"n\": "
			   "\"{{workflow.namespace}}/{{workflow.status}}\", "
			   "\"plain\": \"x } {\"}}]"),
		       &ok_run),
	       "1 "
	       "[{\"template\":\"a\",\"reason\":\"on_success\",\"parameters\":[{\"name\":\"p\","
	       "\"value\":\"daily-wf-1\"},"
	       "{\"name\":\"q\",\"value\":\"a "
	       "\\\"b\\\"\"},{\"name\":\"n\",\"value\":\"ns/Succeeded\"},"
	       "{\"name\":\"plain\",\"value\":\"x } {\"}]}]",
	       "tags with and without blanks, quotes kept as JSON, text without tags as is");
	run = ok_run, run.namespace_ = NULL;
	is_str(compute(CFG("\"on_success\": [{\"template\": \"a\", \"parameters\": {\"n\": "
			   "\"{{workflow.namespace}}\"}}]"),
		       &run),
	       "ERR 1: 't.json': templates.t.on_success[0].parameters.n: '{{workflow.namespace}}' "
	       "has no value in this run (set --namespace)",
	       "an unset namespace is named");
	is_str(compute(CFG("\"on_success\": [{\"template\": \"a\", \"parameters\": {\"n\": "
			   "\"{{workflow.name\"}}]"),
		       &ok_run),
	       "ERR 1: 't.json': templates.t.on_success[0].parameters.n: '{{' without '}}'",
	       "an open tag");
	len = (size_t)snprintf(big, sizeof(big),
			       "{\"templates\": {\"t\": {\"on_success\": [{\"template\": \"a\", "
			       "\"parameters\": {\"n\": \"{{");
	memset(big + len, 'x', 200);
	snprintf(big + len + 200, sizeof(big) - len - 200, "}}\"}}]}}}");
	is_str(compute(big, &ok_run),
	       "ERR 1: 't.json': templates.t.on_success[0].parameters.n: a {{...}} tag longer than "
	       "159 bytes",
	       "a tag too long");

	/* the configuration's shape: exit 2 (SK_E_USAGE = 1) naming the key */
	is_str(compute("{\"templates\": {\"t\": {}}, \"x\": 1}", &ok_run),
	       "ERR 1: 't.json': unknown key 'x' (templates)", "an unknown top-level key");
	is_str(compute("[]", &ok_run),
	       "ERR 1: 't.json': want {\"templates\": {\"NAME\": {\"on_success\": [...], "
	       "\"on_approval\": [...]}}}",
	       "not an object");
	is_str(compute("{\"templates\": {\"t\": {}, \"t\": {}}}", &ok_run),
	       "ERR 1: 't.json': line 1: not valid JSON: duplicate object key near '\"t\"'",
	       "a duplicate key");
	is_str(compute(CFG("\"on_success\": {}"), &ok_run),
	       "ERR 1: 't.json': templates.t.on_success: want a list of {\"template\": ..., "
	       "\"parameters\": {...}}",
	       "a list that is not one");
	is_str(compute(CFG("\"on_success\": [{\"template\": \"a\", \"params\": {}}]"), &ok_run),
	       "ERR 1: 't.json': templates.t.on_success[0]: unknown key 'params' (template, "
	       "parameters)",
	       "an unknown entry key");
	is_str(compute(CFG("\"on_success\": [{\"template\": \"-a\"}]"), &ok_run),
	       "ERR 1: 't.json': templates.t.on_success[0].template: want a WorkflowTemplate name "
	       "(lowercase letters, digits, '-'; at most 57)",
	       "a name starting with '-'");
	snprintf(big, sizeof(big), CFG("\"on_success\": [{\"template\": \"%.58s\"}]"),
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ok(strstr(compute(big, &ok_run), "at most 57") != NULL, "a 58-character name");
	snprintf(big, sizeof(big), CFG("\"on_success\": [{\"template\": \"%.57s\"}]"),
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ok(compute(big, &ok_run)[0] == '1', "a 57-character name");
	is_str(compute(CFG("\"on_success\": [{\"template\": \"a\", \"parameters\": {\"a b\": "
			   "\"x\"}}]"),
		       &ok_run),
	       "ERR 1: 't.json': templates.t.on_success[0].parameters.a b: not a parameter name "
	       "(letters, digits, '-', '_')",
	       "a parameter name with a blank");
	/* a mistake in another template's list is found too */
	is_str(compute("{\"templates\": {\"t\": {}, \"u\": {\"on_success\": [{\"template\": "
		       "\"A\"}]}}}",
		       &ok_run),
	       "ERR 1: 't.json': templates.u.on_success[0].template: want a WorkflowTemplate name "
	       "(lowercase letters, digits, '-'; at most 57)",
	       "every template's entries are checked");

	/* the run's values */
	run = ok_run, run.status = "Running";
	is_str(compute(both, &run),
	       "ERR 1: --status: want Succeeded, Failed or Error (got 'Running')",
	       "a status Argo's exit handler never gives");
	run = ok_run, run.approval = "YES";
	is_str(compute(both, &run), "ERR 1: --approval: want yes, no or none (got 'YES')",
	       "approval is case-sensitive");
	run = ok_run, run.parameters = "{}";
	ok(strstr(compute(both, &run), "ERR 1: --parameters: want Argo's") == got,
	   "parameters not a list");
	run = ok_run, run.template_ = NULL;
	is_str(compute(both, &run),
	       "ERR 1: --template: want the WorkflowTemplate's name (STEPKIT_TEMPLATE)",
	       "no template");
	return done_testing();
}
