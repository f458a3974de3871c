import pytest
from django.core import mail

from schoolsocial.models import StaffMember
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, ChannelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_signs_in_and_sees_the_dashboard(page, live_server, head, channel):
    sign_in(page, live_server, head.user.email, PASSWORD)

    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    assert "Example Primary" in page.locator(".brand__school").inner_text()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Roster").is_visible()
    assert nav.get_by_role("link", name="Audit trail").is_visible()
    # The channel nobody administers is flagged for the head.
    assert "Official Example Primary" in page.locator("main").inner_text()


def test_a_leader_invites_staff_who_sets_a_password_and_signs_in(page, live_server, head, settings):
    settings.SITE_URL = live_server.url
    ChannelFactory(school=head.school)
    sign_in(page, live_server, head.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster").click()
    page.get_by_role("link", name="Invite a member of staff").click()
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Roberts")
    page.get_by_label("Email").fill("nia@example.org")
    page.get_by_label("Office").check()
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to nia@example.org" in page.locator(".messages").inner_text()

    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitation/" in line)
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto(link.strip())
    page.get_by_label("Choose a password").fill("a-long-new-passphrase")
    page.get_by_label("Type it again").fill("a-long-new-passphrase")
    page.get_by_role("button", name="Set password and sign in").click()
    assert "Welcome to Example Primary" in page.locator(".messages").inner_text()
    assert StaffMember.objects.get(user__email="nia@example.org").is_office
