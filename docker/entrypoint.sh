#!/usr/bin/env bash
# One image, three roles: web (migrates as the owner, then gunicorn), worker, beat.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p "${SCHOOLSOCIAL_VAR_DIR:-/tmp}"
role=${1:-web}
shift || true
case "$role" in
  web)
    # Migrations run as the database owner; the app itself does not.
    DATABASE_URL="${DATABASE_MIGRATE_URL:-$DATABASE_URL}" python manage.py migrate --noinput
    # Bind, workers and the request timeout (60 s, GUNICORN_TIMEOUT) are in
    # docker/gunicorn.conf.py, with the reasons. gunicorn trusts no
    # forwarder's X-Forwarded-* but its own host's; the app reads the client's
    # address itself, as far as TRUSTED_PROXY_COUNT says, and gunicorn is
    # reachable only from the proxy.
    exec gunicorn schoolsocial.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    exec celery -A schoolsocial worker --loglevel=INFO --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    exec celery -A schoolsocial beat --loglevel=INFO \
      --schedule "${SCHOOLSOCIAL_VAR_DIR:-/tmp}/celerybeat-schedule" "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  migrate|backup|restore)
    # As the database owner: the app's own role may not restore tables.
    if [ "$role" = migrate ]; then set -- --noinput "$@"; fi
    DATABASE_URL="${DATABASE_MIGRATE_URL:-$DATABASE_URL}" exec python manage.py "$role" "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
