"""Background tasks. Each takes plain values, calls a service or a mailer, and
is safe to run twice."""

import logging
import random
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db.models import F

logger = logging.getLogger(__name__)


# A send that takes longer than this is stopped (EMAIL_TIMEOUT bounds each
# socket operation on the way), so a claim older than the hard limit belongs
# to a worker that is gone.
SEND_SOFT_TIME_LIMIT = 40
SEND_TIME_LIMIT = 45


def deliver_email(*, to: str, subject: str, body: str, message_id: str) -> None:
    """Hand one plain-text email to the mail server with the Message-ID it was
    given when queued, so a repeat after a crash is recognisably the same."""
    EmailMessage(subject=subject, body=body, to=[to], headers={"Message-ID": message_id}).send()


@shared_task(
    bind=True, max_retries=8, soft_time_limit=SEND_SOFT_TIME_LIMIT, time_limit=SEND_TIME_LIMIT
)
def send_email(self, *, to: str, subject: str, body: str, message_id: str = "") -> None:
    """Send one plain-text email; a failure is retried with growing pauses,
    under the same Message-ID (schoolsocial.mail.queue_email fixed it)."""
    from schoolsocial.mail import new_message_id

    try:
        deliver_email(to=to, subject=subject, body=body, message_id=message_id or new_message_id())
    except (smtplib.SMTPException, OSError) as error:
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


def retry_delay(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (0-based): doubling from
    EMAIL_RETRY_SECONDS up to an hour, with some jitter so a mail server
    that comes back is not hit by every retry at once."""
    base = settings.EMAIL_RETRY_SECONDS
    return min(base * 2**attempt, 3600) * random.uniform(0.75, 1.0)


@shared_task(
    bind=True, max_retries=8, soft_time_limit=SEND_SOFT_TIME_LIMIT, time_limit=SEND_TIME_LIMIT
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
    from django.utils import timezone

    from schoolsocial.mail import new_message_id
    from schoolsocial.models import Notification
    from schoolsocial.notifications import notification_email

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
        notification.email_message_id = new_message_id()
        Notification.objects.filter(pk=notification_id).update(
            email_message_id=notification.email_message_id
        )
    to, subject, body = notification_email(notification)
    try:
        deliver_email(to=to, subject=subject, body=body, message_id=notification.email_message_id)
    except (smtplib.SMTPException, OSError) as error:
        Notification.objects.filter(pk=notification_id).update(email_claimed_at=None)
        logger.warning("Email for notification %s failed: %s", notification_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


@shared_task
def send_reminders_tick() -> int:
    """Send every reminder due now (the beat runs this every minute).
    Safe to run twice: each reminder's idempotency key makes a second run,
    a retry or a second beat send nothing new."""
    from schoolsocial.reminders import tick

    return len(tick())


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
