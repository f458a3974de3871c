"""Weekly consent reminders: the office digest and the SLT's group
applications digest, once a week, counts only (never a pupil's name)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consent.models import GroupApplication
from schoolsocial.reminders import send_due
from tests.consent.factories import GroupApplicationFactory, PupilFactory, give_consent

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour, minute):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def of_kind(notifications, kind, recipient=None):
    return [
        n
        for n in notifications
        if n.kind == kind and (recipient is None or n.recipient == recipient)
    ]


def test_the_office_hears_weekly_about_missing_and_expiring_forms(school, office, head):
    PupilFactory(school=school, first_name="Gwenllïan")  # no form
    PupilFactory(school=school)  # no form
    give_consent(PupilFactory(school=school), valid_until=datetime.date(2026, 3, 31))
    give_consent(PupilFactory(school=school), valid_until=datetime.date(2026, 8, 31))
    PupilFactory(school=school, left_on=datetime.date(2025, 7, 20))  # a leaver: not counted

    with time_machine.travel(at(2026, 3, 9, 7, 59)):  # Monday, before 08:00
        assert of_kind(send_due(), "consent_digest") == []
    with time_machine.travel(at(2026, 3, 9, 8, 1)):
        [notification] = of_kind(send_due(), "consent_digest", office)
        assert of_kind(send_due(), "consent_digest") == []
    with time_machine.travel(at(2026, 3, 13, 12, 0)):  # later that week
        assert of_kind(send_due(), "consent_digest") == []
    with time_machine.travel(at(2026, 3, 16, 9, 0)):  # the next Monday
        assert len(of_kind(send_due(), "consent_digest", office)) == 1
    assert "2 pupil(s) with no consent form" in notification.title
    assert "1 form(s) expiring within 30 days" in notification.title
    assert "Gwenll" not in notification.title


def test_slt_hear_about_group_applications_waiting_over_three_days(school, slt):
    with time_machine.travel(at(2026, 3, 5, 10, 0)):
        GroupApplicationFactory(school=school)  # waits 4 days by Monday
    with time_machine.travel(at(2026, 3, 8, 10, 0)):
        GroupApplicationFactory(school=school)  # waits 1 day
        decided = GroupApplicationFactory(school=school)
    GroupApplication.objects.filter(pk=decided.pk).update(status="approved")
    with time_machine.travel(at(2026, 3, 9, 9, 0)):
        [notification] = of_kind(send_due(), "group_applications_digest", slt)
    assert notification.title.startswith("1 private-group application(s) waiting")


def test_nothing_to_report_sends_nothing(school, office, slt):
    give_consent(PupilFactory(school=school), valid_until=datetime.date(2026, 8, 31))
    with time_machine.travel(at(2026, 3, 9, 9, 0)):
        notifications = send_due()
    assert of_kind(notifications, "consent_digest") == []
    assert of_kind(notifications, "group_applications_digest") == []
