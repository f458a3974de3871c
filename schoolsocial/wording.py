"""Pieces of sentences that are put into words when the sentence is read
(``schoolsocial.language.later``): a date in the reader's language, a list
of lazily translated labels, a label in lower case, a count. Each is lazy,
so a notification is written in its recipient's language and an audit
summary in the school's. The one place for these: the apps import them."""

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


def when_read(function, *args) -> str:
    """``function(*args)``, called when the sentence it is in is read, so
    it is in the reader's language too: ``when_read(profile.label, code)``."""
    return lazy(function, str)(*args)


def lower(text) -> str:
    """``text`` (lazy or not) in lower case, when it is read."""
    return when_read(lambda: str(text).lower())


def counted(text, count) -> str:
    """``text`` (an ``ngettext_lazy`` with ``%(count)s``) filled with
    ``count`` when it is read."""
    return when_read(lambda: str(text) % {"count": count})


def day(value, format: str = "j F Y") -> str:
    """``value`` (a date) as "24 November 2026", in the language it is read in."""
    return _lazy_day(value, format)


def joined(items: Iterable, separator: str = ", ") -> str:
    """``items`` (strings, lazy or not) joined, each translated when read."""
    return _lazy_joined(tuple(items), separator)
