"""Escalation in Chromium: an administrator records a comment that names a
pupil → the head signs in, finds it at the top of the inbox with a
notification, acknowledges and decides "delete and ban" → the incident shows
the decision, and the administrator sees it on the incident page."""

import pytest

from moderation import services
from moderation.models import Escalation, Incident
from schoolsocial.models import Notification
from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory
from tests.factories import PASSWORD
from tests.moderation.factories import IncidentFactory
from tests.moderation.images import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_named_pupil_goes_to_the_head_who_decides_delete_and_ban(
    browser, page, live_server, school, channel, authorised_admin, head, slt, tmp_path
):
    PupilFactory(school=school, first_name="Tallulah", last_name="Brightwater")
    # Something older and less urgent already waiting.
    older = IncidentFactory(school=school, channel=channel, severity=3)
    services.incident_escalate(incident=older, raised_by=head, reason="Older, high")

    # The administrator records the comment.
    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)
    screenshot = tmp_path / "comment.png"
    screenshot.write_bytes(png_bytes(text="Comment about a pupil"))
    page.goto(f"{live_server.url}/moderation/incidents/new/")
    page.get_by_label("Author's display name").fill("Nosy Neighbour")
    page.get_by_label("Who is the author?").select_option("public")
    page.get_by_label("The comment, as written").fill(
        "Tallulah Brightwater was crying at the gate again, what is going on in there"
    )
    page.get_by_label("Comment by an unconnected person").check()
    page.get_by_label("Screenshots").set_input_files(str(screenshot))
    page.get_by_role("button", name="Record the incident").click()
    assert "Incident recorded" in page.locator(".messages").inner_text()
    incident = Incident.objects.get(author_name="Nosy Neighbour")
    assert incident.status == Incident.Status.ESCALATED
    assert page.locator("[data-escalation-status]").is_visible()
    # The head and each senior leader are notified once, with no details in the title
    # (the email holds only the title and the link: tests/moderation/test_escalation.py).
    escalation = Escalation.objects.get(incident=incident)
    notified = Notification.objects.filter(key__startswith=f"escalation:{escalation.pk}:")
    recipients = [n.recipient_id for n in notified]
    assert {head.pk, slt.pk} <= set(recipients) and len(recipients) == len(set(recipients))
    for notification in notified:
        assert "Tallulah" not in notification.title and "crying" not in notification.title

    # The head signs in elsewhere: a notification, and the incident first in the inbox.
    head_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    head_page.set_default_timeout(15_000)
    sign_in(head_page, live_server, head.user.email, PASSWORD)
    assert int(head_page.locator(".bell__count").inner_text()) >= 1
    head_page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    first = head_page.locator("[data-escalation]").first
    assert f"Incident {incident.pk}" in first.inner_text()
    assert "Urgent" in first.inner_text() and "Not yet" in first.inner_text()

    first.get_by_role("button", name="Acknowledge").click()
    assert "Acknowledged" in head_page.locator(".messages").inner_text()
    first = head_page.locator("[data-escalation]").first
    assert head.user.display_name in first.locator("[data-acknowledged]").inner_text()

    first.get_by_role("link", name="Decide").click()
    assert head_page.locator("[data-suggestions]").is_visible()
    head_page.get_by_role("radio", name="Delete and ban").check()
    head_page.get_by_label("Note for the timeline").fill("Delete it and ban the account.")
    head_page.get_by_role("button", name="Record the decision").click()
    assert "Decision recorded: Delete and ban" in head_page.locator(".messages").inner_text()
    assert head_page.locator("[data-decision=delete_and_ban]").is_visible()
    assert head_page.locator(".timeline [data-kind=decision]").is_visible()
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.decision == "delete_and_ban" and escalation.decided_by == head
    head_page.context.close()

    # The administrator sees the decision on the incident page.
    page.goto(f"{live_server.url}/moderation/incidents/{incident.pk}/")
    decision = page.locator("[data-decision=delete_and_ban]")
    assert "Delete and ban" in decision.inner_text()
    assert "Delete it and ban the account." in decision.inner_text()
    assert page.locator("[data-status]").inner_text() == "Open"
