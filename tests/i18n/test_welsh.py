"""Welsh: the catalogue is complete and current, each person's language is
their own choice else their school's, and every page in the URL map, opened
in Welsh by each role, shows no English string the catalogue has left
untranslated."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from policy.profile_strings import LABELS
from schoolsocial.models import AuditEvent, User
from tests.i18n.english import english_pieces
from tests.i18n.po import CATALOGUE, read
from tests.i18n.test_welsh_pages import stored_text
from tests.schoolsocial.test_access import EXPECTED, OBJECTS, VIEWS, _allowed

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def _needs_gettext():
    if shutil.which("xgettext") is None and not os.environ.get("CI"):
        pytest.skip("GNU gettext is not installed (apt-get install gettext)")


# --- the catalogue ----------------------------------------------------------


def test_the_welsh_catalogue_is_complete_and_keeps_every_placeholder():
    entries = read()
    assert len(entries) > 100
    untranslated = [e.msgid for e in entries if not e.translated]
    assert untranslated == []
    for entry in entries:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_makemessages_leaves_nothing_new(tmp_path):
    """Every marked string is in the catalogue and nothing there is stale."""
    _needs_gettext()
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "var",
            "staticfiles",
            "tests",
            "docs",
            "scripts",
            "build",
            "__pycache__",
            "*.mo",
            ".ruff_cache",
            ".pytest_cache",
            "test-results",
            "*.egg-info",
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "cy", "--no-location", "-v0"],
        cwd=copy,
        env={**os.environ, "DJANGO_ENV": "test"},
        check=True,
    )
    remade = copy / CATALOGUE.relative_to(ROOT)
    new = [e.msgid for e in read(remade) if not e.translated]
    assert new == [], "run `make messages` and translate these in locale/cy"
    assert "#~" not in remade.read_text(), "the catalogue has strings no longer used"


def test_the_policy_labels_are_all_in_the_catalogue():
    labels = set()
    for path in (ROOT / "policy" / "profiles").glob("*.toml"):
        for rule in tomllib.loads(path.read_text()).get("categories", {}).values():
            if "label" in rule:
                labels.add(rule["label"])
    assert labels == set(LABELS), "run scripts/profile_strings.py"
    translated = {e.msgid for e in read() if e.translated}
    assert labels <= translated


def test_the_glossary_names_every_role_and_category_as_the_catalogue_does():
    glossary = (ROOT / "docs" / "glossary-cy.md").read_text()
    welsh = {e.msgid: e.msgstr[0] for e in read()}
    for english in ["Headteacher", "Page administrator", "Office", *LABELS]:
        if "18" in english:
            continue  # one school's wording of the follower category
        assert f"| {english} | {welsh[english]}" in glossary, english
    assert "| Senior leadership team (SLT) | Uwch Dîm Arwain (UDA) |" in glossary
    assert welsh["Senior leadership"] == "Uwch Dîm Arwain"


# --- choosing the language --------------------------------------------------


def test_the_school_language_is_the_default_and_each_person_may_choose(school, head, office, login):
    school.language = "cy"
    school.save()
    page = login(office).get(reverse("dashboard")).content.decode()
    assert '<html lang="cy">' in page and "Dangosfwrdd" in page

    client = login(head)
    response = client.post(reverse("language_set"), {"language": "en", "next": "/roster/"})
    assert response["Location"] == "/roster/"
    head.user.refresh_from_db()
    assert head.user.language == "en"
    page = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en-GB">' in page and ">Dashboard<" in page
    # Recorded in the school's language (Welsh), whoever acted.
    event = AuditEvent.objects.get(action="account.language")
    assert event.summary == "Iaith: iaith yr ysgol → English."

    refused = client.post(reverse("language_set"), {"language": "fr"}, follow=True)
    assert "Choose English or Cymraeg." in refused.content.decode()
    head.user.refresh_from_db()
    assert head.user.language == "en"


@time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_dates_are_in_the_chosen_language(school, head, login):
    User.objects.filter(pk=head.user.pk).update(language="cy")
    page = login(head).get(reverse("dashboard")).content.decode()
    assert "23 Tachwedd 2026" in page and "November" not in page


def test_emails_go_out_in_the_recipients_language(school, head, slt):
    from schoolsocial.models import Notification
    from schoolsocial.notifications import notification_email

    User.objects.filter(pk=slt.user.pk).update(language="cy")
    for member in (head, slt):
        Notification.objects.create(
            school=school, recipient=member, kind="test", key=f"k{member.pk}", title="T"
        )
    welsh = notification_email(Notification.objects.get(recipient=slt))[2]
    english = notification_email(Notification.objects.get(recipient=head))[2]
    assert "Mewngofnodwch i weld y manylion:" in welsh and "Sign in" not in welsh
    assert "Sign in to see the details:" in english


def test_an_invitation_is_written_in_the_schools_language(
    school, head, django_capture_on_commit_callbacks
):
    from django.core import mail

    from schoolsocial import services

    school.language = "cy"
    school.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_invite(
            school=school,
            invited_by=head,
            email="nia@example.org",
            first_name="Nia",
            last_name="Roberts",
            roles=["office"],
        )
    message = mail.outbox[-1]
    assert message.subject == f"Gwahoddiad i ymuno â {school.name} ar schoolsocial"
    assert "Agorwch y ddolen hon" in message.body and "Open this link" not in message.body


# --- every page, in Welsh, as each role ---------------------------------------


class _Text(HTMLParser):
    """The text a person sees: text nodes outside script and style."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def _fragments(entries) -> set[str]:
    """The fixed words of each untranslated entry, long enough to be sure."""
    found = set()
    for entry in entries:
        for text in (entry.msgid, entry.msgid_plural):
            for piece in re.split(r"%\(\w+\)[sd]|<[^>]+>", text):
                piece = re.sub(r"\s+", " ", piece).strip(" .,:;")
                if len(piece) >= 6 and " " in piece:
                    found.add(piece)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["head", "slt", "authorised_admin", "office"])
def test_every_page_in_the_url_map_in_welsh_shows_no_english(
    role, personas, authorised_admin_persona, login
):
    personas = {**personas, "authorised_admin": authorised_admin_persona}
    member = personas[role]
    User.objects.filter(pk=member.user.pk).update(language="cy")
    untranslated = _fragments([e for e in read() if not e.translated])
    stored = stored_text()
    client = login(member)
    walked, english = 0, {}
    for name, pattern, _view in VIEWS:
        expected = EXPECTED[name]
        if expected == "public" or not (expected == "signed_in" or _allowed(role, expected)):
            continue
        kwargs = {p: OBJECTS[p](member.school) for p in pattern.pattern.converters}
        response = client.get(reverse(name, kwargs=kwargs))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        walked += 1
        assert '<html lang="cy">' in html, f"{name} is not marked Welsh"
        text = visible_text(html)
        found = sorted(f for f in untranslated if f in text)
        if english_pieces(html, stored):  # the objects for this page are new
            stored = stored_text()
        found += english_pieces(html, stored)
        if found:
            english[name] = found
    assert walked >= 10
    assert english == {}, f"English on a page in Welsh: {english}"


@pytest.fixture
def authorised_admin_persona(school, head, admin, channel):
    from tests.factories import ChannelAuthorisationFactory

    ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
    return admin


def test_the_help_guides_are_in_welsh_for_someone_working_in_welsh(school, office, login):
    from schoolsocial.guides import GUIDES, ROLE_ORDER

    assert {p.stem for p in (GUIDES / "cy").glob("*.md")} >= set(ROLE_ORDER)
    User.objects.filter(pk=office.user.pk).update(language="cy")
    page = login(office).get(reverse("help")).content.decode()
    mine = page.split("guide-others", 1)[0]
    assert "Canllaw&#x27;r swyddfa" in mine or "Canllaw'r swyddfa" in mine
    assert "<strong>Mewnforio o&#x27;r MIS</strong>" in mine


# --- text written for someone else ------------------------------------------


def test_a_notification_is_stored_in_each_recipients_language(school, head, slt):
    from django.utils import translation

    from schoolsocial.language import later
    from schoolsocial.models import Notification
    from schoolsocial.notifications import notify

    slt.user.language = "cy"
    slt.user.save()
    with translation.override("en-gb"):  # whoever caused it works in English
        notify(
            recipients=[head, slt], kind="test", key="k", title=later("Hello %(name)s,", name="Nia")
        )
    titles = dict(Notification.objects.values_list("recipient_id", "title"))
    assert titles == {head.pk: "Hello Nia,", slt.pk: "Helo Nia,"}


def test_an_audit_summary_is_written_in_the_schools_language_whoever_acts(school, head):
    from django.utils import translation

    from schoolsocial.audit import audit_record
    from schoolsocial.language import later

    school.language = "cy"
    school.save()
    head.user.language = "en"
    head.user.save()
    with translation.override("en-gb"):
        event = audit_record(school=school, actor=head.user, action="t", summary=later("Signed in"))
        plain = audit_record(school=school, actor=head.user, action="t", summary="As typed.")
    assert event.summary == "Mewngofnododd"
    assert plain.summary == "As typed."


# --- before signing in ----------------------------------------------------------


def test_the_sign_in_page_follows_the_browser_then_the_switch_on_it(client, db):
    from django.conf import settings

    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="cy,en;q=0.5")
    assert '<html lang="cy">' in page.content.decode()
    assert "<h1>Mewngofnodi</h1>" in page.content.decode()

    english = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert "<h1>Sign in</h1>" in english.content.decode()

    # Someone at a shared office computer in English picks Cymraeg on the page.
    switched = client.post(
        reverse("language_choose"), {"language": "cy", "next": "/accounts/password/reset/"}
    )
    assert switched["Location"] == "/accounts/password/reset/"
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
    page = client.get(reverse("account_reset_password"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert '<html lang="cy">' in page.content.decode()

    refused = client.post(reverse("language_choose"), {"language": "fr"}, follow=True)
    assert "Dewiswch English neu Cymraeg." in refused.content.decode()
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"


def test_choosing_a_language_signed_in_keeps_it_for_the_sign_in_page(school, office, login):
    from django.conf import settings

    client = login(office)
    response = client.post(reverse("language_set"), {"language": "cy"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "cy"
    client.post(reverse("account_logout"))
    page = client.get(reverse("account_login")).content.decode()
    assert "<h1>Mewngofnodi</h1>" in page
