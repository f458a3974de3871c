"""A phone photo as evidence, in Chromium: chosen, "Check the text first",
still attached afterwards, recorded without choosing it again, shown as a
JPEG without its location."""

import io

import pytest
from PIL import Image

from moderation.models import Evidence, Incident
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD
from tests.moderation.images import phone_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_photo_stays_attached_after_checking_the_text_and_is_recorded(
    page, live_server, channel, authorised_admin, tmp_path, settings
):
    photo = tmp_path / "IMG_2041.JPG"
    photo.write_bytes(phone_photo(orientation=6))
    sign_in(page, live_server, authorised_admin.user.email, PASSWORD)
    page.goto(f"{live_server.url}/moderation/incidents/new/")
    page.get_by_label("Author's display name").fill("Angry Parent")
    page.get_by_label("The comment, as written").fill("You lot are all idiots.")
    page.get_by_label("Screenshots").set_input_files(str(photo))
    page.get_by_role("button", name="Check the text first").click()

    attached = page.locator("[data-attached]")
    assert "attached: IMG_2041.JPG (6.0\xa0MB)" in attached.inner_text()
    assert "Offensive or inappropriate comment" in page.locator(".screening").inner_text()
    page.get_by_role("button", name="Record the incident").click()

    assert "Incident recorded" in page.locator(".messages").inner_text()
    incident = Incident.objects.get(author_name="Angry Parent")
    evidence = Evidence.objects.get(incident=incident)
    assert evidence.original_name == "IMG_2041.JPG"
    assert (evidence.original_format, evidence.display_format) == ("JPEG", "JPEG")
    assert (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).read_bytes() == (
        photo.read_bytes()
    )
    thumbnail = page.locator(".gallery__item img")
    thumbnail.wait_for()
    # The thumbnail is lazy-loaded: wait until the browser has decoded it.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    display = page.request.get(f"{live_server.url}/moderation/evidence/{evidence.pk}/")
    assert display.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(display.body()))
    assert image.size == (3000, 4000) and not image.getexif()
