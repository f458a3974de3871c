"""Screenshot evidence: what is refused (and then nothing is stored), what is
kept, and how it is served."""

import hashlib
import io

import pytest
from django.urls import reverse
from PIL import Image

from moderation.models import Evidence, Incident
from schoolsocial.models import AuditEvent
from tests.moderation.conftest import assert_nothing_stored, private_files
from tests.moderation.factories import IncidentFactory, make_evidence, upload
from tests.moderation.images import (
    SVG,
    jpeg_bytes,
    jpeg_with_gps,
    png_bomb,
    png_bytes,
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
