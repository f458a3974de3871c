"""Pieces of sentences that are put into words when the sentence is read
(``schoolsocial.language.later``): a date in the reader's language, a list
of lazily translated labels. Each is lazy, so a notification is written in
its recipient's language and an audit summary in the school's."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.formats import date_format
from django.utils.functional import lazy


def _day(value, format: str) -> str:
    return date_format(value, format)


def _joined(items: tuple, separator: str) -> str:
    return separator.join(str(item) for item in items)


_lazy_day = lazy(_day, str)
_lazy_joined = lazy(_joined, str)


def day(value, format: str = "j F Y") -> str:
    """``value`` (a date) as "24 November 2026", in the language it is read in."""
    return _lazy_day(value, format)


def joined(items: Iterable, separator: str = ", ") -> str:
    """``items`` (strings, lazy or not) joined, each translated when read."""
    return _lazy_joined(tuple(items), separator)
