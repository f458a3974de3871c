"""Notifying staff: in the app exactly once, by email at least once.

Every caller names what it notifies about with a ``key``; the key plus the
recipient is unique in the database, so sending the same thing again creates
no second notification and queues no second email. Emails are sent by a
Celery task after the transaction commits, and carry only the title (fixed
labels: category, severity, school) and a link that needs sign-in — never
pupil names or the text of a comment.

Why email is at least once and not exactly once: the task claims the row,
hands the message to the mail server, then records ``emailed_at``. If the
worker dies after the server accepted the message and before that record,
nothing can tell whether the message left, so it is sent again once the
claim expires. The repeat carries the Message-ID fixed when the notification
was created (``email_message_id``), so it is recognisably the same message.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Model, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from schoolsocial import mail
from schoolsocial.language import language_for_member, read_in
from schoolsocial.mail import new_message_id
from schoolsocial.models import Notification, StaffMember

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One notification for one person."""

    recipient: StaffMember
    kind: str
    key: str  # unique per recipient already
    title: str | Promise
    url: str = ""
    object_type: str = ""
    object_id: str = ""
    email: bool = True
    urgent: bool = False


def notify(
    *,
    recipients: Iterable[StaffMember],
    kind: str,
    key: str,
    title: str | Promise,
    url: str = "",
    obj: Model | None = None,
    email: bool = True,
    urgent: bool = False,
) -> list[Notification]:
    """Create one notification per recipient unless it already exists, and
    email the new ones after commit. Returns the notifications created now."""
    return deliver(
        [
            Delivery(
                recipient=member,
                kind=kind,
                key=f"{key}:{member.pk}",
                title=title,
                url=url,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                email=email,
                urgent=urgent,
            )
            for member in recipients
        ]
    )


def deliver(deliveries: Iterable[Delivery]) -> list[Notification]:
    """Create the notifications not created before, in three queries however
    many there are, and email the new ones after commit."""
    wanted = {d.key: d for d in deliveries if d.recipient.is_active}
    if not wanted:
        return []
    with transaction.atomic():
        existing = set(
            Notification.objects.filter(key__in=list(wanted)).values_list("key", flat=True)
        )
        new = [
            Notification(
                school_id=d.recipient.school_id,
                recipient=d.recipient,
                kind=d.kind,
                title=_title(d)[:200],
                url=d.url,
                key=d.key,
                object_type=d.object_type,
                object_id=d.object_id,
                email_wanted=d.email,
                urgent=d.urgent,
                email_message_id=new_message_id(),
            )
            for key, d in wanted.items()
            if key not in existing
        ]
        if not new:
            return []
        # A concurrent sender may have inserted some of the same keys meanwhile:
        # those rows are skipped here and were (or will be) emailed by it.
        Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        created = list(
            Notification.objects.filter(key__in=[n.key for n in new]).select_related(
                "recipient__user"
            )
        )
        ids = [n.pk for n in created if n.email_wanted]
        if ids:
            transaction.on_commit(lambda: _enqueue_emails(ids))
    return created


def _title(delivery: Delivery) -> str:
    """A ``later`` title is stored in its recipient's language, so the
    notification list and the email subject read in it."""
    if isinstance(delivery.title, Promise):
        return read_in(delivery.title, language_for_member(delivery.recipient))
    return delivery.title


def _enqueue_emails(ids: list[int]) -> None:
    """Queue one email task per notification. One that cannot be queued (the
    broker is down) does not stop the others; ``resend_unsent`` picks it up
    at the next tick."""
    for pk in ids:
        try:
            send_notification_email.delay(pk)
        except Exception:
            logger.exception("Could not queue the email for notification %s", pk)


RESEND_AFTER = datetime.timedelta(minutes=5)
URGENT_RESEND_AFTER = datetime.timedelta(minutes=1)


def resend_unsent(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Queue again the emails that should have gone out by now and did not
    (the broker was down, or a worker died holding the claim), so nothing is
    missed: urgent ones after a minute, others after five. Two copies of the
    task never send at once: each claims the row first."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(email_wanted=True, emailed_at__isnull=True)
        .filter(
            Q(urgent=False, created_at__lt=now - RESEND_AFTER)
            | Q(urgent=True, created_at__lt=now - URGENT_RESEND_AFTER)
        )
        .filter(Notification.claim_expired(now))
        .order_by("-urgent", "created_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue_emails(ids)
    return len(ids)


def notification_email(notification: Notification) -> tuple[str, str, str]:
    """(to, subject, body) — from fixed labels and a link only."""

    member = notification.recipient
    link = settings.SITE_URL + (notification.url or "/notifications/")
    school = notification.school.name
    title = notification.title
    subject = title if school in title else f"[{school}] {title}"
    # In the recipient's language (their own choice, else their school's).
    # The title was stored in the recipient's language when it was made
    # (``later`` titles, see ``_title``).
    with translation.override(language_for_member(member)):
        body = (
            gettext("Hello %(name)s,")
            % {"name": member.user.first_name or member.user.display_name}
            + f"\n\n{notification.title}\n\n"
            + gettext("Sign in to see the details:")
            + f"\n{link}\n\n"
            + gettext(
                "This email holds no details on purpose: they stay in schoolsocial, "
                "behind your sign-in."
            )
            + "\n"
        )
    return member.user.email, subject, body


def mark_read(*, member: StaffMember, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all when no ids are given)."""
    unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def mark_read_about(*, member: StaffMember, key_prefixes: Iterable[str]) -> int:
    """Acting on what a notification is about marks it read for the person
    who acted: the services that act call this with the keys they notify
    under ("escalation:12:" for escalation 12). Other recipients still see
    theirs until they act or read it."""
    from django.db.models import Q

    condition = Q()
    for prefix in key_prefixes:
        condition |= Q(key__startswith=prefix)
    if not condition:
        return 0
    return (
        Notification.objects.filter(recipient=member, read_at__isnull=True)
        .filter(condition)
        .update(read_at=timezone.now())
    )


def open_notification(*, member: StaffMember, notification: Notification) -> str:
    """Following a notification's link marks it read; returns where to go."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    url = notification.url or ""
    # Only a path inside the app: the stored URL is the app's own.
    if not url.startswith("/") or url.startswith("//"):
        return "/notifications/"
    return url


def unread_count(member: StaffMember) -> int:
    return Notification.objects.filter(recipient=member, read_at__isnull=True).count()


# --- The email task (queued after commit by ``deliver``) ---------------------


@shared_task(
    bind=True,
    max_retries=8,
    soft_time_limit=mail.SEND_SOFT_TIME_LIMIT,
    time_limit=mail.SEND_TIME_LIMIT,
    name="schoolsocial.tasks.send_notification_email",
)
def send_notification_email(self, notification_id: int) -> bool:
    """Email one notification.

    The row is claimed with a conditional update, so two copies of this task
    (a retry racing a redelivery) cannot both send; a failure releases the
    claim and the task is retried with growing pauses. A claim left by a
    worker that died expires (after a minute for urgent notifications, ten
    for the rest) and the message goes again with its stored Message-ID:
    at least once, recognisably the same. Returns whether this run sent it.
    """
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True, email_wanted=True)
        .filter(Notification.claim_expired(now))
        .update(email_claimed_at=now, email_attempts=F("email_attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient__user", "school").get(
        pk=notification_id
    )
    if not notification.email_message_id:  # queued before Message-IDs were stored
        notification.email_message_id = mail.new_message_id()
        Notification.objects.filter(pk=notification_id).update(
            email_message_id=notification.email_message_id
        )
    to, subject, body = notification_email(notification)
    try:
        mail.deliver_email(
            to=to, subject=subject, body=body, message_id=notification.email_message_id
        )
    except (smtplib.SMTPException, OSError) as error:
        Notification.objects.filter(pk=notification_id).update(email_claimed_at=None)
        logger.warning("Email for notification %s failed: %s", notification_id, error)
        raise self.retry(exc=error, countdown=mail.retry_delay(self.request.retries)) from error
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True
