"""MIS import (preview, all-or-nothing, idempotent) and private-group applications."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent import services
from consent.importer import build_preview
from consent.models import GroupApplication, Pupil
from tests.consent.factories import GroupApplicationFactory, PupilFactory

pytestmark = pytest.mark.django_db

SIMS = (
    "UPN,Legal Surname,Legal Forename,Preferred Forename,NC Year,Reg Group\n"
    "A123456789012,Jones,Siân,,Year 3,3 Derw\n"
    "A123456789013,Williams,Rhodri,Rhod,R,Derbyn\n"
)


def test_preview_reports_create_update_unchanged_and_error_per_row(school):
    PupilFactory(
        school=school,
        mis_id="B1",
        first_name="Elis",
        last_name="Roberts",
        year_group="4",
        class_name="4 Onnen",
    )
    PupilFactory(
        school=school,
        mis_id="B2",
        first_name="Dafydd",
        last_name="Rees",
        year_group="5",
        class_name="5 Ash",
    )
    data = (
        b"Admission Number,Forename,Surname,Year Group,Class\n"
        b"B1,Elis,Roberts,4,4 Onnen\n"
        b"B2,Dafydd,Rees,6,6 Oak\n"
        b"B3,Gwen,Evans,2,2 Bedw\n"
        b"B4,,Price,Year 9,\n"
    )
    preview = build_preview(school=school, data=data)
    assert [r.action for r in preview.rows] == ["unchanged", "update", "create", "error"]
    assert "Year group: “5” → “6”" in preview.rows[1].changes
    errors = " ".join(preview.rows[3].errors)
    assert "first name is missing" in errors and "not a primary year group" in errors


def test_import_with_a_bad_row_imports_nothing(school, office):
    data = (SIMS + "A123456789014,Hughes,,Year 2,2 Bedw\n").encode()
    with pytest.raises(services.ServiceError, match="Nothing was imported"):
        services.pupil_import(school=school, data=data, imported_by=office)
    assert not Pupil.objects.exists()


def test_import_then_reimport_changes_nothing(school, office):
    services.pupil_import(school=school, data=SIMS.encode(), imported_by=office)
    before = list(
        Pupil.objects.values_list(
            "pk", "first_name", "preferred_name", "year_group", "class_name", "updated_at"
        )
    )
    assert len(before) == 2
    preview = services.pupil_import(school=school, data=SIMS.encode(), imported_by=office)
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    after = list(
        Pupil.objects.values_list(
            "pk", "first_name", "preferred_name", "year_group", "class_name", "updated_at"
        )
    )
    assert after == before
    rhod = Pupil.objects.get(mis_id="A123456789013")
    assert (rhod.preferred_name, rhod.year_group) == ("Rhod", "R")


def test_pupils_missing_from_the_file_are_offered_as_leavers_never_deleted(school, office):
    gone = PupilFactory(school=school, mis_id="Z9", first_name="Ifan")
    preview = services.pupil_import(school=school, data=SIMS.encode(), imported_by=office)
    assert preview.omitted == [gone]
    gone.refresh_from_db()
    assert gone.left_on is None  # not asked: nothing done
    services.pupil_import(
        school=school, data=SIMS.encode(), imported_by=office, mark_omitted_left=True
    )
    gone.refresh_from_db()
    assert gone.left_on == datetime.date(2025, 11, 3)
    assert Pupil.objects.filter(pk=gone.pk).exists()


def test_import_pages_preview_then_confirm(login, office):
    client = login(office)
    upload = SimpleUploadedFile("sims.csv", SIMS.encode("utf-8-sig"), "text/csv")
    page = client.post(reverse("consent:pupil_import"), {"file": upload}).content.decode()
    assert "Nothing has changed yet" in page
    assert not Pupil.objects.exists()
    token = page.split('name="token" value="')[1].split('"')[0]
    key = page.split('name="submission_key" value="')[1].split('"')[0]
    response = client.post(reverse("consent:pupil_import"), {"token": token, "submission_key": key})
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Import complete: 2 added, 0 updated, 0 unchanged."]
    assert Pupil.objects.count() == 2


def test_a_file_without_the_needed_columns_is_explained(login, office):
    upload = SimpleUploadedFile("x.csv", b"Name,Age\nTom,7\n", "text/csv")
    page = login(office).post(reverse("consent:pupil_import"), {"file": upload}).content.decode()
    assert "no column for: first name, last name, year group, class, UPN or date of birth" in page
    assert "Which column is which in x.csv?" in page


def test_group_applications_pending_oldest_first_and_decided_with_a_reason(
    login, school, office, slt
):
    first = GroupApplicationFactory(school=school, applicant_name="First Applicant")
    GroupApplicationFactory(school=school, applicant_name="Second Applicant")
    page = login(office).get(reverse("consent:group_applications")).content.decode()
    assert page.index("First Applicant") < page.index("Second Applicant")
    with pytest.raises(services.ServiceError):
        services.group_application_decide(
            application=first, approve=True, reason="ok", decided_by=office
        )
    with pytest.raises(services.ServiceError, match="reason"):
        services.group_application_decide(
            application=first, approve=True, reason="", decided_by=slt
        )
    login(slt).post(
        reverse("consent:group_application", args=[first.pk]),
        {"decide-decision": "approve", "decide-reason": "Parent of a current pupil"},
    )
    first.refresh_from_db()
    assert first.status == "approved" and first.decided_by == slt
    services.group_application_remove(
        application=first, reason="Broke the code of conduct", removed_by=slt
    )
    first.refresh_from_db()
    assert first.status == GroupApplication.Status.REMOVED
    assert first.removal_reason == "Broke the code of conduct"


def test_office_records_a_group_application(login, school, office):
    pupil = PupilFactory(school=school)
    login(office).post(
        reverse("consent:group_application_add"),
        {
            "applicant_name": "Carys Jones",
            "profile_name": "Carys J",
            "relationship": "parent",
            "pupils": [pupil.pk],
            "code_of_conduct_signed_on": "2025-10-01",
        },
    )
    application = GroupApplication.objects.get()
    assert application.status == "pending"
    assert list(application.pupils.all()) == [pupil]
