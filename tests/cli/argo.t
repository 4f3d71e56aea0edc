#!/bin/bash
# argo/: every manifest validated offline (../shared/tools/validate-argo, when
# ../shared exists; `kubectl kustomize` when kubectl exists), the DAG's shape
# exactly as issue 4 lists it, the rules every step template follows (command,
# image, PVC work directory, Secrets, resources, deadline, retry on 75 only,
# restricted pod security), the CronWorkflow, RBAC, PVC and example Secret;
# then scripts/run-local's parameter handling, its resolved commands
# (--dry-run) and its refusals, and scripts/troubleshoot's cluster manifests.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
A=$TOP/argo
RL=$TOP/scripts/run-local
TS=$TOP/scripts/troubleshoot
VALIDATE=$TOP/../shared/tools/validate-argo
$PY -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed (scripts/install-deps)"

# skip NAME REASON: a TAP skip
skip() { _n=$((_n + 1)); echo "ok $_n # skip $1: $2"; }
# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }
MANIFESTS="$A/base/pvc.yaml $A/base/rbac.yaml $A/secret-example.yaml $A/base/workflow-template.yaml $A/base/cron-workflow.yaml $A/base/cron-workflow-monthly.yaml $A/base/extract-api-template.yaml"

# --- offline validation
if [ -x "$VALIDATE" ]; then
	# shellcheck disable=SC2086
	expect_exit 0 "validate-argo: every manifest in argo/" "$VALIDATE" $MANIFESTS
	is "$(tail -1 "$T/out")" "validate-argo: 7 file(s), 25 document(s), 0 error(s)" "validate-argo: 25 documents, 0 errors"
	sed 's/^  schedules:/  schedule:/' "$A/base/cron-workflow.yaml" >"$T/broken-cron.yaml"
	expect_exit 1 "validate-argo catches a planted fault (schedule instead of schedules)" "$VALIDATE" "$T/broken-cron.yaml"
	grep -q "did you mean 'schedules'" "$T/out" "$T/err"
	ok $? "validate-argo names the fault"
	expect_exit 0 "validate-argo: argo/retention (WorkflowTemplate + CronWorkflow)" "$VALIDATE" "$A/retention/retention.yaml"
else
	skip "validate-argo" "../shared/tools/validate-argo not found beside the repository"
fi

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
	expect_exit 0 "kubectl kustomize argo/ renders" kubectl kustomize "$A"
	cp "$T/out" "$T/rendered.yaml"
	$PY - "$T/rendered.yaml" >"$T/got" <<'EOF'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    extra = ""
    if d["kind"] == "WorkflowTemplate":
        p = {x["name"]: x.get("value") for x in d["spec"]["arguments"]["parameters"]}
        extra = " registry=%s tag=%s" % (p["registry"], p["tag"])
    print("%s/%s%s" % (d["kind"], d["metadata"]["name"], extra))
EOF
	reg=$(sed -n 's/^ *- registry=//p' "$A/base/kustomization.yaml")
	tag=$(sed -n 's/^ *- tag=//p' "$A/base/kustomization.yaml")
	cat >"$T/want" <<EOF
ServiceAccount/stepkit-trigger
ServiceAccount/workflow
Role/stepkit-executor
Role/stepkit-trigger
RoleBinding/stepkit-executor
RoleBinding/stepkit-trigger
ConfigMap/stepkit-api-stock
ConfigMap/stepkit-quality
ConfigMap/stepkit-triggers
PersistentVolumeClaim/stepkit-data
CronWorkflow/inventory-sync
CronWorkflow/sales-analysis-cron
CronWorkflow/sales-report-monthly
WorkflowTemplate/inventory-sync registry=$reg tag=$tag
WorkflowTemplate/sales-analysis registry=$reg tag=$tag
EOF
	same_file "$T/got" "$T/want" "oc apply -k installs the objects (no Secret; the quality, triggers and API ConfigMaps), both pipelines, registry and tag of both set from kustomization.yaml"
	is "$tag" "$(sed -n 's/^#define SK_VERSION "\(.*\)"$/\1/p' "$TOP/lib/base.h")" "the images' tag is the version (SK_VERSION, what make images tags)"
	if [ -x "$VALIDATE" ]; then
		expect_exit 0 "validate-argo: the kustomize output" "$VALIDATE" "$T/rendered.yaml"
	else
		skip "validate-argo on the kustomize output" "../shared/tools/validate-argo not found"
	fi
	# the registry is an enum of one, set with the value: no submitter picks another
	is "$($PY -c '
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d["kind"] == "WorkflowTemplate":
        p = [x for x in d["spec"]["arguments"]["parameters"] if x["name"] == "registry"][0]
        print(d["metadata"]["name"], p["enum"] == [p["value"]])' "$T/rendered.yaml")" "inventory-sync True
sales-analysis True" "the registry's enum is the one value kustomization.yaml sets, in both templates"
	for t in sales-analysis inventory-sync; do
		expect_exit 2 "run-local: another registry is refused ($t)" "$RL" "$A" --template $t --dry-run -p registry=evil.example.com/x
		expect_err "run-local: parameter 'registry': 'evil.example.com/x' is not one of $reg" "the enum names the allowed registry ($t)"
	done
	# the overlays: each renders, validates, and changes only what it says
	for o in rwx rwo; do
		expect_exit 0 "kubectl kustomize argo/overlays/$o renders" kubectl kustomize "$A/overlays/$o"
		cp "$T/out" "$T/$o.yaml"
		if [ -x "$VALIDATE" ]; then
			expect_exit 0 "validate-argo: the $o overlay's output" "$VALIDATE" "$T/$o.yaml"
		fi
	done
	$PY - "$T/rendered.yaml" "$T/rwx.yaml" "$T/rwo.yaml" >"$T/got" <<'EOF'
import sys, yaml
def docs(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
base = docs(sys.argv[1])
for name, p in (("rwx", sys.argv[2]), ("rwo", sys.argv[3])):
    o = docs(p)
    print("%s: same objects: %s" % (name, sorted(o) == sorted(base)))
    for k in sorted(o):
        if o[k] != base[k]:
            pvc = o[k]["spec"]
            if k[0] == "PersistentVolumeClaim":
                print("  %s/%s: accessModes=%s storageClassName=%s" % (k[0], k[1], pvc["accessModes"], pvc.get("storageClassName", "-")))
            else:
                changed = sorted(x for x in set(o[k]["spec"]) | set(base[k]["spec"]) if o[k]["spec"].get(x) != base[k]["spec"].get(x))
                print("  %s/%s: %s" % (k[0], k[1], ", ".join("%s=%s" % (x, o[k]["spec"].get(x)) for x in changed)))
EOF
	cat >"$T/want" <<'EOF'
rwx: same objects: True
  PersistentVolumeClaim/stepkit-data: accessModes=['ReadWriteMany'] storageClassName=ocs-storagecluster-cephfs
rwo: same objects: True
  PersistentVolumeClaim/stepkit-data: accessModes=['ReadWriteOnce'] storageClassName=-
  WorkflowTemplate/inventory-sync: parallelism=1, synchronization={'mutexes': [{'name': 'inventory-sync'}, {'name': 'sales-analysis'}]}
  WorkflowTemplate/sales-analysis: parallelism=1
EOF
	same_file "$T/got" "$T/want" "overlays: rwx sets an RWX storage class; rwo asks for RWO, runs one pod at a time, and inventory-sync never beside sales-analysis (its mutex)"
	# no-api-token: no token in the steps, the executor's own ServiceAccount bound instead
	expect_exit 0 "kubectl kustomize argo/overlays/no-api-token renders" kubectl kustomize "$A/overlays/no-api-token"
	cp "$T/out" "$T/no-api-token.yaml"
	if [ -x "$VALIDATE" ]; then
		expect_exit 0 "validate-argo: the no-api-token overlay's output" "$VALIDATE" "$T/no-api-token.yaml"
	fi
	$PY - "$T/rendered.yaml" "$T/no-api-token.yaml" >"$T/got" <<'EOF'
import sys, yaml
def docs(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
base, o = docs(sys.argv[1]), docs(sys.argv[2])
sec = o[("Secret", "stepkit-executor.service-account-token")]
print("new:", sorted(set(o) - set(base)))
for n in ("sales-analysis", "inventory-sync"):
    wt = o[("WorkflowTemplate", n)]["spec"]
    b = base[("WorkflowTemplate", n)]["spec"]
    print(n, "automount:", wt["automountServiceAccountToken"], "executor:", wt["executor"], "pods:", wt["serviceAccountName"],
          "changed:", sorted(x for x in set(wt) | set(b) if wt.get(x) != b.get(x)))
print("bound:", o[("RoleBinding", "stepkit-executor")]["subjects"])
print("secret:", sec["type"], sec["metadata"]["annotations"]["kubernetes.io/service-account.name"])
print("other changes:", [k for k in base if k not in (("WorkflowTemplate", "sales-analysis"), ("WorkflowTemplate", "inventory-sync"), ("RoleBinding", "stepkit-executor")) and o[k] != base[k]])
EOF
	cat >"$T/want" <<'EOF'
new: [('Secret', 'stepkit-executor.service-account-token'), ('ServiceAccount', 'stepkit-executor')]
sales-analysis automount: False executor: {'serviceAccountName': 'stepkit-executor'} pods: workflow changed: ['automountServiceAccountToken', 'executor']
inventory-sync automount: False executor: {'serviceAccountName': 'stepkit-executor'} pods: workflow changed: ['automountServiceAccountToken', 'executor']
bound: [{'kind': 'ServiceAccount', 'name': 'stepkit-executor'}]
secret: kubernetes.io/service-account-token stepkit-executor
other changes: []
EOF
	same_file "$T/got" "$T/want" "no-api-token: no token automounted in either pipeline, the executor's own ServiceAccount and token Secret, the Role bound to it, nothing else changed"
	# artifacts: no volume; the files are key-only S3 artifacts whose keys
	# mirror the volume's paths (issue 10, item 7; run-local runs it in
	# tests/int/run-local-artifacts.t)
	expect_exit 0 "kubectl kustomize argo/overlays/artifacts renders" kubectl kustomize "$A/overlays/artifacts"
	cp "$T/out" "$T/artifacts.yaml"
	if [ -x "$VALIDATE" ]; then
		expect_exit 0 "validate-argo: the artifacts overlay's output" "$VALIDATE" "$T/artifacts.yaml"
		expect_exit 0 "validate-argo: the artifacts overlay's example Secrets" "$VALIDATE" "$A/overlays/artifacts/secret-example.yaml"
	fi
	$PY - "$T/rendered.yaml" "$T/artifacts.yaml" >"$T/got" 2>&1 <<'EOF'
import copy, json, sys, yaml
def docs(p):
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(open(p)) if d}
base, o = docs(sys.argv[1]), docs(sys.argv[2])
key = ("WorkflowTemplate", "sales-analysis")
b, w = base[key]["spec"], o[key]["spec"]
print("new:", sorted(set(o) - set(base)), "gone:", sorted(set(base) - set(o)))
print("other changes:", [k for k in base if k in o and k != key and o[k] != base[k]])
print("spec:", sorted(x for x in set(b) | set(w) if b.get(x) != w.get(x)))
print("volume:", w["volumes"][0], "archiveLogs:", w["archiveLogs"], "repository:", w["artifactRepositoryRef"])
print("no PVC:", "persistentVolumeClaim" not in json.dumps(o[key]))
repo = yaml.safe_load(o[("ConfigMap", "stepkit-artifact-repository")]["data"][w["artifactRepositoryRef"]["key"]])
print("repository:", repo["s3"]["keyFormat"], repo["s3"]["accessKeySecret"], repo["s3"]["secretKeySecret"])
# every artifact: key-only, not archived, its key the path below /data (the
# bucket mirrors the volume); outputs optional, inputs not (but incoming and
# the workbook)
bad = []
tmpl = {t["name"]: t for t in w["templates"]}
for t in w["templates"]:
    for side in ("inputs", "outputs"):
        for a in (t.get(side) or {}).get("artifacts") or []:
            where = "%s %s %s" % (t["name"], side, a["name"])
            if set(a) - {"name", "path", "s3", "archive", "optional"} or a["archive"] != {"none": {}} or set(a["s3"]) != {"key"}:
                bad.append(where + ": fields")
            if "/data/" + a["s3"]["key"] != a["path"]:
                bad.append(where + ": key is not the path")
            if a.get("optional", False) != (side == "outputs" or a["name"] in ("incoming", "workbook")):
                bad.append(where + ": optional")
print("artifact rules broken:", bad)
# what each template gets and gives
for t in w["templates"]:
    ins = [a["name"] for a in (t.get("inputs") or {}).get("artifacts") or []]
    outs = [a["name"] for a in (t.get("outputs") or {}).get("artifacts") or []]
    if ins or outs:
        print("  %s: %s -> %s" % (t["name"], " ".join(ins) or "-", " ".join(outs) or "-"))
# nothing else: the templates without their artifacts are the base's (transform
# a copy of step; the step enums split), the DAG the base's (transform's template aside)
strip = copy.deepcopy(tmpl)
for t in strip.values():
    for side in ("inputs", "outputs"):
        if side in t:
            t[side].pop("artifacts", None)
            if not t[side]:
                del t[side]
for n in ("step", "transform"):
    strip[n]["inputs"]["parameters"][0]["enum"] = [x for x in ("transform", "analyze-sales", "analyze-customers", "analyze-products")]
strip["transform"]["name"] = "step"
btmpl = {t["name"]: t for t in b["templates"]}
tasks = {x["name"]: x for x in strip["pipeline"]["dag"]["tasks"]}
print("transform task:", tasks["transform"]["template"])
tasks["transform"]["template"] = "step"
print("templates as the base's:", all(strip[n] == btmpl[n] for n in btmpl), "transform as step:", strip["transform"] == btmpl["step"],
      "new:", sorted(set(tmpl) - set(btmpl)))
print("enums:", tmpl["transform"]["inputs"]["parameters"][0]["enum"], tmpl["step"]["inputs"]["parameters"][0]["enum"])
EOF
	cat >"$T/want" <<'EOF'
new: [('ConfigMap', 'stepkit-artifact-repository')] gone: [('ConfigMap', 'stepkit-api-stock'), ('CronWorkflow', 'inventory-sync'), ('PersistentVolumeClaim', 'stepkit-data'), ('WorkflowTemplate', 'inventory-sync')]
other changes: []
spec: ['archiveLogs', 'artifactRepositoryRef', 'templates', 'volumes']
volume: {'emptyDir': {'sizeLimit': '2Gi'}, 'name': 'data'} archiveLogs: True repository: {'configMap': 'stepkit-artifact-repository', 'key': 's3'}
no PVC: True
repository: {{workflow.name}}/{{pod.name}} {'name': 'stepkit-artifacts', 'key': 'AWS_ACCESS_KEY_ID'} {'name': 'stepkit-artifacts', 'key': 'AWS_SECRET_ACCESS_KEY'}
artifact rules broken: []
  extract-sales: incoming -> data event quality
  extract: incoming -> data event quality
  step: transformed-data events -> report event quality
  upload: report events -> event
  notify: events sales-report customer-report product-report workbook -> event
  notify-approval: events -> event
  rejected: events -> event
  triggers: events -> workflows event
  report-xlsx: events sales-report customer-report product-report -> workbook event
  load: transformed-data events -> event
  transform: raw-sales customer-data product-data events -> data event quality
transform task: transform
templates as the base's: True transform as step: True new: ['transform']
enums: ['transform'] ['analyze-sales', 'analyze-customers', 'analyze-products']
EOF
	same_file "$T/got" "$T/want" "artifacts overlay: no PVC and no inventory-sync (its template, cron and ConfigMap: it needs the PVC), an emptyDir at /data, archiveLogs, the repository ConfigMap; every artifact key-only, its key its path under /data; nothing else changed"
	expect_exit 0 "run-local --dry-run on the rendered artifacts overlay" "$RL" "$T/artifacts.yaml" --dry-run --name wf1
	grep -qxF "    in:  artifacts/wf1/sales_report.csv -> <emptyDir data>/wf1/sales_report.csv" "$T/out"
	ok $? "run-local --dry-run shows each artifact's key and path"
	expect_exit 0 "run-local --dry-run on the rendered rwo overlay" "$RL" "$T/rwo.yaml" --template sales-analysis --dry-run --name wf1
	expect_exit 2 "run-local refuses an overlay's patches" "$RL" "$A/overlays/rwo" --dry-run
	expect_err "render it first (kubectl kustomize DIR > FILE) and run FILE" "and says how to run it"
else
	skip "kustomize" "kubectl (with kustomize) not installed"
fi

# retention: restricted pod security, the pipeline's mutex, dry run by default, real in the cron
$PY - "$A/retention/retention.yaml" >"$T/got" 2>&1 <<'EOF'
import sys, yaml
wt, cron = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
s = wt["spec"]
c = s["templates"][0]["container"]
p = {x["name"]: x["value"] for x in s["arguments"]["parameters"]}
print("defaults:", p["keep-runs"], p["keep-days"], "dry-run=" + p["dry-run"])
print("mutex:", s["synchronization"]["mutexes"][0]["name"])
print("securityContext:", c["securityContext"]["runAsNonRoot"], c["securityContext"]["readOnlyRootFilesystem"], "runAsUser" in str(wt))
print("cron:", cron["spec"]["schedules"], cron["spec"]["workflowSpec"]["workflowTemplateRef"]["name"],
      cron["spec"]["workflowSpec"]["arguments"]["parameters"])
EOF
cat >"$T/want" <<'EOF'
defaults: 14 14 dry-run=true
mutex: sales-analysis
securityContext: True True False
cron: ['0 6 * * *'] stepkit-retention [{'name': 'dry-run', 'value': 'false'}]
EOF
same_file "$T/got" "$T/want" "retention: dry run unless the cron says so, never during a pipeline run, restricted pods"

# --- the DAG's shape, exactly
cat >"$T/shape.py" <<'EOF'
import sys, yaml
wt = yaml.safe_load(open(sys.argv[1]))
spec = wt["spec"]
tmpl = {t["name"]: t for t in spec["templates"]}
print("entrypoint: %s  onExit: %s" % (spec["entrypoint"], spec["onExit"]))
for name in (spec["entrypoint"], spec["onExit"]):
    print(name + ":")
    for t in tmpl[name]["dag"]["tasks"]:
        args = ",".join("%s=%s" % (p["name"], p["value"]) for p in (t.get("arguments") or {}).get("parameters") or [])
        print("  %-18s after: %-50s template: %s%s%s" % (
            t["name"], ",".join(t.get("dependencies") or []) or "-", t["template"],
            "(%s)" % args if args else "", "  when: " + t["when"] if "when" in t else ""))
        assert "depends" not in t
EOF
$PY "$T/shape.py" "$A/base/workflow-template.yaml" >"$T/got" 2>&1
cat >"$T/want" <<'EOF'
entrypoint: pipeline  onExit: notify-on-exit
pipeline:
  extract-sales      after: -                                                  template: extract-sales
  extract-customers  after: -                                                  template: extract(step=extract-customers)
  extract-products   after: -                                                  template: extract(step=extract-products)
  transform          after: extract-sales,extract-customers,extract-products   template: step(step=transform)
  analyze-sales      after: transform                                          template: step(step=analyze-sales)
  analyze-customers  after: transform                                          template: step(step=analyze-customers)
  analyze-products   after: transform                                          template: step(step=analyze-products)
  approval-request   after: analyze-sales,analyze-customers,analyze-products   template: notify-approval  when: '{{workflow.parameters.approval}}' == 'always' || ('{{workflow.parameters.approval}}' == 'on-yellow' && ('{{tasks.extract-sales.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.extract-customers.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.extract-products.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.transform.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-sales.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-customers.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-products.outputs.parameters.quality}}' == 'YELLOW'))
  approve            after: approval-request                                   template: approve  when: '{{workflow.parameters.approval}}' == 'always' || ('{{workflow.parameters.approval}}' == 'on-yellow' && ('{{tasks.extract-sales.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.extract-customers.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.extract-products.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.transform.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-sales.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-customers.outputs.parameters.quality}}' == 'YELLOW' || '{{tasks.analyze-products.outputs.parameters.quality}}' == 'YELLOW'))
  rejected           after: approve                                            template: rejected  when: '{{tasks.approve.status}}' != 'Skipped' && '{{tasks.approve.outputs.parameters.approve}}' != 'yes'
  upload-sales       after: analyze-sales,approve                              template: upload(step=upload-sales,report=sales_report.csv)  when: '{{workflow.parameters.upload}}' != 'none' && '{{workflow.parameters.format}}' != 'xlsx' && ('{{tasks.approve.status}}' == 'Skipped' || '{{tasks.approve.outputs.parameters.approve}}' == 'yes')
  upload-customers   after: analyze-customers,approve                          template: upload(step=upload-customers,report=customer_report.csv)  when: '{{workflow.parameters.upload}}' != 'none' && '{{workflow.parameters.format}}' != 'xlsx' && ('{{tasks.approve.status}}' == 'Skipped' || '{{tasks.approve.outputs.parameters.approve}}' == 'yes')
  upload-products    after: analyze-products,approve                           template: upload(step=upload-products,report=product_report.csv)  when: '{{workflow.parameters.upload}}' != 'none' && '{{workflow.parameters.format}}' != 'xlsx' && ('{{tasks.approve.status}}' == 'Skipped' || '{{tasks.approve.outputs.parameters.approve}}' == 'yes')
  report-xlsx        after: analyze-sales,analyze-customers,analyze-products   template: report-xlsx  when: '{{workflow.parameters.format}}' != 'csv'
  upload-xlsx        after: report-xlsx,approve                                template: upload(step=upload-xlsx,report=sales_report.xlsx)  when: '{{workflow.parameters.upload}}' != 'none' && '{{workflow.parameters.format}}' != 'csv' && ('{{tasks.approve.status}}' == 'Skipped' || '{{tasks.approve.outputs.parameters.approve}}' == 'yes')
  load               after: transform,approve                                  template: load  when: '{{workflow.parameters.warehouse}}' == 'true' && ('{{tasks.approve.status}}' == 'Skipped' || '{{tasks.approve.outputs.parameters.approve}}' == 'yes')
  notify             after: upload-sales,upload-customers,upload-products,upload-xlsx,load,rejected template: notify
  triggers           after: notify                                             template: triggers(approval={{=tasks.approve.status == 'Skipped' ? 'none' : tasks.approve.outputs.parameters.approve}})
  start-triggered    after: triggers                                           template: start-workflow(template={{item.template}},parameters={{item.parameters}})
notify-on-exit:
  notify-failure     after: -                                                  template: notify-failure  when: '{{workflow.status}}' != 'Succeeded'
EOF
same_file "$T/got" "$T/want" "the DAG: 3 extracts in parallel, transform, 3 analyses, approval, one upload per report, the workbook and its upload, the warehouse load, notify, triggers; failure notice on exit"

# --- the rules every manifest follows
cat >"$T/rules.py" <<'EOF'
import os, sys, yaml
A = sys.argv[1]
bad = []
def check(cond, msg):
    if not cond:
        bad.append(msg)
def load(n):
    p = os.path.join(A, "base", n)
    if not os.path.exists(p):
        p = os.path.join(A, n)
    return [d for d in yaml.safe_load_all(open(p)) if d]
wt = load("workflow-template.yaml")[0]
spec = wt["spec"]
def walk(o, path=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield path + "." + k, k, v
            yield from walk(v, path + "." + k)
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from walk(v, "%s[%d]" % (path, i))
for f in ("workflow-template.yaml", "cron-workflow.yaml", "pvc.yaml", "rbac.yaml"):
    for d in load(f):
        for path, k, v in walk(d):
            check(k not in ("runAsUser", "runAsGroup", "fsGroup", "privileged", "hostPath", "hostNetwork"),
                  "%s: %s must not be set (OpenShift restricted-v2)" % (f, path))
# parameters and their defaults
params = [(p["name"], p["value"]) for p in spec["arguments"]["parameters"]]
print("parameters: " + " ".join("%s=%s" % p for p in params))
enum = {p["name"]: p.get("enum") for p in spec["arguments"]["parameters"]}
print("period enum: " + ",".join(enum["period"]))
print("upload enum: " + ",".join(enum["upload"]))
print("approval enum: " + ",".join(enum["approval"]))
# workflow-level
check(spec["serviceAccountName"] == "workflow", "serviceAccountName")
check(spec["synchronization"]["mutexes"] == [{"name": "sales-analysis"}], "workflow mutex")
check(spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}, "pod securityContext")
check(set(spec["ttlStrategy"]) >= {"secondsAfterSuccess", "secondsAfterFailure"}, "ttlStrategy")
check(spec["podGC"]["strategy"] == "OnPodSuccess", "podGC")
check(spec["activeDeadlineSeconds"] > 0, "workflow deadline")
check(spec["metrics"]["prometheus"][0]["gauge"] == {"realtime": False, "value": "{{workflow.duration}}"}, "workflow metric")
vols = {v["name"]: v for v in spec["volumes"]}
pvc = load("pvc.yaml")[0]
check(vols["data"]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"], "data volume is the PVC of pvc.yaml")
check(pvc["spec"]["accessModes"] == ["ReadWriteMany"], "PVC is ReadWriteMany")
# every container template
SC = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
      "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}
secrets_used = set()
names = []
budgets = {}
def secs(d):
    import re
    m = re.fullmatch(r"(\d+)(s|m|h)", d)
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
for t in spec["templates"]:
    if "container" not in t:
        continue
    n = t["name"]
    names.append(n)
    c = t["container"]
    check(len(c["command"]) == 1 and c["command"][0].startswith("/usr/local/bin/"), n + ": explicit command in /usr/local/bin")
    prog = c["command"][0][len("/usr/local/bin/"):]
    check(c["image"] == "{{workflow.parameters.registry}}/stepkit-%s:{{workflow.parameters.tag}}" % prog,
          n + ": image REGISTRY/stepkit-STEP:TAG of its own program (%s)" % c["image"])
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    if n == "notify-failure":
        # the failure notice must go out when storage is what failed: no PVC
        check(c["args"][0] == "--workdir=/tmp/notify" and c["workingDir"] == "/tmp", n + ": works in the /tmp emptyDir")
        check("data" not in mounts and mounts.get("tmp") == "/tmp", n + ": does not mount the PVC")
        check(not any("/data" in str(x) for x in c["args"] + [e.get("value") for e in c["env"]]), n + ": no /data path")
    else:
        check(c["args"][0] == "--workdir=/data/{{workflow.name}}", n + ": --workdir=/data/{{workflow.name}}")
        check(c["workingDir"] == "/data", n + ": workingDir /data")
        check(mounts.get("data") == "/data" and mounts.get("tmp") == "/tmp", n + ": /data (PVC) and /tmp (emptyDir) mounted")
    env = {e["name"]: e.get("value") for e in c["env"]}
    check(env.get("STEPKIT_RUN_ID") == "{{workflow.name}}" and env.get("STEPKIT_LOG_FORMAT") == "json", n + ": run id and JSON logs")
    # run history matches runs of the same template and period (issue 11)
    check(env.get("STEPKIT_TEMPLATE") == wt["metadata"]["name"] + ("" if n in ("triggers", "rejected") else "/{{workflow.parameters.period}}"),
          n + ": STEPKIT_TEMPLATE is the template's name and the period")
    data_step = n in ("extract-sales", "extract", "step")
    check((env.get("STEPKIT_QUALITY") == "/etc/stepkit/quality/quality.json") == data_step,
          n + ": STEPKIT_QUALITY in the data steps only")
    check((mounts.get("quality") == "/etc/stepkit/quality") == data_step, n + ": the quality ConfigMap in the data steps only")
    check(all(m.get("readOnly") for m in c["volumeMounts"] if m["name"] in ("quality", "triggers")), n + ": ConfigMaps read-only")
    qout = [o for o in (t.get("outputs") or {}).get("parameters") or [] if o["name"] == "quality"]
    step = "extract-sales" if n == "extract-sales" else "{{inputs.parameters.step}}"
    check((qout == [{"name": "quality", "valueFrom": {"path": "/data/{{workflow.name}}/events/%s.quality" % step,
                                                         "default": "UNKNOWN"}}]) == data_step,
          n + ": output parameter quality from events/STEP.quality (default UNKNOWN), data steps only")
    for ef in c.get("envFrom") or []:
        check(ef["secretRef"].get("optional") is True, n + ": optional Secret")
        for dest in ("sftp", "s3", "http"):
            secrets_used.add(ef["secretRef"]["name"].replace("{{workflow.parameters.upload}}", dest))
    r = c["resources"]
    check(set(r["requests"]) == {"cpu", "memory"} and set(r["limits"]) == {"cpu", "memory"}, n + ": resources")
    check(c["securityContext"] == SC, n + ": container securityContext (restricted)")
    check(isinstance(t["activeDeadlineSeconds"], int) and t["activeDeadlineSeconds"] > 0, n + ": activeDeadlineSeconds")
    rs = t["retryStrategy"]
    check(rs["expression"] == "lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75" and rs["retryPolicy"] == "Always",
          n + ": retry exit 75 and pod errors (evictions, drains), nothing else")
    check(int(rs["limit"]) >= 1 and set(rs["backoff"]) == {"duration", "factor", "maxDuration"}, n + ": limit and backoff")
    # maxDuration is one budget from the first attempt's start: an attempt that
    # runs into its own deadline must still leave the backoff and 5 minutes
    ads, b = t["activeDeadlineSeconds"], rs["backoff"]
    check(secs(b["maxDuration"]) >= ads + secs(b["duration"]) + 300,
          n + ": maxDuration %s leaves room for a retry after a full attempt (%d s)" % (b["maxDuration"], ads))
    budgets[n] = secs(b["maxDuration"])
    ms = {m["name"]: m for m in t["metrics"]["prometheus"]}
    check(set(ms) == {"stepkit_step_duration_seconds", "stepkit_step_runs_total"}, n + ": metrics")
    check(ms["stepkit_step_duration_seconds"]["gauge"] == {"realtime": False, "value": "{{duration}}"}, n + ": duration gauge")
    check([l["key"] for l in ms["stepkit_step_duration_seconds"]["labels"]] == ["step", "status"], n + ": labels step, status")
    for m in ms.values():
        check(m["labels"][1]["value"] == "{{status}}", n + ": status label")
    # each pod gets only the Secrets of its own job
    need = {"extract-sales": {"stepkit-db"}, "extract": {"stepkit-db"}, "step": set(), "triggers": set(),
            "rejected": set(), "report-xlsx": set(), "load": {"stepkit-db", "stepkit-warehouse"},
            "upload": {"stepkit-upload-{{workflow.parameters.upload}}"}}.get(n, {"stepkit-notify"})
    files = {"upload": "stepkit-upload-{{workflow.parameters.upload}}-files", "notify": "stepkit-notify-files",
             "notify-failure": "stepkit-notify-files", "notify-approval": "stepkit-notify-files"}.get(n)
    tvols = {v["name"]: v for v in t.get("volumes") or [] if "secret" in v}
    cms = [v["configMap"]["name"] for v in t.get("volumes") or [] if "configMap" in v]
    check(cms == (["stepkit-triggers"] if n in ("triggers", "rejected") else []), n + ": the triggers ConfigMap in triggers and rejected only")
    check([v["secret"]["secretName"] for v in tvols.values()] == ([files] if files else []),
          n + ": its own files Secret only (%s)" % files)
    for v in tvols.values():
        for dest in ("sftp", "s3", "http"):
            secrets_used.add(v["secret"]["secretName"].replace("{{workflow.parameters.upload}}", dest))
    check({ef["secretRef"]["name"] for ef in c.get("envFrom") or []} == need, n + ": Secrets " + ",".join(sorted(need)))
print("container templates: " + " ".join(names))
print("budgets: " + " ".join("%s=%dm" % (k, v // 60) for k, v in budgets.items()))
# the longest chain of budgets fits in the workflow's deadline, the
# approval request and the longest approval wait the parameter allows included
params_d = dict(params)
chain = budgets["extract-sales"] + budgets["step"] * 2 + budgets["report-xlsx"] + budgets["upload"] + budgets["notify"] + \
    budgets["notify-approval"] + int(params_d["approval-timeout"])
check(chain <= spec["activeDeadlineSeconds"], "budgets along extract, transform, analyze, report-xlsx, approval, upload, notify (%d s) fit the workflow deadline" % chain)
chain = budgets["extract-sales"] + budgets["step"] * 2 + budgets["load"] + budgets["notify"] + \
    budgets["notify-approval"] + int(params_d["approval-timeout"])
check(chain <= spec["activeDeadlineSeconds"], "budgets along extract, transform, analyze, approval, load, notify (%d s) fit the workflow deadline" % chain)
# approval: the suspend node, its intermediate parameter, its wait
tm = {t["name"]: t for t in spec["templates"]}
ap = tm["approve"]
check(ap["suspend"] == {"duration": "{{workflow.parameters.approval-timeout}}"}, "approve waits approval-timeout")
check(ap["inputs"]["parameters"] == [{"name": "approve", "default": "no", "enum": ["yes", "no"],
                                      "description": ap["inputs"]["parameters"][0]["description"]}], "approve: input yes/no, default no")
check(ap["outputs"]["parameters"] == [{"name": "approve", "valueFrom": {"supplied": {}, "default": "no"}}],
      "approve: supplied output, default no (a plain resume or the end of the wait rejects)")
na = tm["notify-approval"]["container"]["args"]
check(na == ["--workdir=/data/{{workflow.name}}", "--event-file=/data/{{workflow.name}}/events/approval-request.json",
             "--approval-request", "--workflow={{workflow.name}}", "--namespace={{workflow.namespace}}",
             "--approval-node=approve", "--approval-timeout={{workflow.parameters.approval-timeout}}"], "notify-approval: the contract's flags")
# triggers: a resource template creating Workflows from templates, under its own ServiceAccount
sw = tm["start-workflow"]
man = yaml.safe_load(sw["resource"]["manifest"].replace("{{inputs.parameters.parameters}}", "[]"))
check(man["spec"]["workflowTemplateRef"] == {"name": "{{inputs.parameters.template}}"} and
      man["metadata"]["generateName"] == "{{inputs.parameters.template}}-", "start-workflow: a Workflow from the named template")
print("start-workflow: %s %s %s sa=%s retry=%s" % (sw["resource"]["action"], man["kind"], sorted(man["spec"]),
                                                  sw["serviceAccountName"], "retryStrategy" in sw))
tw = tm["triggers"]
check(tw["outputs"]["parameters"] == [{"name": "workflows", "valueFrom": {"path": "/data/{{workflow.name}}/triggers.json", "default": "[]"}}],
      "triggers: the list from DIR/triggers.json")
# the Secrets: the example has every Secret the templates read, and no value in secret keys
secrets = {s["metadata"]["name"]: s for s in load("secret-example.yaml")}
check(not any("secret" in v for k, v in vols.items() if k != "db-ca"), "no Secret volume shared by every pod")
secrets_used.add(vols["db-ca"]["secret"]["secretName"])
# inventory-sync's Secrets too (a Secret volume of the workflow, envFrom of its steps)
inv = [d for d in load("extract-api-template.yaml") if d["kind"] == "WorkflowTemplate"][0]["spec"]
secrets_used |= {v["secret"]["secretName"] for v in inv["volumes"] if "secret" in v}
secrets_used |= {ef["secretRef"]["name"] for t in inv["templates"] for ef in (t.get("container") or {}).get("envFrom") or []}
for t in spec["templates"]:
    m = {v["name"]: v["mountPath"] for v in (t.get("container") or {}).get("volumeMounts") or []}
    check((m.get("db-ca") == "/etc/stepkit/db") == (t["name"] in ("extract-sales", "extract", "load")),
          t["name"] + ": the database CA is mounted in the extracts and the load only")
check(set(secrets) == secrets_used, "secret-example.yaml holds exactly the Secrets used: %s" % sorted(secrets_used))
for s in secrets.values():
    for k, v in s["stringData"].items():
        if any(w in k for w in ("PASSWORD", "SECRET", "TOKEN", "PASSPHRASE", "ACCESS_KEY", "id_", "known_hosts", "ca.crt")):
            check(v == "", "%s: %s must be empty in the example" % (s["metadata"]["name"], k))
# the CronWorkflow
cron = load("cron-workflow.yaml")[0]
cs = cron["spec"]
print("cron: %s schedules=%s timezone=%s concurrencyPolicy=%s template=%s" % (
    cron["metadata"]["name"], cs["schedules"], cs["timezone"], cs["concurrencyPolicy"],
    cs["workflowSpec"]["workflowTemplateRef"]["name"]))
check(cs["workflowSpec"]["workflowTemplateRef"]["name"] == wt["metadata"]["name"], "cron runs the template")
cargs = {p["name"]: p["value"] for p in cs["workflowSpec"]["arguments"]["parameters"]}
check(cargs.get("as-of") == "{{workflow.scheduledTime}}", "the cron sets as-of to its scheduled time")
check(cs["startingDeadlineSeconds"] > 0 and cs["successfulJobsHistoryLimit"] > 0 and cs["failedJobsHistoryLimit"] > 0, "cron deadline and history")
# RBAC: the emissary executor's Role, bound to the workflow's ServiceAccount
rbac = {(d["kind"], d["metadata"]["name"]): d for d in load("rbac.yaml")}
print("rbac: " + " ".join("%s/%s" % k for k in rbac))
check(("ServiceAccount", spec["serviceAccountName"]) in rbac, "ServiceAccount")
check(rbac[("Role", "stepkit-executor")]["rules"] == [{"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]}], "Role rules")
rb = rbac[("RoleBinding", "stepkit-executor")]
check(rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "stepkit-executor"}
      and rb["subjects"] == [{"kind": "ServiceAccount", "name": "workflow"}, {"kind": "ServiceAccount", "name": "stepkit-trigger"}], "RoleBinding")
# creating Workflows: that verb on that resource only, for the trigger's own account only
check(rbac[("Role", "stepkit-trigger")]["rules"] == [{"apiGroups": ["argoproj.io"], "resources": ["workflows"], "verbs": ["create"]}], "stepkit-trigger: create workflows only")
rb = rbac[("RoleBinding", "stepkit-trigger")]
check(rb["roleRef"]["name"] == "stepkit-trigger" and rb["subjects"] == [{"kind": "ServiceAccount", "name": "stepkit-trigger"}], "stepkit-trigger bound to its ServiceAccount only")
check(sw["serviceAccountName"] == "stepkit-trigger" and all(t.get("serviceAccountName") in (None, "stepkit-trigger") for t in spec["templates"]),
      "only start-workflow runs as stepkit-trigger")
k = yaml.safe_load(open(os.path.join(A, "base", "kustomization.yaml")))
print("kustomization resources: " + " ".join(k["resources"]))
print("configMaps: " + " ".join("%s=%s" % (g["name"], ",".join(g.get("files") or g.get("literals"))) for g in k["configMapGenerator"]))
for b in bad:
    print("RULE BROKEN: " + b)
EOF
$PY "$T/rules.py" "$A" >"$T/got" 2>&1
cat >"$T/want" <<'EOF'
parameters: period=daily as-of= from= to= source=postgres min-sales-rows= max-unmatched= upload=sftp notify-to= approval=on-yellow approval-timeout=43200 approval-to= registry=registry.example.com/stepkit tag=0.1.0 format=csv warehouse=false
period enum: daily,current-month,previous-month,all,custom
upload enum: sftp,s3,http,none
approval enum: never,on-yellow,always
container templates: extract-sales extract step upload notify notify-failure notify-approval rejected triggers report-xlsx load
budgets: extract-sales=80m extract=60m step=45m upload=45m notify=20m notify-failure=20m notify-approval=20m rejected=15m triggers=15m report-xlsx=25m load=80m
start-workflow: create Workflow ['arguments', 'workflowTemplateRef'] sa=stepkit-trigger retry=False
cron: sales-analysis-cron schedules=['0 0 * * *'] timezone=Etc/UTC concurrencyPolicy=Forbid template=sales-analysis
rbac: ServiceAccount/workflow Role/stepkit-executor RoleBinding/stepkit-executor ServiceAccount/stepkit-trigger Role/stepkit-trigger RoleBinding/stepkit-trigger
kustomization resources: pvc.yaml rbac.yaml workflow-template.yaml cron-workflow.yaml cron-workflow-monthly.yaml extract-api-template.yaml
configMaps: stepkit-images=registry=registry.example.com/stepkit,tag=0.1.0 stepkit-quality=quality.json stepkit-triggers=triggers.json
EOF
same_file "$T/got" "$T/want" "every step template, the CronWorkflow, RBAC, PVC and example Secret follow the rules"

# --- scripts/run-local: parameters, resolved commands, refusals
D=$T/data
expect_exit 0 "run-local --dry-run: period=custom, source=file:incoming, upload=s3" \
	"$RL" "$A" --template sales-analysis --dry-run --name wf1 --data-dir "$D" --bin /opt/stepkit/bin \
	-p period=custom -p from=2011-01-01 -p to=2011-01-31 -p source=file:incoming -p upload=s3 -p notify-to=ops@example.com
cat >"$T/want" <<EOF
dag pipeline
  extract-sales  after: -
    /opt/stepkit/bin/extract-sales --workdir=$D/wf1 --source=file:incoming --period= --as-of= --from=2011-01-01 --to=2011-01-31 --min-rows=
  extract-customers  after: -
    /opt/stepkit/bin/extract-customers --workdir=$D/wf1 --source=file:incoming
  extract-products  after: -
    /opt/stepkit/bin/extract-products --workdir=$D/wf1 --source=file:incoming
  transform  after: extract-sales, extract-customers, extract-products
    /opt/stepkit/bin/transform --workdir=$D/wf1
  analyze-sales  after: transform
    /opt/stepkit/bin/analyze-sales --workdir=$D/wf1
  analyze-customers  after: transform
    /opt/stepkit/bin/analyze-customers --workdir=$D/wf1
  analyze-products  after: transform
    /opt/stepkit/bin/analyze-products --workdir=$D/wf1
  approval-request  after: analyze-sales, analyze-customers, analyze-products  when 'on-yellow' == 'always' || ('on-yellow' == 'on-yellow' && ('<tasks.extract-sales.outputs.parameters.quality>' == 'YELLOW' || '<tasks.extract-customers.outputs.parameters.quality>' == 'YELLOW' || '<tasks.extract-products.outputs.parameters.quality>' == 'YELLOW' || '<tasks.transform.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-sales.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-customers.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-products.outputs.parameters.quality>' == 'YELLOW')): decided at run time
    /opt/stepkit/bin/notify --workdir=$D/wf1 --event-file=$D/wf1/events/approval-request.json --approval-request --workflow=wf1 --namespace=local --approval-node=approve --approval-timeout=43200
  approve  after: approval-request  when 'on-yellow' == 'always' || ('on-yellow' == 'on-yellow' && ('<tasks.extract-sales.outputs.parameters.quality>' == 'YELLOW' || '<tasks.extract-customers.outputs.parameters.quality>' == 'YELLOW' || '<tasks.extract-products.outputs.parameters.quality>' == 'YELLOW' || '<tasks.transform.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-sales.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-customers.outputs.parameters.quality>' == 'YELLOW' || '<tasks.analyze-products.outputs.parameters.quality>' == 'YELLOW')): decided at run time
    suspend: waits for approve (yes, no), at most 43200 s
  rejected  after: approve  when '<tasks.approve.status>' != 'Skipped' && '<tasks.approve.outputs.parameters.approve>' != 'yes': decided at run time
    /opt/stepkit/bin/triggers --workdir=$D/wf1 --event-file=$D/wf1/events/rejected.json '--config=<ConfigMap stepkit-triggers>/triggers.json' --status=Failed --approval=no --fail-if-rejected
  upload-sales  after: analyze-sales, approve  when 's3' != 'none' && 'csv' != 'xlsx' && ('<tasks.approve.status>' == 'Skipped' || '<tasks.approve.outputs.parameters.approve>' == 'yes'): decided at run time
    /opt/stepkit/bin/upload-s3 --workdir=$D/wf1 --event-file=$D/wf1/events/upload-sales.json sales_report.csv
  upload-customers  after: analyze-customers, approve  when 's3' != 'none' && 'csv' != 'xlsx' && ('<tasks.approve.status>' == 'Skipped' || '<tasks.approve.outputs.parameters.approve>' == 'yes'): decided at run time
    /opt/stepkit/bin/upload-s3 --workdir=$D/wf1 --event-file=$D/wf1/events/upload-customers.json customer_report.csv
  upload-products  after: analyze-products, approve  when 's3' != 'none' && 'csv' != 'xlsx' && ('<tasks.approve.status>' == 'Skipped' || '<tasks.approve.outputs.parameters.approve>' == 'yes'): decided at run time
    /opt/stepkit/bin/upload-s3 --workdir=$D/wf1 --event-file=$D/wf1/events/upload-products.json product_report.csv
  report-xlsx  after: analyze-sales, analyze-customers, analyze-products  when 'csv' != 'csv': false (skipped)
    /opt/stepkit/bin/report-xlsx --workdir=$D/wf1 --template=sales-analysis
  upload-xlsx  after: report-xlsx, approve  when 's3' != 'none' && 'csv' != 'csv' && ('<tasks.approve.status>' == 'Skipped' || '<tasks.approve.outputs.parameters.approve>' == 'yes'): false (skipped)
    /opt/stepkit/bin/upload-s3 --workdir=$D/wf1 --event-file=$D/wf1/events/upload-xlsx.json sales_report.xlsx
  load  after: transform, approve  when 'false' == 'true' && ('<tasks.approve.status>' == 'Skipped' || '<tasks.approve.outputs.parameters.approve>' == 'yes'): false (skipped)
    /opt/stepkit/bin/load-postgres --workdir=$D/wf1 --target=sales-star
  notify  after: upload-sales, upload-customers, upload-products, upload-xlsx, load, rejected
    /opt/stepkit/bin/notify --workdir=$D/wf1 --
  triggers  after: notify
    /opt/stepkit/bin/triggers --workdir=$D/wf1 '--config=<ConfigMap stepkit-triggers>/triggers.json' --status=Succeeded '--approval=<tasks.approve.outputs.parameters.approve>'
  start-triggered  after: triggers
    resource: create Workflow, one per item of {{tasks.triggers.outputs.parameters.workflows}}
onExit notify-on-exit (workflow.status=Failed)
  notify-failure  after: -  when 'Failed' != 'Succeeded': true
    /opt/stepkit/bin/notify '--workdir=<emptyDir tmp>/notify' --status=Failed '--failures=[]'
EOF
same_file "$T/out" "$T/want" "run-local resolves parameters, the period expression, /data and /usr/local/bin"
expect_exit 0 "run-local --dry-run: the default period" "$RL" "$A" --template sales-analysis --dry-run --name wf1 --data-dir "$D" -p upload=none
grep -q -- "--period=daily --as-of= --from= --to=" "$T/out"; ok $? "period=daily is passed as is, as-of empty (today)"
# as-of: a date or the cron's scheduled time goes through; the literal text
# Argo leaves outside cron runs (argo submit --from cronwf/...) means today
for v in 2024-06-15 2024-06-15T00:00:00Z '{{workflow.scheduledTime}}'; do
	expect_exit 0 "run-local --dry-run -p as-of=$v" "$RL" "$A" --template sales-analysis --dry-run --name wf1 --data-dir "$D" -p upload=none -p "as-of=$v"
	want=$v; [ "$v" = '{{workflow.scheduledTime}}' ] && want=
	grep -q -- "--period=daily --as-of=$want --from= --to=" "$T/out"; ok $? "as-of=$v: extract-sales gets --as-of=$want"
done
grep -q "when 'none' != 'none' && 'csv' != 'xlsx' && (.*): false (skipped)" "$T/out"; ok $? "upload=none skips the uploads (whatever the approval)"
mkdir -p "$T/k" && cp -r "$A"/. "$T/k/" && sed -i 's/- tag=.*/- tag=9.9.9/' "$T/k/base/kustomization.yaml"
expect_exit 0 "run-local follows kustomization.yaml (replacements)" "$TS" --argo "$T/k" --pod notify
grep -q "image: registry.example.com/stepkit/stepkit-notify:9.9.9" "$T/out"; ok $? "the tag comes from kustomization.yaml"

expect_exit 2 "unknown parameter" "$RL" "$A" --template sales-analysis --dry-run -p uplaod=s3
expect_err "run-local: unknown parameter 'uplaod'; WorkflowTemplate 'sales-analysis' has: period, as-of, from, to, source, min-sales-rows, max-unmatched, upload, notify-to, approval, approval-timeout, approval-to, registry, tag" "unknown parameter: the known ones are listed"
expect_exit 2 "a value outside the enum" "$RL" "$A" --template sales-analysis --dry-run -p upload=ftp
expect_err "run-local: parameter 'upload': 'ftp' is not one of sftp, s3, http, none" "enum enforced"
expect_exit 2 "-p without =" "$RL" "$A" --template sales-analysis --dry-run -p upload
expect_err "run-local: -p 'upload': want NAME=VALUE" "-p NAME=VALUE"
expect_exit 2 "no PATH" "$RL"
expect_err "run-local: missing PATH (argo/ or a WorkflowTemplate file) (try --help)" "usage"
expect_exit 2 "a bad --name" "$RL" "$A" --template sales-analysis --dry-run --name Bad_Name
expect_err "run-local: --name 'Bad_Name': use lowercase letters, digits, '-' and '.' (at most 63)" "--name is a Kubernetes name"
# --template: argo/ holds two WorkflowTemplates; run-local runs the one named,
# never a guess
expect_exit 2 "argo/ without --template: two templates, refused" "$RL" "$A" --dry-run
expect_err "run-local: '$A' holds 2 WorkflowTemplates or Workflows (WorkflowTemplate/sales-analysis, WorkflowTemplate/inventory-sync): add --template NAME to pick one" \
	"the refusal names PATH, both templates and --template NAME"
expect_exit 2 "--template naming no template of argo/" "$RL" "$A" --template sales --dry-run
expect_err "run-local: '$A': no WorkflowTemplate or Workflow named 'sales' (found: WorkflowTemplate/sales-analysis, WorkflowTemplate/inventory-sync)" \
	"an unknown --template: what exists is listed"
expect_exit 2 "--template naming another template than the file's one" "$RL" "$A/base/workflow-template.yaml" --template inventory-sync --dry-run
expect_err "run-local: '$A/base/workflow-template.yaml': no WorkflowTemplate or Workflow named 'inventory-sync' (found: WorkflowTemplate/sales-analysis)" \
	"--template is checked when PATH holds one template too"
expect_exit 2 "--template without a value" "$RL" "$A" --template
expect_err "run-local: --template needs a value (try --help)" "--template needs a value"
expect_exit 2 "--template= empty" "$RL" "$A" --template= --dry-run
expect_err "run-local: --template wants the name of a WorkflowTemplate or Workflow in PATH (try --help)" "an empty --template is a usage error"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' >"$T/no-wf.yaml"
expect_exit 2 "a PATH without a template" "$RL" "$T/no-wf.yaml" --dry-run
expect_err "run-local: '$T/no-wf.yaml': no WorkflowTemplate or Workflow found" "a PATH without a template is refused"
expect_exit 0 "--template sales-analysis (argo/)" "$RL" "$A" --template sales-analysis --dry-run --name wf1 -p upload=none
is "$(head -2 "$T/out")" "dag pipeline
  extract-sales  after: -" "--template sales-analysis: its DAG"
expect_exit 0 "--template sales-analysis= form, on the file that holds it alone" "$RL" "$A/base/workflow-template.yaml" --template=sales-analysis \
	--dry-run --name wf1 -p upload=none --configmap-dir stepkit-quality="$T" --configmap-dir stepkit-triggers="$T"
mkdir -p "$T/marketplace"
expect_exit 0 "--template inventory-sync (argo/)" "$RL" "$A" --template inventory-sync --dry-run --name inv1 --data-dir "$D" \
	--bin /opt/stepkit/bin --secret-dir stepkit-marketplace="$T/marketplace"
cat >"$T/want" <<EOF
dag sync
  extract-api  after: -
    /opt/stepkit/bin/extract-api --workdir=$D/inv1 '--config=<ConfigMap stepkit-api-stock>/stock.json' --out=$D/inv1/stock_on_warehouses.csv --min-rows=1 --max-invalid=
  load  after: extract-api
    /opt/stepkit/bin/load-postgres --workdir=$D/inv1 --table=inventory --mode=upsert --key=sku,warehouse_name --audit=inventory_audit $D/inv1/stock_on_warehouses.csv
onExit notify (workflow.status=Failed)
  notify  after: -
    /opt/stepkit/bin/notify --workdir=$D/inv1 --status=Failed '--failures=[]'
EOF
same_file "$T/out" "$T/want" "--template inventory-sync: its DAG and exit handler, the API ConfigMap from argo/"
expect_exit 2 "--template inventory-sync: its parameters, not sales-analysis's" "$RL" "$A" --template inventory-sync --dry-run -p upload=none
expect_err "run-local: unknown parameter 'upload'; WorkflowTemplate 'inventory-sync' has: min-rows, max-invalid, table, audit-table, notify-to, registry, tag" \
	"--template inventory-sync: its own parameters"

# refuse CONSTRUCT_YAML MESSAGE: a template made of the snippet is refused with MESSAGE
refuse() {
	{
		printf 'apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: r}\nspec:\n  entrypoint: main\n'
		printf '%s\n' "$1"
	} >"$T/r.yaml"
	expect_exit 2 "refused: $2" "$RL" "$T/r.yaml" --dry-run
	expect_err "run-local: $2" "message: $2"
}
C='container: {image: i, command: [sh]}'
refuse "  templates:
    - {name: main, steps: [[{name: a, template: b}]]}" \
	"template 'main': 'steps' is not supported by run-local"
refuse "  templates:
    - {name: main, script: {image: i, command: [sh], source: x}}" \
	"template 'main': 'script' is not supported by run-local"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, withItems: [1, 2]}]}
    - {name: b, $C}" \
	"template 'main': task 'a': 'withItems' is not supported by run-local"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, continueOn: {failed: true}}]}
    - {name: b, $C}" \
	"template 'main': task 'a': 'continueOn' is not supported by run-local"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, templateRef: {name: x, template: y}}]}" \
	"template 'main': task 'a': 'templateRef' is not supported by run-local"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, arguments: {parameters: [{name: x, value: '{{tasks.z.outputs.result}}'}]}}]}
    - {name: b, inputs: {parameters: [{name: x}]}, $C}" \
	"template 'main': task 'a': '{{tasks.z.outputs.result}}' cannot be resolved here (Argo resolves the status and output parameters of the task's ancestors only; run-local knows tasks.X.status and tasks.X.outputs.parameters.P)"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b}]}
    - {name: b, container: {image: i, command: [sh], args: ['{{workflow.parameters.nope}}']}}" \
	"template 'b': '{{workflow.parameters.nope}}' cannot be resolved here (not declared)"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b}]}
    - {name: b, container: {image: i, command: [sh], args: ['{{workflow.status}}']}}" \
	"template 'b': '{{workflow.status}}' cannot be resolved here (only in the exit handler)"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b}]}
    - {name: b, container: {image: i, args: [x]}}" \
	"template 'b': container has no command (set one: Argo would look the image's entrypoint up, run-local cannot)"
refuse "  volumes: [{name: v, nfs: {server: x, path: /x}}]
  templates:
    - {name: main, $C}" \
	"WorkflowTemplate 'r': volume 'v': only persistentVolumeClaim, emptyDir, secret and configMap volumes are supported (got nfs)"
refuse "  podSpecPatch: '{}'
  templates:
    - {name: main, $C}" \
	"WorkflowTemplate 'r': spec: 'podSpecPatch' is not supported by run-local"
refuse "  templates:
    - {name: main, container: {image: i, command: [sh], env: [{name: X, valueFrom: {configMapKeyRef: {name: c, key: k}}}]}}" \
	"template 'main': env 'X': valueFrom configMapKeyRef is not supported (secretKeyRef only)"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, when: '{{=true}} =~ x'}]}
    - {name: b, $C}" \
	"template 'main': task 'a': when: cannot read '{{=true}} =~ x' at '=~ x' (run-local knows == != < <= > >= && || ! ?: ( ), startsWith endsWith contains, quoted strings, numbers and names)"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, depends: 'b'}, {name: b, template: b, dependencies: [a]}]}
    - {name: b, $C}" \
	"template 'main': task 'b': mixes \`dependencies\` and \`depends\` in one DAG"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, dependencies: [c]}, {name: c, template: b, dependencies: [a]}]}
    - {name: b, $C}" \
	"template 'main': dependency cycle a -> c -> a"
refuse "  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, depends: 'c.Finished'}, {name: c, template: b}]}
    - {name: b, $C}" \
	"template 'main': task 'a': depends 'c.Finished': '.Finished' is not supported (.Succeeded, .Failed, .Errored, .Skipped, .Omitted, .Daemoned)"
refuse "  templates:
    - {name: main, retryStrategy: {limit: '1', expression: 'lastRetry.exitCode matches \"7.\"'}, $C}" \
	"template 'main': retryStrategy.expression: unexpected token in 'lastRetry.exitCode matches \"7.\"' near 'matches'"
# a `when` that becomes invalid only after substitution: the task errors, the run fails
cat >"$T/w.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: w}
spec:
  entrypoint: main
  arguments: {parameters: [{name: p, value: current-month}]}
  templates:
    - name: main
      dag: {tasks: [{name: a, template: b, when: "{{workflow.parameters.p}} == daily"}]}
    - {name: b, container: {image: i, command: ["true"]}}
EOF
expect_exit 1 "a \`when\` with an unquoted hyphenated value" "$RL" "$T/w.yaml" --data-dir "$D" --name w
grep -qF "a: Error: task 'a': when 'current-month == daily': unquoted value: quote it in 'current-month == daily' near '-'" "$T/out"
ok $? "the task errors with a hint to quote the value"

# --- scripts/troubleshoot: the cluster manifests
expect_exit 0 "troubleshoot --workflow" "$TS" --workflow -p upload=http -p notify-to=ops@example.com
cp "$T/out" "$T/check-wf.yaml"
$PY - "$T/check-wf.yaml" >"$T/got" <<'EOF'
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
t = {x["name"]: x for x in w["spec"]["templates"]}
print(w["kind"], w["metadata"]["generateName"], "failFast=%s" % t["checks"]["dag"]["failFast"])
for task in t["checks"]["dag"]["tasks"]:
    c = t[task["template"]]["container"]
    print(task["name"], c["command"][0], " ".join(c["args"]))
EOF
cat >"$T/want" <<'EOF'
Workflow sales-analysis-check- failFast=False
extract-sales /usr/local/bin/extract-sales --check --workdir=/data/{{workflow.name}} --source={{workflow.parameters.source}} --period={{=workflow.parameters.period == 'custom' ? '' : workflow.parameters.period}} --as-of={{=workflow.parameters['as-of'] startsWith '{{' ? '' : workflow.parameters['as-of']}} --from={{workflow.parameters.from}} --to={{workflow.parameters.to}} --min-rows={{workflow.parameters.min-sales-rows}}
extract-customers /usr/local/bin/{{inputs.parameters.step}} --check --workdir=/data/{{workflow.name}} --source={{workflow.parameters.source}}
extract-products /usr/local/bin/{{inputs.parameters.step}} --check --workdir=/data/{{workflow.name}} --source={{workflow.parameters.source}}
upload-http /usr/local/bin/upload-{{workflow.parameters.upload}} --check --workdir=/data/{{workflow.name}} --event-file=/data/{{workflow.name}}/events/{{inputs.parameters.step}}.json {{inputs.parameters.report}}
notify /usr/local/bin/notify --check --workdir=/data/{{workflow.name}} {{=workflow.parameters.format == 'csv' ? '--' : workflow.name + '/sales_report.xlsx'}}
EOF
same_file "$T/got" "$T/want" "troubleshoot --workflow: one --check task per program that uses a Secret, all in parallel"
if [ -x "$VALIDATE" ]; then
	expect_exit 0 "validate-argo: the troubleshoot Workflow" "$VALIDATE" "$T/check-wf.yaml"
else
	skip "validate-argo on the troubleshoot Workflow" "../shared/tools/validate-argo not found"
fi
# pod_summary FILE: a troubleshoot Pod's kind, name, restart policy and
# account; its image; its command; its volumes and read-only root
pod_summary() {
	$PY - "$1" <<'EOF'
import sys, yaml
p = yaml.safe_load(open(sys.argv[1]))
c = p["spec"]["containers"][0]
print(p["kind"], p["metadata"]["name"], p["spec"]["restartPolicy"], p["spec"]["serviceAccountName"])
print(c["image"])
print(" ".join(c["command"] + c["args"]))
print(" ".join(v["name"] for v in p["spec"]["volumes"]), c["securityContext"]["readOnlyRootFilesystem"])
EOF
}
expect_exit 0 "troubleshoot --pod upload-sales" "$TS" --pod upload-sales -p upload=sftp
cp "$T/out" "$T/pod.yaml"
pod_summary "$T/pod.yaml" >"$T/got"
cat >"$T/want" <<'EOF'
Pod stepkit-check-upload-sftp Never workflow
registry.example.com/stepkit/stepkit-upload-sftp:0.1.0
/usr/local/bin/upload-sftp --check --workdir=/data/troubleshoot --event-file=/data/troubleshoot/events/upload-sales.json sales_report.csv
data tmp upload-files True
EOF
same_file "$T/got" "$T/want" "troubleshoot --pod: the step's container, resolved, with --check"
# --run with a stand-in oc that records what it is asked
mkdir -p "$T/fakebin"
cat >"$T/fakebin/oc" <<EOF
#!/bin/sh
echo "oc \$*" >>"$T/oc.calls"
case "\$*" in
*"create -f -"*) cat >"$T/oc.stdin" ;;
*"jsonpath"*) printf Succeeded ;;
*"logs"*) echo "upload-sftp: check passed" ;;
esac
EOF
chmod +x "$T/fakebin/oc"
PATH=$T/fakebin:$PATH expect_exit 0 "troubleshoot --run: creates the Pod, shows its log, deletes it" \
	"$TS" --run upload-sftp -n stepkit
cat >"$T/want" <<'EOF'
oc -n stepkit delete pod stepkit-check-upload-sftp --ignore-not-found --wait=true
oc -n stepkit create -f -
oc -n stepkit get pod stepkit-check-upload-sftp -o jsonpath={.status.phase}
oc -n stepkit logs pod/stepkit-check-upload-sftp
oc -n stepkit delete pod stepkit-check-upload-sftp --wait=false
EOF
same_file "$T/oc.calls" "$T/want" "troubleshoot --run: the oc calls"
cmp -s "$T/oc.stdin" "$T/pod.yaml"; ok $? "troubleshoot --run: the Pod it creates is the one --pod prints"
grep -q "upload-sftp: check passed" "$T/out"; ok $? "troubleshoot --run: the check's log is shown"
cat >"$T/fakebin/argo" <<EOF
#!/bin/sh
echo "argo \$*" >"$T/argo.calls"
cat >"$T/argo.stdin"
EOF
chmod +x "$T/fakebin/argo"
PATH=$T/fakebin:$PATH expect_exit 0 "troubleshoot --submit: argo submit of the checks Workflow" \
	"$TS" --submit -p upload=http -p notify-to=ops@example.com -n stepkit
is "$(cat "$T/argo.calls")" "argo submit -n stepkit --watch --log -" "troubleshoot --submit: argo submit --watch --log -"
cmp -s "$T/argo.stdin" "$T/check-wf.yaml"; ok $? "troubleshoot --submit: the Workflow it submits is the one --workflow prints"
expect_exit 2 "troubleshoot: an unknown step" "$TS" --pod nope
expect_err "troubleshoot: no step 'nope' in the DAG; its tasks: extract-sales, extract-customers, extract-products, transform, analyze-sales, analyze-customers, analyze-products, approval-request, approve, rejected, upload-sales, upload-customers, upload-products, report-xlsx, upload-xlsx, load, notify, triggers, start-triggered, notify-failure" "the known tasks are listed"
expect_exit 2 "troubleshoot --pod wants one step" "$TS" --pod
expect_err "troubleshoot: --pod takes exactly one STEP (try --help)" "usage"
# troubleshoot --template: the other pipeline's steps (sales-analysis's by default)
expect_exit 0 "troubleshoot --template inventory-sync --pod extract-api" "$TS" --template inventory-sync --pod extract-api
cp "$T/out" "$T/pod-inv.yaml"
pod_summary "$T/pod-inv.yaml" >"$T/got"
cat >"$T/want" <<'EOF'
Pod stepkit-check-extract-api Never workflow
registry.example.com/stepkit/stepkit-extract-api:0.1.0
/usr/local/bin/extract-api --check --workdir=/data/troubleshoot --config=/etc/stepkit/api/stock.json --out=/data/troubleshoot/stock_on_warehouses.csv --min-rows=1 --max-invalid=
data tmp api-config api-secret True
EOF
same_file "$T/got" "$T/want" "troubleshoot --template inventory-sync: extract-api's container, resolved, with --check"
expect_exit 2 "troubleshoot: an unknown --template" "$TS" --argo "$A" --template nope --pod load
expect_err "troubleshoot: '$A': no WorkflowTemplate or Workflow named 'nope' (found: WorkflowTemplate/sales-analysis, WorkflowTemplate/inventory-sync)" \
	"troubleshoot: an unknown --template lists what exists"

# === reports: the workbook (issue 14), the warehouse load (issue 12) ===
# The monthly CronWorkflow: the previous month as a workbook, 02:00 UTC on the 1st
$PY - "$A/base/cron-workflow-monthly.yaml" >"$T/got" 2>&1 <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["spec"]
print(c["metadata"]["name"], s["schedules"], s["timezone"], s["concurrencyPolicy"], s["workflowSpec"]["workflowTemplateRef"]["name"])
print(" ".join("%s=%s" % (p["name"], p["value"]) for p in s["workflowSpec"]["arguments"]["parameters"]))
EOF
cat >"$T/want" <<'EOF'
sales-report-monthly ['0 2 1 * *'] Etc/UTC Forbid sales-analysis
period=previous-month as-of={{workflow.scheduledTime}} format=xlsx notify-to=
EOF
same_file "$T/got" "$T/want" "monthly cron: 0 2 1 * * UTC, previous month of the scheduled day, format=xlsx"
# the cron's parameters, as the controller would pass them on 2024-07-01 02:00 UTC
expect_exit 0 "run-local --dry-run with the monthly cron's parameters" "$RL" "$A" --template sales-analysis --dry-run --name m1 --data-dir "$D" \
	-p period=previous-month -p as-of=2024-07-01T02:00:00Z -p format=xlsx -p upload=s3
grep -q -- "--period=previous-month --as-of=2024-07-01T02:00:00Z --from= --to=" "$T/out"; ok $? "monthly: extract-sales gets the previous month of the scheduled day"
grep -q "upload-sales  after: analyze-sales, approve  when 's3' != 'none' && 'xlsx' != 'xlsx' && (.*): false (skipped)" "$T/out"; ok $? "format=xlsx: the CSV uploads are skipped"
grep -q "report-xlsx  after: analyze-sales, analyze-customers, analyze-products  when 'xlsx' != 'csv': true" "$T/out"; ok $? "format=xlsx: report-xlsx runs after the three analyses"
grep -q "upload-xlsx.json sales_report.xlsx$" "$T/out"; ok $? "format=xlsx: the workbook is uploaded like a report"
grep -q "/notify --workdir=$D/m1 m1/sales_report.xlsx$" "$T/out"; ok $? "format=xlsx: notify is given the workbook (path under the working directory /data)"
expect_exit 2 "format: a value outside its enum" "$RL" "$A" --template sales-analysis --dry-run -p format=pdf
expect_err "run-local: parameter 'format': 'pdf' is not one of csv, xlsx, both" "format enum: csv, xlsx, both"
expect_exit 2 "warehouse: a value outside its enum" "$RL" "$A" --template sales-analysis --dry-run -p warehouse=yes
expect_err "run-local: parameter 'warehouse': 'yes' is not one of false, true" "warehouse enum: false, true"

# run-local's expr `+` (strings joined, numbers added; anything else refused)
cat >"$T/plus.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: plus}
spec:
  entrypoint: main
  arguments: {parameters: [{name: n, value: "2"}]}
  templates:
    - name: main
      container: {image: i, command: [echo], args: ["{{=workflow.name + '/x' + '.y'}}", "{{=asInt(workflow.parameters.n) + 3}}"]}
EOF
expect_exit 0 "run-local: expr + joins strings and adds numbers" "$RL" "$T/plus.yaml" --dry-run --name p1
grep -q "^    echo p1/x.y 5$" "$T/out"; ok $? "run-local: 'p1/x.y' and 5"
sed -i 's/+ 3}}/+ '"'"'3'"'"'}}/' "$T/plus.yaml"
expect_exit 2 "run-local: expr + of a number and a string" "$RL" "$T/plus.yaml" --dry-run --name p1
expect_err "cannot add 2 and '3' (+ joins two strings or adds two numbers)" "run-local: a mixed + is refused, naming both values"

# Whole runs on a small sample. The programs are the real ones, except
# upload-sftp and load-postgres: stand-ins that record their arguments and
# the connection settings they get (no server needed here; tests/int covers
# the real ones), and exit with the code in DIR/FAKE_EXIT when it exists.
if [ -x "$BIN/report-xlsx" ] && [ -x "$BIN/notify" ] && "$TOP/scripts/gen-sample" --rows 300 "$D/incoming" >/dev/null 2>&1; then
	FB=$T/fakebin-steps
	mkdir -p "$FB"
	for f in "$BIN"/*; do ln -s "$f" "$FB/"; done
	rm -f "$FB/upload-sftp" "$FB/load-postgres"
	for p in upload-sftp load-postgres; do
		cat >"$FB/$p" <<EOF
#!/bin/sh
echo "$p \$* PGHOST=\${PGHOST-} PGDATABASE=\${PGDATABASE-} PGUSER=\${PGUSER-}" >>"$T/$p.calls"
[ -f "$T/$p.exit" ] && exit "\$(cat "$T/$p.exit")"
exit 0
EOF
		chmod +x "$FB/$p"
	done
	printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\nMAIL_ATTACH=yes\n' "$D/outbox" >"$T/notify.env"
	printf 'PGHOST=db.example\nPGDATABASE=sales\nPGUSER=reader\n' >"$T/db.env"
	printf 'PGDATABASE=warehouse\nPGUSER=loader\n' >"$T/wh.env"
	# runs NAME PARAM...: the DAG on the sample, stand-ins in place (approval=never:
	# the small sample is YELLOW under the default quality file; approval.t tests that); the
	# task lines of the table (name status attempts) into $T/got
	runs() {
		local name=$1; shift
		rm -f "$T/upload-sftp.calls" "$T/load-postgres.calls"
		expect_exit "$WANT_EXIT" "run-local: $name" "$RL" "$A" --template sales-analysis --bin "$FB" --data-dir "$D" --name "$name" --fast-retry \
			-p source=file:incoming -p period=all -p notify-to=ops@example.com -p approval=never \
			--env-file stepkit-notify="$T/notify.env" --env-file stepkit-db="$T/db.env" \
			--env-file stepkit-warehouse="$T/wh.env" --env-file stepkit-upload-sftp="$T/db.env" "$@"
		awk 'NF >= 3 && $1 !~ /^(task|workflow|files|--)$/ && $3 ~ /^[0-9]+$/ {print $1, $2, $3}' "$T/out" >"$T/got"
	}
	WANT_EXIT=0 runs x1 -p format=xlsx -p upload=sftp
	cat >"$T/want" <<'EOF'
extract-sales Succeeded 1
extract-customers Succeeded 1
extract-products Succeeded 1
transform Succeeded 1
analyze-sales Succeeded 1
analyze-customers Succeeded 1
analyze-products Succeeded 1
approval-request Skipped 0
approve Skipped 0
rejected Skipped 0
upload-sales Skipped 0
upload-customers Skipped 0
upload-products Skipped 0
report-xlsx Succeeded 1
upload-xlsx Succeeded 1
load Skipped 0
notify Succeeded 1
triggers Succeeded 1
start-triggered Skipped 0
notify-failure Skipped 0
EOF
	same_file "$T/got" "$T/want" "format=xlsx: report-xlsx and its upload run, the CSV uploads and the load are skipped"
	is "$(cat "$T/upload-sftp.calls")" "upload-sftp --workdir=$D/x1 --event-file=$D/x1/events/upload-xlsx.json sales_report.xlsx PGHOST=db.example PGDATABASE=sales PGUSER=reader" \
		"format=xlsx: one upload, of sales_report.xlsx"
	is "$($PY -c '
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(" ".join(wb.sheetnames))' "$D/x1/sales_report.xlsx" 2>&1)" "Run Sales Customers Products" "the workbook beside the reports: Run, Sales, Customers, Products"
	grep -h "^[a-z]*_report\.[a-z]*: " "$D"/outbox/x1-*.eml | sed 's/, [0-9]* bytes, sha256 .*//' >"$T/got"
	printf 'sales_report.xlsx: attached\n' >"$T/want"
	same_file "$T/got" "$T/want" "format=xlsx: notify attaches the workbook, not the CSV files"

	WANT_EXIT=0 runs b1 -p format=both -p upload=sftp
	sed 's/ PGHOST=.*//' "$T/upload-sftp.calls" | sed "s|$D/b1|RUN|g" | sort >"$T/got"
	cat >"$T/want" <<'EOF'
upload-sftp --workdir=RUN --event-file=RUN/events/upload-customers.json customer_report.csv
upload-sftp --workdir=RUN --event-file=RUN/events/upload-products.json product_report.csv
upload-sftp --workdir=RUN --event-file=RUN/events/upload-sales.json sales_report.csv
upload-sftp --workdir=RUN --event-file=RUN/events/upload-xlsx.json sales_report.xlsx
EOF
	same_file "$T/got" "$T/want" "format=both: the three CSV reports and the workbook are uploaded"

	WANT_EXIT=0 runs c1 -p upload=sftp
	grep -c "^report-xlsx Skipped 0$\|^upload-xlsx Skipped 0$" "$T/got" >"$T/n"; is "$(cat "$T/n")" 2 "format=csv (the default): no workbook, no workbook upload"
	is "$(sed 's/ PGHOST=.*//' "$T/upload-sftp.calls" | wc -l)" 3 "format=csv: the three CSV reports are uploaded, as before"
	[ ! -e "$D/c1/sales_report.xlsx" ]; ok $? "format=csv: no sales_report.xlsx written"
	grep -q "^product_report.csv: attached" "$D"/outbox/c1-*.eml; ok $? "format=csv: notify attaches the CSV reports (its default)"

	# the warehouse: load after transform, beside the analyses, with the
	# database Secret and stepkit-warehouse's keys over it
	WANT_EXIT=0 runs w1 -p warehouse=true -p upload=none
	grep -q "^load Succeeded 1$" "$T/got"; ok $? "warehouse=true: the load task runs"
	is "$(cat "$T/load-postgres.calls")" "load-postgres --workdir=$D/w1 --target=sales-star PGHOST=db.example PGDATABASE=warehouse PGUSER=loader" \
		"warehouse=true: load-postgres --target sales-star, stepkit-db's settings with stepkit-warehouse's keys winning"
	echo 75 >"$T/load-postgres.exit"
	WANT_EXIT=1 runs w2 -p warehouse=true -p upload=none
	grep -q "^load Failed 4$" "$T/got"; ok $? "warehouse: a load that keeps exiting 75 is retried (3 retries), then fails"
	grep -q "^notify Omitted 0$" "$T/got"; ok $? "warehouse: notify waits for the load (Succeeded or Skipped): omitted after its failure"
	grep -q "^notify-failure Succeeded 1$" "$T/got"; ok $? "warehouse: the failure notice goes out"
	grep -q "^analyze-products Succeeded 1$" "$T/got"; ok $? "warehouse: the analyses beside the load still finish"
	rm -f "$T/load-postgres.exit"
else
	skip "run-local runs of report-xlsx and load" "bin/report-xlsx or bin/notify not built, or gen-sample failed"
fi

# troubleshoot --runs: the runs on the volume, newest first, with period, status and files
V=$T/volume
mkdir -p "$V/incoming" "$V/r-ok/events" "$V/r-bad/events" "$V/r-going/events"
ev() { printf '{\n  "step": "%s",\n  "status": "%s",\n  "details": {\n    "range": "%s"\n  }\n}\n' "$2" "$3" "${4:-}" >"$V/$1/events/$2.json"; }
ev r-ok extract-sales succeeded 2024-06-01..2024-06-30
ev r-ok notify succeeded
: >"$V/r-ok/sales_report.csv"; : >"$V/r-ok/sales_report.xlsx"; : >"$V/r-ok/raw_sales.csv"
ev r-bad extract-sales succeeded all
ev r-bad transform failed
ev r-going extract-sales succeeded 2024-07-01..2024-07-01
touch -d '2024-07-01 02:10:00 UTC' "$V/r-ok"
touch -d '2024-07-02 00:10:00 UTC' "$V/r-bad"
touch -d '2024-07-03 00:10:00 UTC' "$V/r-going" "$V/incoming"
expect_exit 0 "troubleshoot --runs: the runs on a volume" "$TS" --runs --data-dir "$V"
sed 's/ *$//' "$T/out" >"$T/got"
cat >"$T/want" <<EOF
RUN                                          MODIFIED          PERIOD                 STATUS                     FILES
r-going                                      2024-07-03T00:10Z 2024-07-01..2024-07-01 incomplete                 -
r-bad                                        2024-07-02T00:10Z all                    failed: transform          -
r-ok                                         2024-07-01T02:10Z 2024-06-01..2024-06-30 succeeded                  sales_report.csv sales_report.xlsx
3 run(s) in $V
EOF
same_file "$T/got" "$T/want" "troubleshoot --runs: newest first, period from the extract, status from the events (failed names the step), the report files; incoming/ is no run"
expect_exit 0 "troubleshoot --runs --pod" "$TS" --runs --pod
cp "$T/out" "$T/runs-pod.yaml"
$PY - "$T/runs-pod.yaml" "$V" >"$T/got" <<'EOF'
import subprocess, sys, yaml
p = yaml.safe_load(open(sys.argv[1]))
c = p["spec"]["containers"][0]
print(p["kind"], p["metadata"]["name"], p["spec"]["automountServiceAccountToken"], c["image"])
print(p["spec"]["volumes"], c["volumeMounts"], c["securityContext"]["readOnlyRootFilesystem"])
print(c["command"][:2], c["command"][3:])
# the pod's script, run here on the test volume, says what --runs says
out = subprocess.run(c["command"][:3] + ["list-runs", sys.argv[2]], stdout=subprocess.PIPE).stdout.decode()
print(out.splitlines()[-1])
EOF
cat >"$T/want" <<EOF
Pod stepkit-list-runs False registry.access.redhat.com/ubi9/ubi-minimal:9.5
[{'name': 'data', 'persistentVolumeClaim': {'claimName': 'stepkit-data', 'readOnly': True}}] [{'name': 'data', 'mountPath': '/data', 'readOnly': True}] True
['sh', '-c'] ['list-runs', '/data']
3 run(s) in $V
EOF
same_file "$T/got" "$T/want" "troubleshoot --runs --pod: the PVC read-only, no API token, the same listing"
# --runs --run: the same stand-in oc as above (creates the Pod, shows its log, deletes it)
rm -f "$T/oc.calls"
PATH=$T/fakebin:$PATH expect_exit 0 "troubleshoot --runs --run" "$TS" --runs --run -n stepkit
cat >"$T/want" <<'EOF'
oc -n stepkit delete pod stepkit-list-runs --ignore-not-found --wait=true
oc -n stepkit create -f -
oc -n stepkit get pod stepkit-list-runs -o jsonpath={.status.phase}
oc -n stepkit logs pod/stepkit-list-runs
oc -n stepkit delete pod stepkit-list-runs --wait=false
EOF
same_file "$T/oc.calls" "$T/want" "troubleshoot --runs --run: the oc calls"
cmp -s "$T/oc.stdin" "$T/runs-pod.yaml"; ok $? "troubleshoot --runs --run: the Pod it creates is the one --runs --pod prints"
expect_exit 2 "troubleshoot --runs with a STEP" "$TS" --runs notify
expect_err "troubleshoot: --runs goes alone, or with --pod or --run (no STEP) (try --help)" "--runs: usage"

# scripts/pin-images: an overlay that runs every image by digest (issue 10, item 14)
PI=$TOP/scripts/pin-images
mkdir -p "$T/pin" && cp -r "$A"/. "$T/pin/"
reg=$(sed -n 's/^ *- registry=//p' "$A/base/kustomization.yaml")
tag=$(sed -n 's/^ *- tag=//p' "$A/base/kustomization.yaml")
for s in $("$TOP/scripts/build-images" --list --registry "$reg" --tag "$tag"); do
	echo "$s sha256:$(printf %s "$s" | sha256sum | cut -c1-64)"
done >"$T/digests.txt"
expect_exit 0 "pin-images --digests: writes overlays/pinned" "$PI" --argo "$T/pin" --digests "$T/digests.txt"
expect_err "pin-images: 15 images pinned by digest in '$T/pin/overlays/pinned/kustomization.yaml'" "pin-images: says how many and where (the 14 of sales-analysis, extract-api of inventory-sync)"
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
	expect_exit 0 "kubectl kustomize of the pinned overlay" kubectl kustomize "$T/pin/overlays/pinned"
	cp "$T/out" "$T/pinned.yaml"
	if [ -x "$VALIDATE" ]; then
		expect_exit 0 "validate-argo: the pinned overlay's output" "$VALIDATE" "$T/pinned.yaml"
	fi
	# every image each task can run, resolved with run-local's own expression evaluator
	$PY - "$T/pinned.yaml" "$TOP/scripts/run-local" "$T/digests.txt" >"$T/got" 2>&1 <<'EOF'
import importlib.machinery, importlib.util, sys, yaml
loader = importlib.machinery.SourceFileLoader("rl", sys.argv[2])
rl = importlib.util.module_from_spec(importlib.util.spec_from_loader("rl", loader)); loader.exec_module(rl)
want = dict(l.split() for l in open(sys.argv[3]))
wts = {d["metadata"]["name"]: d for d in yaml.safe_load_all(open(sys.argv[1])) if d["kind"] == "WorkflowTemplate"}
wt = wts["sales-analysis"]
tmpl = {t["name"]: t for t in wt["spec"]["templates"]}
params = {p["name"]: p for p in wt["spec"]["arguments"]["parameters"]}
print("tag:", params["tag"]["value"], params["tag"]["enum"])
bad = 0
for dag in ("pipeline", "notify-on-exit"):
    for task in tmpl[dag]["dag"]["tasks"]:
        t = tmpl[task["template"]]
        if "container" not in t:  # the suspend and the resource template run no image of ours
            continue
        ins = {"inputs.parameters." + p["name"]: p["value"] for p in (task.get("arguments") or {}).get("parameters") or []}
        for up in ("sftp", "s3", "http"):
            scope = dict(ins, **{"workflow.parameters.upload": up})
            img = rl.subst(t["container"]["image"], scope, task["name"])
            ref, _, digest = img.partition("@")
            prog = ref.rsplit("/stepkit-", 1)[1]
            if want.get(ref.replace("/stepkit-" + prog, "/stepkit-" + prog) + ":" + params["tag"]["value"]) != digest:
                bad += 1
                print("WRONG", task["name"], up, img)
            if "upload" not in task["name"]:
                break
        print(task["name"], prog)
print("wrong digests:", bad)
# inventory-sync: its three programs by digest, its tag an enum of one too
inv = wts["inventory-sync"]["spec"]
for t in inv["templates"]:
    if "container" in t:
        ref, _, digest = t["container"]["image"].partition("@")
        print("inventory-sync", t["name"], ref.rsplit("/", 1)[1], want.get(ref + ":" + params["tag"]["value"]) == digest)
print("inventory-sync tag:", [p.get("enum") for p in inv["arguments"]["parameters"] if p["name"] == "tag"])
EOF
	cat >"$T/want" <<EOF
tag: $tag ['$tag']
extract-sales extract-sales
extract-customers extract-customers
extract-products extract-products
transform transform
analyze-sales analyze-sales
analyze-customers analyze-customers
analyze-products analyze-products
approval-request notify
rejected triggers
upload-sales upload-http
upload-customers upload-http
upload-products upload-http
report-xlsx report-xlsx
upload-xlsx upload-http
load load-postgres
notify notify
triggers triggers
notify-failure notify
wrong digests: 0
inventory-sync extract-api stepkit-extract-api True
inventory-sync load stepkit-load-postgres True
inventory-sync notify stepkit-notify True
inventory-sync tag: [['$tag']]
EOF
	same_file "$T/got" "$T/want" "pinned: every task of both templates runs its own program's image by its digest (uploads: for sftp, s3 and http), the tag an enum of one"
	grep -q ":{{workflow.parameters.tag}}" "$T/pinned.yaml"; is $? 1 "pinned: no image is left to the tag"
	expect_exit 0 "run-local --dry-run on the pinned overlay" "$RL" "$T/pinned.yaml" --template sales-analysis --dry-run --name pin1 -p upload=s3
	expect_exit 2 "pinned: another tag is refused" "$RL" "$T/pinned.yaml" --template sales-analysis --dry-run --name pin1 -p tag=latest
	sed -i 's/"value": "extract-sales"}/"value": "moved"}/' "$T/pin/overlays/pinned/kustomization.yaml"
	expect_exit 1 "pinned: a template that moved fails the build (the patch's test op)" kubectl kustomize "$T/pin/overlays/pinned"
else
	skip "kustomize of the pinned overlay" "kubectl (with kustomize) not installed"
fi
sed -i '/stepkit-notify:/d' "$T/digests.txt"
expect_exit 1 "pin-images: an image without a digest" "$PI" --argo "$T/pin" --digests "$T/digests.txt" --print
expect_err "pin-images: no digest for '$reg/stepkit-notify:$tag' in '$T/digests.txt' (a line \`$reg/stepkit-notify:$tag sha256:...\`)" "pin-images: names the image"
# --resolve podman: the RepoDigests a push leaves on the local image
mkdir -p "$T/podbin"
cat >"$T/podbin/podman" <<'EOF'
#!/bin/sh
ref=$5
case $ref in *notify*) echo '[]'; exit 0 ;; esac
printf '["%s@sha256:%064d"]\n' "${ref%:*}" 7
EOF
chmod +x "$T/podbin/podman"
PATH=$T/podbin:$PATH expect_exit 1 "pin-images --resolve podman: an image never pushed" "$PI" --argo "$T/pin" --resolve podman --print
expect_err "pin-images: podman: no digest for '$reg/stepkit-notify:$tag' (push it first: the digest is the registry's)" "pin-images: says to push first"
sed -i 's/\*notify\*/*nothing*/' "$T/podbin/podman"
PATH=$T/podbin:$PATH expect_exit 0 "pin-images --resolve podman" "$PI" --argo "$T/pin" --resolve podman --print
grep -q "stepkit-transform@sha256:0*7'" "$T/out"; ok $? "pin-images --resolve podman: the digest of the pushed image"
# an --out that cannot be written: a message naming it, exit 1, no temporary file left
: >"$T/pin-file"
PATH=$T/podbin:$PATH expect_exit 1 "pin-images --out under a regular file" "$PI" --argo "$T/pin" --resolve podman --out "$T/pin-file/pinned"
expect_err "pin-images: cannot write '$T/pin-file/pinned/kustomization.yaml': Not a directory (--out DIR chooses another directory)" "pin-images: an unwritable --out is named, no traceback"
mkdir -p "$T/pin-ro/pinned" && mkdir "$T/pin-ro/pinned/kustomization.yaml"
PATH=$T/podbin:$PATH expect_exit 1 "pin-images --out whose kustomization.yaml is a directory" "$PI" --argo "$T/pin" --resolve podman --out "$T/pin-ro/pinned"
is "$(find "$T/pin-ro/pinned" -name '.kustomization*' | wc -l)" 0 "pin-images: no temporary file left behind"

done_testing
