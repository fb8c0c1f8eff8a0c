# ratchet — one GNU Makefile for core (libratchet.a), server (ratchetd), cli (ratchet) and tests.
# Knobs: SANITIZE=address,undefined  DEBUG=1  V=1  BUILD=dir

BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

PKGS_CORE := libcjson
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

CORE_SRC := $(sort $(wildcard core/*.c))
SERVER_SRC := $(sort $(wildcard server/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schema.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIB := $(BUILD)/libratchet.a
RATCHETD := $(BUILD)/ratchetd
RATCHET := $(BUILD)/ratchet
FLAGS_STAMP := $(BUILD)/.flags

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps run test test-only unit integration asan lint clean format FORCE

all: $(LIB) $(RATCHETD) $(RATCHET) $(UNIT_BIN)

# Rebuild everything when the flags change.
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(BASE_CFLAGS) $(LDFLAGS_ALL)' | cmp -s - $@ || echo '$(BASE_CFLAGS) $(LDFLAGS_ALL)' > $@

$(BUILD)/obj/core/%.o: core/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

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

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(TEST_LIBS)

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

lint: deps
	@bash tests/lint.sh

format:
	clang-format -i core/*.[ch] server/*.[ch] cli/*.[ch] tests/unit/*.c

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
