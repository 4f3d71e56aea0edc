#!/bin/bash
# scripts/run-local: first the engine's semantics on throwaway WorkflowTemplates
# of `sh -c` commands (parallel tasks, parallelism, dependencies/depends, when,
# retries on 75 only with backoff and limits, deadlines, the exit handler with
# workflow.status/failures, Secrets from --env-file, mount mapping, SIGTERM);
# then argo/ itself: the whole DAG on a generated sample must give the reports
# the programs give when run by hand, a failing run notifies through the exit
# handler, and (as root, with the test sshd) upload=sftp lands the reports on
# the server and notify writes the e-mail to an outbox. scripts/troubleshoot's
# local checks run against the same servers.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
RL=$TOP/scripts/run-local
TS=$TOP/scripts/troubleshoot
$PY -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed (scripts/install-deps)"
unset STEPKIT_FAST_RETRY STEPKIT_WORKDIR STEPKIT_SOURCE STEPKIT_PERIOD STEPKIT_FROM STEPKIT_TO \
	STEPKIT_RUN_ID MAIL_TO MAIL_CC MAIL_OUTBOX WEBHOOK_URL SMTP_URL SFTP_HOST SFTP_PASSWORD \
	PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD STEPKIT_DB

# is GOT WANT NAME
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }

# table NAME: run-local's stdout, seconds blanked, equals $T/want
table() {
	sed -E -e 's/ +[0-9]+\.[0-9]{2}$/ S/' -e 's/ in [0-9.]+ s$/ in S s/' "$T/out" >"$T/got"
	same_file "$T/got" "$T/want" "$1"
}

# The building block of the engine tests: a container template running
# `sh -c CMD` in the run's directory on the "PVC".
cat >"$T/head.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: engine}
spec:
  volumes: [{name: data, persistentVolumeClaim: {claimName: local}}]
EOF
cat >"$T/sh.yaml" <<'EOF'
    - name: sh
      inputs: {parameters: [{name: cmd}]}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
    - name: sh-retry
      inputs: {parameters: [{name: cmd}]}
      retryStrategy:
        limit: "2"
        retryPolicy: Always
        expression: asInt(lastRetry.exitCode) == 75
        backoff: {duration: 1s, factor: "2"}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
EOF
# wf FILE: head + the YAML on stdin (entrypoint, templates...) + the sh templates
wf() { { cat "$T/head.yaml"; cat; cat "$T/sh.yaml"; } >"$T/$1"; }
D=$T/data

# --- 1. independent tasks run together; dependencies; when; exit handler skipped on success
# a and b each wait for the other to have started: they can only both
# succeed if they run at the same time (each gives up after ~10 s).
wf par.yaml <<'EOF'
  entrypoint: main
  onExit: exit
  arguments: {parameters: [{name: mode, value: usual}]}
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: sh, arguments: {parameters: [{name: cmd, value: "touch a.on; i=0; until [ -e b.on ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 9; sleep 0.01; done"}]}}
          - {name: b, template: sh, arguments: {parameters: [{name: cmd, value: "touch b.on; i=0; until [ -e a.on ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 9; sleep 0.01; done"}]}}
          - {name: c, template: sh, dependencies: [a, b], arguments: {parameters: [{name: cmd, value: "echo c-ran > c.out"}]}}
          - name: only-if-other
            template: sh
            dependencies: [c]
            when: "'{{workflow.parameters.mode}}' == 'other'"
            arguments: {parameters: [{name: cmd, value: "echo wrong > skipped.out"}]}
          - {name: after-skip, template: sh, dependencies: [only-if-other], arguments: {parameters: [{name: cmd, value: "echo ok > after.out"}]}}
    - name: exit
      dag:
        tasks:
          - name: on-failure
            template: sh
            when: "'{{workflow.status}}' != 'Succeeded'"
            arguments: {parameters: [{name: cmd, value: "echo '{{workflow.status}}' > exit.out"}]}
EOF
expect_exit 0 "independent tasks run in parallel, dependents after them" "$RL" "$T/par.yaml" --data-dir "$D" --name par
cat >"$T/want" <<EOF

task            status     attempts      rows   seconds
a               Succeeded         1         - S
b               Succeeded         1         - S
c               Succeeded         1         - S
only-if-other   Skipped           0         -         -
after-skip      Succeeded         1         - S
-- onExit: exit ---------------------------------------
on-failure      Skipped           0         -         -

workflow par: Succeeded in S s
files and events: $D/par/   logs: $D/par/logs/
EOF
table "the table: a false \`when\` skips, a skipped dependency counts as done, no failure notice"
is "$(cat "$D/par/c.out" "$D/par/after.out")" "c-ran
ok" "tasks run in /data/{{workflow.name}} mapped to --data-dir"
no_file "$D/par/skipped.out" "a skipped task does not run"
expect_err "only-if-other: skipped (when 'usual' == 'other' is false)" "the skip is logged with the substituted condition"
is "$(head -1 "$D/par/logs/c.log")" "# run-local: attempt 1: sh -c 'echo c-ran > c.out'" "each task's log starts with its command"

# --- 2. parallelism: 1 serialises
wf serial.yaml <<'EOF'
  entrypoint: main
  parallelism: 1
  templates:
    - name: main
      dag:
        tasks:
          - {name: x, template: sh, arguments: {parameters: [{name: cmd, value: "echo start >> ../trace; sleep 0.2; echo end >> ../trace"}]}}
          - {name: y, template: sh, arguments: {parameters: [{name: cmd, value: "echo start >> ../trace; sleep 0.2; echo end >> ../trace"}]}}
          - {name: z, template: sh, arguments: {parameters: [{name: cmd, value: "echo start >> ../trace; sleep 0.2; echo end >> ../trace"}]}}
EOF
expect_exit 0 "parallelism: 1" "$RL" "$T/serial.yaml" --data-dir "$D" --name serial
is "$(tr '\n' ' ' <"$D/trace")" "start end start end start end " "parallelism: 1 never runs two tasks at once"

# --- 3. retries: only what the expression allows, backoff, limit, maxDuration;
# a template deadline; failFast off so that every case runs.
wf retry.yaml <<'EOF'
  entrypoint: main
  templates:
    - name: main
      dag:
        failFast: false
        tasks:
          - {name: temp-then-ok, template: sh-retry, arguments: {parameters: [{name: cmd, value: "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $n -ge 2 ] || exit 75"}]}}
          - {name: always-75, template: sh-retry, arguments: {parameters: [{name: cmd, value: "exit 75"}]}}
          - {name: permanent, template: sh-retry, arguments: {parameters: [{name: cmd, value: "exit 1"}]}}
          - {name: max-duration, template: capped, arguments: {parameters: [{name: cmd, value: "exit 75"}]}}
          - {name: too-slow, template: slow, arguments: {parameters: [{name: cmd, value: "trap 'echo term > got-term; exit 143' TERM; sleep 30 & wait"}]}}
    - name: capped
      inputs: {parameters: [{name: cmd}]}
      retryStrategy:
        limit: "5"
        expression: asInt(lastRetry.exitCode) == 75
        # with --fast-retry: 1 s, then 2 s would end after 2.5 s from the start
        backoff: {duration: 1000s, factor: "2", maxDuration: 2500s}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
    - name: slow
      inputs: {parameters: [{name: cmd}]}
      activeDeadlineSeconds: 1
      retryStrategy: {limit: "2", expression: asInt(lastRetry.exitCode) == 75}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
EOF
expect_exit 1 "retry cases: the workflow fails" "$RL" "$T/retry.yaml" --data-dir "$D" --name retry --fast-retry
cat >"$T/want" <<EOF

task           status     attempts      rows   seconds
temp-then-ok   Succeeded         3         - S
always-75      Failed            3         - S
permanent      Failed            1         - S
max-duration   Failed            2         - S
too-slow       Failed            1         - S

workflow retry: Failed in S s
files and events: $D/retry/   logs: $D/retry/logs/

always-75: Failed: Error (exit code 75) (no more retries left)
  (log: $D/retry/logs/always-75.log)

permanent: Failed: Error (exit code 1)
  (log: $D/retry/logs/permanent.log)

max-duration: Failed: Error (exit code 75) (backoff would exceed max duration limit)
  (log: $D/retry/logs/max-duration.log)

too-slow: Failed: Pod was active on the node longer than the specified deadline (activeDeadlineSeconds 1)
  (log: $D/retry/logs/too-slow.log)
EOF
table "exit 75 is retried up to the limit, exit 1 never, maxDuration stops backoff, a deadline kills"
is "$(cat "$D/retry/got-term")" "term" "the deadline sends SIGTERM to the task's process group"
expect_err "temp-then-ok: Error (exit code 75); retry 1/2 in 0.001 s" "backoff: duration (1s, --fast-retry: /1000)"
expect_err "temp-then-ok: Error (exit code 75); retry 2/2 in 0.002 s" "backoff: times factor"
is "$(grep -c '^# run-local: attempt' "$D/retry/logs/always-75.log")" 3 "every attempt appends to the task's log"

# --- 3b. pod errors (a drained node deletes the pod: Error, exit code -1) are
# retried with the template's expression, data errors are not; maxDuration is
# one budget from the first attempt's start, and it cuts a retry's deadline.
wf podfail.yaml <<'EOF'
  entrypoint: main
  templates:
    - name: main
      dag:
        failFast: false
        tasks:
          - {name: evicted, template: robust, arguments: {parameters: [{name: cmd, value: "echo ran > evicted.out"}]}}
          - {name: evicted-twice, template: robust, arguments: {parameters: [{name: cmd, value: "exit 0"}]}}
          - {name: evicted-old-rule, template: sh-retry, arguments: {parameters: [{name: cmd, value: "exit 0"}]}}
          - {name: data-error, template: robust, arguments: {parameters: [{name: cmd, value: "exit 3"}]}}
          - {name: slow-then-75, template: budget, arguments: {parameters: [{name: cmd, value: "sleep 1.2; exit 75"}]}}
          - {name: cut, template: budget4, arguments: {parameters: [{name: cmd, value: "if [ -e cut.1 ]; then trap 'exit 143' TERM; sleep 30 & wait; fi; touch cut.1; exit 75"}]}}
    - name: robust
      inputs: {parameters: [{name: cmd}]}
      retryStrategy:
        limit: "2"
        retryPolicy: Always
        expression: "lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75"
        backoff: {duration: 100ms, factor: "2", maxDuration: 1m}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
    - name: budget
      inputs: {parameters: [{name: cmd}]}
      activeDeadlineSeconds: 60
      retryStrategy:
        limit: "3"
        expression: asInt(lastRetry.exitCode) == 75
        backoff: {duration: 100ms, maxDuration: 1s}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
    - name: budget4
      inputs: {parameters: [{name: cmd}]}
      activeDeadlineSeconds: 60
      retryStrategy:
        limit: "3"
        expression: asInt(lastRetry.exitCode) == 75
        backoff: {duration: 100ms, maxDuration: 4s}
      container:
        image: unused
        command: [sh, -c, "{{inputs.parameters.cmd}}"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
EOF
expect_exit 1 "pod errors and budgets: the workflow fails" "$RL" "$T/podfail.yaml" --data-dir "$D" --name podfail \
	--pod-error evicted --pod-error evicted-twice:1 --pod-error evicted-twice:2 --pod-error evicted-twice:3 \
	--pod-error evicted-old-rule --pod-error data-error:2
sed -E -e 's/ +[0-9]+\.[0-9]{2}$/ S/' -e 's/ in [0-9.]+ s$/ in S s/' -e 's/activeDeadlineSeconds [1-4][)]/activeDeadlineSeconds N)/' "$T/out" >"$T/got"
cat >"$T/want" <<EOF

task               status     attempts      rows   seconds
evicted            Succeeded         2         - S
evicted-twice      Error             3         - S
evicted-old-rule   Error             1         - S
data-error         Failed            1         - S
slow-then-75       Failed            1         - S
cut                Failed            2         - S

workflow podfail: Failed in S s
files and events: $D/podfail/   logs: $D/podfail/logs/

evicted-twice: Error: pod deleted (no more retries left)
  (log: $D/podfail/logs/evicted-twice.log)

evicted-old-rule: Error: pod deleted
  (log: $D/podfail/logs/evicted-old-rule.log)

data-error: Failed: Error (exit code 3)
  (log: $D/podfail/logs/data-error.log)

slow-then-75: Failed: Error (exit code 75) (max duration limit exceeded)
  (log: $D/podfail/logs/slow-then-75.log)

cut: Failed: Pod was active on the node longer than the specified deadline (activeDeadlineSeconds N)
  (log: $D/podfail/logs/cut.log)
EOF
same_file "$T/got" "$T/want" "a deleted pod is retried (lastRetry.status == 'Error'), exit 3 is final, maxDuration is a total budget that cuts the retry's deadline"
is "$(cat "$D/podfail/evicted.out")" "ran" "the retry after the pod error ran the program"
grep -q "^# run-local: --pod-error: the pod is deleted before its program runs" "$D/podfail/logs/evicted.log"
ok $? "the log says which attempt's pod was deleted"
expect_err "evicted: pod deleted; retry 1/2 in 0.1 s" "the pod error waits the backoff like any retry"

# --- 4. fail fast; the exit handler gets workflow.status and workflow.failures
wf fail.yaml <<'EOF'
  entrypoint: main
  onExit: exit
  templates:
    - name: main
      dag:
        tasks:
          - {name: bad, template: sh, arguments: {parameters: [{name: cmd, value: "echo 'something broke' >&2; exit 3"}]}}
          - {name: slow, template: sh, arguments: {parameters: [{name: cmd, value: "sleep 0.5"}]}}
          - {name: after-slow, template: sh, dependencies: [slow], arguments: {parameters: [{name: cmd, value: "touch after-slow.ran"}]}}
          - {name: after-bad, template: sh, dependencies: [bad], arguments: {parameters: [{name: cmd, value: "touch after-bad.ran"}]}}
    - name: exit
      dag:
        tasks:
          - name: notify-failure
            template: sh
            when: "'{{workflow.status}}' != 'Succeeded'"
            arguments: {parameters: [{name: cmd, value: "printf '%s\\n' '{{workflow.status}}' '{{workflow.failures}}' > exit.out"}]}
EOF
expect_exit 1 "a failing task fails the workflow" "$RL" "$T/fail.yaml" --data-dir "$D" --name fail
cat >"$T/want" <<EOF

task             status     attempts      rows   seconds
bad              Failed            1         - S
slow             Succeeded         1         - S
after-slow       Omitted           0         -         -
after-bad        Omitted           0         -         -
-- onExit: exit ----------------------------------------
notify-failure   Succeeded         1         - S

workflow fail: Failed in S s
files and events: $D/fail/   logs: $D/fail/logs/

bad: Failed: Error (exit code 3)
  | something broke
  (log: $D/fail/logs/bad.log)
EOF
table "fail fast: running tasks finish, no new task starts; the exit handler runs"
sed -E 's/"finishedAt":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"/"finishedAt":"T"/' "$D/fail/exit.out" >"$T/got"
cat >"$T/want" <<'EOF'
Failed
[{"displayName":"bad","message":"Error (exit code 3)","templateName":"sh","phase":"Failed","podName":"fail-sh-3884927116","finishedAt":"T"}]
EOF
same_file "$T/got" "$T/want" "workflow.status and workflow.failures as Argo shapes them"
no_file "$D/fail/after-slow.ran" "nothing new starts after a failure (failFast)"

# --- 5. depends with .Failed handles a failure
wf depends.yaml <<'EOF'
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: sh, arguments: {parameters: [{name: cmd, value: "exit 1"}]}}
          - {name: on-a-failed, template: sh, depends: "a.Failed", arguments: {parameters: [{name: cmd, value: "touch handled"}]}}
          - {name: on-a-ok, template: sh, depends: "a", arguments: {parameters: [{name: cmd, value: "touch wrong"}]}}
          - {name: either, template: sh, depends: "on-a-failed.Succeeded || on-a-ok.Succeeded", arguments: {parameters: [{name: cmd, value: "touch either"}]}}
EOF
expect_exit 0 "a failure that a task depends on (.Failed) is handled" "$RL" "$T/depends.yaml" --data-dir "$D" --name depends
cat >"$T/want" <<EOF

task          status     attempts      rows   seconds
a             Failed            1         - S
on-a-failed   Succeeded         1         - S
on-a-ok       Omitted           0         -         -
either        Succeeded         1         - S

workflow depends: Succeeded in S s
files and events: $D/depends/   logs: $D/depends/logs/

a: Failed: Error (exit code 1)
  (log: $D/depends/logs/a.log)
EOF
table "depends: .Failed runs, a bare name needs success, || of results"

# --- 6. the workflow's deadline stops everything; the exit handler still runs
wf deadline.yaml <<'EOF'
  entrypoint: main
  onExit: exit
  activeDeadlineSeconds: 1
  templates:
    - name: main
      dag:
        tasks:
          - {name: forever, template: sh, arguments: {parameters: [{name: cmd, value: "sleep 30"}]}}
          - {name: next, template: sh, dependencies: [forever], arguments: {parameters: [{name: cmd, value: "true"}]}}
    - name: exit
      container:
        image: unused
        command: [sh, -c, "echo '{{workflow.status}}' > exit.out"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
EOF
expect_exit 1 "activeDeadlineSeconds of the workflow" "$RL" "$T/deadline.yaml" --data-dir "$D" --name deadline
cat >"$T/want" <<EOF

task      status     attempts      rows   seconds
forever   Failed            1         - S
next      Omitted           0         -         -
-- onExit: exit ---------------------------------
exit      Succeeded         1         - S

workflow deadline: Failed in S s
files and events: $D/deadline/   logs: $D/deadline/logs/

forever: Failed: terminated: the workflow's activeDeadlineSeconds passed
  (log: $D/deadline/logs/forever.log)
EOF
table "the workflow deadline terminates the running task"
is "$(cat "$D/deadline/exit.out")" "Failed" "the exit handler sees Failed"

# --- 7. Secrets from --env-file, environment, emptyDir, mount paths in env values
cat >"$T/env.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: env}
spec:
  entrypoint: show
  templates:
    - name: show
      container:
        image: unused
        command: [sh, -c, 'printf "%s|%s|%s|%s|%s|%s|%s|%s\n" "$DB_PASSWORD" "$K_ONLY_ENV" "$REF" "$WORK" "$(cat "$CONF_FILE")" "$OUTBOX" "$LOCAL_TMP" "$HOME" > env.out; test -d "$HOME" && touch "$HOME/x"']
        workingDir: /data/{{workflow.name}}
        env:
          - {name: WORK, value: "/data/{{workflow.name}}"}
          - {name: HOME, value: /tmp}
          - name: REF
            valueFrom: {secretKeyRef: {name: db, key: OTHER}}
        envFrom:
          - secretRef: {name: db}
        volumeMounts:
          - {name: data, mountPath: /data}
          - {name: tmp, mountPath: /tmp}
          - {name: conf, mountPath: /etc/conf, readOnly: true}
  volumes:
    - {name: data, persistentVolumeClaim: {claimName: local}}
    - {name: tmp, emptyDir: {}}
    - {name: conf, secret: {secretName: files}}
EOF
printf '# the Secret db\nexport DB_PASSWORD="p w"\nOTHER=from-file\nCONF_FILE=/etc/conf/a.txt\nOUTBOX=/data/outbox\nLOCAL_TMP=%s\n' "$T/x" >"$T/db.env"
mkdir -p "$T/conf" && echo secret-file >"$T/conf/a.txt"
K_ONLY_ENV=from-env expect_exit 0 "Secret keys from --env-file and the environment" \
	"$RL" "$T/env.yaml" --data-dir "$D" --name env --env-file db="$T/db.env" --secret-dir files="$T/conf"
IFS='|' read -r pw envv ref work conf outbox ltmp home <"$D/env/env.out"
is "$pw|$envv|$ref|$work" "p w|from-env|from-file|$D/env" "envFrom and secretKeyRef read --env-file; the rest of the environment passes; /data is mapped in values"
is "$conf|$outbox|$ltmp" "secret-file|$D/outbox|$T/x" "Secret values: the PVC and Secret mounts are mapped (--secret-dir), /tmp (an emptyDir) is not"
case $home in "${TMPDIR:-/tmp}"/run-local-show-tmp-*) ok 0 "an emptyDir mount (/tmp) is a private temporary directory" ;;
*) ok 1 "an emptyDir mount is a temporary directory: got '$home'" ;; esac
no_file "$home" "the emptyDir is removed after the task"
mkdir -p "$T/tmpd"
TMPDIR=$T/tmpd expect_exit 1 "a Secret without --env-file that is not optional" "$RL" "$T/env.yaml" --data-dir "$D" --name env2 \
	--secret-dir files="$T/conf"
is "$(ls -A "$T/tmpd")" "" "a refused task leaves no temporary directory behind"
grep -F "show: Error: task 'show': envFrom Secret 'db': no --env-file for it (mark it optional, or give --env-file [db=]FILE)" "$T/out" >/dev/null
ok $? "the missing Secret is named in the summary"

# --- 8. SIGTERM: the tasks are terminated, no exit handler, exit 143
wf term.yaml <<'EOF'
  entrypoint: main
  onExit: exit
  templates:
    - name: main
      dag:
        tasks:
          - {name: long, template: sh, arguments: {parameters: [{name: cmd, value: "trap 'echo term > got-term; exit 143' TERM; touch ready; sleep 30 & wait"}]}}
    - name: exit
      container:
        image: unused
        command: [sh, -c, "touch exit.ran"]
        workingDir: /data/{{workflow.name}}
        volumeMounts: [{name: data, mountPath: /data}]
EOF
"$RL" "$T/term.yaml" --data-dir "$D" --name term >"$T/term.out" 2>"$T/term.err" &
pid=$!
stop_at_exit $pid
for _ in $(seq 1 200); do [ -e "$D/term/ready" ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
is $? 143 "SIGTERM: run-local dies with 143 after stopping its tasks"
is "$(cat "$D/term/got-term" 2>/dev/null)" "term" "the running task got SIGTERM"
no_file "$D/term/exit.ran" "an interrupted run does not run the exit handler (like argo terminate)"
grep -q "^long  *Failed  *1 " "$T/term.out"
ok $? "the table still shows the interrupted task"

# ===========================================================================
# argo/ itself, with the real programs
for s in extract-sales extract-customers extract-products transform analyze-sales \
	analyze-customers analyze-products notify; do
	[ -x "$BIN/$s" ] || { echo "Bail out! bin/$s is missing: run make"; exit 1; }
done
SAMPLE=$T/sample
if ! "$TOP/scripts/gen-sample" --rows 2000 "$SAMPLE" >/dev/null 2>"$T/gen.err"; then
	echo "Bail out! scripts/gen-sample failed: $(head -3 "$T/gen.err")"; exit 1
fi

# The same chain by hand, as the DAG runs it.
H=$T/by-hand
for s in extract-sales extract-customers extract-products; do
	"$BIN/$s" --workdir "$H" --source "file:$SAMPLE" 2>/dev/null || echo "# by hand: $s failed"
done
for s in transform analyze-sales analyze-customers analyze-products; do
	"$BIN/$s" --workdir "$H" 2>/dev/null || echo "# by hand: $s failed"
done

# rows F: the data rows of the by-hand file F (its lines less the header)
rows() { echo $(($(wc -l <"$H/$1") - 1)); }
OUT=$T/out-dir
expect_exit 0 "argo/: the whole DAG on local files, upload=none" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all --data-dir "$OUT" --name run1
cat >"$T/want" <<EOF

task                status     attempts      rows   seconds
$(printf '%-19s %-10s %8d %9s S\n' extract-sales Succeeded 1 "$(rows raw_sales.csv)" \
	extract-customers Succeeded 1 "$(rows customer_data.csv)" extract-products Succeeded 1 "$(rows product_data.csv)" \
	transform Succeeded 1 "$(rows transformed_data.csv)" analyze-sales Succeeded 1 "$(rows sales_report.csv)" \
	analyze-customers Succeeded 1 "$(rows customer_report.csv)" analyze-products Succeeded 1 "$(rows product_report.csv)")
approval-request    Skipped           0         -         -
approve             Skipped           0         -         -
rejected            Skipped           0         -         -
upload-sales        Skipped           0         -         -
upload-customers    Skipped           0         -         -
upload-products     Skipped           0         -         -
report-xlsx         Skipped           0         -         -
upload-xlsx         Skipped           0         -         -
load                Skipped           0         -         -
notify              Succeeded         1         0 S
triggers            Succeeded         1         0 S
start-triggered     Skipped           0         -         -
-- onExit: notify-on-exit ---------------------------------
notify-failure      Skipped           0         -         -

workflow run1: Succeeded in S s
files and events: $OUT/run1/   logs: $OUT/run1/logs/
EOF
table "the DAG's table: rows each step wrote (from its event), no approval asked, uploads skipped, notify runs (and skips: no recipient), no trigger configured, no failure notice"
for f in raw_sales.csv customer_data.csv product_data.csv transformed_data.csv \
	sales_report.csv customer_report.csv product_report.csv; do
	same_file "$OUT/run1/$f" "$H/$f" "$f is the same as by hand"
done
is "$(cd "$OUT/run1/events" && ls | tr '\n' ' ')" \
	"analyze-customers.json analyze-customers.quality analyze-products.json analyze-products.quality analyze-sales.json analyze-sales.quality extract-customers.json extract-customers.quality extract-products.json extract-products.quality extract-sales.json extract-sales.quality notify.json transform.json transform.quality triggers.json " \
	"every step wrote its event under /data/{{workflow.name}}/events, each data step its level (docs/quality.md)"
is "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "$OUT/run1/events/transform.json" 2>&1)" \
	"run1" "STEPKIT_RUN_ID is the workflow name"
grep -q '"level":"info","step":"notify","run":"run1"' "$OUT/run1/logs/notify.log"
ok $? "the steps log JSON lines (STEPKIT_LOG_FORMAT=json from the template)"

# the rwo overlay (rendered by kubectl kustomize): parallelism 1, same reports
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize "$TOP/argo/overlays/rwo" >"$T/rwo.yaml" 2>/dev/null; then
	expect_exit 0 "argo/overlays/rwo (rendered): the whole DAG, one pod at a time" \
		"$RL" "$T/rwo.yaml" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all --data-dir "$OUT" --name rwo
	same_file "$OUT/rwo/product_report.csv" "$H/product_report.csv" "rwo overlay: product_report.csv as by hand"
	is "$(grep -c ': started' "$T/err")" "$(grep -c ': succeeded in' "$T/err")" "rwo overlay: every started task finished"
else
	ok 0 "# skip rwo overlay: kubectl kustomize not available"
fi

# period=custom: the expression tag leaves --period empty and passes --from/--to
expect_exit 0 "argo/: period=custom with from/to" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=custom \
	-p from=2011-03-01 -p to=2011-05-31 --data-dir "$OUT" --name custom
"$BIN/extract-sales" --workdir "$T/custom-by-hand" --source "file:$SAMPLE" --from 2011-03-01 --to 2011-05-31 2>/dev/null
same_file "$OUT/custom/raw_sales.csv" "$T/custom-by-hand/raw_sales.csv" "period=custom extracts the same days as --from/--to by hand"

# as-of: the day a daily run extracts is fixed by the parameter (the cron's
# scheduled time), not by the clock of the attempt: the first attempt's pod is
# deleted (a node drain), the retry extracts the same day as by hand.
day=$(awk -F, 'NR > 1 && $4 ~ /^2011-0[2-9]/ {print substr($4, 1, 10); exit}' "$SAMPLE/raw_sales.csv")
next=$(date -u -d "$day + 1 day" +%F)
expect_exit 0 "argo/: period=daily with as-of (a cron's scheduledTime), the first attempt's pod deleted" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p "as-of=${next}T00:00:00Z" \
	--pod-error extract-sales --data-dir "$OUT" --name asof --fast-retry
"$BIN/extract-sales" --workdir "$T/asof-by-hand" --source "file:$SAMPLE" --period daily --as-of "$next" 2>/dev/null
same_file "$OUT/asof/raw_sales.csv" "$T/asof-by-hand/raw_sales.csv" "the retried extract-sales extracts the day before as-of ($day), as by hand"
grep -q "^extract-sales  *Succeeded  *2 " "$T/out"; ok $? "extract-sales: the pod error was retried (2 attempts)"
is "$(grep -c -- "--period=daily --as-of=${next}T00:00:00Z " "$OUT/asof/logs/extract-sales.log")" 2 \
	"both attempts got the same --as-of"
[ "$(wc -l <"$OUT/asof/raw_sales.csv")" -gt 1 ]; ok $? "the day has sales lines ($day)"

# An empty night (no sales on the day) is YELLOW (argo/base/quality.json:
# extract-sales rows below 1): extract-sales warns, the run waits for an
# approval (answered yes here), the table shows 0 rows, notify's subject says
# YELLOW and that the reports are empty.
mkdir -p "$T/outbox3"
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\n' "$T/outbox3" >"$T/mail3.env"
expect_exit 0 "argo/: a day without sales (as-of=2030-01-02)" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p as-of=2030-01-02 -p notify-to=ops@example.com \
	--env-file "$T/mail3.env" --data-dir "$OUT" --name empty --approve yes
is "$(cat "$OUT/empty/events/extract-sales.quality")" YELLOW "an empty night is YELLOW"
grep -q "^approve  *Succeeded" "$T/out"; ok $? "the empty night waited for an approval"
grep -q "^extract-sales  *Succeeded  *1  *0 " "$T/out"; ok $? "the table's rows column shows 0 for extract-sales"
grep -qF "\"level\":\"warn\",\"step\":\"extract-sales\",\"run\":\"empty\",\"msg\":\"no rows from 2030-01-01 to 2030-01-01: '$OUT/empty/raw_sales.csv' holds only its header, so the reports will be empty\"" "$OUT/empty/logs/extract-sales.log"
ok $? "extract-sales logs a warning naming the period and the file"
# Two mails: the approval request and the summary. Their names hold the
# second each was written, so which sorts first depends on the clock: pick
# the summary by what it is, not by its place in the listing.
is "$(grep -l "waiting for approval" "$T/outbox3"/*.eml 2>/dev/null | wc -l)" 1 "the empty night's approval request was mailed"
eml=$(grep -L "waiting for approval" "$T/outbox3"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ]; then
	# unfolded first: with the level in it the subject passes 78 columns and is folded
	sed -e ':a' -e 'N' -e '$!ba' -e 's/\r\n / /g' "$eml" | grep -q "^Subject: \[stepkit\] YELLOW .*: Succeeded (no rows: empty reports)"
	ok $? "notify's subject says the reports are empty"
	grep -q "^extract-sales wrote no rows: the reports are empty" "$eml"; ok $? "notify's body says which extract was empty"
else
	ok 1 "notify wrote the summary to MAIL_OUTBOX"; ls -la "$T/outbox3" | sed 's/^/#   /'
fi

# a relative file:DIR is under the data directory (/data on the PVC)
mkdir -p "$OUT/incoming" && cp "$SAMPLE"/*.csv "$OUT/incoming/"
expect_exit 0 "argo/: source=file:incoming (relative to the PVC root)" \
	"$RL" "$TOP/argo/" --template sales-analysis -p source=file:incoming -p upload=none -p period=all --data-dir "$OUT" --name rel
same_file "$OUT/rel/sales_report.csv" "$H/sales_report.csv" "source=file:DIR relative to /data"

# A failing run: the exit handler's notify writes the failure notice to the outbox.
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\n' "$T/outbox" >"$T/mail.env"
mkdir -p "$T/outbox"
expect_exit 1 "argo/: a missing source directory fails the run" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$T/missing" -p upload=none -p notify-to=ops@example.com \
	--env-file "$T/mail.env" --data-dir "$OUT" --name broken
cat >"$T/want" <<EOF

task                status     attempts      rows   seconds
extract-sales       Failed            1         - S
extract-customers   Failed            1         - S
extract-products    Failed            1         - S
transform           Omitted           0         -         -
analyze-sales       Omitted           0         -         -
analyze-customers   Omitted           0         -         -
analyze-products    Omitted           0         -         -
approval-request    Omitted           0         -         -
approve             Omitted           0         -         -
rejected            Omitted           0         -         -
upload-sales        Omitted           0         -         -
upload-customers    Omitted           0         -         -
upload-products     Omitted           0         -         -
report-xlsx         Omitted           0         -         -
upload-xlsx         Omitted           0         -         -
load                Omitted           0         -         -
notify              Omitted           0         -         -
triggers            Omitted           0         -         -
start-triggered     Omitted           0         -         -
-- onExit: notify-on-exit ---------------------------------
notify-failure      Succeeded         1         - S

workflow broken: Failed in S s
files and events: $OUT/broken/   logs: $OUT/broken/logs/
EOF
sed '/^files and events/q' "$T/out" | sed -E -e 's/ +[0-9]+\.[0-9]{2}$/ S/' -e 's/ in [0-9.]+ s$/ in S s/' >"$T/got"
same_file "$T/got" "$T/want" "a permanent failure (exit 1) is not retried; the rest is omitted"
grep -qF "extract-sales: Failed: Error (exit code 1)" "$T/out"
ok $? "the summary names the failed task and its exit code"
grep -qF "  | error: '$T/missing': No such file or directory" "$T/out"
ok $? "the summary shows the task's last log lines (JSON made readable)"
eml=$(ls "$T/outbox"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ]; then
	grep -q "^To: ops@example.com" "$eml"; ok $? "the failure notice goes to notify-to"
	grep -q "^Subject: .*Failed" "$eml"; ok $? "its subject carries workflow.status"
	grep -q "extract-sales" "$eml"; ok $? "its body names the failed step (from workflow.failures)"
else
	ok 1 "the exit handler wrote a message to MAIL_OUTBOX"; ls -la "$T/outbox" | sed 's/^/#   /'
fi

# Storage is what failed: the run's directory on the "PVC" cannot take the
# steps' events (events/ is a file). The failure notice does not mount the
# volume, so it still goes out.
mkdir -p "$OUT/nostore" "$T/outbox4" && : >"$OUT/nostore/events"
printf 'MAIL_OUTBOX=%s\nMAIL_FROM=stepkit@example.com\n' "$T/outbox4" >"$T/mail4.env"
expect_exit 1 "argo/: the volume cannot be written" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all -p notify-to=ops@example.com \
	--env-file "$T/mail4.env" --data-dir "$OUT" --name nostore
grep -q "^notify-failure  *Succeeded  *1 " "$T/out"; ok $? "the failure notice succeeds although the volume is broken"
is "$(grep -l '^Subject: .*: Failed' "$T/outbox4"/*.eml 2>/dev/null | wc -l)" 1 "the failure notice was written (outbox)"
grep -q -- "--workdir=[^ ]*/run-local-notify-failure-tmp-[^ ]*/notify " "$OUT/nostore/logs/notify-failure.log"; ok $? "notify-failure works in its emptyDir"
grep -q -- "$OUT/nostore" "$OUT/nostore/logs/notify-failure.log"; is $? 1 "notify-failure's command names no path on the volume"

# --- retention (argo/retention): a dry run lists, a real run removes the run
# directories that are neither among the newest keep-runs nor younger than
# keep-days; what holds no events/ is never touched.
R=$T/ret
mkdir -p "$R/incoming"
for i in 1 2 3 4 5; do mkdir -p "$R/run-$i/events"; : >"$R/run-$i/raw_sales.csv"; done
touch -d '40 days ago' "$R/run-1" "$R/incoming"
touch -d '30 days ago' "$R/run-2"
touch -d '20 days ago' "$R/run-3"
touch -d '2 days ago' "$R/run-4"
touch -d '1 hour ago' "$R/run-5"
expect_exit 0 "retention: dry run (the default)" \
	"$RL" "$TOP/argo/retention/retention.yaml" -p keep-runs=2 -p keep-days=10 --data-dir "$R" --name ret-dry
grep -h '^retention:' "$R/ret-dry/logs/retention.log" >"$T/got"
printf '%s\n' "retention: would remove 'run-3' (20 days old)" "retention: would remove 'run-2' (30 days old)" \
	"retention: would remove 'run-1' (40 days old)" \
	"retention: 5 run directories, kept 2, would remove 3 (keep-runs 2, keep-days 10)" >"$T/want"
same_file "$T/got" "$T/want" "retention dry run: lists the old runs beyond the newest 2, removes nothing"
is "$(cd "$R" && ls -d run-* | tr '\n' ' ')" "run-1 run-2 run-3 run-4 run-5 " "the dry run removed nothing"
expect_exit 0 "retention: keep-days 25, for real" \
	"$RL" "$TOP/argo/retention/retention.yaml" -p keep-runs=1 -p keep-days=25 -p dry-run=false --data-dir "$R" --name ret-real
is "$(cd "$R" && ls | tr '\n' ' ')" "incoming ret-dry ret-real run-3 run-4 run-5 " \
	"runs older than 25 days go; incoming/ (no events/) and run-local's own directories stay"
expect_exit 1 "retention: keep-runs 0 is refused" \
	"$RL" "$TOP/argo/retention/retention.yaml" -p keep-runs=0 -p dry-run=false --data-dir "$R" --name ret-bad
grep -q "retention: keep-runs '0': want a number >= 1" "$R/ret-bad/logs/retention.log"; ok $? "the refusal says why"
is "$(cd "$R" && ls -d run-* | tr '\n' ' ')" "run-3 run-4 run-5 " "a refused run removes nothing"

# A data-quality gate: transform exits 3 (not retried), the analyses never run.
expect_exit 1 "argo/: max-unmatched=0 stops the run at transform" \
	"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all -p max-unmatched=0 \
	--data-dir "$OUT" --name gate
grep -E '^(transform|analyze-sales|notify) ' "$T/out" | awk '{print $1, $2, $3}' >"$T/got"
printf '%s\n' "transform Failed 1" "analyze-sales Omitted 0" "notify Omitted 0" >"$T/want"
same_file "$T/got" "$T/want" "the gate's exit 3 is not retried; the rest of the DAG is omitted"
grep -qF "transform: Failed: Error (exit code 3)" "$T/out"
ok $? "the summary gives exit code 3"
no_file "$OUT/gate/transformed_data.csv" "the gate left no transformed_data.csv"
grep -q '"gate.max_unmatched_customers": "failed: ' "$OUT/gate/events/transform.json"
ok $? "the transform's event names the gate"

# --- upload=http against the HTTP sink, which answers the first upload 503:
# upload-http (one attempt in-process) exits 75 and the DAG retries that task.
if [ ! -x "$BIN/upload-http" ]; then
	echo "Bail out! bin/upload-http is missing: run make"; exit 1
fi
mkdir -p "$T/http"
$PY "$TOP/tests/servers/http_sink.py" --dir "$T/http" --fail-first 1 --fail-status 503 >"$T/http.log" 2>&1 &
hpid=$!
stop_at_exit $hpid
if ! wait_ready "$T/http.log" $hpid; then
	ok 1 "the HTTP sink started"
else
	# a dated destination: {date} is the run's as-of day, {run} the workflow's name
	printf 'HTTP_UPLOAD_URL=http://127.0.0.1:%s/reports/{date}/{run}/\nSTEPKIT_RETRIES=1\n' "$(cat "$T/http/port")" >"$T/http.env"
	expect_exit 0 "argo/: upload=http, the first PUT answered 503" \
		"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=http -p period=all -p as-of=2024-06-15T00:00:00Z \
		--env-file "$T/http.env" --data-dir "$OUT" --name http --fast-retry
	for f in sales_report.csv customer_report.csv product_report.csv; do
		same_file "$T/http/files/reports/2024-06-15/http/$f" "$H/$f" "upload=http: $f stored as by hand, under reports/{date}/{run}/"
	done
	is "$(grep -E '^upload-(sales|customers|products) ' "$T/out" | awk '{n += $3} END {print n}')" 4 \
		"the upload that got 503 exited 75 and was retried once (4 attempts for 3 uploads)"
	grep -q "Error (exit code 75); retry 1/3 in 0.06 s" "$T/err"
	ok $? "the retry waits the upload template's backoff (1m, --fast-retry: 60 ms)"
	is "$(cd "$OUT/http/events" && echo upload-*.json)" "upload-customers.json upload-products.json upload-sales.json" \
		"each upload task writes its own event (--event-file)"
	# a typo in a placeholder is a configuration error (exit 2), never retried
	printf 'HTTP_UPLOAD_URL=http://127.0.0.1:%s/reports/{dtae}/\n' "$(cat "$T/http/port")" >"$T/typo.env"
	expect_exit 1 "argo/: upload=http with an unknown placeholder" \
		"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=http -p period=all \
		--env-file "$T/typo.env" --data-dir "$OUT" --name typo --fast-retry
	grep -q "^upload-sales  *Failed  *1 " "$T/out"; ok $? "the unknown placeholder fails the upload at once (1 attempt)"
	grep -qF "HTTP_UPLOAD_URL: unknown placeholder '{dtae}' (known: {date} {year} {month} {day} {run})" "$OUT/typo/logs/upload-sales.log"
	ok $? "the upload's log names the placeholder and the known ones"
fi

# --- upload=sftp against the test sshd (root only), notify to an outbox
if [ "$(id -u)" -ne 0 ] || [ ! -x "$TOP/tests/servers/sshd-up.sh" ] || [ ! -x "$BIN/upload-sftp" ]; then
	ok 0 "# skip upload=sftp: needs root, tests/servers/sshd-up.sh and bin/upload-sftp"
else
	"$TOP/tests/servers/sshd-up.sh" "$T/sshd" >/dev/null 2>"$T/sshd.err"
	src=$?
	[ $src -eq 0 ] && stop_at_exit "$(cat "$T/sshd/pid")"
	if [ $src -ne 0 ]; then
		ok 1 "sshd-up.sh started the test sshd"; sed 's/^/#   /' "$T/sshd.err"
	else
		. "$T/sshd/env"
		{
			grep -E '^export SFTP_(HOST|PORT|USER|KNOWN_HOSTS|REMOTE_DIR)=' "$T/sshd/env"
			echo "SFTP_PASSWORD=$SFTP_TEST_PASSWORD"
			echo "MAIL_OUTBOX=$T/outbox2"
			echo "MAIL_FROM=stepkit@example.com"
		} >"$T/upload.env"
		unset SFTP_HOST SFTP_PORT SFTP_USER SFTP_KNOWN_HOSTS SFTP_REMOTE_DIR
		mkdir -p "$T/outbox2"
		expect_exit 0 "argo/: upload=sftp to the test sshd, notify to an outbox" \
			"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=sftp -p period=all \
			-p notify-to=ops@example.com --env-file "$T/upload.env" --data-dir "$OUT" --name sftp
		for f in sales_report.csv customer_report.csv product_report.csv; do
			same_file "$SFTP_TEST_UPLOAD_DIR/$f" "$H/$f" "upload=sftp: $f on the server as by hand"
		done
		grep -q "^upload-sales  *Succeeded  *1 " "$T/out"; ok $? "upload-sales ran upload-sftp"
		is "$(find "$T/outbox2" -name '*.eml' | wc -l)" 1 "notify wrote one message to the outbox"
		grep -q "^notify-failure  *Skipped " "$T/out"; ok $? "no failure notice for a run that succeeded"
		grep -qF "$SFTP_TEST_PASSWORD" "$OUT/sftp/logs/"*.log "$OUT/sftp/events/"*.json
		is $? 1 "the SFTP password is in no log and no event"

		# scripts/troubleshoot: the same checks the DAG's settings give, here
		expect_exit 0 "troubleshoot: upload-sftp and notify checks pass with the right settings" \
			"$TS" -p upload=sftp -p notify-to=ops@example.com --env-file "$T/upload.env" \
			--data-dir "$T/ts" upload-sales notify
		grep -q "^upload-sftp  *passed " "$T/out"; ok $? "troubleshoot: upload-sftp passed"
		sed "s/^SFTP_PASSWORD=.*/SFTP_PASSWORD=wrong-$RANDOM/" "$T/upload.env" >"$T/bad.env"
		expect_exit 1 "troubleshoot: a wrong password fails the check" \
			"$TS" -p upload=sftp --env-file "$T/bad.env" --data-dir "$T/ts" upload-sftp
		grep -q "^upload-sftp  *FAILED 1 " "$T/out"; ok $? "troubleshoot: the table says FAILED 1 (permanent)"
	fi
fi

# --- warehouse=true against a real PostgreSQL (tests/servers/pg-up.sh): the
# load task fills the star; a rerun of the same run changes nothing
PGB=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "$BIN/load-postgres" ] || ! command -v psql >/dev/null 2>&1 || { [ -z "$PGB" ] && ! command -v initdb >/dev/null 2>&1; }; then
	ok 0 "# skip warehouse=true: needs bin/load-postgres, psql and the PostgreSQL server binaries"
elif ! PG_BINDIR=$PGB "$TOP/tests/servers/pg-up.sh" "$T/pg" >/dev/null 2>"$T/pg.err"; then
	ok 1 "pg-up.sh started the test PostgreSQL"; head -5 "$T/pg.err" | sed 's/^/#   /'
else
	stop_at_exit "$(sed -n 's/^export PG_PID=//p' "$T/pg/env")"
	(. "$T/pg/env"; printf 'PGHOST=%s\nPGPORT=%s\nPGDATABASE=%s\nPGUSER=%s\nPGPASSWORD=%s\n' \
		"$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" "$PGPASSWORD") >"$T/pg.env"
	(set -a; . "$T/pg.env"; psql -X -q -v ON_ERROR_STOP=1 -f "$TOP/scripts/warehouse.sql") >"$T/wh.out" 2>&1
	ok $? "warehouse.sql creates the star"
	expect_exit 0 "argo/: warehouse=true, the load task into the star" \
		"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all -p warehouse=true \
		--env-file stepkit-db="$T/pg.env" --data-dir "$OUT" --name wh1
	grep -q "^load  *Succeeded  *1 " "$T/out"; ok $? "the load task succeeded"
	grep -q "^load  *Succeeded" "$T/out" || tail -5 "$OUT/wh1/logs/load.log" | sed 's/^/#   load.log: /'
	q() { (set -a; . "$T/pg.env"; psql -X -q -A -t -c "$1"); }
	is "$(q 'SELECT count(*) FROM fact_sales')" "$(rows transformed_data.csv)" "fact_sales holds every transformed line"
	is "$(q "SELECT status || ' ' || rows_inserted FROM stepkit_runs WHERE run_id = 'wh1'")" "succeeded $(rows transformed_data.csv)" \
		"stepkit_runs: the run id is the workflow's name"
	q "COPY (SELECT * FROM product_report ORDER BY revenue DESC, stock_code COLLATE \"C\") TO STDOUT WITH (FORMAT csv, HEADER)" >"$T/view.csv"
	same_file "$T/view.csv" "$H/product_report.csv" "the star's product_report view equals the run's product_report.csv"
	expect_exit 0 "argo/: the same load again (a rerun)" \
		"$RL" "$TOP/argo/" --template sales-analysis -p "source=file:$SAMPLE" -p upload=none -p period=all -p warehouse=true \
		--env-file stepkit-db="$T/pg.env" --data-dir "$OUT" --name wh2
	is "$(q "SELECT rows_inserted || ' ' || rows_updated || ' ' || rows_unchanged FROM stepkit_runs WHERE run_id = 'wh2'")" \
		"0 0 $(rows transformed_data.csv)" "the rerun inserts and updates nothing"
fi

done_testing
