"""Queueing email: every message gets its Message-ID when it is queued.

Delivery is at least once, not exactly once: the worker sends the message and
then records that it did, and a worker that dies between the two (after the
mail server accepted the message) leaves it to be sent again. The Message-ID
is fixed before the first attempt and travels with the task (and, for a
notification, is stored on its row), so a repeat carries the same Message-ID
as the original and mail servers and clients can recognise it as the same
message.
"""

from __future__ import annotations

import random
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

# A send that takes longer than this is stopped (EMAIL_TIMEOUT bounds each
# socket operation on the way), so a claim older than the hard limit belongs
# to a worker that is gone.
SEND_SOFT_TIME_LIMIT = 40
SEND_TIME_LIMIT = 45


def new_message_id() -> str:
    """A globally unique Message-ID under the site's own domain."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return make_msgid(idstring="schoolsocial", domain=domain)


def queue_email(*, to: str, subject: str, body: str) -> str:
    """Send a plain-text email from a Celery task once the current transaction
    commits (at once outside one). Returns the Message-ID it will carry."""
    from schoolsocial.tasks import send_email

    message_id = new_message_id()
    transaction.on_commit(
        lambda: send_email.delay(to=to, subject=subject, body=body, message_id=message_id)
    )
    return message_id


def deliver_email(*, to: str, subject: str, body: str, message_id: str) -> None:
    """Hand one plain-text email to the mail server with the Message-ID it was
    given when queued, so a repeat after a crash is recognisably the same."""
    EmailMessage(subject=subject, body=body, to=[to], headers={"Message-ID": message_id}).send()


def retry_delay(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (0-based): doubling from
    EMAIL_RETRY_SECONDS up to an hour, with some jitter so a mail server
    that comes back is not hit by every retry at once."""
    base = settings.EMAIL_RETRY_SECONDS
    return min(base * 2**attempt, 3600) * random.uniform(0.75, 1.0)
