"""Screenshot evidence: checked before anything is written, stored immutably, every view audited."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import transaction

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
from schoolsocial.images import CheckedImage, ImageRejected, check_upload
from schoolsocial.models import (
    StaffMember,
)
from schoolsocial.private_files import get_private_storage
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

# --- Evidence -----------------------------------------------------------------------------


def check_screenshots(uploads: Sequence) -> list[tuple[object, CheckedImage]]:
    """Validate every screenshot before anything is written.

    Only PNG, JPEG and WebP, judged by content; at most 20 MB and 40
    megapixels; fully decodable. One bad file refuses the lot.
    """
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ServiceError(
            "Attach at least one screenshot: the policy asks for a record "
            "before anything is removed."
        )
    if len(uploads) > MAX_SCREENSHOTS:
        raise ServiceError(f"Attach at most {MAX_SCREENSHOTS} screenshots at a time.")
    checked, problems = [], []
    for n, upload in enumerate(uploads, start=1):
        name = getattr(upload, "name", "") or f"screenshot {n}"
        try:
            checked.append((upload, check_upload(upload, thumbnail_size=THUMBNAIL_SIZE)))
        except ImageRejected as error:
            problems.append(f"{name}: {' '.join(error.messages)}")
    if problems:
        raise ServiceError(
            ["Nothing was saved. Fix these screenshots and attach them again:", *problems]
        )
    return checked


def _store_evidence(
    *, incident: Incident, checked: list, uploaded_by: StaffMember, written: list[str]
) -> list[Evidence]:
    storage = get_private_storage()
    base = f"evidence/{incident.school_id}/{incident.pk}"
    rows = []
    for upload, image in checked:
        stem = uuid.uuid4().hex
        names = {}
        for part, data, ext in (
            ("original", image.original, image.original_extension),
            ("display", image.display, image.display_extension),
            ("thumbnail", image.thumbnail, "jpg"),
        ):
            if data is None:
                names[part] = ""
                continue
            saved = storage.save(f"{base}/{stem}-{part}.{ext}", ContentFile(data))
            written.append(saved)
            names[part] = saved
        rows.append(
            Evidence.objects.create(
                incident=incident,
                original=names["original"],
                display=names["display"],
                thumbnail=names["thumbnail"],
                sha256=image.sha256,
                original_format=image.format,
                display_format=image.display_format,
                original_name=(getattr(upload, "name", "") or "")[:255],
                size_bytes=len(image.original),
                width=image.width,
                height=image.height,
                uploaded_by=uploaded_by,
            )
        )
    return rows


def _remove_files(names: Iterable[str]) -> None:
    storage = get_private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover
            logger.warning("Could not remove %s after a failed save", name)


def evidence_add(*, incident: Incident, uploads: Sequence, added_by: StaffMember) -> list[Evidence]:
    """Add screenshots to an incident already recorded. Evidence is never
    changed or removed afterwards (Threemilestone 6.2)."""
    _may_work_on(added_by, incident)
    incident.refresh_from_db(fields=["status"])
    if incident.is_closed:
        raise ServiceError(CLOSED_MESSAGE)
    checked = check_screenshots(uploads)
    if incident.evidence.count() + len(checked) > MAX_SCREENSHOTS * 3:
        raise ServiceError("This incident already has as many screenshots as it can hold.")
    written: list[str] = []
    try:
        with transaction.atomic():
            if _locked(incident).is_closed:
                raise ServiceError(CLOSED_MESSAGE)
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
                summary=f"Added {len(rows)} screenshot(s) to incident {incident.pk}.",
            )
    except BaseException:
        _remove_files(written)
        raise
    return rows


def evidence_viewed(*, evidence: Evidence, member: StaffMember, variant: str) -> None:
    """Every view or download of evidence is on the audit trail."""
    audit_record(
        school=member.school,
        actor=member.user,
        action="moderation.evidence_view",
        obj=evidence,
        summary=f"Viewed screenshot {evidence.pk} ({variant}) of incident {evidence.incident_id}.",
    )
