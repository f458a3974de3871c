"""Background tasks. Each takes plain values, calls a service or a mailer, and
is safe to run twice."""

import logging
import smtplib

from celery import shared_task
from django.core.mail import send_mail
from django.core.management import call_command

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text email; a failure is retried with growing pauses."""
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
