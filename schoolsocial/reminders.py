"""Reminders: what is due now, for every school at once, notified exactly
once (and emailed at least once: schoolsocial.notifications).

Each kind of reminder is a ``Reminder`` that answers one question — *what is
due now?* — for a batch of schools, with a fixed number of queries whatever
the number of channels, staff or days. The apps register theirs in
``AppConfig.ready()``; the core composes them without knowing them.

"Now" is each school's own local time (``School.time_zone``), so a school in
another time zone, and the days the clocks change, come out right: a
reminder due at 15:30 is due from 15:30 local time on, and its key names the
local date, so the first tick after that time sends it and every later tick
(or a second beat, a retried task, a restarted worker) finds the key taken
and sends nothing. A reminder missed while the service was down goes out at
the next tick the same day.

Policy: Threemilestone 5.1 ("moderated daily"), 6.1 ("urgent attention");
Whitchurch "Monitoring" and "Staff: attending appropriate training"; every
policy's review date.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from schoolsocial import wording
from schoolsocial.language import later
from schoolsocial.models import ChannelAuthorisation, School, StaffMember
from schoolsocial.notifications import Delivery, deliver, resend_unsent


@dataclass(frozen=True)
class Due:
    """One reminder to send: to each recipient, once per ``key``."""

    school: School
    kind: str
    key: str
    title: str
    url: str
    recipients: Sequence[StaffMember] = field(default_factory=list)
    urgent: bool = False


class Reminder:
    kind = ""

    def due(self, *, schools: Sequence[School], now: datetime.datetime) -> Iterable[Due]:
        raise NotImplementedError


REMINDERS: list[Reminder] = []


def register(reminder: Reminder) -> Reminder:
    if not any(type(r) is type(reminder) for r in REMINDERS):
        REMINDERS.append(reminder)
    return reminder


def local_now(school: School, now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(school.tz)


def reached(school: School, now: datetime.datetime, at: datetime.time) -> bool:
    """Has the school's local clock reached ``at`` today? On the day the
    clocks go forward a time that does not exist (01:30) counts as reached
    once the clock has jumped past it."""
    return local_now(school, now).time().replace(tzinfo=None) >= at


def is_closed(school: School, day: datetime.date) -> bool:
    return day.isoformat() in (school.closure_dates or [])


def members_by_role(schools: Sequence[School], *roles: str) -> dict[int, list[StaffMember]]:
    """Current members holding any of ``roles``, per school, in one query."""
    from django.db.models import Q

    condition = Q()
    for role in roles:
        condition |= Q(**{f"is_{role}": True})
    result: dict[int, list[StaffMember]] = {s.pk: [] for s in schools}
    for member in (
        StaffMember.objects.active()
        .filter(condition, school__in=schools)
        .select_related("user", "school")
    ):
        result[member.school_id].append(member)
    return result


def due_now(
    *, now: datetime.datetime | None = None, schools: Sequence[School] | None = None
) -> list[Due]:
    now = now or timezone.now()
    schools = list(schools if schools is not None else School.objects.all())
    due: list[Due] = []
    for reminder in REMINDERS:
        due.extend(reminder.due(schools=schools, now=now))
    return due


def unsent(due: Sequence[Due]) -> list[Due]:
    """The part of ``due`` not sent yet (one query), for a dry run."""
    from schoolsocial.models import Notification

    keys = {f"{item.key}:{m.pk}" for item in due for m in item.recipients}
    sent = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    result = []
    for item in due:
        recipients = [m for m in item.recipients if f"{item.key}:{m.pk}" not in sent]
        if recipients:
            result.append(
                Due(
                    item.school,
                    item.kind,
                    item.key,
                    item.title,
                    item.url,
                    recipients,
                    urgent=item.urgent,
                )
            )
    return result


def send_due(
    *, now: datetime.datetime | None = None, schools: Sequence[School] | None = None
) -> list:
    """Send everything due now; returns the notifications created by this run
    (empty when a previous run already sent them). The database work is a
    few queries per kind of reminder, whatever the number of schools."""
    return deliver(
        Delivery(
            recipient=member,
            kind=item.kind,
            key=f"{item.key}:{member.pk}",
            title=item.title,
            url=item.url,
            urgent=item.urgent,
        )
        for item in due_now(now=now, schools=schools)
        for member in item.recipients
    )


def tick(*, now: datetime.datetime | None = None) -> list:
    """What the beat runs every minute (and ``send_reminders``): send
    what is due, then queue again any email that should have gone by now."""
    created = send_due(now=now)
    resend_unsent(now=now)
    return created


# --- The core's own reminders (monthly, to the head) -----------------------

TRAINING_VALID_FOR = datetime.timedelta(days=365)
POLICY_REVIEW_WARNING = datetime.timedelta(days=30)


class MonthlyReminder(Reminder):
    """Due from the school's reminder time on the first of each month (or
    any later day of the month, if the first was missed)."""

    def due_this_month(self, school: School, now: datetime.datetime) -> bool:
        local = local_now(school, now)
        return local.day > 1 or reached(school, now, school.reminder_time)


class TrainingOverdueReminder(MonthlyReminder):
    """Administrators whose training is over a year old → the head
    (Whitchurch: staff attend appropriate training)."""

    kind = "training_overdue"

    def due(self, *, schools, now):
        schools = [s for s in schools if self.due_this_month(s, now)]
        if not schools:
            return []
        by_pk = {s.pk: s for s in schools}
        counts: dict[int, int] = {}
        for school_id, trained_on in (
            ChannelAuthorisation.objects.current()
            .filter(channel__school__in=schools)
            .values_list("channel__school_id", "trained_on")
        ):
            if trained_on < local_now(by_pk[school_id], now).date() - TRAINING_VALID_FOR:
                counts[school_id] = counts.get(school_id, 0) + 1
        heads = members_by_role([s for s in schools if s.pk in counts], "head")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{local_now(school, now):%Y-%m}",
                title=later(
                    "%(count)s page administrator training record(s) over a year old",
                    count=counts[school.pk],
                ),
                url="/roster/",
                recipients=heads[school.pk],
            )
            for school in schools
            if school.pk in counts
        ]


class PolicyReviewReminder(MonthlyReminder):
    """The social media policy's review date is within 30 days → the head."""

    kind = "policy_review"

    def due(self, *, schools, now):
        # Every policy names its next review (Roman Road, Carey, Threemilestone):
        # a school with no date set is asked for one each month.
        soon = [
            s
            for s in schools
            if self.due_this_month(s, now)
            and (
                not s.policy_next_review
                or s.policy_next_review - local_now(s, now).date() <= POLICY_REVIEW_WARNING
            )
        ]
        heads = members_by_role(soon, "head")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{local_now(school, now):%Y-%m}",
                title=(
                    later(
                        "The social media policy is due for review on %(day)s",
                        day=wording.day(school.policy_next_review, "d F Y"),
                    )
                    if school.policy_next_review
                    else later("Set the date the social media policy is next reviewed")
                ),
                url="/school/settings/",
                recipients=heads[school.pk],
            )
            for school in soon
        ]
