"""Every page that lists or shows data makes the same number of queries
however much data there is (issue 12): each page is opened at two sizes of
the same school — one of everything, then many — and must stay within the
same fixed budget. Speed itself is measured by `make bench`, never here."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from consent import services as consent_services
from consent.models import Pupil
from moderation import services as moderation_services
from tests.consent.factories import PupilFactory
from tests.moderation.factories import IncidentFactory

pytestmark = pytest.mark.django_db

PURPOSES = {"website": "granted", "social_public": "granted", "press": "refused", "video": ""}


def _grow(school, office, head, channel, size):
    """``size`` pupils, each with ``size`` consent forms recorded by two
    people (one or two purposes withdrawn),
    and ``size`` incidents each with ``size`` actions, one escalated."""
    pupils = [
        PupilFactory(school=school, first_name=f"Pupil{n}", last_name=f"Family{n}")
        for n in range(size)
    ]
    for pupil in pupils:
        for f in range(size):
            consent_services.consent_form_record(
                pupil=pupil,
                recorded_by=(office, head)[f % 2],
                decisions=PURPOSES,
                given_by_name=f"Parent {f}",
                relationship="parent",
                received_on=datetime.date(2025, 9, 1) + datetime.timedelta(days=f),
            )
        for n, purpose in enumerate(["website", "social_public"][: min(size, 2)]):
            record = Pupil.objects.get(pk=pupil.pk).deciding_record(purpose)
            consent_services.consent_withdraw(
                record=record,
                withdrawn_by_name="Parent",
                withdrawn_on=datetime.date(2025, 10, 1),
                recorded_by=(office, head)[n],
            )
    for n in range(size):
        incident = IncidentFactory(school=school, channel=channel, severity=3)
        for _ in range(size):
            moderation_services.incident_add_action(
                incident=incident, kind="private_message", by=head, note=f"n{n}"
            )
    moderation_services.incident_escalate(incident=incident, raised_by=head, reason="Decide")
    return pupils, incident


PAGES = [
    # (url name, args from (pupil, incident), role, budget)
    ("consent:pupil", lambda p, i: [p.pk], "office", 17),
    ("consent:pupil", lambda p, i: [p.pk], "head", 16),
    ("consent:pupils", lambda p, i: [], "office", 13),
    ("consent:do_not_publish", lambda p, i: [], "office", 13),
    ("consent:do_not_publish_print", lambda p, i: [], "office", 17),
    ("consent:do_not_publish_csv", lambda p, i: [], "office", 15),
    ("consent:followups", lambda p, i: [], "office", 12),
    ("moderation:queue", lambda p, i: [], "head", 14),
    ("moderation:incident", lambda p, i: [i.pk], "head", 21),
    ("moderation:escalations", lambda p, i: [], "head", 12),
    ("audit", lambda p, i: [], "head", 12),
    ("audit_export", lambda p, i: [], "head", 13),
    ("dashboard", lambda p, i: [], "head", 26),
]


# Pages whose opening is itself audited: one more query on PostgreSQL.
AUDITED = {"consent:do_not_publish_print", "consent:do_not_publish_csv", "audit_export"}


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize(("name", "args", "role", "budget"), PAGES)
def test_pages_make_a_fixed_number_of_queries(
    name,
    args,
    role,
    budget,
    size,
    school,
    office,
    head,
    channel,
    login,
    django_assert_max_num_queries,
):
    pupils, incident = _grow(school, office, head, channel, size)
    client = login({"office": office, "head": head}[role])
    url = reverse(name, args=args(pupils[0], incident))
    if name in AUDITED and connection.vendor == "postgresql":
        budget += 1  # the audit trail's chain lock (schoolsocial.records.lock_chain)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert Pupil.objects.count() == size
    assert body  # the page was rendered in full inside the budget
