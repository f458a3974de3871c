"""The publication check counts the faces in the photo (OpenCV's bundled
Haar cascade: detection, never recognition) and warns when there are more
than pupils ticked. Real photographs from scikit-image's bundled samples."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from consent.faces import count_faces
from consent.models import CheckPhoto, PublicationCheck
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory, give_consent

skimage_data = pytest.importorskip("skimage.data")


def _jpeg(array) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="JPEG", quality=90)
    return out.getvalue()


def two_people() -> bytes:
    """Two photographs of people side by side (the astronaut, and the same
    photograph mirrored): two faces."""
    astronaut = skimage_data.astronaut()
    return _jpeg(np.hstack([astronaut, astronaut[:, ::-1]]))


def no_people() -> bytes:
    return _jpeg(skimage_data.coffee())


@pytest.fixture
def pupil(school):
    pupil = PupilFactory(school=school, first_name="Dafydd", last_name="Rees")
    give_consent(pupil, "social_public", "granted")
    return pupil


def _check(client, channel, pupil, photo: bytes | None, **extra):
    data = {"channel": channel.pk, "pupils": [pupil.pk], "caption": "Sports day!", **extra}
    if photo is not None:
        data["photo"] = SimpleUploadedFile("IMG_0001.jpg", photo, content_type="image/jpeg")
    return client.post(reverse("consent:check"), data)


def test_faces_are_counted_in_real_photographs():
    assert count_faces(_jpeg(skimage_data.astronaut())) == 1
    assert count_faces(two_people()) == 2
    assert count_faces(no_people()) == 0


def test_more_faces_than_pupils_ticked_warns_who_are_the_others(
    login, authorised_admin, channel, pupil, settings
):
    client = login(authorised_admin)
    response = _check(client, channel, pupil, two_people())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 faces, 1 pupil ticked — who are the others?" in page
    assert "The photo was not kept." in page
    photo = CheckPhoto.objects.get()
    assert (photo.faces, photo.pupils_ticked, photo.kept.name, photo.sha256) == (2, 1, "", "")
    assert not (settings.PRIVATE_STORAGE_ROOT / "check-photos").exists()
    assert AuditEvent.objects.filter(
        action="consent.check_photo", summary__contains="2 face(s)"
    ).exists()


def test_a_photo_with_no_faces_gives_no_warning(login, authorised_admin, channel, pupil):
    client = login(authorised_admin)
    response = _check(client, channel, pupil, no_people())
    page = client.get(response["Location"]).content.decode()
    assert "who are the others" not in page
    assert "0 faces found in the photo; 1 pupil ticked." in page


def test_the_photo_is_kept_only_when_the_administrator_ticks_to_keep_it(
    login, authorised_admin, channel, pupil, settings
):
    import hashlib

    client = login(authorised_admin)
    data = two_people()
    response = _check(client, channel, pupil, data, keep_photo="on")
    photo = CheckPhoto.objects.get()
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert (settings.PRIVATE_STORAGE_ROOT / photo.kept.name).read_bytes() == data
    assert "The photo is kept" in client.get(response["Location"]).content.decode()


def test_the_check_still_runs_without_a_photo(login, authorised_admin, channel, pupil):
    response = _check(login(authorised_admin), channel, pupil, None)
    assert response.status_code == 302
    assert PublicationCheck.objects.count() == 1
    assert not CheckPhoto.objects.exists()


def test_a_file_that_is_not_a_photo_refuses_the_check_and_saves_nothing(
    login, authorised_admin, channel, pupil
):
    response = _check(login(authorised_admin), channel, pupil, b"%PDF-1.4 not a photo")
    assert response.status_code == 200
    assert "This file is not a" in response.content.decode()
    assert not PublicationCheck.objects.exists()
    assert not CheckPhoto.objects.exists()


def test_faces_are_counted_in_an_iphone_heic_photo(login, authorised_admin, channel, pupil):
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    two = np.hstack([skimage_data.astronaut(), skimage_data.astronaut()[:, ::-1]])
    Image.fromarray(two).save(out, format="HEIF", quality=80)
    assert count_faces(out.getvalue()) == 2
    data = {"channel": channel.pk, "pupils": [pupil.pk], "caption": "Sports day!"}
    data["photo"] = SimpleUploadedFile("IMG_0002.HEIC", out.getvalue(), "image/heic")
    response = login(authorised_admin).post(reverse("consent:check"), data)
    assert response.status_code == 302
    assert CheckPhoto.objects.get().faces == 2
