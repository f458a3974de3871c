"""gunicorn settings for the web container (docker/entrypoint.sh web).

The timeout is set on purpose, not left at gunicorn's 30 s default: a request
is never expected to come near it. Recording an incident does only the quick
image work in the request — each screenshot checked by content and stored as
uploaded, a fraction of a second for a 12-megapixel photo (``make bench``) —
and the display copies are made by the Celery worker. Ten such photos and the
save stay well inside 60 s on a slow server; a worker still busy after that is
stuck, and is restarted.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
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
