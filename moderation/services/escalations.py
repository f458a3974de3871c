"""Escalation to the headteacher: raise, acknowledge, decide."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from moderation.models import (
    Escalation,
    Incident,
    IncidentAction,
)
from moderation.services.common import (
    CLOSED_MESSAGE,
    _locked,
    _may_work_on,
    for_the_record,
    labels_of,
)
from moderation.services.steps import outstanding_labels, refresh_steps
from policy.catalogue import Severity
from policy.selectors import dsl_for, profile_for
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import (
    Role,
    School,
    StaffMember,
)
from schoolsocial.notifications import mark_read_about, notify
from schoolsocial.services import ServiceError
from schoolsocial.wording import lower, when_read

logger = logging.getLogger(__name__)

# --- Escalation to the headteacher ------------------------------------------------------------


# Decisions that, recorded with their reference, are also the action itself.
DECISION_ACTIONS = {
    "report_police": IncidentAction.Kind.REPORTED_POLICE,
    "external_agency": IncidentAction.Kind.EXTERNAL_REFERRAL,
}


def _codes(incident: Incident) -> list[str]:
    return list(incident.category_rows.values_list("category", flat=True))


TITLES = {
    Severity.URGENT: gettext_noop("Urgent escalation: %(what)s — %(school)s"),
    Severity.HIGH: gettext_noop("High-priority escalation: %(what)s — %(school)s"),
    Severity.MEDIUM: gettext_noop("Medium-priority escalation: %(what)s — %(school)s"),
    Severity.LOW: gettext_noop("Low-priority escalation: %(what)s — %(school)s"),
}


def escalation_title(*, urgency: int, codes: Iterable[str], school: School):
    """The notification title: fixed labels only (urgency, category, school),
    never a pupil's name or the comment's words — emails reach phones. A
    ``later``: each recipient reads it in their own language."""
    profile = profile_for(school)
    codes = profile.ordered(codes)
    what = labels_of(profile, codes) if codes else when_read(_, gettext_noop("Incident"))
    return later(TITLES.get(urgency, TITLES[Severity.LOW]), what=what, school=school.name)


def _slt(school: School) -> list[StaffMember]:
    return list(
        StaffMember.objects.active()
        .filter(school=school, is_slt=True)
        .select_related("user", "school")
    )


def escalation_recipients(
    escalation: Escalation, school: School, codes: Iterable[str] | None = None
) -> list[StaffMember]:
    """Who is told of an escalation, from the school's policy: the person
    who decides, and whoever each category names (senior leaders, the
    designated safeguarding lead). Threemilestone 6.1: "the urgent attention
    of the Head Teacher and Senior Leadership team". When the headteacher is
    the subject (a "chair" route) the head is never told; senior leaders
    take it to the chair of governors."""
    from schoolsocial.selectors import head_for

    profile = profile_for(school)
    codes = list(codes) if codes is not None else _codes(escalation.incident)
    roles = profile.notify_roles(codes)
    chair = profile.routes_to_chair(codes)
    recipients = [escalation.routed_to] if escalation.routed_to else []
    if profile.decider == "slt" or chair or "slt" in roles or not recipients:
        recipients += _slt(school)
    if "dsl" in roles:
        dsl = dsl_for(school)
        if dsl is not None:
            recipients.append(dsl)
    if not chair and ("head" in roles or profile.decider == "slt"):
        head = head_for(school=school)
        if head is not None:
            recipients.append(head)
    if chair:
        head = head_for(school=school)
        recipients = [m for m in recipients if head is None or m.pk != head.pk]
    return list({m.pk: m for m in recipients}.values())


def _route(school: School, codes) -> tuple[StaffMember | None, str]:
    """Who the escalation goes to, and how the timeline says it (a ``later``)."""
    from schoolsocial.selectors import head_for

    profile = profile_for(school)
    if profile.routes_to_chair(codes):
        return None, later(
            "senior leaders, for the chair of governors (the headteacher is the subject)"
        )
    if profile.decider == "slt":
        return None, later("the senior leadership team (the headteacher is told)")
    head = head_for(school=school)
    if head is None:
        return None, later("senior leaders (no headteacher set)")
    return head, head.user.display_name


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
    if isinstance(reason, Promise):  # the app's own words: in the school's language
        reason = for_the_record(reason, incident.school)
    reason = reason.strip()
    if raised_by is not None:
        _may_work_on(raised_by, incident)
        if not reason:
            raise ServiceError(_("Say why this incident needs the headteacher."))
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
        routed_to, to = _route(school, codes)
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
            raise ServiceError(_("This incident is already waiting for the headteacher.")) from None
        incident.status = Incident.Status.ESCALATED
        incident.save(update_fields=["status"])
        by = raised_by or incident.reported_by
        IncidentAction.objects.create(
            incident=incident,
            kind=IncidentAction.Kind.ESCALATED,
            by=by,
            note=for_the_record(
                later("To %(to)s. %(reason)s", to=to, reason=reason)
                if reason
                else later("To %(to)s.", to=to),
                school,
            ),
        )
        audit_record(
            school=school,
            actor=raised_by.user if raised_by else None,
            action="moderation.escalate",
            obj=escalation,
            summary=_escalated_summary(incident, escalation, to, reason, raised_by is None),
        )
        notify(
            recipients=escalation_recipients(escalation, school, codes),
            kind="escalation",
            key=f"escalation:{escalation.pk}",
            title=escalation_title(urgency=escalation.urgency, codes=codes, school=school),
            url=reverse("moderation:incident", args=[incident.pk]),
            obj=escalation,
            urgent=escalation.urgency == Severity.URGENT,
        )
    return escalation


def _escalated_summary(incident, escalation, to, reason: str, automatic: bool):
    values = {
        "number": incident.pk,
        "urgency": lower(Severity(escalation.urgency).label),
        "to": to,
        "reason": reason,
    }
    if automatic and reason:
        return later(
            "Escalated incident %(number)s (%(urgency)s) to %(to)s automatically: %(reason)s",
            **values,
        )
    if automatic:
        return later(
            "Escalated incident %(number)s (%(urgency)s) to %(to)s automatically.", **values
        )
    if reason:
        return later("Escalated incident %(number)s (%(urgency)s) to %(to)s: %(reason)s", **values)
    return later("Escalated incident %(number)s (%(urgency)s) to %(to)s.", **values)


def _already_escalated(escalation: Escalation, school: School) -> str:
    when = timezone.localtime(escalation.raised_at, school.tz)
    values = {"day": date_format(when, "d F Y"), "time": date_format(when, "H:i")}
    if escalation.routed_to:
        return _(
            "This incident is already waiting for %(name)s's decision (escalated %(day)s at "
            "%(time)s). An incident has one open escalation at a time."
        ) % {"name": escalation.routed_to.user.display_name, **values}
    return (
        _(
            "This incident is already waiting for senior leaders' decision (escalated %(day)s at "
            "%(time)s). An incident has one open escalation at a time."
        )
        % values
    )


def may_decide(member: StaffMember, escalation: Escalation) -> bool:
    """Who acknowledges and decides, by the school's policy: the headteacher
    (or the acting head on the day) — Threemilestone 6.1–6.3; or, where the
    policy gives the lead to senior leaders (Whitchurch, Organisational
    control), any senior leader or the head. When the headteacher is the
    subject, senior leaders only."""
    if member.school_id != escalation.incident.school_id or not member.is_active:
        return False
    return decides(
        roles=member.effective_roles(),
        profile=profile_for(escalation.incident.school),
        codes=[r.category for r in escalation.incident.category_rows.all()],
    )


def decides(*, roles, profile, codes) -> bool:
    """``may_decide`` for roles already known (the dashboard asks for many
    escalations at once)."""
    if profile.routes_to_chair(codes):
        return Role.SLT in roles and Role.HEAD not in roles
    if profile.decider == "slt":
        return bool({Role.HEAD, Role.SLT} & roles)
    return Role.HEAD in roles


def _may_decide(member: StaffMember, escalation: Escalation) -> None:
    if member.school_id != escalation.incident.school_id:
        raise ServiceError(_("These records belong to different schools."))
    if not may_decide(member, escalation):
        profile = profile_for(escalation.incident.school)
        codes = [r.category for r in escalation.incident.category_rows.all()]
        if profile.routes_to_chair(codes):
            raise ServiceError(
                _(
                    "The headteacher is the subject of this incident: a senior leader who is "
                    "not the headteacher takes it to the chair of governors."
                )
            )
        if profile.decider == "slt":
            raise ServiceError(_("Only the headteacher or a senior leader can do this."))
        raise ServiceError(_("Only the headteacher, or the acting head, can do this."))


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
            raise ServiceError(_("This escalation has already been decided."))
        if escalation.is_acknowledged:
            when = timezone.localtime(escalation.acknowledged_at, escalation.incident.school.tz)
            raise ServiceError(
                _("Already acknowledged by %(name)s at %(time)s on %(day)s.")
                % {
                    "name": escalation.acknowledged_by.user.display_name,
                    "time": date_format(when, "H:i"),
                    "day": date_format(when, "d F"),
                }
            )
        _acknowledge(escalation, by)
    return escalation


def _acknowledge(escalation: Escalation, by: StaffMember) -> None:
    escalation.acknowledged_by = by
    escalation.acknowledged_at = timezone.now()
    escalation.save(update_fields=["acknowledged_by", "acknowledged_at"])
    incident = escalation.incident
    IncidentAction.objects.create(incident=incident, kind=IncidentAction.Kind.ACKNOWLEDGED, by=by)
    # Acting on the escalation marks the actor's notifications about it read.
    mark_read_about(
        member=by,
        key_prefixes=[f"escalation:{escalation.pk}:", f"escalation_overdue:{escalation.pk}:"],
    )
    audit_record(
        school=incident.school,
        actor=by.user,
        action="moderation.escalation_acknowledge",
        obj=escalation,
        summary=later("Acknowledged the escalation of incident %(number)s.", number=incident.pk),
    )


def escalation_decide(
    *,
    escalation: Escalation,
    by: StaffMember,
    decision: str,
    note: str = "",
    external_reference: str = "",
    more: Iterable[str] = (),
) -> Escalation:
    """Record the head's decision (Threemilestone 6.1, 6.3, 6.4, 9.2.7,
    10.1, 10.2; Westbrook D; Roman Road; Carey C).

    Reporting to the police and referring to an external agency need the
    reference they gave. The decision goes on the incident's timeline and
    closes the escalation (deciding acknowledges it too, if nobody had). "No
    further action" resolves the incident with the decision as its outcome;
    any other decision sends it back to open for the administrators to carry
    out.

    ``more`` carries further decisions taken at the same time (inform the
    parents *and* log it on CPOMS: Threemilestone 10.1). "No further action"
    cannot be combined with anything else. Whatever is decided, the steps
    the school's policy requires still stand: "No further action" resolves
    the incident only when none is outstanding (Threemilestone 6.2: a
    comment naming a pupil is deleted whatever else is decided). The
    reporter and the channel's administrators are told the decision.
    """
    note, external_reference = note.strip(), external_reference.strip()
    _may_decide(by, escalation)
    if decision not in Escalation.Decision.values:
        raise ServiceError(_("Choose a decision."))
    more = [d for d in dict.fromkeys(more) if d != decision]
    if any(d not in Escalation.Decision.values for d in more):
        raise ServiceError(_("Choose decisions from the list."))
    everything = [decision, *more]
    if Escalation.Decision.NO_FURTHER_ACTION in everything and len(everything) > 1:
        raise ServiceError(_("“No further action” cannot be combined with other decisions."))
    # The decisions, in the language of whoever reads them.
    label = when_read(lambda: "; ".join(str(Escalation.Decision(d).label) for d in everything))
    needing = [d for d in everything if d in Escalation.NEEDS_REFERENCE]
    if needing and not external_reference:
        first = Escalation.Decision(needing[0]).label
        raise ServiceError(
            _(
                "Give the reference for “%(decision)s” (the crime reference or the agency's "
                "case number)."
            )
            % {"decision": first}
        )
    with transaction.atomic():
        escalation = _locked_escalation(escalation)
        if not escalation.is_open:
            raise ServiceError(_("This escalation has already been decided."))
        incident = _locked(escalation.incident)
        escalation.incident = incident
        if not escalation.is_acknowledged:
            _acknowledge(escalation, by)
        escalation.decision = decision
        escalation.more_decisions = more
        escalation.decision_note = note
        escalation.external_reference = external_reference
        escalation.decided_by = by
        escalation.decided_at = timezone.now()
        escalation.save(
            update_fields=[
                "decision",
                "more_decisions",
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
            note=for_the_record(label, incident.school) + "." + (f"\n{note}" if note else ""),
            reference=external_reference,
        )
        # A decision given with its external reference has happened: the
        # police were told, the agency has the case. It goes on the timeline
        # as that action too, so the step it satisfies is done.
        for done in everything:
            kind = DECISION_ACTIONS.get(done)
            if kind and external_reference:
                IncidentAction.objects.create(
                    incident=incident,
                    kind=kind,
                    by=by,
                    note=for_the_record(
                        later(
                            "As decided: %(decision)s.",
                            decision=Escalation.Decision(done).label,
                        ),
                        incident.school,
                    ),
                    reference=external_reference,
                )
        refresh_steps(incident)
        left = outstanding_labels(incident)
        if decision == Escalation.Decision.NO_FURTHER_ACTION and not left:
            incident.status = Incident.Status.RESOLVED
            if Role.HEAD in by.effective_roles():
                outcome = later("Headteacher's decision: %(decisions)s.", decisions=label)
            else:
                outcome = later("Senior leader's decision: %(decisions)s.", decisions=label)
            incident.outcome = for_the_record(outcome, incident.school) + (
                f" {note}" if note else ""
            )
            incident.save(update_fields=["status", "outcome"])
        elif incident.status == Incident.Status.ESCALATED:
            incident.status = Incident.Status.OPEN
            incident.save(update_fields=["status"])
        _tell_decision(escalation, incident, by, label, left)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.escalation_decide",
            obj=escalation,
            summary=_decided_summary(incident, label, external_reference, note),
        )
    return escalation


def _decided_summary(incident, label, reference: str, note: str):
    values = {"number": incident.pk, "decisions": label, "reference": reference, "note": note}
    if reference and note:
        return later(
            "Decided on incident %(number)s: %(decisions)s (ref. %(reference)s). %(note)s",
            **values,
        )
    if reference:
        return later(
            "Decided on incident %(number)s: %(decisions)s (ref. %(reference)s).", **values
        )
    if note:
        return later("Decided on incident %(number)s: %(decisions)s. %(note)s", **values)
    return later("Decided on incident %(number)s: %(decisions)s.", **values)


def _tell_decision(escalation, incident, by, label, left) -> None:
    """The decision reaches the people who carry it out: whoever recorded
    the incident, the channel's current administrators, and the head when
    someone else decided. Titles carry no pupil's name or comment."""
    from schoolsocial.models import ChannelAuthorisation
    from schoolsocial.selectors import head_for

    recipients = [
        StaffMember.objects.select_related("user", "school").get(pk=incident.reported_by_id)
    ]
    if incident.channel_id:
        recipients += [
            a.member
            for a in ChannelAuthorisation.objects.current()
            .filter(channel_id=incident.channel_id)
            .select_related("member__user", "member__school")
        ]
    head = head_for(school=incident.school)
    if head is not None and head.pk != by.pk:
        recipients.append(head)
    unique = {m.pk: m for m in recipients}.values()
    recipients = [m for m in unique if m.pk != by.pk and m.is_active]
    if left:
        title = later(
            "Decided: %(decisions)s — incident %(number)s. Still required: %(steps)s.",
            decisions=label,
            number=incident.pk,
            steps=when_read(lambda: "; ".join(str(s) for s in left)),
        )
    else:
        title = later(
            "Decided: %(decisions)s — incident %(number)s.", decisions=label, number=incident.pk
        )
    notify(
        recipients=recipients,
        kind="decision",
        key=f"decision:{escalation.pk}",
        title=title,
        url=reverse("moderation:incident", args=[incident.pk]),
        obj=escalation,
    )
