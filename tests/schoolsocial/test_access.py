"""The URLconf walk: every page goes through the one access mechanism.

* every view declares an access rule (a view that skips it fails here);
* every named page is in an access map, and no map names a page that is gone;
* anonymous visitors are sent to sign in;
* each role gets exactly the pages DESIGN.md's URL map gives it (403 else);
* a member of another school gets 404 for any object id of this school.
"""

from __future__ import annotations

import importlib

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from schoolsocial.access import is_third_party, rule_for

ACCESS_MAPS = [
    "tests.schoolsocial.access_map",
    "tests.consent.access_map",
    "tests.moderation.access_map",
    "tests.policy.access_map",
]
# "admin" is a page administrator with no current channel authorisation;
# "authorised_admin" holds one. A map naming "admin" lets both in; a map
# naming only "authorised_admin" lets in the one whose authorisation is
# current (schoolsocial.access.current_administrator_or_roles).
ROLES = ["head", "slt", "admin", "authorised_admin", "office"]


def _allowed(role: str, expected) -> bool:
    return role in expected or (role == "authorised_admin" and "admin" in expected)


def _maps():
    expected, objects = {}, {}
    for name in ACCESS_MAPS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for key, roles in module.EXPECTED.items():
            assert key not in expected, f"{key} is in two access maps"
            expected[key] = roles
        objects.update(module.OBJECTS)
    return expected, objects


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            yield namespace, entry


def project_views():
    """(url name, pattern, view) for every page the project itself serves."""
    views = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if is_third_party(pattern.callback) or namespace.startswith("admin:"):
            continue
        name = f"{namespace}{pattern.name}" if pattern.name else None
        views.append((name, pattern, pattern.callback))
    return views


EXPECTED, OBJECTS = _maps()
VIEWS = project_views()
IDS = [name or str(pattern.pattern) for name, pattern, _ in VIEWS]


@pytest.fixture
def authorised_admin_persona(school, head):
    from tests.factories import ChannelAuthorisationFactory, ChannelFactory, StaffMemberFactory

    member = StaffMemberFactory(school=school, is_admin=True)
    ChannelAuthorisationFactory(
        member=member, channel=ChannelFactory(school=school), authorised_by=head
    )
    return member


def _url(name, pattern, school):
    kwargs = {}
    for param in pattern.pattern.converters:
        assert param in OBJECTS, f"No object maker for URL parameter {param!r} ({name})"
        kwargs[param] = OBJECTS[param](school)
    return reverse(name, kwargs=kwargs)


def test_every_project_page_is_named_and_in_an_access_map():
    names = {name for name, _, _ in VIEWS}
    assert None not in names, "every page needs a URL name so the walk can check it"
    assert names == set(EXPECTED), (
        f"missing from the maps: {sorted(names - set(EXPECTED))}; "
        f"in the maps but not served: {sorted(set(EXPECTED) - names)}"
    )


@pytest.mark.parametrize(("name", "pattern", "view"), VIEWS, ids=IDS)
def test_every_view_declares_an_access_rule(name, pattern, view):
    assert rule_for(view) is not None, f"{name} skips schoolsocial.access"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern", "view"), VIEWS, ids=IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, school, name, pattern, view):
    response = client.get(_url(name, pattern, school))
    if EXPECTED[name] == "public":
        assert response.status_code != 403
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern", "view"), VIEWS, ids=IDS)
def test_each_role_gets_exactly_what_the_url_map_allows(
    personas, authorised_admin_persona, login, name, pattern, view
):
    expected = EXPECTED[name]
    personas = {**personas, "authorised_admin": authorised_admin_persona}
    for role in ROLES:
        member = personas[role]
        response = login(member).get(_url(name, pattern, member.school))
        if expected in ("public", "signed_in") or _allowed(role, expected):
            assert response.status_code not in (403, 404), (
                f"{role} should open {name} but got {response.status_code}"
            )
            if response.status_code == 302:
                assert not response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403, (
                f"{role} should be refused {name} but got {response.status_code}"
            )


# Views that take an object id (an int); a slug such as a category code names
# no school's object.
OBJECT_VIEWS = [
    v
    for v in VIEWS
    if any(isinstance(c, IntConverter) for c in v[1].pattern.converters.values())
    and EXPECTED.get(v[0]) != "public"
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "pattern", "view"), OBJECT_VIEWS, ids=[v[0] for v in OBJECT_VIEWS]
)
def test_another_schools_object_ids_are_not_found(personas, login, school, name, pattern, view):
    """The outsider holds every role at their own school; this school's ids
    are still a 404 for them, by GET and by POST."""
    url = _url(name, pattern, school)
    client = login(personas["outsider"])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {}).status_code == 404


@pytest.mark.django_db
def test_a_view_without_a_rule_is_refused(rf, head):
    from django.contrib.sessions.backends.db import SessionStore

    from schoolsocial.access import AccessMiddleware

    def forgotten_view(request):  # declares no rule
        raise AssertionError("must not run")

    request = rf.get("/somewhere/")
    request.user = head.user
    request.session = SessionStore()
    middleware = AccessMiddleware(lambda r: None)
    response = middleware.process_view(request, forgotten_view, (), {})
    assert response.status_code == 403
