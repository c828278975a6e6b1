# `make demo` and `make test` are all a newcomer needs; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-postgres test-fast system-packages lint serve worker clean

install: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv sync --locked
	@touch $@

# The tests need a few Debian packages; install them when they are missing: Chromium for the
# browser tests, with the Noto fonts that give it Chinese, Persian and Latin glyphs
# (screenshots in every language), GNU gettext, which the catalogue test uses to check every
# translation is complete, Dovecot, the real IMAP server the mailbox tests read from, and a Java
# runtime, which Spark needs (the analytics metrics are tested on Spark in local mode too).
SYSTEM_PACKAGES := chromium fonts-noto-cjk fonts-noto-core gettext dovecot-imapd openjdk-17-jre-headless
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = "0" ]; then \
	      echo "Installing Debian's $$missing for the tests..."; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "missing for the tests: sudo apt-get install $$missing"; exit 1; fi; \
	  fi

test: install system-packages
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not browser"

test-postgres: install system-packages
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench

demo: install
	DEBUG=1 $(BIN)/cxloop migrate --no-input -v0
	DEBUG=1 $(BIN)/cxloop demo setup
	@echo "Starting cxloop on http://127.0.0.1:8000 (Ctrl-C stops the web server and the worker)"
	@DEBUG=1 $(BIN)/cxloop worker & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  DEBUG=1 $(BIN)/cxloop serve --asgi --host 127.0.0.1 --port 8000

clean:
	rm -rf $(VENV) var
