#!/bin/bash
# Issue 11 in Argo, through scripts/run-local on argo/: the quality levels
# the data tasks expose (output parameter `quality` from events/STEP.quality),
# the approval (parameter `approval`: never, on-yellow, always; the suspend
# node `approve` answered yes, no, by nobody in time, or not at all), the
# downstream triggers (the `triggers` tool, the resource template that
# creates one Workflow each, --run-triggered), and run-local's own support
# for output parameters, suspend nodes and resource templates.
#
# The data steps, the uploads and notify are stand-ins (tests/cli/approval.t
# writes them into $T/bin): each records its call and writes the level a
# data step writes, as FAKE_QUALITY says. They replace the real programs
# whatever those write, so these tests hold before and after the steps
# write events/STEP.quality themselves. `triggers` is the real program.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
A=$TOP/argo
RL=$TOP/scripts/run-local
VALIDATE=$TOP/../shared/tools/validate-argo
$PY -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed (scripts/install-deps)"

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }

# --- the stand-ins
mkdir -p "$T/bin" "$T/cfg"
cat >"$T/bin/stub" <<'EOF'
#!/bin/sh
# A stand-in for a stepkit program: records its call (STUB_LOG), writes the
# level a data step writes (events/STEP.quality, exactly the level, from
# FAKE_QUALITY="step=LEVEL ..."; GREEN by default; "none": no file, as a
# step that failed before its checks) and fails when FAKE_FAIL names it.
name=${0##*/}
wd=. step=$name
for a in "$@"; do
	case $a in
	--workdir=*) wd=${a#--workdir=} ;;
	--event-file=*) step=${a#--event-file=*/events/} step=${step%.json} ;;
	esac
done
printf '%s %s\n' "$step" "$*" >>"$STUB_LOG"
case $name in
extract-* | transform | analyze-*)
	printf '%s env STEPKIT_TEMPLATE=%s STEPKIT_QUALITY=%s\n' "$step" "${STEPKIT_TEMPLATE-unset}" \
		"$(sha256sum <"$STEPKIT_QUALITY" | cut -c1-16)" >>"$STUB_LOG"
	level=GREEN
	for q in ${FAKE_QUALITY-}; do
		[ "${q%%=*}" = "$step" ] && level=${q#*=}
	done
	mkdir -p "$wd/events" || exit 1
	case " ${FAKE_FAIL-} " in *" $step "*) exit 1 ;; esac
	[ "$level" = none ] || printf '%s' "$level" >"$wd/events/$step.quality"
	;;
esac
case " ${FAKE_FAIL-} " in *" $step "*) exit 1 ;; esac
exit 0
EOF
chmod +x "$T/bin/stub"
for n in extract-sales extract-customers extract-products transform analyze-sales analyze-customers analyze-products upload-http notify; do
	ln -s stub "$T/bin/$n"
done
ln -s "$BIN/triggers" "$T/bin/triggers"
cat >"$T/cfg/triggers.json" <<'EOF'
{"templates": {
  "sales-analysis": {
    "on_success": [{"template": "warehouse-load",
                    "parameters": {"period": "{{workflow.parameters.period}}", "triggered_by": "{{workflow.name}}"}}],
    "on_approval": [{"template": "publish-dashboard", "parameters": {"approved_run": "{{workflow.name}}"}}]},
  "warehouse-load": {"on_success": []}}}
EOF
: >"$T/empty"

# rl NAME [ARG]...: run argo/ as workflow NAME, stdin not a terminal; calls in $T/NAME.calls
rl() {
	local name=$1; shift
	STUB_LOG=$T/$name.calls run "$RL" "$A" --template sales-analysis --name "$name" --data-dir "$T/d" --bin "$T/bin" \
		--configmap-dir "stepkit-triggers=$T/cfg" -p upload=http "$@" <"$T/empty"
}
# table: "task status" of the last run's table (the main DAG and the exit handler)
table() { awk '/^task /{f=1; next} /^$/{f=0} f && $2 ~ /^(Succeeded|Failed|Error|Skipped|Omitted)$/ {print $1, $2}' "$T/out"; }
# called NAME STEP: STEP's program ran in run NAME (1 line per call)
called() { grep -c "^$2 " "$T/$1.calls"; }

DATA="extract-sales Succeeded
extract-customers Succeeded
extract-products Succeeded
transform Succeeded
analyze-sales Succeeded
analyze-customers Succeeded
analyze-products Succeeded"

# --- approval=on-yellow (the default), transform YELLOW, approved
FAKE_QUALITY="transform=YELLOW" rl y1 --approve yes
is "$rc" 0 "on-yellow, YELLOW, --approve yes: the run succeeds"
is "$(table)" "$DATA
approval-request Succeeded
approve Succeeded
rejected Skipped
upload-sales Succeeded
upload-customers Succeeded
upload-products Succeeded
report-xlsx Skipped
upload-xlsx Skipped
load Skipped
notify Succeeded
triggers Succeeded
start-triggered Succeeded
notify-failure Skipped" "approve yes: the request, the suspend, the uploads, notify, the triggers"
is "$(grep '^approval-request ' "$T/y1.calls")" "approval-request --workdir=$T/d/y1 --event-file=$T/d/y1/events/approval-request.json --approval-request --workflow=y1 --namespace=local --approval-node=approve --approval-timeout=43200" \
	"the approval request: notify with the contract's flags"
grep -qx "approve: answered: approve=yes" "$T/out"; ok $? "the report shows the answer"
is "$(grep -c ' env STEPKIT_TEMPLATE=sales-analysis/daily STEPKIT_QUALITY='"$(sha256sum <"$A/base/quality.json" | cut -c1-16)"'$' "$T/y1.calls")" 7 \
	"every data step gets STEPKIT_TEMPLATE and the stepkit-quality ConfigMap (argo/base/quality.json) as STEPKIT_QUALITY"
printf '%s' '[{"template":"warehouse-load","reason":"on_success","parameters":[{"name":"period","value":"daily"},{"name":"triggered_by","value":"y1"}]},{"template":"publish-dashboard","reason":"on_approval","parameters":[{"name":"approved_run","value":"y1"}]}]' >"$T/want"
same_file "$T/d/y1/triggers.json" "$T/want" "approved: the trigger list holds on_success and on_approval"
cat >"$T/want" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: "warehouse-load-"
  labels:
    app.kubernetes.io/name: stepkit
    stepkit/triggered-by: "y1"
spec:
  workflowTemplateRef:
    name: "warehouse-load"
  arguments:
    # a JSON list from the triggers tool: [{"name": ..., "value": ...}]
    parameters: [{"name":"period","value":"daily"},{"name":"triggered_by","value":"y1"}]
EOF
same_file "$T/d/y1/created/start-triggered-0.yaml" "$T/want" "start-triggered(0): the Workflow it would create"
grep -qxF "  start-triggered(1): Workflow publish-dashboard-* from WorkflowTemplate publish-dashboard (approved_run=y1)" "$T/out"
ok $? "the report lists what it would create"
if [ -x "$VALIDATE" ]; then
	expect_exit 0 "validate-argo: the Workflows start-triggered creates" "$VALIDATE" "$T/d/y1/created/start-triggered-0.yaml" "$T/d/y1/created/start-triggered-1.yaml"
else
	_n=$((_n + 1)); echo "ok $_n # skip validate-argo not found beside the repository"
fi

# --- rejected: answered no, nobody answering in time
for how in no timeout; do
	FAKE_QUALITY="analyze-products=YELLOW" rl "r-$how" --approve "$how"
	is "$rc" 1 "--approve $how: the run fails"
	is "$(table)" "$DATA
approval-request Succeeded
approve Succeeded
rejected Failed
upload-sales Skipped
upload-customers Skipped
upload-products Skipped
report-xlsx Skipped
upload-xlsx Skipped
load Skipped
notify Omitted
triggers Omitted
start-triggered Omitted
notify-failure Succeeded" "--approve $how: nothing published, no summary, no trigger; the exit handler reports"
	is "$(called "r-$how" upload-sales)$(grep -c "^notify --workdir=$T/d/" "$T/r-$how.calls")" "00" "--approve $how: no upload, no summary ran"
	grep -q '^notify .*--status=Failed --failures=\[{"displayName":"rejected(0)","message":"Error (exit code 1)","templateName":"rejected"' "$T/r-$how.calls"
	ok $? "--approve $how: the failure notice names the task rejected"
	grep -qF "approval: the run was rejected (approve is not yes: answered no, resumed without an answer, or not answered in time); nothing was published and no workflow is started" "$T/d/r-$how/logs/rejected.log"
	ok $? "--approve $how: rejected says why"
	no_file "$T/d/r-$how/created" "--approve $how: nothing created"
done
grep -qx "approve: nobody answered within 43200: resumed with the default: approve=no" "$T/out"
ok $? "timeout: resumed with the output's default (no), as Argo does at the end of suspend.duration"

# --- approval=never: a YELLOW run is published without asking
FAKE_QUALITY="extract-sales=YELLOW transform=YELLOW" rl n1 -p approval=never
is "$rc" 0 "approval=never: the YELLOW run succeeds"
is "$(table)" "$DATA
approval-request Skipped
approve Skipped
rejected Skipped
upload-sales Succeeded
upload-customers Succeeded
upload-products Succeeded
report-xlsx Skipped
upload-xlsx Skipped
load Skipped
notify Succeeded
triggers Succeeded
start-triggered Succeeded
notify-failure Skipped" "approval=never: no request, no suspend; the uploads run"
grep -q -- "--approval=none$" "$T/d/n1/logs/triggers.log"; ok $? "never: triggers is told no one was asked"
printf '%s' '[{"template":"warehouse-load","reason":"on_success","parameters":[{"name":"period","value":"daily"},{"name":"triggered_by","value":"n1"}]}]' >"$T/want"
same_file "$T/d/n1/triggers.json" "$T/want" "not asked: the trigger list holds on_success only"

# --- approval=always: a GREEN run waits too
rl a1 -p approval=always --approve yes
is "$rc" 0 "approval=always, GREEN, --approve yes: succeeds"
is "$(table | sed -n '8,10p')" "approval-request Succeeded
approve Succeeded
rejected Skipped" "approval=always: the GREEN run is suspended and asked"
rl a2 -p approval=always -p period=previous-month --approve no
is "$rc" 1 "approval=always, --approve no: fails"
is "$(called a2 upload-products)" 0 "approval=always, no: nothing uploaded"

# --- on-yellow, all GREEN: nothing to ask, no answer needed
rl g1
is "$rc" 0 "on-yellow, GREEN: succeeds without --approve"
is "$(table | sed -n '8,10p')" "approval-request Skipped
approve Skipped
rejected Skipped" "on-yellow, GREEN: no request, no suspend"
# a step that failed before its checks writes no level: UNKNOWN, not YELLOW
FAKE_QUALITY="extract-products=none" rl g2
is "$rc" 0 "a missing level (the output's default, UNKNOWN) asks no approval"

# --- no answer and no terminal: a clear error naming the node
FAKE_QUALITY="transform=YELLOW" rl q1
is "$rc" 1 "a suspend without --approve, stdin not a terminal: the run fails"
grep -qxF "approve: Error: a suspend node waits for an answer: give --approve yes|no, or run on a terminal to be asked" "$T/out"
ok $? "the error names the node and says what to give"
is "$(called q1 upload-sales)" 0 "no answer: nothing uploaded"
FAKE_QUALITY="transform=YELLOW" rl q2 --approve maybe
is "$rc" 1 "--approve maybe: the run fails"
grep -qxF "approve: Error: --approve 'maybe' is not one of yes, no (input 'approve')" "$T/out"
ok $? "--approve maybe: the allowed answers are named"

# --- the prompt on a terminal (script(1) gives run-local one)
if command -v script >/dev/null 2>&1; then
	printf 'perhaps\nyes\n' >"$T/answers"
	STUB_LOG=$T/t1.calls FAKE_QUALITY="transform=YELLOW" script -qec \
		"'$RL' '$A' --template sales-analysis --name t1 --data-dir '$T/d' --bin '$T/bin' --configmap-dir 'stepkit-triggers=$T/cfg' -p upload=http" \
		"$T/typescript" <"$T/answers" >"$T/out" 2>&1
	is "$?" 0 "on a terminal: asked, answered yes, the run succeeds"
	grep -q "approve: the run waits here for 'approve' (yes, no; default no); on a cluster for at most 43200" "$T/out"
	ok $? "the prompt says what it waits for, the choices and the cluster's wait"
	grep -q "run-local: want one of yes, no" "$T/out"; ok $? "a wrong answer is asked again"
	is "$(called t1 upload-sales)" 1 "answered yes on the terminal: uploaded"
else
	for _ in 1 2 3 4; do _n=$((_n + 1)); echo "ok $_n # skip script(1) not installed (util-linux)"; done
fi

# --- failure: the trigger list is never computed, nothing is created
FAKE_QUALITY="transform=YELLOW" FAKE_FAIL=transform rl f1 --approve yes
is "$rc" 1 "a failed step fails the run"
is "$(table | sed -n '4p;8,20p')" "transform Failed
approval-request Omitted
approve Omitted
rejected Omitted
upload-sales Omitted
upload-customers Omitted
upload-products Omitted
report-xlsx Omitted
upload-xlsx Omitted
load Omitted
notify Omitted
triggers Omitted
start-triggered Omitted
notify-failure Succeeded" "failure: no approval asked, no trigger"
no_file "$T/d/f1/created" "failure: nothing created"

# --- the triggers tool: the list for success, failure and approval
P='[{"name":"period","value":"previous-month"},{"name":"upload","value":"s3"}]'
W=$T/w && mkdir -p "$W"
tr_run() { run "$BIN/triggers" --workdir "$W" --config "$T/cfg/triggers.json" --template sales-analysis \
	--workflow wf-9 --parameters "$P" --log-format text "$@"; }
tr_run --status Succeeded
is "$rc/$(cat "$W/triggers.json")" '0/[{"template":"warehouse-load","reason":"on_success","parameters":[{"name":"period","value":"previous-month"},{"name":"triggered_by","value":"wf-9"}]}]' \
	"triggers: success, not asked: on_success"
tr_run --status Succeeded --approval yes
is "$rc/$(cat "$W/triggers.json")" '0/[{"template":"warehouse-load","reason":"on_success","parameters":[{"name":"period","value":"previous-month"},{"name":"triggered_by","value":"wf-9"}]},{"template":"publish-dashboard","reason":"on_approval","parameters":[{"name":"approved_run","value":"wf-9"}]}]' \
	"triggers: success, approved: on_success then on_approval"
expect_err "triggers: 2 workflow(s) to start" "triggers: the log says how many"
for st in Failed Error; do
	tr_run --status "$st" --approval yes
	is "$rc/$(cat "$W/triggers.json")" "0/[]" "triggers: $st: nothing to start"
done
tr_run --status Succeeded --approval no
is "$rc/$(cat "$W/triggers.json")" "0/[]" "triggers: rejected: nothing to start" # on_success needs a published run
tr_run --status Failed --approval no --fail-if-rejected
is "$rc/$(cat "$W/triggers.json")" "1/[]" "triggers --fail-if-rejected: exit 1, the empty list written"
expect_err "triggers: approval: the run was rejected" "--fail-if-rejected: the message"
"$BIN/triggers" --workdir "$W" --config "$T/cfg/triggers.json" --template warehouse-load --status Succeeded \
	--parameters "$P" --log-format text >"$T/out" 2>"$T/err"
is "$?/$(cat "$W/triggers.json")" "0/[]" "triggers: a template without entries starts nothing"
# configuration mistakes: exit 2 naming the key
bad() { # bad JSON MESSAGE
	printf '%s' "$1" >"$T/bad.json"
	run "$BIN/triggers" --workdir "$W" --config "$T/bad.json" --template sales-analysis --status Succeeded \
		--parameters "$P" --log-format text
	is "$rc" 2 "triggers: a wrong config is exit 2: $2"
	expect_err "triggers: '$T/bad.json': $2" "the message: $2"
}
bad '{"templates": {"sales-analysis": {"on_succes": []}}}' "templates.sales-analysis: unknown key 'on_succes' (on_success, on_approval)"
bad '{"templates": {"x": {"on_success": [{"template": "Bad_Name"}]}}}' "templates.x.on_success[0].template: want a WorkflowTemplate name (lowercase letters, digits, '-'; at most 57)"
bad '{"templates": {"sales-analysis": {"on_success": [{"template": "a", "parameters": {"n": 7}}]}}}' "templates.sales-analysis.on_success[0].parameters.n: want a string (quote numbers: \"7\")"
bad '{"templates": {"sales-analysis": {"on_success": [{"template": "a", "parameters": {"n": "{{workflow.uid}}"}}]}}}' "templates.sales-analysis.on_success[0].parameters.n: '{{workflow.uid}}' is not known (use workflow.name, workflow.namespace, workflow.status or workflow.parameters.NAME)"
bad '{"templates": {"sales-analysis": {"on_success": [{"template": "a", "parameters": {"n": "{{workflow.parameters.nope}}"}}]}}}' "templates.sales-analysis.on_success[0].parameters.n: '{{workflow.parameters.nope}}': the run has no parameter 'nope'"
bad '{"templates": ' "line 1: not valid JSON: "
# a triggers file that cannot be read is a configuration error (exit 2, not retried), named as given
mkdir -p "$T/cfgdir"
run "$BIN/triggers" --workdir "$W" --config "$T/missing.json" --template sales-analysis --status Succeeded \
	--parameters "$P" --log-format text
is "$rc" 2 "triggers: a missing --config is exit 2"
expect_err "triggers: --config: '$T/missing.json': No such file or directory" "triggers: a missing --config is named"
STEPKIT_TRIGGERS=$T/cfgdir run "$BIN/triggers" --workdir "$W" --template sales-analysis --status Succeeded \
	--parameters "$P" --log-format text
is "$rc" 2 "triggers: a directory as STEPKIT_TRIGGERS is exit 2"
expect_err "triggers: STEPKIT_TRIGGERS: '$T/cfgdir': Is a directory" "triggers: the variable is named when the file came from it"
run "$BIN/triggers" --workdir "$W" --config "$A/base/triggers.json" --template sales-analysis --status Succeeded --check --log-format text
is "$rc" 0 "triggers --check: argo/base/triggers.json is valid"

# --- --run-triggered: the created Workflows run here, from their templates
cat >"$T/down.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: warehouse-load}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: period, value: daily}, {name: triggered_by, value: ""}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: stepkit-data}}]
  templates:
    - name: main
      container:
        image: i
        command: [sh, -c]
        args: ["printf '%s %s' '{{workflow.parameters.period}}' '{{workflow.parameters.triggered_by}}' > /data/loaded-by-{{workflow.parameters.triggered_by}}"]
        volumeMounts: [{name: data, mountPath: /data}]
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: publish-dashboard}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: approved_run}]
  templates:
    - {name: main, container: {image: i, command: ["true"]}}
EOF
FAKE_QUALITY="transform=YELLOW" rl rt1 --approve yes -p period=all --run-triggered "$T/down.yaml"
is "$rc" 0 "--run-triggered: the run and the two Workflows it starts succeed"
is "$(cat "$T/d/loaded-by-rt1" 2>&1)" "all rt1" "--run-triggered: warehouse-load ran with the mapped parameters"
is "$(grep -c '^workflow \(warehouse-load\|publish-dashboard\)-[a-z0-9]\{5\}: Succeeded' "$T/out")" 2 "--run-triggered: both reported"

# --- ConfigMap volumes: from kustomization.yaml, --configmap-dir, or refused up front
expect_exit 2 "run-local on the template file alone: its ConfigMaps are missing" "$RL" "$A/base/workflow-template.yaml" --name c1 --data-dir "$T/d"
expect_err "run-local: volume 'quality': the ConfigMap 'stepkit-quality' is not in '$A/base/workflow-template.yaml': run argo/ (its kustomization.yaml makes it), or give --configmap-dir stepkit-quality=DIR" \
	"the refusal names the volume, the ConfigMap and both ways"
no_file "$T/d/c1" "refused before anything ran"
mkdir -p "$T/q" && printf '{"steps": {"transform": []}}' >"$T/q/quality.json"
STUB_LOG=$T/c2.calls run "$RL" "$A/base/workflow-template.yaml" --name c2 --data-dir "$T/d" --bin "$T/bin" \
	--configmap-dir "stepkit-triggers=$T/cfg" --configmap-dir "stepkit-quality=$T/q" -p upload=none <"$T/empty"
is "$rc" 0 "the template file with --configmap-dir for both ConfigMaps runs"
is "$(grep -c "STEPKIT_QUALITY=$(printf %s '{"steps": {"transform": []}}' | sha256sum | cut -c1-16)$" "$T/c2.calls")" 7 "--configmap-dir stepkit-quality=DIR: the steps read DIR/quality.json"

# --- run-local's output parameters, on a small template
cat >"$T/o.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: o}
spec:
  entrypoint: main
  volumes: [{name: data, persistentVolumeClaim: {claimName: c}}]
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: write, arguments: {parameters: [{name: v, value: YELLOW}]}}
          - {name: b, template: write, arguments: {parameters: [{name: v, value: ""}]}}
          - {name: s, template: write, when: "'x' == 'y'", arguments: {parameters: [{name: v, value: GREEN}]}}
          - name: c
            template: show
            dependencies: [a, b, s]
            arguments: {parameters: [{name: t, value: "{{tasks.a.outputs.parameters.q}} {{tasks.b.outputs.parameters.q}} {{tasks.s.outputs.parameters.q}} {{tasks.s.status}}"}]}
          - {name: d, template: show, dependencies: [a], when: "'{{tasks.a.outputs.parameters.q}}' == 'YELLOW'", arguments: {parameters: [{name: t, value: d}]}}
          - {name: e, template: show, dependencies: [a], when: "'{{tasks.a.outputs.parameters.q}}' == 'GREEN'", arguments: {parameters: [{name: t, value: e}]}}
    - name: write
      inputs: {parameters: [{name: v}]}
      outputs: {parameters: [{name: q, valueFrom: {path: "/data/{{workflow.name}}/q-{{inputs.parameters.v}}", default: UNKNOWN}}]}
      container:
        image: i
        command: [sh, -c]
        args: ["mkdir -p /data/{{workflow.name}} && if [ -n '{{inputs.parameters.v}}' ]; then printf '{{inputs.parameters.v}}' > /data/{{workflow.name}}/q-{{inputs.parameters.v}}; fi"]
        volumeMounts: [{name: data, mountPath: /data}]
    - name: show
      inputs: {parameters: [{name: t}]}
      container:
        image: i
        command: [sh, -c]
        args: ["printf '%s\n' '{{inputs.parameters.t}}' >> /data/{{workflow.name}}/shown"]
        volumeMounts: [{name: data, mountPath: /data}]
EOF
expect_exit 0 "output parameters: a small template runs" "$RL" "$T/o.yaml" --name o1 --data-dir "$T/d"
is "$(sort "$T/d/o1/shown")" "YELLOW UNKNOWN UNKNOWN Skipped
d" "a file's content; no file: the default; a skipped task: the default and its status; when on an output"
sed 's/default: UNKNOWN//' "$T/o.yaml" >"$T/o2.yaml"
expect_exit 1 "an output file missing without a default" "$RL" "$T/o2.yaml" --name o2 --data-dir "$T/d"
grep -qF "b: Error: failed to read output parameter 'q' from '$T/d/o2/q-': No such file or directory" "$T/out"
ok $? "the task errors, naming the parameter and the file"
sed 's/dependencies: \[a\], when/dependencies: [b], when/' "$T/o.yaml" >"$T/o3.yaml"
expect_exit 2 "a reference to a task that is not an ancestor" "$RL" "$T/o3.yaml" --name o3 --data-dir "$T/d"
expect_err "run-local: template 'main': task 'd': when: '{{tasks.a.outputs.parameters.q}}' cannot be resolved here (Argo resolves the status and output parameters of the task's ancestors only" "refused, as Argo would not resolve it"

done_testing
