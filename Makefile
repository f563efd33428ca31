# tide — build, test and demo.  `make demo` and `make test` are the two
# commands a new user runs; both install missing Debian packages first.

.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CPPFLAGS += -Isrc -I$(BUILD) -MMD -MP
LDLIBS   += -llmdb -lyajl -lxxhash -lgsl -lgslcblas -lm -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the build and the tests need, with a header or tool that
# proves each is there.
DEB_PKGS := liblmdb-dev:/usr/include/lmdb.h re2c:/usr/bin/re2c \
            lemon:/usr/share/lemon/lempar.c libyajl-dev:/usr/include/yajl/yajl_tree.h tzdata:/usr/share/zoneinfo/UTC libxxhash-dev:/usr/include/xxhash.h \
            libgsl-dev:/usr/include/gsl/gsl_multimin.h sqlite3:/usr/bin/sqlite3 \
            libmicrohttpd-dev:/usr/include/microhttpd.h curl:/usr/bin/curl lmdb-utils:/usr/bin/mdb_stat

SRCS     := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
GEN_C    := $(BUILD)/lexer.c $(BUILD)/tql.c
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/%.o) $(GEN_C:.c=.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo test check-asan unit clean bench fuzz fuzz-deps

all: deps $(BUILD)/tide $(BUILD)/gen

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  test -e "$${p#*:}" || missing="$$missing $${p%%:*}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing packages; run: sudo apt-get install$$missing"; exit 1; fi; \
	fi

$(BUILD)/tide: $(BUILD)/main.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen: bench/gen.c | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< -lm

# Every rule waits for $(BUILD), and $(BUILD) waits for the packages, so a
# parallel make on a fresh machine does not run lemon before it is installed.
$(BUILD): deps
	mkdir -p $(BUILD)/tests

# Generated sources: lemon writes tql.c, tql.h and tql.out into $(BUILD).
# lemon leaves an unchanged header alone, so only the .c carries the recipe.
$(BUILD)/tql.c: grammar/tql.y | $(BUILD)
	lemon -q -d$(BUILD) -T/usr/share/lemon/lempar.c $<
$(BUILD)/tql.h: $(BUILD)/tql.c
$(BUILD)/lexer.c: grammar/lexer.re | $(BUILD)
	re2c -W --no-generation-date -o $@ $<

# libmicrohttpd is loaded by name when a server starts (src/mhd.h says why):
# the name is the soname of the library this build compiles against.  Read
# when mhd.o compiles, after `deps` has installed the package.
MHD_SONAME = $(shell objdump -p "$$($(CC) -print-file-name=libmicrohttpd.so)" 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
$(BUILD)/mhd.o: CPPFLAGS += -DMHD_SONAME='"$(MHD_SONAME)"'

# Everything may include tql.h, so it exists before any object compiles.
$(BUILD)/%.o: src/%.c | $(BUILD) $(BUILD)/tql.h
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<
# lempar.c and re2c output are not ours to warn about beyond -Wall.
$(BUILD)/tql.o: $(BUILD)/tql.c
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror -Wno-unused-parameter -Wno-unused-variable $(CFLAGS) $(CPPFLAGS) -c -o $@ $<
$(BUILD)/lexer.o: $(BUILD)/lexer.c | $(BUILD)/tql.h
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) $(LDLIBS)

unit: all $(UNIT_BINS)

# The whole suite; the last line is "N passed, N failed".
test: unit
	@BUILD=$(BUILD) bash tests/run.sh

check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" test

demo: all
	@bash bench/demo.sh $(BUILD)

SIZE ?= 1m
bench: all
	@bash bench/run.sh $(SIZE)

fuzz-deps:
	@command -v clang >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq clang >/dev/null; } || \
	  { echo "missing clang; run: sudo apt-get install clang"; exit 1; }

# The parser fuzzer (libFuzzer; clang).  FUZZ_SECONDS bounds the run.
FUZZ_SECONDS ?= 60
$(BUILD)/fuzz_parse: tests/fuzz/fuzz_parse.c src/ast.c src/parse.c src/err.c $(GEN_C) | $(BUILD)
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -I$(BUILD) -o $@ $^ -llmdb
fuzz: deps fuzz-deps $(BUILD)/fuzz_parse
	mkdir -p $(BUILD)/fuzz-corpus
	$(BUILD)/fuzz_parse -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(BUILD)/fuzz-corpus

clean:
	rm -rf build build-asan

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d)
