#!/bin/bash
# The step contract every tool shares (lib/step.c): options and their
# environment variables, log formats, usage errors, and a failed event write
# that must not look like success. analyze-sales stands for all tools.
. "$(dirname "$0")/../lib.sh"
TOOL=$BIN/analyze-sales
W=$T/w
mkdir -p "$W" && cp "$TOP/tests/fixtures/analyze/transformed_data.csv" "$W/"

expect_exit 0 "--help" "$TOOL" --help
grep -q "^usage: analyze-sales \[OPTION\]" "$T/out"; ok $? "--help prints the usage on stdout"
grep -q "STEPKIT_WORKDIR" "$T/out"; ok $? "--help names the environment variables"
expect_exit 0 "--version" "$TOOL" --version
is_out() { if [ "$(cat "$T/out")" = "$1" ]; then ok 0 "$2"; else ok 1 "$2"; sed 's/^/#   got: /' "$T/out"; fi; }
is_out "analyze-sales (stepkit) 0.1.0" "--version names the tool and the version"

expect_exit 2 "an unknown option" "$TOOL" --bogus
expect_err "analyze-sales: unknown option '--bogus': try 'analyze-sales --help'" "the unknown option is named"
expect_exit 2 "a missing option argument" "$TOOL" --workdir
expect_err "analyze-sales: missing argument to '--workdir': try 'analyze-sales --help'" "the option missing its argument is named"
expect_exit 2 "an unexpected argument" "$TOOL" --workdir "$W" extra
expect_err "analyze-sales: unexpected argument 'extra': try 'analyze-sales --help'" "the argument is named"
expect_exit 2 "a bad --log-format" "$TOOL" --log-format xml
expect_err "log format 'xml': use auto, text or json" "the bad format is named (in the default format: the asked one is invalid)"
STEPKIT_LOG_LEVEL=loud expect_exit 2 "a bad STEPKIT_LOG_LEVEL" "$TOOL" --workdir "$W"
expect_err "analyze-sales: log level 'loud': use debug, info, warn or error" "the bad level is named"

# the environment gives the same settings as the flags, and a flag wins
STEPKIT_WORKDIR=$W STEPKIT_RUN_ID=r42 STEPKIT_LOG_FORMAT=json expect_exit 0 "settings from the environment" "$TOOL"
grep -q '^{"ts":"[^"]*","level":"info","step":"analyze-sales","run":"r42","msg":"done: 21 rows in, 8 rows out' "$T/err"
ok $? "json log line with step, run and message"
grep -q '"run": "r42"' "$W/events/analyze-sales.json"; ok $? "the run id is in the event"
STEPKIT_RUN_ID=r42 expect_exit 0 "a flag wins over its variable" "$TOOL" --workdir "$W" --run-id r43
grep -q '"run": "r43"' "$W/events/analyze-sales.json"; ok $? "--run-id wins over STEPKIT_RUN_ID"
[ "$(tail -c 2 "$W/events/analyze-sales.json" | od -An -c | tr -d ' ')" = '}\n' ]; ok $? "the event ends with a newline"

# the event cannot be written: exit 1, said so, and no 'done' line
rm -rf "$W/events" && touch "$W/events"
expect_exit 1 "an event that cannot be written fails the step" "$TOOL" --workdir "$W"
expect_err "analyze-sales: event: cannot create a file in '$W/events': Not a directory" "the event failure is reported"
! grep -q "done:" "$T/err"; ok $? "no 'done' line after a failed event"

# --check writes no event and no report
rm -f "$W/events" "$W/sales_report.csv"
expect_exit 0 "--check" "$TOOL" --workdir "$W" --check
no_file "$W/events" "--check writes no event"
no_file "$W/sales_report.csv" "--check writes no report"
no_temp "$W" "--check leaves no temporary file"
done_testing
