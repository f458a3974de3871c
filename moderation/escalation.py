"""Escalation to the headteacher: what the policies suggest the head decides,
and the reminder for an urgent escalation nobody has acknowledged.

The services that raise, acknowledge and decide escalations are in
``moderation.services``; this module holds the policy's suggestions (shown on
the decision form, never enforced) and the ``EscalationOverdueReminder``
(registered in ``ModerationConfig.ready``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse

from moderation import categories as cats
from moderation.models import Escalation, Incident, IncidentCategory
from moderation.services import escalation_title
from schoolsocial.reminders import Due, Reminder, local_now, members_by_role

D = Escalation.Decision

# --- Suggestions from the policies ------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    decision: str
    why: str  # with the policy clause
    also: str = ""  # a step outside the decision list (CPOMS)

    @property
    def label(self) -> str:
        return D(self.decision).label


# By category, in order of what to consider first.
BY_CATEGORY: dict[str, list[Suggestion]] = {
    "threat_hate": [
        Suggestion(
            D.REPORT_POLICE,
            "Westbrook D: police involvement is appropriate where postings have a racist "
            "element or violence is threatened or encouraged (also Carey C).",
        ),
        Suggestion(D.DELETE_AND_BAN, "Threemilestone 6.4: ban the offender from the page."),
    ],
    "extremist": [
        Suggestion(
            D.EXTERNAL_AGENCY,
            "Roman Road: posts seeking support for extreme or radical views — a Prevent referral.",
        ),
        Suggestion(D.DELETE_AND_BAN, "Threemilestone 6.4: ban the offender from the page."),
    ],
    "bullying": [
        Suggestion(
            D.INFORM_PARENTS,
            "Threemilestone 10.1: bullying of pupils is reported to the parents/carers by the "
            "Headteacher.",
            also="Log it on CPOMS (Threemilestone 10.1).",
        ),
    ],
    "negative_about_pupil": [
        Suggestion(
            D.ASK_TO_REMOVE,
            "Threemilestone 10.2: the Headteacher asks for negative comments about pupils to "
            "be taken down in the first instance.",
        ),
    ],
    "staff_personal": [
        Suggestion(
            D.STAFF_CONDUCT,
            "Threemilestone 9.2.7: inappropriate use by staff is referred to the Headteacher "
            "and may lead to disciplinary action.",
        ),
    ],
    "unconnected_person": [
        Suggestion(
            D.PRIVATE_MESSAGE,
            "Threemilestone 6.3: someone unconnected to the school may be contacted by "
            "private message.",
        ),
        Suggestion(D.DELETE_AND_BAN, "Threemilestone 6.3: delete the comment and ban the user."),
    ],
    "offensive": [
        Suggestion(
            D.SPEAK,
            "Threemilestone 6.1: the Head Teacher speaks to the individual and explains the "
            "purpose and ethos of the page.",
        ),
    ],
    "defamatory": [
        Suggestion(
            D.GOVERNORS_LETTER,
            "Westbrook C; Roman Road: the governing body acts to protect the school's reputation.",
        ),
    ],
}

BY_AUTHOR_KIND: dict[str, list[Suggestion]] = {
    Incident.AuthorKind.STAFF: BY_CATEGORY["staff_personal"],
    Incident.AuthorKind.PUBLIC: BY_CATEGORY["unconnected_person"],
}


def suggestions(*, codes: Iterable[str], author_kind: str) -> list[Suggestion]:
    """What the policies suggest for an incident's categories and author, most
    serious category first, each decision once. Suggestions, not rules: the
    head may decide anything."""
    codes = sorted(
        (c for c in dict.fromkeys(codes) if c in cats.BY_CODE),
        key=lambda c: (-cats.BY_CODE[c].severity, cats.CATEGORIES.index(cats.BY_CODE[c])),
    )
    found: list[Suggestion] = []
    for code in codes:
        found.extend(BY_CATEGORY.get(code, []))
    found.extend(BY_AUTHOR_KIND.get(author_kind, []))
    seen: set[str] = set()
    result = []
    for item in found:
        if item.decision not in seen:
            seen.add(item.decision)
            result.append(item)
    return result


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
                urgency=cats.Severity.URGENT,
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
        heads = heads_for(schools=involved, on={s.pk: local_now(s, now).date() for s in involved})
        slt = members_by_role(involved, "slt")
        result = []
        for escalation in overdue:
            school = by_pk[escalation.incident.school_id]
            hours = min(int((now - escalation.raised_at) // REMIND_AFTER), MAX_REMINDERS)
            recipients = [m for m in [heads.get(school.pk), *slt[school.pk]] if m is not None]
            recipients = list({m.pk: m for m in recipients}.values())
            title = escalation_title(
                urgency=escalation.urgency,
                codes=[r.category for r in escalation.incident.category_rows.all()],
                school=school,
            )
            result.append(
                Due(
                    school=school,
                    kind=self.kind,
                    key=f"{self.kind}:{escalation.pk}:{hours}",
                    title=f"Not acknowledged after {hours} h — {title}",
                    url=reverse("moderation:incident", args=[escalation.incident_id]),
                    recipients=recipients,
                    urgent=True,
                )
            )
        return result
