#!/usr/bin/env bash
# `make run`: migrate, seed the demo school, then run the web server with a
# Celery worker and beat on kombu's filesystem broker (no Redis needed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://localhost:$PORT}
VAR=${SCHOOLSOCIAL_VAR_DIR:-var}

mkdir -p "$VAR/celery/queue" "$VAR/celery/processed" "$VAR/cache" "$VAR/media" "$VAR/private"
$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Worker and beat in one process; emails (console backend) print here.
CELERY_WORKER_REDIRECT_STDOUTS=false .venv/bin/celery -A schoolsocial worker -B \
  --loglevel=WARNING --concurrency=1 --schedule "$VAR/celerybeat-schedule" &
pids+=($!)

cat <<MSG

  schoolsocial is running: http://localhost:${PORT}/

  Sign in as any of these (password: ${DEMO_PASSWORD:-schoolsocial-demo}):
    head@demo.school     headteacher
    slt@demo.school      senior leadership
    admin@demo.school    page administrator
    office@demo.school   office

  Emails (invitations, reminders, escalations) are printed below by the worker.
  Reminders due now:  .venv/bin/python manage.py send_reminders --dry-run
  Stop with Ctrl+C.

MSG

$PY manage.py runserver "0.0.0.0:${PORT}" --noreload &
pids+=($!)
wait -n "${pids[@]}"
