#!/bin/bash
# The Makefile's builds, on a tree of three small C files in $T built with the
# repository's Makefile: `make` (what `make demo` builds) and `make all unit` (what
# `make test` builds) share one flag set and one build directory, so after either the
# other compiles nothing; a build with other flags (O=..., as make test-asan) lives in
# its own directory and leaves the plain build alone; one short line per file, the
# full commands with V=1.
. "$(dirname "$0")/../lib.sh"

is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"; fi; }

command -v make >/dev/null && command -v cc >/dev/null || skip_all "needs make and cc"
S=$T/src
mkdir -p "$S/lib" "$S/tools" "$S/tests/unit"
cp "$TOP/Makefile" "$S/"
printf '#include "x.h"\nint sk_x(void) { return 0; }\n' >"$S/lib/x.c"
printf '#ifndef X_H\n#define X_H\nint sk_x(void);\n#endif\n' >"$S/lib/x.h"
printf '#include "x.h"\nint tool_main(void);\nint main(void) { return tool_main() + sk_x(); }\n' >"$S/lib/toolmain.c"
printf 'int tool_main(void);\nint tool_main(void) { return 0; }\n' >"$S/tools/hello.c"
printf '#include "x.h"\nint main(void) { return sk_x(); }\n' >"$S/tests/unit/test_x.c"
# the environment's compiler settings would change the flag set under test
unset CFLAGS LDFLAGS WERROR V O BINDIR MAKEFLAGS MAKELEVEL
m() { make -C "$S" --no-print-directory "$@"; }

# --- the test build first (make test builds `all unit`), then the demo's build
run m all unit
is "$rc" 0 "the test build builds"
is "$(sort "$T/out")" "  AR   build/libstepkit.a
  CC   lib/toolmain.c
  CC   lib/x.c
  CC   tests/unit/test_x.c
  CC   tools/hello.c
  LD   bin/hello
  LD   build/tests/unit/test_x" "one short line per file, no compiler command"
[ -x "$S/bin/hello" ] && [ -x "$S/build/tests/unit/test_x" ]; ok $? "programs in bin/, unit tests in build/tests/unit/"
run m -q all
is "$rc" 0 "after the test build, a plain make has nothing to do (make -q all)"
run m all
is "$(grep -c '  CC \|  LD \|  AR ' "$T/out")" 0 "after the test build, a plain make compiles and links nothing"

# --- the demo's build first, then the test build
rm -rf "$S/build" "$S/bin"
run m all
is "$rc" 0 "the demo's build builds"
run m -q all unit
is "$rc" 1 "the unit tests are not built by a plain make"
run m all unit
is "$(grep -v "^make: Nothing to be done for 'all'.$" "$T/out")" "  CC   tests/unit/test_x.c
  LD   build/tests/unit/test_x" "after a plain make, the test build compiles only the unit tests"
run m -q all unit
is "$rc" 0 "then both are up to date (make -q all unit)"

# --- a build with other flags (make test-asan) has its own directory
run m O=build/other BINDIR=build/other/bin BUILD_TAG=other CFLAGS=-O0 all
is "$(head -1 "$T/out")" "  CC   [other] lib/x.c" "a build with other flags marks its lines"
[ -x "$S/build/other/bin/hello" ]; ok $? "and puts its programs in its BINDIR"
run m -q all unit
is "$rc" 0 "it leaves the plain build up to date"

# --- what the flag file and V=1 do
run m -q CFLAGS=-O0 all
is "$rc" 1 "other CFLAGS in the same directory rebuild"
run m -q WERROR=1 all unit
is "$rc" 0 "WERROR=1 is the default flag set (nothing to do)"
run m -q WERROR=0 all
is "$rc" 1 "WERROR=0 is another flag set"
touch "$S/lib/x.c"
run m V=1 all
grep -q '^cc .*-Werror.* -c -o build/lib/x.o lib/x.c$' "$T/out"; ok $? "V=1 prints the compiler command"
grep -q '^  CC ' "$T/out"; ok $((!$?)) "V=1 prints no short lines"
run m clean
no_file "$S/build" "make clean removes build/"
no_file "$S/bin" "make clean removes bin/"

done_testing
