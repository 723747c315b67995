# 先锋 Xianfeng — the two commands of the README:
#   make run    set everything up (venv, pinned packages, local assets, SQLite, demo data) and serve
#   make test   lint, migration check and the whole test suite (browser test included)
# Other targets: make test-postgres (suite on a throwaway PostgreSQL database), make prod-smoke, make worker,
# make bench, make bench-web, make bench-worklist, make bench-stats, make bench-soak, make bench-upgrade.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := DEBUG=$${DEBUG-1} $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432

.PHONY: run setup deps assets migrate demo worker test test-postgres prod-smoke lint system-deps bench bench-web bench-worklist bench-stats bench-soak bench-upgrade clean

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installed

assets: node_modules/.installed
	$(PY) scripts/vendor_assets.py

setup: deps assets
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) seed_demo

run: setup
	@echo "先锋 Xianfeng: http://127.0.0.1:8000  (Ctrl+C to stop)"
	@$(MANAGE) schedule_reminders
	@$(MANAGE) schedule_retention
	@trap 'kill 0' EXIT; $(MANAGE) db_worker --queue-name '*' >var/worker.log 2>&1 & $(MANAGE) runserver 127.0.0.1:8000

worker: deps
	$(MANAGE) db_worker --queue-name '*'

system-deps:
	@bash scripts/ensure_system_deps.sh

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/lint_scoped_queries.py
	$(PY) scripts/lint_migrations.py
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# The suite in two processes (CI has 2 cores), then the real-browser tests on their own (one
# chromium at a time): the whole .ci/run stays well under 30 minutes.
PYTEST_WORKERS ?= 2
test: deps assets system-deps lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not browser"
	$(VENV)/bin/pytest -m browser
	$(PY) scripts/prod_smoke.py

# The README's production steps for real: collectstatic, gunicorn with DEBUG off and generated
# keys, sign in, open each main page and API list (scripts/prod_smoke.py; part of make test).
prod-smoke: deps assets
	$(PY) scripts/prod_smoke.py

test-postgres: deps assets system-deps
	@db=xianfeng_test_$$$$; \
	 psql "$(PG_URL)/postgres" -qc "CREATE DATABASE $$db" && \
	 trap 'for d in $$db test_$$db test_$${db}_gw0 test_$${db}_gw1 test_$${db}_gw2 test_$${db}_gw3; do PGOPTIONS=--client-min-messages=warning psql "$(PG_URL)/postgres" -qc "DROP DATABASE IF EXISTS $$d WITH (FORCE)"; done' EXIT; \
	 DATABASE_URL="$(PG_URL)/$$db" $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not browser" && \
	 DATABASE_URL="$(PG_URL)/$$db" $(VENV)/bin/pytest -m browser

bench: deps
	$(PIP) install --quiet -r bench/requirements.txt
	$(PY) bench/import_bench.py --rows 100000

# Web bench (DESIGN.md §6): gunicorn 2 workers on a throwaway PostgreSQL database, 32 locust users
# per list page and API list, printed against a bare Django JSON view (bench/web_bench.py).
bench-web: deps assets
	$(PIP) install --quiet -r bench/requirements.txt
	$(PY) bench/web_bench.py --pg $(PG_URL)

# Worklist bench (DESIGN.md §6): 1 000 000 enrollments on a throwaway PostgreSQL database, one township's
# due and overdue lists and tab counts (bench/worklist_bench.py).
bench-worklist: deps
	$(PY) bench/worklist_bench.py --pg $(PG_URL) --results bench/RESULTS-worklist.md

# Stats bench (DESIGN.md §6, issue 11 §7): 10 000 000 service records over ~100 counties and 3 years on a
# throwaway PostgreSQL database; our figures against DuckDB and a plain GROUP BY (bench/stats_bench.py).
bench-stats: deps
	$(PIP) install --quiet -r bench/requirements.txt
	$(PY) bench/stats_bench.py --pg $(PG_URL) --records $${RECORDS:-10000000}

# Soak bench (issue 15 §3): gunicorn + db_worker on a throwaway PostgreSQL database, a mixed morning workload
# at 32 clients for 10 minutes; errors, p99 and each worker's memory from minute 2 to 10 (bench/soak_bench.py).
bench-soak: deps assets
	$(PIP) install --quiet -r bench/requirements.txt
	$(PY) bench/soak_bench.py --pg $(PG_URL) --minutes $${MINUTES:-10}

# Upgrade bench (issue 15 §5): the previous release's schema with 10 000 000 service records, then this
# release's migrations one by one while a writer measures how long it waits (bench/upgrade_bench.py).
bench-upgrade: deps
	$(PY) bench/upgrade_bench.py --pg $(PG_URL) --records $${RECORDS:-10000000}

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var
