"""A pupil named only inside a screenshot, in Chromium: the administrator
pastes a screenshot of a WhatsApp thread and leaves the comment box empty →
the incident is saved, the screenshot is read, the name found makes it
urgent and sends it to the head → the head sees where the name is and
downloads a redacted copy, which read again no longer shows the name."""

import base64

import pytest

from moderation.models import Escalation, Incident
from policy.catalogue import Severity
from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory
from tests.factories import PASSWORD
from tests.moderation.screenshots import screenshot_with_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = """(b64) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "image.png", { type: "image/png" }));
  const event = new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true });
  document.dispatchEvent(event);
}"""


def test_a_name_only_in_a_pasted_screenshot_reaches_the_head_and_is_redacted(
    ocr, browser, page, live_server, school, channel, authorised_admin, head, tmp_path
):
    PupilFactory(school=school, first_name="Tallulah", last_name="Brightwater")
    shot = screenshot_with_name("Tallulah Brightwater")

    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)
    page.goto(f"{live_server.url}/moderation/incidents/new/")
    page.get_by_label("Author's display name").fill("Group Member")
    page.get_by_label("Who is the author?").select_option("parent")
    page.get_by_label("Comment by an unconnected person").check()
    page.evaluate(PASTE, base64.b64encode(shot).decode())
    assert "pasted-" in page.locator("[data-dropzone-list]").inner_text()
    page.get_by_role("button", name="Record the incident").click()
    assert "Incident recorded" in page.locator(".messages").inner_text()

    incident = Incident.objects.get(author_name="Group Member")
    assert incident.content == ""
    assert incident.severity == Severity.URGENT
    assert incident.status == Incident.Status.ESCALATED
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.routed_to == head
    names = page.locator("[data-read-names]")
    assert "Screenshot 1: “Tallulah Brightwater” matches Tallulah Brightwater" in (
        names.inner_text()
    )
    assert "Transcribed from the screenshot" in page.locator("[data-transcript-offer]").inner_text()

    # The head: the escalation is first in the inbox, urgent.
    head_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    head_page.set_default_timeout(15_000)
    sign_in(head_page, live_server, head.user.email, PASSWORD)
    head_page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    first = head_page.locator("[data-escalation]").first
    assert f"Incident {incident.pk}" in first.inner_text() and "Urgent" in first.inner_text()
    head_page.goto(f"{live_server.url}/moderation/incidents/{incident.pk}/")
    assert (
        "Screenshot 1: “Tallulah Brightwater”"
        in head_page.locator("[data-read-names]").inner_text()
    )

    # A redacted copy to share: the name is covered when it is read again.
    form = head_page.locator("[data-redact-form]")
    form.locator("summary").click()
    with head_page.expect_download() as info:
        form.get_by_role("button", name="Download the redacted copy").click()
    path = tmp_path / "redacted.png"
    info.value.save_as(path)
    again = ocr.read_image(path.read_bytes()).text
    assert "Tallulah" not in again and "Brightwater" not in again
    assert "Tomato soup" in again  # the rest is still readable
    head_page.context.close()
