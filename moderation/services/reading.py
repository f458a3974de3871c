"""The text of a screenshot: read by OCR after the incident is saved,
screened like typed text, and acted on as typed text is.

Threemilestone 3.4/4.4: pupils are never named online; 6.1–6.2: a comment
naming a pupil is removed and brought to the head's urgent attention. A
screenshot of a WhatsApp thread or a parent's own post may be the only place
a child is named, so what it says counts as much as what was typed.

Recording never waits for OCR: ``evidence_read`` runs in a Celery task
(``moderation.tasks.read_evidence``) queued when the incident's transaction
commits. It writes one ``EvidenceText`` row per screenshot, once (a second
run finds it there and does nothing); the screenshot itself is never
changed and its SHA-256 is checked before it is read.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from moderation import ocr
from moderation.models import (
    Escalation,
    Evidence,
    EvidenceText,
    Incident,
    IncidentAction,
    IncidentCategory,
)
from moderation.services.common import (
    CLOSED_MESSAGE,
    _locked,
    _may_work_on,
    for_the_record,
    labels_of,
)
from moderation.services.escalations import (
    escalation_recipients,
    escalation_title,
    incident_escalate,
)
from moderation.services.evidence import GIVE_UP_AFTER, PREPARE_AGAIN_AFTER
from moderation.services.screening import rare_possible_names, screen_safely
from moderation.services.steps import refresh_steps
from policy.catalogue import PUPIL_NAMED, Severity
from policy.selectors import profile_for
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import StaffMember
from schoolsocial.notifications import notify
from schoolsocial.private_files import get_private_storage
from schoolsocial.services import ServiceError
from schoolsocial.wording import lower

logger = logging.getLogger(__name__)

TRANSCRIBED_NOTE = gettext_noop("Comment transcribed from the screenshot (read by OCR).")


def transcribed_note(school) -> str:
    """The timeline's note for a transcribed comment, in the school's language."""
    return for_the_record(later(TRANSCRIBED_NOTE), school)


def is_transcribed_note(note: str, school) -> bool:
    return note in (TRANSCRIBED_NOTE, transcribed_note(school))


def _number(evidence: Evidence) -> int:
    """The screenshot's place on the incident page (1, 2, …)."""
    ids = list(
        Evidence.objects.filter(incident_id=evidence.incident_id)
        .order_by("uploaded_at", "pk")
        .values_list("pk", flat=True)
    )
    return ids.index(evidence.pk) + 1 if evidence.pk in ids else 1


def _with_boxes(screening: dict, words: list[dict]) -> dict:
    """Each name and offensive word found, with the boxes of its words."""
    for key in ("names", "profanity"):
        for match in screening.get(key, []):
            match["boxes"] = [
                [w["left"], w["top"], w["width"], w["height"]]
                for w in ocr.words_between(words, match.get("start", 0), match.get("end", 0))
            ]
    return screening


def evidence_read(*, evidence_id: int) -> bool:
    """Read one screenshot's text, once, and act on what screening finds.

    A pupil named in the screenshot does what a name typed in the comment
    does (``incident_record``): "Pupil named or described" is added, the
    incident becomes urgent, its required steps are refreshed and, when the
    school's policy escalates the category, it goes to the headteacher. If
    the incident is already waiting for the head, the head and whoever the
    policy names are told that a pupil is named in the screenshot. Other
    categories screening suggests (offensive words) are added the same way.
    A closed incident is not changed: the text is kept for the record.
    Returns whether this run wrote the text."""
    evidence = Evidence.objects.select_related("incident__school").filter(pk=evidence_id).first()
    if evidence is None or EvidenceText.objects.filter(evidence_id=evidence_id).exists():
        return False
    with get_private_storage().open(evidence.original.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        logger.error("Screenshot %s: the stored original does not match its SHA-256", evidence_id)
        raise ServiceError(_("The stored screenshot does not match its SHA-256."))
    school = evidence.incident.school
    fields: dict = {}
    try:
        read = ocr.read_image(data)
    except ocr.OcrUnavailable as error:
        logger.error("Screenshot %s could not be read: %s", evidence_id, error)
        fields = {"error": str(error)[:300]}
    else:
        words = [w.as_dict() for w in read.words]
        screening = screen_safely(school=school, text=read.text) if read.text else {}
        fields = {
            "text": read.text,
            "words": words,
            "screening": _with_boxes(screening, words),
            "languages": read.languages,
            "engine": read.engine,
            "seconds": read.seconds,
        }
    del data
    try:
        with transaction.atomic():
            row = EvidenceText.objects.create(evidence=evidence, **fields)
            _act_on(row, evidence)
    except IntegrityError:  # another run wrote it first
        return False
    return True


def _act_on(row: EvidenceText, evidence: Evidence) -> None:
    incident = _locked(evidence.incident)
    school = incident.school
    number = _number(evidence)
    screening = row.screening or {}
    named = sorted({m["pupil_name"] for m in row.named})
    values = {"number": number, "incident": incident.pk, "error": row.error, "count": len(named)}
    if row.error:
        summary = later(
            "Read the text of screenshot %(number)s of incident %(incident)s: it could not be "
            "read (%(error)s).",
            **values,
        )
    elif named:
        summary = later(
            "Read the text of screenshot %(number)s of incident %(incident)s: %(count)s "
            "pupil(s) named in it.",
            **values,
        )
    else:
        summary = later(
            "Read the text of screenshot %(number)s of incident %(incident)s.", **values
        )
    audit_record(
        school=school,
        actor=None,
        action="moderation.evidence_read",
        obj=incident,
        summary=summary,
    )
    suggested = screening.get("suggested") or []
    if incident.is_closed:
        return
    if not suggested:
        if rare_possible_names(screening):  # a person must confirm or dismiss it
            refresh_steps(incident)
        return
    profile = profile_for(school)
    codes = list(incident.category_rows.values_list("category", flat=True))
    added = [c for c in profile.ordered(suggested) if c not in codes]
    if added:
        IncidentCategory.objects.bulk_create(
            IncidentCategory(incident=incident, category=c) for c in added
        )
        codes = profile.ordered(codes + added)
    severity = max(
        incident.severity, profile.severity_for(codes, pupil_named=PUPIL_NAMED in suggested)
    )
    if severity != incident.severity:
        incident.severity = severity
        incident.save(update_fields=["severity"])
    refresh_steps(incident, codes)
    if added:
        audit_record(
            school=school,
            actor=None,
            action="moderation.evidence_read",
            obj=incident,
            summary=later(
                "Incident %(incident)s: screenshot %(number)s added %(categories)s (%(severity)s).",
                incident=incident.pk,
                number=number,
                categories=labels_of(profile, added),
                severity=lower(Severity(incident.severity).label),
            ),
        )
    found = {"number": number, "categories": labels_of(profile, suggested)}
    open_escalation = incident.escalations.filter(decided_at__isnull=True).first()
    automatic = profile.escalating(added)
    if open_escalation is None and automatic:
        incident_escalate(
            incident=incident,
            raised_by=None,
            reason=later(
                "Automatic: A pupil is named in screenshot %(number)s (read from the image).",
                **found,
            )
            if named
            else later(
                "Automatic: Screenshot %(number)s (read from the image): %(categories)s.",
                **found,
            ),
            codes=codes,
        )
    elif open_escalation is not None and (named or automatic):
        # Already with the head: it is now as urgent as the incident, and
        # they are told what the screenshot adds.
        raised = Escalation.objects.filter(
            pk=open_escalation.pk, decided_at__isnull=True, urgency__lt=incident.severity
        ).update(urgency=incident.severity)
        if raised:
            audit_record(
                school=school,
                actor=None,
                action="moderation.escalate",
                obj=open_escalation,
                summary=later(
                    "Escalation of incident %(incident)s raised to %(severity)s: a pupil is "
                    "named in screenshot %(number)s (read from the image).",
                    incident=incident.pk,
                    severity=lower(Severity(incident.severity).label),
                    **found,
                )
                if named
                else later(
                    "Escalation of incident %(incident)s raised to %(severity)s: screenshot "
                    "%(number)s (read from the image): %(categories)s.",
                    incident=incident.pk,
                    severity=lower(Severity(incident.severity).label),
                    **found,
                ),
            )
        notify(
            recipients=escalation_recipients(open_escalation, school, codes),
            kind="escalation",
            key=f"escalation:{open_escalation.pk}:screenshot:{evidence.pk}",
            title=escalation_title(urgency=incident.severity, codes=codes, school=school),
            url=reverse("moderation:incident", args=[incident.pk]),
            obj=open_escalation,
        )


def evidence_unread(*, older_than=PREPARE_AGAIN_AFTER, limit: int = 50) -> list[int]:
    """Screenshots of the last day whose text has not been read (a lost
    task); one that still fails after a day is left to the logs."""
    now = timezone.now()
    return list(
        Evidence.objects.filter(
            read_text__isnull=True,
            uploaded_at__lt=now - older_than,
            uploaded_at__gt=now - GIVE_UP_AFTER,
        )
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )


def read_text_for(incident: Incident) -> str:
    """The text read from the incident's screenshots, in their order."""
    rows = EvidenceText.objects.filter(evidence__incident=incident).order_by(
        "evidence__uploaded_at", "evidence__pk"
    )
    return "\n\n".join(r.text for r in rows if r.text).strip()


def incident_fill_from_screenshots(*, incident: Incident, by: StaffMember) -> Incident:
    """Use the text read from the screenshots as the comment, when the
    comment box was left empty. Only an empty comment is ever filled (a
    typed one is the administrator's own record); the comment is screened as
    typed text is, and the timeline says it was transcribed."""
    _may_work_on(by, incident)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        if incident.content.strip():
            raise ServiceError(_("The comment was already written down; it is kept as it is."))
        codes = list(incident.category_rows.values_list("category", flat=True))
        if profile_for(incident.school).evidence_head_only(codes) and (
            "head" not in by.effective_roles()
        ):
            raise ServiceError(_("Only the headteacher can see this evidence."))
        text = read_text_for(incident)
        if not text:
            raise ServiceError(_("No text has been read from the screenshots yet."))
        incident.content = text[:10000]
        incident.screening = screen_safely(school=incident.school, text=incident.content)
        incident.save(update_fields=["content", "screening"])
        IncidentAction.objects.create(
            incident=incident,
            kind=IncidentAction.Kind.NOTE,
            by=by,
            note=transcribed_note(incident.school),
        )
        refresh_steps(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.transcribe",
            obj=incident,
            summary=later(
                "Incident %(number)s: the comment was filled in with the text read from its "
                "screenshots.",
                number=incident.pk,
            ),
        )
    return incident


# --- Copies with words marked ---------------------------------------------------------------


def _original_bytes(evidence: Evidence) -> bytes:
    with get_private_storage().open(evidence.original.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise ServiceError(_("The stored screenshot does not match its SHA-256."))
    return data


def _read_row(evidence: Evidence) -> EvidenceText:
    row = EvidenceText.objects.filter(evidence=evidence).first()
    if row is None:
        raise ServiceError(_("The screenshot's text is still being read. Try again in a moment."))
    if row.error:
        raise ServiceError(
            _("The screenshot's text could not be read, so names cannot be found on it: %(error)s")
            % {"error": row.error}
        )
    return row


def evidence_highlighted(*, evidence: Evidence, member: StaffMember) -> bytes:
    """A copy with the pupils' names outlined, to show staff where they are.
    Audited as a view of the evidence."""
    from moderation import redaction

    row = _read_row(evidence)
    data = _original_bytes(evidence)
    audit_record(
        school=member.school,
        actor=member.user,
        action="moderation.evidence_view",
        obj=evidence,
        summary=later(
            "Viewed screenshot %(screenshot)s (names highlighted) of incident %(number)s.",
            screenshot=evidence.pk,
            number=evidence.incident_id,
        ),
    )
    return redaction.highlighted_copy(data, redaction.name_boxes(row.screening or {}))


def evidence_redact(*, evidence: Evidence, member: StaffMember, marked: list[str]) -> bytes:
    """A copy safe to share: every pupil's name found in the screenshot, and
    each word the leader marked, blacked out. Leaders only (the head and
    SLT decide what leaves the school); audited with what was covered. The
    original is not changed and keeps its SHA-256."""
    from moderation import redaction
    from moderation.services.common import is_leader

    if member.school_id != evidence.incident.school_id:
        raise ServiceError(_("These records belong to different schools."))
    if not member.is_active or not is_leader(member):
        raise ServiceError(
            _("Only the headteacher or a senior leader can download a redacted copy.")
        )
    row = _read_row(evidence)
    marked = [w.strip() for w in marked if w.strip()][:50]
    names = redaction.name_boxes(row.screening or {})
    words = redaction.word_boxes(row.words or [], marked)
    if marked and not words:
        raise ServiceError(
            _(
                "None of the words you marked was found in the screenshot's text: %(words)s. "
                "Check the spelling against the text read from it."
            )
            % {"words": ", ".join(f"“{w}”" for w in marked)}
        )
    data = _original_bytes(evidence)
    copy = redaction.redacted_copy(data, names + words)
    del data
    audit_record(
        school=member.school,
        actor=member.user,
        action="moderation.evidence_redact",
        obj=evidence,
        summary=_redacted_summary(evidence, names, words),
    )
    return copy


def _redacted_summary(evidence: Evidence, names: list, words: list):
    values = {
        "screenshot": evidence.pk,
        "number": evidence.incident_id,
        "names": len(names),
        "words": len(words),
        "sha256": evidence.sha256,
    }
    if words:
        return later(
            "Downloaded a redacted copy of screenshot %(screenshot)s of incident %(number)s: "
            "%(names)s pupil name box(es) and %(words)s marked word box(es) covered. "
            "Original SHA-256 %(sha256)s unchanged.",
            **values,
        )
    return later(
        "Downloaded a redacted copy of screenshot %(screenshot)s of incident %(number)s: "
        "%(names)s pupil name box(es) covered. Original SHA-256 %(sha256)s unchanged.",
        **values,
    )
