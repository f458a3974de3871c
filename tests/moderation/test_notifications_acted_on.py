"""Acting on what a notification is about marks it read for the person who
acted; the other recipients still see theirs."""

import datetime

import pytest
from django.utils import timezone

from moderation import services
from schoolsocial.models import Notification
from schoolsocial.notifications import notify
from tests.moderation.factories import upload
from tests.moderation.images import png_bytes

pytestmark = pytest.mark.django_db


def escalate(channel, admin):
    incident = services.incident_record(
        channel=channel,
        reported_by=admin,
        author_name="Angry Parent",
        author_kind="parent",
        content="The school trip was a shambles.",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["offensive"],
        screenshots=[upload(png_bytes())],
    )
    return incident.escalations.get()


def unread(member):
    return set(
        Notification.objects.filter(recipient=member, read_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


def test_acknowledging_an_escalation_marks_the_heads_notification_read(
    channel, authorised_admin, head, slt
):
    escalation = escalate(channel, authorised_admin)
    assert "escalation" in unread(head) and "escalation" in unread(slt)
    services.escalation_acknowledge(escalation=escalation, by=head)
    assert "escalation" not in unread(head)
    assert "escalation" in unread(slt)  # slt has not acted on it


def test_deciding_marks_the_overdue_reminders_read_too(channel, authorised_admin, head):
    escalation = escalate(channel, authorised_admin)
    notify(
        recipients=[head],
        kind="escalation_overdue",
        key=f"escalation_overdue:{escalation.pk}:1",
        title="Not acknowledged after 1 h",
    )
    other = escalate(channel, authorised_admin)
    services.escalation_decide(escalation=escalation, by=head, decision="speak")
    keys = set(
        Notification.objects.filter(recipient=head, read_at__isnull=True).values_list(
            "key", flat=True
        )
    )
    assert keys == {f"escalation:{other.pk}:{head.pk}"}


def test_recording_the_daily_check_marks_that_channels_reminder_read(
    channel, authorised_admin, school
):
    from tests.factories import ChannelFactory

    other = ChannelFactory(school=school, name="Parents' group")
    for c in (channel, other):
        notify(
            recipients=[authorised_admin],
            kind="moderation_due",
            key=f"moderation_due:{c.pk}:{school.local_today()}",
            title=f"Daily check due: {c.name}",
            url="/moderation/checks/",
        )
    services.check_record(channel=channel, checked_by=authorised_admin, outcome="nothing")
    left = Notification.objects.filter(recipient=authorised_admin, read_at__isnull=True)
    assert [n.title for n in left] == ["Daily check due: Parents' group"]
