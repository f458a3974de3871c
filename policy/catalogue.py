"""What the app knows how to do, whatever a school's policy says: the
severities, the categories of incident it can record, and the steps it can
require before an incident closes.

A school's policy profile (``policy.profile``) chooses among these: which
category escalates, how serious it is, who is told, what is suggested and
which steps are required, with the school's own clause numbers. Codes never
change (incidents store them); labels and clauses come from the profile.

A step's label and hint are the app's words: kept in English here and
translated each time they are read, in the language of the page or email
being made.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


SEVERITY_BY_NAME = {s.name.lower(): int(s) for s in Severity}

PUPIL_NAMED = "pupil_named"
OFFENSIVE = "offensive"

# Every category an incident can carry, in the order a form lists them.
CATEGORY_CODES: tuple[str, ...] = (
    "pupil_named",
    "pupil_media",
    "indecent_image",
    "staff_child_contact",
    "threat_hate",
    "extremist",
    "offensive",
    "bullying",
    "negative_about_pupil",
    "about_head",
    "data_breach",
    "pupil_social_media",
    "defamatory",
    "unconnected_person",
    "staff_personal",
    "name_logo_misuse",
    "follower_under_age",
    "private_concern",
    "copyright",
    "spam",
    "other",
)


@dataclass(frozen=True)
class Step:
    """Something that must be on an incident's timeline before it is
    resolved or closed. Done by an action of one of ``kinds``, or waived by
    a leader with a written reason."""

    code: str
    source_label: str  # English; ``label`` is it in the active language
    kinds: tuple[str, ...]
    source_hint: str = ""

    @property
    def label(self) -> str:
        return gettext(self.source_label)

    @property
    def hint(self) -> str:
        return gettext(self.source_hint) if self.source_hint else ""


STEPS: dict[str, Step] = {
    s.code: s
    for s in (
        Step(
            "comment_removed",
            gettext_noop("Comment deleted or hidden"),
            ("comment_deleted", "comment_hidden", "asked_to_remove"),
            gettext_noop(
                "Record “Comment deleted” or “Comment hidden” once it is gone (or “Asked to "
                "remove” when it is on someone else's page)."
            ),
        ),
        Step(
            "cpoms",
            gettext_noop("Logged on CPOMS"),
            ("cpoms",),
            gettext_noop("Record “CPOMS logged” with its reference."),
        ),
        Step("parents_informed", gettext_noop("Parents informed"), ("parents_informed",)),
        Step(
            "police",
            gettext_noop("Reported to the police"),
            ("reported_police",),
            gettext_noop("Record “Reported to the police” with the crime reference."),
        ),
        Step(
            "lado",
            gettext_noop("Referred to the LADO"),
            ("lado_referral",),
            gettext_noop("Record “Referred to the LADO” with the referral reference."),
        ),
        Step("dpo", gettext_noop("Data protection officer informed"), ("dpo_informed",)),
        Step(
            "asked_to_remove",
            gettext_noop("Asked to take it down"),
            ("asked_to_remove", "comment_deleted"),
        ),
        Step("chair_informed", gettext_noop("Chair of governors informed"), ("chair_informed",)),
        Step(
            "private_reply",
            gettext_noop("Invited to speak to the class teacher or head, privately"),
            ("private_message", "invited_to_meet"),
        ),
        Step(
            "audience_informed",
            gettext_noop("The page's audience told why it was removed"),
            ("audience_informed",),
        ),
        Step(
            "name_reviewed",
            gettext_noop("Possible pupil's name confirmed or dismissed"),
            ("name_confirmed", "name_dismissed"),
            gettext_noop(
                "Screening found a first name that only a few pupils have. Confirm it (the "
                "incident becomes urgent) or dismiss it with a reason."
            ),
        ),
    )
}

# For forms: each label translated when the form is shown.
STEP_CHOICES = [(s.code, _(s.source_label)) for s in STEPS.values()]

# Who may be told of an escalation beside the person who decides.
NOTIFY_CHOICES = [
    ("head", _("Headteacher")),
    ("slt", _("Senior leaders")),
    ("dsl", _("Designated safeguarding lead")),
]
