"""Consent in Chromium: the office records a refusal and the pupil is on the
do-not-publish list; an administrator's publication check blocks that pupil
and flags a name in the caption."""

import pytest

from consent.models import ConsentRecord, PublicationCheck
from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_records_a_refusal_and_the_pupil_is_on_the_do_not_publish_list(
    page, live_server, school, office
):
    pupil = PupilFactory(
        school=school, first_name="Gwenllïan", last_name="Rhys", class_name="3 Derw"
    )
    sign_in(page, live_server, office.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/pupils/")
    page.get_by_role("link", name="Gwenllïan Rhys").click()
    page.get_by_role("link", name="Record a consent form").click()
    page.locator("#id_purpose_social_public_2").check()  # Refused
    page.get_by_label("Signed by (full name)").fill("Mererid Rhys")
    page.get_by_role("button", name="Record the form").click()
    assert "Consent form recorded" in page.locator(".messages").inner_text()
    assert ConsentRecord.objects.get(pupil=pupil).decision == "refused"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Do not publish").click()
    item = page.locator(".dnp-class", has_text="3 Derw")
    assert "Gwenllïan Rhys" in item.inner_text()
    assert "Refused" in item.inner_text()


def test_an_admin_runs_a_check_that_blocks_one_pupil_and_flags_a_name(
    page, live_server, school, channel, authorised_admin
):
    allowed = PupilFactory(school=school, first_name="Dafydd", last_name="Rees", class_name="5 Oak")
    give_consent(
        allowed,
        "social_public",
        "granted",
        received_on=school.local_today(),
        valid_until=school.local_today(),
    )
    blocked = PupilFactory(school=school, first_name="Siân", last_name="Evans", class_name="5 Oak")
    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/check/")
    page.get_by_label("Where will the photo be posted?").select_option(str(channel.pk))
    page.locator(f"#pupil-{allowed.pk}").check()
    page.locator(f"#pupil-{blocked.pk}").check()
    page.get_by_label("Caption").fill("Da iawn Sian Evans and the team!")
    page.get_by_role("button", name="Check", exact=True).click()

    result = page.locator("main").inner_text()
    assert "Blocked: 1 pupil may not appear" in result
    assert "Siân Evans" in page.locator("section", has_text="May not appear").inner_text()
    assert "Dafydd Rees" in page.locator("section", has_text="May appear").last.inner_text()
    assert "names Siân Evans" in page.locator(".name-matches").inner_text()
    assert page.locator(".caption mark").inner_text() == "Sian Evans"
    assert PublicationCheck.objects.get().result == "blocked"
