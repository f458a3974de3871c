"""The school's own policy clause behind a rule, for the core's forms and
messages, without the core importing the policy app (DESIGN.md: the core is
the bottom layer). The policy app registers the one provider in its
``AppConfig.ready()``; until then (or for a key the school's policy does not
cite) a clause is the empty string and nothing is quoted."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.html import format_html

from schoolsocial.models import School

Provider = Callable[[School, str], str]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Set (or replace, on a second ``ready()``) the clause provider."""
    _providers[:] = [provider]


def ref(school: School | None, key: str) -> str:
    """The school's clause reference for ``key`` ("Whitchurch, Monitoring"), or ""."""
    if school is None or not _providers:
        return ""
    return _providers[0](school, key) or ""


def cite(school: School | None, *keys: str) -> str:
    """ " (Threemilestone 4.3; Threemilestone 5.1)" for the keys the school's
    policy cites, in order and without repeats; "" when it cites none."""
    refs: list[str] = []
    for key in keys:
        found = ref(school, key)
        if found and found not in refs:
            refs.append(found)
    return f" ({'; '.join(refs)})" if refs else ""


def quote(school: School | None, key: str, text: str) -> str:
    """``text`` prefixed with the school's clause ("Whitchurch, Monitoring: …"),
    for a page: the clause keeps its own markup (the policy app marks the
    school's English document ``lang="en"``) and ``text`` is escaped."""
    found = ref(school, key)
    return format_html("{}: {}", found, text) if found else text
