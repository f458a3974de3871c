"""Folding text for comparing names: one implementation for name screening
(``consent.screening``), profanity screening and every search by name (the
pupil register, the publication check's pupil finder, the staff roster).

Text is folded (NFKD, combining marks dropped, casefolded, letters NFKD
leaves alone transliterated: ł→l, ø→o, æ→ae, ı→i, đ→d, ß→ss, œ→oe, þ→th,
ð→d), invisible characters are dropped (Unicode category Cf such as
zero-width spaces, plus the combining grapheme joiner, variation selectors
and Hangul fillers), and apostrophes (curly or straight), hyphens, line
breaks and every other non-letter, non-digit character are word breaks.

It lives in the core because the roster (core) searches names too, and
dependencies point one way (consent → schoolsocial).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "APOSTROPHES",
    "HYPHENS",
    "Token",
    "fold",
    "name_search_key",
    "search_words",
    "tokenize",
]

APOSTROPHES = "'\u2018\u2019\u02bc\u0060\u00b4"
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014"
_APOSTROPHES_AND_HYPHENS = frozenset(APOSTROPHES + HYPHENS)
_LINE_BREAKS = frozenset("\r\n\u2028\u2029\x0b\x0c\x85")

# Letters NFKD does not decompose, after casefolding (so Ł is already ł).
_TRANSLITERATION = {
    "ł": "l",
    "ø": "o",
    "æ": "ae",
    "ı": "i",
    "đ": "d",
    "ß": "ss",
    "œ": "oe",
    "þ": "th",
    "ð": "d",
    "ħ": "h",
    "ŧ": "t",
}

# Invisible characters that are not format characters (Cf): they would
# otherwise split a word (combining grapheme joiner, variation selectors,
# Mongolian free variation selectors) or join it to the next (Hangul fillers,
# which are letters). Cf already covers U+200B-U+200F, U+2060-U+2064, U+00AD,
# U+180E, U+FEFF and the tag characters.
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")


def _is_invisible(char: str) -> bool:
    code = ord(char)
    return (
        char in _INVISIBLE
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or unicodedata.category(char) == "Cf"
    )


@dataclass(frozen=True)
class Token:
    word: str  # folded
    start: int  # offsets into the original text
    end: int


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """The folded form of one character: '' if it disappears (invisible, or
    an accent), ' ' if it breaks words, else its folded letters/digits."""
    if _is_invisible(char):
        return ""
    if char in _APOSTROPHES_AND_HYPHENS or char in _LINE_BREAKS:
        return " "
    out = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part):
            continue
        for letter in part.casefold():
            out.append(_TRANSLITERATION.get(letter, letter))
    return "".join(out)


_SKIP, _LETTERS, _BREAK = 0, 1, 2


@lru_cache(maxsize=8192)
def _classify(char: str) -> tuple[int, str]:
    folded = _fold_char(char)
    if not folded:
        return _SKIP, ""
    if folded.isalnum():
        return _LETTERS, folded
    return _BREAK, folded


def fold(text: str) -> str:
    """NFKD, drop combining marks, casefold, transliterate letters NFKD
    leaves alone (ł, ø, æ, ı, đ, ß, œ, þ, ð), drop invisible characters, and
    turn apostrophes, hyphens and line breaks into spaces. Other punctuation
    is kept (``tokenize`` treats it as a word break too)."""
    return "".join(_fold_char(c) for c in text)


_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def tokenize(text: str) -> list[Token]:
    """The words of ``text``, folded, with their offsets in the original.

    A word is a run of letters and digits once folded; invisible characters
    inside a word do not split it ("T\u200bom" and "T\u034fom" are "tom").
    """
    if text.isascii():
        # Every ASCII letter or digit folds to itself in lower case and every
        # other ASCII character is a word break: the same words, faster.
        return [Token(m.group().lower(), m.start(), m.end()) for m in _ASCII_WORD.finditer(text)]
    tokens: list[Token] = []
    word: list[str] = []
    start = end = 0
    for index, char in enumerate(text):
        kind, folded = _classify(char)
        if kind == _SKIP:
            continue  # invisible, or an accent on the previous letter
        if kind == _LETTERS:
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


_NO_APOSTROPHES = str.maketrans("", "", APOSTROPHES)


def search_words(text: str) -> list[str]:
    """The folded words of a search box's text: "Siân O'Connor" →
    ["sian", "o", "connor"]."""
    return [t.word for t in tokenize(text)]


def name_search_key(*names: str) -> str:
    """What a search by name looks in, folded once when the name is saved:
    every word of every name, each name also run together without its
    apostrophes, hyphens and spaces ("O'Connor" → "o connor oconnor",
    "Smith-Jones" → "smith jones smithjones"). A search matches when each of
    its words (``search_words``) is part of the key, so "Sian", "oconnor",
    "o'connor", "smith jones" and "smithjones" all find their pupil. Words
    are separated by single spaces and the key starts and ends with one."""
    parts: list[str] = []
    for name in names:
        words = search_words(name)
        if not words:
            continue
        parts.extend(words)
        joined = "".join(search_words(name.translate(_NO_APOSTROPHES)))
        if len(words) > 1:
            parts.append(joined)
    unique = list(dict.fromkeys(parts))
    return f" {' '.join(unique)} " if unique else ""
