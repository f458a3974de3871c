"""Pupil-name screening (DESIGN.md "Comment screening"). One implementation
serves the publication check's caption and moderation's incidents.

Matching works on words, not substrings. Text is folded by
``schoolsocial.folding`` (the same folding every search by name uses): NFKD, combining
marks dropped, casefolded, letters NFKD leaves alone transliterated: ł→l,
ø→o, æ→ae, ı→i, đ→d, ß→ss, œ→oe, þ→th, ð→d), invisible characters are
dropped (Unicode category Cf such as zero-width spaces, plus the combining
grapheme joiner, variation selectors and Hangul fillers), and apostrophes
(curly or straight), hyphens, line breaks and every other non-letter,
non-digit character are word breaks. Then:

* **named**: a pupil's first + last or preferred + last name as consecutive
  whole words ("Tom Smith", "tom smith's", "TOM SMITH"); the surname may be
  written without its apostrophe ("Grace ONeill" for O'Neill), and for a
  double-barrelled surname one part is enough ("Ruby Jones" for
  Smith-Jones). The same name run together as one whole word is named too
  ("#TomSmith", "tomsmith"), except a lower-case run-together word starting
  with an everyday first name that is not a hashtag or mention ("willpower"
  is not Will Power, "#willpower" is);
* **possible**: a first or preferred name on its own ("Tom", "Tom's"),
  except when the name is also an everyday English word and is written in
  lower case in the text ("will", "rose", "grace").

"Tomato" never matches "Tom"; "Siân" matches "Sian"; "Michal" matches
"Michał". Leavers are included; other schools' pupils never are. A match
suggests; it never blocks saving. Offsets and ``matched_text`` always refer
to the original text.

The matcher is built once per school and reused until the register changes
(``RegisterVersion``, bumped by ``consent.services``): each process keeps the
one it built (``matcher_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from schoolsocial.folding import APOSTROPHES, HYPHENS, Token, fold, tokenize

__all__ = [
    "EVERYDAY_WORDS",
    "NameMatch",
    "Token",
    "fold",
    "screen_names",
    "tokenize",
]

# First names that are also everyday English words: on their own and in lower
# case they are not reported ("I will", "a rose", "mark the register").
EVERYDAY_WORDS = frozenset(
    [
        "will",
        "rose",
        "grace",
        "faith",
        "hope",
        "joy",
        "summer",
        "may",
        "mark",
        "jack",
        "bill",
        "ruby",
        "amber",
        "daisy",
        "holly",
        "ivy",
        "poppy",
        "rich",
        "sky",
        "autumn",
        "dawn",
        "drew",
        "frank",
        "hunter",
        "miles",
        "sunny",
        "april",
        "june",
        "august",
        "iris",
        "lily",
        "violet",
        "heather",
        "hazel",
        "olive",
        "pearl",
        "jade",
        "crystal",
        "angel",
        "honey",
        "willow",
        "river",
        "rowan",
        "storm",
        "rain",
        "bay",
        "brook",
        "chase",
        "grant",
        "guy",
        "penny",
        "ray",
        "reed",
        "rob",
        "robin",
        "rocky",
        "rusty",
        "sandy",
        "star",
        "sue",
        "sage",
        "mason",
        "carter",
        "taylor",
        "king",
        "bishop",
        "pat",
        "gene",
        "noble",
    ]
)


@dataclass(frozen=True)
class NameMatch:
    pupil_id: int
    pupil_name: str
    kind: str  # "named" | "possible"
    matched_text: str
    start: int
    end: int


def _words(name: str) -> tuple[str, ...]:
    return tuple(t.word for t in tokenize(name))


_NO_APOSTROPHES = str.maketrans("", "", APOSTROPHES)


def _spellings(name: str) -> set[tuple[str, ...]]:
    """The words of a name, as written and with its apostrophes left out
    ("O'Neill" is both "o neill" and "oneill")."""
    return {w for w in (_words(name), _words(name.translate(_NO_APOSTROPHES))) if w}


def _surname_spellings(last: str) -> set[tuple[str, ...]]:
    """The whole surname, and each part of a double-barrelled one."""
    spellings = _spellings(last)
    parts = last.translate(str.maketrans(HYPHENS, "-" * len(HYPHENS))).split("-")
    if len(parts) > 1:
        for part in parts:
            spellings |= _spellings(part)
    return spellings


class _Entry(NamedTuple):
    """A plain tuple, so the cached matcher unpickles quickly."""

    pupil_id: int
    pupil_name: str
    kind: str
    words: tuple[str, ...]
    # A possible match: a single everyday word, ignored in lower case. A
    # run-together named match: starts with an everyday first name, ignored
    # in lower case unless it is a hashtag or mention.
    everyday: bool
    joined: bool = False


def _tagged(entry: _Entry, text: str, start: int) -> bool:
    """A run-together name written as a hashtag or mention ("#willpower")."""
    return entry.joined and start > 0 and text[start - 1] in "#@"


class NameMatcher:
    """Name sequences of one school's pupils, indexed by their first word."""

    def __init__(self, pupils: list[tuple[int, str, str, str]]):
        index: dict[str, list[_Entry]] = {}
        for pupil_id, first, last, preferred in pupils:
            display = f"{first} {last}".strip()
            forms: dict[tuple[str, tuple[str, ...]], tuple[bool, bool]] = {}
            surnames = _surname_spellings(last)
            for given in _spellings(first) | _spellings(preferred):
                everyday_given = len(given) == 1 and given[0] in EVERYDAY_WORDS
                for surname in surnames:
                    forms.setdefault(("named", given + surname), (False, False))
                    joined = ("".join(given + surname),)
                    forms.setdefault(("named", joined), (everyday_given, True))
                forms.setdefault(("possible", given), (everyday_given, False))
            for (kind, words), (everyday, joined) in forms.items():
                index.setdefault(words[0], []).append(
                    _Entry(pupil_id, display, kind, words, everyday, joined)
                )
        for entries in index.values():
            entries.sort(key=lambda e: (e.kind != "named", -len(e.words)))
        self.index = index

    def screen(self, text: str) -> list[NameMatch]:
        tokens = tokenize(text)
        words = [t.word for t in tokens]
        named: list[NameMatch] = []
        named_spans: list[tuple[int, int]] = []  # token index ranges
        possible: list[tuple[int, int, NameMatch]] = []
        for i, word in enumerate(words):
            named_here: set[int] = set()  # pupils already named from this word
            for entry in self.index.get(word, ()):
                n = len(entry.words)
                if n > 1 and tuple(words[i : i + n]) != entry.words:
                    continue
                if entry.kind == "named" and entry.pupil_id in named_here:
                    continue  # a shorter form of a longer named match here
                start, end = tokens[i].start, tokens[i + n - 1].end
                matched = text[start:end]
                lower = matched == matched.lower()
                if entry.everyday and lower and not _tagged(entry, text, start):
                    continue
                match = NameMatch(entry.pupil_id, entry.pupil_name, entry.kind, matched, start, end)
                if entry.kind == "named":
                    named_here.add(entry.pupil_id)
                    named.append(match)
                    named_spans.append((i, i + n))
                else:
                    possible.append((i, i + n, match))
        # A name already part of a named match is not also a possible match.
        kept = [m for i, j, m in possible if not any(a <= i and j <= b for a, b in named_spans)]
        results = {(m.pupil_id, m.kind, m.start, m.end): m for m in named + kept}
        return sorted(results.values(), key=lambda m: (m.start, m.kind != "named", m.pupil_name))


CACHE_TIMEOUT = 24 * 3600


def _register_key(school) -> str:
    """One query: the register version bumped by the services, plus the
    number of pupils, the highest id and the latest change, so a change made
    any other way (the Django admin, a shell) also rebuilds the matcher."""
    from django.db.models import Count, Max, OuterRef, Subquery

    from consent.models import RegisterVersion
    from schoolsocial.models import School

    row = (
        School.objects.filter(pk=school.pk)
        .annotate(
            n=Count("pupils"),
            top=Max("pupils__pk"),
            latest=Max("pupils__updated_at"),
            token=Subquery(
                RegisterVersion.objects.filter(school=OuterRef("pk")).values("token")[:1]
            ),
        )
        .values_list("token", "n", "top", "latest")
        .first()
    )
    token, n, top, latest = row or ("", 0, 0, None)
    stamp = latest.timestamp() if latest else 0
    return f"consent:names:{school.pk}:{token or 'initial'}:{n}:{top or 0}:{stamp}"


# Each process keeps the matchers it built: school id -> (register key,
# matcher, when the key was last read). Screening a comment then costs no
# query and no unpickling while the key is fresh.
_LOCAL: dict[int, tuple[str, NameMatcher, float]] = {}


def forget_matchers(school_id: int | None = None) -> None:
    """Drop this process's matcher for one school (or all): the next
    screening reads the register key again. Called when the register
    changes in this process (``consent.services``, the Pupil signals)."""
    if school_id is None:
        _LOCAL.clear()
    else:
        _LOCAL.pop(school_id, None)


def matcher_for(school) -> NameMatcher:
    """The school's matcher, built once and reused until the register
    changes: kept in this process, and in Django's cache so other workers
    need not build it again.

    The register key (one query) is read again at most every
    ``SCREENING_RECHECK_SECONDS``; a change made in this process (the
    services, or a pupil saved any other way) forgets the kept matcher at
    once, and a change made by another process is seen within that time."""
    import time

    from django.conf import settings
    from django.core.cache import cache

    from consent.models import Pupil

    now = time.monotonic()
    kept = _LOCAL.get(school.pk)
    recheck = getattr(settings, "SCREENING_RECHECK_SECONDS", 2.0)
    if kept is not None and now - kept[2] < recheck:
        return kept[1]
    key = _register_key(school)
    if kept is not None and kept[0] == key:
        _LOCAL[school.pk] = (key, kept[1], now)
        return kept[1]
    matcher = cache.get(key)
    if matcher is None:
        rows = list(
            Pupil.objects.filter(school=school).values_list(
                "pk", "first_name", "last_name", "preferred_name"
            )
        )
        matcher = NameMatcher(rows)
        cache.set(key, matcher, CACHE_TIMEOUT)
    _LOCAL[school.pk] = (key, matcher, now)
    return matcher


def rare_possible(matches: list[NameMatch], *, rare_max: int) -> set[tuple[int, int, int]]:
    """The possible matches (a first name on its own) of names few pupils
    share: ``(pupil_id, start, end)`` for each. A name is rare when at most
    ``rare_max`` pupils have it and it is not an everyday word — "Gwenllian"
    is, "Tom" among thirty Toms and "Rose" are not. One rule for comments
    and captions (Threemilestone 3.4: "Under no circumstances should any
    pupils be named")."""
    if not rare_max:
        return set()
    sharing: dict[tuple[int, int], set[int]] = {}
    for m in matches:
        if m.kind == "possible":
            sharing.setdefault((m.start, m.end), set()).add(m.pupil_id)
    return {
        (m.pupil_id, m.start, m.end)
        for m in matches
        if m.kind == "possible"
        and len(sharing[(m.start, m.end)]) <= rare_max
        and fold(m.matched_text).strip() not in EVERYDAY_WORDS
    }


def screen_names(*, school, text: str) -> list[NameMatch]:
    """Pupil names of ``school`` (leavers included) found in ``text``."""
    if not text or not text.strip():
        return []
    return matcher_for(school).screen(text)
