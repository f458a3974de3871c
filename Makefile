# schoolsocial — the two commands: `make run` and `make test`.
# Each does its own setup: virtual environment, dependencies, migrations.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint format bench worker clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

## Start the app with demo data on the embedded defaults (SQLite, no Redis):
## web server on $(PORT), plus a Celery worker and beat on the filesystem broker.
run: install
	PORT=$(PORT) bash scripts/run-dev.sh

## Lint, check migrations, and run the whole test suite.
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_ENV=test $(VENV)/bin/pytest

## Time the hot paths at realistic sizes (medians, with data sizes).
bench: install
	DJANGO_ENV=test $(PY) scripts/bench.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
