"""The reminder machinery and the core's monthly reminders, with frozen time."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from schoolsocial.models import Notification
from schoolsocial.reminders import reached, send_due
from tests.factories import ChannelAuthorisationFactory, ChannelFactory, SchoolFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour, minute, tz=LONDON):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.fixture
def stale_training(head, admin, channel):
    ChannelAuthorisationFactory(
        member=admin, channel=channel, authorised_by=head, trained_on=datetime.date(2024, 1, 10)
    )


def test_training_over_a_year_old_reaches_the_head_once_a_month(head, stale_training):
    with time_machine.travel(at(2026, 3, 1, 15, 29)):
        assert send_due() == []  # before the school's reminder time
    with time_machine.travel(at(2026, 3, 1, 15, 31)):
        [notification] = send_due()
        assert send_due() == []  # the next tick sends nothing again
    with time_machine.travel(at(2026, 3, 17, 9, 0)):
        assert send_due() == []  # still March
    with time_machine.travel(at(2026, 4, 1, 16, 0)):
        assert len(send_due()) == 1
    assert notification.recipient == head
    assert "training" in notification.title
    assert Notification.objects.count() == 2


def test_recent_training_sends_nothing(head, admin, channel):
    ChannelAuthorisationFactory(
        member=admin, channel=channel, authorised_by=head, trained_on=datetime.date(2026, 1, 10)
    )
    with time_machine.travel(at(2026, 3, 1, 16, 0)):
        assert send_due() == []


def test_the_policy_review_date_within_30_days_reaches_the_head(head, school):
    school.policy_next_review = datetime.date(2026, 5, 20)
    school.save()
    with time_machine.travel(at(2026, 4, 1, 16, 0)):
        assert send_due() == []  # 49 days away
    with time_machine.travel(at(2026, 5, 1, 16, 0)):
        [notification] = send_due()
    assert "20 May 2026" in notification.title


def test_a_school_in_another_time_zone_gets_it_at_its_own_local_time(stale_training, school):
    school.time_zone = "America/New_York"
    school.save()
    # 15:31 in London is 10:31 in New York: not yet.
    with time_machine.travel(at(2026, 3, 1, 15, 31)):
        assert send_due() == []
    with time_machine.travel(at(2026, 3, 1, 15, 31, ZoneInfo("America/New_York"))):
        assert len(send_due()) == 1


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # 29 March 2026: the clocks go forward at 01:00 GMT to 02:00 BST.
        (at(2026, 3, 29, 0, 59), False),
        (at(2026, 3, 29, 2, 0), True),  # 01:30 never happened; it has passed
        # 25 October 2026: the clocks go back at 02:00 BST to 01:00 GMT.
        (at(2026, 10, 25, 1, 29, ZoneInfo("UTC")), True),  # 01:29 GMT, second time round
        (at(2026, 10, 25, 0, 29, ZoneInfo("UTC")), True),  # 01:29 BST, first time round
        (at(2026, 10, 25, 0, 0, ZoneInfo("UTC")), False),  # 01:00 BST
    ],
)
def test_reminder_times_across_the_clock_changes(school, local, expected):
    assert reached(school, local, datetime.time(1, 15)) is expected


def test_send_reminders_dry_run_prints_and_sends_nothing(head, stale_training, capsys):
    with time_machine.travel(at(2026, 3, 2, 9, 0)):
        call_command("send_reminders", "--dry-run")
        out = capsys.readouterr().out
        assert "training" in out and head.user.email in out
        assert not Notification.objects.exists()
        call_command("send_reminders")
        assert "1 new notification(s) sent." in capsys.readouterr().out
        call_command("send_reminders")
        assert "0 new notification(s) sent." in capsys.readouterr().out
        call_command("send_reminders", "--dry-run")
        assert "0 reminder(s) due now" in capsys.readouterr().out


def test_the_tick_for_many_schools_makes_the_same_number_of_queries(
    django_assert_max_num_queries, head
):
    for _ in range(3):
        school = SchoolFactory()
        ChannelFactory(school=school)
    with time_machine.travel(at(2026, 3, 2, 9, 0)), django_assert_max_num_queries(12) as few:
        send_due()
    for _ in range(20):
        school = SchoolFactory(policy_next_review=datetime.date(2026, 3, 20))
        for _ in range(3):
            ChannelFactory(school=school)
    with (
        time_machine.travel(at(2026, 3, 2, 9, 0)),
        django_assert_max_num_queries(len(few.captured_queries) + 6),
    ):
        send_due()


def test_a_school_with_no_review_date_is_asked_to_set_one(school, head):
    from schoolsocial.models import Notification
    from schoolsocial.reminders import tick

    school.policy_next_review = None
    school.save()
    with time_machine.travel(at(2026, 3, 2, 16, 0)):
        tick()
        tick()
    sent = Notification.objects.filter(kind="policy_review", recipient=head)
    assert [n.title for n in sent] == ["Set the date the social media policy is next reviewed"]


def test_a_tick_over_many_schools_is_shared_out_in_batches_and_sends_each_reminder_once(
    head, stale_training
):
    """More schools than one batch: the tick hands out a task per batch
    (run at once here; by any worker in production), and together they send
    exactly what one tick would."""
    from schoolsocial.models import StaffMember
    from schoolsocial.tasks import send_reminders_tick
    from tests.factories import StaffMemberFactory

    heads = [head]
    for n in range(2):
        school = SchoolFactory(slug=f"batch-{n}")
        other_head = StaffMemberFactory(school=school, is_head=True)
        other_admin = StaffMemberFactory(school=school, is_admin=True)
        ChannelAuthorisationFactory(
            member=other_admin,
            channel=ChannelFactory(school=school),
            authorised_by=other_head,
            trained_on=datetime.date(2024, 1, 10),
        )
        heads.append(other_head)
    with time_machine.travel(at(2026, 3, 1, 16, 0)):
        assert send_reminders_tick(batch=1) == 0  # handed out, not done here
        assert send_reminders_tick(batch=1) == 0
    reminded = Notification.objects.filter(kind__contains="training")
    assert sorted(n.recipient_id for n in reminded) == sorted(h.pk for h in heads)
    assert StaffMember.objects.filter(is_head=True).count() == 3
