"""Background tasks. Each takes plain values, calls a service or a mailer, and
is safe to run twice.

The top of the core's layers: tasks import reminders and notifications,
never the other way round. The notification email task lives beside the code
that queues it (``schoolsocial.notifications``) under its historical name, so
notifications need not import this module.
"""

import logging
import smtplib

from celery import shared_task
from django.core.mail import send_mail
from django.core.management import call_command

from schoolsocial.notifications import retry_delay, send_notification_email
from schoolsocial.reminders import tick

logger = logging.getLogger(__name__)

__all__ = ["send_email", "send_notification_email", "send_reminders_tick", "retry_delay"]


@shared_task(bind=True, max_retries=8)
def send_email(self, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text email; a failure is retried with growing pauses."""
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except (smtplib.SMTPException, OSError) as error:
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


@shared_task
def send_reminders_tick() -> int:
    """Send every reminder due now (the beat runs this every minute).
    Safe to run twice: each reminder's idempotency key makes a second run,
    a retry or a second beat send nothing new."""
    return len(tick())


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task
def housekeeping() -> dict:
    """Prune claimed once-only form keys older than a day and stale stashed
    uploads (with their files). Safe to run twice: each run deletes what is
    old by then."""
    from schoolsocial.forms import prune_form_submissions
    from schoolsocial.uploads import prune_stashes

    return {"form_keys": prune_form_submissions(), "stashed_uploads": prune_stashes()}
