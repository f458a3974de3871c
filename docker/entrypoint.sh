#!/usr/bin/env bash
# One image, three roles: web (migrates, then gunicorn), worker, beat.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p "${SCHOOLSOCIAL_VAR_DIR:-/tmp}"
role=${1:-web}
shift || true
case "$role" in
  web)
    python manage.py migrate --noinput
    # gunicorn trusts no forwarder's X-Forwarded-* (only its own host); the
    # app reads the client's address itself, as far as TRUSTED_PROXY_COUNT
    # says, and gunicorn is reachable only from the proxy.
    exec gunicorn schoolsocial.wsgi:application \
      --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" \
      --access-logfile - \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" "$@"
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
  *)
    exec "$role" "$@"
    ;;
esac
