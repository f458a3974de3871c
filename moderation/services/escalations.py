"""Escalation to the headteacher: raise, acknowledge, decide."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from moderation import categories as cats
from moderation.models import (
    Escalation,
    Incident,
    IncidentAction,
)
from moderation.services.common import (
    CLOSED_MESSAGE,
    _locked,
    _may_work_on,
)
from schoolsocial.audit import audit_record
from schoolsocial.models import (
    Role,
    School,
    StaffMember,
)
from schoolsocial.notifications import notify
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

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
