"""Settings for schoolsocial, read from the environment.

Safe local defaults (SQLite, console email, a broker that needs no server) so
`make run` works on a fresh clone; production mode (``DJANGO_ENV=production``)
has no default for any secret and refuses to start without them.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"

# Local state (SQLite file, uploads, the embedded broker's folders) lives here.
VAR_DIR = Path(env.str("SCHOOLSOCIAL_VAR_DIR", default=str(BASE_DIR / "var")))
if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: raises ImproperlyConfigured
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host name(s).")
    # The container health check asks for http://localhost/healthz.
    ALLOWED_HOSTS.append("localhost")
    DEBUG = False
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-not-secret-3c4f7a1e9b2d8c6f0a5e7b3d1c9f2a8e4b6d0c7a"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
    DEBUG = env.bool("DEBUG", default=DJANGO_ENV == "development")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# How many reverse proxies of our own stand in front of the app (the compose
# file's Caddy: 1). Each appends the address it was connected from to
# X-Forwarded-For, so the client is that many entries from the end; anything
# further left was written by the client and proves nothing. 0 (the default)
# ignores the header and uses the socket address. One setting serves the
# audit trail's IP and allauth's per-IP rate limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "schoolsocial",
    "policy",
    "consent",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: static files keep their long cache lifetimes; every
    # response the app renders gets no-store and the Permissions-Policy.
    "schoolsocial.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the view, before SessionMiddleware saves: refresh the expiry once
    # a minute instead of writing the session on every request.
    "schoolsocial.sessions.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A NUL character in any parameter is refused with a plain message
    # (PostgreSQL cannot store one): schoolsocial/inputs.py.
    "schoolsocial.inputs.RejectNulMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # The one access mechanism: resolves the current school and enforces each
    # view's declared rule (see schoolsocial/access.py).
    "schoolsocial.access.AccessMiddleware",
    # After the school is known: the person's language, else the school's.
    "schoolsocial.language.LanguageMiddleware",
]

ROOT_URLCONF = "schoolsocial.urls"
WSGI_APPLICATION = "schoolsocial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "schoolsocial.context_processors.school",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'schoolsocial.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL: each web or worker thread keeps its connection for a while
# instead of opening one per request (checked before reuse, so a restarted
# server costs one failed request nothing). SQLite opens a file: no need.
_persistent = DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600 if _persistent else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = _persistent
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker use the file at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests run against a file too (not SQLite's shared in-memory database,
    # whose table locks fail at once instead of waiting), so a real Celery
    # worker thread and the live server can write beside the test.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="schoolsocial"),
        }
    }
else:
    # Sign-in rate limits need a cache shared by every process; a file cache
    # is, and needs no server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "schoolsocial.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email + password, no public sign-up (staff are invited).
ACCOUNT_ADAPTER = "schoolsocial.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # the invitation link proves the address
ACCOUNT_UNIQUE_EMAIL = True
# One sign-in address per account, changed only by the head or SLT from the
# roster (schoolsocial.services.staff_change_email): from a session left open,
# nobody can add an address of their own and reset the password with it.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_CHANGE_EMAIL = False
# Password reset goes only to a verified address, and says nothing to an
# address that has no account.
ACCOUNT_FORMS = {"reset_password": "schoolsocial.forms.VerifiedAddressResetPasswordForm"}
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Tell the owner of an account by email when its password or two-factor
# sign-in changes (each change is audited too: schoolsocial.adapters).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[schoolsocial] "
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: 10 a minute from one address, 5 per 5 minutes per email.
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="schoolsocial")

# Shared office computers: a session ends after 30 minutes without a request.
# It is saved again (its expiry moved on) at most once a minute, not on every
# request (schoolsocial/sessions.py): it ends 29–30 idle minutes after its
# last request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
# English and Welsh: each person's own choice, else their school's
# (schoolsocial/language.py). The Welsh catalogue is locale/cy/.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Evidence and consent scans never sit under MEDIA_ROOT: they are served only
# through views that check the role and write an audit event.
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
# Private files on local disk (the default) or, with PRIVATE_STORAGE=s3, in a
# private bucket of S3-compatible object storage shared by every machine.
PRIVATE_STORAGE = env.str("PRIVATE_STORAGE", default="local")
if PRIVATE_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("PRIVATE_STORAGE must be local or s3.")
PRIVATE_S3_BUCKET = env.str("PRIVATE_S3_BUCKET", default="")
PRIVATE_S3_ENDPOINT_URL = env.str("PRIVATE_S3_ENDPOINT_URL", default="")
PRIVATE_S3_REGION = env.str("PRIVATE_S3_REGION", default="")
PRIVATE_S3_ACCESS_KEY_ID = env.str("PRIVATE_S3_ACCESS_KEY_ID", default="")
PRIVATE_S3_SECRET_ACCESS_KEY = env.str("PRIVATE_S3_SECRET_ACCESS_KEY", default="")
PRIVATE_S3_PREFIX = env.str("PRIVATE_S3_PREFIX", default="private")
if PRIVATE_STORAGE == "s3" and not PRIVATE_S3_BUCKET:
    raise ImproperlyConfigured("PRIVATE_STORAGE=s3 needs PRIVATE_S3_BUCKET.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="schoolsocial <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds any one step of talking to the mail server may take, so a send
# ends well within the sending task's time limit (schoolsocial.tasks).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# Failed emails are retried after this many seconds, doubling each time.
EMAIL_RETRY_SECONDS = env.float("EMAIL_RETRY_SECONDS", default=30.0)
# Links in emails (invitations) point here.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport,
# which needs no server (the folders are created by `make run`/the worker).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    for folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # The exchange table; kombu's default is ./control, in the working
        # directory (the repository), not with the other broker folders.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# `make run` turns this off so the console email backend prints emails
# straight to the terminal rather than through the worker's log.
CELERY_WORKER_REDIRECT_STDOUTS = env.bool("CELERY_WORKER_REDIRECT_STDOUTS", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

# Read the text of every screenshot with Tesseract OCR after it is stored
# (moderation.services.reading). The tests turn it off except where they
# test it, to keep the suite quick.
OCR_ENABLED = env.bool("OCR_ENABLED", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the app never uses, denied to its pages and anything they
# could embed (schoolsocial.headers). Screenshots are chosen, pasted or dropped
# as files, which needs none of these; two-factor sign-in is an authenticator
# app (TOTP), not a security key, so WebAuthn is denied too.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
FORMS_URLFIELD_ASSUME_HTTPS = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 63072000  # two years
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Health checks come over plain HTTP from inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
