"""`make bench`: how long the hot paths take, at realistic sizes.

Runs against a throwaway test database (SQLite by default, PostgreSQL when
DATABASE_URL is set) and prints medians over repeated runs, with the data
size and the number of queries. Speed is measured here, never in a test.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolsocial.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

BENCHES = []


def bench(name):
    def register(func):
        BENCHES.append((name, func))
        return func

    return register


def measure(func, repeat=5):
    timings, queries = [], 0
    for _ in range(repeat):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            func()
            timings.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(timings), queries


@bench("reminder tick, 1,000 schools × 4 channels × 5 staff")
def reminder_tick():
    import time_machine
    from django.contrib.auth.hashers import make_password

    from schoolsocial.models import (
        Channel,
        ChannelAuthorisation,
        School,
        StaffMember,
        User,
    )
    from schoolsocial.reminders import send_due

    zones = ["Europe/London", "Europe/Dublin", "America/New_York", "Asia/Dubai"]
    schools = School.objects.bulk_create(
        School(
            name=f"Bench {i}",
            slug=f"bench-{i}",
            time_zone=zones[i % len(zones)],
            policy_next_review=datetime.date(2026, 3, 20),
        )
        for i in range(1000)
    )
    users = User.objects.bulk_create(
        User(email=f"b{i}@bench.example", password=make_password(None)) for i in range(5000)
    )
    members = StaffMember.objects.bulk_create(
        StaffMember(
            school=schools[i // 5],
            user=users[i],
            is_head=i % 5 == 0,
            is_slt=i % 5 == 1,
            is_admin=i % 5 in (2, 3),
            is_office=i % 5 == 4,
        )
        for i in range(5000)
    )
    channels = Channel.objects.bulk_create(
        Channel(school=s, platform="facebook_page", name=f"Channel {j}")
        for s in schools
        for j in range(4)
    )
    ChannelAuthorisation.objects.bulk_create(
        ChannelAuthorisation(
            member=members[index * 5 + 2],
            channel=c,
            authorised_by=members[index * 5],
            authorised_on=datetime.date(2024, 9, 1),
            trained_on=datetime.date(2024, 9, 1),
            acceptable_use_signed_on=datetime.date(2024, 9, 1),
        )
        for index, c in ((n // 4, c) for n, c in enumerate(channels))
    )
    # The emails themselves are Celery tasks run later by the worker; the
    # tick's own work is deciding what is due and recording it.
    import schoolsocial.notifications as notifications

    notifications._enqueue_emails = lambda ids: None
    moment = datetime.datetime(2026, 3, 2, 16, 0, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(moment):
        first, first_queries = measure(send_due, repeat=1)  # sends
        again, again_queries = measure(send_due, repeat=5)  # nothing new
    return [
        f"first tick (sends to every head): {first * 1000:.0f} ms, {first_queries} queries",
        f"repeat tick (nothing new), median of 5: {again * 1000:.0f} ms, {again_queries} queries",
    ]


def main():
    wanted = sys.argv[1:]
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}")
        for name, func in BENCHES:
            if wanted and not any(w in name for w in wanted):
                continue
            print(f"\n{name}")
            for line in func():
                print(f"  {line}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
