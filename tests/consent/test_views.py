"""The consent pages as staff use them."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from PIL import Image

from consent.models import ConsentRecord, Pupil, Purpose
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory, give_consent

pytestmark = pytest.mark.django_db


def png_bytes(size=(40, 40), exif=False):
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 50, 50))
    if exif:
        data = image.getexif()
        data[0x010E] = "secret GPS description"
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, first_name="Siân", last_name="Evans", class_name="4 Derw")


def consent_post(**overrides):
    data = {
        "given_by_name": "Gareth Evans",
        "relationship": "parent",
        "received_on": "2025-10-01",
        "method": "paper",
        "valid_until": "2026-08-31",
        **{f"purpose_{p}": "" for p in Purpose.values},
    }
    data.update(overrides)
    return data


def test_register_shows_a_badge_per_purpose(login, office, pupil):
    give_consent(pupil, "website", "granted")
    give_consent(pupil, "social_public", "refused")
    page = login(office).get(reverse("consent:pupils")).content.decode()
    assert "Siân Evans" in page
    assert page.count("badge--ok") == 1
    assert "Refused" in page
    assert page.count("No form") == 4


def test_register_search_and_class_filter(login, office, school, pupil):
    PupilFactory(school=school, first_name="Rhodri", last_name="Jones", class_name="2 Onnen")
    client = login(office)
    page = client.get(reverse("consent:pupils"), {"q": "rhod"}).content.decode()
    assert "Rhodri" in page and "Siân" not in page
    page = client.get(reverse("consent:pupils"), {"class_name": "4 Derw"}).content.decode()
    assert "Siân" in page and "Rhodri" not in page


def test_register_needs_a_fixed_number_of_queries(
    login, office, school, django_assert_max_num_queries
):
    for n in range(65):
        p = PupilFactory(school=school, class_name=f"{n % 6 + 1} Class")
        give_consent(p, "social_public", "granted" if n % 2 else "refused")
        give_consent(p, "website", "granted")
    client = login(office)
    # One more than before pagination: the count of all matching pupils.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("consent:pupils"))
    # Fifty pupils to a page, plus the heading row.
    assert response.content.decode().count("<tr>") == 51
    with django_assert_max_num_queries(13):
        response = client.get(reverse("consent:pupils"), {"page": 2})
    assert response.content.decode().count("<tr>") == 16


def test_office_records_a_consent_form_and_the_pupil_page_shows_who_and_when(login, office, pupil):
    client = login(office)
    response = client.post(
        reverse("consent:consent_form", args=[pupil.pk]),
        consent_post(purpose_social_public="refused", purpose_website="granted"),
    )
    assert response.status_code == 302
    page = client.get(reverse("consent:pupil", args=[pupil.pk])).content.decode()
    assert "Refused for public social media by Gareth Evans (Parent)" in page
    assert "Granted for school website" in page
    assert "office@example.org" in page or office.user.display_name in page
    assert AuditEvent.objects.filter(action="consent.form_record").count() == 1


def test_a_grandparent_cannot_give_consent(login, office, pupil):
    response = login(office).post(
        reverse("consent:consent_form", args=[pupil.pk]),
        consent_post(relationship="grandparent", purpose_website="granted"),
    )
    assert response.status_code == 200
    assert "parental responsibility" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_form_dated_in_the_future_is_refused(login, office, pupil):
    response = login(office).post(
        reverse("consent:consent_form", args=[pupil.pk]),
        consent_post(received_on="2025-11-04", purpose_website="granted"),
    )
    assert "cannot be in the future" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_valid_until_is_left_blank_and_says_where_the_default_comes_from(login, office, pupil):
    page = login(office).get(reverse("consent:consent_form", args=[pupil.pk])).content.decode()
    assert 'name="valid_until"' in page
    assert 'value="2026-08-31"' not in page
    assert "Leave blank for 31 August at the end of the school year the form was received" in page


def test_a_consent_form_sent_twice_is_recorded_once(login, office, pupil):
    client = login(office)
    data = consent_post(purpose_website="granted", submission_key=uuid.uuid4().hex)
    client.post(reverse("consent:consent_form", args=[pupil.pk]), data)
    client.post(reverse("consent:consent_form", args=[pupil.pk]), data)
    assert ConsentRecord.objects.count() == 1


def test_a_scan_that_is_not_an_image_or_pdf_is_refused(login, office, pupil):
    scan = SimpleUploadedFile("form.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = login(office).post(
        reverse("consent:consent_form", args=[pupil.pk]),
        {**consent_post(purpose_website="granted"), "scan": scan},
    )
    assert "must be a PDF or a PNG, JPEG, WebP or HEIC image" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_pdf_scan_is_kept_privately_and_viewing_it_is_audited(login, office, pupil, settings):
    scan = SimpleUploadedFile("form.pdf", b"%PDF-1.7\n...\n%%EOF", content_type="application/pdf")
    client = login(office)
    client.post(
        reverse("consent:consent_form", args=[pupil.pk]),
        {**consent_post(purpose_website="granted"), "scan": scan},
    )
    record = ConsentRecord.objects.get()
    assert str(settings.PRIVATE_STORAGE_ROOT) in record.form.scan.path
    response = client.get(reverse("consent:consent_scan", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="consent.file_view").exists()


def test_an_admin_cannot_edit_consent(login, authorised_admin, pupil):
    client = login(authorised_admin)
    assert client.get(reverse("consent:pupil", args=[pupil.pk])).status_code == 200
    response = client.post(
        reverse("consent:consent_form", args=[pupil.pk]), consent_post(purpose_website="granted")
    )
    assert response.status_code == 403
    assert client.get(reverse("consent:pupil_edit", args=[pupil.pk])).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_office_records_consent_but_cannot_see_moderation(login, office, pupil):
    client = login(office)
    assert client.get(reverse("consent:consent_form", args=[pupil.pk])).status_code == 200
    page = client.get(reverse("consent:pupils")).content.decode()
    assert ">Moderation<" not in page
    try:
        url = reverse("moderation:queue")
    except NoReverseMatch:
        return  # the moderation app is not there yet
    assert client.get(url).status_code == 403


def test_another_schools_pupil_is_not_found(login, outsider, pupil):
    client = login(outsider)
    assert client.get(reverse("consent:pupil", args=[pupil.pk])).status_code == 404
    response = client.post(
        reverse("consent:consent_form", args=[pupil.pk]), consent_post(purpose_website="granted")
    )
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_withdrawing_one_purpose_records_who_and_when(login, office, pupil):
    record = give_consent(pupil, "social_public", "granted")
    give_consent(pupil, "website", "granted")
    client = login(office)
    client.post(
        reverse("consent:consent_withdraw", args=[record.pk]),
        {"withdrawn_by_name": "Gareth Evans", "withdrawn_on": "2025-11-02"},
    )
    record.refresh_from_db()
    assert record.withdrawn_on == datetime.date(2025, 11, 2)
    assert record.withdrawn_by_name == "Gareth Evans"
    assert record.withdrawal_recorded_by == office
    assert pupil.current_consent("social_public").status == "withdrawn"
    assert pupil.current_consent("website").allowed
    page = client.get(reverse("consent:pupil", args=[pupil.pk])).content.decode()
    assert "withdrawn by Gareth Evans on 2 Nov 2025" in page


def test_pupil_photo_is_re_encoded_without_metadata_and_thumbnailed(login, office, school):
    photo = SimpleUploadedFile("me.jpg", png_bytes((800, 600), exif=True), "image/jpeg")
    client = login(office)
    client.post(
        reverse("consent:pupil_add"),
        {
            "first_name": "Elis",
            "last_name": "Hughes",
            "year_group": "R",
            "class_name": "Derbyn",
            "photo": photo,
        },
    )
    pupil = Pupil.objects.get(first_name="Elis")
    data = pupil.photo.open("rb").read()
    assert b"secret GPS description" not in data
    thumb = Image.open(pupil.photo_thumbnail.open("rb"))
    assert max(thumb.size) <= 160
    response = client.get(reverse("consent:pupil_thumbnail", args=[pupil.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_saved(login, office):
    photo = SimpleUploadedFile("me.png", b"GIF89a not really", "image/png")
    response = login(office).post(
        reverse("consent:pupil_add"),
        {
            "first_name": "Elis",
            "last_name": "Hughes",
            "year_group": "R",
            "class_name": "Derbyn",
            "photo": photo,
        },
    )
    assert response.status_code == 200
    assert "not a PNG, JPEG, WebP or HEIC image" in response.content.decode()
    assert not Pupil.objects.exists()


def test_leavers_are_marked_not_deleted(login, office, pupil):
    client = login(office)
    client.post(
        reverse("consent:pupil_edit", args=[pupil.pk]),
        {
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "year_group": pupil.year_group,
            "class_name": pupil.class_name,
            "mis_id": pupil.mis_id,
            "left_on": "2025-10-24",
        },
    )
    pupil.refresh_from_db()
    assert pupil.left_on == datetime.date(2025, 10, 24)
    assert "Evans</a>" not in client.get(reverse("consent:pupils")).content.decode()
    assert "Evans</a>" in client.get(reverse("consent:pupils"), {"leavers": "on"}).content.decode()
    assert AuditEvent.objects.filter(action="consent.pupil_left").exists()


def test_only_the_head_can_set_never_publish(login, head, slt, pupil):
    url = reverse("consent:pupil_never_publish", args=[pupil.pk])
    assert login(slt).post(url, {"reason": "x", "set": "1"}).status_code == 403
    login(head).post(url, {"reason": "Looked-after child", "set": "1"})
    pupil.refresh_from_db()
    assert pupil.never_publish
    assert pupil.never_publish_reason == "Looked-after child"


def test_a_consent_form_left_without_valid_until_lasts_to_the_end_of_its_school_year(
    login, office, pupil
):
    login(office).post(
        reverse("consent:consent_form", args=[pupil.pk]),
        consent_post(received_on="2024-06-10", valid_until="", purpose_website="granted"),
    )
    record = ConsentRecord.objects.get()
    assert record.form.valid_until == datetime.date(2024, 8, 31)
    assert pupil.current_consent("website").status == "expired"


def test_never_publish_page_carries_the_change_it_makes(login, head, pupil):
    client = login(head)
    url = reverse("consent:pupil_never_publish", args=[pupil.pk])
    assert 'name="set" value="1"' in client.get(url).content.decode()
    client.post(url, {"reason": "Court order", "set": "1"})
    assert 'name="set" value="0"' in client.get(url).content.decode()


def test_never_publish_sent_twice_is_not_undone_by_the_second_post(login, head, pupil):
    give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    client = login(head)
    url = reverse("consent:pupil_never_publish", args=[pupil.pk])
    data = {"reason": "Court order received today", "set": "1"}
    client.post(url, data)
    response = client.post(url, data)
    pupil.refresh_from_db()
    assert pupil.never_publish
    assert pupil.current_consent("social_public").status == "never"
    assert "“Never publish” is already set for this pupil." in response.content.decode()
    assert AuditEvent.objects.filter(action="consent.never_publish").count() == 1
    assert not AuditEvent.objects.filter(action="consent.never_publish_cleared").exists()


def test_never_publish_resent_with_the_same_key_changes_nothing(login, head, pupil):
    client = login(head)
    url = reverse("consent:pupil_never_publish", args=[pupil.pk])
    data = {"reason": "Court order", "set": "1", "submission_key": uuid.uuid4().hex}
    client.post(url, data)
    response = client.post(url, data, follow=True)
    pupil.refresh_from_db()
    assert pupil.never_publish
    assert "already sent; nothing was changed" in response.content.decode()
    assert AuditEvent.objects.filter(action__startswith="consent.never_publish").count() == 1


def test_never_publish_post_without_the_intended_change_changes_nothing(login, head, pupil):
    response = login(head).post(
        reverse("consent:pupil_never_publish", args=[pupil.pk]), {"reason": "Court order"}
    )
    pupil.refresh_from_db()
    assert not pupil.never_publish
    assert "This page is out of date" in response.content.decode()


def test_the_head_clears_never_publish_with_the_clear_page(login, head, pupil):
    client = login(head)
    url = reverse("consent:pupil_never_publish", args=[pupil.pk])
    client.post(url, {"reason": "Court order", "set": "1"})
    client.post(url, {"reason": "Order lifted", "set": "0"})
    pupil.refresh_from_db()
    assert not pupil.never_publish


def test_a_withdrawal_can_be_started_from_the_pupil_page_while_never_publish_is_set(
    login, head, office, pupil
):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    login(head).post(
        reverse("consent:pupil_never_publish", args=[pupil.pk]),
        {"reason": "Court order", "set": "1"},
    )
    client = login(office)
    page = client.get(reverse("consent:pupil", args=[pupil.pk])).content.decode()
    assert reverse("consent:consent_withdraw", args=[record.pk]) in page
    client.post(
        reverse("consent:consent_withdraw", args=[record.pk]),
        {"withdrawn_by_name": "Gareth Evans", "withdrawn_on": "2025-11-02"},
    )
    record.refresh_from_db()
    assert record.withdrawn_on == datetime.date(2025, 11, 2)


def _scan_record(client, pupil, scan):
    client.post(
        reverse("consent:consent_form", args=[pupil.pk]),
        {**consent_post(purpose_website="granted"), "scan": scan},
    )
    return ConsentRecord.objects.get()


def test_a_pdf_scan_is_downloaded_never_shown_inline(login, office, pupil):
    client = login(office)
    payload = b"%PDF-<html><body><script>alert(document.cookie)</script></body></html>"
    record = _scan_record(client, pupil, SimpleUploadedFile("form.pdf", payload))
    response = client.get(reverse("consent:consent_scan", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "inline" not in response["Content-Disposition"]


def test_an_image_scan_is_shown_inline(login, office, pupil):
    client = login(office)
    record = _scan_record(client, pupil, SimpleUploadedFile("form.png", png_bytes()))
    response = client.get(reverse("consent:consent_scan", args=[record.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_the_office_records_a_date_of_birth_by_hand(login, office, school):
    from consent.models import Pupil

    client = login(office)
    data = {
        "first_name": "Siân",
        "last_name": "Prys",
        "year_group": "3",
        "class_name": "3 Derw",
        "date_of_birth": "2018-03-14",
    }
    client.post(reverse("consent:pupil_add"), data)
    pupil = Pupil.objects.get(last_name="Prys")
    assert str(pupil.date_of_birth) == "2018-03-14"
    page = client.get(reverse("consent:pupil", args=[pupil.pk])).content.decode()
    assert "14 March 2018" in page
    refused = client.post(reverse("consent:pupil_add"), {**data, "date_of_birth": "1990-01-01"})
    assert "a primary-school pupil is under 13" in refused.content.decode()
