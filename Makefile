# Turath: two set-up commands.
#   make run   install everything, load demo data, serve on http://127.0.0.1:8000 (make run PORT=8001: another port)
#   make test  install everything (incl. PostgreSQL and Chromium) and run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MESSAGES := $(VENV)/.messages
PORT ?= 8000

.PHONY: run test install system-deps test-deps messages demo lint bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) $(MESSAGES)

# Debian packages the project needs: gettext (compiling translations); for tests also the
# PostgreSQL server and Chromium. Installed only when missing, so re-runs are quick.
system-deps:
	@scripts/system-deps.sh gettext

test-deps:
	@scripts/system-deps.sh gettext postgresql chromium fonts-noto-core

# Compiled again only when a .po file changed (a second `make run` starts in seconds).
$(MESSAGES): $(STAMP) $(shell find turath -name '*.po' -path '*/LC_MESSAGES/*' 2>/dev/null)
	@scripts/system-deps.sh gettext
	@$(BIN)/turath compilemessages --ignore '.venv/*' -v 0
	@touch $(MESSAGES)

messages: $(MESSAGES)

# Set-up, demo data, the matching index queued for the background worker (built after the
# server starts; /healthz says how far it has got), logins, and the server: `turath run`.
run: install
	$(BIN)/turath run --host 127.0.0.1 --port $(PORT)

test: $(STAMP) test-deps messages
	scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var test-artifacts
