import datetime

import pytest

# Every consent test runs on Monday 3 November 2025 at noon, London time,
# so "today", "the current school year" and expiry dates are fixed.
TODAY = datetime.date(2025, 11, 3)


@pytest.fixture(autouse=True)
def _frozen_time(time_machine):
    time_machine.move_to(datetime.datetime(2025, 11, 3, 12, 0, tzinfo=datetime.UTC), tick=False)
