/*
 * triggers: the downstream workflows a finished run starts, as a JSON list
 * that Argo reads (an output parameter) and creates with a `resource`
 * template. The work is in lib/triggers.c; docs/argo.md ("Triggers")
 * documents the configuration.
 */
#include "base.h"
#include "step.h"
#include "triggers.h"

static struct sk_triggers_opts o;

static const struct sk_opt opts[] = {
	{"config", "STEPKIT_TRIGGERS", "FILE", "the triggers configuration (JSON)", &o.config},
	{"template", "STEPKIT_TEMPLATE", "NAME", "the WorkflowTemplate this run comes from",
	 &o.template_},
	{"status", "STEPKIT_WORKFLOW_STATUS", "STATUS",
	 "the run's status: Succeeded, Failed or Error", &o.status},
	{"approval", "STEPKIT_APPROVAL", "ANSWER",
	 "yes or no when a person was asked, none when not (default none)", &o.approval},
	{"parameters", "STEPKIT_WORKFLOW_PARAMETERS", "JSON",
	 "the run's parameters: Argo's {{workflow.parameters.json}}", &o.parameters},
	{"workflow", "STEPKIT_WORKFLOW", "NAME", "the run's workflow name (default: the run id)",
	 &o.workflow},
	{"namespace", "STEPKIT_NAMESPACE", "NS", "the run's namespace, for {{workflow.namespace}}",
	 &o.namespace_},
	{"out", "STEPKIT_TRIGGERS_OUT", "FILE",
	 "write the list to FILE (default DIR/triggers.json)", &o.out},
	{"fail-if-rejected", "STEPKIT_FAIL_IF_REJECTED", NULL,
	 "exit 1 when --approval is no (the run's `rejected` task)", &o.fail_if_rejected},
	{0},
};

static int run(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_triggers_tool_run(s, &o, err);
}

static int check(struct sk_step *s, int argc, char **argv, struct sk_err *err)
{
	(void)argc, (void)argv;
	return sk_triggers_tool_check(s, &o, err);
}

const struct sk_tool tool = {
	.name = "triggers",
	.summary = "List the workflows a finished run starts (on_success, on_approval).",
	.details = "Writes DIR/triggers.json: a JSON list of {\"template\", \"reason\",\n"
		   "\"parameters\": [{\"name\", \"value\"}]}, empty when the run did not succeed.\n"
		   "On_approval entries join when --approval is yes.\n",
	.opts = opts,
	.max_args = 0,
	.run = run,
	.check = check,
};
