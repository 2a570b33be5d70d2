# `make run` and `make test` work on a fresh machine: each creates .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint bench clean

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

test: $(BIN)/ghee
	$(BIN)/pytest

lint: $(BIN)/ghee
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src

bench: $(BIN)/ghee
	$(BIN)/python bench/builds_list.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
