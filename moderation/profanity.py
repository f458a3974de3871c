"""A modest profanity word list, matched as whole words after folding.

The words are tokenised with the consent app's screening tokenizer, so
"Scunthorpe" never matches and "sh!t"-style spellings are not chased: this is
a prompt for the administrator, not a filter (Threemilestone 5.3 keeps the
platform's own filter set to strong).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

WORDS = frozenset(
    {
        "arse",
        "arsehole",
        "bastard",
        "bitch",
        "bollocks",
        "bullshit",
        "crap",
        "dick",
        "dickhead",
        "fck",
        "feck",
        "fuck",
        "fucked",
        "fucking",
        "fucker",
        "idiot",
        "idiots",
        "moron",
        "morons",
        "piss",
        "pissed",
        "prat",
        "scum",
        "shit",
        "shite",
        "shitty",
        "slag",
        "tosser",
        "twat",
        "wanker",
        "stupid",
    }
)


@dataclass(frozen=True)
class ProfanityMatch:
    word: str
    matched_text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return asdict(self)


def screen_profanity(text: str, *, words: frozenset[str] = WORDS) -> list[ProfanityMatch]:
    """Whole words of ``text`` (folded for case and accents) on the list."""
    from consent.screening import fold, tokenize

    matches = []
    for token in tokenize(text):
        folded = fold(token.word)
        if folded in words:
            matches.append(
                ProfanityMatch(
                    word=folded,
                    matched_text=text[token.start : token.end],
                    start=token.start,
                    end=token.end,
                )
            )
    return matches
