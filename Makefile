# Entry points for a newcomer: make run, make test, make lint, make bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup browser run test test-sqlite test-postgres lint format bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian's chromium for the browser tests (Playwright cannot download its own here).
browser:
	@if ! command -v chromium >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

run: setup
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py prepare_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup browser lint test-sqlite test-postgres

test-sqlite: setup
	@echo "== test suite on SQLite =="
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test-postgres: setup
	@echo "== test suite on PostgreSQL =="
	SKIP_IF_NO_POSTGRES=1 bin/with-postgres $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

bench: setup
	DEBUG=1 $(PY) manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles test-artifacts
