import datetime

import pytest
import time_machine
from django.urls import reverse

from moderation import selectors, services
from moderation.models import ModerationCheck
from schoolsocial.models import AuditEvent
from schoolsocial.services import ServiceError
from tests.factories import ChannelFactory
from tests.moderation.factories import ModerationCheckFactory


def test_an_authorised_administrator_records_todays_check(authorised_admin, channel, login):
    response = login(authorised_admin).post(
        reverse("moderation:checks"),
        {"channel": channel.pk, "outcome": "nothing", "note": "All quiet"},
    )
    assert response.status_code == 302
    check = ModerationCheck.objects.get()
    assert check.checked_on == channel.school.local_today()
    assert check.checked_by == authorised_admin
    assert AuditEvent.objects.filter(action="moderation.check").count() == 1


def test_a_second_check_the_same_day_is_refused_politely(authorised_admin, channel, login):
    services.check_record(channel=channel, checked_by=authorised_admin, outcome="nothing")
    client = login(authorised_admin)
    response = client.post(
        reverse("moderation:checks"), {"channel": channel.pk, "outcome": "nothing"}, follow=True
    )
    assert "already been checked today" in response.content.decode()
    assert ModerationCheck.objects.count() == 1


def test_only_a_current_administrator_of_the_channel_may_record_it(
    admin, head, channel, authorised_admin
):
    from schoolsocial.models import ChannelAuthorisation

    with pytest.raises(ServiceError, match="current administrator"):
        services.check_record(channel=channel, checked_by=head, outcome="nothing")
    ChannelAuthorisation.objects.filter(member=admin).update(
        revoked_on=datetime.date.today(), revoked_reason="Left the role"
    )
    with pytest.raises(ServiceError, match="current administrator"):
        services.check_record(channel=channel, checked_by=admin, outcome="nothing")
    assert not ModerationCheck.objects.exists()


def test_the_form_offers_only_the_administrators_channels(school, authorised_admin, channel, login):
    other = ChannelFactory(school=school)
    response = login(authorised_admin).post(
        reverse("moderation:checks"), {"channel": other.pk, "outcome": "nothing"}
    )
    assert response.status_code == 200
    assert not ModerationCheck.objects.exists()


def test_incidents_raised_leads_on_to_recording_one(authorised_admin, channel, login):
    response = login(authorised_admin).post(
        reverse("moderation:checks"), {"channel": channel.pk, "outcome": "incidents"}
    )
    assert response["Location"].startswith(reverse("moderation:incident_new"))


@time_machine.travel(datetime.datetime(2025, 3, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_the_coverage_grid_shows_checked_missed_and_not_required(
    school, channel, authorised_admin, django_assert_max_num_queries
):
    school.closure_dates = ["2025-03-17"]
    school.save()
    type(channel).objects.filter(pk=channel.pk).update(
        created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    weekly = ChannelFactory(school=school, moderated_daily=False)
    for day in (18, 19):
        ModerationCheckFactory(
            channel=channel, checked_by=authorised_admin, checked_on=datetime.date(2025, 3, day)
        )
    with django_assert_max_num_queries(2):
        grid = selectors.coverage(school=school)
    rows = {row["channel"].pk: row for row in grid["rows"]}
    cells = {c.day.day: c.state for c in rows[channel.pk]["cells"][-5:]}
    assert cells == {16: "missed", 17: "not_required", 18: "checked", 19: "checked", 20: "due"}
    assert len(grid["dates"]) == 30
    assert {c.state for c in rows[weekly.pk]["cells"]} == {"not_required"}


def test_slt_sees_the_coverage_grid(slt, channel, login):
    response = login(slt).get(reverse("moderation:checks"))
    assert response.status_code == 200
    assert channel.name in response.content.decode()
    assert "not a current administrator" in response.content.decode()
