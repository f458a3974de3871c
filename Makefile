# schoolsocial — the two commands: `make run` and `make test`.
# Each does its own setup: virtual environment, dependencies, migrations.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed

.PHONY: run test install system lint format bench loadtest worker clean backup restore messages compilemessages

# Debian packages the app needs outside Python: Tesseract OCR with English
# and Welsh (reading screenshots) and the DejaVu fonts (the OCR tests'
# generated screenshots). Chromium is for the browser tests.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym fonts-dejavu-core chromium

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)
	@command -v tesseract >/dev/null || echo "Note: Tesseract OCR is not installed; screenshots will not be read and the OCR tests skip. Run 'make system'."

install: $(INSTALLED)

## Install the Debian packages above (apt-get; as root or with sudo).
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "System packages already installed."; fi

## Start the app with demo data on the embedded defaults (SQLite, no Redis):
## web server on $(PORT), plus a Celery worker and beat on the filesystem broker.
run: install compilemessages
	PORT=$(PORT) bash scripts/run-dev.sh

# The Welsh catalogue (locale/cy/LC_MESSAGES/django.po) compiled for Django;
# needs GNU gettext's msgfmt (apt-get install gettext).
MESSAGE_OPTS := -i .venv -i var -i staticfiles -i build
compilemessages: install
	DJANGO_ENV=test $(PY) manage.py compilemessages -l cy $(MESSAGE_OPTS) -v0

## After marking new strings: add them to the Welsh catalogue (translate
## them there; tests/i18n checks nothing is left untranslated).
messages: install
	DJANGO_ENV=test $(PY) manage.py makemessages -l cy --no-location --no-wrap $(MESSAGE_OPTS) -i tests -i docs -i scripts -v0

## Lint, check migrations, and run the whole test suite.
test: install compilemessages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_ENV=test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_ENV=test $(VENV)/bin/pytest

## Time the hot paths at realistic sizes (medians, with data sizes).
bench: install
	DJANGO_ENV=test $(PY) scripts/bench.py $(BENCH_ARGS)

## gunicorn on PostgreSQL (DATABASE_URL required) under a bounded load of
## signed-in users on 127.0.0.1: requests/s, p50/p95/p99 and errors.
loadtest: install
	DJANGO_ENV=test $(PY) scripts/loadtest.py

## Back up the database and the private files together (BACKUP_DIR, default
## var/backups): pg_dump or SQLite's backup API, the files tarred beside it,
## and a manifest of SHA-256s.
BACKUP_DIR ?= var/backups
backup: install
	$(PY) manage.py backup "$(BACKUP_DIR)"

## Restore one: make restore BACKUP=var/backups/schoolsocial-backup-…
## (checks every SHA-256 first; add REPLACE=1 to write over existing files).
restore: install
	@test -n "$(BACKUP)" || { echo "Usage: make restore BACKUP=<backup folder> [REPLACE=1]"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(if $(REPLACE),--replace,)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
