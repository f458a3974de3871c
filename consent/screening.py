"""Pupil-name screening (DESIGN.md "Comment screening"). One implementation
serves the publication check's caption and moderation's incidents.

Matching works on words, not substrings. Text is folded (NFKD, combining
marks dropped, casefolded), invisible format characters (zero-width spaces,
Unicode category Cf) are dropped, and apostrophes (curly or straight),
hyphens, line breaks and every other non-letter, non-digit character are word
breaks. Then:

* **named**: a pupil's first + last or preferred + last name as consecutive
  whole words ("Tom Smith", "tom smith's", "TOM SMITH");
* **possible**: a first or preferred name on its own ("Tom", "Tom's"),
  except when the name is also an everyday English word and is written in
  lower case in the text ("will", "rose", "grace").

"Tomato" never matches "Tom"; "Siân" matches "Sian". Leavers are included;
other schools' pupils never are. A match suggests; it never blocks saving.

The matcher is built once per school and reused until the register changes
(``RegisterVersion``, bumped by ``consent.services``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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

_APOSTROPHES_AND_HYPHENS = frozenset(
    "'\u2018\u2019\u02bc\u0060\u00b4-\u2010\u2011\u2012\u2013\u2014"
)


@dataclass(frozen=True)
class Token:
    word: str  # folded
    start: int  # offsets into the original text
    end: int


@dataclass(frozen=True)
class NameMatch:
    pupil_id: int
    pupil_name: str
    kind: str  # "named" | "possible"
    matched_text: str
    start: int
    end: int


def _fold_char(char: str) -> str:
    """The folded form of one character: '' if it disappears, ' ' if it
    breaks words, else letters/digits."""
    if unicodedata.category(char) == "Cf":
        return ""
    if char in _APOSTROPHES_AND_HYPHENS or char in "\r\n\u2028\u2029\x0b\x0c\x85":
        return " "
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part):
            continue
        out.append(part.casefold())
    return "".join(out)


def fold(text: str) -> str:
    """NFKD, drop combining marks, casefold, drop invisible format characters,
    and turn apostrophes, hyphens and line breaks into spaces. Other
    punctuation is kept (``tokenize`` treats it as a word break too)."""
    return "".join(_fold_char(c) for c in text)


def tokenize(text: str) -> list[Token]:
    """The words of ``text``, folded, with their offsets in the original.

    A word is a run of letters and digits once folded; invisible format
    characters inside a word do not split it ("T\u200bom" is "tom").
    """
    tokens: list[Token] = []
    word: list[str] = []
    start = end = 0
    for index, char in enumerate(text):
        folded = _fold_char(char)
        if folded == "" and (unicodedata.category(char) == "Cf" or unicodedata.combining(char)):
            continue  # invisible, or an accent on the previous letter
        if folded and all(c.isalnum() for c in folded):
            if not word:
                start = index
            word.append(folded)
            end = index + 1
            continue
        if word:
            tokens.append(Token("".join(word), start, end))
            word = []
    if word:
        tokens.append(Token("".join(word), start, end))
    return tokens


def _words(name: str) -> tuple[str, ...]:
    return tuple(t.word for t in tokenize(name))


@dataclass(frozen=True)
class _Entry:
    pupil_id: int
    pupil_name: str
    kind: str
    words: tuple[str, ...]
    everyday: bool  # a single everyday word: ignored when written in lower case


class NameMatcher:
    """Name sequences of one school's pupils, indexed by their first word."""

    def __init__(self, pupils: list[tuple[int, str, str, str]]):
        index: dict[str, list[_Entry]] = {}
        for pupil_id, first, last, preferred in pupils:
            display = f"{first} {last}".strip()
            seen: set[tuple[str, tuple[str, ...]]] = set()
            last_words = _words(last)
            for given in (first, preferred):
                given_words = _words(given)
                if not given_words:
                    continue
                candidates = [("possible", given_words)]
                if last_words:
                    candidates.insert(0, ("named", given_words + last_words))
                for kind, words in candidates:
                    if (kind, words) in seen:
                        continue
                    seen.add((kind, words))
                    everyday = kind == "possible" and len(words) == 1 and words[0] in EVERYDAY_WORDS
                    index.setdefault(words[0], []).append(
                        _Entry(pupil_id, display, kind, words, everyday)
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
            for entry in self.index.get(word, ()):
                n = len(entry.words)
                if tuple(words[i : i + n]) != entry.words:
                    continue
                start, end = tokens[i].start, tokens[i + n - 1].end
                matched = text[start:end]
                if entry.everyday and matched == matched.lower():
                    continue
                match = NameMatch(entry.pupil_id, entry.pupil_name, entry.kind, matched, start, end)
                if entry.kind == "named":
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


def matcher_for(school) -> NameMatcher:
    """The school's matcher, built once and reused (from Django's cache, so
    every worker shares it) until the register changes."""
    from django.core.cache import cache

    from consent.models import Pupil

    key = _register_key(school)
    matcher = cache.get(key)
    if matcher is None:
        rows = list(
            Pupil.objects.filter(school=school).values_list(
                "pk", "first_name", "last_name", "preferred_name"
            )
        )
        matcher = NameMatcher(rows)
        cache.set(key, matcher, CACHE_TIMEOUT)
    return matcher


def screen_names(*, school, text: str) -> list[NameMatch]:
    """Pupil names of ``school`` (leavers included) found in ``text``."""
    if not text or not text.strip():
        return []
    return matcher_for(school).screen(text)
