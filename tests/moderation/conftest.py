import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.models import Evidence, Incident
from tests.moderation.factories import IncidentFactory, upload
from tests.moderation.images import png_bytes


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """The project's test settings share a file cache (var/cache) with every
    test run on this machine; another run clearing it mid-test would drop
    the name matcher or a rate limit. Keep this run's cache to itself."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"moderation-tests-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
def incident(school, channel, authorised_admin):
    return IncidentFactory(school=school, channel=channel, reported_by=authorised_admin)


def incident_data(channel, **overrides):
    occurred = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "channel": channel.pk,
        "permalink": "https://facebook.com/exampleprimary/posts/1?comment_id=2",
        "author_name": "Angry Parent",
        "author_profile_url": "https://facebook.com/angry.parent",
        "author_kind": "parent",
        "content": "The school trip was a shambles.",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "categories": ["offensive"],
        "screenshots": [upload(png_bytes())],
    }
    data.update(overrides)
    return data


@pytest.fixture
def post_incident(login, django_capture_on_commit_callbacks):
    """Post the incident form; what is queued on commit (the display copies
    of the screenshots) runs as the worker would run it."""

    def post(member, channel, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return login(member).post(
                reverse("moderation:incident_new"), incident_data(channel, **overrides)
            )

    return post


def private_files(settings) -> list:
    root = settings.PRIVATE_STORAGE_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_nothing_stored(settings):
    assert Incident.objects.count() == 0
    assert Evidence.objects.count() == 0
    assert private_files(settings) == []
