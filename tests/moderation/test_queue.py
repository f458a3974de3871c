import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from policy.catalogue import Severity
from tests.factories import ChannelFactory
from tests.moderation.factories import IncidentFactory, make_evidence


def _ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


def test_open_work_comes_urgent_first_then_oldest_first(school, slt, login):
    high_old = IncidentFactory(school=school, severity=Severity.HIGH, occurred_at=_ago(50))
    urgent_new = IncidentFactory(school=school, severity=Severity.URGENT, occurred_at=_ago(1))
    urgent_old = IncidentFactory(school=school, severity=Severity.URGENT, occurred_at=_ago(30))
    IncidentFactory(school=school, severity=Severity.URGENT, status="closed")
    response = login(slt).get(reverse("moderation:queue"))
    assert list(response.context["page"]) == [urgent_old, urgent_new, high_old]


def test_filters_by_channel_category_severity_author_status_and_date(school, slt, login):
    other_channel = ChannelFactory(school=school)
    a = IncidentFactory(school=school, author_name="Pat Jones", categories=["bullying"])
    b = IncidentFactory(
        school=school, channel=other_channel, severity=Severity.LOW, categories=["spam"]
    )
    c = IncidentFactory(school=school, status="resolved", occurred_at=_ago(24 * 10))
    client = login(slt)

    def shown(**params):
        return list(client.get(reverse("moderation:queue"), params).context["page"])

    assert shown(channel=other_channel.pk) == [b]
    assert shown(category="bullying") == [a]
    assert shown(severity=Severity.LOW) == [b]
    assert shown(author="pat jo") == [a]
    assert shown(status="resolved") == [c]
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert c in shown(status="", date_to=week_ago)
    assert set(shown(status="", date_from=week_ago)) == {a, b}


def test_counts_per_status(school, slt, login):
    IncidentFactory.create_batch(2, school=school)
    IncidentFactory(school=school, status="escalated")
    IncidentFactory(school=school, status="closed")
    counts = login(slt).get(reverse("moderation:queue")).context["counts"]
    assert counts["open"] == 2
    assert counts["escalated"] == 1
    assert counts["open_work"] == 3
    assert counts["closed"] == 1


def test_another_schools_incidents_never_appear(school, other_school, slt, login):
    IncidentFactory(school=other_school)
    response = login(slt).get(reverse("moderation:queue"))
    assert list(response.context["page"]) == []


def _populate(school, n):
    channel = ChannelFactory(school=school)
    for i in range(n):
        incident = IncidentFactory(
            school=school, channel=channel, categories=["offensive", "bullying"]
        )
        if i % 3 == 0:
            make_evidence(incident)


@pytest.mark.parametrize("size", [3, 40])
def test_the_queue_makes_a_fixed_number_of_queries(
    size, school, slt, login, django_assert_max_num_queries
):
    _populate(school, size)
    client = login(slt)
    client.get(reverse("moderation:queue"))  # warm the session
    with django_assert_max_num_queries(15):
        response = client.get(reverse("moderation:queue"), {"status": "", "category": "bullying"})
    assert response.status_code == 200
    assert len(response.context["page"]) == min(size, 25)


def test_query_count_does_not_grow_with_the_number_of_incidents(school, slt, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(slt)
    _populate(school, 2)
    client.get(reverse("moderation:queue"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("moderation:queue"))
    _populate(school, 30)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("moderation:queue"))
    assert len(large) == len(small)


def test_paging_keeps_to_open_work(school, slt, login):
    IncidentFactory.create_batch(26, school=school)
    IncidentFactory(school=school, status="closed")
    response = login(slt).get(reverse("moderation:queue"), {"page": 2})
    assert response.context["page"].paginator.count == 26
