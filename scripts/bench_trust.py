"""The trust-scale part of `make bench`: a multi-academy trust's data set
built in the benchmark's own database, and every page that lists or shows
data timed as each role that uses it, at 1/10 and at full scale, beside
the Django admin's changelists on the same rows and a trivial signed-in
view.

Full scale for ``--schools 20``: 9,600 pupils (480 a school), 192,000
consent records (4 forms × 5 purposes each), 60,000 incidents, about
223,000 actions and 469,000 audit events. The 1/10 column is the same
schools with a tenth of every school's rows; the second phase adds the
other nine tenths, so the measured school's own data grows tenfold.
"""

from __future__ import annotations

import datetime
import statistics
import time

from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

PUPILS = 480
FORMS = 4
INCIDENTS = 3000
ACTIONS_PER_INCIDENT = 3.7
AUDIT_EVENTS = 23_450
RUNS = 20


def _qs(model):
    """The model's plain queryset (the append-only ones refuse bulk_create:
    here the rows are built with valid hash chains by this script)."""
    return models.QuerySet(model)


class Trust:
    """The data set, built in phases (fractions of each school's rows)."""

    def __init__(self, n_schools: int):
        self.n = n_schools
        self.schools = []
        self.staff = []  # per school: dict role -> StaffMember
        self.channels = []
        self.chain_tail = {}  # school id -> last hash
        self.built = 0.0

    # -- the people and channels -------------------------------------------------------
    def create_schools(self):
        from django.contrib.auth.hashers import make_password

        from schoolsocial.models import (
            Channel,
            ChannelAuthorisation,
            School,
            StaffMember,
            User,
        )

        password = make_password(None)
        for s in range(self.n):
            school = School.objects.create(
                name=f"Trust School {s}", slug=f"trust-{s}", leaders_require_mfa=False
            )
            members = {}
            for role in ("head", "slt", "admin", "office"):
                user = User.objects.create(email=f"{role}{s}@trust.example", password=password)
                members[role] = StaffMember.objects.create(
                    school=school, user=user, **{f"is_{role}": True}
                )
            channels = [
                Channel.objects.create(school=school, platform="facebook_page", name=f"Page {n}")
                for n in range(4)
            ]
            for channel in channels:
                ChannelAuthorisation.objects.create(
                    member=members["admin"],
                    channel=channel,
                    authorised_by=members["head"],
                    authorised_on=datetime.date(2025, 9, 1),
                    trained_on=datetime.date(2025, 9, 1),
                    acceptable_use_signed_on=datetime.date(2025, 9, 1),
                )
            self.schools.append(school)
            self.staff.append(members)
            self.channels.append(channels)

    # -- one phase: rows [lo, hi) of every school ------------------------------------------
    def grow(self, lo: float, hi: float):
        start = time.perf_counter()
        for s, school in enumerate(self.schools):
            with transaction.atomic():
                self._grow_school(s, school, lo, hi)
        self.built = hi
        return time.perf_counter() - start

    def _grow_school(self, s, school, lo, hi):
        from django.utils import timezone

        from consent.models import ConsentForm, ConsentRecord, Pupil, Purpose
        from moderation.models import (
            Escalation,
            Incident,
            IncidentAction,
            IncidentCategory,
            ModerationCheck,
        )
        from policy.catalogue import CATEGORY_CODES
        from schoolsocial.folding import name_search_key
        from schoolsocial.models import AuditEvent
        from schoolsocial.records import GENESIS, event_hash

        staff = self.staff[s]
        channels = self.channels[s]
        now = timezone.now()
        firsts = ["Siân", "Tom", "Rhodri", "Zoë", "Michał", "Elis", "Megan", "Osian", "Ffion"]
        lasts = ["O'Connor", "Smith-Jones", "Evans", "Brontë", "Łukasz", "Price", "Lloyd"]
        p_lo, p_hi = int(lo * PUPILS), int(hi * PUPILS)
        pupils = []
        for n in range(p_lo, p_hi):
            first, last = firsts[n % len(firsts)], f"{lasts[n % len(lasts)]}{n}"
            pupils.append(
                Pupil(
                    school=school,
                    mis_id=f"T{s:03d}{n:09d}",
                    first_name=first,
                    last_name=last,
                    year_group="NR123456"[n % 8],
                    class_name=f"Class {n % 16}",
                    search_key=name_search_key(first, "", last)[:600],
                    never_publish=n % 97 == 0,
                    never_publish_reason="Court order." if n % 97 == 0 else "",
                )
            )
        pupils = Pupil.objects.bulk_create(pupils, batch_size=2000)
        received = datetime.date(2025, 9, 5)
        forms = _qs(ConsentForm).bulk_create(
            (
                ConsentForm(
                    pupil=pupil,
                    given_by_name="Parent",
                    relationship="parent",
                    received_on=received - datetime.timedelta(days=365 * f),
                    valid_until=datetime.date(2099, 8, 31),
                    recorded_by=staff["office"],
                )
                for pupil in pupils
                for f in range(FORMS)
            ),
            batch_size=2000,
        )
        purposes = list(Purpose.values)
        records = []
        for i, form in enumerate(forms):
            chosen = purposes[:5] if i % 2 else purposes[1:]
            for k, purpose in enumerate(chosen):
                records.append(
                    ConsentRecord(
                        pupil_id=form.pupil_id,
                        form=form,
                        purpose=purpose,
                        decision="refused" if (i + k) % 7 == 0 else "granted",
                    )
                )
        _qs(ConsentRecord).bulk_create(records, batch_size=2000)

        i_lo, i_hi = int(lo * INCIDENTS), int(hi * INCIDENTS)
        codes = list(CATEGORY_CODES)
        incidents = Incident.objects.bulk_create(
            (
                Incident(
                    school=school,
                    channel=channels[i % 4],
                    reported_by=staff["admin"],
                    author_name=f"Commenter {i % 500}",
                    author_kind="parent",
                    content="An unkind comment about the school and its staff.",
                    occurred_at=now - datetime.timedelta(minutes=30 * i),
                    recorded_at=now - datetime.timedelta(minutes=30 * i - 5),
                    severity=1 + i % 4,
                    status=["open", "escalated", "resolved", "closed"][i % 4],
                )
                for i in range(i_lo, i_hi)
            ),
            batch_size=2000,
        )
        IncidentCategory.objects.bulk_create(
            (
                IncidentCategory(incident=incident, category=codes[n % len(codes)])
                for n, incident in enumerate(incidents)
            ),
            batch_size=2000,
        )
        kinds = [k for k, _ in IncidentAction.Kind.choices if k != "author_banned"]
        actions = []
        for n, incident in enumerate(incidents):
            count = 3 + (1 if (n * 7) % 10 < 7 else 0)  # 3.7 on average
            for a in range(count):
                actions.append(
                    IncidentAction(
                        incident=incident,
                        kind=kinds[(n + a) % len(kinds)],
                        by=staff["admin"],
                        at=incident.recorded_at + datetime.timedelta(minutes=a + 1),
                        note="Done.",
                    )
                )
        _qs(IncidentAction).bulk_create(actions, batch_size=2000)
        _qs(Escalation).bulk_create(
            (
                Escalation(
                    incident=incident,
                    raised_by=staff["admin"],
                    urgency=incident.severity,
                    reason="Needs a decision.",
                    routed_to=staff["head"],
                    # All but the newest few are decided, as in a real school.
                    **(
                        {}
                        if i_lo + n < 100
                        else {
                            "acknowledged_by": staff["head"],
                            "acknowledged_at": incident.recorded_at,
                            "decision": "private_message",
                            "decided_by": staff["head"],
                            "decided_at": incident.recorded_at + datetime.timedelta(hours=2),
                        }
                    ),
                )
                for n, incident in enumerate(incidents)
                if n % 20 == 0
            ),
            batch_size=2000,
        )
        days = range(int(lo * 365), int(hi * 365))
        _qs(ModerationCheck).bulk_create(
            (
                ModerationCheck(
                    channel=channel,
                    checked_on=now.date() - datetime.timedelta(days=d),
                    checked_by=staff["admin"],
                    checked_at=now - datetime.timedelta(days=d),
                    outcome="nothing",
                )
                for d in days
                for channel in channels
            ),
            batch_size=2000,
        )

        # The audit trail, a valid hash chain per school.
        a_lo, a_hi = int(lo * AUDIT_EVENTS), int(hi * AUDIT_EVENTS)
        actions_text = ["consent.form", "incident.create", "incident.action", "auth.login"]
        prev = self.chain_tail.get(school.pk, GENESIS)
        events = []
        # Phase 2's events are newer than phase 1's; ids grow with time.
        base = now - datetime.timedelta(days=400)
        for n in range(a_lo, a_hi):
            member = staff[("head", "slt", "admin", "office")[n % 4]]
            event = AuditEvent(
                school=school,
                actor_id=member.user_id,
                actor_label=member.user.email,
                action=actions_text[n % len(actions_text)],
                object_type="moderation.incident",
                object_id=str(n),
                summary=f"Bench event {n}",
                ip_address="127.0.0.1",
                created_at=base + datetime.timedelta(seconds=n * 1400),
            )
            event.prev_hash = prev
            event.hash = prev = event_hash(event, prev)
            events.append(event)
        _qs(AuditEvent).bulk_create(events, batch_size=2000)
        self.chain_tail[school.pk] = prev

    def counts(self):
        from consent.models import ConsentRecord, Pupil
        from moderation.models import Incident, IncidentAction
        from schoolsocial.models import AuditEvent

        return {
            "schools": self.n,
            "pupils": Pupil.objects.count(),
            "consent records": ConsentRecord.objects.count(),
            "incidents": Incident.objects.count(),
            "actions": IncidentAction.objects.count(),
            "audit events": AuditEvent.objects.count(),
        }


# Pages that list or show data: (label, url, roles). "admin" is an
# authorised page administrator. Filled in once the data exists.
def pages(trust):
    from django.urls import reverse

    from consent.models import Pupil
    from moderation.models import Escalation, Incident

    school = trust.schools[0]
    staff = trust.staff[0]
    pupil = Pupil.objects.filter(school=school).order_by("pk").first()
    # An incident with a full timeline and an open escalation.
    escalation = (
        Escalation.objects.filter(incident__school=school, decided_at__isnull=True)
        .order_by("pk")
        .first()
    )
    incident = Incident.objects.get(pk=escalation.incident_id)
    all_staff = ("head", "slt", "admin", "office")
    leaders = ("head", "slt")
    moderators = ("admin", "slt", "head")
    readers = ("office", "head", "slt", "admin")
    rows = [
        ("dashboard", reverse("dashboard"), all_staff),
        ("roster", reverse("roster"), leaders),
        ("roster member", reverse("roster_member", args=[staff["admin"].pk]), leaders),
        ("channels", reverse("channels"), all_staff),
        ("notifications", reverse("notifications"), all_staff),
        ("audit log", reverse("audit"), leaders),
        ("audit CSV", reverse("audit_export"), ("head",)),
        ("school settings", reverse("school_settings"), ("head",)),
        ("subject access", reverse("subject_access"), ("head",)),
        ("policy", reverse("policy:page"), leaders),
        ("consent register", reverse("consent:pupils"), readers),
        ("register page 5", reverse("consent:pupils") + "?page=5", ("office",)),
        ("register search", reverse("consent:pupils") + "?q=sian+oconnor", ("office",)),
        ("pupil", reverse("consent:pupil", args=[pupil.pk]), readers),
        ("class forms", reverse("consent:class_forms") + "?class_name=Class+3", ("office",)),
        ("follow-ups", reverse("consent:followups"), readers),
        ("do-not-publish", reverse("consent:do_not_publish"), all_staff),
        ("do-not-publish print", reverse("consent:do_not_publish_print"), ("office",)),
        ("do-not-publish CSV", reverse("consent:do_not_publish_csv"), ("office",)),
        ("publication check", reverse("consent:check"), ("admin", "slt", "head")),
        ("group applications", reverse("consent:group_applications"), ("office", "slt", "head")),
        ("moderation queue", reverse("moderation:queue"), moderators),
        ("queue page 20", reverse("moderation:queue") + "?page=20", ("admin",)),
        ("queue, all statuses", reverse("moderation:queue") + "?status=", ("admin",)),
        ("incident", reverse("moderation:incident", args=[incident.pk]), moderators),
        ("escalations", reverse("moderation:escalations"), leaders),
        ("escalation", reverse("moderation:escalation_decide", args=[escalation.pk]), ("head",)),
        ("daily checks", reverse("moderation:checks"), moderators),
        ("banned accounts", reverse("moderation:banned"), moderators),
    ]
    return rows


def _client_for(member, school):
    from django.test import Client

    client = Client()
    client.force_login(member.user)
    session = client.session
    session["schoolsocial_school_id"] = school.pk
    session.save()
    return client


def _time(client, url, runs=RUNS):
    """(median ms, p95 ms, queries): one warm-up request counting the queries,
    then ``runs`` timed requests, the whole streamed body read each time."""

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        else:
            response.content  # noqa: B018

    with CaptureQueriesContext(connection) as ctx:
        get()
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    return statistics.median(timings), p95, queries


def _superuser():
    from schoolsocial.models import User

    user = User.objects.filter(email="super@trust.example").first()
    if user is None:
        from allauth.mfa.models import Authenticator

        user = User.objects.create_superuser(email="super@trust.example", password=None)
        # The admin needs two-factor sign-in; a TOTP authenticator is enough here.
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "bench"}
        )
    return user


def _install_trivial_view():
    """A signed-in view that does nothing, behind the same middleware."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from schoolsocial import urls
    from schoolsocial.access import staff_view

    if not any(getattr(p, "name", "") == "bench_trivial" for p in urls.urlpatterns):
        # Signed in, a member of the school: the same access check as a page.
        view = staff_view(lambda request: HttpResponse("ok"))
        urls.urlpatterns.insert(0, path("bench/trivial/", view, name="bench_trivial"))
        clear_url_caches()


def _register_admin_references():
    """The reference: Django admin's default changelist (100 rows a page,
    a count) on the same incidents and pupils. The app does not register
    these models in its admin; the benchmark does, for itself only."""
    from django.contrib import admin
    from django.urls import clear_url_caches

    from consent.models import Pupil
    from moderation.models import Incident
    from schoolsocial import urls

    changed = False
    for model in (Incident, Pupil):
        if not admin.site.is_registered(model):
            admin.site.register(model)
            changed = True
    if changed:
        for n, pattern in enumerate(urls.urlpatterns):
            if str(pattern.pattern) == "admin/":
                urls.urlpatterns[n] = urls.path("admin/", admin.site.urls)
        clear_url_caches()


def measure_all(trust):
    """{(label, role): (median, p95, queries)} for every page, plus the
    references (admin changelists, trivial view)."""
    from django.test import Client

    _install_trivial_view()
    _register_admin_references()
    school = trust.schools[0]
    clients = {role: _client_for(m, school) for role, m in trust.staff[0].items()}
    results = {}
    for label, url, roles in pages(trust):
        for role in roles:
            results[(label, role)] = _time(clients[role], url)
    admin = Client()
    admin.force_login(_superuser())
    results[("admin changelist: Incident", "superuser")] = _time(
        admin, "/admin/moderation/incident/"
    )
    results[("admin changelist: Pupil", "superuser")] = _time(admin, "/admin/consent/pupil/")
    results[("trivial signed-in view", "head")] = _time(clients["head"], "/bench/trivial/")
    return results


def run(n_schools: int):
    lines = []
    trust = Trust(n_schools)
    trust.create_schools()
    took = trust.grow(0.0, 0.1)
    small_counts = trust.counts()
    lines.append(f"1/10 scale built in {took:.0f} s: " + _sizes(small_counts))
    small = measure_all(trust)
    took = trust.grow(0.1, 1.0)
    full_counts = trust.counts()
    lines.append(f"full scale built in {took:.0f} s: " + _sizes(full_counts))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    full = measure_all(trust)
    from schoolsocial.models import User

    # The same pages for staff working in Welsh (every string translated).
    User.objects.filter(is_superuser=False).update(language="cy")
    welsh = measure_all(trust)
    User.objects.update(language="")
    lines.append(
        f"one school measured: {PUPILS} pupils, {INCIDENTS} incidents, "
        f"{AUDIT_EVENTS} audit events at full scale; {RUNS} runs each"
    )
    lines.append("")
    header = (
        "| page | role | 1/10: median ms | p95 | queries | full: median ms | p95 | queries "
        "| full, in Welsh: median ms |"
    )
    lines.append(header)
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, (median, p95, queries) in full.items():
        s_median, s_p95, s_queries = small[key]
        lines.append(
            f"| {key[0]} | {key[1]} | {s_median:.1f} | {s_p95:.1f} | {s_queries} "
            f"| {median:.1f} | {p95:.1f} | {queries} | {welsh[key][0]:.1f} |"
        )
    slowest = max(v[0] for k, v in full.items() if k[1] != "superuser")
    changelist = min(v[0] for k, v in full.items() if k[1] == "superuser")
    grew = [k for k in full if full[k][2] != small[k][2]]
    ratio = statistics.median(welsh[k][0] / full[k][0] for k in full if k[1] != "superuser")
    lines.append("")
    lines.append(
        f"slowest page median {slowest:.1f} ms; fastest admin changelist {changelist:.1f} ms; "
        f"pages whose query count changed with size: {', '.join(map(str, grew)) or 'none'}; "
        f"in Welsh, median page time {ratio:.2f}× the English"
    )
    return lines, trust


def _sizes(counts):
    return ", ".join(f"{v:,} {k}" for k, v in counts.items())
