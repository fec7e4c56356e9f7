# Qudao: `make run` serves the demo, `make test` runs the whole suite on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
DOMAINS := portal partners orders performance training service

.PHONY: run test test-quick lint typecheck fmt bench install install-dev system-deps translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d portal/translations --statistics

## Refresh the catalogs after changing user-facing strings, then translate the new entries.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output \
		--project=qudao -o portal/translations/messages.pot $(DOMAINS)
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete -w 120
	$(BIN)/python scripts/mirror_en_catalog.py

# `flask regions load` each time: new regions and corrected names reach an existing database too.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask regions load
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask seed demo
	HOST=$(HOST) PORT=$(PORT) bash scripts/serve.sh

## Benchmarks (docs/benchmarks.md): the 1,000,000-line sales import against a raw executemany; scorecards,
## evaluation and PDF on 2,000 partners and 1,000,000 lines; the case queue and survey results on 100,000 cases and
## 200,000 responses; each on SQLite and on a throwaway PostgreSQL.
bench: system-deps install
	bash scripts/bench-all.sh

system-deps:
	bash scripts/system-deps.sh

## Lint and format first (ruff, configured in pyproject.toml): a failure there stops the run before the suite.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Types (mypy, configured in pyproject.toml): strict on portal, untyped function bodies checked everywhere.
typecheck: install-dev
	$(BIN)/mypy $(DOMAINS) worker.py wsgi.py

test: system-deps install-dev lint typecheck
	bash scripts/test-all.sh

## The inner loop: SQLite only, no browser (the crawl and journeys run in `make test`).
test-quick: install-dev
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q -x -m "not browser"

## Fix what `make lint` finds that ruff can fix, and the format.
fmt: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info test-artifacts
