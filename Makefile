# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint install dev translations messages migration clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -f -d market/translations

# Extract the French source strings and merge them into the English catalogue.
messages: dev
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o market/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -N -i market/translations/messages.pot -d market/translations -l en

# make run is for trying Intercoop on this machine: it chooses the development environment
# (a published secret key, cookies over plain HTTP) unless INTERCOOP_ENV is already set.
run: export INTERCOOP_ENV ?= development
run: install translations
	@if [ "$$INTERCOOP_ENV" = development ]; then echo "make run: INTERCOOP_ENV=development -- the development secret key, cookies over plain HTTP; to deploy, set SECRET_KEY and leave INTERCOOP_ENV unset (production)."; fi
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py --access-logfile - wsgi:app

test: dev translations
	$(BIN)/python -m pytest -q -n auto --dist worksteal

lint: dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Regenerate the initial migration from the models (only while it has not been released).
migration: dev
	rm -f migrations/versions/*.py /tmp/intercoop-migration.sqlite
	DATABASE_URL=sqlite:////tmp/intercoop-migration.sqlite $(FLASK) db migrate -m initial --rev-id 0001
	$(BIN)/ruff check --fix -q migrations || true

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
