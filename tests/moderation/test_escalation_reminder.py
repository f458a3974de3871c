"""An urgent escalation not acknowledged within an hour is sent again to the
head (or acting head) and SLT, hourly, at most three times."""

import datetime

import pytest
import time_machine

from moderation import services
from moderation.escalation import EscalationOverdueReminder
from schoolsocial.models import ActingHead, Notification
from schoolsocial.reminders import REMINDERS, send_due
from tests.factories import SchoolFactory, StaffMemberFactory
from tests.moderation.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def escalate(school, severity=4):
    reporter = StaffMemberFactory(school=school, is_admin=True)
    incident = IncidentFactory(
        school=school, severity=severity, categories=["pupil_named"], reported_by=reporter
    )
    with time_machine.travel(T0, tick=False):
        return services.incident_escalate(incident=incident, raised_by=None)


def sent(escalation):
    """The reminder numbers sent so far, e.g. [1, 2]."""
    keys = Notification.objects.filter(kind="escalation_overdue").values_list("key", flat=True)
    prefix = f"escalation_overdue:{escalation.pk}:"
    return sorted({int(k[len(prefix) :].split(":")[0]) for k in keys if k.startswith(prefix)})


def tick(school, minutes):
    return send_due(now=T0 + datetime.timedelta(minutes=minutes), schools=[school])


def test_the_reminder_is_registered():
    assert any(isinstance(r, EscalationOverdueReminder) for r in REMINDERS)


def test_reminded_after_each_whole_hour_three_times_at_most(school, head, slt):
    escalation = escalate(school)
    tick(school, 59)
    assert sent(escalation) == []
    tick(school, 61)
    assert sent(escalation) == [1]
    tick(school, 90)
    assert sent(escalation) == [1]
    tick(school, 120)
    assert sent(escalation) == [1, 2]
    tick(school, 180)
    assert sent(escalation) == [1, 2, 3]
    tick(school, 240)
    tick(school, 600)
    assert sent(escalation) == [1, 2, 3]
    first = Notification.objects.filter(key__startswith=f"escalation_overdue:{escalation.pk}:1:")
    assert sorted(n.recipient_id for n in first) == sorted([head.pk, slt.pk])
    assert all("Not acknowledged after 1 h" in n.title for n in first)
    assert all("Pupil named or described" in n.title for n in first)


def test_a_late_tick_still_sends_the_reminder_it_missed(school, head, slt):
    escalation = escalate(school)
    tick(school, 200)
    assert sent(escalation) == [3]


def test_nothing_once_acknowledged_or_decided(school, head, slt):
    acknowledged = escalate(school)
    decided = escalate(school)
    with time_machine.travel(T0 + datetime.timedelta(minutes=30), tick=False):
        services.escalation_acknowledge(escalation=acknowledged, by=head)
        services.escalation_decide(escalation=decided, by=head, decision="speak")
    for minutes in (61, 121, 181):
        tick(school, minutes)
    assert sent(acknowledged) == [] and sent(decided) == []


def test_only_urgent_escalations_are_chased(school, head, slt):
    high = escalate(school, severity=3)
    tick(school, 61)
    assert sent(high) == []


def test_the_acting_head_is_chased_on_the_days_set(school, head, slt):
    acting = StaffMemberFactory(school=school, is_admin=True)
    ActingHead.objects.create(
        school=school,
        member=acting,
        starts_on=datetime.date(2026, 3, 9),
        ends_on=datetime.date(2026, 3, 13),
        set_by=head,
    )
    escalation = escalate(school)
    tick(school, 61)
    recipients = set(
        Notification.objects.filter(
            key__startswith=f"escalation_overdue:{escalation.pk}:1:"
        ).values_list("recipient_id", flat=True)
    )
    assert recipients == {acting.pk, slt.pk}


def test_many_schools_cost_a_fixed_number_of_queries(django_assert_max_num_queries):
    reminder = EscalationOverdueReminder()
    schools = []
    for n in range(4):
        school = SchoolFactory(slug=f"s{n}")
        StaffMemberFactory(school=school, is_head=True)
        StaffMemberFactory(school=school, is_slt=True)
        escalate(school)
        escalate(school)
        schools.append(school)
    now = T0 + datetime.timedelta(minutes=61)
    with django_assert_max_num_queries(6):
        due = list(reminder.due(schools=schools, now=now))
    assert len(due) == 8
    assert all(len(d.recipients) == 2 for d in due)


def test_an_urgent_escalation_and_its_reminders_are_sent_as_urgent(school, head, slt):
    """Urgent ones get the short claim timeout: a lost email goes again in a
    minute (schoolsocial.models.Notification.URGENT_EMAIL_CLAIM_TIMEOUT)."""
    escalation = escalate(school)
    tick(school, 61)
    first = Notification.objects.filter(kind="escalation", object_id=str(escalation.pk))
    reminders = Notification.objects.filter(kind="escalation_overdue")
    assert first.exists() and reminders.exists()
    assert all(n.urgent for n in [*first, *reminders])


def test_a_high_but_not_urgent_escalation_is_not_urgent(school, head, slt):
    escalation = escalate(school, severity=3)
    notifications = Notification.objects.filter(kind="escalation", object_id=str(escalation.pk))
    assert notifications.exists()
    assert not any(n.urgent for n in notifications)
