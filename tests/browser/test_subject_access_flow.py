"""Subject access in Chromium: the head asks for a pupil's export from the
account menu, downloads the ZIP once, and the page then says it is gone."""

import zipfile

import pytest

from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_asks_for_a_pupils_export_and_downloads_it_once(
    page, live_server, school, head, office, tmp_path
):
    pupil = PupilFactory(
        school=school, first_name="Elin", last_name="Pritchard", class_name="4 Ash"
    )
    give_consent(pupil, recorded_by=office, given_by_name="Catrin Pritchard")
    sign_in(page, live_server, head.user.email, PASSWORD)
    page.locator("details.account-menu summary").click()
    page.get_by_role("link", name="Subject access").click()
    page.get_by_label("A pupil").check()
    page.locator("#id_pupil").select_option(str(pupil.pk))
    page.get_by_label("Request reference").fill("Email from Catrin Pritchard, 2 March")
    page.get_by_role("button", name="Build the export").click()
    assert "is being built" in page.locator(".messages").inner_text()
    page.reload()
    row = page.locator("tr", has_text="Elin Pritchard")
    assert "Ready to download (once)" in row.inner_text()

    with page.expect_download() as download:
        row.get_by_role("button", name="Download (once)").click()
    path = tmp_path / "export.zip"
    download.value.save_as(path)
    index = zipfile.ZipFile(path).read("index.html").decode()
    assert "Information held about Elin Pritchard" in index
    assert "Catrin Pritchard" in index

    page.reload()
    row = page.locator("tr", has_text="Elin Pritchard")
    assert "Downloaded; file removed" in row.inner_text()
    assert row.get_by_role("button", name="Download (once)").count() == 0
