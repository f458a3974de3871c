"""Daily moderation reminders, with frozen time: the school's reminder time
in its own time zone, the clock changes, weekends, closure dates, exactly
once, and a fixed number of queries."""

import datetime
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from schoolsocial import mail as mailer
from schoolsocial.models import Channel, Notification
from schoolsocial.reminders import send_due
from tests.factories import ChannelAuthorisationFactory, ChannelFactory, StaffMemberFactory
from tests.moderation.factories import ModerationCheckFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def at(year, month, day, hour, minute, tz=LONDON):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.fixture
def page(school, authorised_admin, channel):
    Channel.objects.filter(pk=channel.pk).update(created_at=at(2025, 1, 1, 9, 0))
    channel.refresh_from_db()
    return channel


def daily(notifications):
    return [n for n in notifications if n.kind == "moderation_due"]


def test_the_administrator_is_reminded_at_the_schools_reminder_time_once(page, admin):
    with time_machine.travel(at(2026, 3, 4, 15, 29)):
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 3, 4, 15, 31)):
        [notification] = daily(send_due())
        assert daily(send_due()) == []  # the next tick: nothing new
    with time_machine.travel(at(2026, 3, 4, 21, 0)):
        assert daily(send_due()) == []
    assert notification.recipient == admin
    assert page.name in notification.title
    assert notification.url == "/moderation/checks/"


def test_a_channel_already_checked_today_is_not_reminded(page, admin):
    with time_machine.travel(at(2026, 3, 4, 11, 0)):
        ModerationCheckFactory(channel=page, checked_by=admin)
    with time_machine.travel(at(2026, 3, 4, 15, 31)):
        assert daily(send_due()) == []


def test_the_schools_own_reminder_time_is_used(page, school):
    school.reminder_time = datetime.time(9, 0)
    school.save()
    with time_machine.travel(at(2026, 3, 4, 9, 1)):
        assert len(daily(send_due())) == 1


def test_weekends_left_out_by_the_school_are_not_reminded(page):
    page.check_weekdays = [0, 1, 2, 3, 4]
    page.save()
    with time_machine.travel(at(2026, 3, 7, 16, 0)):  # a Saturday
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 3, 9, 16, 0)):  # Monday
        assert len(daily(send_due())) == 1


def test_closure_dates_are_not_reminded(page, school):
    school.closure_dates = ["2026-12-24"]
    school.save()
    with time_machine.travel(at(2026, 12, 24, 16, 0)):
        assert daily(send_due()) == []


def test_the_day_the_clocks_go_forward(page, school):
    # 29 March 2026: 01:00 GMT becomes 02:00 BST. 15:30 BST is 14:30 UTC.
    with time_machine.travel(at(2026, 3, 29, 14, 29, UTC)):
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 3, 29, 14, 31, UTC)):
        assert len(daily(send_due())) == 1


def test_a_reminder_time_in_the_hour_that_never_happens(page, school):
    school.reminder_time = datetime.time(1, 30)
    school.save()
    with time_machine.travel(at(2026, 3, 29, 0, 59, UTC)):  # 00:59 GMT
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 3, 29, 1, 0, UTC)):  # 02:00 BST
        assert len(daily(send_due())) == 1


def test_the_day_the_clocks_go_back_sends_once(page, school):
    # 25 October 2026: 02:00 BST becomes 01:00 GMT, so 01:30 happens twice.
    school.reminder_time = datetime.time(1, 30)
    school.save()
    with time_machine.travel(at(2026, 10, 25, 0, 31, UTC)):  # 01:31 BST
        assert len(daily(send_due())) == 1
    with time_machine.travel(at(2026, 10, 25, 1, 31, UTC)):  # 01:31 GMT, again
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 10, 25, 15, 31, UTC)):  # 15:31 GMT
        assert daily(send_due()) == []


def test_a_school_in_another_time_zone(page, school):
    school.time_zone = "Asia/Dubai"  # UTC+4
    school.save()
    with time_machine.travel(at(2026, 3, 4, 11, 29, UTC)):  # 15:29 in Dubai
        assert daily(send_due()) == []
    with time_machine.travel(at(2026, 3, 4, 11, 31, UTC)):  # 15:31 in Dubai
        [notification] = daily(send_due())
    assert notification.key.startswith(f"moderation_due:{page.pk}:2026-03-04")


def test_slt_hear_next_morning_about_a_day_with_no_check(page, slt, head):
    def missed(notifications):
        return [n for n in notifications if n.kind == "moderation_missed"]

    with time_machine.travel(at(2026, 3, 5, 7, 59)):
        assert missed(send_due()) == []
    with time_machine.travel(at(2026, 3, 5, 8, 1)):
        [notification] = missed(send_due())
        assert missed(send_due()) == []
    assert notification.recipient == slt
    assert "Wednesday 04 March" in notification.title
    # The 5th was checked: nothing on the 6th about it.
    with time_machine.travel(at(2026, 3, 5, 12, 0)):
        ModerationCheckFactory(channel=page, checked_by=page.authorisations.get().member)
    with time_machine.travel(at(2026, 3, 6, 9, 0)):
        assert missed(send_due()) == []


def test_the_ticks_queries_do_not_grow_with_the_number_of_channels(
    school, head, django_assert_max_num_queries
):
    def add_channels(n):
        for _ in range(n):
            channel = ChannelFactory(school=school)
            admin = StaffMemberFactory(school=school, is_admin=True)
            ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
        Channel.objects.update(created_at=at(2025, 1, 1, 9, 0))

    add_channels(2)
    with time_machine.travel(at(2026, 3, 4, 15, 31)), django_assert_max_num_queries(50) as ctx:
        assert len(daily(send_due())) == 2
    few = len(ctx.captured_queries)
    add_channels(12)
    with (
        time_machine.travel(at(2026, 3, 5, 15, 31)),
        django_assert_max_num_queries(few) as ctx,
    ):
        assert len(daily(send_due())) == 14


def test_a_failing_address_does_not_stop_the_others_and_goes_at_the_next_tick(
    school, head, channel, monkeypatch, django_capture_on_commit_callbacks
):
    Channel.objects.update(created_at=at(2025, 1, 1, 9, 0))
    admins = [StaffMemberFactory(school=school, is_admin=True) for _ in range(3)]
    for admin in admins:
        ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
    broken = admins[1].user.email
    attempts = []
    real_deliver = mailer.deliver_email

    def deliver_email(*, to, **kwargs):
        if to == broken:
            attempts.append(1)
            raise smtplib.SMTPRecipientsRefused({broken: (450, b"mailbox busy")})
        return real_deliver(to=to, **kwargs)

    monkeypatch.setattr("schoolsocial.mail.deliver_email", deliver_email)
    with (
        time_machine.travel(at(2026, 3, 4, 15, 31)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_due()

    def daily_emails():
        return sorted(m.to[0] for m in mail.outbox if "Daily check due" in m.subject)

    assert daily_emails() == sorted([admins[0].user.email, admins[2].user.email])
    assert attempts  # it was tried
    stuck = Notification.objects.get(recipient=admins[1])
    assert stuck.emailed_at is None and stuck.email_claimed_at is None
    # The mailbox recovers: the next tick queues it again and it goes, once.
    monkeypatch.setattr("schoolsocial.mail.deliver_email", real_deliver)
    from schoolsocial.reminders import tick

    with time_machine.travel(at(2026, 3, 4, 15, 50)):
        tick()
        tick()
    assert daily_emails().count(broken) == 1
