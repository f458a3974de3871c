FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Tesseract OCR with English and Welsh reads the text of screenshot evidence.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN useradd --create-home --uid 1000 schoolsocial

# pg_dump/pg_restore for `backup` and `restore`, the same major version as the
# compose file's PostgreSQL 16 (Debian's own client is 15, which refuses a 16
# server), from the PostgreSQL project's apt repository.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt $(. /etc/os-release && echo "$VERSION_CODENAME")-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-16 gettext \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY schoolsocial/__init__.py schoolsocial/__init__.py
RUN pip install --upgrade pip && pip install .  # dependencies only change with pyproject.toml

COPY . .
RUN pip install --no-deps . \
 && DJANGO_ENV=production SECRET_KEY=build-only-not-used ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput -v0 \
 && DJANGO_ENV=production SECRET_KEY=build-only-not-used ALLOWED_HOSTS=build \
    python manage.py compilemessages -l cy -i staticfiles -v0 \
 && mkdir -p /data && chown schoolsocial /data

USER schoolsocial
ENV DJANGO_ENV=production \
    SCHOOLSOCIAL_VAR_DIR=/data \
    PORT=8000
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
