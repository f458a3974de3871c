"""A pupil's photo for printed lists: a phone photo is kept as a small JPEG
without its metadata, and a replaced or removed photo leaves no file behind."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from consent.models import Pupil
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory
from tests.moderation.images import phone_photo, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def photo_12mp():
    return phone_photo(orientation=6)


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, first_name="Siân", last_name="Evans", class_name="4 Derw")


def _files(settings) -> list:
    root = settings.PRIVATE_STORAGE_ROOT / "pupils"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _edit(client, pupil, capture, **extra):
    data = {
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "year_group": pupil.year_group,
        "class_name": pupil.class_name,
        **extra,
    }
    with capture(execute=True):
        return client.post(reverse("consent:pupil_edit", args=[pupil.pk]), data)


def test_a_phone_photo_is_kept_as_a_small_upright_jpeg_without_gps(
    login, office, pupil, photo_12mp, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile("IMG_0042.JPG", photo_12mp, "image/jpeg")
    response = _edit(login(office), pupil, django_capture_on_commit_callbacks, photo=photo)
    assert response.status_code == 302
    pupil.refresh_from_db()
    data = pupil.photo.open("rb").read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (900, 1200)  # upright, printed small
    assert not image.getexif() and b"SecretPhone" not in data


def test_an_iphone_heic_photo_is_kept_as_a_small_upright_jpeg(
    login, office, pupil, django_capture_on_commit_callbacks
):
    from tests.moderation.images import iphone_photo

    photo = SimpleUploadedFile("IMG_4242.HEIC", iphone_photo(), "image/heic")
    client = login(office)
    response = _edit(client, pupil, django_capture_on_commit_callbacks, photo=photo)
    assert response.status_code == 302
    pupil.refresh_from_db()
    data = pupil.photo.open("rb").read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (900, 1200)
    assert not image.getexif() and b"SecretPhone" not in data
    served = client.get(reverse("consent:pupil_photo", args=[pupil.pk]))
    assert served["Content-Type"] == "image/jpeg"


def test_replacing_a_photo_deletes_the_old_files_and_is_audited(
    login, office, pupil, settings, django_capture_on_commit_callbacks
):
    client = login(office)
    first = SimpleUploadedFile("a.png", png_bytes(text="first"), "image/png")
    _edit(client, pupil, django_capture_on_commit_callbacks, photo=first)
    assert len(_files(settings)) == 2  # the photo and its thumbnail
    second = SimpleUploadedFile("b.png", png_bytes(text="second"), "image/png")
    _edit(client, pupil, django_capture_on_commit_callbacks, photo=second)
    pupil.refresh_from_db()
    files = _files(settings)
    assert len(files) == 2
    assert {f.name for f in files} == {
        pupil.photo.name.rsplit("/", 1)[-1],
        pupil.photo_thumbnail.name.rsplit("/", 1)[-1],
    }
    event = AuditEvent.objects.filter(action="consent.pupil_update").latest("pk")
    assert "photo replaced, old photo deleted" in event.summary


def test_a_photo_can_be_removed_and_its_files_go(
    login, office, pupil, settings, django_capture_on_commit_callbacks
):
    client = login(office)
    photo = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    _edit(client, pupil, django_capture_on_commit_callbacks, photo=photo)
    page = client.get(reverse("consent:pupil_edit", args=[pupil.pk])).content.decode()
    assert "Remove the photo" in page
    response = _edit(client, pupil, django_capture_on_commit_callbacks, remove_photo="on")
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert not pupil.photo and not pupil.photo_thumbnail
    assert _files(settings) == []
    assert client.get(reverse("consent:pupil_photo", args=[pupil.pk])).status_code == 404
    event = AuditEvent.objects.filter(action="consent.pupil_update").latest("pk")
    assert event.actor == office.user
    assert "photo removed and deleted" in event.summary
    page = client.get(reverse("consent:pupil_edit", args=[pupil.pk])).content.decode()
    assert "Remove the photo" not in page


def test_choosing_a_new_photo_and_removing_it_at_once_is_refused(
    login, office, pupil, settings, django_capture_on_commit_callbacks
):
    client = login(office)
    _edit(
        client,
        pupil,
        django_capture_on_commit_callbacks,
        photo=SimpleUploadedFile("a.png", png_bytes(), "image/png"),
    )
    before = _files(settings)
    response = _edit(
        client,
        pupil,
        django_capture_on_commit_callbacks,
        photo=SimpleUploadedFile("b.png", png_bytes(text="b"), "image/png"),
        remove_photo="on",
    )
    assert response.status_code == 200
    assert "Either choose a new photo or remove the photo" in response.content.decode()
    assert _files(settings) == before


def test_a_save_that_fails_leaves_no_new_photo_file_behind(office, pupil, settings, monkeypatch):
    from consent import services
    from schoolsocial.services import ServiceError

    def register_unavailable(school):
        raise ServiceError("The register is being changed by someone else.")

    monkeypatch.setattr(services, "_register_changed", register_unavailable)
    photo = SimpleUploadedFile("a.png", png_bytes(), "image/png")
    with pytest.raises(ServiceError):
        services.pupil_update(
            pupil=pupil,
            changed_by=office,
            first_name=pupil.first_name,
            last_name=pupil.last_name,
            year_group=pupil.year_group,
            class_name=pupil.class_name,
            photo=photo,
        )
    assert _files(settings) == []
    assert not Pupil.objects.get(pk=pupil.pk).photo


# --- Lists of thumbnails: one audit event for the list, not one per photo ------------


def _with_photos(client, capture, school, count):
    pupils = []
    for i in range(count):
        pupil = PupilFactory(school=school, first_name=f"Nia{i}", last_name="Roberts")
        photo = SimpleUploadedFile(f"p{i}.png", png_bytes(text=f"p{i}"), "image/png")
        _edit(client, pupil, capture, photo=photo)
        pupils.append(pupil)
    return pupils


def _thumbnail_urls(page: str) -> list[str]:
    import html
    import re

    return [html.unescape(u) for u in re.findall(r'<img src="([^"]*/thumbnail/[^"]*)"', page)]


def test_a_list_of_thumbnails_is_recorded_once_not_once_per_photo(
    login, office, slt, school, django_capture_on_commit_callbacks, monkeypatch
):
    import time_machine

    client = login(office)
    _with_photos(client, django_capture_on_commit_callbacks, school, 3)
    views = AuditEvent.objects.filter(action="consent.file_view")
    before = views.count()
    page = client.get(reverse("consent:do_not_publish")).content.decode()
    urls = _thumbnail_urls(page)
    assert len(urls) == 3
    for url in urls:
        assert client.get(url).status_code == 200
    assert views.count() == before + 1
    event = views.latest("pk")
    assert "do-not-publish" in event.summary and "3" in event.summary

    # The pass is this person's, for a while: anyone else, or later, is audited per photo.
    assert login(slt).get(urls[0]).status_code == 200
    assert views.count() == before + 2
    monkeypatch.setattr("consent.views.THUMBNAIL_PASS_AGE", 60)  # seconds
    with time_machine.travel(datetime.timedelta(minutes=2)):
        assert client.get(urls[1]).status_code == 200
    assert views.count() == before + 3
    bare = urls[2].split("?", 1)[0]
    assert client.get(bare).status_code == 200
    assert views.count() == before + 4


def test_the_publication_check_records_its_thumbnails_once(
    login, authorised_admin, office, school, django_capture_on_commit_callbacks
):
    _with_photos(login(office), django_capture_on_commit_callbacks, school, 2)
    client = login(authorised_admin)
    views = AuditEvent.objects.filter(action="consent.file_view")
    before = views.count()
    urls = _thumbnail_urls(client.get(reverse("consent:check")).content.decode())
    assert len(urls) == 2
    for url in urls:
        client.get(url)
    assert views.count() == before + 1
    assert "publication check" in views.latest("pk").summary
