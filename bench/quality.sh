#!/bin/bash
# bench/quality.sh [ROWS] [ROUNDS]: what the quality checks cost (issue 11:
# under 5% of the chain's time at 5,000,000 rows). The chain (transform and
# the three analyses, each run as bench/run-bench runs stepkit) with the
# default checks of argo/base/quality.json (STEPKIT_QUALITY: validity,
# unmatched shares, the row-count change against up to 5 earlier runs, read
# from the earlier rounds' events next to each work directory) against the
# same chain without them. The two forms alternate round by round, the
# first of a round swapping each time, so that a loaded machine slows both
# alike. Default 5,000,000 rows, 5 rounds; inputs from build/bench-data/ROWS
# (made by scripts/gen-sample when missing). Prints each form's median chain
# time and CPU time with their ranges, the overhead of the medians in
# percent, and checks that both wrote the same reports and that the checks
# really ran. QUALITY_COUNT=callgrind counts instructions instead (valgrind
# --tool=callgrind; about 50 times slower, so at a smaller ROWS: `make bench`
# uses 541,909 and 2 rounds): the one figure a shared machine cannot move.
set -euo pipefail
ROWS=${1:-5000000}
ROUNDS=${2:-5}
COUNT=${QUALITY_COUNT:-time}
case $COUNT in
time) ;;
callgrind) command -v valgrind >/dev/null || { echo "quality.sh: valgrind is not installed" >&2; exit 2; } ;;
*) echo "quality.sh: QUALITY_COUNT: time or callgrind" >&2; exit 2 ;;
esac
[ -x /usr/bin/time ] || { echo "quality.sh: GNU time (/usr/bin/time) is not installed" >&2; exit 2; }
[ "$ROUNDS" -ge 2 ] || { echo "quality.sh: ROUNDS must be 2 or more (the row-count change needs an earlier run)" >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/bin
QUALITY=$TOP/argo/base/quality.json
STEPS="transform analyze-sales analyze-customers analyze-products"
REPORTS="sales_report.csv customer_report.csv product_report.csv"
for s in $STEPS; do
	[ -x "$BIN/$s" ] || { echo "quality.sh: bin/$s is not built: run make" >&2; exit 2; }
done
DATA=$TOP/build/bench-data/$ROWS
if [ ! -f "$DATA/product_data.csv" ]; then
	python3 "$TOP/scripts/gen-sample" --rows "$ROWS" "$DATA" >&2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/stepkit-bench-quality.XXXXXX")
trap 'rm -rf "$T"' EXIT
export STEPKIT_LOG_LEVEL=warn STEPKIT_TEMPLATE=bench-quality

# chain FORM ROUND: run the four steps in FORM's parent directory; prints
# the seconds they took together, wall and CPU (user + system: what a
# loaded machine distorts least)
chain() {
	local wd=$T/$1/run-$2
	mkdir -p "$wd"
	for f in raw_sales.csv customer_data.csv product_data.csv; do
		ln "$DATA/$f" "$wd/$f" 2>/dev/null || cp "$DATA/$f" "$wd/$f"
	done
	: >"$T/times"
	rm -f "$T"/cg.*
	for s in $STEPS; do
		if [ "$1" = quality ]; then
			STEPKIT_QUALITY=$QUALITY measure "$BIN/$s" --workdir "$wd"
		else
			measure "$BIN/$s" --workdir "$wd"
		fi || { echo "quality.sh: $1 round $2: $s failed" >&2; exit 1; }
	done
	if [ "$COUNT" = callgrind ]; then
		cat "$T"/cg.* | awk '/^summary:/ {n += $2} END {printf "%.0f\n", n}'
	else
		awk '{w += $1; c += $2 + $3} END {printf "%.2f %.2f\n", w, c}' "$T/times"
	fi
}

measure() {
	if [ "$COUNT" = callgrind ]; then
		valgrind --tool=callgrind -q --callgrind-out-file="$T/cg.%p" "$@"
	else
		/usr/bin/time -a -o "$T/times" -f '%e %U %S' "$@"
	fi
}

# stats: "median (runs MIN to MAX)" of the numbers on stdin
stats() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2;
	printf "%.2f s (runs %.2f to %.2f s)\n", m, a[1], a[NR]}'; }

echo "quality checks: the chain at $ROWS rows, $ROUNDS rounds of each form, alternated"
: >"$T/plain.times"
: >"$T/quality.times"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="plain quality"; else order="quality plain"; fi
	for form in $order; do
		t=$(chain "$form" "$r")
		echo "$t" >>"$T/$form.times"
		if [ "$COUNT" = callgrind ]; then
			printf '  %-8s round %d/%d %14s instructions\n' "$form" "$r" "$ROUNDS" "$t"
		else
			printf '  %-8s round %d/%d %8.2f s wall %8.2f s CPU\n' "$form" "$r" "$ROUNDS" ${t}
		fi
		# keep the events (the next rounds' history), drop the big files
		[ "$r" = "$ROUNDS" ] || rm -f "$T/$form/run-$r"/*.csv
	done
done
if [ "$COUNT" = callgrind ]; then
	p=$(tail -1 "$T/plain.times") q=$(tail -1 "$T/quality.times")
	echo "instructions (the last round, with history): without checks $p; with checks $q"
	echo "instructions: quality checks add $(awk -v p="$p" -v q="$q" 'BEGIN {printf "%+.2f", 100 * (q - p) / p}')% (goal: under 5%)"
else
	for col in 1 2; do
		kind=$([ $col = 1 ] && echo wall || echo CPU)
		p=$(cut -d' ' -f$col "$T/plain.times" | stats)
		q=$(cut -d' ' -f$col "$T/quality.times" | stats)
		echo "$kind: without checks $p; with checks $q"
		pm=${p%% s*} qm=${q%% s*}
		echo "$kind: quality checks add $(awk -v p="$pm" -v q="$qm" 'BEGIN {printf "%+.1f", 100 * (q - p) / p}')% to the chain's median (goal: under 5%)"
	done
fi

status=0
last=$T/quality/run-$ROUNDS
for f in $REPORTS transformed_data.csv; do
	if cmp -s "$T/plain/run-$ROUNDS/$f" "$last/$f"; then
		echo "ok   $f: the same bytes with and without checks"
	else
		echo "FAIL $f differs with the checks"; status=1
	fi
done
for s in $STEPS; do
	got=$(jq -r '[.quality.status, (.quality.checks | length), (.history.runs // 0)] | @tsv' "$last/events/$s.json")
	read -r level checks runs <<<"$got"
	if [ "$checks" -gt 0 ] && [ "$runs" -gt 0 ]; then
		echo "ok   $s: $level, $checks checks, history of $runs earlier runs"
	else
		echo "FAIL $s: the checks did not run ($got)"; status=1
	fi
done
exit $status
