# Entry points for a newcomer: make run, make test, make lint, make bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup browser run test test-sqlite test-postgres lint format bench clean npm-setup lint-js test-js

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

# A local .env when there is none: DEBUG=1 and a generated development SECRET_KEY,
# so `.venv/bin/python manage.py ...` works outside make too (cookiecutter-django's
# local .env). Production sets its own environment; without a key it refuses to start.
.env:
	@printf '# Written by make run for local development only.\nDEBUG=1\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env for local development (DEBUG=1, a generated SECRET_KEY)"

run: setup .env
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py prepare_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

lint: setup lint-js
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

# The dashboard's JavaScript: biome (pinned in package.json, package-lock.json) and
# node's own test runner on the pure modules; needs Node 20+ and npm.
npm-setup: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint-js: npm-setup
	npx --no-install biome check

test-js: npm-setup
	node --test ecomanalytics/dashboard/tests/js/

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup browser lint test-js test-sqlite test-postgres

test-sqlite: setup
	@echo "== test suite on SQLite =="
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

# WITH_STANDBY: a streaming standby beside the primary, for the replica tests.
test-postgres: setup
	@echo "== test suite on PostgreSQL =="
	SKIP_IF_NO_POSTGRES=1 WITH_STANDBY=1 bin/with-postgres $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

bench: setup
	DEBUG=1 $(PY) manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules db.sqlite3* staticfiles test-artifacts
