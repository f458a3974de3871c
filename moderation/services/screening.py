"""Screening an incident's text for pupils' names and profanity."""

from __future__ import annotations

import logging

from moderation import categories as cats
from moderation.profanity import screen_profanity
from schoolsocial.models import (
    School,
)

logger = logging.getLogger(__name__)

# --- Screening ------------------------------------------------------------------------


def screen_text(*, school: School, text: str) -> dict:
    """Match the text against the school's pupil names (the consent app's
    matcher, shared with the publication check) and the profanity list.

    Threemilestone 3.4/4.4: pupils are never named online; Threemilestone 6.1:
    offensive comments are removed. Screening suggests; it never blocks.
    """
    from consent.screening import screen_names

    names = [
        {
            "pupil_id": m.pupil_id,
            "pupil_name": m.pupil_name,
            "kind": m.kind,
            "matched_text": m.matched_text,
            "start": m.start,
            "end": m.end,
        }
        for m in screen_names(school=school, text=text)
    ]
    profanity = [m.as_dict() for m in screen_profanity(text)]
    result = {"names": names, "profanity": profanity}
    result["suggested"] = suggested_categories(result)
    result["suggested_labels"] = [cats.label(c) for c in result["suggested"]]
    return result


def suggested_categories(screening: dict) -> list[str]:
    suggested = []
    if any(m.get("kind") == "named" for m in screening.get("names", [])):
        suggested.append(cats.PUPIL_NAMED)
    if screening.get("profanity"):
        suggested.append(cats.OFFENSIVE)
    return suggested


def screen_safely(*, school: School, text: str) -> dict:
    try:
        return screen_text(school=school, text=text)
    except Exception:  # screening must never stop an incident being recorded
        logger.exception("Screening failed for school %s", school.pk)
        return {"names": [], "profanity": [], "suggested": [], "error": True}
