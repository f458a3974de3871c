"""Screenshot evidence: checked before anything is written, stored immutably, every view audited.

Recording must never be lost to a slow image (Threemilestone 6.2: the record
comes before the deletion). So the request does only the quick part: each
file is checked by content (type, size, that it decodes) and stored exactly
as uploaded, with its SHA-256, in the incident's own transaction. The
metadata-free display copy and thumbnail are made afterwards by a Celery task
(``moderation.tasks.prepare_evidence``, calling ``evidence_prepare``), which
is safe to run twice and retried; a periodic sweep re-queues any left behind.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import uuid
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from moderation.models import (
    Evidence,
    Incident,
    IncidentAction,
)
from moderation.services.common import (
    CLOSED_MESSAGE,
    MAX_SCREENSHOTS,
    THUMBNAIL_SIZE,
    _locked,
    _may_work_on,
)
from schoolsocial.audit import audit_record
from schoolsocial.images import (
    EXTENSIONS,
    CheckedImage,
    ImageRejected,
    inspect_upload,
    make_copies,
)
from schoolsocial.language import later
from schoolsocial.models import (
    StaffMember,
)
from schoolsocial.private_files import get_private_storage
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

# A display copy not made within this time is queued again by the sweep.
PREPARE_AGAIN_AFTER = datetime.timedelta(minutes=5)
GIVE_UP_AFTER = datetime.timedelta(days=1)

# --- Evidence -----------------------------------------------------------------------------


def check_screenshots(
    uploads: Sequence, *, already: Iterable[str] = ()
) -> list[tuple[object, CheckedImage]]:
    """Validate every screenshot before anything is written.

    Only PNG, JPEG and WebP, judged by content; at most 20 MB and 40
    megapixels; fully decodable. One bad file refuses the lot. The same
    screenshot twice (the same SHA-256) in one incident is refused too:
    ``already`` holds the SHA-256 of the screenshots the incident has.
    The checked images are returned without their bytes (the upload is
    read again when stored), so ten large photos are not all held at once.
    """
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ServiceError(
            _(
                "Attach at least one screenshot: the policy asks for a record "
                "before anything is removed."
            )
        )
    if len(uploads) > MAX_SCREENSHOTS:
        raise ServiceError(
            _("Attach at most %(count)s screenshots at a time.") % {"count": MAX_SCREENSHOTS}
        )
    checked, problems = [], []
    seen: dict[str, str] = {}
    already = set(already)
    for n, upload in enumerate(uploads, start=1):
        name = getattr(upload, "name", "") or _("screenshot %(number)s") % {"number": n}
        try:
            image = inspect_upload(upload)
        except ImageRejected as error:
            problems.append(f"{name}: {' '.join(error.messages)}")
            continue
        if image.sha256 in already:
            problems.append(
                _("%(name)s: this screenshot is already evidence on this incident.")
                % {"name": name}
            )
        elif image.sha256 in seen:
            problems.append(
                _("%(name)s: this is the same screenshot as %(other)s; attach it once.")
                % {"name": name, "other": seen[image.sha256]}
            )
        else:
            seen[image.sha256] = name
            checked.append((upload, dataclasses.replace(image, original=b"")))
    if problems:
        raise ServiceError(
            [_("Nothing was saved. Fix these screenshots and attach them again:"), *problems]
        )
    return checked


def _read_again(upload, image: CheckedImage) -> bytes:
    """The bytes that were checked, read again from the upload to be stored;
    refused if they are not the same bytes (SHA-256) as were checked."""
    upload.seek(0)
    data = upload.read()
    if hashlib.sha256(data).hexdigest() != image.sha256:
        raise ServiceError(_("A screenshot changed while it was being saved. Attach it again."))
    return data


def _store_evidence(
    *, incident: Incident, checked: list, uploaded_by: StaffMember, written: list[str]
) -> list[Evidence]:
    """Store each original as uploaded; the display copies follow from a
    task queued when the transaction commits."""
    storage = get_private_storage()
    base = f"evidence/{incident.school_id}/{incident.pk}"
    rows = []
    for upload, image in checked:
        data = image.original or _read_again(upload, image)
        name = storage.save(
            f"{base}/{uuid.uuid4().hex}-original.{EXTENSIONS[image.format]}", ContentFile(data)
        )
        written.append(name)
        rows.append(
            Evidence.objects.create(
                incident=incident,
                original=name,
                display="",
                thumbnail="",
                sha256=image.sha256,
                original_format=image.format,
                display_format=image.format,
                original_name=(getattr(upload, "name", "") or "")[:255],
                size_bytes=len(data),
                width=image.width,
                height=image.height,
                uploaded_by=uploaded_by,
            )
        )
        del data
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _queue_prepare(ids))
    transaction.on_commit(lambda: _queue_read(ids))
    return rows


def _queue_prepare(ids: Iterable[int]) -> None:
    from moderation.tasks import prepare_evidence

    for evidence_id in ids:
        try:
            prepare_evidence.delay(evidence_id)
        except Exception:  # the broker is down: the sweep queues it later
            logger.exception("Could not queue the display copy of screenshot %s", evidence_id)


def _queue_read(ids: Iterable[int]) -> None:
    from django.conf import settings

    from moderation.tasks import read_evidence

    if not settings.OCR_ENABLED:
        return

    for evidence_id in ids:
        try:
            read_evidence.delay(evidence_id)
        except Exception:  # the broker is down: the sweep queues it later
            logger.exception("Could not queue reading screenshot %s", evidence_id)


def _remove_files(names: Iterable[str]) -> None:
    storage = get_private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover
            logger.warning("Could not remove %s after a failed save", name)


def evidence_add(*, incident: Incident, uploads: Sequence, added_by: StaffMember) -> list[Evidence]:
    """Add screenshots to an incident already recorded. Evidence is never
    changed or removed afterwards (Threemilestone 6.2). A screenshot the
    incident already has is refused."""
    _may_work_on(added_by, incident)
    incident.refresh_from_db(fields=["status"])
    if incident.is_closed:
        raise ServiceError(CLOSED_MESSAGE)
    checked = check_screenshots(uploads, already=incident.evidence.values_list("sha256", flat=True))
    if incident.evidence.count() + len(checked) > MAX_SCREENSHOTS * 3:
        raise ServiceError(_("This incident already has as many screenshots as it can hold."))
    written: list[str] = []
    try:
        with transaction.atomic():
            if _locked(incident).is_closed:
                raise ServiceError(CLOSED_MESSAGE)
            # Checked again under the lock: two people adding the same file at once.
            held = set(incident.evidence.values_list("sha256", flat=True))
            if any(image.sha256 in held for _upload, image in checked):
                raise ServiceError(_("That screenshot is already evidence on this incident."))
            rows = _store_evidence(
                incident=incident, checked=checked, uploaded_by=added_by, written=written
            )
            IncidentAction.objects.create(
                incident=incident,
                kind=IncidentAction.Kind.EVIDENCE_ADDED,
                by=added_by,
                note=", ".join(f"SHA-256 {e.sha256}" for e in rows),
            )
            audit_record(
                school=incident.school,
                actor=added_by.user,
                action="moderation.evidence_add",
                obj=incident,
                summary=later(
                    "Added %(count)s screenshot(s) to incident %(number)s.",
                    count=len(rows),
                    number=incident.pk,
                ),
            )
    except BaseException:
        _remove_files(written)
        raise
    return rows


def evidence_prepare(*, evidence_id: int) -> bool:
    """Make the display copy and thumbnail of one screenshot, once.

    Safe to run twice: the copies are written under new names and recorded
    with a conditional update (only while none are recorded), and a run that
    loses the race removes its own files. The original is checked against
    its SHA-256 first, so a copy is never made of anything but the evidence.
    Returns whether this run made them."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None or evidence.display:
        return False
    storage = get_private_storage()
    with storage.open(evidence.original.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        logger.error("Screenshot %s: the stored original does not match its SHA-256", evidence_id)
        raise ServiceError(_("The stored screenshot does not match its SHA-256."))
    copies = make_copies(data, thumbnail_size=THUMBNAIL_SIZE)
    del data
    stem = evidence.original.name.rsplit("-original.", 1)[0]
    written = []
    try:
        display = storage.save(
            f"{stem}-display.{copies.display_extension}", ContentFile(copies.display)
        )
        written.append(display)
        thumbnail = ""
        if copies.thumbnail:
            thumbnail = storage.save(f"{stem}-thumbnail.jpg", ContentFile(copies.thumbnail))
            written.append(thumbnail)
        claimed = Evidence.objects.filter(pk=evidence_id, display="").update(
            display=display, thumbnail=thumbnail, display_format=copies.display_format
        )
    except BaseException:
        _remove_files(written)
        raise
    if not claimed:  # another run got there first
        _remove_files(written)
        return False
    return True


def evidence_waiting(*, older_than=PREPARE_AGAIN_AFTER, limit: int = 200) -> list[int]:
    """Screenshots whose display copy is overdue (a lost or failed task),
    uploaded within the last day: one that still fails after a day of
    retries is left to the logs rather than retried for ever."""
    now = timezone.now()
    return list(
        Evidence.objects.filter(
            display="", uploaded_at__lt=now - older_than, uploaded_at__gt=now - GIVE_UP_AFTER
        )
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )


# What the audit trail says for a view of each copy of a screenshot.
VIEWED = {
    "display": gettext_noop("Viewed screenshot %(screenshot)s (display) of incident %(number)s."),
    "thumbnail": gettext_noop(
        "Viewed screenshot %(screenshot)s (thumbnail) of incident %(number)s."
    ),
    "original": gettext_noop("Viewed screenshot %(screenshot)s (original) of incident %(number)s."),
}


def evidence_viewed(*, evidence: Evidence, member: StaffMember, variant: str) -> None:
    """Every view or download of evidence is on the audit trail."""
    audit_record(
        school=member.school,
        actor=member.user,
        action="moderation.evidence_view",
        obj=evidence,
        summary=later(VIEWED[variant], screenshot=evidence.pk, number=evidence.incident_id),
    )
