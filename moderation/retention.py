"""What moderation keeps, and for how long (schoolsocial/retention.py runs
it; docs/retention.md gives the sources).

* An incident that is resolved or closed is counted from its last activity
  (its last timeline entry, or when it was recorded). Safeguarding-related
  incidents — a pupil named or pictured, an indecent image, staff contact
  with a pupil, bullying, a negative comment about a pupil, a pupil's own
  social media, threats or hate, extremism, a member of staff's personal
  account, or screening that found a pupil's name — are kept for the
  school's ``safeguarding_retention_years``; the rest for
  ``evidence_retention_years``. Past that, the incident goes with its
  screenshots (files included), timeline, escalations and categories.
  An open or escalated incident is never removed, however old.
* The daily moderation log (``ModerationCheck``) is kept for
  ``evidence_retention_years`` from the day checked.
"""

from __future__ import annotations

import datetime

from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy, ngettext_lazy

from moderation.models import (
    BannedAccount,
    Escalation,
    Evidence,
    EvidenceText,
    Incident,
    IncidentAction,
    IncidentCategory,
    ModerationCheck,
)
from schoolsocial.models import School
from schoolsocial.retention import Removed, RetentionRule, cutoff
from schoolsocial.wording import counted

# Categories whose incidents are kept as safeguarding records (codes of
# policy/catalogue.py; every school's profile uses the same codes).
SAFEGUARDING_CATEGORIES = frozenset(
    {
        "pupil_named",
        "pupil_media",
        "indecent_image",
        "staff_child_contact",
        "threat_hate",
        "extremist",
        "bullying",
        "negative_about_pupil",
        "pupil_social_media",
        "staff_personal",
    }
)


def is_safeguarding(incident: Incident, codes: set[str]) -> bool:
    return bool(codes & SAFEGUARDING_CATEGORIES) or incident.pupil_named


class IncidentRetention(RetentionRule):
    key = "moderation.incidents"

    def apply(self, *, school: School, now: datetime.datetime):
        routine = cutoff(school, school.evidence_retention_years, now)
        safeguarding = cutoff(school, school.safeguarding_retention_years, now)
        latest = max(routine.moment, safeguarding.moment)
        candidates = list(
            Incident.objects.filter(school=school)
            .exclude(status__in=Incident.OPEN_STATUSES)
            .annotate(last_activity=Coalesce(Max("actions__at"), F("recorded_at")))
            .filter(last_activity__lt=latest)
        )
        codes: dict[int, set[str]] = {}
        for incident_id, code in IncidentCategory.objects.filter(
            incident__in=candidates
        ).values_list("incident_id", "category"):
            codes.setdefault(incident_id, set()).add(code)
        routine_due, safeguarding_due = [], []
        for incident in candidates:
            if is_safeguarding(incident, codes.get(incident.pk, set())):
                if incident.last_activity < safeguarding.moment:
                    safeguarding_due.append(incident)
            elif incident.last_activity < routine.moment:
                routine_due.append(incident)
        return [
            self._remove(routine_due, gettext_lazy("routine incidents")),
            self._remove(safeguarding_due, gettext_lazy("safeguarding-related incidents")),
            self._remove_checks(school, routine),
        ]

    @staticmethod
    def _remove(incidents: list[Incident], label: str) -> Removed:
        removed = Removed(label, len(incidents))
        if not incidents:
            return removed
        evidence = Evidence.objects.filter(incident__in=incidents)
        for original, display, thumbnail in evidence.values_list(
            "original", "display", "thumbnail"
        ):
            removed.files += [original, display, thumbnail]
        screenshots = evidence.count()
        removed.detail = counted(
            ngettext_lazy("with %(count)s screenshot", "with %(count)s screenshots", screenshots),
            screenshots,
        )
        # The text read from each screenshot goes with it (it may name pupils).
        EvidenceText.objects.filter(evidence__in=evidence).delete()
        evidence.delete()
        IncidentAction.objects.filter(incident__in=incidents).delete()
        Escalation.objects.filter(incident__in=incidents).delete()
        BannedAccount.incidents.through.objects.filter(incident__in=incidents).delete()
        Incident.objects.filter(pk__in=[i.pk for i in incidents]).delete()
        return removed

    @staticmethod
    def _remove_checks(school: School, routine) -> Removed:
        checks = ModerationCheck.objects.filter(channel__school=school, checked_on__lt=routine.day)
        count = checks.count()
        if count:
            checks.delete()
        return Removed(gettext_lazy("daily moderation checks"), count)
