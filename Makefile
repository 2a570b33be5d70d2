# `make run` and `make test` work on a fresh machine: each creates .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
# Both cores; a file's tests stay on one worker, so each suite's server starts once per worker.
PYTEST_ARGS ?= -n 2 --dist=loadfile

.PHONY: run test lint bench chromium screenshots swagger-ui clean

$(BIN)/ghee: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "ghee needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

run: $(BIN)/ghee
	$(BIN)/ghee migrate
	$(BIN)/ghee demo
	@TOKEN=$$($(BIN)/ghee token create --name "make run" --scopes admin --replace | tail -n 1); \
	PASSWORD=$$($(BIN)/ghee user create --email admin@localhost --admin --reset-password | tail -n 1); \
	echo ""; \
	echo "ghee is starting on http://$(HOST):$(PORT)"; \
	echo "dashboard: http://$(HOST):$(PORT)/  sign in as admin@localhost, password: $$PASSWORD"; \
	echo "admin token: $$TOKEN"; \
	echo "try:  curl -H 'Authorization: Bearer $$TOKEN' http://$(HOST):$(PORT)/v1/projects"; \
	echo ""
	$(BIN)/ghee serve --host $(HOST) --port $(PORT)

# The dashboard's browser tests drive Debian's Chromium (never Playwright's downloads).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
		else echo "the browser tests need Debian's Chromium: sudo apt-get install chromium"; exit 1; fi; \
	fi

test: $(BIN)/ghee chromium
	@start=$$(date +%s); status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s wall"; exit $$status

# Refresh the README's screenshots (docs/screenshots/*.png) from the browser tests.
screenshots: $(BIN)/ghee chromium
	GHEE_SCREENSHOTS=1 $(BIN)/pytest -q tests/dashboard -k "not postgres"

# Refresh /docs's Swagger UI files from npm (the only use of npm: installing and running ghee never need it).
# The version pinned in src/ghee/reference/vendored.json again, or another: make swagger-ui VERSION=5.36.0
swagger-ui:
	$(PYTHON) tools/vendor_swagger_ui.py $(VERSION)

lint: $(BIN)/ghee
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy --strict src

bench: $(BIN)/ghee
	$(BIN)/python bench/builds_list.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
