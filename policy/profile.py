"""A school's policy, read from data: the five policies in
``shared/policies/`` as starting templates (``policy/profiles/*.toml``) and
the school's own edits on top (``PolicyProfile.data``).

Both apps ask the ``Profile`` rather than keeping tables of their own: which
categories exist with what severity, who is told, what is suggested to the
person deciding, which steps must be done before an incident closes, which
consent purposes a channel needs, and which clause of *this school's* policy
to quote. A template may ``extends`` another; tables merge key by key.

Two kinds of text come from a template, and a page in Welsh treats them
differently:

- The school's own English policy document, quoted: the school's ``name``
  (a proper name), each ``[clauses]`` entry's ``ref`` and ``text``, and each
  category's ``clause``. These stay English and are kept as ``English``
  strings, which a template renders inside ``<span lang="en">`` (WCAG 3.1.2).
- The app's own wording: each category's ``label``, ``must_happen`` and
  ``clock_label``, and each suggestion's ``why`` and ``also`` (under a
  category or ``[by_author]``). These are listed for the catalogue in
  ``policy/profile_strings.py`` (scripts/profile_strings.py writes it) and
  translated each time they are read, in the language of the page or email
  being made; the objects here keep the English (``source_*``).

The choices below (who decides, how long consent lasts …) are app wording
too, marked for translation where they are defined.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from policy.catalogue import CATEGORY_CODES, SEVERITY_BY_NAME, STEPS, Severity

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_TEMPLATE = "threemilestone"

# The templates a school can start from, in the order the settings page lists them.
TEMPLATES = ("threemilestone", "whitchurch", "westbrook", "roman-road", "carey")

# The choices the five policies disagree on (POLICY-TRACE.md, "Where the five
# policies disagree"), with the values a template may give them.
DECIDERS = [
    ("head", _("The headteacher decides; senior leaders are told")),
    ("slt", _("A senior leader leads and decides; the headteacher is told")),
]
PRIVATE_CONCERN_REPLIES = [
    ("invite", _("Invite them, privately, to speak to the class teacher or the head")),
    ("do_not_respond", _("Do not respond online; tell your line manager")),
    ("inform_audience", _("Remove it and tell the page's audience why")),
]
CONSENT_VALIDITY = [
    (0, _("Until the end of the school year (31 August)")),
    (12, _("12 months from the date received")),
    (24, _("24 months from the date received")),
    (84, _("While the pupil is at the school (7 years)")),
]
PURPOSE_CODES = ("website", "social_public", "social_group", "press", "print", "video")
# The platforms whose use the policies disagree on (Carey B.3: Class Dojo
# shares learning with parents; the others carry no photos on it).
MAPPABLE_PLATFORMS = {"class_dojo": "Class Dojo", "whatsapp": "WhatsApp group"}
MAPPABLE_PURPOSES = [
    ("social_group", _("Parents' group consent")),
    ("social_public", _("Public social media consent")),
    ("video", _("Video consent")),
]


class English(str):
    """Text that stays English on a page in any language: the school's own
    policy document quoted (a clause and its words) and a school's name.
    A plain ``str`` everywhere (comparisons, f-strings, emails); in an HTML
    template it renders inside ``<span lang="en">`` so that a page in Welsh
    marks it as English (WCAG 3.1.2: screen readers switch voice)."""

    __slots__ = ()

    def __html__(self) -> str:
        if not self:
            return ""
        return format_html('<span lang="en">{}</span>', str(self))


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
    """The templates by their schools' names (plain text: a form's options)."""
    return [(slug, template_data(slug)["name"]) for slug in TEMPLATES]


@dataclass(frozen=True)
class Clause:
    """A clause of the school's policy: its reference ("Threemilestone
    5.1") and its words, both the school's English (``English``)."""

    ref: str
    text: str = ""

    def __post_init__(self):
        object.__setattr__(self, "ref", English(self.ref))
        object.__setattr__(self, "text", English(self.text))

    def __str__(self) -> str:
        return self.ref

    def __html__(self) -> str:
        return self.ref.__html__()

    @property
    def quoted(self) -> str:
        """'Threemilestone 6.1–6.3 — “the words”' inside ``<span lang="en">``
        (a form's help text), or "" when the policy has no such clause."""
        if not self.ref:
            return ""
        if not self.text:
            return self.ref.__html__()
        return format_html('<span lang="en">{} — “{}”</span>', str(self.ref), str(self.text))


@dataclass(frozen=True)
class Suggestion:
    """Something the policy suggests the decider considers. ``why`` and
    ``also`` are the app's words, translated when read."""

    decision: str
    source_why: str
    source_also: str = ""

    @property
    def why(self) -> str:
        return gettext(self.source_why) if self.source_why else ""

    @property
    def also(self) -> str:
        return gettext(self.source_also) if self.source_also else ""


@dataclass(frozen=True)
class CategoryRule:
    code: str
    # The label as written in the profile (English); ``label`` is it in the
    # language of the page or email being made (policy/profile_strings.py).
    source_label: str
    clause: str  # the school's clause reference (``English``)
    severity: int
    escalate: bool
    notify: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    source_must_happen: str = ""  # English; ``must_happen`` is it translated
    suggestions: tuple[Suggestion, ...] = ()
    route: str = ""  # "chair": the head is the subject; leaders other than the head decide
    evidence_head_only: bool = False
    clock_hours: int = 0  # a legal deadline shown on the incident (72 h for the ICO)
    source_clock_label: str = ""  # English; ``clock_label`` is it translated
    # Values for placeholders in ``source_label`` ("%(age)s").
    label_values: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        text = gettext(self.source_label)
        return text % dict(self.label_values) if self.label_values else text

    @property
    def must_happen(self) -> str:
        return gettext(self.source_must_happen) if self.source_must_happen else ""

    @property
    def clock_label(self) -> str:
        return gettext(self.source_clock_label) if self.source_clock_label else ""

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def escalation(self) -> str:
        """How it is escalated, in words for the form's guide."""
        if not self.escalate:
            return gettext("not escalated automatically")
        who = {
            "head": gettext("the head"),
            "slt": gettext("senior leaders"),
            "dsl": gettext("the DSL"),
        }
        told = [who[n] for n in self.notify if n in who]
        if not told:
            return gettext("automatic")
        return gettext("automatic; also told: %(people)s") % {"people": ", ".join(told)}

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
        clause=English(raw.get("clause", "")),
        severity=SEVERITY_BY_NAME[severity] if isinstance(severity, str) else int(severity),
        escalate=bool(raw.get("escalate", False)),
        notify=tuple(raw.get("notify", ())),
        required=tuple(s for s in raw.get("required", ()) if s in STEPS),
        source_must_happen=raw.get("must_happen", ""),
        suggestions=_suggestions(raw.get("suggestions")),
        route=raw.get("route", ""),
        evidence_head_only=bool(raw.get("evidence_head_only", False)),
        clock_hours=int(raw.get("clock_hours", 0)),
        source_clock_label=raw.get("clock_label", ""),
    )


PRIVATE_CONCERN = {
    # setting: (escalates, must happen, first suggestion, required steps)
    "invite": (
        False,
        gettext_noop(
            "Invite them to speak to the class teacher or the headteacher, not on the page."
        ),
        Suggestion("private_message", gettext_noop("Contact them privately and invite them in.")),
        ("private_reply",),
    ),
    "do_not_respond": (
        True,
        gettext_noop("Do not respond online: bring it to your line manager's attention."),
        Suggestion(
            "nfa",
            gettext_noop("Staff do not respond to negative comments online; a leader decides."),
        ),
        (),
    ),
    "inform_audience": (
        False,
        gettext_noop("Remove it and tell the page's audience why it was removed."),
        Suggestion(
            "delete",
            gettext_noop("Remove it, then explain to the audience why it was removed."),
        ),
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
            source_must_happen=must,
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
            name=English(data.get("name", template)),
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
