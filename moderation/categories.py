"""The incident categories of DESIGN.md, with where each comes from in the
policies, its severity and what it triggers.

Kept as data in code (not a table) so every school reads the same policy and
tests need no fixtures. ``auto_escalate`` decides which incidents go to the
headteacher the moment they are recorded (moderation/escalation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    source: str
    severity: int
    auto_escalate: bool
    escalation: str  # as DESIGN.md words it
    must_happen: str = ""

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label


PUPIL_NAMED = "pupil_named"
OFFENSIVE = "offensive"

CATEGORIES: tuple[Category, ...] = (
    Category(
        PUPIL_NAMED,
        "Pupil named or described",
        "Threemilestone 3.4, 4.4, 6.2",
        Severity.URGENT,
        True,
        "automatic, to the head",
        "Screenshot before the comment is deleted",
    ),
    Category(
        "pupil_media",
        "Photo or video of pupils posted by a non-administrator",
        "Threemilestone 4.3; Westbrook C",
        Severity.URGENT,
        True,
        "automatic",
        "Screenshot, then removal",
    ),
    Category(
        "threat_hate",
        "Threat of violence, racist or hate content",
        "Westbrook D",
        Severity.URGENT,
        True,
        "automatic; police suggested",
        "Screenshot",
    ),
    Category(
        "extremist",
        "Extremist or radicalising content",
        "Roman Road",
        Severity.URGENT,
        True,
        "automatic; Prevent suggested",
        "Screenshot",
    ),
    Category(
        OFFENSIVE,
        "Offensive or inappropriate comment",
        "Threemilestone 6.1; Whitchurch",
        Severity.HIGH,
        True,
        "automatic, head and SLT",
        "Screenshot",
    ),
    Category(
        "bullying",
        "Bullying of a pupil",
        "Threemilestone 10.1",
        Severity.HIGH,
        True,
        "automatic",
        "CPOMS logged, parents informed",
    ),
    Category(
        "negative_about_pupil",
        "Negative comment about a pupil by a parent",
        "Threemilestone 10.2",
        Severity.HIGH,
        True,
        "automatic",
        "Ask them to take it down",
    ),
    Category(
        "defamatory",
        "Defamatory or malicious about staff or the school",
        "Westbrook C; Roman Road; Carey B.5",
        Severity.HIGH,
        True,
        "automatic",
    ),
    Category(
        "unconnected_person",
        "Comment by an unconnected person",
        "Threemilestone 6.3",
        Severity.HIGH,
        True,
        "automatic",
    ),
    Category(
        "staff_personal",
        "Staff commenting from a personal account",
        "Threemilestone 2.3, 3.5, 9.2.3",
        Severity.MEDIUM,
        True,
        "automatic (staff conduct)",
    ),
    Category(
        "follower_under_18",
        "Follower under 18 or with no legitimate reason",
        "Threemilestone 7.2",
        Severity.MEDIUM,
        False,
        "head's discretion",
    ),
    Category(
        "private_concern",
        "Private concern posted publicly",
        "Threemilestone 3.3",
        Severity.LOW,
        False,
        "none",
        "Reply inviting them to speak to the class teacher",
    ),
    Category("spam", "Spam", "", Severity.LOW, False, "none"),
    Category("other", "Other", "", Severity.MEDIUM, False, "none"),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
CHOICES: list[tuple[str, str]] = [(c.code, c.label) for c in CATEGORIES]


def label(code: str) -> str:
    category = BY_CODE.get(code)
    return category.label if category else code


def severity_for(codes, *, pupil_named: bool = False) -> int:
    """The highest severity of the categories; a named pupil is urgent."""
    levels = [BY_CODE[c].severity for c in codes if c in BY_CODE]
    if pupil_named:
        levels.append(Severity.URGENT)
    return max(levels, default=Severity.LOW)
