# outreachd — build, test and demo on Debian/Ubuntu with the Swift toolchain.
# Every target installs the system packages it needs when they are missing.

SWIFT        ?= swift
DEMO_DIR     ?= demo
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev pkg-config tzdata
# For the tests: Python runs the loopback SMTP/HTTP servers, openssl makes their test CA, setpriv drops root,
# systemd-analyze checks the unit, PostgreSQL 15 runs throwaway servers for the PostgreSQL store's tests.
TEST_APT_PACKAGES := python3 python3-venv openssl util-linux systemd postgresql
PG_BIN       := /usr/lib/postgresql/15/bin
VENV         := .build-venv
BIN          := .build/debug/outreachd

PREFIX       ?= /usr/local
# The release build (make release, make install and make bench all use it): the Swift runtime and Foundation
# linked in, so a short command such as `preview` does not resolve symbols across a dozen Swift libraries at
# every start (issue 10: preview on the demo 34.3 -> 29.8 ms CPU, 1,974 -> 1,732 page faults). CI builds debug.
RELEASE_FLAGS := -c release --static-swift-stdlib

# make bench (never part of make test): postfix for smtp-sink and smtp-source, nginx and ab (apache2-utils)
# as the delivery benchmarks' references; chevron (rendering's reference) and matplotlib (the chart) in a
# virtual environment of the benchmarks' own, beside the cached stores (.build-bench/, ignored by git).
BENCH_APT_PACKAGES := postfix nginx apache2-utils
BENCH_VENV   := .build-bench/venv
BENCH_PIP    := chevron==0.14.0 matplotlib==3.11.2

# make fuzz (never part of make test): each libFuzzer target of Fuzz/ for FUZZ_SECONDS on a fresh copy of its
# seeds under .build-fuzz/ (ignored by git); libFuzzer and AddressSanitizer come with the Swift toolchain.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := FuzzConfig FuzzTemplates FuzzCSV FuzzHeaders
FUZZ_BUILD   := --package-path Fuzz -c debug -Xswiftc -sanitize=fuzzer,address

.PHONY: all deps test-deps bench-deps build release test bench fuzz soak sanitize demo install uninstall clean

all: build

# Installs the missing Debian packages (apt-get update first: a fresh machine's lists are empty).
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The Python side of the tests: aiosmtpd from PyPI in a virtual environment (ignored by git).
test-deps: deps
	@if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1 || ! command -v systemd-analyze >/dev/null 2>&1 || [ ! -x $(PG_BIN)/initdb ]; then \
	  echo "installing: $(TEST_APT_PACKAGES)"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(TEST_APT_PACKAGES); \
	fi
	@[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c 'import aiosmtpd' >/dev/null 2>&1 || $(VENV)/bin/pip install -q 'aiosmtpd==1.4.6'

# postfix is installed unconfigured ("No configuration") and any daemon a package started is stopped:
# the benchmarks need the tools, not a mail server or a web server listening.
bench-deps: deps
	@missing=""; \
	for p in $(BENCH_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	python3 -c 'import ensurepip' >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  echo "postfix postfix/main_mailer_type select No configuration" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	  if $$SUDO postfix status >/dev/null 2>&1; then $$SUDO postfix stop; fi; \
	  if [ -s /run/nginx.pid ]; then $$SUDO nginx -s quit || true; fi; \
	fi
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c 'import chevron, matplotlib' >/dev/null 2>&1 || $(BENCH_VENV)/bin/pip install -q $(BENCH_PIP)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The benchmark suite (Benchmarks/README.md): writes Benchmarks/RESULTS.md and Benchmarks/results.png.
# Stores are cached in .build-bench/stores; BENCH_ARGS="--only smtp" runs one benchmark.
# It measures the binary `make release` builds, the one `make install` installs.
bench: bench-deps release
	$(BENCH_VENV)/bin/python Benchmarks/bench.py $(BENCH_ARGS)

# Exits 1 naming each crash input (.build-fuzz/TARGET/crashes/); Fuzz/fuzz.sh says how to replay one.
fuzz: deps
	$(SWIFT) build $(FUZZ_BUILD)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh Fuzz/fuzz.sh "$$($(SWIFT) build $(FUZZ_BUILD) --show-bin-path)" .build-fuzz $(FUZZ_TARGETS)

# make soak (never part of make test): the release daemon ticking every second for SOAK_MINUTES over a
# 100,000-customer store, delivering to a loopback sink while customers keep arriving, its memory, open
# files and threads sampled (Tests/Soak/soak.py; they must stay flat); then the crash tests with SOAK_KILLS
# kill -9 each instead of make test's 20.
SOAK_MINUTES ?= 5
SOAK_KILLS   ?= 200
soak: test-deps release
	$(SWIFT) build --build-tests
	SOAK_MINUTES=$(SOAK_MINUTES) $(VENV)/bin/python Tests/Soak/soak.py --bin .build/release/outreachd --work .build-soak
	OUTREACHD_CRASH_KILLS=$(SOAK_KILLS) $(SWIFT) test --skip-build --filter CrashTests

# make sanitize: the whole suite once under AddressSanitizer and once under ThreadSanitizer, each built in
# a folder of its own; the CLI and daemon tests run the sanitized binary (OUTREACHD_BIN).
SANITIZERS ?= address thread
sanitize: test-deps
	@for s in $(SANITIZERS); do \
	  echo "== $$s sanitizer"; \
	  $(SWIFT) build --build-tests --sanitize=$$s --scratch-path .build-$$s || exit 1; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp:print_suppressions=0 OUTREACHD_BIN=$(CURDIR)/.build-$$s/debug/outreachd \
	    $(SWIFT) test --skip-build --sanitize=$$s --scratch-path .build-$$s || exit 1; \
	done

demo: build
	$(BIN) init --demo --replace --dir $(DEMO_DIR)
	$(BIN) check --config $(DEMO_DIR)/outreachd.toml
	$(BIN) preview --config $(DEMO_DIR)/outreachd.toml
	$(BIN) run --once --config $(DEMO_DIR)/outreachd.toml
	$(BIN) status --config $(DEMO_DIR)/outreachd.toml

# Binary to $(PREFIX)/bin, unit to /etc/systemd/system, templates and example config to /etc/outreachd;
# files the operator edited are kept (the new version goes beside them as FILE.new). DESTDIR is honoured.
install: release
	PREFIX=$(PREFIX) BIN=.build/release/outreachd sh systemd/install.sh install

uninstall:
	PREFIX=$(PREFIX) sh systemd/install.sh uninstall

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build .build-fuzz .build-soak .build-address .build-thread $(DEMO_DIR)
