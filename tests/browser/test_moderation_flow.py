"""An administrator's day in Chromium: record today's check, record an
offending comment with its screenshot, find it at the top of the queue, and
mark the comment deleted."""

import pytest

from moderation.models import Evidence, Incident, ModerationCheck
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.moderation.factories import IncidentFactory
from tests.moderation.images import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_checks_records_an_incident_and_deletes_the_comment(
    page, live_server, school, channel, authorised_admin, tmp_path
):
    IncidentFactory(school=school, channel=channel, severity=2, categories=["spam"])
    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)

    # Today's check.
    page.goto(f"{live_server.url}/moderation/checks/")
    page.get_by_label("Nothing to report").check()
    page.get_by_label("Note").fill("Checked at lunchtime")
    page.get_by_role("button", name="Record today's check").click()
    assert (
        "Today's check of Official Example Primary is recorded"
        in page.locator(".messages").inner_text()
    )
    assert ModerationCheck.objects.count() == 1

    # An offending comment, with its screenshot.
    screenshot = tmp_path / "comment.png"
    screenshot.write_bytes(png_bytes(text="You are all idiots"))
    page.goto(f"{live_server.url}/moderation/incidents/new/")
    page.get_by_label("Author's display name").fill("Angry Parent")
    page.get_by_label("Who is the author?").select_option("parent")
    page.get_by_label("The comment, as written").fill("You lot are all idiots.")
    page.get_by_label("Offensive or inappropriate comment").check()
    page.get_by_label("Screenshots").set_input_files(str(screenshot))
    page.get_by_role("button", name="Record the incident").click()
    assert "Incident recorded" in page.locator(".messages").inner_text()
    incident = Incident.objects.get(author_name="Angry Parent")
    assert Evidence.objects.filter(incident=incident).count() == 1
    assert page.locator("[data-sha256]").inner_text() == incident.evidence.get().sha256

    # It is at the top of the queue (high before the older medium one).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    first_row = page.locator("table.queue tbody tr").first
    assert "Angry Parent" in first_row.inner_text()
    first_row.get_by_role("link").click()

    # Mark the comment deleted.
    page.get_by_label("What was done").select_option("comment_deleted")
    page.get_by_role("button", name="Add to the timeline").click()
    assert "Recorded: Comment deleted" in page.locator(".messages").inner_text()
    assert page.locator(".timeline [data-kind=comment_deleted]").is_visible()
    assert incident.actions.filter(kind="comment_deleted").count() == 1
