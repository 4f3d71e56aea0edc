#!/bin/bash
# notify by level (issue 11) against the real sinks: aiosmtpd (tests/servers/smtp_sink.py)
# and the HTTP sink for the webhook. The events carry the "quality" and "history"
# objects the data steps write (fabricated here; the shape is fixed). Checked: the level in
# the subject, who gets the mail at GREEN, YELLOW and RED, --alert-on, the HTML part
# (parsed with Python's html.parser: table cells, levels, escaping), the text part, the
# approval request's exact argo commands and deadline, and every webhook payload
# validated against the JSON Schema in docs/notify.md.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3 # Debian's python3-aiosmtpd lives in the system dist-packages
SRV=$TOP/tests/servers
[ -x "$BIN/notify" ] || skip_all "bin/notify not built"
$PY -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd not installed"
$PY -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema not installed"

export STEPKIT_LOG_FORMAT=text STEPKIT_RETRY_DELAY=0.1 STEPKIT_RETRY_MAX_DELAY=0.2 STEPKIT_RUN_ID=run-42
unset SMTP_URL SMTP_TLS SMTP_USER SMTP_PASSWORD SMTP_PASSWORD_FILE SMTP_CA_FILE MAIL_FROM \
	MAIL_TO MAIL_CC MAIL_OUTBOX MAIL_ATTACH MAIL_ATTACH_MAX_BYTES MAIL_SUBJECT_PREFIX \
	WEBHOOK_URL WEBHOOK_URL_FILE NOTIFY_STATUS NOTIFY_FAILURES NOTIFY_PIPELINE STEPKIT_RETRIES \
	NOTIFY_ALERT_ON NOTIFY_TO_WARNING NOTIFY_TO_CRITICAL NOTIFY_APPROVAL_REQUEST STEPKIT_WORKFLOW \
	STEPKIT_NAMESPACE NOTIFY_APPROVAL_NODE NOTIFY_APPROVAL_TIMEOUT

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi; }
has_line() { if grep -qxF -- "$2" "$1"; then ok 0 "$3"; else ok 1 "$3"; echo "#   want line: $2"; sed 's/^/#   got: /' "$1" | head -60; fi; }
json() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# ---- the SMTP sink ----------------------------------------------------------------
S=$T/smtp
mkdir -p "$S"
$PY "$SRV/smtp_sink.py" --dir "$S" >"$S.log" 2>&1 &
stop_at_exit $!
need_ready "$S.log" $! "smtp_sink.py"
SMTP=smtp://127.0.0.1:$(cat "$S/port")
export MAIL_FROM=etl@example.com SMTP_URL=$SMTP SMTP_TLS=none

nmails() { [ -f "$S/envelopes.jsonl" ] && wc -l <"$S/envelopes.jsonl" | tr -d ' ' || echo 0; }
last_env() { tail -1 "$S/envelopes.jsonl" >"$T/env.json"; }
last_rcpt() { last_env; json "$T/env.json" '" ".join(d["rcpt"])'; }
last_mail() { last_env; echo "$S/$(json "$T/env.json" 'd["file"]')"; }

# nrun CODE NAME WORKDIR ARGS...
nrun() {
	local want=$1 name=$2 wd=$3; shift 3
	expect_exit "$want" "$name" "$BIN/notify" --workdir "$wd" "$@"
}

# parse MAIL OUT: the message into OUT/: headers.txt, text.txt, tables.txt (one line per
# HTML table row: "HEADING|cell|cell..."), pre.txt ("HEADING|line" for each <pre> line),
# level.txt, tags.txt (every start tag), structure.txt (content types, nested by depth),
# nattach
cat >"$T/parse.py" <<'EOF'
import email, email.policy, html.parser, os, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
w = lambda name, s: open(os.path.join(out, name), "w", encoding="utf-8").write(s)
w("headers.txt", "".join("%s: %s\n" % (k, msg.get(k, "")) for k in ("Subject", "To", "Cc")))
def walk(p, depth, acc):
    acc.append("  " * depth + p.get_content_type())
    if p.is_multipart():
        for sub in p.iter_parts():
            walk(sub, depth + 1, acc)
    return acc
w("structure.txt", "\n".join(walk(msg, 0, [])) + "\n")
w("text.txt", msg.get_body(preferencelist=("plain",)).get_content())
body = msg.get_body(preferencelist=("html",))
w("html.html", body.get_content() if body is not None and body.get_content_type() == "text/html" else "")
w("nattach", "%d\n" % len(list(msg.iter_attachments())))

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.pre, self.stack = [], [], [], []
        self.heading = ""; self.text = None; self.row = None; self.level = ""
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("h1", "h2", "td", "th", "pre", "p", "strong"):
            self.stack.append((tag, self.text)); self.text = ""
        if tag == "tr":
            self.row = []
    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "td", "th", "pre", "p", "strong") and self.stack:
            t, outer = self.stack.pop()
            s = self.text
            self.text = (outer + s) if outer is not None else None
            if tag == "h2": self.heading = s
            elif tag in ("td", "th"): self.row.append(s)
            elif tag == "pre": self.pre += ["%s|%s" % (self.heading, l) for l in s.split("\n") if l]
            elif tag == "p" and s.startswith("Level: "): self.level = s[7:]
        if tag == "tr":
            self.rows.append("|".join([self.heading] + self.row))
    def handle_data(self, d):
        if self.text is not None: self.text += d
p = P(); p.feed(open(os.path.join(out, "html.html"), encoding="utf-8").read()); p.close()
w("tables.txt", "".join(r + "\n" for r in p.rows))
w("pre.txt", "".join(r + "\n" for r in p.pre))
w("level.txt", p.level + "\n")
w("tags.txt", " ".join(sorted(set(p.tags))) + "\n")
EOF
parse() { rm -rf "$2"; $PY "$T/parse.py" "$1" "$2" || echo "# parse failed: $1"; }

# ---- fixtures: work directories at each level ---------------------------------------
# ev DIR STEP STARTED STATUS ROWS_IN ROWS_OUT QUALITY HISTORY
ev() {
	mkdir -p "$1/events"
	cat >"$1/events/$2.json" <<EOF
{"step": "$2", "run": "run-42", "status": "$4", "exit_code": 0, "started": "$3", "finished": "$3",
 "seconds": 1.5, "rows_in": $5, "rows_out": $6, "inputs": [], "outputs": [], "counts": {}, "details": {},
 "error": null, "quality": $7, "history": $8}
EOF
}
CK_ROWS_Y='{"name": "rows", "value": 25, "warn": 600000, "fail": 1000, "status": "YELLOW", "message": "25 rows, below the warning level 600000"}'
CK_EVIL='{"name": "<script>alert(1)</script> R&D", "value": 97.5, "warn": 95, "fail": null, "status": "GREEN", "message": "Fish & <b>Chips</b>"}'
CK_CHANGE='{"name": "row_change", "value": null, "warn": 10, "fail": null, "status": "GREEN", "message": "no earlier run: no trend"}'
HIST='{"runs": 3, "previous": {"run": "run-41", "rows_out": 20, "finished": "2025-06-30T00:00:09Z"}}'

G=$T/green Y=$T/yellow R=$T/red F=$T/failed
ev "$G" extract-sales 2025-07-01T00:00:01Z succeeded 0 30 '{"status": "GREEN", "checks": []}' null
ev "$G" upload-sales 2025-07-01T00:00:09Z succeeded 0 0 null null
ev "$Y" extract-sales 2025-07-01T00:00:01Z succeeded 0 30 "{\"status\": \"GREEN\", \"checks\": [$CK_CHANGE]}" null
ev "$Y" transform 2025-07-01T00:00:02Z succeeded 30 25 "{\"status\": \"YELLOW\", \"checks\": [$CK_ROWS_Y, $CK_EVIL]}" "$HIST"
ev "$R" transform 2025-07-01T00:00:02Z succeeded 30 25 '{"status": "RED", "checks": [{"name": "rows", "value": 25, "warn": 600000, "fail": 1000, "status": "RED", "message": "25 rows, below the failure level 1000"}]}' "$HIST"
ev "$F" transform 2025-07-01T00:00:02Z failed 30 0 null null

LISTS=(--to ops@example.com --to-warning 'Warn Desk <warn@example.com>, ops@example.com' --to-critical crit@example.com --cc audit@example.net)

# ---- 1. recipients by level --------------------------------------------------------------
nrun 0 "GREEN run" "$G" "${LISTS[@]}"
is "$(last_rcpt)" "ops@example.com audit@example.net" "GREEN: MAIL_TO and MAIL_CC only"
parse "$(last_mail)" "$T/g"
has_line "$T/g/headers.txt" "Subject: [stepkit] GREEN sales-analysis run-42: Succeeded" "GREEN: subject starts with the level"
is "$(json "$G/events/notify.json" 'd["details"]["level"], d["details"]["mail"]')" "('GREEN', 'sent')" "GREEN: event records the level"

nrun 0 "YELLOW run" "$Y" "${LISTS[@]}"
is "$(last_rcpt)" "ops@example.com warn@example.com audit@example.net" "YELLOW: MAIL_TO + NOTIFY_TO_WARNING (each address once) + MAIL_CC"
parse "$(last_mail)" "$T/y"
has_line "$T/y/headers.txt" "Subject: [stepkit] YELLOW sales-analysis run-42: Succeeded" "YELLOW: subject"
has_line "$T/y/headers.txt" "To: ops@example.com, Warn Desk <warn@example.com>" "YELLOW: To header lists the warning desk"

nrun 0 "RED run (a RED check)" "$R" "${LISTS[@]}"
is "$(last_rcpt)" "ops@example.com warn@example.com crit@example.com audit@example.net" "RED: + NOTIFY_TO_CRITICAL"
parse "$(last_mail)" "$T/r"
has_line "$T/r/headers.txt" "Subject: [stepkit] RED sales-analysis run-42: Succeeded" "RED: subject"

nrun 0 "a failed step" "$F" "${LISTS[@]}" --alert-on red
is "$(last_rcpt)" "ops@example.com warn@example.com crit@example.com audit@example.net" "failure: RED routing even with --alert-on red"
parse "$(last_mail)" "$T/f"
has_line "$T/f/headers.txt" "Subject: [stepkit] RED sales-analysis run-42: Failed: transform" "failure: subject RED, rest as before"

before=$(nmails)
nrun 0 "only NOTIFY_TO_CRITICAL, GREEN run" "$G" --to-critical crit@example.com
is "$(nmails)" "$before" "no recipient at GREEN: no mail"
expect_err "notify: the run is GREEN: no recipients at this level (MAIL_TO and MAIL_CC are empty; NOTIFY_TO_WARNING gets YELLOW and RED, NOTIFY_TO_CRITICAL only RED): no mail" "says why"
is "$(json "$G/events/notify.json" 'd["details"]["mail"]')" "skipped: no recipients at this level" "event: skipped, no recipients at this level"

nrun 2 "bad NOTIFY_TO_WARNING" "$G" --to ops@example.com --to-warning 'warn@example.com, x@y@example.com'
expect_err "notify: NOTIFY_TO_WARNING: " "the setting is named"
NOTIFY_TO_CRITICAL=$'crit@example.com\r\nBcc: evil@example.com' nrun 2 "header injection in NOTIFY_TO_CRITICAL" "$G" --to ops@example.com
expect_err "notify: NOTIFY_TO_CRITICAL: an address contains a line break" "line break named"
env -u MAIL_FROM "$BIN/notify" --workdir "$G" --to-warning warn@example.com >"$T/out" 2>"$T/err"
is "$?" 2 "NOTIFY_TO_WARNING without MAIL_FROM: exit 2"
expect_err "notify: MAIL_FROM is not set: the sender address is required with MAIL_TO, MAIL_CC, NOTIFY_TO_WARNING or NOTIFY_TO_CRITICAL" "MAIL_FROM named"

# ---- 2. --alert-on ---------------------------------------------------------------------
before=$(nmails)
nrun 0 "--alert-on yellow, GREEN run: silent" "$G" "${LISTS[@]}" --alert-on yellow
is "$(nmails)" "$before" "GREEN below yellow: no mail"
expect_err "notify: the run is GREEN, below NOTIFY_ALERT_ON=yellow: no mail, no webhook, skipped" "the log line says why"
is "$(json "$G/events/notify.json" 'd["status"], d["details"]["mail"], d["details"]["webhook"], d["details"]["level"]')" \
	"('succeeded', 'skipped: below alert level', 'skipped: below alert level', 'GREEN')" "event: skipped: below alert level"
NOTIFY_ALERT_ON=red nrun 0 "NOTIFY_ALERT_ON=red, YELLOW run: silent" "$Y" "${LISTS[@]}"
is "$(nmails)" "$before" "YELLOW below red: no mail"
expect_err "notify: the run is YELLOW, below NOTIFY_ALERT_ON=red: no mail, no webhook, skipped" "YELLOW below red logged"
nrun 0 "--alert-on yellow, YELLOW run: mailed" "$Y" --to ops@example.com --alert-on YELLOW
is "$(nmails)" $((before + 1)) "YELLOW at yellow: mailed"
nrun 2 "--alert-on orange" "$G" --to ops@example.com --alert-on orange
expect_err "notify: NOTIFY_ALERT_ON 'orange': use green, yellow or red" "bad level named"

# ---- 3. the HTML part ------------------------------------------------------------------
printf 'date,revenue\n2011-01-04,102.50\n' >"$Y/sales_report.csv"
printf 'customer_id,revenue\n12347,20.00\n' >"$Y/customer_report.csv"
printf 'stock_code,revenue\n85123A,1.00\n' >"$Y/product_report.csv"
nrun 0 "YELLOW run with attachments" "$Y" --to ops@example.com --attach yes
parse "$(last_mail)" "$T/h"
is "$(cat "$T/h/structure.txt")" "multipart/mixed
  multipart/alternative
    text/plain
    text/html
  text/csv
  text/csv
  text/csv" "structure: text and HTML alternatives, then the attachments"
is "$(cat "$T/h/level.txt")" "YELLOW" "html: the level"
for row in \
	"Steps|step|status|rows in|rows out|seconds" \
	"Steps|extract-sales|succeeded|0|30|1.50" \
	"Steps|transform|succeeded|30|25|1.50" \
	"Quality|step|check|value|warn|fail|status" \
	"Quality|extract-sales|row_change|-|10|-|GREEN" \
	"Quality|transform|rows|25|600000|1000|YELLOW" \
	"Quality|transform|<script>alert(1)</script> R&D|97.50|95|-|GREEN" \
	"Trend|step|rows out|previous|previous run|change" \
	"Trend|extract-sales|30|-|-|no earlier run" \
	"Trend|transform|25|20|run-41|+25.0%"; do
	has_line "$T/h/tables.txt" "$row" "html table row: $row"
done
is "$(grep -c . "$T/h/tables.txt")" 10 "html: no other table rows"
is "$(cat "$T/h/tags.txt")" "body h1 h2 head html meta p pre strong table td th title tr" "html: no <script> element, only the expected tags"
grep -qF '<td>&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D</td>' "$T/h/html.html"; ok $? "html: <script> and & escaped in the source"
grep -qF "Attachments (at most 10485760 bytes in total)|sales_report.csv: attached, $(wc -c <"$Y/sales_report.csv") bytes, sha256 $(sha256sum "$Y/sales_report.csv" | cut -d' ' -f1)" "$T/h/pre.txt"
ok $? "html: the attachments section in <pre>"
is "$(cat "$T/h/nattach")" 3 "the three reports attached"
# the text part says the same
for line in "Level: YELLOW" "Quality:" \
	"step           check                          value    warn  fail  status" \
	"extract-sales  row_change                         -      10     -  GREEN" \
	"transform      rows                              25  600000  1000  YELLOW" \
	"transform      <script>alert(1)</script> R&D  97.50      95     -  GREEN" \
	"Trend:" \
	"step           rows out  previous  previous run          change" \
	"extract-sales        30         -  -             no earlier run" \
	"transform            25        20  run-41                +25.0%"; do
	has_line "$T/h/text.txt" "$line" "text: $line"
done

# ---- 4. the approval request -----------------------------------------------------------
nrun 2 "--approval-request without --workflow" "$Y" --to ops@example.com --approval-request
expect_err "notify: STEPKIT_WORKFLOW is not set: --approval-request needs the workflow's name for the argo commands (--workflow NAME; in Argo {{workflow.name}})" "the setting is named"
nrun 2 "a workflow name that is not one" "$Y" --to ops@example.com --approval-request --workflow 'x; rm -rf /'
expect_err "notify: STEPKIT_WORKFLOW 'x; rm -rf /': not a workflow name (lower-case letters, digits, '-' and '.'; in Argo {{workflow.name}})" "bad workflow name refused"
nrun 2 "a bad namespace" "$Y" --to ops@example.com --approval-request --workflow wf --namespace 'Prod'
expect_err "notify: STEPKIT_NAMESPACE 'Prod': not a namespace name" "bad namespace refused"
nrun 2 "a bad timeout" "$Y" --to ops@example.com --approval-request --workflow wf --approval-timeout 0
expect_err "notify: NOTIFY_APPROVAL_TIMEOUT '0': expected a whole number from 1 to 31622400" "bad timeout refused"
n0=$(nmails)
nrun 2 "an approval request with no recipient and no webhook" "$Y" --approval-request --workflow wf
expect_err "notify: --approval-request: no recipient is set (MAIL_TO, MAIL_CC; NOTIFY_TO_WARNING from YELLOW, NOTIFY_TO_CRITICAL for RED) and WEBHOOK_URL is not set: nobody would be asked and the run would wait until its approval timeout; set MAIL_TO (in Argo: approval-to or notify-to)" \
	"nobody to ask: a configuration error, not a skip"
nrun 2 "a GREEN run's approval request with only a warning list" "$G" --to-warning warn@example.com --approval-request --workflow wf
expect_err "notify: --approval-request: no recipient is set for this level (MAIL_TO, MAIL_CC;" "nobody at this level: a configuration error"
is "$(nmails)" "$n0" "nobody to ask: no mail sent"

NOTIFY_APPROVAL_REQUEST=yes STEPKIT_WORKFLOW=sales-analysis-x7k2p STEPKIT_NAMESPACE=stepkit NOTIFY_APPROVAL_TIMEOUT=5400 \
	nrun 0 "approval request (even with --alert-on red)" "$Y" "${LISTS[@]}" --alert-on red
is "$(last_rcpt)" "ops@example.com warn@example.com audit@example.net" "approval request: the YELLOW recipients"
M=$(last_mail)
parse "$M" "$T/a"
has_line "$T/a/headers.txt" "Subject: [stepkit] YELLOW sales-analysis run-42: waiting for approval" "approval: subject"
deadline=$($PY -c 'import email,email.utils,sys,datetime
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
d = email.utils.parsedate_to_datetime(m["Date"]) + datetime.timedelta(seconds=5400)
print(d.strftime("%Y-%m-%dT%H:%M:%SZ"))' "$M")
cat >"$T/approval.want" <<EOF
Run sales-analysis run-42 waits for approval
Level: YELLOW

Checks to look at:
step       check  value    warn  fail  status
transform  rows      25  600000  1000  YELLOW

Why:
transform rows: 25 rows, below the warning level 600000

To approve (the run goes on and publishes):
  argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=yes --node-field-selector displayName=approve
  argo resume sales-analysis-x7k2p -n stepkit

To reject (the run stops before anything is published):
  argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=no --node-field-selector displayName=approve
  argo resume sales-analysis-x7k2p -n stepkit

The wait ends at $deadline, 1h 30m after this message (NOTIFY_APPROVAL_TIMEOUT=5400): without an answer by then the run fails and nothing is published.

Steps:
EOF
head -c "$(wc -c <"$T/approval.want")" "$T/a/text.txt" >"$T/approval.got"
same_file "$T/approval.got" "$T/approval.want" "approval text: the checks, the exact commands, the deadline (Date + timeout)"
for l in "argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=yes --node-field-selector displayName=approve" \
	"argo resume sales-analysis-x7k2p -n stepkit" \
	"argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=no --node-field-selector displayName=approve"; do
	grep -qF "|$l" "$T/a/pre.txt"; ok $? "approval html: $l"
done
has_line "$T/a/tables.txt" "Checks to look at|transform|rows|25|600000|1000|YELLOW" "approval html: the YELLOW check"
is "$(json "$Y/events/notify.json" 'd["details"]["kind"], d["details"]["mail"]')" "('approval request', 'sent')" "approval: event kind"

nrun 0 "approval request, custom node, no namespace" "$Y" --to ops@example.com --approval-request --workflow wf-1 --approval-node approve-publish
parse "$(last_mail)" "$T/a2"
has_line "$T/a2/text.txt" "  argo node set wf-1 --output-parameter approve=no --node-field-selector displayName=approve-publish" "no namespace: no -n; the node's name"
has_line "$T/a2/text.txt" "No approval timeout is set (NOTIFY_APPROVAL_TIMEOUT): the run waits until someone answers or its own deadline ends it." "no timeout: said"

# the mail server down: the approval request is a temporary failure (exit 75, Argo retries
# the task), never a success that leaves the run waiting for an answer no one was asked for
nc_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SMTP_URL=smtp://127.0.0.1:$nc_port STEPKIT_RETRY_DEADLINE=1 \
	nrun 75 "approval request, the SMTP server down" "$Y" --to ops@example.com --approval-request --workflow wf-1
expect_err "notify: smtp 'smtp://127.0.0.1:$nc_port': Failed to connect to 127.0.0.1 port $nc_port" "SMTP down: the server is named"
is "$(json "$Y/events/notify.json" 'd["status"], d["exit_code"], d["details"]["kind"]')" "('failed', 75, 'approval request')" \
	"SMTP down: the event says failed, 75, approval request"

# ---- 5. the webhook payload, against the schema in docs/notify.md ------------------------
H=$T/http
mkdir -p "$H"
$PY "$SRV/http_sink.py" --dir "$H" >"$H.log" 2>&1 &
stop_at_exit $!
need_ready "$H.log" $! "http_sink.py"
HOOK=http://127.0.0.1:$(cat "$H/port")/hooks
$PY - "$TOP/docs/notify.md" "$T/schema.json" <<'EOF'
import re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
sec = doc.split("### Webhook payload schema", 1)[1]
open(sys.argv[2], "w").write(re.search(r"```json\n(.*?)\n```", sec, re.S).group(1))
EOF
cat >"$T/validate.py" <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
for e in errors:
    print("#   %s: %s" % (list(e.absolute_path), e.message))
sys.exit(1 if errors else 0)
EOF
valid() { $PY "$T/validate.py" "$T/schema.json" "$1"; ok $? "$2"; }

WEBHOOK_URL=$HOOK/summary nrun 0 "webhook: YELLOW summary" "$Y"
P=$H/files/hooks/summary
valid "$P" "webhook: the summary payload validates against the documented schema"
is "$(json "$P" 'd["kind"], d["level"], d["status"], d["run"], d["approval"]')" "('summary', 'YELLOW', 'Succeeded', 'run-42', None)" "webhook: kind, level, status"
is "$(json "$P" '[(c["step"], c["name"], c["value"], c["warn"], c["fail"], c["status"]) for c in d["checks"]]')" \
	"[('extract-sales', 'row_change', None, 10, None, 'GREEN'), ('transform', 'rows', 25, 600000, 1000, 'YELLOW'), ('transform', '<script>alert(1)</script> R&D', 97.5, 95, None, 'GREEN')]" \
	"webhook: the checks"
is "$(json "$P" 'd["trend"]')" \
	"[{'step': 'extract-sales', 'rows_out': 30, 'previous_rows_out': None, 'previous_run': None, 'change_percent': None}, {'step': 'transform', 'rows_out': 25, 'previous_rows_out': 20, 'previous_run': 'run-41', 'change_percent': 25.0}]" \
	"webhook: the trend"
is "$(json "$P" 'd["text"].split(chr(10))[0]')" "[stepkit] YELLOW sales-analysis run-42: Succeeded" "webhook: the text starts with the subject"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D' "$P"; ok $? "webhook: <script> and & escaped in the text"

WEBHOOK_URL=$HOOK/approval nrun 0 "webhook: approval request" "$Y" --approval-request --workflow sales-analysis-x7k2p --namespace stepkit --approval-timeout 86400
P=$H/files/hooks/approval
valid "$P" "webhook: the approval payload validates against the documented schema"
is "$(json "$P" 'd["kind"], d["approval"]["approve"], d["approval"]["timeout_seconds"]')" \
	"('approval_request', ['argo node set sales-analysis-x7k2p -n stepkit --output-parameter approve=yes --node-field-selector displayName=approve', 'argo resume sales-analysis-x7k2p -n stepkit'], 86400)" \
	"webhook: the approve commands"
[[ $(json "$P" 'd["approval"]["deadline"]') =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$ ]]; ok $? "webhook: the deadline in UTC"

WEBHOOK_URL=$HOOK/failed nrun 0 "webhook: a failed run, no quality" "$F" --alert-on red
valid "$H/files/hooks/failed" "webhook: a failure payload validates too"
is "$(json "$H/files/hooks/failed" 'd["level"], d["checks"], d["trend"]')" \
	"('RED', [], [{'step': 'transform', 'rows_out': 0, 'previous_rows_out': None, 'previous_run': None, 'change_percent': None}])" \
	"webhook: RED, no checks, history null: no earlier run"

# the schema is not a formality: a payload with another level fails it
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); d["level"]="ORANGE"; json.dump(d, open(sys.argv[2], "w"))' "$P" "$T/bad.json"
$PY "$T/validate.py" "$T/schema.json" "$T/bad.json" >/dev/null; ok $((!$?)) "schema: level ORANGE is refused"

before=$(wc -l <"$H/requests.jsonl")
WEBHOOK_URL=$HOOK/silent nrun 0 "webhook: below --alert-on" "$G" --alert-on yellow
is "$(wc -l <"$H/requests.jsonl")" "$before" "below the alert level: nothing posted"

done_testing
