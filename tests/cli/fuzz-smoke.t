#!/bin/bash
# The libFuzzer targets of tests/fuzz/ (`make fuzz`) run once over their seed
# corpus: tests/fixtures, bench/fixtures, the regression inputs and
# tests/fuzz/seeds. Skipped unless `make fuzz-build` has built them (clang
# with libFuzzer; building them takes minutes, the run a few seconds).
. "$(dirname "$0")/../lib.sh"

FB=$TOP/build/fuzz/tests/fuzz
command -v clang >/dev/null 2>&1 || skip_all "clang not installed (scripts/install-deps --fuzz)"
[ -x "$FB/fuzz_csv" ] && [ -x "$FB/fuzz_money" ] && [ -x "$FB/fuzz_utf8" ] ||
	skip_all "the fuzz targets are not built (make fuzz-build)"

FUZZ_WORK=$T/fuzz expect_exit 0 "every target over its seeds" "$TOP/tests/fuzz/run" "$FB" 0
for t in csv money utf8; do
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz/$t.log")
	[ "${n:-0}" -gt 0 ]; ok $? "fuzz_$t ran its seeds ($n inputs)"
done
n=$(find "$T/fuzz/seeds/csv" -type f | wc -l)
[ "$n" -ge 20 ]; ok $? "the CSV seeds come from the fixtures ($n files)"
left=$(find "$T/fuzz" -maxdepth 1 -name "crash-*" | head -3)
[ -z "$left" ]; ok $? "no target crashed on a seed${left:+: $left}"
done_testing
