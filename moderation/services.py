"""Everything that changes moderation records: the daily check, recording an
incident with its screenshots, the timeline of actions, resolving, closing and
reopening, and the banned-accounts register.

Each service validates first, writes inside one transaction and records an
audit event. Refusals raise ``ServiceError`` with a message for the person
using the page; nothing is changed when one is raised.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from moderation import categories as cats
from moderation.models import (
    BannedAccount,
    Escalation,
    Evidence,
    Incident,
    IncidentAction,
    IncidentCategory,
    ModerationCheck,
)
from moderation.profanity import screen_profanity
from schoolsocial.audit import audit_record
from schoolsocial.images import CheckedImage, ImageRejected, check_upload
from schoolsocial.models import (
    LEADERS,
    Channel,
    ChannelAuthorisation,
    Role,
    School,
    StaffMember,
)
from schoolsocial.notifications import notify
from schoolsocial.private_files import get_private_storage
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

MAX_SCREENSHOTS = 10
THUMBNAIL_SIZE = (480, 480)
# A comment cannot have been posted in the future; allow for clocks a little out.
CLOCK_SLACK = datetime.timedelta(minutes=10)
CLOSED_MESSAGE = "This incident is closed. Reopen it, with a reason, to add to it."
WAITING_MESSAGE = (
    "This incident is waiting for the headteacher's decision; "
    "it can be resolved once the head has decided."
)


# --- Who may do what -------------------------------------------------------------


def is_leader(member: StaffMember) -> bool:
    return bool(LEADERS & member.effective_roles())


def is_authorised_for(member: StaffMember, channel: Channel) -> bool:
    return ChannelAuthorisation.objects.current().filter(member=member, channel=channel).exists()


def _may_work_on(member: StaffMember, channel: Channel) -> None:
    """Threemilestone 3.1/5.1: administrators moderate the channels they are
    authorised for; the head and SLT may act on any channel of the school."""
    if member.school_id != channel.school_id:
        raise ServiceError("These records belong to different schools.")
    if not member.is_active:
        raise ServiceError("You are no longer on the staff of this school.")
    if is_leader(member):
        return
    if "admin" in member.roles and is_authorised_for(member, channel):
        return
    raise ServiceError(f"You are not a current administrator of {channel.name}.")


# --- Daily moderation log -----------------------------------------------------------


def check_record(
    *, channel: Channel, checked_by: StaffMember, outcome: str, note: str = ""
) -> ModerationCheck:
    """Record today's check of a channel.

    Threemilestone 5.1: "the page will be moderated daily"; only a currently
    authorised administrator of the channel may record it. One check per
    channel per school day: a second one is refused (politely), so the log
    says who checked and when.
    """
    if checked_by.school_id != channel.school_id:
        raise ServiceError("These records belong to different schools.")
    if outcome not in ModerationCheck.Outcome.values:
        raise ServiceError("Choose what the check found.")
    if not is_authorised_for(checked_by, channel):
        raise ServiceError(
            f"Only a current administrator of {channel.name} can record its daily check."
        )
    school = channel.school
    today = school.local_today()
    existing = (
        ModerationCheck.objects.filter(channel=channel, checked_on=today)
        .select_related("checked_by__user")
        .first()
    )
    if existing is not None:
        raise ServiceError(_already_checked(existing))
    try:
        with transaction.atomic():
            check = ModerationCheck.objects.create(
                channel=channel,
                checked_on=today,
                checked_by=checked_by,
                outcome=outcome,
                note=note.strip(),
            )
            audit_record(
                school=school,
                actor=checked_by.user,
                action="moderation.check",
                obj=check,
                summary=f"Checked {channel.name} for {today:%d %B %Y}: "
                f"{check.get_outcome_display()}." + (f" {check.note}" if check.note else ""),
            )
    except IntegrityError:
        existing = ModerationCheck.objects.get(channel=channel, checked_on=today)
        raise ServiceError(_already_checked(existing)) from None
    return check


def _already_checked(check: ModerationCheck) -> str:
    when = timezone.localtime(check.checked_at, check.channel.school.tz)
    return (
        f"{check.channel.name} has already been checked today "
        f"(by {check.checked_by.user.display_name} at {when:%H:%M}). "
        "Nothing more to do: record anything new as an incident."
    )


# --- Screening ------------------------------------------------------------------------


def screen_text(*, school: School, text: str) -> dict:
    """Match the text against the school's pupil names (the consent app's
    matcher, shared with the publication check) and the profanity list.

    Threemilestone 3.4/4.4: pupils are never named online; Threemilestone 6.1:
    offensive comments are removed. Screening suggests; it never blocks.
    """
    from consent.screening import screen_names

    names = [
        {
            "pupil_id": m.pupil_id,
            "pupil_name": m.pupil_name,
            "kind": m.kind,
            "matched_text": m.matched_text,
            "start": m.start,
            "end": m.end,
        }
        for m in screen_names(school=school, text=text)
    ]
    profanity = [m.as_dict() for m in screen_profanity(text)]
    result = {"names": names, "profanity": profanity}
    result["suggested"] = suggested_categories(result)
    result["suggested_labels"] = [cats.label(c) for c in result["suggested"]]
    return result


def suggested_categories(screening: dict) -> list[str]:
    suggested = []
    if any(m.get("kind") == "named" for m in screening.get("names", [])):
        suggested.append(cats.PUPIL_NAMED)
    if screening.get("profanity"):
        suggested.append(cats.OFFENSIVE)
    return suggested


def screen_safely(*, school: School, text: str) -> dict:
    try:
        return screen_text(school=school, text=text)
    except Exception:  # screening must never stop an incident being recorded
        logger.exception("Screening failed for school %s", school.pk)
        return {"names": [], "profanity": [], "suggested": [], "error": True}


# --- Evidence -----------------------------------------------------------------------------


def check_screenshots(uploads: Sequence) -> list[tuple[object, CheckedImage]]:
    """Validate every screenshot before anything is written.

    Only PNG, JPEG and WebP, judged by content; at most 20 MB and 40
    megapixels; fully decodable. One bad file refuses the lot.
    """
    uploads = [u for u in uploads if u is not None]
    if not uploads:
        raise ServiceError(
            "Attach at least one screenshot: Threemilestone 6.2 asks for a record "
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
    _may_work_on(added_by, incident.channel)
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


# --- Recording an incident ------------------------------------------------------------


def incident_record(
    *,
    channel: Channel,
    reported_by: StaffMember,
    author_name: str,
    content: str,
    occurred_at: datetime.datetime,
    categories: Iterable[str],
    screenshots: Sequence,
    author_kind: str = Incident.AuthorKind.UNKNOWN,
    author_profile_url: str = "",
    permalink: str = "",
) -> Incident:
    """Record an offending comment with its screenshots.

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
    _may_work_on(reported_by, channel)
    author_name = author_name.strip()
    content = content.strip()
    if not author_name:
        raise ServiceError("Give the author's display name as it appears on the platform.")
    if not content:
        raise ServiceError("Write down the comment as it was posted.")
    if author_kind not in Incident.AuthorKind.values:
        raise ServiceError("Choose who the author is.")
    if occurred_at > timezone.now() + CLOCK_SLACK:
        raise ServiceError("The time it was posted cannot be in the future.")
    chosen = list(dict.fromkeys(categories))
    unknown = [c for c in chosen if c not in cats.BY_CODE]
    if unknown:
        raise ServiceError(f"Unknown category: {', '.join(unknown)}.")
    checked = check_screenshots(screenshots)

    school = channel.school
    screening = screen_safely(school=school, text=content)
    codes = list(dict.fromkeys(chosen + screening["suggested"]))
    if not codes:
        raise ServiceError("Choose at least one category.")
    severity = cats.severity_for(codes, pupil_named=cats.PUPIL_NAMED in screening["suggested"])

    written: list[str] = []
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                school=school,
                channel=channel,
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
                note=f"{len(evidence)} screenshot(s): "
                + ", ".join(f"SHA-256 {e.sha256}" for e in evidence),
            )
            added = [c for c in screening["suggested"] if c not in chosen]
            audit_record(
                school=school,
                actor=reported_by.user,
                action="moderation.incident_record",
                obj=incident,
                summary=f"Recorded incident {incident.pk} on {channel.name} "
                f"({incident.get_severity_display()}): "
                f"{', '.join(cats.label(c) for c in codes)}; {len(evidence)} screenshot(s)."
                + (
                    f" Screening added: {', '.join(cats.label(c) for c in added)}." if added else ""
                ),
            )
            automatic = [c for c in codes if cats.BY_CODE[c].auto_escalate]
            if automatic:
                incident_escalate(
                    incident=incident,
                    raised_by=None,
                    reason="Automatic: " + ", ".join(cats.label(c) for c in automatic) + ".",
                    codes=codes,
                )
    except BaseException:
        _remove_files(written)
        raise
    return incident


# --- The timeline ---------------------------------------------------------------------------


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update().select_related("channel", "school").get(pk=incident.pk)
    )


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
        raise ServiceError("Choose what was done.")
    _may_work_on(by, incident.channel)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        if kind in IncidentAction.NEEDS_SCREENSHOT and not incident.evidence.exists():
            raise ServiceError(
                "Add a screenshot before recording that the comment was hidden or deleted "
                "(Threemilestone 6.2: recorded, then deleted)."
            )
        if kind in IncidentAction.NEEDS_REFERENCE and not reference:
            what = "CPOMS" if kind == IncidentAction.Kind.CPOMS else "police"
            raise ServiceError(f"Give the {what} reference.")
        if kind == IncidentAction.Kind.NOTE and not note:
            raise ServiceError("Write the note.")
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
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.action",
            obj=incident,
            summary=f"Incident {incident.pk}: {action.get_kind_display()}"
            + (f" (ref. {reference})" if reference else "")
            + (f". {note}" if note else "."),
        )
    return action


def _ban_for_incident(
    *, incident: Incident, by: StaffMember, reason: str, review_on: datetime.date | None
) -> BannedAccount:
    existing = matching_ban(
        school=incident.school,
        profile_url=incident.author_profile_url,
        account_name=incident.author_name,
        platform=incident.channel.platform,
    )
    if existing is not None:
        existing.incidents.add(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.ban_link",
            obj=existing,
            summary=f"Linked incident {incident.pk} to the existing ban of "
            f"{existing.account_name}.",
        )
        return existing
    return ban_create(
        school=incident.school,
        platform=incident.channel.platform,
        account_name=incident.author_name,
        profile_url=incident.author_profile_url,
        reason=reason or f"Incident {incident.pk}: {incident.content[:200]}",
        banned_by=by,
        review_on=review_on,
        incident=incident,
    )


def matching_ban(
    *, school: School, profile_url: str, account_name: str, platform: str
) -> BannedAccount | None:
    bans = BannedAccount.objects.filter(school=school, lifted_on__isnull=True)
    if profile_url:
        found = bans.filter(profile_url__iexact=profile_url.strip()).first()
        if found:
            return found
    return bans.filter(platform=platform, account_name__iexact=account_name.strip()).first()


def incident_resolve(*, incident: Incident, by: StaffMember, outcome: str) -> Incident:
    """Mark the incident resolved with what came of it (Threemilestone 6.4:
    the record shows what was done)."""
    outcome = outcome.strip()
    _may_work_on(by, incident.channel)
    if not outcome:
        raise ServiceError("Say what the outcome was before resolving the incident.")
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise ServiceError("Only open work can be resolved.")
        if incident.escalations.filter(decided_at__isnull=True).exists():
            raise ServiceError(WAITING_MESSAGE)
        incident.status = Incident.Status.RESOLVED
        incident.outcome = outcome
        incident.save(update_fields=["status", "outcome"])
        _status_step(incident, by, IncidentAction.Kind.RESOLVED, outcome, "moderation.resolve")
    return incident


def incident_close(*, incident: Incident, by: StaffMember) -> Incident:
    """Close a resolved incident; from then on it is read-only."""
    _may_work_on(by, incident.channel)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Incident.Status.RESOLVED:
            raise ServiceError("Resolve the incident, with its outcome, before closing it.")
        incident.status = Incident.Status.CLOSED
        incident.save(update_fields=["status"])
        _status_step(incident, by, IncidentAction.Kind.CLOSED, "", "moderation.close")
    return incident


def incident_reopen(*, incident: Incident, by: StaffMember, reason: str) -> Incident:
    """Reopen a resolved or closed incident; the reason goes on the timeline."""
    reason = reason.strip()
    _may_work_on(by, incident.channel)
    if not reason:
        raise ServiceError("Give a reason for reopening.")
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_open:
            raise ServiceError("This incident is already open.")
        incident.status = Incident.Status.OPEN
        incident.save(update_fields=["status"])
        _status_step(incident, by, IncidentAction.Kind.REOPENED, reason, "moderation.reopen")
    return incident


def _status_step(incident, by, kind, note, audit_action) -> None:
    action = IncidentAction.objects.create(incident=incident, kind=kind, by=by, note=note)
    audit_record(
        school=incident.school,
        actor=by.user,
        action=audit_action,
        obj=incident,
        summary=f"Incident {incident.pk}: {action.get_kind_display()}"
        + (f". {note}" if note else "."),
    )


# --- Escalation to the headteacher ------------------------------------------------------------


def _codes(incident: Incident) -> list[str]:
    return list(incident.category_rows.values_list("category", flat=True))


def escalation_title(*, urgency: int, codes: Iterable[str], school: School) -> str:
    """The notification title: fixed labels only (urgency, category, school),
    never a pupil's name or the comment's words — emails reach phones."""
    codes = sorted(
        dict.fromkeys(codes),
        key=lambda c: (-cats.BY_CODE[c].severity, cats.CATEGORIES.index(cats.BY_CODE[c])),
    )
    what = ", ".join(cats.label(c) for c in codes) or "Incident"
    level = cats.Severity(urgency).label
    level = level if urgency == cats.Severity.URGENT else f"{level}-priority"
    return f"{level} escalation: {what} — {school.name}"


def escalation_recipients(escalation: Escalation, school: School) -> list[StaffMember]:
    """Threemilestone 6.1: "the urgent attention of the Head Teacher and
    Senior Leadership team" — the decider always; SLT too when urgent or high
    (and whenever the school has nobody to route to)."""
    recipients = [escalation.routed_to] if escalation.routed_to else []
    if escalation.urgency >= cats.Severity.HIGH or not recipients:
        recipients += list(
            StaffMember.objects.active().filter(school=school, is_slt=True).select_related("user")
        )
    return list({m.pk: m for m in recipients}.values())


def incident_escalate(
    *,
    incident: Incident,
    raised_by: StaffMember | None,
    reason: str = "",
    codes: Iterable[str] | None = None,
) -> Escalation:
    """Bring an incident to the headteacher's attention.

    Automatic (``raised_by`` None) when an incident in a category that
    escalates is recorded; by hand, with a reason, by an administrator of the
    channel, SLT or the head (Threemilestone 6.1–6.3, 9.2.7, 10.1–10.2;
    Westbrook D; Roman Road). It goes to the head, or to the acting head
    whose period covers today (``schoolsocial.selectors.head_for``). An
    incident has at most one open escalation. The decider is notified; SLT
    too when the escalation is urgent or high.
    """
    from schoolsocial.selectors import head_for

    reason = reason.strip()
    if raised_by is not None:
        _may_work_on(raised_by, incident.channel)
        if not reason:
            raise ServiceError("Say why this incident needs the headteacher.")
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        existing = (
            incident.escalations.filter(decided_at__isnull=True)
            .select_related("routed_to__user")
            .first()
        )
        if existing is not None:
            raise ServiceError(_already_escalated(existing, incident.school))
        school = incident.school
        codes = list(codes) if codes is not None else _codes(incident)
        routed_to = head_for(school=school)
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    incident=incident,
                    raised_by=raised_by,
                    automatic=raised_by is None,
                    urgency=incident.severity,
                    reason=reason,
                    routed_to=routed_to,
                )
        except IntegrityError:
            raise ServiceError("This incident is already waiting for the headteacher.") from None
        incident.status = Incident.Status.ESCALATED
        incident.save(update_fields=["status"])
        by = raised_by or incident.reported_by
        to = routed_to.user.display_name if routed_to else "senior leaders (no headteacher set)"
        IncidentAction.objects.create(
            incident=incident,
            kind=IncidentAction.Kind.ESCALATED,
            by=by,
            note=f"To {to}. {reason}".strip(),
        )
        audit_record(
            school=school,
            actor=raised_by.user if raised_by else None,
            action="moderation.escalate",
            obj=escalation,
            summary=f"Escalated incident {incident.pk} "
            f"({escalation.get_urgency_display().lower()}) to {to}"
            + (" automatically" if raised_by is None else "")
            + (f": {reason}" if reason else "."),
        )
        notify(
            recipients=escalation_recipients(escalation, school),
            kind="escalation",
            key=f"escalation:{escalation.pk}",
            title=escalation_title(urgency=escalation.urgency, codes=codes, school=school),
            url=reverse("moderation:incident", args=[incident.pk]),
            obj=escalation,
            urgent=escalation.urgency == cats.Severity.URGENT,
        )
    return escalation


def _already_escalated(escalation: Escalation, school: School) -> str:
    when = timezone.localtime(escalation.raised_at, school.tz)
    who = escalation.routed_to.user.display_name if escalation.routed_to else "the headteacher"
    return (
        f"This incident is already waiting for {who}'s decision "
        f"(escalated {when:%d %B %Y at %H:%M}). An incident has one open escalation at a time."
    )


def _may_decide(member: StaffMember, escalation: Escalation) -> None:
    """Only the headteacher, or the acting head on the day, decides."""
    if member.school_id != escalation.incident.school_id:
        raise ServiceError("These records belong to different schools.")
    if not member.is_active or Role.HEAD not in member.effective_roles():
        raise ServiceError("Only the headteacher, or the acting head, can do this.")


def _locked_escalation(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("incident__school", "incident__channel", "acknowledged_by__user")
        .get(pk=escalation.pk)
    )


def escalation_acknowledge(*, escalation: Escalation, by: StaffMember) -> Escalation:
    """The head has seen it: the one-hour reminder to the head and SLT stops
    (DESIGN.md, Reminders)."""
    _may_decide(by, escalation)
    with transaction.atomic():
        escalation = _locked_escalation(escalation)
        if not escalation.is_open:
            raise ServiceError("This escalation has already been decided.")
        if escalation.is_acknowledged:
            when = timezone.localtime(escalation.acknowledged_at, escalation.incident.school.tz)
            raise ServiceError(
                f"Already acknowledged by {escalation.acknowledged_by.user.display_name} "
                f"at {when:%H:%M on %d %B}."
            )
        _acknowledge(escalation, by)
    return escalation


def _acknowledge(escalation: Escalation, by: StaffMember) -> None:
    escalation.acknowledged_by = by
    escalation.acknowledged_at = timezone.now()
    escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
    incident = escalation.incident
    IncidentAction.objects.create(incident=incident, kind=IncidentAction.Kind.ACKNOWLEDGED, by=by)
    audit_record(
        school=incident.school,
        actor=by.user,
        action="moderation.escalation_acknowledge",
        obj=escalation,
        summary=f"Acknowledged the escalation of incident {incident.pk}.",
    )


def escalation_decide(
    *,
    escalation: Escalation,
    by: StaffMember,
    decision: str,
    note: str = "",
    external_reference: str = "",
) -> Escalation:
    """Record the head's decision (Threemilestone 6.1, 6.3, 6.4, 9.2.7,
    10.1, 10.2; Westbrook D; Roman Road; Carey C).

    Reporting to the police and referring to an external agency need the
    reference they gave. The decision goes on the incident's timeline and
    closes the escalation (deciding acknowledges it too, if nobody had). "No
    further action" resolves the incident with the decision as its outcome;
    any other decision sends it back to open for the administrators to carry
    out.
    """
    note, external_reference = note.strip(), external_reference.strip()
    _may_decide(by, escalation)
    if decision not in Escalation.Decision.values:
        raise ServiceError("Choose a decision.")
    label = Escalation.Decision(decision).label
    if decision in Escalation.NEEDS_REFERENCE and not external_reference:
        raise ServiceError(
            f"Give the reference for “{label}” (the crime reference or the agency's case number)."
        )
    with transaction.atomic():
        escalation = _locked_escalation(escalation)
        if not escalation.is_open:
            raise ServiceError("This escalation has already been decided.")
        incident = _locked(escalation.incident)
        escalation.incident = incident
        if not escalation.is_acknowledged:
            _acknowledge(escalation, by)
        escalation.decision = decision
        escalation.decision_note = note
        escalation.external_reference = external_reference
        escalation.decided_by = by
        escalation.decided_at = timezone.now()
        escalation.save(
            update_fields=[
                "decision",
                "decision_note",
                "external_reference",
                "decided_by",
                "decided_at",
            ]
        )
        IncidentAction.objects.create(
            incident=incident,
            kind=IncidentAction.Kind.DECISION,
            by=by,
            note=f"{label}." + (f"\n{note}" if note else ""),
            reference=external_reference,
        )
        if decision == Escalation.Decision.NO_FURTHER_ACTION:
            incident.status = Incident.Status.RESOLVED
            incident.outcome = f"Headteacher's decision: {label}." + (f" {note}" if note else "")
            incident.save(update_fields=["status", "outcome"])
        elif incident.status == Incident.Status.ESCALATED:
            incident.status = Incident.Status.OPEN
            incident.save(update_fields=["status"])
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.escalation_decide",
            obj=escalation,
            summary=f"Decided on incident {incident.pk}: {label}"
            + (f" (ref. {external_reference})" if external_reference else "")
            + (f". {note}" if note else "."),
        )
    return escalation


# --- Banned accounts -------------------------------------------------------------------------


def ban_create(
    *,
    school: School,
    platform: str,
    account_name: str,
    reason: str,
    banned_by: StaffMember,
    profile_url: str = "",
    review_on: datetime.date | None = None,
    incident: Incident | None = None,
) -> BannedAccount:
    """Add an account to the banned register (Threemilestone 6.3; Carey B.6:
    users who break the rules are blocked)."""
    if banned_by.school_id != school.pk:
        raise ServiceError("You can only ban accounts for the school you are working in.")
    account_name, reason = account_name.strip(), reason.strip()
    if platform not in Channel.Platform.values:
        raise ServiceError("Choose the platform.")
    if not account_name:
        raise ServiceError("Give the account's name.")
    if not reason:
        raise ServiceError("Give the reason for the ban.")
    today = school.local_today()
    if review_on is not None and review_on <= today:
        raise ServiceError("The review date must be in the future.")
    with transaction.atomic():
        ban = BannedAccount.objects.create(
            school=school,
            platform=platform,
            account_name=account_name,
            profile_url=profile_url.strip(),
            reason=reason,
            banned_by=banned_by,
            banned_on=today,
            review_on=review_on,
        )
        if incident is not None:
            ban.incidents.add(incident)
        audit_record(
            school=school,
            actor=banned_by.user,
            action="moderation.ban",
            obj=ban,
            summary=f"Banned {account_name} ({ban.get_platform_display()}): {reason}",
        )
    return ban


def ban_lift(*, ban: BannedAccount, lifted_by: StaffMember, reason: str) -> BannedAccount:
    """Lift a ban; the entry stays on the register with who, when and why."""
    reason = reason.strip()
    if lifted_by.school_id != ban.school_id:
        raise ServiceError("These records belong to different schools.")
    if not is_leader(lifted_by):
        raise ServiceError("Only the headteacher or a senior leader can lift a ban.")
    if not reason:
        raise ServiceError("Give the reason for lifting the ban.")
    with transaction.atomic():
        ban = BannedAccount.objects.select_for_update().get(pk=ban.pk)
        if ban.lifted_on:
            raise ServiceError("This ban has already been lifted.")
        ban.lifted_on = ban.school.local_today()
        ban.lifted_by = lifted_by
        ban.lifted_reason = reason
        ban.save(update_fields=["lifted_on", "lifted_by", "lifted_reason"])
        audit_record(
            school=ban.school,
            actor=lifted_by.user,
            action="moderation.ban_lift",
            obj=ban,
            summary=f"Lifted the ban on {ban.account_name}: {reason}",
        )
    return ban


def evidence_viewed(*, evidence: Evidence, member: StaffMember, variant: str) -> None:
    """Every view or download of evidence is on the audit trail."""
    audit_record(
        school=member.school,
        actor=member.user,
        action="moderation.evidence_view",
        obj=evidence,
        summary=f"Viewed screenshot {evidence.pk} ({variant}) of incident {evidence.incident_id}.",
    )
