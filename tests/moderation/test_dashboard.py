"""The head's and SLT's dashboard: escalations, incidents this school year as
a chart drawn on the server, and this month's moderation coverage."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from moderation import selectors, services
from moderation.models import Escalation
from tests.moderation.factories import IncidentFactory, ModerationCheckFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC)


def at(y, m, d):
    return datetime.datetime(y, m, d, 12, 0, tzinfo=datetime.UTC)


@time_machine.travel(NOW, tick=False)
def test_incidents_this_school_year_by_month_and_main_category(school):
    IncidentFactory(school=school, occurred_at=at(2025, 8, 31), categories=["spam"])  # last year
    IncidentFactory(school=school, occurred_at=at(2025, 9, 1), categories=["spam"])
    IncidentFactory(school=school, occurred_at=at(2025, 9, 20), categories=["offensive", "spam"])
    IncidentFactory(school=school, occurred_at=at(2026, 3, 2), categories=["threat_hate"])
    chart = selectors.incidents_by_month(school=school)
    assert chart["start"] == datetime.date(2025, 9, 1)
    assert chart["total"] == 3
    assert chart["totals"][0] == 2 and chart["totals"][6] == 1
    by_label = {row["label"]: row["counts"] for row in chart["rows"]}
    assert by_label["Spam"][0] == 1
    assert by_label["Offensive or inappropriate comment"][0] == 1  # counted once, main category
    assert by_label["Threat of violence, racist or hate content"][6] == 1
    september = chart["bars"][0]
    assert sum(s["height"] for s in september["segments"]) == pytest.approx(150, abs=0.2)


def test_the_school_year_starts_on_the_first_of_september():
    assert selectors.school_year_start(datetime.date(2026, 8, 31)) == datetime.date(2025, 9, 1)
    assert selectors.school_year_start(datetime.date(2026, 9, 1)) == datetime.date(2026, 9, 1)


@time_machine.travel(NOW, tick=False)
def test_coverage_this_month_counts_checked_out_of_required_days(school, channel, admin):
    for day in (1, 2, 5):
        ModerationCheckFactory(
            channel=channel, checked_by=admin, checked_on=datetime.date(2026, 3, day)
        )
    rows = selectors.coverage_this_month(school=school)
    row = next(r for r in rows if r["channel"] == channel)
    assert row["checked"] == 3
    assert row["checked"] <= row["required"] <= 10
    assert row["missed"] == row["required"] - 3


def test_the_head_sees_escalations_the_chart_and_coverage(school, channel, head, login):
    urgent = IncidentFactory(school=school, channel=channel, severity=4)
    escalation = services.incident_escalate(incident=urgent, raised_by=head, reason="Look")
    Escalation.objects.filter(pk=escalation.pk).update(
        raised_at=escalation.raised_at - datetime.timedelta(hours=1, minutes=5)
    )
    high = IncidentFactory(school=school, channel=channel, severity=3)
    services.incident_escalate(incident=high, raised_by=head, reason="Look")
    html = login(head).get(reverse("dashboard")).content.decode()
    count = re.search(r'data-open-escalations><span class="card__number">(\d+)<', html)
    assert count.group(1) == "2"
    assert "Urgent escalations nobody has acknowledged" in html
    assert "1 h 5 min" in html
    assert "<svg" in html and "Incidents this school year" in html
    assert "Moderation coverage this month" in html
    assert ' style="' not in html  # strict CSP: no inline styles


def test_slt_see_it_too_and_administrators_and_office_do_not(personas, login):
    slt_page = login(personas["slt"]).get(reverse("dashboard")).content.decode()
    assert "data-incident-chart" in slt_page
    for role in ("admin", "office"):
        html = login(personas[role]).get(reverse("dashboard")).content.decode()
        assert "data-incident-chart" not in html and "data-open-escalations" not in html


@pytest.mark.parametrize("size", [2, 10])
def test_the_dashboard_makes_a_fixed_number_of_queries(
    school, channel, head, login, size, django_assert_max_num_queries
):
    for n in range(size):
        incident = IncidentFactory(school=school, channel=channel, severity=4)
        services.incident_escalate(incident=incident, raised_by=head, reason=f"r{n}")
    client = login(head)
    # 26: one is the head's set-up checklist (asked until the school is set
    # up; this school has no pupils yet), one the urgent escalations'
    # categories (who may acknowledge each from the dashboard).
    with django_assert_max_num_queries(26):
        assert client.get(reverse("dashboard")).status_code == 200


def test_urgent_escalations_come_first_with_acknowledge_for_whoever_decides(
    school, channel, head, slt, login
):
    incident = IncidentFactory(school=school, channel=channel, severity=4)
    escalation = Escalation.objects.create(incident=incident, urgency=4, automatic=True)
    page = login(head).get(reverse("dashboard")).content.decode()
    main = page.split('id="main"', 1)[1]
    assert main.index("data-urgent-unacknowledged") < main.index("At a glance")
    assert f'action="{reverse("moderation:escalation_acknowledge", args=[escalation.pk])}"' in main
    # The school's policy (the default, Threemilestone) gives the decision to
    # the head: senior leaders see the escalation but no Acknowledge button.
    slt_page = login(slt).get(reverse("dashboard")).content.decode()
    assert "data-urgent-unacknowledged" in slt_page and "escalation_acknowledge" not in slt_page
    assert "/acknowledge/" not in slt_page

    response = login(head).post(
        reverse("moderation:escalation_acknowledge", args=[escalation.pk]), {"back": "dashboard"}
    )
    assert response["Location"] == reverse("dashboard")
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == head
