"""Weekly consent and group reminders, sent on Monday from 08:00 local time
(or later in the week if Monday's was missed), once a week.

* To the office: pupils on roll with no consent form, and forms expiring
  within 30 days (Threemilestone 4.1: parents are asked to fill in a
  permission form).
* To SLT: private-group applications pending over 3 days (Threemilestone
  2.2: applications are vetted by the Senior Leadership Team).

Counts only: reminders never carry pupils' names.
"""

from __future__ import annotations

import datetime

from django.db.models import Count

from consent.models import ConsentForm, GroupApplication, Pupil
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
                title=f"Consent this week: {no_form.get(school.pk, 0)} pupil(s) with no "
                f"consent form, {expiring.get(school.pk, 0)} form(s) expiring within 30 days",
                url="/consent/pupils/",
                recipients=office[school.pk],
            )
            for school in schools
        ]


class GroupApplicationsDigest(Reminder):
    kind = "group_applications_digest"

    def due(self, *, schools, now):
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
        schools = [s for s in schools if waiting.get(s.pk)]
        leaders = members_by_role(schools, "slt")
        return [
            Due(
                school=school,
                kind=self.kind,
                key=f"{self.kind}:{school.pk}:{_week(school, now)}",
                title=f"{waiting[school.pk]} private-group application(s) waiting over 3 days",
                url="/consent/group-applications/",
                recipients=leaders[school.pk],
            )
            for school in schools
        ]


def register_all() -> None:
    register(OfficeConsentDigest())
    register(GroupApplicationsDigest())
