"""Read-only questions about moderation, each a fixed number of queries
however many incidents or checks there are."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_noop

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
    steps: str = "",
    text: str = "",
):
    """Incidents of the school, urgent first then oldest first.

    ``status`` "open" means open work (open or escalated); "" means all.
    ``channel_id`` 0 means "elsewhere online" (no channel); ``steps``
    "outstanding" keeps incidents with a required step still to do."""
    qs = Incident.objects.filter(school=school)
    if status == "open":
        qs = qs.filter(status__in=Incident.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if channel_id == 0:
        qs = qs.filter(channel__isnull=True)
    elif channel_id:
        qs = qs.filter(channel_id=channel_id)
    if steps == "outstanding":
        qs = qs.filter(steps_outstanding=True)
    if category:
        qs = qs.filter(
            Exists(IncidentCategory.objects.filter(incident=OuterRef("pk"), category=category))
        )
    if severity:
        qs = qs.filter(severity=severity)
    if author:
        qs = qs.filter(Q(author_name__icontains=author) | Q(author_profile_url__icontains=author))
    if text:
        qs = qs.filter(_text_matches(text))
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


def _text_matches(text: str) -> Q:
    """The comment or the text read from a screenshot contains the words.

    PostgreSQL: full-text search ("simple" configuration: names are not
    stemmed; every word must be there, in any order; websearch syntax, so
    "quoted phrases" and -excluded words work). Elsewhere (SQLite in
    development): the words, each as written, anywhere in either text."""
    from django.db import connection

    from moderation.models import EvidenceText

    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        query = SearchQuery(text, config="simple", search_type="websearch")
        read = (
            EvidenceText.objects.annotate(found=SearchVector("text", config="simple"))
            .filter(found=query)
            .values("evidence__incident_id")
        )
        typed = (
            Incident.objects.annotate(found=SearchVector("content", config="simple"))
            .filter(found=query)
            .values("pk")
        )
        return Q(pk__in=read) | Q(pk__in=typed)
    condition = Q()
    for word in text.split()[:10]:
        read = EvidenceText.objects.filter(text__icontains=word).values("evidence__incident_id")
        condition &= Q(content__icontains=word) | Q(pk__in=read)
    return condition


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


def visible_to(qs, *, member: StaffMember, path: str = "", roles=None):
    """What of ``qs`` (incidents, or rows reached through ``path`` to an
    incident) this member may see: leaders see the whole school; a page
    administrator sees the channels they are currently authorised for and
    what was seen elsewhere online (Threemilestone 4.2, 5.1: administrators
    work on the channels they are authorised for; Whitchurch "Legal
    considerations": data protection)."""
    from schoolsocial.models import LEADERS

    if LEADERS & (roles if roles is not None else member.effective_roles()):
        return qs
    channel_ids = ChannelAuthorisation.objects.current().filter(member=member).values("channel_id")
    prefix = f"{path}__" if path else ""
    return qs.filter(
        Q(**{f"{prefix}channel__isnull": True}) | Q(**{f"{prefix}channel_id__in": channel_ids})
    )


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


def evidence_elsewhere(*, incident: Incident, evidence=None) -> dict[int, list[int]]:
    """For each screenshot of ``incident`` (or each of ``evidence``): the
    other incidents of the same school that hold the same file (the same
    SHA-256), oldest first. One query."""
    mine = {e.sha256: e.pk for e in (incident.evidence.all() if evidence is None else evidence)}
    if not mine:
        return {}
    found: dict[int, list[int]] = {}
    rows = (
        Evidence.objects.filter(incident__school_id=incident.school_id, sha256__in=list(mine))
        .exclude(incident_id=incident.pk)
        .order_by("incident_id")
        .values_list("sha256", "incident_id")
        .distinct()
    )
    for sha256, incident_id in rows:
        found.setdefault(mine[sha256], []).append(incident_id)
    return found


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
        return gettext(CELL_LABELS[self.state])


CELL_LABELS = {
    "checked": gettext_noop("Checked"),
    "missed": gettext_noop("Missed"),
    "due": gettext_noop("Due today"),
    "not_required": gettext_noop("Not required"),
}


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


# --- The head's and SLT's dashboard -------------------------------------------------------

# One colour per category for the chart (fill attributes: no inline styles
# under the strict CSP). Distinguishable, and dark enough to print in grey.
CHART_COLOURS = {
    "pupil_named": "#b3261e",
    "pupil_media": "#e8710a",
    "threat_hate": "#6d1b7b",
    "extremist": "#3c0d4a",
    "offensive": "#d93025",
    "bullying": "#f29900",
    "negative_about_pupil": "#a56a00",
    "defamatory": "#1a73e8",
    "unconnected_person": "#12598f",
    "staff_personal": "#188038",
    "follower_under_age": "#5f8f3a",
    "indecent_image": "#000000",
    "staff_child_contact": "#8b0000",
    "about_head": "#4a148c",
    "data_breach": "#00695c",
    "pupil_social_media": "#795548",
    "name_logo_misuse": "#37474f",
    "copyright": "#9e9d24",
    "private_concern": "#5f6368",
    "spam": "#9aa0a6",
    "other": "#3c4043",
}
BAR_WIDTH, BAR_GAP, CHART_LEFT, CHART_TOP, PLOT_HEIGHT = 34, 14, 34, 12, 150


def school_year_start(day: datetime.date) -> datetime.date:
    """1 September of the school year ``day`` falls in (to 31 August)."""
    return datetime.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def incidents_by_month(*, school: School, today: datetime.date | None = None) -> dict:
    """Incidents this school year by month and main category (the most
    serious of an incident's categories, so each incident counts once), with
    the geometry of a stacked bar chart drawn on the server. One query."""
    from policy.selectors import profile_for

    profile = profile_for(school)
    today = today or school.local_today()
    start = school_year_start(today)
    months = [
        datetime.date(start.year + (start.month + n - 1) // 12, (start.month + n - 1) % 12 + 1, 1)
        for n in range(12)
    ]
    tz = school.tz
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        datetime.date(start.year + 1, 9, 1), datetime.time.min, tzinfo=tz
    )
    rank = {c.code: (-c.severity, n) for n, c in enumerate(profile.categories.values())}
    # The month of each incident (0 = September) worked out in the database,
    # between the instants the school's local months start: plain integers
    # come back, not a datetime per row.
    bounds = [datetime.datetime.combine(m, datetime.time.min, tzinfo=tz) for m in months]
    month_index = Case(
        *(When(incident__occurred_at__lt=bounds[i + 1], then=Value(i)) for i in range(11)),
        default=Value(11),
        output_field=IntegerField(),
    )
    main: dict[int, tuple[str, int]] = {}
    for incident_id, code, index in (
        IncidentCategory.objects.filter(
            incident__school=school,
            incident__occurred_at__gte=begin,
            incident__occurred_at__lt=end,
            category__in=list(rank),
        )
        .annotate(month_index=month_index)
        .values_list("incident_id", "category", "month_index")
        .order_by()
    ):
        if incident_id not in main or rank[code] < rank[main[incident_id][0]]:
            main[incident_id] = (code, index)
    counts: dict[tuple[int, str], int] = {}
    for code, index in main.values():
        counts[(index, code)] = counts.get((index, code), 0) + 1
    used = [c for c in profile.categories.values() if any(k[1] == c.code for k in counts)]
    totals = [sum(n for (i, _), n in counts.items() if i == m) for m in range(12)]
    top = max(totals, default=0) or 1
    bars = []
    for m, month in enumerate(months):
        x = CHART_LEFT + m * (BAR_WIDTH + BAR_GAP)
        y = CHART_TOP + PLOT_HEIGHT
        segments = []
        for category in used:
            n = counts.get((m, category.code), 0)
            if not n:
                continue
            height = round(n / top * PLOT_HEIGHT, 1)
            y = round(y - height, 1)
            segments.append(
                {
                    "y": y,
                    "height": height,
                    "count": n,
                    "label": category.label,
                    "colour": CHART_COLOURS.get(category.code, "#5f6368"),
                }
            )
        bars.append(
            {
                "month": month,
                "x": x,
                "label_x": x + BAR_WIDTH / 2,
                "total": totals[m],
                "total_y": y - 4,
                "segments": segments,
            }
        )
    rows = [
        {
            "label": c.label,
            "colour": CHART_COLOURS.get(c.code, "#5f6368"),
            "counts": [counts.get((m, c.code), 0) for m in range(12)],
            "total": sum(counts.get((m, c.code), 0) for m in range(12)),
        }
        for c in used
    ]
    return {
        "start": start,
        "end": datetime.date(start.year + 1, 8, 31),
        "months": months,
        "bars": bars,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "top": top,
        "width": CHART_LEFT + 12 * (BAR_WIDTH + BAR_GAP),
        "height": CHART_TOP + PLOT_HEIGHT + 24,
        "baseline": CHART_TOP + PLOT_HEIGHT,
        "month_label_y": CHART_TOP + PLOT_HEIGHT + 16,
        "axis_x": CHART_LEFT - 6,
        "bar_width": BAR_WIDTH,
    }


def coverage_this_month(*, school: School, today: datetime.date | None = None) -> list[dict]:
    """Per channel, the days checked out of the days a check was required
    this month so far (today counts once checked). Reuses ``coverage``."""
    today = today or school.local_today()
    grid = coverage(school=school, days=today.day, today=today)
    rows = []
    for row in grid["rows"]:
        checked = sum(1 for c in row["cells"] if c.state == "checked")
        required = checked + sum(1 for c in row["cells"] if c.state == "missed")
        rows.append(
            {
                "channel": row["channel"],
                "checked": checked,
                "required": required,
                "missed": row["missed"],
                "percent": round(100 * checked / required) if required else None,
            }
        )
    return rows


def dashboard(*, school: School) -> dict:
    """What the head and SLT see first: open escalations, the urgent ones
    nobody has acknowledged and how long they have waited, incidents this
    school year, and this month's moderation coverage. A fixed number of
    queries."""
    open_escalations = list(_open_escalations_brief(school=school))
    return {
        "open_escalations_count": len(open_escalations),
        # Required by the school's policy and not yet done (comment deleted, CPOMS…).
        "steps_outstanding_count": Incident.objects.filter(school=school, steps_outstanding=True)
        .exclude(status=Incident.Status.CLOSED)
        .count(),
        "urgent_unacknowledged": [
            e for e in open_escalations if e.urgency == 4 and e.acknowledged_at is None
        ],
        "incident_chart": incidents_by_month(school=school),
        "coverage_month": coverage_this_month(school=school),
    }


def _open_escalations_brief(*, school: School):
    return (
        Escalation.objects.filter(incident__school=school, decided_at__isnull=True)
        .select_related("incident__channel", "routed_to__user")
        .prefetch_related("incident__category_rows")
        .order_by("-urgency", "raised_at", "pk")
    )


def read_texts(*, incident: Incident) -> dict:
    """The text read from each of the incident's screenshots, by evidence id."""
    from moderation.models import EvidenceText

    return {t.evidence_id: t for t in EvidenceText.objects.filter(evidence__incident=incident)}
