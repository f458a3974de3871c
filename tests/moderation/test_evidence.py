"""Screenshot evidence: what is refused (and then nothing is stored), what is
kept, and how it is served."""

import datetime
import hashlib
import io
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from moderation.models import Evidence, Incident
from moderation.services import evidence as evidence_services
from schoolsocial.models import AuditEvent, StashedUpload
from schoolsocial.tasks import housekeeping
from tests.moderation.conftest import assert_nothing_stored, incident_data, private_files
from tests.moderation.factories import IncidentFactory, make_evidence, upload
from tests.moderation.images import (
    SVG,
    jpeg_bytes,
    jpeg_with_gps,
    phone_photo,
    png_bomb,
    png_bytes,
    screenshot_4k,
    thin_png,
    webp_bytes,
)

REFUSED = {
    "text file named .png": (b"Hello, this is not an image at all.\n", "evil.png", "not a PNG"),
    "PNG followed by HTML": (
        png_bytes() + b"<html><script>alert(1)</script></html>",
        "polyglot.png",
        "extra data after the image",
    ),
    "SVG": (SVG, "drawing.svg", "not a PNG"),
    "truncated JPEG": (jpeg_bytes()[:600], "cut.jpg", "damaged"),
    "1x100000 image": (thin_png(), "thin.png", "far too narrow"),
    "decompression bomb": (png_bomb(), "bomb.png", "more than 40 megapixels"),
    "empty file": (b"", "empty.png", "empty"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_stored(
    case, authorised_admin, channel, post_incident, settings
):
    data, name, message = REFUSED[case]
    response = post_incident(authorised_admin, channel, screenshots=[upload(data, name)])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert_nothing_stored(settings)


def test_one_bad_file_among_good_ones_stores_none_of_them(
    authorised_admin, channel, post_incident, settings
):
    files = [upload(png_bytes(), "good.png"), upload(b"nope", "bad.png")]
    response = post_incident(authorised_admin, channel, screenshots=files)
    assert "bad.png" in response.content.decode()
    assert_nothing_stored(settings)


def test_more_than_ten_screenshots_are_refused(authorised_admin, channel, post_incident, settings):
    files = [upload(png_bytes(), f"s{n}.png") for n in range(11)]
    response = post_incident(authorised_admin, channel, screenshots=files)
    assert "at most 10" in response.content.decode()
    assert_nothing_stored(settings)


def test_a_file_over_20_mb_is_refused(authorised_admin, channel, post_incident, settings):
    big = png_bytes() + b"\x00" * (20 * 1024 * 1024)
    response = post_incident(authorised_admin, channel, screenshots=[upload(big, "big.png")])
    assert "larger than 20 MB" in response.content.decode()
    assert_nothing_stored(settings)


def test_the_sha256_of_the_uploaded_bytes_is_recorded_shown_and_stable(
    authorised_admin, channel, post_incident, login, settings
):
    data = jpeg_bytes()
    response = post_incident(authorised_admin, channel, screenshots=[upload(data, "s.jpg")])
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    expected = hashlib.sha256(data).hexdigest()
    assert evidence.sha256 == expected
    stored = (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).read_bytes()
    assert stored == data
    assert hashlib.sha256(stored).hexdigest() == expected
    page = login(authorised_admin).get(response["Location"])
    assert expected in page.content.decode()


def test_png_jpeg_and_webp_are_accepted(authorised_admin, channel, post_incident):
    files = [
        upload(png_bytes(), "a.png"),
        upload(jpeg_bytes(), "b.jpg", "image/jpeg"),
        upload(webp_bytes(), "c.webp", "image/webp"),
    ]
    assert post_incident(authorised_admin, channel, screenshots=files).status_code == 302
    assert sorted(Evidence.objects.values_list("original_format", flat=True)) == [
        "JPEG",
        "PNG",
        "WEBP",
    ]


def test_exif_and_gps_are_gone_from_the_display_copy_but_kept_in_the_original(
    authorised_admin, channel, post_incident, settings
):
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825)
    post_incident(authorised_admin, channel, screenshots=[upload(data, "gps.jpg")])
    evidence = Evidence.objects.get()
    display = (settings.PRIVATE_STORAGE_ROOT / evidence.display.name).read_bytes()
    image = Image.open(io.BytesIO(display))
    assert len(image.getexif()) == 0
    assert b"SecretPhone" not in display
    assert b"Exif" not in display
    original = (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).read_bytes()
    assert original == data


def test_evidence_is_stored_outside_the_media_root(incident, settings):
    evidence = make_evidence(incident)
    for path in private_files(settings):
        assert settings.MEDIA_ROOT not in path.parents
    assert (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).exists()


@pytest.mark.parametrize("role", ["admin", "slt", "head"])
def test_evidence_is_served_to_moderators_with_safe_headers_and_audited(
    role, personas, incident, login
):
    evidence = make_evidence(incident)
    member = personas[role]
    response = login(member).get(reverse("moderation:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\x89PNG")
    event = AuditEvent.objects.get(action="moderation.evidence_view")
    assert event.actor == member.user
    assert event.object_id == str(evidence.pk)


def test_the_original_is_downloaded_as_an_attachment(authorised_admin, incident, login):
    evidence = make_evidence(incident, jpeg_bytes())
    response = login(authorised_admin).get(
        reverse("moderation:evidence", args=[evidence.pk]) + "?v=original"
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "image/jpeg"


def test_office_cannot_see_the_queue_or_evidence(office, incident, login):
    evidence = make_evidence(incident)
    client = login(office)
    assert client.get(reverse("moderation:queue")).status_code == 403
    assert client.get(reverse("moderation:evidence", args=[evidence.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="moderation.evidence_view").exists()


def test_another_schools_incident_and_evidence_are_not_found(outsider, incident, login):
    evidence = make_evidence(incident)
    client = login(outsider)
    assert client.get(reverse("moderation:incident", args=[incident.pk])).status_code == 404
    assert client.get(reverse("moderation:evidence", args=[evidence.pk])).status_code == 404
    own = IncidentFactory(school=outsider.school)
    assert client.get(reverse("moderation:incident", args=[own.pk])).status_code == 200


def test_evidence_cannot_be_changed_or_deleted(incident):
    evidence = make_evidence(incident)
    evidence.sha256 = "0" * 64
    with pytest.raises(ValueError, match="cannot be changed"):
        evidence.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        evidence.delete()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Incident.objects.filter(pk=incident.pk).delete()


def test_screenshots_can_be_added_to_an_open_incident(authorised_admin, incident, login):
    response = login(authorised_admin).post(
        reverse("moderation:evidence_add", args=[incident.pk]),
        {"screenshots": [upload(png_bytes(), "more.png")]},
    )
    assert response.status_code == 302
    assert incident.evidence.count() == 1
    assert incident.actions.filter(kind="evidence_added").exists()


# --- Phone photos: the incident first, the display copies after ----------------------------


@pytest.fixture(scope="module")
def photo_12mp():
    return phone_photo(orientation=6)


def _stored(settings, field) -> bytes:
    return (settings.PRIVATE_STORAGE_ROOT / field.name).read_bytes()


def test_a_12_megapixel_phone_photo_is_kept_as_jpeg_without_its_gps(
    authorised_admin, channel, post_incident, login, settings, photo_12mp
):
    response = post_incident(
        authorised_admin, channel, screenshots=[upload(photo_12mp, "IMG_0001.JPG", "image/jpeg")]
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.original_format, evidence.display_format) == ("JPEG", "JPEG")
    assert (evidence.width, evidence.height) == (3000, 4000)
    original = _stored(settings, evidence.original)
    assert original == photo_12mp
    assert hashlib.sha256(original).hexdigest() == evidence.sha256
    display = _stored(settings, evidence.display)
    image = Image.open(io.BytesIO(display))
    assert image.format == "JPEG" and image.size == (3000, 4000)
    assert not image.getexif() and b"SecretPhone" not in display
    client = login(authorised_admin)
    served = client.get(reverse("moderation:evidence", args=[evidence.pk]))
    assert served["Content-Type"] == "image/jpeg"
    thumb = client.get(reverse("moderation:evidence", args=[evidence.pk]) + "?v=thumbnail")
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) == 480


def test_an_iphone_heic_photo_is_kept_as_sent_and_shown_as_jpeg(
    authorised_admin, channel, post_incident, login, settings
):
    from tests.moderation.images import iphone_photo

    data = iphone_photo()
    response = post_incident(
        authorised_admin, channel, screenshots=[upload(data, "IMG_4242.HEIC", "image/heic")]
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.original_format, evidence.display_format) == ("HEIF", "JPEG")
    assert evidence.original.name.endswith(".heic")
    assert _stored(settings, evidence.original) == data
    assert hashlib.sha256(data).hexdigest() == evidence.sha256
    display = _stored(settings, evidence.display)
    image = Image.open(io.BytesIO(display))
    assert image.format == "JPEG" and image.size == (3024, 4032)
    assert not image.getexif() and b"SecretPhone" not in display
    client = login(authorised_admin)
    shown = client.get(reverse("moderation:evidence", args=[evidence.pk]))
    assert shown["Content-Type"] == "image/jpeg"
    kept = client.get(reverse("moderation:evidence", args=[evidence.pk]) + "?v=original")
    assert kept["Content-Type"] == "image/heic"
    assert b"".join(kept.streaming_content) == data


def test_a_4k_png_screenshot_stays_png(authorised_admin, channel, post_incident, settings):
    data = screenshot_4k()
    post_incident(authorised_admin, channel, screenshots=[upload(data, "Screenshot.png")])
    evidence = Evidence.objects.get()
    display = _stored(settings, evidence.display)
    assert Image.open(io.BytesIO(display)).format == "PNG"
    assert b"SecretPhone" not in display
    assert _stored(settings, evidence.original) == data


def test_the_incident_and_original_are_saved_before_the_display_copy_is_made(
    authorised_admin, channel, login, settings, photo_12mp
):
    # No worker has run yet: the commit's queued task is not executed.
    response = login(authorised_admin).post(
        reverse("moderation:incident_new"),
        incident_data(channel, screenshots=[upload(photo_12mp, "IMG_0002.JPG", "image/jpeg")]),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert not evidence.is_prepared
    assert _stored(settings, evidence.original) == photo_12mp
    client = login(authorised_admin)
    page = client.get(response["Location"]).content.decode()
    assert "Preparing…" in page and evidence.sha256 in page
    url = reverse("moderation:evidence", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?v=original").status_code == 200

    assert evidence_services.evidence_prepare(evidence_id=evidence.pk) is True
    files = private_files(settings)
    # A second run (a retry, a redelivered task) changes nothing.
    assert evidence_services.evidence_prepare(evidence_id=evidence.pk) is False
    assert private_files(settings) == files
    page = client.get(response["Location"]).content.decode()
    assert "Preparing…" not in page
    assert client.get(url).status_code == 200


def test_an_incident_is_not_lost_when_the_display_copy_fails(
    authorised_admin, channel, post_incident, login, settings, monkeypatch, time_machine
):
    def worker_out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(evidence_services, "make_copies", worker_out_of_memory)
    response = post_incident(authorised_admin, channel)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert not evidence.is_prepared
    assert "Preparing…" in login(authorised_admin).get(response["Location"]).content.decode()

    # The periodic sweep queues it again once the worker is well.
    monkeypatch.undo()
    from moderation.tasks import prepare_waiting_evidence

    assert prepare_waiting_evidence() == 0  # not overdue yet
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=6))
    assert prepare_waiting_evidence() == 1
    evidence.refresh_from_db()
    assert evidence.is_prepared
    assert "Preparing…" not in login(authorised_admin).get(response["Location"]).content.decode()


# --- The same screenshot twice ------------------------------------------------------------


def test_the_same_screenshot_twice_in_one_incident_is_refused(
    authorised_admin, channel, post_incident, settings
):
    data = png_bytes()
    response = post_incident(
        authorised_admin,
        channel,
        screenshots=[upload(data, "first.png"), upload(data, "again.png")],
    )
    assert response.status_code == 200
    assert "again.png: this is the same screenshot as first.png" in response.content.decode()
    assert_nothing_stored(settings)


def test_adding_a_screenshot_the_incident_already_has_is_refused(authorised_admin, incident, login):
    data = png_bytes(text="kept once")
    make_evidence(incident, data)
    client = login(authorised_admin)
    response = client.post(
        reverse("moderation:evidence_add", args=[incident.pk]),
        {"screenshots": [upload(data, "again.png")]},
        follow=True,
    )
    assert "already evidence on this incident" in response.content.decode()
    assert incident.evidence.count() == 1


def test_a_screenshot_already_on_another_incident_is_pointed_out(
    authorised_admin, channel, login, incident, django_capture_on_commit_callbacks
):
    data = png_bytes(text="the same comment")
    make_evidence(incident, data)
    client = login(authorised_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:incident_new"),
            incident_data(channel, screenshots=[upload(data, "s.png")]),
        )
    assert response.status_code == 302  # recorded: it may be a different comment
    new = Incident.objects.exclude(pk=incident.pk).get()
    page = client.get(response["Location"]).content.decode()
    assert f"already evidence on incident {incident.pk}" in page
    assert "The same screenshot is evidence on" in page
    assert reverse("moderation:incident", args=[incident.pk]) in page
    other_page = login(authorised_admin).get(reverse("moderation:incident", args=[incident.pk]))
    assert reverse("moderation:incident", args=[new.pk]) in other_page.content.decode()


# --- "Check the text first" keeps the screenshots ------------------------------------------


def _check_text(client, channel, key, screenshots, **extra):
    data = incident_data(channel, submission_key=key, screenshots=screenshots, check_text="1")
    data.update(extra)
    return client.post(reverse("moderation:incident_new"), data)


def test_check_the_text_first_keeps_the_chosen_screenshots(
    authorised_admin, channel, login, settings, django_capture_on_commit_callbacks
):
    client = login(authorised_admin)
    key = uuid.uuid4().hex
    first, second = png_bytes(text="one"), png_bytes(text="two")
    page = _check_text(
        client, channel, key, [upload(first, "one.png"), upload(second, "two.png")]
    ).content.decode()
    assert "attached: one.png (" in page and "attached: two.png (" in page
    assert Incident.objects.count() == 0
    two = StashedUpload.objects.get(name="two.png")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:incident_new"),
            incident_data(channel, submission_key=key, screenshots=[], remove_attached=[two.pk]),
        )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "one.png"
    assert evidence.sha256 == hashlib.sha256(first).hexdigest()
    assert _stored(settings, evidence.original) == first
    assert not StashedUpload.objects.exists()
    assert not [p for p in private_files(settings) if "stash" in p.parts]


def test_attached_screenshots_belong_to_the_person_and_the_page(
    authorised_admin, head, channel, login, settings
):
    key = uuid.uuid4().hex
    _check_text(login(authorised_admin), channel, key, [upload(png_bytes(), "mine.png")])
    # The head sending a page with the same key does not get the admin's file.
    response = login(head).post(
        reverse("moderation:incident_new"),
        incident_data(channel, submission_key=key, screenshots=[]),
    )
    assert "Attach at least one screenshot" in response.content.decode()
    other_page = _check_text(login(authorised_admin), channel, uuid.uuid4().hex, [])
    assert "mine.png" not in other_page.content.decode()


def test_stale_attached_screenshots_are_pruned(
    authorised_admin, channel, login, settings, time_machine, django_capture_on_commit_callbacks
):
    _check_text(login(authorised_admin), channel, uuid.uuid4().hex, [upload(png_bytes())])
    assert StashedUpload.objects.count() == 1
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=4))
    with django_capture_on_commit_callbacks(execute=True):
        assert housekeeping()["stashed_uploads"] == 1
    assert not StashedUpload.objects.exists()
    assert private_files(settings) == []


def test_a_form_sent_back_with_a_problem_keeps_its_screenshots(
    authorised_admin, channel, login, django_capture_on_commit_callbacks
):
    client = login(authorised_admin)
    key = uuid.uuid4().hex
    data = png_bytes(text="kept")
    page = client.post(
        reverse("moderation:incident_new"),
        incident_data(
            channel, submission_key=key, author_name="", screenshots=[upload(data, "a.png")]
        ),
    ).content.decode()
    assert "Give the author" in page or "This field is required" in page
    assert "attached: a.png (" in page
    # Chosen again by mistake: held once.
    page = _check_text(client, channel, key, [upload(data, "a-again.png")]).content.decode()
    assert "a-again.png: this file is already attached." in page
    assert StashedUpload.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("moderation:incident_new"),
            incident_data(channel, submission_key=key, screenshots=[]),
        )
    assert response.status_code == 302
    assert Evidence.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_check_the_text_first_says_at_once_which_file_is_not_a_screenshot(
    authorised_admin, channel, login
):
    client = login(authorised_admin)
    page = _check_text(
        client,
        channel,
        uuid.uuid4().hex,
        [upload(png_bytes(), "good.png"), upload(SVG, "drawing.svg")],
    ).content.decode()
    assert "drawing.svg: This file is not a PNG" in page
    assert "attached: good.png (" in page and "attached: drawing.svg" not in page


def test_adding_a_screenshot_from_another_incident_says_so_once(
    authorised_admin, incident, login, school, channel
):
    other = IncidentFactory(school=school, channel=channel, reported_by=authorised_admin)
    shared = png_bytes(text="shared")
    make_evidence(other, shared)
    client = login(authorised_admin)
    url = reverse("moderation:evidence_add", args=[incident.pk])
    page = client.post(url, {"screenshots": [upload(shared, "s.png")]}, follow=True)
    assert f"already evidence on incident {other.pk}" in page.content.decode()
    # A later, unrelated screenshot brings no warning about the earlier one.
    page = client.post(url, {"screenshots": [upload(png_bytes(text="new"))]}, follow=True)
    assert "Check it is not the same comment recorded twice" not in page.content.decode()
