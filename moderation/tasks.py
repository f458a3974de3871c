"""Background work for moderation. Tasks take ids and are safe to run twice."""

import logging

from celery import shared_task

from schoolsocial.mail import retry_delay

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=6)
def prepare_evidence(self, evidence_id: int) -> bool:
    """Make one screenshot's display copy and thumbnail (see
    ``evidence_prepare``). A failure (storage not reachable, the worker short
    of memory) is retried with growing pauses; the sweep below catches any
    left behind after that."""
    from moderation.services.evidence import evidence_prepare

    try:
        return evidence_prepare(evidence_id=evidence_id)
    except (OSError, MemoryError) as error:
        logger.warning("Display copy of screenshot %s failed: %s", evidence_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


@shared_task
def prepare_waiting_evidence() -> int:
    """Queue again every screenshot whose display copy is overdue."""
    from moderation.services.evidence import evidence_waiting

    waiting = evidence_waiting()
    for evidence_id in waiting:
        prepare_evidence.delay(evidence_id)
    return len(waiting)


@shared_task(bind=True, max_retries=3)
def read_evidence(self, evidence_id: int) -> bool:
    """Read one screenshot's text with OCR and screen it (see
    ``evidence_read``); retried if the storage cannot be read."""
    from moderation.services.reading import evidence_read

    try:
        return evidence_read(evidence_id=evidence_id)
    except (OSError, MemoryError) as error:
        logger.warning("Reading screenshot %s failed: %s", evidence_id, error)
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from error


@shared_task
def read_waiting_evidence() -> int:
    """Queue again every screenshot of the last day whose text is unread."""
    from django.conf import settings

    from moderation.services.reading import evidence_unread

    if not settings.OCR_ENABLED:
        return 0

    waiting = evidence_unread()
    for evidence_id in waiting:
        read_evidence.delay(evidence_id)
    return len(waiting)
