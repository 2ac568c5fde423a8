# outreach - build, test, install.
#
#   make            build ./outreach
#   make demo       install missing Debian packages, build, run the sample STEM-network job
#   make check      install test packages, build with sanitizers, run every test
#   make fuzz       long libFuzzer runs of every parser of outside input
#   make install    PREFIX=/usr/local DESTDIR=

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
CC        ?= cc
PKGS      := libcurl sqlite3 libcmark-gfm libcrypto libssl inih yaml-0.1 libical libidn2 \
             libmicrohttpd
# pkg-config runs once, when a build first needs it (not for `make deps`, which
# installs what it would look for); build/pkgs.ok stops the build with its error.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
# Debian ships no libcmark-gfm-extensions.pc (libcmark-gfm.pc names it too): named here.
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(PKGS)) -lcmark-gfm-extensions -letpan \
             -lpthread -lm -lresolv)$(PKG_LIBS)
WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral
CFLAGS    ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CPPFLAGS) $(CFLAGS) -D_POSIX_C_SOURCE=200809L -DOUTREACH_VERSION='"$(VERSION)"' \
             -DOUTREACH_DATADIR='"$(PREFIX)/share/outreach"' $(PKG_CFLAGS) -MMD -MP
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS      := $(wildcard src/*.c)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
OBJS      := $(SRCS:src/%.c=build/rel/%.o)
SAN_OBJS  := $(SRCS:src/%.c=build/san/%.o)
SAN_LIB   := $(LIB_SRCS:src/%.c=build/san/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/san/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB  := $(LIB_SRCS:src/%.c=build/fuzz/%.o)
REL_LIB   := $(LIB_SRCS:src/%.c=build/rel/%.o)
TOOLS     := $(if $(wildcard tests/tools/bounce_corpus.c),build/san/bounce_corpus) \
             build/san/ical_apply

.SECONDARY:

.PHONY: all deps test-deps demo check unit fuzz fuzz-build install uninstall clean checksrc man

all: outreach

# The manual pages are printed by the binary from the tables they document.
MANPAGES := build/man/outreach.1 build/man/outreach.conf.5
man: $(MANPAGES)

build/man/outreach.1: outreach
	@mkdir -p build/man
	./outreach help --man > $@.tmp && mv $@.tmp $@

build/man/outreach.conf.5: outreach
	@mkdir -p build/man
	./outreach config man > $@.tmp && mv $@.tmp $@

outreach: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

build/rel/%.o: src/%.c | build/rel
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The tests' build alone reads a fake clock (OUTREACH_NOW, see src/util.c).
build/san/%.o: src/%.c | build/san
	$(CC) $(ALL_CFLAGS) $(SAN) -DOUTREACH_TEST_CLOCK -O1 -c -o $@ $<

build/san/outreach: $(SAN_OBJS)
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(SAN_OBJS) $(PKG_LIBS)

build/san/test_%: tests/unit/test_%.c $(SAN_LIB) | build/san
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -Isrc $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< \
		$(SAN_LIB) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

build/san/bounce_corpus: tests/tools/bounce_corpus.c $(SAN_LIB) | build/san
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 -Isrc $(LDFLAGS) -o $@ $< $(SAN_LIB) $(PKG_LIBS)

build/san/ical_apply: tests/tools/ical_apply.c | build/san
	$(CC) $(ALL_CFLAGS) $(SAN) -O1 $(LDFLAGS) -o $@ $< $(PKG_LIBS)

build/bench/curl_bare: bench/curl_bare.c | build/bench
	$(CC) $(WARN) $(CPPFLAGS) -D_POSIX_C_SOURCE=200809L -O2 $(LDFLAGS) -o $@ $< \
		$(shell pkg-config --libs libcurl)

build/bench/compose_bench: bench/compose_bench.c $(REL_LIB) | build/bench
	$(CC) $(ALL_CFLAGS) -Isrc $(LDFLAGS) -o $@ $< $(REL_LIB) $(PKG_LIBS)

build/fuzz/%.o: src/%.c | build/fuzz
	clang $(WARN) $(CPPFLAGS) -O1 -g -D_POSIX_C_SOURCE=200809L -DOUTREACH_VERSION='"$(VERSION)"' \
		-DOUTREACH_DATADIR='"$(PREFIX)/share/outreach"' $(PKG_CFLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) | build/fuzz
	clang $(WARN) $(CPPFLAGS) -O1 -g -D_POSIX_C_SOURCE=200809L -Isrc $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined $(LDFLAGS) -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

build/rel build/san build/fuzz build/bench: build/pkgs.ok
	mkdir -p $@

# A missing library is named here, once, instead of as a cascade of compiler errors.
build/pkgs.ok: Makefile
	@mkdir -p build
	@pkg-config --print-errors --exists $(PKGS) || { \
		echo "outreach: libraries missing (see above): run 'make deps' as root" >&2; exit 1; }
	@touch $@

# Debian packages: the build set for `make`/`make demo`, the test set for `make check`.
deps:
	@sh .ci/ensure-packages build

test-deps:
	@sh .ci/ensure-packages test

demo: deps
	$(MAKE) outreach
	sh etc/demo/run-demo.sh

checksrc:
	@sh tests/checksrc.sh

unit: $(UNIT_BINS)

fuzz-build: $(FUZZ_BINS)

check: test-deps tests/browser/node_modules/.installed
	$(MAKE) outreach build/san/outreach $(UNIT_BINS) $(FUZZ_BINS) $(TOOLS) man
	bash tests/run

# The browser tests' npm packages, exactly as the lock file pins them.
tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

fuzz: test-deps
	$(MAKE) $(FUZZ_BINS)
	sh tests/fuzz/run-fuzzers.sh 600

install: outreach $(MANPAGES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/outreach/templates/web \
		$(DESTDIR)$(PREFIX)/share/doc/outreach $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 outreach $(DESTDIR)$(PREFIX)/bin/outreach
	install -m 0644 templates/*.html templates/*.txt $(DESTDIR)$(PREFIX)/share/outreach/templates/
	install -m 0644 templates/web/*.html $(DESTDIR)$(PREFIX)/share/outreach/templates/web/
	install -m 0644 etc/outreach.conf.example README.md $(DESTDIR)$(PREFIX)/share/doc/outreach/
	install -m 0644 build/man/outreach.1 $(DESTDIR)$(PREFIX)/share/man/man1/outreach.1
	install -m 0644 build/man/outreach.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/outreach.conf.5

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/outreach
	rm -rf $(DESTDIR)$(PREFIX)/share/outreach $(DESTDIR)$(PREFIX)/share/doc/outreach
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/outreach.1 \
		$(DESTDIR)$(PREFIX)/share/man/man5/outreach.conf.5

clean:
	rm -rf build outreach

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(FUZZ_LIB:.o=.d)
