"""The language switch in Chromium: a member of staff at an English-medium
school chooses Cymraeg from the account menu; the pages, dates and menu are
Welsh from then on, in the next session too."""

import pytest

from schoolsocial.models import User
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_switches_to_welsh_and_it_is_remembered(browser, page, live_server, head):
    sign_in(page, live_server, head.user.email, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Cymraeg").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "cy"
    nav = page.get_by_role("navigation", name="Prif ddewislen")
    assert nav.get_by_role("link", name="Dangosfwrdd").is_visible()
    assert User.objects.get(pk=head.user.pk).language == "cy"

    # A new session (another browser) opens in Welsh too.
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(other, live_server, head.user.email, PASSWORD)
    assert other.locator("html").get_attribute("lang") == "cy"
    assert "Helo," in other.locator("main h1").inner_text()
    other.locator(".account-menu summary").click()
    other.get_by_role("button", name="English").click()
    assert other.locator("html").get_attribute("lang") == "en-GB"
    other.context.close()
