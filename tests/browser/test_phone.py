"""At a phone's width (390 px): the menu sits behind one button, the header
is one line, no page scrolls sideways (tables become stacked cards), and the
head's dashboard puts urgent escalations first with Acknowledge one tap away.
Screenshots of the queue, an incident, the inbox and a decision are kept in
var/screenshots/phone/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from moderation.models import Escalation
from schoolsocial.models import User
from tests.factories import PASSWORD, ChannelAuthorisationFactory
from tests.moderation.factories import IncidentFactory, make_evidence
from tests.moderation.images import png_bytes
from tests.schoolsocial.test_access import EXPECTED, OBJECTS, VIEWS, _allowed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "phone"
# Pages that are not HTML pages a person reads on a phone.
NOT_PAGES = {"healthz", "invitation_accept"}
ROLE_ORDER = ["head", "authorised_admin", "office", "slt", "admin"]


def _phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def _sign_in(page, live_server, member):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", member.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


def _sideways(page) -> int:
    """How many pixels the page is wider than the screen (0: it does not scroll sideways)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


def _widest(page) -> list[str]:
    """The innermost elements reaching past the screen's right edge (for the message)."""
    return page.evaluate(
        """() => {
          const edge = document.documentElement.clientWidth + 1;
          const past = e => e.getBoundingClientRect().right > edge;
          return Array.from(document.querySelectorAll('main *, header *'))
            .filter(e => past(e) && !Array.from(e.children).some(past))
            .slice(0, 4)
            .map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 40));
        }"""
    )


def _urgent_incident(school, head, channel):
    incident = IncidentFactory(
        school=school,
        channel=channel,
        severity=4,
        author_name="A very long display name of somebody who comments a great deal",
        content="A long comment " * 40 + "https://example.org/" + "a" * 120,
    )
    make_evidence(incident, png_bytes(text="A screenshot of the comment", size=(1400, 900)))
    Escalation.objects.create(incident=incident, urgency=4, automatic=True)
    return incident


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_page_fits_a_phone_screen(
    browser, live_server, school, personas, head, channel, language
):
    """In English and in Welsh (whose words run longer)."""
    User.objects.filter(memberships__school=school).update(language=language)
    member_for = {**personas}
    member_for["authorised_admin"] = personas["admin"]
    ChannelAuthorisationFactory(member=personas["admin"], channel=channel, authorised_by=head)
    _urgent_incident(school, head, channel)

    pages = {}
    for role in ROLE_ORDER:
        pages[role] = _phone_page(browser)
        _sign_in(pages[role], live_server, member_for[role])

    too_wide, walked = {}, 0
    for name, pattern, _view in VIEWS:
        expected = EXPECTED[name]
        if name in NOT_PAGES or name.startswith("account_") or expected == "public":
            continue
        role = next(
            (r for r in ROLE_ORDER if expected == "signed_in" or _allowed(r, expected)), None
        )
        if role is None:
            continue
        kwargs = {p: OBJECTS[p](school) for p in pattern.pattern.converters}
        page = pages[role]
        url = f"{live_server.url}{reverse(name, kwargs=kwargs)}"
        # Asked first without the page (same cookies): POST-only addresses,
        # downloads and images are not pages to lay out.
        probe = page.request.get(url, max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue
        page.goto(url)
        if language == "cy":
            assert page.locator("html").get_attribute("lang") == "cy", name
        walked += 1
        overflow = _sideways(page)
        if overflow > 0:
            too_wide[f"{name} ({role})"] = (overflow, _widest(page))
    for page in pages.values():
        page.context.close()
    assert walked > 30
    assert too_wide == {}, f"pages wider than a 390 px phone (by px): {too_wide}"


def test_the_heads_phone_shows_urgent_escalations_first_and_a_one_line_header(
    browser, live_server, school, head, channel, admin
):
    ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
    incident = _urgent_incident(school, head, channel)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _phone_page(browser)
    _sign_in(page, live_server, head)
    page.goto(f"{live_server.url}/")

    # One line of header; the menu is behind one button.
    header = page.locator(".site-header__inner").bounding_box()
    assert header["height"] <= 64
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert not nav.is_visible()

    # Urgent escalations come before anything else in the page's content.
    first = page.locator("main h2").first
    assert first.inner_text() == "Urgent escalations nobody has acknowledged"
    urgent = page.locator(f"[data-urgent-escalation='{incident.escalations.get().pk}']")
    acknowledge = urgent.get_by_role("button", name="Acknowledge")
    box = acknowledge.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "Acknowledge is on the first screen"
    assert box["height"] >= 44, "a thumb-sized target"
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    acknowledge.click()
    assert "Acknowledged: incident" in page.locator(".messages").inner_text()
    assert incident.escalations.get().acknowledged_at is not None
    assert page.locator("[data-urgent-unacknowledged]").count() == 0

    for name, path in {
        "queue": "/moderation/?status=",
        "incident": f"/moderation/incidents/{incident.pk}/",
        "inbox": "/moderation/escalations/",
        "decision": f"/moderation/escalations/{incident.escalations.get().pk}/decide/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        assert _sideways(page) == 0, f"the {name} page scrolls sideways"
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
    # The queue's table reads as cards: each cell carries its column's name.
    page.goto(f"{live_server.url}/moderation/?status=")
    cell = page.locator("table.stacked tbody td[data-label]").first
    assert cell.get_attribute("data-label")
    page.context.close()
