"""Shared fixtures: one persona per role at one school, and an outsider at
another (healthchecks' alice/bob/charlie)."""

import os

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import (
    PASSWORD,
    ChannelAuthorisationFactory,
    ChannelFactory,
    SchoolFactory,
    StaffMemberFactory,
)

# Property-based tests (tests/test_no_server_errors.py): a handful of examples
# per property keeps `make test` quick; HYPOTHESIS_PROFILE=thorough tries many
# more, HYPOTHESIS_PROFILE=once one (a smoke run). No example database is
# written into the work tree.
_hypothesis = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
hypothesis_settings.register_profile("quick", max_examples=6, **_hypothesis)
hypothesis_settings.register_profile("thorough", max_examples=300, **_hypothesis)
hypothesis_settings.register_profile("once", max_examples=1, **_hypothesis)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # OCR of screenshots is slow for the many tests that only need a
    # screenshot stored; tests of it use the ``ocr`` fixture below.
    settings.OCR_ENABLED = False
    # Each test's database starts afresh (and may reuse a school's id): no
    # name matcher kept from an earlier test.
    from consent.screening import forget_matchers

    forget_matchers()
    if not settings.REDIS_URL:
        # Each test run its own cache (a file cache is shared by concurrent runs).
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from schoolsocial.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    # Rate-limit counters live in the cache; each test starts clean.
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture
def ocr(settings):
    """Screenshots are read with the real Tesseract. Skipped where it is not
    installed, but in CI (CI=true) a missing Tesseract fails the test, like
    a missing Chromium (tests/browser/conftest.py)."""
    from moderation import ocr as engine

    if not engine.available():
        message = (
            "Tesseract OCR is not installed "
            "(apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    settings.OCR_ENABLED = True
    return engine


def _clear_cache():
    """Empty the app's cache without flushing the whole Redis database, which
    the Celery broker shares."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture
def school(db):
    return SchoolFactory(name="Example Primary", slug="example")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="Other Primary", slug="other")


@pytest.fixture
def head(school):
    return StaffMemberFactory(school=school, is_head=True, user__email="head@example.org")


@pytest.fixture
def slt(school):
    return StaffMemberFactory(school=school, is_slt=True, user__email="slt@example.org")


@pytest.fixture
def admin(school):
    return StaffMemberFactory(school=school, is_admin=True, user__email="admin@example.org")


@pytest.fixture
def office(school):
    return StaffMemberFactory(school=school, is_office=True, user__email="office@example.org")


@pytest.fixture
def outsider(other_school):
    """Head and admin of another school: sees nothing of ``school``."""
    return StaffMemberFactory(
        school=other_school,
        is_head=True,
        is_slt=True,
        is_admin=True,
        is_office=True,
        user__email="outsider@example.org",
    )


@pytest.fixture
def personas(head, slt, admin, office, outsider):
    return {"head": head, "slt": slt, "admin": admin, "office": office, "outsider": outsider}


@pytest.fixture
def channel(school):
    return ChannelFactory(school=school, name="Official Example Primary")


@pytest.fixture
def authorised_admin(admin, channel, head):
    ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
    return admin


def client_for(member) -> Client:
    """A test client signed in as ``member`` and working in their school."""
    client = Client()
    client.force_login(member.user)
    session = client.session
    session["schoolsocial_school_id"] = member.school_id
    session.save()
    return client


@pytest.fixture
def login():
    return client_for


@pytest.fixture
def password():
    return PASSWORD
