# ratchet — one GNU Makefile for core (libratchet.a), server (ratchetd), cli (ratchet) and tests.
# Knobs: SANITIZE=address,undefined  DEBUG=1  V=1  BUILD=dir
#        FUZZ_SECONDS=N  FUZZ_TARGETS="json router" (make fuzz)

BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

PKGS_CORE := libcjson libcrypto gsl yaml-0.1
PKGS_SERVER := libmicrohttpd libpq libcjson openssl
PKGS_CLI := libcurl libcjson

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wwrite-strings -Wvla -Werror
OPT := -O2
ifeq ($(DEBUG),1)
OPT := -O0 -DRATCHET_DEBUG=1
endif
SAN :=
ifneq ($(SANITIZE),)
SAN := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

BASE_CFLAGS := -std=c17 $(OPT) -g -D_GNU_SOURCE -pthread $(WARN) $(SAN) -MMD -MP -Icore
CORE_CFLAGS := $(BASE_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS_CORE) 2>/dev/null)
SERVER_CFLAGS := $(BASE_CFLAGS) -Iserver $(shell $(PKG_CONFIG) --cflags $(PKGS_SERVER) 2>/dev/null)
CLI_CFLAGS := $(BASE_CFLAGS) -Icli $(shell $(PKG_CONFIG) --cflags $(PKGS_CLI) 2>/dev/null)
TEST_CFLAGS := $(BASE_CFLAGS) -Iserver $(shell $(PKG_CONFIG) --cflags $(PKGS_CORE) cmocka 2>/dev/null)

CORE_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_CORE) 2>/dev/null) -lm
SERVER_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_SERVER) 2>/dev/null) $(CORE_LIBS)
CLI_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_CLI) 2>/dev/null) $(CORE_LIBS)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null) $(CORE_LIBS)
LDFLAGS_ALL := -pthread $(SAN)

CORE_SRC := $(sort $(wildcard core/*.c core/stats/*.c))
SERVER_SRC := $(sort $(wildcard server/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schema.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Fuzz targets (tests/fuzz/fuzz_<target>.c). The router target links the server objects
# but main.o and http.o: router.c names the handlers, which the target never calls.
FUZZ_ALL := json rtime duration query router csv policy gitlog import_rules incident flat_import backtest
FUZZ_SERVER_OBJ := $(filter-out $(BUILD)/obj/server/main.o $(BUILD)/obj/server/http.o,$(SERVER_OBJ))
FUZZ_SERVER_LIBS := $(shell $(PKG_CONFIG) --libs libpq libcjson libcrypto openssl 2>/dev/null) \
	$(CORE_LIBS)
FUZZ_REPLAY_BIN := $(FUZZ_ALL:%=$(BUILD)/tests/fuzzreplay_%)

LIB := $(BUILD)/libratchet.a
RATCHETD := $(BUILD)/ratchetd
RATCHET := $(BUILD)/ratchet
FLAGS_STAMP := $(BUILD)/.flags

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: vectors bench all deps run test test-only unit integration asan lint clean format fuzz fuzz-build \
	fuzz-replay FORCE

all: $(LIB) $(RATCHETD) $(RATCHET) $(UNIT_BIN) $(FUZZ_REPLAY_BIN)

# Rebuild everything when the flags change.
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(BASE_CFLAGS) $(LDFLAGS_ALL)' | cmp -s - $@ || echo '$(BASE_CFLAGS) $(LDFLAGS_ALL)' > $@

$(BUILD)/obj/core/%.o: core/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

# The numerical core gets the stricter warnings of STYLE.md.
STATS_WARN := -Wfloat-equal -Wdouble-promotion -Wconversion
$(BUILD)/obj/core/stats/%.o: core/stats/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CORE_CFLAGS) $(STATS_WARN) -c $< -o $@

$(BUILD)/obj/server/%.o: server/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(SERVER_CFLAGS) -c $< -o $@

$(BUILD)/gen/schema.c: $(sort $(wildcard schema/*.sql)) deploy/embed-schema.sh
	@mkdir -p $(dir $@)
	$(Q)sh deploy/embed-schema.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/schema.o: $(BUILD)/gen/schema.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(SERVER_CFLAGS) -c $< -o $@

$(BUILD)/obj/cli/%.o: cli/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CLI_CFLAGS) -c $< -o $@

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TEST_CFLAGS) -c $< -o $@

$(LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(RATCHETD): $(SERVER_OBJ) $(LIB)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(SERVER_OBJ) $(LIB) $(SERVER_LIBS)

$(RATCHET): $(CLI_OBJ) $(LIB)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(LIB) $(CLI_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(TEST_LIBS)

# Fuzz targets built with the normal compiler and flags, driven by replay.c over saved
# inputs: tests/run-all.sh replays tests/fuzz/corpus/<target> and regressions/<target>.
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(SERVER_CFLAGS) -c $< -o $@

$(BUILD)/tests/fuzzreplay_router: $(BUILD)/obj/tests/fuzz/fuzz_router.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(FUZZ_SERVER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(FUZZ_SERVER_LIBS)

$(BUILD)/tests/fuzzreplay_query: $(BUILD)/obj/tests/fuzz/fuzz_query.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/obj/server/req.o \
		$(BUILD)/obj/server/query.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CORE_LIBS)

$(BUILD)/tests/fuzzreplay_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CORE_LIBS)

# Installs the Debian packages the build and tests need (apt-get update once, only when
# something is missing; sudo when not root).
deps:
	@sh deploy/deps.sh

# Builds, starts the private PostgreSQL under var/ and ratchetd on 127.0.0.1:8080.
run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash deploy/run.sh

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-only

# Unit then integration tests with the binaries of $(BUILD); prints a closing count.
test-only:
	@bash tests/run-all.sh $(BUILD)

unit: all
	@bash tests/run-all.sh $(BUILD) unit

integration: all
	@bash tests/run-all.sh $(BUILD) integration

# Unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=address,undefined DEBUG=1 all
	@bash tests/asan.sh build-asan

# Regenerates the committed reference vectors (needs the Python and R packages of make deps).
vectors: deps
	/usr/bin/python3 tests/vectors/make_vectors.py
	Rscript tests/vectors/make_vectors.R

# Benchmarks (not tests): figures and ratios against baselines measured in the same run.
bench: deps
	@$(MAKE) --no-print-directory all
	@bash bench/bench_seal.sh
	@bash bench/bench_metrics.sh
	@bash bench/run-stats.sh
	@bash bench/bench_import_git.sh
	@bash bench/bench_backtest.sh

lint: deps
	@bash tests/lint.sh

# libFuzzer (clang) builds of the fuzz targets in $(FUZZ_BUILD)/; `make fuzz` runs each of
# FUZZ_TARGETS for FUZZ_SECONDS on a copy of its seed corpus and fails on any crash.
FUZZ_BUILD := build-fuzz
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c17 -g -O1 $(FUZZ_SAN) -fno-omit-frame-pointer -D_GNU_SOURCE -pthread \
	$(filter-out -Werror,$(WARN)) -MMD -MP -Icore -Iserver \
	$(shell $(PKG_CONFIG) --cflags $(PKGS_SERVER) 2>/dev/null)
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_SERVER_ALL := $(filter-out server/main.c server/http.c,$(SERVER_SRC)) $(BUILD)/gen/schema.c
FUZZ_ROUTER_OBJ := $(FUZZ_SERVER_ALL:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_QUERY_OBJ := $(FUZZ_BUILD)/obj/server/req.o $(FUZZ_BUILD)/obj/server/query.o
FUZZ_FLAGS_STAMP := $(FUZZ_BUILD)/.flags

$(FUZZ_FLAGS_STAMP): FORCE
	@mkdir -p $(FUZZ_BUILD)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CLANG   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_router: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_router.o $(FUZZ_ROUTER_OBJ) \
		$(FUZZ_CORE_OBJ)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $^ $(FUZZ_SERVER_LIBS)

$(FUZZ_BUILD)/fuzz_query: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_query.o $(FUZZ_QUERY_OBJ) \
		$(FUZZ_CORE_OBJ)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $^ $(CORE_LIBS)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_CORE_OBJ)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $^ $(CORE_LIBS)

# Objects that only pattern rules name: keep them, or make deletes them as intermediates.
.SECONDARY: $(FUZZ_ALL:%=$(BUILD)/obj/tests/fuzz/fuzz_%.o) $(BUILD)/obj/tests/fuzz/replay.o \
	$(FUZZ_ALL:%=$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o)

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Replays the seed corpora and crash regressions with $(BUILD)'s compiler and flags.
fuzz-replay: $(FUZZ_REPLAY_BIN)
	@bash tests/run-all.sh $(BUILD) fuzz

format:
	clang-format -i core/*.[ch] core/stats/*.[ch] server/*.[ch] cli/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] bench/*.c

clean:
	rm -rf build build-asan $(FUZZ_BUILD)

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
