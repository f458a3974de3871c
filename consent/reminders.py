"""Weekly consent and group reminders, sent on Monday from 08:00 local time
(or later in the week if Monday's was missed), once a week.

* To the office: pupils on roll with no consent form, and forms expiring
  within 30 days (Threemilestone 4.1: parents are asked to fill in a
  permission form).
* To SLT: private-group applications pending over 3 days (Threemilestone
  2.2: applications are vetted by the Senior Leadership Team), and members
  whose children have all left (1.3).

And daily, at the school's reminder time: open consent follow-ups, to the
administrators who ran those checks and the head.

Counts only: reminders never carry pupils' names.
"""

from __future__ import annotations

import datetime

from django.db.models import Count

from consent.models import ConsentForm, GroupApplication, Pupil
from schoolsocial.language import later
from schoolsocial.reminders import Due, Reminder, local_now, members_by_role, reached, register

WEEKLY_AT = datetime.time(8, 0)
EXPIRY_WARNING = datetime.timedelta(days=30)
PENDING_TOO_LONG = datetime.timedelta(days=3)


def _week_due(school, now) -> bool:
    return local_now(school, now).weekday() > 0 or reached(school, now, WEEKLY_AT)


def _week(school, now) -> str:
    year, week, _ = local_now(school, now).isocalendar()
    return f"{year}-W{week:02d}"


class OfficeConsentDigest(Reminder):
    kind = "consent_digest"

    def due(self, *, schools, now):
        schools = [s for s in schools if _week_due(s, now)]
        if not schools:
            return []
        no_form = dict(
            Pupil.objects.filter(school__in=schools, left_on__isnull=True, consent_forms=None)
            .values_list("school_id")
            .annotate(n=Count("pk"))
        )
        # One window for the batch: the widest local "today" spread is a day.
        today = min(local_now(s, now).date() for s in schools)
        expiring = dict(
            ConsentForm.objects.filter(
                pupil__school__in=schools,
                pupil__left_on__isnull=True,
                valid_until__gte=today,
                valid_until__lte=today + EXPIRY_WARNING,
            )
            .values_list("pupil__school_id")
            .annotate(n=Count("pupil", distinct=True))
        )
        schools = [s for s in schools if no_form.get(s.pk) or expiring.get(s.pk)]
        office = members_by_role(schools, "office")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{_week(school, now)}",
                title=later(
                    "Consent this week: %(no_form)s pupil(s) with no consent form, "
                    "%(expiring)s form(s) expiring within 30 days",
                    no_form=no_form.get(school.pk, 0),
                    expiring=expiring.get(school.pk, 0),
                ),
                url="/consent/pupils/",
                recipients=office[school.pk],
            )
            for school in schools
        ]


class GroupApplicationsDigest(Reminder):
    """Weekly to SLT: applications waiting over 3 days (Threemilestone 2.2)
    and approved members whose children have all left (1.3: the group is
    for parents and carers of current pupils)."""

    kind = "group_applications_digest"

    def due(self, *, schools, now):
        from consent.selectors import members_whose_children_left

        schools = [s for s in schools if _week_due(s, now)]
        if not schools:
            return []
        waiting = dict(
            GroupApplication.objects.filter(
                school__in=schools,
                status=GroupApplication.Status.PENDING,
                recorded_at__lt=now - PENDING_TOO_LONG,
            )
            .values_list("school_id")
            .annotate(n=Count("pk"))
        )
        left = dict(
            members_whose_children_left(schools)
            .values_list("school_id")
            .annotate(n=Count("pk", distinct=True))
        )
        schools = [s for s in schools if waiting.get(s.pk) or left.get(s.pk)]
        leaders = members_by_role(schools, "slt")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{_week(school, now)}",
                title=_group_title(waiting.get(school.pk, 0), left.get(school.pk, 0)),
                url="/consent/group-applications/",
                recipients=leaders[school.pk],
            )
            for school in schools
        ]


def _group_title(waiting: int, left: int) -> str:
    if waiting and left:
        return later(
            "%(waiting)s private-group application(s) waiting over 3 days; %(left)s group "
            "member(s) whose children have all left, to remove",
            waiting=waiting,
            left=left,
        )
    if waiting:
        return later(
            "%(waiting)s private-group application(s) waiting over 3 days", waiting=waiting
        )
    return later("%(left)s group member(s) whose children have all left, to remove", left=left)


class ConsentFollowupReminder(Reminder):
    """Daily at the school's reminder time, while any follow-up raised
    before today is open: to each administrator who ran those checks (their
    count) and to the head (the school's count). Threemilestone 4.1, 4.2;
    Whitchurch "Use of images". Counts only, no pupil names."""

    kind = "consent_followup_daily"

    def due(self, *, schools, now):
        from consent.models import CheckedPupil
        from schoolsocial.models import ChannelAuthorisation, StaffMember
        from schoolsocial.selectors import heads_for

        schools = [s for s in schools if reached(s, now, s.reminder_time)]
        if not schools:
            return []
        by_pk = {s.pk: s for s in schools}
        totals: dict[int, int] = {}
        by_checker: dict[int, dict[int, int]] = {}
        for school_id, checker_id, raised_at in CheckedPupil.objects.filter(
            pupil__school__in=schools,
            followup_raised_at__isnull=False,
            reviewed_at__isnull=True,
        ).values_list("pupil__school_id", "check_run__checked_by_id", "followup_raised_at"):
            school = by_pk[school_id]
            if raised_at.astimezone(school.tz).date() >= local_now(school, now).date():
                continue  # told when it was raised today
            totals[school_id] = totals.get(school_id, 0) + 1
            counts = by_checker.setdefault(school_id, {})
            counts[checker_id] = counts.get(checker_id, 0) + 1
        if not totals:
            return []
        # Checkers still able to act: office, head or SLT, or an administrator
        # with a current authorisation (a revoked one cannot open the page).
        # Counted per checker, whichever channel: the page lists their posts.
        checker_ids = {pk for counts in by_checker.values() for pk in counts}
        authorised = set(
            ChannelAuthorisation.objects.current()
            .filter(member_id__in=checker_ids)
            .values_list("member_id", flat=True)
        )
        checkers = {
            m.pk: m
            for m in StaffMember.objects.active()
            .filter(pk__in=checker_ids)
            .select_related("user", "school")
            if m.pk in authorised or {"office", "head", "slt"} & m.roles
        }
        heads = heads_for(schools=[by_pk[pk] for pk in totals])
        due = []
        for school_id, total in totals.items():
            school = by_pk[school_id]
            key = f"{self.kind}:{school_id}:{local_now(school, now):%Y-%m-%d}"
            head = heads.get(school_id)
            if head is not None:
                due.append(self._due(school, key, total, [head]))
            for checker_id, count in by_checker[school_id].items():
                member = checkers.get(checker_id)
                if member is not None and member != head:
                    due.append(self._due(school, key, count, [member]))
        return due

    def _due(self, school, key, count, recipients):
        return Due(
            school=school,
            kind=self.kind,
            key=key,
            title=later(
                "%(count)s post(s) still to take down or keep after a consent change",
                count=count,
            ),
            url="/consent/follow-ups/",
            recipients=recipients,
        )


def register_all() -> None:
    register(OfficeConsentDigest())
    register(GroupApplicationsDigest())
    register(ConsentFollowupReminder())
