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

from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction


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
