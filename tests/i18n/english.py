"""Finding English on a page that should be in Welsh.

A page in Welsh may still rightly hold English: what people wrote (names,
comments, captions, channel names, anything stored), and text marked as
another language (``lang="en"``: a quote from the school's own policy, the
language switch's "English"). Everything else a person sees — text nodes and
the attributes a browser shows (placeholder, title, aria-label, alt, a
button's value) — should be Welsh. English is recognised by its little
words: ones that are common in any English sentence and are not Welsh words
(so not "a", "i", "o", "am", "at", "is", "to", "be" …) or by the app's
everyday button words."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ENGLISH = frozenset(
    """the and with this that from have has was were will your you are which
    been they their what when who there here into only then than these those
    each every after before about should must cannot can't don't doesn't
    isn't not for of in on by or if it its no yet still been being any
    save cancel search filter print download upload add edit remove delete
    back next previous show hide close send choose record sign see view
    yes none more less new report reports waiting days hours minutes week
    today yesterday tomorrow date name email page pages pupil
    pupils parent parents photo photos comment comments incident
    incidents channel channels consent""".split()  # noqa: SIM905
)

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())  # noqa: SIM905
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
WORD = re.compile(r"[A-Za-z][A-Za-z']*")
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*|\S+\.(?:csv|pdf|xlsx|png|jpe?g)\b", re.I)


class _Shown(HTMLParser):
    """Pieces of text a person sees, outside script/style and outside any
    element marked as another language."""

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.pieces: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden-from-check)

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").lower()
        hidden = (
            self._hidden()
            or tag in ("script", "style", "template")
            or bool(lang and not lang.startswith(self.language))
            or "hidden" in attrs
        )
        if not hidden:
            for name in SHOWN_ATTRIBUTES:
                if attrs.get(name):
                    self.pieces.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.pieces.append(attrs["value"])
        if tag not in VOID:
            self._stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.pieces.append(data)


def shown_pieces(html: str, language: str = "cy") -> list[str]:
    parser = _Shown(language)
    parser.feed(html)
    parser.close()
    return [re.sub(r"\s+", " ", piece).strip() for piece in parser.pieces]


def english_pieces(html: str, stored: list[str], language: str = "cy") -> list[str]:
    """The pieces of the page that read as English once anything stored in
    the database (``stored``, longest first) is taken out of them."""
    found = []
    for piece in shown_pieces(html, language):
        text = piece
        for value in stored:
            if value in text:
                text = text.replace(value, " ")
        text = NOT_WORDS.sub(" ", text)
        words = {w.lower() for w in WORD.findall(text)}
        if words & ENGLISH:
            found.append(piece)
    return found
