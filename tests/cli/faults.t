#!/bin/bash
# Faults an operator meets (issue 9): outputs that are devices, FIFOs or
# directories; temporary files left by SIGKILL; SIGTERM at any moment; a
# missing work directory; a FIFO input nobody writes to; secrets typed as
# unknown options; messages that name the flag or variable the user used.
. "$(dirname "$0")/../lib.sh"
FX=$TOP/tests/fixtures
A=$BIN/analyze-sales
W=$T/w
mkdir -p "$W" && cp "$FX/analyze/transformed_data.csv" "$W/"

event() { # event DIR STEP PYTHON-CONDITION NAME
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" \
		"$1/events/$2.json" 2>/dev/null
	ok $? "$4"
}
# wait_open PID PATH: until process PID has PATH open (a bounded wait; the
# assertions after it never depend on time)
wait_open() {
	for _ in $(seq 1 500); do
		ls -l "/proc/$1/fd" 2>/dev/null | grep -qF -- "$2" && return 0
		sleep 0.01
	done
	return 1
}
is_chr() { if [ -c "$1" ]; then ok 0 "$2"; else ok 1 "$2: $(ls -l "$1" 2>&1)"; fi; }

# --- item 1: never rename over what is not a regular file ---
if mknod "$T/null" c 1 3 2>/dev/null; then
	expect_exit 0 "--out a character device" "$A" --workdir "$W" --out "$T/null"
	is_chr "$T/null" "--out: the device node is still a character device"
	event "$W" analyze-sales "e['outputs'][0]['path'] == '$T/null' and e['outputs'][0]['bytes'] > 0" \
		"--out a device: the event records the bytes written"
	expect_exit 0 "--event-file a character device" "$A" --workdir "$W" --event-file "$T/null"
	is_chr "$T/null" "--event-file: the device node is still a character device"
	STEPKIT_EVENT_FILE=$T/null expect_exit 0 "--check with STEPKIT_EVENT_FILE a device" "$A" --workdir "$W" --out "$T/null" --check
	is_chr "$T/null" "--check: the device node is still a character device"
	mknod "$T/blk" b 7 200
	expect_exit 2 "--event-file a block device" "$A" --workdir "$W" --event-file "$T/blk"
	expect_err "analyze-sales: --event-file: '$T/blk' is a block device: an output must be a regular file, a character device or a FIFO" \
		"--event-file a block device: the message names the option and the path"
	[ -b "$T/blk" ]; ok $? "the block device node is left as it was"
else
	for _ in 1 2 3 4 5 6 7 8 9 10 11; do ok 0 "# SKIP mknod needs root"; done
fi
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
expect_exit 0 "--out a FIFO with a reader" "$A" --workdir "$W" --out "$T/fifo"
wait $reader
same_file "$T/from-fifo" "$FX/analyze/sales_report.csv" "the reader got the report"
[ -p "$T/fifo" ]; ok $? "the FIFO is still a FIFO"
mkdir "$T/adir"
rm -rf "$W/events"
expect_exit 2 "--out a directory" "$A" --workdir "$W" --out "$T/adir"
expect_err "analyze-sales: --out: '$T/adir' is a directory: an output must be a regular file, a character device or a FIFO" \
	"--out a directory: the message names the option and the path"
no_file "$W/events" "--out a directory: refused before any work (no event)"
STEPKIT_SALES_REPORT=$T/adir expect_exit 2 "STEPKIT_SALES_REPORT a directory" "$A" --workdir "$W"
expect_err "analyze-sales: STEPKIT_SALES_REPORT: '$T/adir' is a directory" "the variable is named when it was used"
[ -d "$T/adir" ]; ok $? "the directory stays a directory"

# --- item 2: what a killed run leaves is removed by the next, reported by --check ---
mkdir -p "$W/events"
printf 'half a report' >"$W/.sales_report.csv.tmp-AbC123"
printf 'half an event' >"$W/events/.analyze-sales.json.tmp-x1Y2z3"
expect_exit 0 "--check with stale temporary files" "$A" --workdir "$W" --check
expect_err "analyze-sales: warning: stale temporary file '$W/.sales_report.csv.tmp-AbC123' (13 B), left by a killed run: the next run removes it" \
	"--check reports a stale temporary file with its size"
expect_err "analyze-sales: warning: stale temporary file '$W/events/.analyze-sales.json.tmp-x1Y2z3' (13 B)" \
	"--check reports one in events/ too"
grep -Eq "analyze-sales: work directory '$W': [0-9.]+ [KMGTP]?i?B free of [0-9.]+ [KMGTP]?i?B" "$T/err"
ok $? "--check reports the free space of the work directory"
[ -f "$W/.sales_report.csv.tmp-AbC123" ]; ok $? "--check removes nothing"
expect_exit 0 "the next run" "$A" --workdir "$W"
no_temp "$W" "the next run removed the stale temporary file"
no_temp "$W/events" "and the event's"

# SIGKILL in the middle of transform: its sales input is a FIFO whose writer
# holds it open after the data, so the step waits with its output open
d=$T/kill
mkdir -p "$d" && cp "$FX/transform/golden/customer_data.csv" "$FX/transform/golden/product_data.csv" "$d/"
mkfifo "$d/raw_sales.csv"
{ cat "$FX/transform/golden/raw_sales.csv"; sleep 30; } >"$d/raw_sales.csv" &
feeder=$!
stop_at_exit $feeder
"$BIN/transform" --workdir "$d" 2>"$T/err" &
pid=$!
writing() { ls -l "/proc/$pid/fd" 2>/dev/null | grep -qE -- "$d/(#|\.transformed_data\.csv\.tmp-)"; }
for _ in $(seq 1 500); do writing && break; sleep 0.01; done
writing
ok $? "transform is writing its output"
kill -KILL $pid
wait $pid 2>/dev/null
pkill -P $feeder sleep 2>/dev/null; kill $feeder 2>/dev/null; wait $feeder 2>/dev/null
rm -f "$d/raw_sales.csv" && cp "$FX/transform/golden/raw_sales.csv" "$d/"
expect_exit 0 "the run after a SIGKILL" "$BIN/transform" --workdir "$d"
same_file "$d/transformed_data.csv" "$FX/transform/golden/transformed_data.csv" "its output is whole"
no_temp "$d" "no temporary file is left"

# --- item 3: SIGTERM at the very start (pending when the step starts) ---
rm -rf "$W/events"
pending_term() { perl -MPOSIX -e 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTERM)) or die;
	kill "TERM", $$; exec @ARGV or die' "$@"; }
run pending_term "$A" --workdir "$W" --out "$T/early.csv"
[ "$rc" -eq 143 ]; ok $? "a SIGTERM before any work: death by the signal (status $rc, want 143)"
event "$W" analyze-sales "e['status'] == 'interrupted' and e['exit_code'] == 143" \
	"a SIGTERM before any work: the event says interrupted"
expect_err "analyze-sales: '$W/transformed_data.csv': interrupted" "a SIGTERM before any work: a log line"
no_file "$T/early.csv" "a SIGTERM before any work: no output"

# SIGTERM while the event is being written: the event goes to a FIFO that
# nobody reads, so the step waits there after its report is committed
mkfifo "$T/evfifo"
rm -f "$T/late.csv"
"$A" --workdir "$W" --out "$T/late.csv" --event-file "$T/evfifo" 2>"$T/err" &
pid=$!
for _ in $(seq 1 500); do [ -f "$T/late.csv" ] && break; sleep 0.01; done
kill -TERM $pid
wait $pid
rc=$?
[ "$rc" -eq 143 ]; ok $? "a SIGTERM while the event is written: status $rc, want 143"
expect_err "analyze-sales: event: '$T/evfifo': a FIFO: interrupted while waiting for its reader" \
	"a SIGTERM while the event is written: a log line says why there is no event"
expect_err "analyze-sales: interrupted by signal 15" "and that the step was interrupted"

# --- item 4: a missing work directory creates nothing ---
for tool in transform analyze-sales analyze-customers; do
	expect_exit 2 "$tool: a missing --workdir" "$BIN/$tool" --workdir "$T/missing/w"
	expect_err "$tool: --workdir '$T/missing/w': No such file or directory: give an existing directory (the extracts create it)" \
		"$tool: the message names the option and the directory"
	no_file "$T/missing" "$tool: nothing is created"
done
expect_exit 0 "--check: a missing work directory is a warning (a preflight comes before the extracts)" \
	"$BIN/analyze-products" --workdir "$T/missing/w" --check --in "$W/transformed_data.csv" --out "$T/p.csv"
expect_err "analyze-products: warning: --workdir '$T/missing/w': No such file or directory" "--check: the warning"
no_file "$T/missing" "--check: nothing is created"
STEPKIT_WORKDIR=$T/missing expect_exit 2 "a missing STEPKIT_WORKDIR" "$A"
expect_err "analyze-sales: STEPKIT_WORKDIR '$T/missing': No such file or directory" "the variable is named"
expect_exit 2 "a work directory that is a file" "$A" --workdir "$W/transformed_data.csv"
expect_err "analyze-sales: --workdir '$W/transformed_data.csv': not a directory" "said so"
expect_exit 0 "an extract creates its work directory" "$BIN/extract-customers" --workdir "$T/new/w" \
	--source "file:$FX/transform/golden"
[ -s "$T/new/w/customer_data.csv" ] && [ -s "$T/new/w/events/extract-customers.json" ]
ok $? "and writes its output and event into it"

# --- item 10: a FIFO input nobody writes to; SIGTERM ends the wait ---
d=$T/fifo-in
mkdir -p "$d" && mkfifo "$d/transformed_data.csv"
for mode in run check; do
	args=(--workdir "$d")
	[ $mode = check ] && args+=(--check)
	"$A" "${args[@]}" 2>"$T/err" &
	pid=$!
	wait_open $pid "$d/transformed_data.csv"
	ok $? "$mode: the step has the FIFO open and waits for a writer"
	kill -TERM $pid
	wait $pid
	rc=$?
	[ "$rc" -eq 143 ]; ok $? "$mode: SIGTERM while it waits: status $rc, want 143"
	expect_err "analyze-sales: '$d/transformed_data.csv': a FIFO: interrupted while waiting for its writer" \
		"$mode: the message names the FIFO"
done
event "$d" analyze-sales "e['status'] == 'interrupted'" "the run's event says interrupted"
rm -rf "$d/events"
cat "$FX/analyze/transformed_data.csv" >"$d/transformed_data.csv" &
expect_exit 0 "a FIFO input with a writer is read" "$A" --workdir "$d" --out "$d/report.csv"
same_file "$d/report.csv" "$FX/analyze/sales_report.csv" "the report from the FIFO"

# --- item 19: never echo the value of an unknown --name=value ---
expect_exit 2 "an unknown --password=..." "$A" --password=hunter2secret
expect_err "analyze-sales: unknown option '--password': try 'analyze-sales --help'" "only the option is named"
! grep -q hunter2secret "$T/err"; ok $? "the value is not echoed"
expect_exit 2 "a flag given a value" "$A" --check=hunter2secret
! grep -q hunter2secret "$T/err"; ok $? "the value is not echoed either"

# --- item 22: messages name what the user used ---
d=$T/golden
mkdir -p "$d" && cp "$FX/transform/golden/"*.csv "$d/"
expect_exit 2 "--max-unmatched abc" "$BIN/transform" --workdir "$d" --max-unmatched abc
expect_err "transform: --max-unmatched 'abc': expected a percentage" "the flag is named"
STEPKIT_MAX_UNMATCHED=abc expect_exit 2 "STEPKIT_MAX_UNMATCHED=abc" "$BIN/transform" --workdir "$d"
expect_err "transform: STEPKIT_MAX_UNMATCHED 'abc': expected a percentage" "the variable is named"
STEPKIT_MIN_ROWS=x expect_exit 2 "STEPKIT_MIN_ROWS=x" "$A" --workdir "$W"
expect_err "analyze-sales: STEPKIT_MIN_ROWS 'x': expected a whole number" "the variable is named"
STEPKIT_MAX_UNMATCHED=5 expect_exit 3 "a gate from the environment fails" "$BIN/transform" --workdir "$d" --max-unmatched 0.001
expect_err "above --max-unmatched 0.001%" "the flag that won is named in the gate's message"
done_testing
