"""The MIS import in Chromium: the office uploads an export whose columns
are not recognised, says which column is which, checks the preview (with a
name cleaned of a hidden character) and imports."""

import datetime

import pytest

from consent.models import ImportColumns, Pupil
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = (
    "Pupil ref,Given,Family,Born,Cohort,Tutor\r\n"
    "Q1,Zo\u200bë,Brontë,14/02/2018,Year 3,3 Derw\r\n"
    "Q2,Rhys,Bowen,2019-12-01,Y2,2 Onnen\r\n"
).encode()


def test_office_chooses_the_columns_previews_and_imports(
    page, live_server, school, office, tmp_path
):
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT)
    sign_in(page, live_server, office.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/pupils/import/")
    page.set_input_files("input[type=file]", str(export))
    page.get_by_role("button", name="Preview the import").click()
    assert "Which column is which in export.csv?" in page.content()

    form = page.locator("form", has=page.locator("select"))
    for field, column in {
        "mis_id": "Pupil ref",
        "first_name": "Given",
        "last_name": "Family",
        "date_of_birth": "Born",
        "year_group": "Cohort",
        "class_name": "Tutor",
    }.items():
        option = form.locator(f"select[name={field}] option", has_text=column).first
        form.locator(f"select[name={field}]").select_option(option.get_attribute("value"))
    form.get_by_role("button", name="Preview the import").click()

    preview = page.locator("main").inner_text()
    assert "2 to add, 0 to update, 0 unchanged, 0 with errors" in preview
    assert "Zo[U+200B]ë" in page.locator("table[data-cleaned]").inner_text()
    page.get_by_role("button", name="Import 2 rows").click()
    assert "Import complete: 2 added" in page.locator(".messages").inner_text()

    zoe = Pupil.objects.get(mis_id="Q1")
    assert (zoe.first_name, zoe.date_of_birth) == ("Zoë", datetime.date(2018, 2, 14))
    assert ImportColumns.objects.get(school=school).columns["class_name"] == "Tutor"
