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
from django.core.management import call_command

from schoolsocial import mail
from schoolsocial.notifications import send_notification_email
from schoolsocial.reminders import tick

logger = logging.getLogger(__name__)

__all__ = [
    "send_email",
    "send_notification_email",
    "send_reminders_batch",
    "send_reminders_tick",
]


@shared_task(
    bind=True,
    max_retries=8,
    soft_time_limit=mail.SEND_SOFT_TIME_LIMIT,
    time_limit=mail.SEND_TIME_LIMIT,
)
def send_email(self, *, to: str, subject: str, body: str, message_id: str = "") -> None:
    """Send one plain-text email; a failure is retried with growing pauses,
    under the same Message-ID (schoolsocial.mail.queue_email fixed it)."""
    try:
        mail.deliver_email(
            to=to, subject=subject, body=body, message_id=message_id or mail.new_message_id()
        )
    except (smtplib.SMTPException, OSError) as error:
        raise self.retry(exc=error, countdown=mail.retry_delay(self.request.retries)) from error


# Schools one task decides reminders for. Up to this many, the tick does the
# work itself; beyond, it hands out one task per batch so that every worker
# (on every machine) shares the minute's work.
TICK_BATCH = 200


@shared_task
def send_reminders_tick(batch: int | None = None) -> int:
    """Send every reminder due now (the beat runs this every minute).
    Safe to run twice: each reminder's idempotency key makes a second run,
    a retry or a second beat send nothing new. Returns the notifications
    created here (0 when the work was handed out in batches)."""
    from django.utils import timezone

    from schoolsocial.models import School
    from schoolsocial.reminders import resend_unsent

    batch = batch or TICK_BATCH
    ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
    if len(ids) <= batch:
        return len(tick())
    now = timezone.now()
    for start in range(0, len(ids), batch):
        send_reminders_batch.delay(school_ids=ids[start : start + batch], now=now.isoformat())
    resend_unsent(now=now)
    return 0


@shared_task
def send_reminders_batch(*, school_ids: list[int], now: str) -> int:
    """One batch of the tick: the reminders due at ``now`` for these schools."""
    import datetime

    from schoolsocial.models import School
    from schoolsocial.reminders import send_due

    schools = list(School.objects.filter(pk__in=school_ids).order_by("pk"))
    return len(send_due(now=datetime.datetime.fromisoformat(now), schools=schools))


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
