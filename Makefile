# stepkit: one static library, one binary per step. See README.md.
#   make            build bin/*
#   make test       install what is missing, build, run every test (TAP via prove)
#   make demo       build, generate the sample, run the seven data steps as the DAG does
#   make bench      time our steps against DuckDB and pandas
#   make check-headers / style / clean

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
ifdef WERROR
WARN    += -Werror
endif
# libpq's headers live outside the default path on Debian (/usr/include/postgresql)
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I$$(pg_config --includedir 2>/dev/null))
ALL_CFLAGS := -std=c11 $(WARN) $(CFLAGS) $(PG_CFLAGS) -iquote lib
LDFLAGS ?=
AR      ?= ar

LIB_SRC := $(filter-out lib/toolmain.c,$(wildcard lib/*.c))
LIB_OBJ := $(patsubst %.c,build/%.o,$(LIB_SRC))
TOOLS   := $(patsubst tools/%.c,%,$(wildcard tools/*.c))
BINS    := $(addprefix bin/,$(TOOLS))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,build/tests/unit/%,$(UNIT_SRC))

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
UNIT_LIBS := -lpq -lcsv -lcurl -lssh2 $(BASE_LIBS)

.PHONY: all test test-unit test-cli test-int test-images demo bench deps check-headers style clean images FORCE
all: $(BINS)

# Rebuild everything when the compiler or its flags change (git GIT-CFLAGS).
build/CFLAGS: FORCE
	@mkdir -p build
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@

build/%.o: %.c build/CFLAGS
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

build/libstepkit.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

bin/%: build/tools/%.o build/lib/toolmain.o build/libstepkit.a
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $< build/lib/toolmain.o build/libstepkit.a $(LIBS_$*) $(BASE_LIBS)

build/tests/unit/%: build/tests/unit/%.o build/libstepkit.a
	$(CC) $(LDFLAGS) -o $@ $< build/libstepkit.a $(UNIT_LIBS)

-include $(shell find build/lib build/tools build/tests -name '*.d' -type f 2>/dev/null)
.PRECIOUS: build/%.o build/tools/%.o build/tests/unit/%.o

deps:
	@scripts/install-deps --if-missing
	@tests/servers/install

test: deps
	$(MAKE) WERROR=1 all $(UNIT_BINS)
	@scripts/run-tests

test-unit: all $(UNIT_BINS)
	@scripts/run-tests unit
test-cli: all
	@scripts/run-tests cli
test-int: all
	@scripts/run-tests int

demo: deps
	$(MAKE) all
	@scripts/demo

bench: deps
	$(MAKE) all
	@scripts/bench

# Container images: REGISTRY/stepkit-STEP:TAG, one per tool (see README, Images)
REGISTRY ?= registry.example.com/stepkit
TAG      ?= $(shell sed -n 's/^.define SK_VERSION "\(.*\)"$$/\1/p' lib/base.h)

images:
	REGISTRY='$(REGISTRY)' TAG='$(TAG)' scripts/build-images

test-images:
	@scripts/install-deps --if-missing --all
	$(MAKE) WERROR=1 all $(UNIT_BINS)
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
