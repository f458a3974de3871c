"""Read-only questions about moderation, each a fixed number of queries
however many incidents or checks there are."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from moderation.models import (
    BannedAccount,
    Escalation,
    Evidence,
    Incident,
    IncidentAction,
    IncidentCategory,
    ModerationCheck,
)
from schoolsocial.models import Channel, ChannelAuthorisation, School, StaffMember

COVERAGE_DAYS = 30


# --- Queue ---------------------------------------------------------------------------------


def queue(
    *,
    school: School,
    status: str = "open",
    channel_id: int | None = None,
    category: str = "",
    severity: int | None = None,
    author: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
):
    """Incidents of the school, urgent first then oldest first.

    ``status`` "open" means open work (open or escalated); "" means all."""
    qs = Incident.objects.filter(school=school)
    if status == "open":
        qs = qs.filter(status__in=Incident.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if channel_id:
        qs = qs.filter(channel_id=channel_id)
    if category:
        qs = qs.filter(
            Exists(IncidentCategory.objects.filter(incident=OuterRef("pk"), category=category))
        )
    if severity:
        qs = qs.filter(severity=severity)
    if author:
        qs = qs.filter(Q(author_name__icontains=author) | Q(author_profile_url__icontains=author))
    tz = school.tz
    if date_from:
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
        qs = qs.filter(occurred_at__gte=start)
    if date_to:
        end = datetime.datetime.combine(
            date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        qs = qs.filter(occurred_at__lt=end)
    return (
        qs.select_related("channel", "reported_by__user")
        .prefetch_related("category_rows")
        .annotate(evidence_count=_evidence_count())
        .order_by("-severity", "occurred_at", "pk")
    )


def _evidence_count():
    # A correlated subquery rather than a JOIN + GROUP BY: computed only for
    # the rows of the page.
    return Coalesce(
        Subquery(
            Evidence.objects.filter(incident=OuterRef("pk"))
            .order_by()
            .values("incident")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def status_counts(*, school: School) -> dict[str, int]:
    """How many incidents in each status: one query."""
    rows = Incident.objects.filter(school=school).values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(Incident.Status.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    counts["open_work"] = counts["open"] + counts["escalated"]
    return counts


# --- One incident -----------------------------------------------------------------------


def incident_detail_qs(*, school: School):
    return (
        Incident.objects.filter(school=school)
        .select_related("channel", "reported_by__user")
        .prefetch_related(
            "category_rows",
            Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by__user")),
            Prefetch(
                "actions",
                queryset=IncidentAction.objects.select_related("by__user", "banned_account"),
            ),
            "bans",
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related(
                    "raised_by__user",
                    "routed_to__user",
                    "acknowledged_by__user",
                    "decided_by__user",
                ).order_by("-raised_at", "-pk"),
            ),
        )
    )


@dataclass
class RepeatAuthor:
    incidents: list
    bans: list

    def __bool__(self) -> bool:
        return bool(self.incidents or self.bans)


def repeat_author(
    *,
    school: School,
    author_name: str,
    profile_url: str = "",
    exclude_incident_id: int | None = None,
    limit: int = 20,
) -> RepeatAuthor:
    """Earlier incidents and any ban for the same profile link or name."""
    author_name, profile_url = author_name.strip(), profile_url.strip()
    if not author_name and not profile_url:
        return RepeatAuthor([], [])
    match = Q()
    ban_match = Q()
    if profile_url:
        match |= Q(author_profile_url__iexact=profile_url)
        ban_match |= Q(profile_url__iexact=profile_url)
    if author_name:
        match |= Q(author_name__iexact=author_name)
        ban_match |= Q(account_name__iexact=author_name)
    incidents = Incident.objects.filter(match, school=school).select_related("channel")
    if exclude_incident_id:
        incidents = incidents.exclude(pk=exclude_incident_id)
    bans = BannedAccount.objects.filter(ban_match, school=school).select_related("banned_by__user")
    return RepeatAuthor(list(incidents.order_by("-occurred_at")[:limit]), list(bans))


# --- Daily checks and coverage --------------------------------------------------------


def channels_to_check(*, member: StaffMember):
    """The channels this person may record a daily check for."""
    return Channel.objects.filter(
        school=member.school,
        pk__in=ChannelAuthorisation.objects.current().filter(member=member).values("channel_id"),
    )


def channels_for_incidents(*, member: StaffMember, leader: bool):
    if leader:
        return Channel.objects.filter(school=member.school)
    return channels_to_check(member=member)


@dataclass(frozen=True)
class Cell:
    day: datetime.date
    state: str  # checked, missed, due, not_required
    check: ModerationCheck | None = None

    @property
    def label(self) -> str:
        return {
            "checked": "Checked",
            "missed": "Missed",
            "due": "Due today",
            "not_required": "Not required",
        }[self.state]


def coverage(*, school: School, days: int = COVERAGE_DAYS, today: datetime.date | None = None):
    """The last ``days`` days per channel: checked, missed or not required.

    Not required: see ``Channel.needs_check_on`` (not moderated daily, a
    weekday the school left out, a closure date, before the channel was
    added). Two queries."""
    today = today or school.local_today()
    dates = [today - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]
    channels = list(Channel.objects.filter(school=school).order_by("name"))
    checks = ModerationCheck.objects.filter(
        channel__school=school, checked_on__gte=dates[0], checked_on__lte=today
    ).select_related("checked_by__user")
    by_key = {(c.channel_id, c.checked_on): c for c in checks}
    rows = []
    for channel in channels:
        cells = []
        for day in dates:
            check = by_key.get((channel.pk, day))
            if check:
                state = "checked"
            elif not channel.needs_check_on(day, school=school):
                state = "not_required"
            elif day == today:
                state = "due"
            else:
                state = "missed"
            cells.append(Cell(day, state, check))
        missed = sum(1 for c in cells if c.state == "missed")
        rows.append({"channel": channel, "cells": cells, "missed": missed})
    return {"dates": dates, "rows": rows}


def recent_checks(*, school: School, limit: int = 30):
    return ModerationCheck.objects.filter(channel__school=school).select_related(
        "channel", "checked_by__user"
    )[:limit]


def checked_today(*, school: School) -> dict[int, ModerationCheck]:
    today = school.local_today()
    return {
        c.channel_id: c
        for c in ModerationCheck.objects.filter(
            channel__school=school, checked_on=today
        ).select_related("checked_by__user")
    }


# --- Banned accounts ----------------------------------------------------------------------


def banned_accounts(*, school: School):
    return (
        BannedAccount.objects.filter(school=school)
        .select_related("banned_by__user", "lifted_by__user")
        .prefetch_related(Prefetch("incidents", queryset=Incident.objects.only("pk", "school")))
        .order_by(F("lifted_on").asc(nulls_first=True), "-banned_on", "account_name")
    )


# --- Escalations --------------------------------------------------------------------------


def _escalations(*, school: School):
    return Escalation.objects.filter(incident__school=school).select_related(
        "incident__channel",
        "raised_by__user",
        "routed_to__user",
        "acknowledged_by__user",
        "decided_by__user",
    )


def open_escalations(*, school: School):
    """The head's inbox: open escalations, urgent first, then the oldest.
    Two queries however many there are."""
    return (
        _escalations(school=school)
        .filter(decided_at__isnull=True)
        .prefetch_related("incident__category_rows")
        .order_by("-urgency", "raised_at", "pk")
    )


def recently_decided(*, school: School, limit: int = 10):
    return list(
        _escalations(school=school)
        .filter(decided_at__isnull=False)
        .prefetch_related("incident__category_rows")
        .order_by("-decided_at", "-pk")[:limit]
    )


def escalation_for_decision(*, school: School):
    return _escalations(school=school).prefetch_related("incident__category_rows")
