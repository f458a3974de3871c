"""Moderation reminders (Threemilestone 5.1: "the page will be moderated
daily"; Whitchurch "Monitoring": "regularly and frequently").

* At the school's reminder time, each channel due a check today and not yet
  checked → its authorised administrators.
* Next morning, any channel that went unchecked yesterday → SLT.
* Each morning, incidents with a step the school's policy requires still to
  do (comment deleted, CPOMS, LADO…) → whoever recorded them and SLT.

Each answers for a batch of schools in three queries, whatever the number of
channels, staff or days.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils.formats import date_format

from moderation.models import Incident, ModerationCheck
from schoolsocial.language import later
from schoolsocial.models import Channel, ChannelAuthorisation
from schoolsocial.reminders import Due, Reminder, local_now, members_by_role, reached, register
from schoolsocial.wording import when_read

# "Next morning": the missed-day notice goes from this local time on.
MORNING = datetime.time(8, 0)


def _unchecked(schools, day_for) -> list[Channel]:
    """Channels of ``schools`` due a check on ``day_for[school.pk]`` and
    without one (two queries)."""
    by_pk = {s.pk: s for s in schools}
    channels = [
        c
        for c in Channel.objects.filter(school__in=schools, moderated_daily=True)
        if c.needs_check_on(day_for[c.school_id], school=by_pk[c.school_id])
    ]
    if not channels:
        return []
    checked = set(
        ModerationCheck.objects.filter(
            channel__in=channels, checked_on__in=set(day_for.values())
        ).values_list("channel_id", "checked_on")
    )
    return [c for c in channels if (c.pk, day_for[c.school_id]) not in checked]


class DailyCheckReminder(Reminder):
    kind = "moderation_due"

    def due(self, *, schools, now):
        schools = [s for s in schools if reached(s, now, s.reminder_time)]
        if not schools:
            return []
        today = {s.pk: local_now(s, now).date() for s in schools}
        channels = _unchecked(schools, today)
        if not channels:
            return []
        admins = defaultdict(list)
        for authorisation in (
            ChannelAuthorisation.objects.current()
            .filter(channel__in=channels)
            .select_related("member__user", "member__school")
        ):
            admins[authorisation.channel_id].append(authorisation.member)
        by_pk = {s.pk: s for s in schools}
        return [
            Due(
                school=by_pk[channel.school_id],
                kind=self.kind,
                key=f"{self.kind}:{channel.pk}:{today[channel.school_id]}",
                title=later(
                    "Daily check due: %(channel)s has not been checked today", channel=channel.name
                ),
                url="/moderation/checks/",
                recipients=admins[channel.pk],
            )
            for channel in channels
            if admins[channel.pk]
        ]


class MissedCheckReminder(Reminder):
    kind = "moderation_missed"

    def due(self, *, schools, now):
        schools = [s for s in schools if reached(s, now, MORNING)]
        if not schools:
            return []
        yesterday = {s.pk: local_now(s, now).date() - datetime.timedelta(days=1) for s in schools}
        missed = defaultdict(list)
        for channel in _unchecked(schools, yesterday):
            missed[channel.school_id].append(channel)
        if not missed:
            return []
        schools = [s for s in schools if s.pk in missed]
        leaders = members_by_role(schools, "slt")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{yesterday[school.pk]}",
                title=later(
                    "Moderation missed on %(day)s: %(count)s channel(s) not checked",
                    day=when_read(date_format, yesterday[school.pk], "l d F"),
                    count=len(missed[school.pk]),
                ),
                url="/moderation/checks/",
                recipients=leaders[school.pk],
            )
            for school in schools
        ]


class RequiredStepsReminder(Reminder):
    """Each school morning, every open or resolved-but-not-closed incident
    with a required step still to do (Threemilestone 6.2 "immediately
    deleted", 10.1 "logged on CPOMS") → the person who recorded it and SLT,
    once a day per incident. Two queries for any number of schools."""

    kind = "steps_outstanding"

    def due(self, *, schools, now):
        schools = [s for s in schools if reached(s, now, MORNING)]
        if not schools:
            return []
        by_pk = {s.pk: s for s in schools}
        incidents = list(
            Incident.objects.filter(school__in=schools, steps_outstanding=True)
            .exclude(status=Incident.Status.CLOSED)
            .select_related("reported_by__user", "reported_by__school")
            .order_by("pk")
        )
        if not incidents:
            return []
        leaders = members_by_role([by_pk[i.school_id] for i in incidents], "slt")
        result = []
        for incident in incidents:
            school = by_pk[incident.school_id]
            today = local_now(school, now).date()
            recipients = [incident.reported_by, *leaders[school.pk]]
            result.append(
                Due(
                    school=school,
                    kind=self.kind,
                    key=f"{self.kind}:{incident.pk}:{today}",
                    title=later(
                        "Incident %(number)s: a step the policy requires is still to do",
                        number=incident.pk,
                    ),
                    url=f"/moderation/incidents/{incident.pk}/",
                    recipients=list({m.pk: m for m in recipients if m.is_active}.values()),
                )
            )
        return result


def register_all() -> None:
    register(DailyCheckReminder())
    register(MissedCheckReminder())
    register(RequiredStepsReminder())
