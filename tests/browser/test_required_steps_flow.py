"""The school's policy in Chromium: a comment naming a pupil cannot be
resolved or closed until the comment is recorded as deleted, whatever the
head decides (Threemilestone 6.2: "immediately deleted")."""

import pytest

from moderation.models import Incident
from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory
from tests.factories import PASSWORD
from tests.moderation.images import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_named_pupil_incident_cannot_close_until_the_comment_is_recorded_deleted(
    browser, page, live_server, school, channel, authorised_admin, head, tmp_path
):
    PupilFactory(school=school, first_name="Gwenllian", last_name="Hughes")
    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)
    screenshot = tmp_path / "comment.png"
    screenshot.write_bytes(png_bytes(text="Comment naming a pupil"))
    page.goto(f"{live_server.url}/moderation/incidents/new/")
    page.get_by_label("Author's display name").fill("A Parent")
    page.get_by_label("The comment, as written").fill("Gwenllian Hughes fell over at pickup")
    page.locator("input[name=categories][value=other]").check()
    page.get_by_label("Screenshots").set_input_files(str(screenshot))
    page.get_by_role("button", name="Record the incident").click()
    incident = Incident.objects.get()
    steps = page.locator("[data-required-steps]")
    assert "Comment deleted or hidden" in steps.inner_text()
    assert page.locator("[data-step=comment_removed][data-step-state=outstanding]").is_visible()

    # The head decides "No further action": the incident stays open.
    head_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    head_page.set_default_timeout(15_000)
    sign_in(head_page, live_server, head.user.email, PASSWORD)
    head_page.goto(f"{live_server.url}/moderation/incidents/{incident.pk}/")
    head_page.get_by_role("link", name="Decide").click()
    assert "Required before it closes: Comment deleted or hidden" in head_page.content()
    head_page.locator("input[name=decision][value=nfa]").check()
    head_page.get_by_role("button", name="Record the decision").click()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    head_page.context.close()

    # The administrator tries to resolve: refused, with what is still required.
    page.reload()
    page.get_by_label("Outcome").fill("The head decided no further action.")
    page.get_by_role("button", name="Resolve").click()
    assert "cannot be resolved yet" in page.content()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN

    # Recording the deletion clears the step; then it resolves and closes.
    page.get_by_label("What was done").select_option("comment_deleted")
    page.get_by_role("button", name="Add to the timeline").click()
    assert page.locator("[data-step=comment_removed][data-step-state=done]").is_visible()
    page.get_by_label("Outcome").fill("Comment deleted; the head decided nothing more.")
    page.get_by_role("button", name="Resolve").click()
    page.get_by_role("button", name="Close (read-only from then on)").click()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
