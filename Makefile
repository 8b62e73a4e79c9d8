# postern — GNU make build.  `make` builds everything into $(BUILD)/.
# Sources are found by wildcard: a new src/lib/foo.c needs no edit here.
#   make                 build postern, posternd and the unit tests
#   make check           unit + integration tests (integration needs root)
#   make unit            unit tests only
#   make sanitize        unit + integration tests under ASan+UBSan (build-asan/)
#   make fuzz            build the libFuzzer targets and run each briefly (clang)
#   make bench           benchmarks (print their figures; never pass/fail on time)
#   make demo            the network-namespace demo (root)
#   make install         install binaries, man pages, systemd unit

BUILD    ?= build
CC       ?= cc
PKGS     := libpcap libsodium libnftables libnftnl libmnl sqlite3 inih libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes
# CFLAGS/LDFLAGS are the user's (optimisation, debug); ALL_CFLAGS adds what
# postern always needs, so `make CFLAGS=-O1` cannot drop -Werror or includes.
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fno-strict-aliasing $(WARN) $(PKG_CFLAGS) \
            -Isrc/lib -Isrc/daemon -Isrc/client $(SAN) $(CFLAGS)
ALL_LDFLAGS := $(SAN) $(LDFLAGS)
LDLIBS   += $(PKG_LIBS) -lm

PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man

LIB_SRC    := $(wildcard src/lib/*.c)
DAEMON_SRC := $(filter-out src/daemon/posternd.c,$(wildcard src/daemon/*.c))
CLIENT_SRC := $(filter-out src/client/postern.c,$(wildcard src/client/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
BENCH_SRC  := $(wildcard bench/*.c)

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIBPOSTERN := $(BUILD)/libpostern.a
LIBDAEMON  := $(BUILD)/libposternd.a
LIBCLIENT  := $(BUILD)/libpostern-client.a

.PHONY: all unit integration check test sanitize fuzz bench demo install clean deps
all: $(BUILD)/postern $(BUILD)/posternd $(UNIT_BIN) $(BENCH_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBPOSTERN): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBDAEMON): $(DAEMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^ $(if $^,,) 
$(LIBCLIENT): $(CLIENT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/posternd: $(BUILD)/src/daemon/posternd.o $(LIBDAEMON) $(LIBPOSTERN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/postern: $(BUILD)/src/client/postern.o $(LIBCLIENT) $(LIBDAEMON) $(LIBPOSTERN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBCLIENT) $(LIBDAEMON) $(LIBPOSTERN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs cmocka)
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBDAEMON) $(LIBPOSTERN)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BIN)
	@tests/unit/run.sh $(BUILD)

integration: $(BUILD)/postern $(BUILD)/posternd
	@tests/integration/run.sh $(BUILD)

check test: all
	@tests/run-all.sh $(BUILD)

sanitize:
	$(MAKE) BUILD=build-asan CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

fuzz:
	@tests/fuzz/run.sh

bench: all
	@bench/run.sh $(BUILD)

demo: $(BUILD)/postern $(BUILD)/posternd
	@demo/demo.sh $(BUILD)

deps:
	@scripts/install-deps.sh

install: $(BUILD)/postern $(BUILD)/posternd
	install -D -m 0755 $(BUILD)/posternd $(DESTDIR)$(SBINDIR)/posternd
	install -D -m 0755 $(BUILD)/postern $(DESTDIR)$(BINDIR)/postern
	for m in man/*.[0-9]; do s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	install -D -m 0644 dist/posternd.service $(DESTDIR)/lib/systemd/system/posternd.service
	install -D -m 0644 etc/postern.conf $(DESTDIR)/etc/postern/postern.conf.example

clean:
	rm -rf build build-* 

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
