#!/bin/bash
# The artifacts variant (argo/overlays/artifacts, issue 10 item 7): no volume,
# the steps pass their files as key-only S3 artifacts. scripts/run-local
# emulates the artifact repository with DATA/artifacts/KEY: first its rules on
# a throwaway template (files and directories in and out, optional ones, a
# missing input fails the attempt as Argo's init container does, a missing
# output errors a step that succeeded), then the rendered overlay on a
# generated sample: the same table and byte-identical files as the volume
# variant's run of the same input, exactly which output became which artifact,
# the events reaching notify, approval-request and report-xlsx, and a failing
# run's notice still sent.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
RL=$TOP/scripts/run-local
$PY -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed (scripts/install-deps)"
unset STEPKIT_FAST_RETRY STEPKIT_WORKDIR STEPKIT_SOURCE STEPKIT_PERIOD STEPKIT_FROM STEPKIT_TO \
	STEPKIT_RUN_ID MAIL_TO MAIL_CC MAIL_OUTBOX MAIL_ATTACH WEBHOOK_URL SMTP_URL
# the emptyDirs (run-local's temporary directories) inside $T, to see that none stays
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }
# files DIR: the files under DIR, sorted, one a line
files() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); }
# table FILE: run-local's table in FILE, seconds blanked, up to the workflow's line
table() { sed -n '1,/^workflow /p' "$1" | sed -E -e 's/ +[0-9]+\.[0-9]{2}$/ S/' -e 's/ in [0-9.]+ s$/ in S s/'; }
# moved DIR: the artifact lines of the task logs in DIR, "TASK: in|out NAME KEY"
moved() {
	for f in "$1"/*.log; do
		sed -n -E -e "s|^# run-local: input artifact ([^:]*): ([^ ]*) -> .*|$(basename "$f" .log): in \1 \2|p" \
			-e "s|^# run-local: output artifact ([^:]*): .* -> (.*)|$(basename "$f" .log): out \1 \2|p" "$f"
	done
}

# --- 1. the emulation's rules, on sh -c tasks
D=$T/engine
mkdir -p "$D/artifacts/in/dir/sub"
printf 'one\n' >"$D/artifacts/in/file.txt"
printf 'two\n' >"$D/artifacts/in/dir/a.txt"
printf 'three\n' >"$D/artifacts/in/dir/sub/b.txt"
cat >"$T/engine.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: engine}
spec:
  entrypoint: main
  volumes: [{name: work, emptyDir: {}}]
  templates:
    - name: main
      dag:
        failFast: false
        tasks:
          - name: produce
            template: sh
            arguments: {parameters: [{name: cmd, value: "cat in/file.txt in/dir/a.txt in/dir/sub/b.txt > out.txt; mkdir -p outdir/x && echo y > outdir/x/y.txt"}]}
          - name: consume
            template: consume
            dependencies: [produce]
          - name: no-input
            template: needs-missing
          - name: no-output
            template: sh
            arguments: {parameters: [{name: cmd, value: "true"}]}
          - name: fails
            template: sh
            arguments: {parameters: [{name: cmd, value: "exit 3"}]}
    - name: sh
      inputs:
        parameters: [{name: cmd}]
        artifacts:
          - {name: file, path: /scratch/in/file.txt, s3: {key: in/file.txt}}
          - {name: dir, path: /scratch/in/dir, s3: {key: in/dir}, archive: {none: {}}}
          - {name: absent, path: /scratch/in/absent, s3: {key: in/absent}, optional: true}
      outputs:
        artifacts:
          - {name: out, path: "/scratch/out.txt", s3: {key: "{{workflow.name}}/{{pod.name}}/out.txt"}}
          - {name: outdir, path: /scratch/outdir, s3: {key: "{{workflow.name}}/outdir"}, optional: true}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /scratch
        volumeMounts: [{name: work, mountPath: /scratch}]
    - name: consume
      inputs:
        artifacts:
          - {name: made, path: /scratch/made, s3: {key: "{{workflow.name}}/outdir"}}
      outputs:
        artifacts:
          - {name: seen, path: /scratch/seen, s3: {key: "{{workflow.name}}/seen"}}
      container:
        image: unused
        command: [sh, -c, "cat made/x/y.txt > seen"]
        workingDir: /scratch
        volumeMounts: [{name: work, mountPath: /scratch}]
    - name: needs-missing
      retryStrategy: {limit: "1", expression: "lastRetry.status == 'Error'"}
      inputs:
        artifacts:
          - {name: gone, path: /scratch/gone, s3: {key: nowhere/gone.csv}}
      outputs:
        artifacts:
          - {name: ran, path: /scratch/ran, s3: {key: "{{workflow.name}}/ran"}, optional: true}
      container:
        image: unused
        command: [sh, -c, "echo ran > ran"]
        workingDir: /scratch
        volumeMounts: [{name: work, mountPath: /scratch}]
EOF
expect_exit 1 "engine: a missing input and a missing output fail their tasks" \
	"$RL" "$T/engine.yaml" --data-dir "$D" --name e1 --fast-retry
cat >"$T/want" <<EOF

task        status     attempts      rows   seconds
produce     Succeeded         1         - S
consume     Succeeded         1         - S
no-input    Error             2         - S
no-output   Error             1         - S
fails       Failed            1         - S

workflow e1: Failed in S s
EOF
table "$T/out" >"$T/got"
same_file "$T/got" "$T/want" "engine: the table (a missing input is an Error, retried by the rule; a missing output errors a step that succeeded; a failed one stays Failed)"
grep -qxF "no-input: Error: artifact gone failed to load: the key 'nowhere/gone.csv' is not in the artifact repository '$D/artifacts' (no more retries left)" "$T/out"
ok $? "engine: the missing input's message names the artifact, the key and the repository"
grep -qE "^no-output: Error: failed to save outputs: artifact out: '$TMPDIR/run-local-no-output-work-[^/]*/out.txt' does not exist$" "$T/out"
ok $? "engine: the missing output's message names the artifact and its path"
is "$(cat "$D/artifacts/e1/e1-sh-"*/out.txt 2>&1)" "one
two
three" "engine: a file and a directory (a key prefix) placed at their paths; the output stored under its substituted key"
is "$(cat "$D/artifacts/e1/seen" 2>&1)" "y" "engine: a directory output, read back as another task's input"
no_file "$D/artifacts/e1/ran" "engine: a task whose input is missing never runs its program"
is "$(files "$D/artifacts" | sed -E 's/e1-sh-[0-9]+/POD/')" "e1/POD/out.txt
e1/outdir/x/y.txt
e1/seen
in/dir/a.txt
in/dir/sub/b.txt
in/file.txt" "engine: the repository holds the inputs given and the outputs made (none of the failed tasks)"
grep -qxF "# run-local: input artifact absent: no key 'in/absent': skipped (optional)" "$D/e1/logs/produce.log"
ok $? "engine: a missing optional input is skipped, and the log says so"
grep '^# run-local: output artifact' "$D/e1/logs/fails.log" | sed -E "s|'$TMPDIR/run-local-fails-work-[^/]*/|'EMPTYDIR/|" >"$T/got"
printf '%s\n' "# run-local: output artifact out: no 'EMPTYDIR/out.txt': not saved" \
	"# run-local: output artifact outdir: no 'EMPTYDIR/outdir': not saved (optional)" >"$T/want"
same_file "$T/got" "$T/want" "engine: a failed step's missing outputs are not saved, without an error of their own"
is "$(ls "$TMPDIR")" "" "engine: no emptyDir stays behind"

# --- 2. a template run-local cannot emulate is refused before anything runs
sed 's|s3: {key: in/file.txt}|s3: {key: in/file.txt, bucket: other}|' "$T/engine.yaml" >"$T/bucket.yaml"
expect_exit 2 "engine: an artifact with its own bucket is refused" "$RL" "$T/bucket.yaml" --data-dir "$D" --name e2
expect_err "run-local: template 'sh': input artifact 'file': run-local knows key-only artifacts (s3: {key: ...}, the bucket from the artifact repository); got {\"key\": \"in/file.txt\", \"bucket\": \"other\"}" \
	"engine: the refusal names the template, the artifact and what is supported"
sed 's|s3: {key: in/file.txt}|s3: {key: ../file.txt}|' "$T/engine.yaml" >"$T/dotdot.yaml"
expect_exit 1 "engine: a key that leaves the repository" "$RL" "$T/dotdot.yaml" --data-dir "$D" --name e3
grep -q "^produce: Error: task 'produce': input artifact 'file': key '../file.txt' is not a plain relative key" "$T/out"
ok $? "engine: a key with '..' fails the task, naming the key"

expect_exit 2 "engine: --name artifacts is refused (the repository's directory)" "$RL" "$T/engine.yaml" --data-dir "$D" --name artifacts
expect_err "run-local: --name 'artifacts': that is the artifact repository's directory in --data-dir; choose another name" \
	"engine: the refusal says why"

# ===========================================================================
# argo/overlays/artifacts, rendered, with the real programs
if ! command -v kubectl >/dev/null 2>&1 || ! kubectl kustomize "$TOP/argo/overlays/artifacts" >"$T/artifacts.yaml" 2>"$T/kz.err"; then
	ok 0 "# skip the artifacts overlay: kubectl kustomize not available ($(head -1 "$T/kz.err" 2>/dev/null))"
	done_testing
	exit
fi
for s in extract-sales extract-customers extract-products transform analyze-sales \
	analyze-customers analyze-products notify triggers report-xlsx; do
	[ -x "$BIN/$s" ] || { echo "Bail out! bin/$s is missing: run make"; exit 1; }
done
SAMPLE=$T/sample
if ! "$TOP/scripts/gen-sample" --rows 2000 "$SAMPLE" >/dev/null 2>"$T/gen.err"; then
	echo "Bail out! scripts/gen-sample failed: $(head -3 "$T/gen.err")"; exit 1
fi

# The volume variant (argo/) and the artifacts variant on the same input: the
# sample in the volume's incoming/, and in the bucket's incoming/ (the
# extracts' optional input), read with source=file:incoming in both.
V=$T/vol
A=$T/art
mkdir -p "$V/incoming" "$A/artifacts/incoming"
cp "$SAMPLE"/*.csv "$V/incoming/"
cp "$SAMPLE"/*.csv "$A/artifacts/incoming/"
expect_exit 0 "the volume variant (argo/)" \
	"$RL" "$TOP/argo/" --template sales-analysis -p source=file:incoming -p upload=none -p period=all --data-dir "$V" --name run1
table "$T/out" >"$T/vol.table"
expect_exit 0 "the artifacts variant (argo/overlays/artifacts, rendered)" \
	"$RL" "$T/artifacts.yaml" -p source=file:incoming -p upload=none -p period=all --data-dir "$A" --name run1
table "$T/out" >"$T/got"
same_file "$T/got" "$T/vol.table" "the same table as the volume variant: every task, status, attempt, and the rows of each event (read from the bucket)"
is "$(sed -n '/^files and events:/,$p' "$T/out")" "files and events: $A/run1/   logs: $A/run1/logs/
artifacts: $A/artifacts/" "the table's last lines name the artifact repository"
for f in raw_sales.csv customer_data.csv product_data.csv transformed_data.csv \
	sales_report.csv customer_report.csv product_report.csv triggers.json; do
	same_file "$A/artifacts/run1/$f" "$V/run1/$f" "artifact run1/$f is byte-identical to the volume's"
done
is "$(files "$A/artifacts/run1")" "customer_data.csv
customer_report.csv
events/analyze-customers.json
events/analyze-customers.quality
events/analyze-products.json
events/analyze-products.quality
events/analyze-sales.json
events/analyze-sales.quality
events/extract-customers.json
events/extract-customers.quality
events/extract-products.json
events/extract-products.quality
events/extract-sales.json
events/extract-sales.quality
events/notify.json
events/transform.json
events/transform.quality
events/triggers.json
product_data.csv
product_report.csv
raw_sales.csv
sales_report.csv
transformed_data.csv
triggers.json" "the bucket holds under run1/ what the volume holds in run1/ (the logs aside)"
is "$(files "$A/artifacts/run1")" "$(files "$V/run1" | grep -v '^logs/')" "the same names as the volume variant's run directory"
for e in "$V"/run1/events/*.quality; do
	same_file "$A/artifacts/run1/events/$(basename "$e")" "$e" "events/$(basename "$e"): the same level"
done
is "$(ls "$A/run1")" "logs" "nothing of the run is written outside the bucket but the logs"
moved "$A/run1/logs" >"$T/got"
cat >"$T/want" <<'EOF'
analyze-customers: in transformed-data run1/transformed_data.csv
analyze-customers: in events run1/events
analyze-customers: out report run1/customer_report.csv
analyze-customers: out event run1/events/analyze-customers.json
analyze-customers: out quality run1/events/analyze-customers.quality
analyze-products: in transformed-data run1/transformed_data.csv
analyze-products: in events run1/events
analyze-products: out report run1/product_report.csv
analyze-products: out event run1/events/analyze-products.json
analyze-products: out quality run1/events/analyze-products.quality
analyze-sales: in transformed-data run1/transformed_data.csv
analyze-sales: in events run1/events
analyze-sales: out report run1/sales_report.csv
analyze-sales: out event run1/events/analyze-sales.json
analyze-sales: out quality run1/events/analyze-sales.quality
extract-customers: in incoming incoming
extract-customers: out data run1/customer_data.csv
extract-customers: out event run1/events/extract-customers.json
extract-customers: out quality run1/events/extract-customers.quality
extract-products: in incoming incoming
extract-products: out data run1/product_data.csv
extract-products: out event run1/events/extract-products.json
extract-products: out quality run1/events/extract-products.quality
extract-sales: in incoming incoming
extract-sales: out data run1/raw_sales.csv
extract-sales: out event run1/events/extract-sales.json
extract-sales: out quality run1/events/extract-sales.quality
notify: in events run1/events
notify: in sales-report run1/sales_report.csv
notify: in customer-report run1/customer_report.csv
notify: in product-report run1/product_report.csv
notify: out event run1/events/notify.json
transform: in raw-sales run1/raw_sales.csv
transform: in customer-data run1/customer_data.csv
transform: in product-data run1/product_data.csv
transform: in events run1/events
transform: out data run1/transformed_data.csv
transform: out event run1/events/transform.json
transform: out quality run1/events/transform.quality
triggers: in events run1/events
triggers: out workflows run1/triggers.json
triggers: out event run1/events/triggers.json
EOF
same_file "$T/got" "$T/want" "which input each task got and which output became which artifact (the task logs)"
grep -qxF "# run-local: input artifact workbook: no key 'run1/sales_report.xlsx': skipped (optional)" "$A/run1/logs/notify.log"
ok $? "notify's workbook is optional (format=csv makes none)"
is "$(ls "$TMPDIR")" "" "every pod's emptyDir is gone after the run"

# format=both, approval=always, a summary with the workbook attached: the
# approval request, report-xlsx and notify read the events from the bucket.
mkdir -p "$T/outbox"
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\nMAIL_ATTACH=yes\n' "$T/outbox" >"$T/mail.env"
expect_exit 0 "artifacts: format=both, approval=always (answered yes), notify to an outbox" \
	"$RL" "$T/artifacts.yaml" -p source=file:incoming -p upload=none -p period=all -p format=both \
	-p approval=always -p notify-to=ops@example.com --approve yes --env-file "$T/mail.env" --data-dir "$A" --name run2
grep -E '^(approval-request|approve|report-xlsx|notify) ' "$T/out" | awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "approval-request Succeeded 1" "approve Succeeded 0" "report-xlsx Succeeded 1" "notify Succeeded 1" >"$T/want"
same_file "$T/got" "$T/want" "artifacts: the approval request, the workbook and notify ran"
moved "$A/run2/logs" | grep -E '^(approval-request|report-xlsx|notify):' >"$T/got"
cat >"$T/want" <<'EOF'
approval-request: in events run2/events
approval-request: out event run2/events/approval-request.json
notify: in events run2/events
notify: in sales-report run2/sales_report.csv
notify: in customer-report run2/customer_report.csv
notify: in product-report run2/product_report.csv
notify: in workbook run2/sales_report.xlsx
notify: out event run2/events/notify.json
report-xlsx: in events run2/events
report-xlsx: in sales-report run2/sales_report.csv
report-xlsx: in customer-report run2/customer_report.csv
report-xlsx: in product-report run2/product_report.csv
report-xlsx: out workbook run2/sales_report.xlsx
report-xlsx: out event run2/events/report-xlsx.json
EOF
same_file "$T/got" "$T/want" "artifacts: the approval request, report-xlsx and notify got the events (and the reports, the workbook)"
req=$(grep -l "waits for approval" "$T/outbox"/*.eml 2>/dev/null | head -1)
sum=$(grep -L "waits for approval" "$T/outbox"/*.eml 2>/dev/null | head -1)
steps() { tr -d '\r' <"$1" | sed -n '/^Steps:/,/^$/p' | sed '1,2d;/^$/d' | awk '{print $1, $2}' | LC_ALL=C sort | tr '\n' ' '; }
is "$(steps "${req:-$T/none}" 2>&1)" "analyze-customers succeeded analyze-products succeeded analyze-sales succeeded extract-customers succeeded extract-products succeeded extract-sales succeeded transform succeeded " \
	"the approval request lists the seven data steps from their events"
is "$(steps "${sum:-$T/none}" 2>&1)" "analyze-customers succeeded analyze-products succeeded analyze-sales succeeded approval-request succeeded extract-customers succeeded extract-products succeeded extract-sales succeeded report-xlsx succeeded transform succeeded " \
	"the summary lists every step that ran before it, from the events in the bucket"
grep -q 'filename="sales_report.xlsx"' "${sum:-$T/none}" 2>/dev/null
ok $? "the summary attaches the workbook it got as an artifact"

# A rejected run: `rejected` gets the events (its run directory) and keeps its event.
mkdir -p "$T/outbox3"
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\n' "$T/outbox3" >"$T/mail3.env"
expect_exit 1 "artifacts: approval=always answered no" \
	"$RL" "$T/artifacts.yaml" -p source=file:incoming -p upload=none -p period=all -p approval=always \
	-p notify-to=ops@example.com --env-file "$T/mail3.env" --approve no --data-dir "$A" --name rej
grep -E '^(approve|rejected|notify) ' "$T/out" | awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "approve Succeeded 0" "rejected Failed 1" "notify Omitted 0" >"$T/want"
same_file "$T/got" "$T/want" "artifacts: a rejection fails the run at rejected, nothing published"
is "$($PY -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["step"], e["status"])' "$A/artifacts/rej/events/rejected.json" 2>&1)" \
	"triggers failed" "artifacts: rejected's event is an artifact"

# upload=http against the HTTP sink: each upload gets its report from the
# bucket and writes its event beside the run's events (--event-file).
[ -x "$BIN/upload-http" ] || { echo "Bail out! bin/upload-http is missing: run make"; exit 1; }
mkdir -p "$T/http"
$PY "$TOP/tests/servers/http_sink.py" --dir "$T/http" >"$T/http.log" 2>&1 &
hpid=$!
stop_at_exit $hpid
if ! wait_ready "$T/http.log" $hpid; then
	ok 1 "the HTTP sink started"
else
	printf 'HTTP_UPLOAD_URL=http://127.0.0.1:%s/reports/{run}/\n' "$(cat "$T/http/port")" >"$T/http.env"
	expect_exit 0 "artifacts: upload=http, format=both" \
		"$RL" "$T/artifacts.yaml" -p source=file:incoming -p upload=http -p period=all -p format=both \
		--env-file "$T/http.env" --data-dir "$A" --name up
	for f in sales_report.csv customer_report.csv product_report.csv; do
		same_file "$T/http/files/reports/up/$f" "$V/run1/$f" "upload=http: $f sent from the bucket, as the volume variant's"
	done
	same_file "$T/http/files/reports/up/sales_report.xlsx" "$A/artifacts/up/sales_report.xlsx" "upload=http: the workbook sent is report-xlsx's artifact"
	moved "$A/up/logs" | grep '^upload-' >"$T/got"
	cat >"$T/want" <<'EOF'
upload-customers: in report up/customer_report.csv
upload-customers: in events up/events
upload-customers: out event up/events/upload-customers.json
upload-products: in report up/product_report.csv
upload-products: in events up/events
upload-products: out event up/events/upload-products.json
upload-sales: in report up/sales_report.csv
upload-sales: in events up/events
upload-sales: out event up/events/upload-sales.json
upload-xlsx: in report up/sales_report.xlsx
upload-xlsx: in events up/events
upload-xlsx: out event up/events/upload-xlsx.json
EOF
	same_file "$T/got" "$T/want" "artifacts: each upload got its report and the events, and gave its own event"
fi

# A data-quality gate stops the run at transform: exit 3 stays final (not an
# artifact error that the retry rule would take for a lost pod); the failed
# step's event is kept, its missing output is not an error.
expect_exit 1 "artifacts: max-unmatched=0 stops the run at transform" \
	"$RL" "$T/artifacts.yaml" -p source=file:incoming -p upload=none -p period=all -p max-unmatched=0 \
	--data-dir "$A" --name gate
grep -E '^(transform|analyze-sales|notify) ' "$T/out" | awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "transform Failed 1" "analyze-sales Omitted 0" "notify Omitted 0" >"$T/want"
same_file "$T/got" "$T/want" "artifacts: the gate's exit 3 is not retried; the rest is omitted"
grep -qF "transform: Failed: Error (exit code 3)" "$T/out"; ok $? "artifacts: the summary gives exit code 3"
is "$(files "$A/artifacts/gate" | tr '\n' ' ')" "customer_data.csv events/extract-customers.json events/extract-customers.quality events/extract-products.json events/extract-products.quality events/extract-sales.json events/extract-sales.quality events/transform.json events/transform.quality product_data.csv raw_sales.csv " \
	"artifacts: transform's event and level are kept, no transformed_data.csv"
grep -q '"gate.max_unmatched_customers": "failed: ' "$A/artifacts/gate/events/transform.json"
ok $? "artifacts: the kept event names the gate"

# A failing run: the exit handler's notice goes out (it needs neither volume nor artifacts).
mkdir -p "$T/outbox2"
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\n' "$T/outbox2" >"$T/mail2.env"
expect_exit 1 "artifacts: a missing source directory fails the run" \
	"$RL" "$T/artifacts.yaml" -p "source=file:$T/missing" -p upload=none -p notify-to=ops@example.com \
	--env-file "$T/mail2.env" --data-dir "$A" --name broken
grep -E '^(extract-sales|extract-customers|extract-products|transform|notify|notify-failure) ' "$T/out" | awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "extract-sales Failed 1" "extract-customers Failed 1" "extract-products Failed 1" "transform Omitted 0" \
	"notify Omitted 0" "notify-failure Succeeded 1" >"$T/want"
same_file "$T/got" "$T/want" "artifacts: the extracts fail (exit 1, not retried), the failure notice runs"
is "$(files "$A/artifacts/broken" | tr '\n' ' ')" "events/extract-customers.json events/extract-products.json events/extract-sales.json " \
	"artifacts: the failed extracts' events are kept (no data, no level)"
eml=$(ls "$T/outbox2"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ]; then
	grep -q "^To: ops@example.com" "$eml"; ok $? "the failure notice goes to notify-to"
	grep -q "^Subject: .*broken: Failed" "$eml"; ok $? "its subject carries workflow.status"
	grep -q "extract-sales" "$eml"; ok $? "its body names the failed step (from workflow.failures)"
else
	ok 1 "the exit handler wrote the failure notice to MAIL_OUTBOX"; ls -la "$T/outbox2" | sed 's/^/#   /'
fi
is "$(ls "$TMPDIR")" "" "no emptyDir stays behind after the failed runs"

done_testing
