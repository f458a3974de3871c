"""A real Celery worker (on Redis when REDIS_URL is set, as in CI) makes the
display copies of a phone photo recorded through the page."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from moderation.models import Evidence
from tests.moderation.conftest import incident_data
from tests.moderation.factories import upload
from tests.moderation.images import phone_photo
from tests.schoolsocial.test_celery_worker import real_worker, wait_for

__all__ = ["real_worker"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_the_display_copy_of_a_photo_recorded_through_the_page(
    real_worker, authorised_admin, channel, login, settings
):
    data = phone_photo()
    client = login(authorised_admin)
    response = client.post(
        reverse("moderation:incident_new"),
        incident_data(channel, screenshots=[upload(data, "IMG_0003.JPG", "image/jpeg")]),
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert wait_for(lambda: Evidence.objects.get(pk=evidence.pk).is_prepared)
    evidence.refresh_from_db()
    display = (settings.PRIVATE_STORAGE_ROOT / evidence.display.name).read_bytes()
    image = Image.open(io.BytesIO(display))
    assert image.format == "JPEG" and not image.getexif()
    page = client.get(response["Location"]).content.decode()
    assert "Preparing…" not in page
