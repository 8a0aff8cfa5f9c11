# sibao: `make demo` runs the platform on an embedded SQLite database; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/sibao
DEMO_SEED ?= 2022
HOST ?= 127.0.0.1:8000

.PHONY: demo install install-test browser test test-pg test-sqlite test-drills lint check audit audit-latest reqs messages vendor clean

$(BIN)/sibao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(BIN)/sibao

$(VENV)/.test-installed: $(BIN)/sibao
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install-test: $(VENV)/.test-installed

# Browser tests drive Debian's chromium; the CJK font keeps Chinese from rendering as boxes.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then \
		echo "installing chromium and fonts-wqy-microhei"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

demo: install
	$(BIN)/sibao migrate --no-input -v 0
	$(BIN)/sibao seed-demo --seed $(DEMO_SEED)
	@echo "serving on http://$(HOST)/ (Ctrl-C stops the server and the worker)"
	@trap 'kill 0' EXIT; $(BIN)/sibao db_worker >var/worker.log 2>&1 & \
		$(BIN)/sibao runserver --noreload $(HOST)

lint: install-test
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks

check: install-test
	$(BIN)/sibao check --fail-level WARNING
	$(BIN)/sibao makemigrations --check --dry-run

# Known vulnerabilities of the installed packages (PyPI's advisory data; needs the network). --strict:
# a package that cannot be checked fails the target instead of being skipped.
audit: install-test
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

# Where only PyPI's index and project documents are reachable: a package is checked when it is its
# project's newest release (PyPI lists that release's known vulnerabilities). Allowed to stay
# behind, unchecked: Django (the 5.2 LTS series on purpose; 6.x needs Python 3.12), numpy and scipy
# (scikit-learn's; their newest releases need Python 3.12), jsonschema-rs (held by schemathesis,
# tests only).
audit-latest: install-test
	$(BIN)/python scripts/audit_latest.py --allow django --allow numpy --allow scipy \
		--allow jsonschema-rs

# The drills with real processes (crash safety, soak, backup and restore at tier S) run on PostgreSQL
# as a job of their own, after the SQLite run (the shorter one): `make test` keeps two processes.
DRILLS := tests/test_sec_crash_safety.py tests/test_sec_soak.py tests/test_sec_restore_tier_s.py

test-pg: install-test browser
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider $(addprefix --ignore=,$(DRILLS)) \
		--reqs-report var/reqs-postgresql.json

test-drills: install-test test-sqlite
	DATABASE_URL=$(PG_URL)_drills $(BIN)/pytest -q -p no:cacheprovider $(DRILLS) \
		--reqs-report var/reqs-postgresql-drills.json --reqs-of-run

test-sqlite: install-test browser
	DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -q -p no:cacheprovider --reqs-report var/reqs-sqlite.json

# The two databases' runs share the machine's two cores: one process each, output kept apart; the
# drills start when the first of them ends.
test: lint check browser
	$(MAKE) --no-print-directory -j2 --output-sync=target test-pg test-sqlite test-drills

reqs: install-test browser
	DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -q -p no:cacheprovider --reqs-report var/reqs.json

messages: install
	cd src/sibao && ../../$(BIN)/sibao makemessages -l en --no-obsolete && ../../$(BIN)/sibao compilemessages -l en

vendor:
	$(PYTHON) scripts/vendor_assets.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/reqs*.json
