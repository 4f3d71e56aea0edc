# stepkit: one static library, one binary per step. See README.md.
#   make            build bin/* (with -Werror: the same build `make test` uses)
#   make test       install what is missing, build, run every test (TAP, files in parallel)
#   make test-asan  the unit and CLI tests under AddressSanitizer and UBSan (build/asan/)
#   make demo       build, generate the sample, run the seven data steps as the DAG does
#   make bench      time our steps against DuckDB and pandas
#   make check-headers / style / clean
# One line per file is printed (`  CC lib/csvio.c`); V=1 prints the commands.
#
# There is one flag set for `make`, `make demo` and `make test`: warnings are errors
# (WERROR=0 turns that off, for a compiler newer than Debian 12's that warns about
# something new). So the demo's build and the test build are the same files, and running
# one after the other compiles nothing. A build with other flags (the sanitizers) lives in
# its own directory: O=DIR holds its objects and unit tests, BINDIR its programs.

CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= 1
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
ifneq ($(WERROR),0)
WARN    += -Werror
endif
# libpq's headers live outside the default path on Debian (/usr/include/postgresql)
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I$$(pg_config --includedir 2>/dev/null))
ALL_CFLAGS := -std=c11 $(WARN) $(CFLAGS) $(PG_CFLAGS) -iquote lib
LDFLAGS ?=
AR      ?= ar

# Where one flag set's files go: objects, libstepkit.a and unit tests under O, programs
# in BINDIR. BUILD_TAG marks its lines (`  CC [asan] lib/csvio.c`).
O       ?= build
BINDIR  ?= bin
BUILD_TAG ?=
ifeq ($(V),1)
Q :=
else
Q := @
endif
# $(call say,CC,FILE): the one line printed per file unless V=1
say = $(if $(Q),@printf '  %-4s %s%s\n' '$(1)' '$(if $(BUILD_TAG),[$(BUILD_TAG)] )' '$(2)')

LIB_SRC := $(filter-out lib/toolmain.c,$(wildcard lib/*.c))
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC))
TOOLS   := $(patsubst tools/%.c,%,$(wildcard tools/*.c))
BINS    := $(addprefix $(BINDIR)/,$(TOOLS))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRC))

# Every tool needs jansson (events, logs) and libcrypto (sha256 of outputs);
# each adds only what it uses beyond that.
BASE_LIBS := -ljansson -lcrypto -lm -pthread
LIBS_extract-sales     := -lpq -lcsv
LIBS_extract-customers := -lpq -lcsv
LIBS_extract-products  := -lpq -lcsv
LIBS_transform         := -lcsv
LIBS_analyze-sales     := -lcsv
LIBS_analyze-customers := -lcsv
LIBS_analyze-products  := -lcsv
LIBS_upload-sftp       := -lssh2 -pthread
LIBS_upload-s3         := -lcurl
LIBS_upload-http       := -lcurl
LIBS_notify            := -lcurl
LIBS_load-postgres     := -lpq -lcsv
LIBS_report-xlsx       := -lxlsxwriter -lminizip -lz -lcsv
LIBS_extract-api       := -lcurl -lcsv
UNIT_LIBS := -lpq -lcsv -lcurl -lssh2 $(BASE_LIBS)

.PHONY: all test test-unit test-cli test-int test-images demo bench deps check-headers style clean images FORCE
.PHONY: unit test-asan
all: $(BINS)
# the unit test programs ($(O)/tests/unit/test_*)
unit: $(UNIT_BINS)

# Rebuild everything when the compiler or its flags change (git GIT-CFLAGS): $(O)/CFLAGS
# holds the flag set its files were built with and is out of date when that differs, so
# `make -q` says "something to do" without rewriting it.
FLAGS_LINE := $(CC) $(ALL_CFLAGS) | $(CC) $(LDFLAGS)
ifneq ($(strip $(shell cat $(O)/CFLAGS 2>/dev/null)),$(strip $(FLAGS_LINE)))
$(O)/CFLAGS: FORCE
endif
$(O)/CFLAGS:
	@mkdir -p $(@D)
	@echo '$(FLAGS_LINE)' > $@

$(O)/%.o: %.c $(O)/CFLAGS
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libstepkit.a: $(LIB_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BINDIR)/%: $(O)/tools/%.o $(O)/lib/toolmain.o $(O)/libstepkit.a $(O)/CFLAGS
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(O)/lib/toolmain.o $(O)/libstepkit.a $(LIBS_$*) $(BASE_LIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(O)/libstepkit.a $(O)/CFLAGS
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(O)/libstepkit.a $(UNIT_LIBS)

-include $(shell find $(O)/lib $(O)/tools $(O)/tests -name '*.d' -type f 2>/dev/null)
.PRECIOUS: $(O)/%.o $(O)/tools/%.o $(O)/tests/unit/%.o $(O)/tests/fuzz/%.o

deps:
	@scripts/install-deps --if-missing
	@tests/servers/install

MAKE_QUIET := $(MAKE) --no-print-directory $(if $(Q),-s)

# The test files run in parallel, one line each as they finish (scripts/run-tests;
# TEST_JOBS=N sets how many at once, VERBOSE=1 shows every assertion).
test: deps
	@$(MAKE_QUIET) all unit
	@scripts/run-tests

test-unit: all unit
	@scripts/run-tests unit
test-cli: all
	@scripts/run-tests cli
test-int: all
	@scripts/run-tests int

# The unit and CLI suites with every program built with AddressSanitizer (and LeakSanitizer)
# and UndefinedBehaviorSanitizer, in build/asan/ (programs in build/asan/bin). A sanitizer
# report fails the test file that caused it, even when the exit status was the one expected
# (scripts/run-tests --sanitizer-logs).
# clang when there is one: its UBSan also catches arithmetic on a null pointer (NULL + 0).
ASAN_O      := build/asan
ASAN_CC     ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
test-asan: deps
	@$(MAKE_QUIET) O=$(ASAN_O) BINDIR=$(ASAN_O)/bin BUILD_TAG=asan WERROR=0 CC='$(ASAN_CC)' \
		CFLAGS='$(ASAN_CFLAGS)' LDFLAGS='-fsanitize=address,undefined' all unit
	@STEPKIT_BIN=$(CURDIR)/$(ASAN_O)/bin STEPKIT_UNIT_DIR=$(ASAN_O)/tests/unit \
		scripts/run-tests --sanitizer-logs $(ASAN_O)/reports unit cli

# Fuzzing, not part of `make test`: the libFuzzer targets of tests/fuzz/ (the CSV reader,
# the piece splitter of the threaded analyses, extract-api's JSON reader, the money/date parsers, the UTF-8 validator) built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in build/fuzz/, each run FUZZ_SECONDS (default 60) from a seed
# corpus of tests/fixtures (tests/fuzz/run). clang and libclang-rt-14-dev come from
# `scripts/install-deps --fuzz`, installed for this target only.
FUZZ_O       := build/fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=undefined
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz fuzz-build fuzz-bins
fuzz: fuzz-build
	@tests/fuzz/run $(FUZZ_O)/tests/fuzz $(FUZZ_SECONDS)
fuzz-build:
	@scripts/install-deps --if-missing --fuzz
	@$(MAKE_QUIET) O=$(FUZZ_O) BINDIR=$(FUZZ_O)/bin BUILD_TAG=fuzz WERROR=0 CC='$(FUZZ_CC)' \
		CFLAGS='$(FUZZ_CFLAGS)' LDFLAGS='-fsanitize=address,undefined' fuzz-bins
fuzz-bins: $(FUZZ_BINS)
$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(O)/libstepkit.a $(O)/CFLAGS
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libstepkit.a $(UNIT_LIBS)

# The demo needs only the build libraries and what it runs (python3-yaml for
# run-local, openssh-server for the SFTP test server): no test servers.
.PHONY: demo-deps
demo-deps:
	@scripts/install-deps --if-missing --demo

demo: demo-deps
	@$(MAKE_QUIET) all
	@scripts/demo

bench: deps
	@$(MAKE_QUIET) all
	@scripts/bench

# Container images: REGISTRY/stepkit-STEP:TAG, one per tool (see README, Images)
REGISTRY ?= registry.example.com/stepkit
TAG      ?= $(shell sed -n 's/^.define SK_VERSION "\(.*\)"$$/\1/p' lib/base.h)

images:
	REGISTRY='$(REGISTRY)' TAG='$(TAG)' scripts/build-images

test-images:
	@scripts/install-deps --if-missing --all
	@$(MAKE_QUIET) all unit
	prove --exec '' $(PROVE_FLAGS) tests/images/*.t

# Every header compiles on its own (git hdr-check).
check-headers:
	@for h in lib/*.h; do \
		printf '#include "base.h"\n#include "%s"\n' "$${h#lib/}" | \
		$(CC) $(ALL_CFLAGS) -fsyntax-only -x c - || exit 1; \
	done; echo "headers ok"

# Formats only the lines changed since BASE (default HEAD: what is not yet
# committed) with .clang-format; the tree as a whole is not reformatted.
BASE ?= HEAD
style:
	@command -v git-clang-format >/dev/null || { echo "make style: needs clang-format (Debian: apt-get install clang-format)" >&2; exit 2; }
	git clang-format --force --style=file $(BASE) -- lib tools tests/unit

clean:
	rm -rf build bin
