"""gunicorn settings for the web container (docker/entrypoint.sh web).

The timeout is set on purpose, not left at gunicorn's 30 s default: a request
is never expected to come near it. Recording an incident does only the quick
image work in the request — each screenshot checked by content and stored as
uploaded, a fraction of a second for a 12-megapixel photo (``make bench``) —
and the display copies are made by the Celery worker. Ten such photos and the
save stay well inside 60 s on a slow server; a worker still busy after that is
stuck, and is restarted.

Workers and threads: a page spends much of its time waiting for PostgreSQL,
so each worker process runs threads (``gthread``) while the processes use
the cores. The default is one process per core (at least two, so a restart
never leaves nobody serving) and 4 threads each: on a 2-core machine, 2 × 4
requests at once. Each thread keeps its own database connection
(``CONN_MAX_AGE``): workers × threads × web containers must stay under
PostgreSQL's ``max_connections`` (100 by default) with room for the Celery
workers. ``make loadtest`` measures a setting against the mixed pages.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, os.cpu_count() or 1))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a worker may spend on one request before it is killed and restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On a restart or deploy, requests in progress get this long to finish.
graceful_timeout = 30
# Restart each worker now and then, so memory a large upload left behind
# is given back to the system.
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
# Trust no forwarder but our own host: the app reads the client address itself,
# as far as TRUSTED_PROXY_COUNT says (README, Security › Proxies).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
