"""A school's policy, read from data: the five policies in
``shared/policies/`` as starting templates (``policy/profiles/*.toml``) and
the school's own edits on top (``PolicyProfile.data``).

Both apps ask the ``Profile`` rather than keeping tables of their own: which
categories exist with what severity, who is told, what is suggested to the
person deciding, which steps must be done before an incident closes, which
consent purposes a channel needs, and which clause of *this school's* policy
to quote. A template may ``extends`` another; tables merge key by key.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext, gettext_noop

from policy.catalogue import CATEGORY_CODES, SEVERITY_BY_NAME, STEPS, Severity

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_TEMPLATE = "threemilestone"

# The templates a school can start from, in the order the settings page lists them.
TEMPLATES = ("threemilestone", "whitchurch", "westbrook", "roman-road", "carey")

# The choices the five policies disagree on (POLICY-TRACE.md, "Where the five
# policies disagree"), with the values a template may give them.
DECIDERS = [
    ("head", "The headteacher decides; senior leaders are told"),
    ("slt", "A senior leader leads and decides; the headteacher is told"),
]
PRIVATE_CONCERN_REPLIES = [
    ("invite", "Invite them, privately, to speak to the class teacher or the head"),
    ("do_not_respond", "Do not respond online; tell your line manager"),
    ("inform_audience", "Remove it and tell the page's audience why"),
]
CONSENT_VALIDITY = [
    (0, "Until the end of the school year (31 August)"),
    (12, "12 months from the date received"),
    (24, "24 months from the date received"),
    (84, "While the pupil is at the school (7 years)"),
]
PURPOSE_CODES = ("website", "social_public", "social_group", "press", "print", "video")
# The platforms whose use the policies disagree on (Carey B.3: Class Dojo
# shares learning with parents; the others carry no photos on it).
MAPPABLE_PLATFORMS = {"class_dojo": "Class Dojo", "whatsapp": "WhatsApp group"}
MAPPABLE_PURPOSES = [
    ("social_group", "Parents' group consent"),
    ("social_public", "Public social media consent"),
    ("video", "Video consent"),
]


def _merge(base: dict, over: dict) -> dict:
    result = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@functools.cache
def template_data(slug: str) -> dict:
    """A template's data with what it extends merged in (read once per process)."""
    if slug not in TEMPLATES and slug != "_base":
        raise KeyError(slug)
    with open(PROFILES_DIR / f"{slug}.toml", "rb") as fh:
        data = tomllib.load(fh)
    parent = data.pop("extends", None)
    return _merge(template_data(parent), data) if parent else data


def template_choices() -> list[tuple[str, str]]:
    return [(slug, template_data(slug)["name"]) for slug in TEMPLATES]


@dataclass(frozen=True)
class Clause:
    ref: str
    text: str = ""

    def __str__(self) -> str:
        return self.ref


@dataclass(frozen=True)
class Suggestion:
    decision: str
    why: str
    also: str = ""


@dataclass(frozen=True)
class CategoryRule:
    code: str
    # The label as written in the profile (English); ``label`` is it in the
    # language of the page or email being made (policy/profile_strings.py).
    source_label: str
    clause: str
    severity: int
    escalate: bool
    notify: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    must_happen: str = ""
    suggestions: tuple[Suggestion, ...] = ()
    route: str = ""  # "chair": the head is the subject; leaders other than the head decide
    evidence_head_only: bool = False
    clock_hours: int = 0  # a legal deadline shown on the incident (72 h for the ICO)
    clock_label: str = ""
    # Values for placeholders in ``source_label`` ("%(age)s").
    label_values: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        text = gettext(self.source_label)
        return text % dict(self.label_values) if self.label_values else text

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def escalation(self) -> str:
        """How it is escalated, in words for the form's guide."""
        if not self.escalate:
            return "not escalated automatically"
        who = {"head": "the head", "slt": "senior leaders", "dsl": "the DSL"}
        told = [who[n] for n in self.notify if n in who]
        return "automatic" + (f"; also told: {', '.join(told)}" if told else "")

    @property
    def required_labels(self) -> list[str]:
        return [STEPS[s].label for s in self.required if s in STEPS]


# The follower category's label names the school's own minimum age.
FOLLOWER_UNDER_AGE = gettext_noop("Follower under %(age)s or with no legitimate reason")


def _suggestions(rows) -> tuple[Suggestion, ...]:
    return tuple(Suggestion(r["decision"], r.get("why", ""), r.get("also", "")) for r in rows or ())


def _rule(code: str, raw: dict) -> CategoryRule:
    severity = raw.get("severity", "medium")
    return CategoryRule(
        code=code,
        # Translated when shown (policy/profile_strings.py lists every label
        # for the catalogue; docs/glossary-cy.md has the Welsh names).
        source_label=raw.get("label", code),
        clause=raw.get("clause", ""),
        severity=SEVERITY_BY_NAME[severity] if isinstance(severity, str) else int(severity),
        escalate=bool(raw.get("escalate", False)),
        notify=tuple(raw.get("notify", ())),
        required=tuple(s for s in raw.get("required", ()) if s in STEPS),
        must_happen=raw.get("must_happen", ""),
        suggestions=_suggestions(raw.get("suggestions")),
        route=raw.get("route", ""),
        evidence_head_only=bool(raw.get("evidence_head_only", False)),
        clock_hours=int(raw.get("clock_hours", 0)),
        clock_label=raw.get("clock_label", ""),
    )


PRIVATE_CONCERN = {
    # setting: (escalates, must happen, first suggestion, required steps)
    "invite": (
        False,
        "Invite them to speak to the class teacher or the headteacher, not on the page.",
        Suggestion("private_message", "Contact them privately and invite them in."),
        ("private_reply",),
    ),
    "do_not_respond": (
        True,
        "Do not respond online: bring it to your line manager's attention.",
        Suggestion("nfa", "Staff do not respond to negative comments online; a leader decides."),
        (),
    ),
    "inform_audience": (
        False,
        "Remove it and tell the page's audience why it was removed.",
        Suggestion("delete", "Remove it, then explain to the audience why it was removed."),
        ("comment_removed", "audience_informed"),
    ),
}


def _apply_settings(categories: dict, settings: dict) -> None:
    """Where a setting changes what a category means (how a private concern
    posted publicly is answered; the follower age), the category follows it."""
    from dataclasses import replace

    reply = PRIVATE_CONCERN.get(settings.get("private_concern_reply", "invite"))
    rule = categories.get("private_concern")
    if reply and rule is not None:
        escalate, must, first, steps = reply
        rest = tuple(s for s in rule.suggestions if s.decision != first.decision)
        categories["private_concern"] = replace(
            rule,
            escalate=rule.escalate or escalate,
            must_happen=must,
            suggestions=(first, *rest),
            required=tuple(dict.fromkeys((*rule.required, *steps))),
        )
    rule = categories.get("follower_under_age")
    age = settings.get("follower_min_age")
    if rule is not None and age:
        categories["follower_under_age"] = replace(
            rule,
            source_label=FOLLOWER_UNDER_AGE,
            label_values=(("age", int(age)),),
        )


@dataclass
class Profile:
    """One school's policy, ready to answer questions. Build with
    ``Profile.from_data`` (or ``policy.selectors.profile_for``)."""

    template: str
    name: str
    settings: dict
    clauses: dict[str, Clause]
    categories: dict[str, CategoryRule]
    by_author: dict[str, tuple[Suggestion, ...]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, template: str, data: dict) -> Profile:
        raw_categories = data.get("categories", {})
        categories = {
            code: _rule(code, raw_categories[code])
            for code in CATEGORY_CODES
            if code in raw_categories and not raw_categories[code].get("off", False)
        }
        clauses = {
            key: Clause(v.get("ref", ""), v.get("text", "")) if isinstance(v, dict) else Clause(v)
            for key, v in data.get("clauses", {}).items()
        }
        by_author = {k: _suggestions(v) for k, v in data.get("by_author", {}).items()}
        settings = dict(data.get("settings", {}))
        _apply_settings(categories, settings)
        return cls(
            template=template,
            name=data.get("name", template),
            settings=settings,
            clauses=clauses,
            categories=categories,
            by_author=by_author,
        )

    @classmethod
    def from_template(cls, slug: str = DEFAULT_TEMPLATE) -> Profile:
        return cls.from_data(slug, template_data(slug))

    # --- categories -------------------------------------------------------------

    def category(self, code: str) -> CategoryRule | None:
        return self.categories.get(code)

    def label(self, code: str) -> str:
        rule = self.categories.get(code)
        if rule is not None:
            return rule.label
        base = template_data("_base")["categories"].get(code)
        return gettext(base["label"]) if base else code

    def choices(self) -> list[tuple[str, str]]:
        return [(c.code, c.label) for c in self.categories.values()]

    def ordered(self, codes) -> list[str]:
        """Most serious first, then in the form's order; unknown codes dropped."""
        order = {code: n for n, code in enumerate(CATEGORY_CODES)}
        known = [c for c in dict.fromkeys(codes) if c in self.categories]
        return sorted(known, key=lambda c: (-self.categories[c].severity, order[c]))

    def severity_for(self, codes, *, pupil_named: bool = False) -> int:
        """The highest severity of the categories; a named pupil is urgent
        whatever the category says."""
        levels = [self.categories[c].severity for c in codes if c in self.categories]
        if pupil_named:
            levels.append(Severity.URGENT)
        return max(levels, default=Severity.LOW)

    def escalating(self, codes) -> list[str]:
        return [c for c in self.ordered(codes) if self.categories[c].escalate]

    def escalates_author(self, author_kind: str) -> bool:
        """Whatever the category, an incident by this kind of author goes to
        the decider: staff (Threemilestone 9.2.7 "referred to the Headteacher
        in the first instance") and pupils (Threemilestone 8.3; Carey B.3 "stop
        and report to the Head")."""
        return author_kind in self.settings.get("escalate_author_kinds", ())

    def required_steps(self, codes) -> list[str]:
        steps: list[str] = []
        for code in self.ordered(codes):
            steps.extend(self.categories[code].required)
        return list(dict.fromkeys(steps))

    def notify_roles(self, codes) -> set[str]:
        roles: set[str] = set()
        for code in codes:
            if code in self.categories:
                roles.update(self.categories[code].notify)
        return roles

    def routes_to_chair(self, codes) -> bool:
        return any(self.categories[c].route == "chair" for c in codes if c in self.categories)

    def evidence_head_only(self, codes) -> bool:
        return any(self.categories[c].evidence_head_only for c in codes if c in self.categories)

    def suggestions(self, codes, author_kind: str) -> list[Suggestion]:
        """What the policy suggests the decider considers, most serious
        category first, each decision once. For a staff author the staff
        conduct route comes first (Carey B.5 is a rule for staff)."""
        found: list[Suggestion] = []
        author = list(self.by_author.get(author_kind, ()))
        if author_kind == "staff":
            found.extend(author)
        for code in self.ordered(codes):
            found.extend(self.categories[code].suggestions)
        if author_kind != "staff":
            found.extend(author)
        seen: set[str] = set()
        result = []
        for item in found:
            if item.decision not in seen:
                seen.add(item.decision)
                result.append(item)
        return result

    # --- settings ---------------------------------------------------------------

    def setting(self, key: str, default=None):
        return self.settings.get(key, default)

    @property
    def decider(self) -> str:
        return self.settings.get("decider", "head")

    def purposes_for(self, platform: str) -> tuple[str, ...]:
        """The consent purposes a photo on this platform needs (empty: the
        channel carries no pupils' photos)."""
        mapping = self.settings.get("channel_purposes", {})
        return tuple(p for p in mapping.get(platform, ()) if p in PURPOSE_CODES)

    def clause(self, key: str) -> Clause:
        return self.clauses.get(key, Clause(""))
