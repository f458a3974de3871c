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

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

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
        f"first tick (sends everything due): {first * 1000:.0f} ms, {first_queries} queries",
        f"repeat tick (nothing new), median of 5: {again * 1000:.0f} ms, {again_queries} queries",
    ]


def _school_with_staff(slug):
    from schoolsocial.models import Channel, ChannelAuthorisation, School, StaffMember, User

    school = School.objects.create(name=f"Bench {slug}", slug=slug, leaders_require_mfa=False)
    head = StaffMember.objects.create(
        school=school, user=User.objects.create_user(email=f"head@{slug}.example"), is_head=True
    )
    admin = StaffMember.objects.create(
        school=school, user=User.objects.create_user(email=f"admin@{slug}.example"), is_admin=True
    )
    channels = [
        Channel.objects.create(school=school, platform="facebook_page", name=f"Page {n}")
        for n in range(4)
    ]
    for channel in channels:
        ChannelAuthorisation.objects.create(
            member=admin,
            channel=channel,
            authorised_by=head,
            authorised_on=datetime.date(2025, 9, 1),
            trained_on=datetime.date(2025, 9, 1),
            acceptable_use_signed_on=datetime.date(2025, 9, 1),
        )
    return school, head, admin, channels


@bench("moderation queue page, 20,000 incidents in the school (+5,000 elsewhere)")
def moderation_queue():
    from django.test import Client
    from django.utils import timezone

    from moderation.models import Incident, IncidentCategory
    from policy.catalogue import CATEGORY_CODES

    school, head, _admin, channels = _school_with_staff("queue")
    other, other_head, _, other_channels = _school_with_staff("elsewhere")
    now = timezone.now()
    codes = list(CATEGORY_CODES)

    def make(school, member, channels, n):
        incidents = Incident.objects.bulk_create(
            Incident(
                school=school,
                channel=channels[i % len(channels)],
                reported_by=member,
                author_name=f"Commenter {i % 500}",
                author_kind="parent",
                content="An unkind comment about the school.",
                occurred_at=now - datetime.timedelta(minutes=i),
                severity=1 + i % 4,
                status=["open", "escalated", "resolved", "closed"][i % 4],
            )
            for i in range(n)
        )
        IncidentCategory.objects.bulk_create(
            IncidentCategory(incident=incident, category=codes[i % len(codes)])
            for i, incident in enumerate(incidents)
        )

    make(school, head, channels, 20_000)
    make(other, other_head, other_channels, 5_000)
    client = Client()
    client.force_login(head.user)
    session = client.session
    session["schoolsocial_school_id"] = school.pk
    session.save()

    lines = []
    for label, query in [
        ("open work, first page", {}),
        ("page 100 of open work", {"page": 100}),
        ("filtered by category and author", {"category": codes[2], "author": "Commenter 7"}),
        ("everything, any status", {"status": ""}),
    ]:

        def get(query=query):
            response = client.get("/moderation/", query)
            assert response.status_code == 200, response.status_code

        median, queries = measure(get, repeat=7)
        lines.append(f"{label}: median {median * 1000:.0f} ms, {queries} queries")
    return lines


@bench("pupil-name screening, 600 pupils, a 60-word comment")
def screening():
    from consent.models import Pupil
    from consent.screening import screen_names

    school, *_ = _school_with_staff("screening")
    firsts = ["Siân", "Tom", "Rhodri", "Grace", "Will", "Elis", "Megan", "Osian", "Ffion", "Noah"]
    Pupil.objects.bulk_create(
        Pupil(
            school=school,
            mis_id=f"S{n:012d}",
            first_name=firsts[n % len(firsts)],
            last_name=f"Family{n}",
            year_group=str(1 + n % 6),
            class_name=f"Class {n % 20}",
        )
        for n in range(600)
    )
    text = (
        "Honestly I can't believe what happened at sports day, Tom's mum said "
        "Sian Family10 was pushed over and nobody did anything. " * 3
    )

    def cold():
        from django.core.cache import cache

        from consent.screening import forget_matchers

        cache.clear()
        forget_matchers()
        screen_names(school=school, text=text)

    cold_median, cold_queries = measure(cold, repeat=5)
    warm_median, warm_queries = measure(lambda: screen_names(school=school, text=text), repeat=20)
    return [
        f"matcher built (cache empty): median {cold_median * 1000:.1f} ms, {cold_queries} queries",
        f"matcher reused: median {warm_median * 1000:.2f} ms, {warm_queries} queries",
    ]


@bench("screening through the app's path (moderation screen_text), 1,000 and 10,000 pupils")
def screening_throughput():
    from consent.models import Pupil
    from moderation.services.screening import screen_text
    from schoolsocial.models import School

    # About 400 first names, as a large school has: each shared by 2–3 pupils
    # in 1,000 and by 25 in 10,000.
    starts = ["Si", "To", "Rho", "Gra", "Wi", "E", "Me", "O", "Ffi", "No", "A", "Ca"]
    starts += ["De", "Ha", "Iso", "Ja", "Le", "Ma", "Ru", "Te"]
    ends = ["ân", "m", "dri", "ce", "ll", "lis", "gan", "sian", "on", "ah", "ra", "ys"]
    ends += ["lan", "wen", "bel", "ck", "o", "ia", "by", "ddy"]
    firsts = [a + b for a in starts for b in ends]
    comments = [
        f"Comment {n}: honestly what happened at sports day, Tom's mum said Sian Family{n} "
        "was pushed over and nobody did anything about it. Disgraceful school."
        for n in range(200)
    ]
    lines = []
    for size in (1000, 10_000):
        school, *_ = _school_with_staff(f"throughput-{size}")
        Pupil.objects.bulk_create(
            Pupil(
                school=school,
                mis_id=f"P{size}-{n:09d}",
                first_name=firsts[n % len(firsts)],
                last_name=f"Family{n}",
                year_group=str(1 + n % 6),
                class_name=f"Class {n % 20}",
            )
            for n in range(size)
        )
        screen_text(school=School.objects.get(pk=school.pk), text="warm up")
        for label, fresh in (("one request each", True), ("one school object", False)):
            shared = School.objects.get(pk=school.pk)
            start = time.perf_counter()
            count = 0
            while time.perf_counter() - start < 2.0:
                for text in comments:
                    # A request loads its school afresh; a worker may reuse it.
                    target = School.objects.get(pk=school.pk) if fresh else shared
                    screen_text(school=target, text=text)
                    count += 1
            rate = count / (time.perf_counter() - start)
            lines.append(f"{size:,} pupils, {label}: {rate:,.0f} comments/s")
    return lines


@bench("MIS import, 3,000 rows (preview, then import into an empty register)")
def mis_import():
    from consent import importer, services
    from schoolsocial.models import StaffMember, User

    school, head, *_ = _school_with_staff("mis")
    office = StaffMember.objects.create(
        school=school, user=User.objects.create_user(email="office@mis.example"), is_office=True
    )
    header = "UPN,First Name,Last Name,Date of Birth,Year Group,Registration Group\n"
    body = "".join(
        f"A{n:012d},Pupil{n},Family{n},{1 + n % 28:02d}/0{1 + n % 9}/2018,{1 + n % 6},"
        f"Class {n % 30}\n"
        for n in range(3000)
    )
    data = (header + body).encode()
    start = time.perf_counter()
    preview = importer.build_preview(school=school, data=data)
    previewed = time.perf_counter() - start
    start = time.perf_counter()
    services.pupil_import(school=school, data=data, imported_by=office)
    imported = time.perf_counter() - start
    start = time.perf_counter()
    services.pupil_import(school=school, data=data, imported_by=office)
    again = time.perf_counter() - start
    return [
        f"preview of 3,000 rows: {previewed * 1000:.0f} ms ({len(preview.rows)} rows)",
        f"import into an empty register: {imported * 1000:.0f} ms",
        f"the same file again (nothing changes): {again * 1000:.0f} ms",
    ]


@bench("pupil register, 10,000 pupils on roll, 2 consent forms each")
def register_page():
    from django.test import Client

    from consent.models import ConsentForm, ConsentRecord, Pupil
    from schoolsocial.models import StaffMember, User

    school, head, _admin, _channels = _school_with_staff("register")
    office = StaffMember.objects.create(
        school=school,
        user=User.objects.create_user(email="office@register.example"),
        is_office=True,
    )
    firsts = ["Siân", "Tom", "Rhodri", "Zoë", "Michał", "Elis", "Megan", "Osian", "Ffion", "Noah"]
    lasts = ["O'Connor", "Smith-Jones", "Evans", "Brontë", "Łukasz", "Price", "Lloyd"]
    pupils = Pupil.objects.bulk_create(
        Pupil(
            school=school,
            mis_id=f"R{n:012d}",
            first_name=firsts[n % len(firsts)],
            last_name=f"{lasts[n % len(lasts)]}{n}",
            year_group="NR123456"[n % 8],
            class_name=f"Class {n % 60}",
        )
        for n in range(10_000)
    )
    received = datetime.date(2025, 9, 5)
    forms = ConsentForm.objects.bulk_create(
        ConsentForm(
            pupil=pupil,
            given_by_name="Parent",
            relationship="parent",
            received_on=received,
            valid_until=datetime.date(2099, 8, 31),
            recorded_by=office,
        )
        for pupil in pupils
        for _ in range(2)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(pupil_id=form.pupil_id, form=form, purpose=purpose, decision="granted")
        for i, form in enumerate(forms)
        for purpose in (["website", "social_public", "press"] if i % 2 else ["video"])
    )
    client = Client()
    client.force_login(office.user)
    session = client.session
    session["schoolsocial_school_id"] = school.pk
    session.save()

    lines = []
    for label, query in [
        ("first page", {}),
        ("page 150", {"page": 150}),
        ("search “sian oconnor”", {"q": "sian oconnor"}),
        ("search “smith jones” in one class", {"q": "smith jones", "class_name": "Class 7"}),
    ]:

        def get(query=query):
            response = client.get("/consent/pupils/", query)
            assert response.status_code == 200, response.status_code
            return response

        median, queries = measure(get, repeat=7)
        size = len(get().content)
        lines.append(
            f"{label}: median {median * 1000:.0f} ms, {queries} queries, {size / 1024:.0f} KB"
        )
    return lines


# One image operation in a fresh interpreter, so its peak memory is its own:
# Pillow's pixels are allocated in C, which tracemalloc does not see, and a
# process that has decoded images before reuses that memory. The peak is
# Linux's high-water mark of resident memory (reset just before the work),
# or the process's maximum RSS elsewhere.
_IMAGE_CHILD = r"""
import json, os, resource, statistics, sys, time
sys.path.insert(0, sys.argv[1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolsocial.settings")
import django
django.setup()  # the refusals are translated messages
from schoolsocial import images
data = open(sys.argv[2], "rb").read()
operation = sys.argv[3]
repeat = int(sys.argv[4])

def run():
    if operation == "inspect":
        images.inspect_image(data)
    elif operation == "copies":
        images.make_copies(data, thumbnail_size=(480, 480))
    elif operation == "all":
        images.check_image(data, thumbnail_size=(480, 480))
    else:
        images.check_image(data, thumbnail_size=(160, 160), max_side=1200)

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the high-water mark to the current size
    before = status("VmRSS")
    run()
    peak = status("VmHWM") - before
except OSError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
timings = []
for _ in range(repeat):
    start = time.perf_counter()
    run()
    timings.append(time.perf_counter() - start)
print(json.dumps({"median_ms": statistics.median(timings) * 1000, "peak_mb": peak}))
"""


@bench(
    "images: a 12-megapixel phone JPEG, an iPhone HEIC and a 4K PNG screenshot "
    "(median of 5, peak memory)"
)
def image_processing():
    import json
    import subprocess
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.moderation.images import iphone_photo, phone_photo, screenshot_4k

    root = str(Path(__file__).resolve().parent.parent)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        samples = [
            ("12 MP JPEG (4000×3000, EXIF+GPS)", "photo.jpg", phone_photo(orientation=6)),
            ("12 MP iPhone HEIC (4032×3024, EXIF+GPS)", "photo.heic", iphone_photo()),
            ("4K PNG screenshot (3840×2160)", "screenshot.png", screenshot_4k()),
        ]
        for label, name, data in samples:
            path = Path(folder) / name
            path.write_bytes(data)
            lines.append(f"{label}, {len(data) / 1e6:.1f} MB:")
            for operation, what in [
                ("inspect", "checked in the request (type, size, decodes)"),
                ("copies", "display copy + thumbnail (Celery task)"),
                ("all", "both steps, start to finish"),
                ("pupil", "as a pupil photo (checked + 1200 px copy + thumbnail)"),
            ]:
                result = subprocess.run(  # noqa: S603 - our own interpreter and script
                    [sys.executable, "-c", _IMAGE_CHILD, root, str(path), operation, "5"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                numbers = json.loads(result.stdout)
                lines.append(
                    f"  {what}: median {numbers['median_ms']:.0f} ms, "
                    f"peak {numbers['peak_mb']:.0f} MB"
                )
    return lines


@bench("OCR of screenshots (Tesseract, eng+cym) and finding pupils' names in them")
def ocr_screenshots():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from consent.screening import NameMatcher
    from moderation import ocr
    from tests.moderation.screenshots import PUPILS, chat_screenshot, corpus, desktop_4k

    if not ocr.available():
        return [
            "Tesseract OCR is not installed: apt-get install tesseract-ocr "
            "tesseract-ocr-eng tesseract-ocr-cym"
        ]
    lines = []
    phone = chat_screenshot(
        [
            "Is the trip still on for Friday?",
            "Honestly Tom Smith in year 4 is a menace",
            "Diolch yn fawr, see you at the gate",
            "Someone should tell Siân Ellis-Hughes's mum",
            "Tomato soup for lunch again",
        ]
        * 3,
        font_size=40,
    )
    for label, image in [
        ("1080×2340 phone screenshot", phone),
        ("3840×2160 4K desktop", desktop_4k()),
    ]:
        timings, words = [], 0
        for _ in range(3):
            start = time.perf_counter()
            read = ocr.read_image(image)
            timings.append(time.perf_counter() - start)
            words = len(read.words)
        lines.append(f"{label}: median {statistics.median(timings):.2f} s, {words} words read")
    matcher = NameMatcher([(n, first, last, "") for n, (first, last) in enumerate(PUPILS)])
    found = total = tomato = 0
    samples = corpus()
    missed = []
    for sample in samples:
        matches = matcher.screen(ocr.read_image(sample.image).text)
        named = {m.pupil_name for m in matches if m.kind == "named"}
        tomato += sum(1 for m in matches if m.matched_text.lower().startswith("tomato"))
        for name in sample.named:
            total += 1
            if name in named:
                found += 1
            else:
                missed.append(f"{name} ({sample.label})")
    lines.append(
        f"name-finding recall: {found}/{total} = {100 * found / total:.1f} % on "
        f"{len(samples)} generated screenshots (fonts × 2 sizes × light/dark, Welsh accents)"
    )
    lines.append(f"'Tomato' matched as a pupil: {tomato} time(s)")
    lines.extend(f"missed: {m}" for m in missed)
    return lines


def main():
    import argparse
    import platform

    from django.conf import settings
    from django.test.utils import setup_test_environment

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=20, help="schools in the trust (20)")
    parser.add_argument("--skip-trust", action="store_true", help="only the other sections")
    parser.add_argument("only", nargs="*", help="run only the sections whose name has these")
    args = parser.parse_args()

    setup_test_environment()  # allows the test client's host, locmem email
    settings.DEBUG = False
    # Its own database, never the test suite's: bench_<name> on PostgreSQL,
    # var/bench.sqlite3 on SQLite (created afresh, removed at the end).
    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "postgresql":
        test["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    else:
        test["NAME"] = str(Path(settings.VAR_DIR) / "bench.sqlite3")
    started = time.perf_counter()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        cores = os.cpu_count()
        print(
            f"database: {connection.vendor}; machine: {platform.machine()}, {cores} cores, "
            f"Python {platform.python_version()}"
        )
        if not args.skip_trust and (not args.only or any("trust" in w for w in args.only)):
            import bench_trust

            print(f"\ntrust of {args.schools} schools: every page, as each role")
            lines, _ = bench_trust.run(args.schools)
            for line in lines:
                print(f"  {line}")
        for name, func in BENCHES:
            if args.only and not any(w in name for w in args.only):
                continue
            print(f"\n{name}")
            for line in func():
                print(f"  {line}")
    finally:
        teardown_databases(old_config, verbosity=0)
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
