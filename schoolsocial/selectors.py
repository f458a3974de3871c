"""Read-only questions about the core, batched so pages make a fixed number
of queries however large the roster."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q

from schoolsocial import dashboard
from schoolsocial.audit import action_label
from schoolsocial.folding import name_search_key, search_words
from schoolsocial.models import (
    LEADERS,
    ActingHead,
    AuditEvent,
    Channel,
    ChannelAuthorisation,
    Invitation,
    PlatformRemoval,
    School,
    StaffMember,
)

TRAINING_VALID_FOR = datetime.timedelta(days=365)


def roster(*, school: School, former: bool = False, q: str = ""):
    """The school's current (or former) staff. ``q`` keeps those whose name or
    email contains every word of it, folded as pupil names are
    (``schoolsocial.folding``): "Sian" finds Siân, "oconnor" O'Connor. A
    school's staff are few, so the folding is done here rather than stored."""
    members = (
        StaffMember.objects.filter(school=school, left_on__isnull=not former)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "authorisations",
                queryset=ChannelAuthorisation.objects.filter(
                    revoked_on__isnull=True
                ).select_related("channel"),
                to_attr="current_authorisations",
            )
        )
    )
    words = search_words(q)
    if not words:
        return members
    return [
        m
        for m in members
        if all(
            w in name_search_key(m.user.first_name, m.user.last_name, m.user.email) for w in words
        )
    ]


def channels_with_admins(*, school: School):
    return Channel.objects.filter(school=school).prefetch_related(
        Prefetch(
            "authorisations",
            queryset=ChannelAuthorisation.objects.current().select_related("member__user"),
            to_attr="current_authorisations",
        )
    )


def member_history(*, member: StaffMember, limit: int = 100):
    """Audit events about this person or their authorisations, newest first."""
    authorisation_ids = [str(pk) for pk in member.authorisations.values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(school=member.school).filter(
        Q(object_type="schoolsocial.staffmember", object_id=str(member.pk))
        | Q(object_type="schoolsocial.channelauthorisation", object_id__in=authorisation_ids)
        | Q(actor=member.user, action__in=["roster.join"])
    )[:limit]
    for event in events:
        event.label = action_label(event.action)
    return events


def training_overdue(*, school: School, today: datetime.date | None = None):
    today = today or school.local_today()
    return (
        ChannelAuthorisation.objects.current()
        .filter(channel__school=school, trained_on__lt=today - TRAINING_VALID_FOR)
        .select_related("member__user", "channel")
    )


# --- Who decides: the head, or the acting head on that date ---------------------


def head_for(*, school: School, on: datetime.date | None = None) -> StaffMember | None:
    """The person who takes the head's decisions on ``on`` (default: the
    school's today): the acting head whose period covers that date, else the
    current headteacher. Two queries at most."""
    on = on or school.local_today()
    return heads_for(schools=[school], on={school.pk: on}).get(school.pk)


def heads_for(
    *, schools, on: dict[int, datetime.date] | None = None
) -> dict[int, StaffMember | None]:
    """``head_for`` for many schools in two queries (reminders, batches).
    ``on`` maps a school's id to its date (default: each school's today)."""
    schools = list(schools)
    if not schools:
        return {}
    on = on or {}
    dates = {s.pk: on.get(s.pk) or s.local_today() for s in schools}
    acting: dict[int, StaffMember] = {}
    for row in (
        ActingHead.objects.filter(
            school__in=schools,
            starts_on__lte=max(dates.values()),
            ends_on__gte=min(dates.values()),
            member__left_on__isnull=True,
        )
        .select_related("member__user", "member__school")
        .order_by("school_id", "-starts_on", "-pk")
    ):
        day = dates[row.school_id]
        if row.school_id not in acting and row.starts_on <= day <= row.ends_on:
            acting[row.school_id] = row.member
    heads: dict[int, StaffMember] = {}
    for member in (
        StaffMember.objects.active()
        .filter(school__in=schools, is_head=True)
        .select_related("user", "school")
        .order_by("pk")
    ):
        heads.setdefault(member.school_id, member)
    return {s.pk: acting.get(s.pk) or heads.get(s.pk) for s in schools}


def dashboard_context(*, member: StaffMember, roles: frozenset[str]) -> dict:
    school = member.school
    context: dict = {"member": member, "roles": roles, "is_leader": bool(LEADERS & roles)}
    my_authorisations = list(
        ChannelAuthorisation.objects.current().filter(member=member).select_related("channel")
    )
    context["my_authorisations"] = my_authorisations
    if context["is_leader"]:
        channels = list(channels_with_admins(school=school))
        context.update(
            staff_count=StaffMember.objects.active().filter(school=school).count(),
            channels=channels,
            channels_without_admin=[c for c in channels if not c.current_authorisations],
            training_overdue=list(training_overdue(school=school)),
            pending_invitations=Invitation.objects.filter(
                school=school, accepted_at__isnull=True, cancelled_at__isnull=True
            ).count(),
            recent_events=_labelled(
                AuditEvent.objects.filter(school=school).select_related("actor")[:8]
            ),
        )
    # The apps' panels (schoolsocial.dashboard): registered in their
    # AppConfig.ready(), so the core imports none of them.
    panels, shown = dashboard.compose(member=member, roles=roles)
    context.update(panels)
    context["dashboard_panels"] = shown
    return context


def _labelled(events):
    events = list(events)
    for event in events:
        event.label = action_label(event.action)
    return events


# --- The core's dashboard panels (registered in SchoolsocialConfig.ready) -------


def safeguards_panel(member: StaffMember, roles: frozenset[str]) -> dict | None:
    """Head and SLT: channels with a safeguard switched off (Threemilestone
    4.3, 5.1, 5.3), with the head's reason, for as long as it stays off."""
    if not LEADERS & roles:
        return None
    channels = []
    for channel in Channel.objects.filter(school=member.school).order_by("name"):
        off = channel.safeguards_off()
        if off:
            channel.off = off
            channels.append(channel)
    return {"channels": channels} if channels else None


def platform_removals_panel(member: StaffMember, roles: frozenset[str]) -> dict | None:
    """Head and SLT: former administrators still to be removed on the
    platform itself (Threemilestone 4.2), until a leader marks each done."""
    if not LEADERS & roles:
        return None
    removals = list(
        PlatformRemoval.objects.filter(school=member.school, done_at__isnull=True).select_related(
            "authorisation__member__user", "authorisation__channel"
        )
    )
    return {"removals": removals} if removals else None
