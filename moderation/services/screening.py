"""Screening an incident's text for pupils' names and profanity."""

from __future__ import annotations

import logging

from moderation.profanity import screen_profanity
from policy.catalogue import OFFENSIVE, PUPIL_NAMED
from policy.selectors import profile_for
from schoolsocial.models import School

logger = logging.getLogger(__name__)


def screen_text(*, school: School, text: str) -> dict:
    """Match the text against the school's pupil names (the consent app's
    matcher, shared with the publication check) and the profanity list.

    Threemilestone 3.4/4.4: pupils are never named online; Threemilestone 6.1:
    offensive comments are removed. Screening suggests; it never blocks.

    A first name on its own is a *possible* match. When only a few pupils
    have it (the school's ``rare_first_name_max``) and it is not an everyday
    word, it is marked ``rare``: a person must confirm or dismiss it before
    the incident closes (Threemilestone 3.4: "Under no circumstances should
    any pupils be named").
    """
    from consent.screening import rare_possible, screen_names

    found = screen_names(school=school, text=text)
    rare_max = int(profile_for(school).setting("rare_first_name_max", 2) or 0)
    rare = rare_possible(found, rare_max=rare_max)
    names = [
        {
            "pupil_id": m.pupil_id,
            "pupil_name": m.pupil_name,
            "kind": m.kind,
            "matched_text": m.matched_text,
            "start": m.start,
            "end": m.end,
            **({"rare": (m.pupil_id, m.start, m.end) in rare} if m.kind == "possible" else {}),
        }
        for m in found
    ]
    profanity = [m.as_dict() for m in screen_profanity(text)]
    result = {"names": names, "profanity": profanity}
    result["suggested"] = suggested_categories(result)
    profile = profile_for(school)
    result["suggested_labels"] = [profile.label(c) for c in result["suggested"]]
    return result


def suggested_categories(screening: dict) -> list[str]:
    suggested = []
    if any(m.get("kind") == "named" for m in screening.get("names", [])):
        suggested.append(PUPIL_NAMED)
    if screening.get("profanity"):
        suggested.append(OFFENSIVE)
    return suggested


def rare_possible_names(screening: dict) -> list[dict]:
    """The rare first names screening found that nobody has confirmed or
    dismissed yet — one per pupil."""
    seen, found = set(), []
    for m in screening.get("names", []):
        if m.get("kind") == "possible" and m.get("rare") and m["pupil_id"] not in seen:
            seen.add(m["pupil_id"])
            found.append(m)
    return found


def rare_possible_for(incident) -> list[dict]:
    """The rare first names screening found in the typed comment and in the
    text read from the incident's screenshots (``services.reading``), one per
    pupil; a name found only in a screenshot carries its ``evidence_id``. A
    person confirms or dismisses each before the incident closes."""
    from moderation.models import EvidenceText

    found = rare_possible_names(incident.screening or {})
    seen = {m["pupil_id"] for m in found}
    rows = EvidenceText.objects.filter(evidence__incident_id=incident.pk).order_by(
        "evidence__uploaded_at", "evidence__pk"
    )
    for row in rows:
        for m in rare_possible_names(row.screening or {}):
            if m["pupil_id"] not in seen:
                seen.add(m["pupil_id"])
                found.append({**m, "evidence_id": row.evidence_id})
    return found


def screen_safely(*, school: School, text: str) -> dict:
    try:
        return screen_text(school=school, text=text)
    except Exception:  # screening must never stop an incident being recorded
        logger.exception("Screening failed for school %s", school.pk)
        return {"names": [], "profanity": [], "suggested": [], "error": True}
