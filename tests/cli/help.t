#!/bin/bash
# --help of every tool and script: it lists only the exit codes the tool can
# return (3 only where a data-quality gate exists, 75 only where a server is
# talked to), prints no line of the script's own code, and says where things
# are as they are.
. "$(dirname "$0")/../lib.sh"

is() { # is GOT WANT NAME
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}

# exits TOOL: the exit codes its help must list
exits() {
	case $1 in
	extract-*) echo "0 1 2 3 75" ;;        # gate --min-rows; PostgreSQL
	transform | analyze-*) echo "0 1 2 3" ;; # gates; local files only
	upload-* | notify | load-postgres) echo "0 1 2 75" ;; # servers; no gate
	report-xlsx) echo "0 1 2" ;;             # local files only; no gate
	triggers) echo "0 1 2" ;;                # a config file in, a list out; no gate
	*) echo "unknown tool" ;;
	esac
}

for b in "$BIN"/*; do
	t=$(basename "$b")
	expect_exit 0 "$t --help" "$b" --help
	# the codes named after "Exit status:" (each code is followed by a word)
	got=$(sed -n '/^Exit status:/,$p' "$T/out" | tr ',\n' '  ' |
		grep -oE '(^|[ :])(0|1|2|3|75) [a-z]' | grep -oE '[0-9]+' | tr '\n' ' ')
	is "${got% }" "$(exits "$t")" "$t --help lists exactly the exit codes it can return"
	if grep -qF '3 data-quality' "$T/out"; then
		grep -q -- '--min-rows' "$T/out"
		ok $? "$t --help: exit 3 goes with a gate option (--min-rows)"
	fi
done

expect_exit 0 "extract-sales --help" "$BIN/extract-sales" --help
grep -q 'columns below' "$T/out"
ok $((!$?)) "extract-sales --help: no 'columns below' (the columns are above)"
grep -q 'must return the columns named above' "$T/out"
ok $? "extract-sales --help: --query names where the columns are"

for s in demo sftp-test-server pg-test-server; do
	run "$TOP/scripts/$s" --help
	ok $((rc != 0)) "scripts/$s --help exits 0 (got $rc)"
	grep -nE '^(set |cd |[A-Z_]+=|\. |#!)' "$T/out" | sed 's/^/#   /' | head -3
	grep -qE '^(set |cd |[A-Z_]+=|\. |#!)' "$T/out"
	ok $((!$?)) "scripts/$s --help prints no line of the script's code"
	grep -q "^usage: scripts/$s" "$T/out"
	ok $? "scripts/$s --help starts with its usage line"
done
done_testing
