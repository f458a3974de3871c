import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse

from schoolsocial.models import Notification
from schoolsocial.notifications import notify
from schoolsocial.tasks import send_notification_email

pytestmark = pytest.mark.django_db


def send(recipients, key="escalation:1", **kwargs):
    return notify(
        recipients=recipients,
        kind="escalation",
        key=key,
        title="Urgent: pupil named or described",
        url="/moderation/incidents/1/",
        **kwargs,
    )


def test_each_recipient_gets_one_notification_and_one_email_after_commit(
    head, slt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = send([head, slt])
    assert len(created) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [head.user.email, slt.user.email]
    message = mail.outbox[0]
    assert message.subject == "[Example Primary] Urgent: pupil named or described"
    assert "http://localhost:8000/moderation/incidents/1/" in message.body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_sending_the_same_notification_again_sends_nothing(
    head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send([head])
    with django_capture_on_commit_callbacks(execute=True):
        again = send([head])
    assert again == []
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_nothing_is_emailed_if_the_transaction_rolls_back(head, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send([head])
        raise RuntimeError("the change failed after notifying")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_an_email_task_run_twice_sends_once(head):
    [notification] = send([head], email=False)
    Notification.objects.filter(pk=notification.pk).update(email_wanted=True)
    assert send_notification_email.apply(args=[notification.pk]).get() is True
    assert send_notification_email.apply(args=[notification.pk]).get() is False
    assert len(mail.outbox) == 1


def test_a_failed_email_schedules_a_retry_with_a_growing_pause(head, monkeypatch, settings):
    [notification] = send([head], email=False)
    Notification.objects.filter(pk=notification.pk).update(email_wanted=True)
    settings.EMAIL_RETRY_SECONDS = 30

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("schoolsocial.mail.deliver_email", broken)
    with pytest.raises(Retry) as retry:
        send_notification_email.apply(args=[notification.pk])
    assert 22 <= retry.value.when <= 30  # seconds, with jitter
    with pytest.raises(Retry) as later:
        send_notification_email.apply(args=[notification.pk], retries=3)
    assert 180 <= later.value.when <= 240  # doubled three times
    notification.refresh_from_db()
    assert notification.email_claimed_at is None and notification.email_attempts == 2

    monkeypatch.undo()
    assert send_notification_email.apply(args=[notification.pk], retries=1).get() is True
    assert len(mail.outbox) == 1


def test_a_failed_email_is_released_for_a_retry(head, monkeypatch):
    [notification] = send([head], email=False)
    Notification.objects.filter(pk=notification.pk).update(email_wanted=True)

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server went away")

    monkeypatch.setattr("schoolsocial.mail.deliver_email", broken)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_notification_email.run(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.email_claimed_at is None
    monkeypatch.undo()
    assert send_notification_email.run(notification.pk) is True
    assert len(mail.outbox) == 1


def test_the_bell_counts_unread_and_the_list_marks_them_read(head, login):
    send([head], email=False)
    send([head], key="escalation:2", email=False)
    client = login(head)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<span class="bell__count">2</span>' in page
    first = Notification.objects.filter(recipient=head).first()
    client.post(reverse("notification_read"), {"notification": first.pk})
    assert '<span class="bell__count">1</span>' in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("notification_read"))
    assert not Notification.objects.filter(recipient=head, read_at__isnull=True).exists()


def test_nobody_sees_or_marks_someone_elses_notifications(head, slt, login):
    [notification] = send([head], email=False)
    client = login(slt)
    assert "pupil named" not in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notification_read"), {"notification": notification.pk})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_staff_who_have_left_are_not_notified(head, admin):
    admin.left_on = admin.joined_on
    admin.save()
    assert send([head, admin], email=False)[0].recipient == head
    assert Notification.objects.count() == 1


def test_the_school_name_is_not_repeated_in_the_subject(head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[head],
            kind="escalation",
            key="escalation:9",
            title="Urgent escalation: Spam — Example Primary",
        )
    assert mail.outbox[0].subject == "Urgent escalation: Spam — Example Primary"


# --- At least once, recognisably: Message-IDs and claim timeouts -------------------


def test_each_email_carries_the_message_id_fixed_when_it_was_queued(
    head, slt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = send([head, slt])
    stored = {n.recipient.user.email: n.email_message_id for n in created}
    assert all(stored.values()) and len(set(stored.values())) == 2
    for message in mail.outbox:
        assert message.message()["Message-ID"] == stored[message.to[0]]
    assert stored[head.user.email].endswith("@localhost>")


def test_an_email_repeated_after_a_crash_has_the_same_message_id(head):
    """The worker handed the message over, then died before recording it:
    once the claim has expired it is sent again, as the same message."""
    import datetime

    from django.utils import timezone

    [notification] = send([head], email=False)
    Notification.objects.filter(pk=notification.pk).update(email_wanted=True)
    notification.refresh_from_db()
    assert send_notification_email.run(notification.pk) is True
    # Simulate the crash: the send happened, the record of it did not.
    crashed_at = timezone.now() - datetime.timedelta(minutes=11)
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=None, email_claimed_at=crashed_at
    )
    assert send_notification_email.run(notification.pk) is True
    first, repeat = mail.outbox
    assert first.message()["Message-ID"] == repeat.message()["Message-ID"]
    assert first.message()["Message-ID"] == notification.email_message_id


def test_an_urgent_email_held_by_a_dead_worker_goes_after_a_minute_not_ten(head):
    import datetime

    import time_machine
    from django.utils import timezone

    from schoolsocial.notifications import resend_unsent

    [urgent] = send([head], key="escalation:7", email=False, urgent=True)
    [routine] = send([head], key="digest:7", email=False)
    claimed = timezone.now()
    Notification.objects.update(email_wanted=True, email_claimed_at=claimed)
    later = claimed + datetime.timedelta(seconds=90)
    with time_machine.travel(later, tick=False):
        # A copy of the task (a redelivery) runs now: the routine one is
        # still taken to be in hand, the urgent one's worker is gone.
        assert send_notification_email.run(routine.pk) is False
        assert send_notification_email.run(urgent.pk) is True
    assert [m.to[0] for m in mail.outbox] == [head.user.email]
    # And the tick queues the urgent one again a minute after it was created.
    Notification.objects.filter(pk=urgent.pk).update(emailed_at=None, email_claimed_at=None)
    with time_machine.travel(claimed + datetime.timedelta(seconds=30), tick=False):
        assert resend_unsent() == 0
    with time_machine.travel(claimed + datetime.timedelta(seconds=70), tick=False):
        assert resend_unsent() == 1


def test_an_invitation_email_carries_a_message_id(head, django_capture_on_commit_callbacks):
    from schoolsocial.services import staff_invite

    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(
            school=head.school,
            invited_by=head,
            email="new@example.org",
            first_name="New",
            last_name="Person",
            roles=["office"],
        )
    [message] = mail.outbox
    assert message.message()["Message-ID"].startswith("<")
    assert message.message()["Message-ID"].endswith("@localhost>")


def test_a_retried_email_keeps_its_message_id(monkeypatch):
    from schoolsocial.tasks import send_email

    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["message_id"])
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("mail server went away")
        return real(**kwargs)

    from schoolsocial import mail as mailer

    real = mailer.deliver_email
    monkeypatch.setattr("schoolsocial.mail.deliver_email", flaky)
    kwargs = {"to": "a@example.org", "subject": "s", "body": "b", "message_id": "<fixed@x>"}
    with pytest.raises(Retry):
        send_email.apply(kwargs=kwargs)
    send_email.apply(kwargs=kwargs, retries=1).get()
    assert calls == ["<fixed@x>", "<fixed@x>"]
    assert mail.outbox[0].message()["Message-ID"] == "<fixed@x>"
