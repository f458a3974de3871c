"""No server error for any input (property-based, with hypothesis).

Walks the URLconf as tests/schoolsocial/test_access.py does. For every page
in the URL map it signs in as a role that may use it and:

* POST: finds the page's form (on the page itself, or on the page that
  shows it — an incident's page holds its "add an action" form) and posts
  arbitrary values to each of its fields: any text (NUL characters, other
  scripts, very long), numbers far out of range, dates from year 1 to 9999,
  the field's own choices, several values at once, arbitrary files, and an
  arbitrary ``next``;
* GET: opens it with arbitrary query parameters (its filters' own names,
  ``page``, ``next``, ``q``, dates, and names it has never heard of).

Each must answer with anything but a server error. How many examples each
property tries is set by the hypothesis profile (tests/conftest.py):
a handful in ``make test``, many more with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import datetime
import os
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.schoolsocial.test_access import EXPECTED, OBJECTS, ROLES, VIEWS

pytestmark = pytest.mark.django_db

# --- What arbitrary input looks like -----------------------------------------

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "9" * 30,
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "31/12/9999",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\u202eevil",
    "²",
    "١٢٣",
    "\ufeff",
]
text = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.integers(min_value=300, max_value=6000).map(lambda n: "x" * n),
    st.text(max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.times().map(lambda t: t.isoformat()),
)
NEXT = st.one_of(
    st.sampled_from(["0", "", "/", "//evil.example", "https://evil.example/", "/\\evil", "/x\x00"]),
    text,
)


def value_for(field: dict) -> st.SearchStrategy:
    own = [o for o in field["options"] if o is not None]
    single = st.one_of(st.sampled_from(own), text) if own else text
    if field["type"] == "file":
        return st.builds(
            lambda name, data: SimpleUploadedFile(
                name if os.path.basename(name) not in {"", ".", ".."} else "f", data
            ),
            st.one_of(st.sampled_from(["a.png", "a.pdf", "a.csv", "a\x00.png", "."]), text),
            st.one_of(
                st.binary(max_size=300),
                st.sampled_from(
                    [b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"%PDF-1.4\n", b"upn,first\n1,\x00\n"]
                ),
            ),
        )
    return st.one_of(single, st.lists(single, min_size=2, max_size=3))


def form_data(fields: dict[str, dict]) -> st.SearchStrategy:
    """A value (or none) for each of the form's fields, plus sometimes a
    ``next`` and a field it does not have."""
    return st.fixed_dictionaries(
        {},
        optional={
            **{name: value_for(field) for name, field in fields.items()},
            "next": NEXT,
            "unexpected": text,
        },
    )


FALLBACK_FIELDS = ["reason", "note", "op", "decision", "notification", "submission_key"]
QUERY_KEYS = ["page", "next", "q", "date_from", "date_to", "purpose", "class", "status", "v"]


def query(keys: list[str]) -> st.SearchStrategy:
    names = st.one_of(st.sampled_from(sorted(set(keys + QUERY_KEYS))), st.text(max_size=10))
    return st.dictionaries(names, st.one_of(text, st.lists(text, max_size=3)), max_size=5)


# --- Finding the forms on real pages -----------------------------------------


class _Forms(HTMLParser):
    """Every <form> on a page: method, action, and its fields with their
    type and the values the page offers (options, radio and checkbox values)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": {},
            }
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                self._form["fields"][self._select]["options"].append(a.get("value"))
            return
        name = a["name"]
        if name == "csrfmiddlewaretoken":
            return
        kind = a.get("type", "text") if tag == "input" else tag
        field = self._form["fields"].setdefault(name, {"type": kind, "options": []})
        if tag == "select":
            self._select = name
        elif kind in ("checkbox", "radio", "hidden", "submit"):
            field["options"].append(a.get("value", "on"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(client, url: str) -> list[dict]:
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode("utf-8", "replace"))
    for form in parser.forms:
        form["action"] = urlsplit(form["action"]).path or urlsplit(url).path
    return parser.forms


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def url_for(name, pattern, school) -> str:
    return reverse(name, kwargs={p: OBJECTS[p](school) for p in pattern.pattern.converters})


def role_for(name: str) -> str:
    allowed = EXPECTED[name]
    if allowed in ("public", "signed_in"):
        return "head"
    return next(role for role in ROLES if role in allowed)


PAGES = [(name, pattern) for name, pattern, _ in VIEWS if EXPECTED[name] != "public"]
LIST_PAGES = [(n, p) for n, p in PAGES if not p.pattern.converters]


@pytest.fixture
def everyone(personas, authorised_admin):
    return personas


def the_form(client, name, pattern, school) -> tuple[str, dict]:
    """The action and fields of the form that posts to page ``name``: on the
    page itself, or on a page showing the same object, or on a list page."""
    url = url_for(name, pattern, school)
    hosts = [url]
    kwargs = set(pattern.pattern.converters)
    for other, other_pattern, _ in VIEWS:
        shows_it = set(other_pattern.pattern.converters) <= kwargs
        if other != name and EXPECTED[other] != "public" and shows_it:
            hosts.append(url_for(other, other_pattern, school))
    for host in hosts:
        for form in forms_on(client, host):
            if form["method"] == "post" and url_name(form["action"]) == name:
                return form["action"], form["fields"]
    # No page shows its form for these objects: post the names forms use.
    return url, {name: {"type": "text", "options": []} for name in FALLBACK_FIELDS}


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=[n for n, _ in PAGES])
def test_no_form_answers_any_input_with_a_server_error(
    everyone, login, password, school, name, pattern
):
    client = login(everyone[role_for(name)])
    # Some changes ask for the password again first (a sign-in address).
    client.post(reverse("account_reauthenticate"), {"password": password})
    action, fields = the_form(client, name, pattern, school)

    @given(data=form_data(fields))
    def posting(data):
        for upload in data.values():
            if isinstance(upload, SimpleUploadedFile):
                upload.seek(0)
        response = client.post(action, data)
        assert response.status_code < 500, (action, data)

    posting()


@pytest.mark.parametrize(("name", "pattern"), PAGES, ids=[n for n, _ in PAGES])
def test_no_page_answers_any_query_with_a_server_error(everyone, login, school, name, pattern):
    client = login(everyone[role_for(name)])
    url = url_for(name, pattern, school)
    keys = [key for form in forms_on(client, url) for key in form["fields"]]

    @given(params=query(keys))
    def opening(params):
        response = client.get(url, params)
        assert response.status_code < 500, (url, params)

    opening()


ACCOUNT_FORMS = [
    ("account_login", False),
    ("account_reset_password", False),
    ("account_change_password", True),
]


@pytest.mark.parametrize(("name", "signed_in"), ACCOUNT_FORMS, ids=[n for n, _ in ACCOUNT_FORMS])
def test_the_sign_in_forms_answer_any_input_without_a_server_error(
    client, everyone, login, name, signed_in
):
    if signed_in:
        client = login(everyone["office"])
    url = reverse(name)
    fields = next(f["fields"] for f in forms_on(client, url) if f["method"] == "post")

    @given(data=form_data(fields))
    def posting(data):
        response = client.post(url, data)
        assert response.status_code < 500, data

    posting()
