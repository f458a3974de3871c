"""Recording an incident, its timeline of actions, resolving, closing and reopening."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.models import (
    Incident,
    IncidentAction,
    IncidentCategory,
)
from moderation.services.bans import _ban_for_incident
from moderation.services.common import (
    CLOCK_SLACK,
    CLOSED_MESSAGE,
    WAITING_MESSAGE,
    _locked,
    _may_work_on,
    _status_step,
    for_the_record,
    labels_of,
    step_summary,
)
from moderation.services.escalations import incident_escalate
from moderation.services.evidence import _remove_files, _store_evidence, check_screenshots
from moderation.services.screening import rare_possible_for, screen_safely
from moderation.services.steps import refresh_steps, refuse_if_outstanding
from policy.catalogue import PUPIL_NAMED, Severity
from policy.selectors import profile_for
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import (
    Channel,
    StaffMember,
)
from schoolsocial.services import ServiceError
from schoolsocial.wording import lower

logger = logging.getLogger(__name__)

# --- Recording an incident ------------------------------------------------------------


def incident_record(
    *,
    channel: Channel | None,
    reported_by: StaffMember,
    author_name: str,
    content: str,
    occurred_at: datetime.datetime,
    categories: Iterable[str],
    screenshots: Sequence,
    author_kind: str = Incident.AuthorKind.UNKNOWN,
    author_profile_url: str = "",
    permalink: str = "",
    where: str = "",
) -> Incident:
    """Record an offending comment with its screenshots.

    ``channel`` None records something seen elsewhere online (a parent's own
    profile, another group, a website: Threemilestone 10.1–10.2 "social
    media", Westbrook C, Whitchurch "Monitoring posts about the school");
    ``where`` then says where, and it is never due a daily check.

    Threemilestone 6.2: the comment is recorded (screenshot) before it is
    deleted; 6.1 and Whitchurch "Handling abuse": offensive comments are
    recorded and acted on. Every screenshot is checked before anything is
    written, and the whole record is one transaction, so a refusal stores
    nothing. The text is screened for pupils' names and profanity; a match
    adds its category (a named pupil makes the incident urgent) but never
    stops the save. When any category escalates automatically (DESIGN.md's
    Categories table; Threemilestone 6.1–6.3) the incident is escalated to
    the head in the same transaction.
    """
    school = channel.school if channel is not None else reported_by.school
    where = where.strip()[:200]
    if channel is None:
        if not where and not permalink.strip():
            raise ServiceError(_("Say where it was posted, or give the link to it."))
        _may_work_on(reported_by, _Elsewhere(school.pk))
    else:
        _may_work_on(reported_by, channel)
    author_name = author_name.strip()
    content = content.strip()
    if not author_name:
        raise ServiceError(_("Give the author's display name as it appears on the platform."))
    if not content and not any(s is not None for s in screenshots):
        # With a screenshot the box may be left empty: the screenshot's text
        # is read after the save and offered to fill it (services.reading).
        raise ServiceError(_("Write down the comment as it was posted."))
    if author_kind not in Incident.AuthorKind.values:
        raise ServiceError(_("Choose who the author is."))
    if occurred_at > timezone.now() + CLOCK_SLACK:
        raise ServiceError(_("The time it was posted cannot be in the future."))
    profile = profile_for(school)
    chosen = list(dict.fromkeys(categories))
    unknown = [c for c in chosen if profile.category(c) is None]
    if unknown:
        raise ServiceError(_("Unknown category: %(codes)s.") % {"codes": ", ".join(unknown)})
    checked = check_screenshots(screenshots)

    screening = screen_safely(school=school, text=content)
    codes = profile.ordered(chosen + screening["suggested"])
    if not codes:
        raise ServiceError(_("Choose at least one category."))
    severity = profile.severity_for(codes, pupil_named=PUPIL_NAMED in screening["suggested"])

    written: list[str] = []
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                school=school,
                channel=channel,
                where=where if channel is None else "",
                permalink=permalink.strip(),
                author_name=author_name,
                author_profile_url=author_profile_url.strip(),
                author_kind=author_kind,
                content=content,
                occurred_at=occurred_at,
                reported_by=reported_by,
                severity=severity,
                screening=screening,
            )
            IncidentCategory.objects.bulk_create(
                IncidentCategory(incident=incident, category=code) for code in codes
            )
            evidence = _store_evidence(
                incident=incident, checked=checked, uploaded_by=reported_by, written=written
            )
            IncidentAction.objects.create(
                incident=incident,
                kind=IncidentAction.Kind.RECORDED,
                by=reported_by,
                note=for_the_record(
                    later(
                        "%(count)s screenshot(s): %(fingerprints)s",
                        count=len(evidence),
                        fingerprints=", ".join(f"SHA-256 {e.sha256}" for e in evidence),
                    ),
                    school,
                ),
            )
            added = [c for c in screening["suggested"] if c not in chosen]
            recorded = {
                "number": incident.pk,
                "where": incident.where_said,
                "severity": Severity(severity).label,
                "categories": labels_of(profile, codes),
                "count": len(evidence),
            }
            audit_record(
                school=school,
                actor=reported_by.user,
                action="moderation.incident_record",
                obj=incident,
                summary=later(
                    "Recorded incident %(number)s %(where)s (%(severity)s): %(categories)s; "
                    "%(count)s screenshot(s). Screening added: %(added)s.",
                    added=labels_of(profile, added),
                    **recorded,
                )
                if added
                else later(
                    "Recorded incident %(number)s %(where)s (%(severity)s): %(categories)s; "
                    "%(count)s screenshot(s).",
                    **recorded,
                ),
            )
            refresh_steps(incident, codes)
            automatic = profile.escalating(codes)
            if automatic:
                incident_escalate(
                    incident=incident,
                    raised_by=None,
                    reason=later(
                        "Automatic: %(categories)s.", categories=labels_of(profile, automatic)
                    ),
                    codes=codes,
                )
            elif profile.escalates_author(author_kind):
                incident_escalate(
                    incident=incident,
                    raised_by=None,
                    reason=later(
                        "Automatic: written by a %(author)s.",
                        author=lower(Incident.AuthorKind(author_kind).label),
                    ),
                    codes=codes,
                )
    except BaseException:
        _remove_files(written)
        raise
    return incident


# --- The timeline ---------------------------------------------------------------------------


def incident_add_action(
    *,
    incident: Incident,
    kind: str,
    by: StaffMember,
    note: str = "",
    reference: str = "",
    review_on: datetime.date | None = None,
) -> IncidentAction:
    """Add a step to the incident's timeline.

    Threemilestone 6.2: a comment is recorded (screenshot) *then* deleted, so
    hiding or deleting needs a screenshot first. CPOMS and police steps need
    their reference (Threemilestone 10.1; Westbrook D). Banning the author
    creates or links the banned-accounts entry (Threemilestone 6.3; Carey
    B.6). A closed incident is read-only.
    """
    note, reference = note.strip(), reference.strip()
    if kind not in IncidentAction.Kind.values or kind in IncidentAction.SYSTEM_KINDS:
        raise ServiceError(_("Choose what was done."))
    _may_work_on(by, incident)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        if kind in IncidentAction.NEEDS_SCREENSHOT and not incident.evidence.exists():
            raise ServiceError(
                _(
                    "Add a screenshot before recording that the comment was hidden or "
                    "deleted%(clause)s: it is recorded, then deleted."
                )
                % {"clause": _cite(incident.school, "screenshot")}
            )
        if kind in IncidentAction.NEEDS_REFERENCE and not reference:
            if kind == IncidentAction.Kind.CPOMS:
                raise ServiceError(_("Give the CPOMS reference."))
            raise ServiceError(_("Give the police reference."))
        if kind == IncidentAction.Kind.NOTE and not note:
            raise ServiceError(_("Write the note."))
        ban = None
        if kind == IncidentAction.Kind.AUTHOR_BANNED:
            ban = _ban_for_incident(incident=incident, by=by, reason=note, review_on=review_on)
        action = IncidentAction.objects.create(
            incident=incident,
            kind=kind,
            by=by,
            note=note,
            reference=reference,
            banned_account=ban,
        )
        refresh_steps(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.action",
            obj=incident,
            summary=step_summary(incident, action, note, reference),
        )
    return action


def incident_resolve(*, incident: Incident, by: StaffMember, outcome: str) -> Incident:
    """Mark the incident resolved with what came of it (Threemilestone 6.4:
    the record shows what was done)."""
    outcome = outcome.strip()
    _may_work_on(by, incident)
    if not outcome:
        raise ServiceError(_("Say what the outcome was before resolving the incident."))
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise ServiceError(_("Only open work can be resolved."))
        if incident.escalations.filter(decided_at__isnull=True).exists():
            raise ServiceError(WAITING_MESSAGE)
        refuse_if_outstanding(incident, "resolved")
        incident.status = Incident.Status.RESOLVED
        incident.outcome = outcome
        incident.save(update_fields=["status", "outcome"])
        _status_step(incident, by, IncidentAction.Kind.RESOLVED, outcome, "moderation.resolve")
    return incident


def incident_close(*, incident: Incident, by: StaffMember) -> Incident:
    """Close a resolved incident; from then on it is read-only."""
    _may_work_on(by, incident)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Incident.Status.RESOLVED:
            raise ServiceError(_("Resolve the incident, with its outcome, before closing it."))
        refuse_if_outstanding(incident, "closed")
        incident.status = Incident.Status.CLOSED
        incident.save(update_fields=["status"])
        _status_step(incident, by, IncidentAction.Kind.CLOSED, "", "moderation.close")
    return incident


def incident_reopen(*, incident: Incident, by: StaffMember, reason: str) -> Incident:
    """Reopen a resolved or closed incident; the reason goes on the timeline."""
    reason = reason.strip()
    _may_work_on(by, incident)
    if not reason:
        raise ServiceError(_("Give a reason for reopening."))
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_open:
            raise ServiceError(_("This incident is already open."))
        incident.status = Incident.Status.OPEN
        incident.save(update_fields=["status"])
        _status_step(incident, by, IncidentAction.Kind.REOPENED, reason, "moderation.reopen")
    return incident


class _Elsewhere:
    """Stands in for a channel when checking who may record something seen
    elsewhere online."""

    channel = None

    def __init__(self, school_id: int):
        self.school_id = school_id


def possible_name_review(
    *, incident: Incident, by: StaffMember, pupil_id: int, confirm: bool, note: str = ""
) -> IncidentAction:
    """Confirm or dismiss a rare first name that screening found.

    Threemilestone 3.4: "Under no circumstances should any pupils be named
    or described". Confirming adds "Pupil named or described", makes the
    incident urgent and escalates it as a typed full name would; dismissing
    needs a reason (say who it really is, or why it is not a pupil)."""
    note = note.strip()
    _may_work_on(by, incident)
    if not confirm and not note:
        raise ServiceError(_("Say why this is not the pupil (for example, who it refers to)."))
    found = {m["pupil_id"]: m for m in rare_possible_for(incident)}
    match = found.get(pupil_id)
    if match is None:
        raise ServiceError(_("That name is not among the possible matches of this incident."))
    profile = profile_for(incident.school)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        if incident.actions.filter(
            kind__in=("name_confirmed", "name_dismissed"),
            note__startswith=f"“{match['matched_text']}”",
        ).exists():
            raise ServiceError(_("That name has already been confirmed or dismissed."))
        kind = IncidentAction.Kind.NAME_CONFIRMED if confirm else IncidentAction.Kind.NAME_DISMISSED
        action = IncidentAction.objects.create(
            incident=incident,
            kind=kind,
            by=by,
            note=(f"“{match['matched_text']}”. " + note).strip(),
        )
        if confirm:
            codes = [r.category for r in incident.category_rows.all()]
            if PUPIL_NAMED not in codes:
                IncidentCategory.objects.create(incident=incident, category=PUPIL_NAMED)
                codes.append(PUPIL_NAMED)
            incident.severity = Severity.URGENT
            incident.save(update_fields=["severity"])
            refresh_steps(incident, codes)
            open_escalation = incident.escalations.filter(decided_at__isnull=True).first()
            if open_escalation is None and profile.category(PUPIL_NAMED):
                incident_escalate(
                    incident=incident,
                    raised_by=None,
                    reason=later("A pupil's name was confirmed in the comment."),
                    codes=codes,
                )
        else:
            refresh_steps(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.name_review",
            obj=incident,
            summary=step_summary(incident, action, note),
        )
    return action


def _cite(school, key: str) -> str:
    ref = profile_for(school).clause(key).ref
    return f" ({ref})" if ref else ""
