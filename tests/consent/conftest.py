import datetime

import pytest

# Every consent test runs on Monday 3 November 2025 at noon, London time,
# so "today", "the current school year" and expiry dates are fixed.
TODAY = datetime.date(2025, 11, 3)


@pytest.fixture(autouse=True)
def _frozen_time(time_machine):
    time_machine.move_to(datetime.datetime(2025, 11, 3, 12, 0, tzinfo=datetime.UTC), tick=False)


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # The default file cache (var/cache) is shared with test runs in other
    # processes, whose cache.clear() could wipe an import preview or a
    # once-only form key in the middle of a test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "consent-tests",
        }
    }
