# outreachd — build, test and demo on Debian/Ubuntu with the Swift toolchain.
# Every target installs the system packages it needs when they are missing.

SWIFT        ?= swift
DEMO_DIR     ?= demo
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev pkg-config tzdata
BIN          := .build/debug/outreachd

.PHONY: all deps build release test demo clean

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

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: build
	$(BIN) init --demo --dir $(DEMO_DIR)
	$(BIN) check --config $(DEMO_DIR)/outreachd.toml
	$(BIN) preview --config $(DEMO_DIR)/outreachd.toml
	$(BIN) forecast --config $(DEMO_DIR)/outreachd.toml --days 7

clean:
	rm -rf .build $(DEMO_DIR)
