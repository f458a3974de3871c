"""Every page a person reaches by following links, as each role of the demo
school working in Welsh, reads in Welsh: no English sentence left except
what people wrote (stored data) and what is marked as English (``lang``)."""

from __future__ import annotations

import io
import re
from collections import Counter
from urllib.parse import urldefrag, urlparse

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from schoolsocial.models import School, StaffMember, User
from tests.conftest import client_for
from tests.i18n.english import english_pieces

APPS = ("schoolsocial", "consent", "moderation", "policy")
LINK = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"', re.I)
# Links that act (sign out, switch language) or leave the app's pages.
SKIP = re.compile(r"^/(accounts/logout|language/|admin/|static/|media/|files/)")
PER_SHAPE = 3  # pages per URL shape (/incidents/N/ …): enough to see each state
LIMIT = 400


def stored_text() -> list[str]:
    """Every text value held for the school, longest first: what people
    wrote may be in any language."""
    values: set[str] = set()
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.name
                for f in model._meta.get_fields()
                if isinstance(f, models.CharField | models.TextField)
                and not f.choices
                and f.concrete
            ]
            if not fields:
                continue
            for row in model._base_manager.values_list(*fields):
                values.update(v for v in row if isinstance(v, str) and len(v.strip()) >= 3)
    pieces = set()
    for value in values:
        pieces.add(value)
        pieces.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 3)
    return sorted(pieces, key=len, reverse=True)


def crawl(client, start="/"):
    """Follow same-site links from ``start``; yield (path, html)."""
    queue, seen, shapes = [start], set(), Counter()
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        shape = re.sub(r"\d+", "N", urlparse(path).path)
        shapes[shape] += 1
        if shapes[shape] > PER_SHAPE:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        yield path, html
        for href in LINK.findall(html):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if href.startswith("/") and not SKIP.match(href) and href not in seen:
                queue.append(href)


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    school = School.objects.get(slug="example-primary")
    User.objects.update(language="cy")
    return school


@pytest.mark.parametrize("role", ["head", "slt", "admin", "office"])
def test_every_page_reached_in_welsh_reads_in_welsh(demo, role):
    member = StaffMember.objects.get(school=demo, **{f"is_{role}": True})
    stored = stored_text()
    client = client_for(member)
    english, walked = {}, 0
    for path, html in crawl(client):
        walked += 1
        assert '<html lang="cy">' in html, path
        found = english_pieces(html, stored)
        if found:  # opening a page may itself have written (the audit trail)
            stored = stored_text()
            found = english_pieces(html, stored)
        if found:
            english[path] = found
    assert walked >= 10
    assert english == {}, "\n".join(f"{p}: {f}" for p, f in english.items())
