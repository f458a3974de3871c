"""Background tasks. Each takes plain values, calls a service or a mailer, and
is safe to run twice."""

import logging
import random
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.core.management import call_command
from django.db.models import F

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8)
def send_email(self, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text email; a failure is retried with growing pauses."""
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except (smtplib.SMTPException, OSError) as error:
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


def retry_delay(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (0-based): doubling from
    EMAIL_RETRY_SECONDS up to an hour, with some jitter so a mail server
    that comes back is not hit by every retry at once."""
    base = settings.EMAIL_RETRY_SECONDS
    return min(base * 2**attempt, 3600) * random.uniform(0.75, 1.0)


@shared_task(bind=True, max_retries=8)
def send_notification_email(self, notification_id: int) -> bool:
    """Email one notification, once.

    The row is claimed with a conditional update, so two copies of this task
    (a retry racing a redelivery) cannot both send; a failure releases the
    claim and the task is retried with growing pauses. Returns whether this
    run sent it.
    """
    from django.db.models import Q
    from django.utils import timezone

    from schoolsocial.models import Notification
    from schoolsocial.notifications import notification_email

    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True, email_wanted=True)
        .filter(
            Q(email_claimed_at__isnull=True)
            | Q(email_claimed_at__lt=now - Notification.EMAIL_CLAIM_TIMEOUT)
        )
        .update(email_claimed_at=now, email_attempts=F("email_attempts") + 1)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient__user", "school").get(
        pk=notification_id
    )
    to, subject, body = notification_email(notification)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
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


@shared_task
def apply_retention() -> int:
    """Remove what is past each school's retention periods, and subject
    access exports nobody downloaded within 30 days (nightly). Safe to run
    twice: a second run finds nothing left to remove."""
    from schoolsocial.retention import apply_all
    from schoolsocial.subject_access import subject_access_expire

    results = apply_all()
    expired = subject_access_expire()
    return sum(item.count for removed in results.values() for item in removed) + expired


@shared_task
def build_subject_access(request_id: int) -> bool:
    """Build one subject access export. Safe to run twice: the request is
    claimed first, so a second copy finds it taken and does nothing."""
    from schoolsocial.subject_access import subject_access_build

    return subject_access_build(request_id)


@shared_task
def check_audit_chains() -> int:
    """Verify every school's audit chain; the head hears of a broken one
    (once a day). Returns the number of broken chains."""
    from schoolsocial.records import audit_chain_check

    return len(audit_chain_check())
