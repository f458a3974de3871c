"""Escalation to the headteacher: what the school's policy suggests the
decider considers, and the reminder for an urgent escalation nobody has
acknowledged.

The services that raise, acknowledge and decide escalations are in
``moderation.services``; this module turns the school's policy profile into
suggestions (shown on the decision form, never enforced) and the ``EscalationOverdueReminder``
(registered in ``ModerationConfig.ready``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse

from moderation.models import Escalation, IncidentCategory
from moderation.services import escalation_title
from policy.catalogue import Severity
from policy.selectors import profile_for, profiles_for
from schoolsocial.language import later
from schoolsocial.reminders import Due, Reminder, local_now, members_by_role

D = Escalation.Decision

# --- Suggestions from the school's policy ----------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    decision: str
    why: str  # the policy's reason
    clause: str = ""  # the school's own clause reference
    also: str = ""

    @property
    def label(self) -> str:
        return D(self.decision).label


def suggestions(*, school, codes: Iterable[str], author_kind: str) -> list[Suggestion]:
    """What the school's policy suggests for an incident's categories and
    author, most serious category first, each decision once. Suggestions,
    not rules: the decider may decide anything (the required steps are the
    rules, ``moderation.services.steps``)."""
    profile = profile_for(school)
    codes = list(codes)
    clause_of = {}
    for code in profile.ordered(codes):
        for item in profile.categories[code].suggestions:
            clause_of.setdefault(item.decision, profile.categories[code].clause)
    return [
        Suggestion(item.decision, item.why, clause_of.get(item.decision, ""), item.also)
        for item in profile.suggestions(codes, author_kind)
        if item.decision in D.values
    ]


# --- The reminder ----------------------------------------------------------------------------

REMIND_AFTER = datetime.timedelta(hours=1)
MAX_REMINDERS = 3


class EscalationOverdueReminder(Reminder):
    """An urgent escalation not acknowledged within an hour → the head (or
    the acting head today) and SLT again; hourly, at most three times
    (DESIGN.md, Reminders; Threemilestone 6.1–6.2 "urgent attention").

    Keys ``escalation_overdue:{id}:{n}`` with n the whole hours waited
    (capped at 3), so each hour sends once and a late tick still sends the
    one it missed. Five queries for any number of schools.
    """

    kind = "escalation_overdue"

    def due(self, *, schools, now):
        from schoolsocial.selectors import heads_for

        schools = list(schools)
        if not schools:
            return []
        by_pk = {s.pk: s for s in schools}
        overdue = list(
            Escalation.objects.filter(
                incident__school__in=schools,
                urgency=Severity.URGENT,
                decided_at__isnull=True,
                acknowledged_at__isnull=True,
                raised_at__lte=now - REMIND_AFTER,
            )
            .select_related("incident")
            .prefetch_related(
                Prefetch("incident__category_rows", queryset=IncidentCategory.objects.all())
            )
            .order_by("raised_at", "pk")
        )
        if not overdue:
            return []
        involved = [by_pk[pk] for pk in dict.fromkeys(e.incident.school_id for e in overdue)]
        profiles_for(involved)
        heads = heads_for(schools=involved, on={s.pk: local_now(s, now).date() for s in involved})
        slt = members_by_role(involved, "slt")
        result = []
        for escalation in overdue:
            school = by_pk[escalation.incident.school_id]
            hours = min(int((now - escalation.raised_at) // REMIND_AFTER), MAX_REMINDERS)
            codes = [r.category for r in escalation.incident.category_rows.all()]
            # When the headteacher is the subject, only senior leaders are chased.
            head = None if profile_for(school).routes_to_chair(codes) else heads.get(school.pk)
            recipients = [m for m in [head, *slt[school.pk]] if m is not None]
            recipients = list({m.pk: m for m in recipients}.values())
            title = escalation_title(
                urgency=escalation.urgency,
                codes=codes,
                school=school,
            )
            result.append(
                Due(
                    school=school,
                    kind=self.kind,
                    key=f"{self.kind}:{escalation.pk}:{hours}",
                    title=later(
                        "Not acknowledged after %(hours)s h — %(title)s", hours=hours, title=title
                    ),
                    url=reverse("moderation:incident", args=[escalation.incident_id]),
                    recipients=recipients,
                    urgent=True,
                )
            )
        return result
