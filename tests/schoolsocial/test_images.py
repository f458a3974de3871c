"""The shared image check: what it refuses and what survives re-encoding."""

import hashlib
import io

import pytest
from PIL import Image, ImageCms

from schoolsocial.images import ImageRejected, check_image, inspect_image


def encoded(fmt="PNG", size=(120, 80), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def test_a_png_with_html_after_it_is_refused_even_when_the_html_ends_like_a_png():
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(ImageRejected, match="extra data after the image"):
        check_image(encoded("PNG") + html + b"IEND\x00\x00\x00\x00")


def test_a_jpeg_with_html_after_it_is_refused_even_when_the_html_ends_like_a_jpeg():
    html = b"<html><script>alert(1)</script></html>"
    with pytest.raises(ImageRejected, match="extra data after the image"):
        check_image(encoded("JPEG") + html + b"\xff\xd9")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_plain_image_is_accepted(fmt):
    checked = check_image(encoded(fmt))
    assert (checked.width, checked.height) == (120, 80)


def test_a_progressive_jpeg_is_accepted():
    assert check_image(encoded("JPEG", progressive=True, quality=80)).format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_no_metadata_survives_not_even_the_colour_profile(fmt):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    checked = check_image(encoded(fmt, exif=exif, icc_profile=profile))
    display = Image.open(io.BytesIO(checked.display))
    assert not display.getexif()
    assert "icc_profile" not in display.info
    assert b"PhoneMaker" not in checked.display


# --- Phone photos and large screenshots -------------------------------------------------


@pytest.fixture(scope="module")
def photo_12mp():
    from tests.moderation.images import phone_photo

    return phone_photo(orientation=6)  # held sideways: shown 3000×4000


@pytest.fixture(scope="module")
def screenshot():
    from tests.moderation.images import screenshot_4k

    return screenshot_4k()


def test_a_12_megapixel_phone_photo_stays_jpeg_upright_with_no_exif_or_gps(photo_12mp):
    before = hashlib.sha256(photo_12mp).hexdigest()
    assert Image.open(io.BytesIO(photo_12mp)).getexif().get(0x8825)
    checked = check_image(photo_12mp, thumbnail_size=(480, 480))
    assert checked.format == checked.display_format == "JPEG"
    assert (checked.width, checked.height) == (3000, 4000)
    display = Image.open(io.BytesIO(checked.display))
    assert display.format == "JPEG"
    assert display.size == (3000, 4000)  # turned upright, full size
    assert not display.getexif()
    assert b"SecretPhone" not in checked.display and b"Exif" not in checked.display
    # A photo stays the size of a photo (an optimised PNG of it was 11 MB).
    assert len(checked.display) < len(photo_12mp) * 1.5
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == "JPEG" and max(thumb.size) == 480 and thumb.size[1] > thumb.size[0]
    assert b"SecretPhone" not in checked.thumbnail
    assert checked.original == photo_12mp
    assert hashlib.sha256(checked.original).hexdigest() == before == checked.sha256


def test_a_4k_png_screenshot_stays_png_with_no_text_chunks_or_exif(screenshot):
    assert Image.open(io.BytesIO(screenshot)).info.get("Author")
    checked = check_image(screenshot, thumbnail_size=(480, 480))
    display = Image.open(io.BytesIO(checked.display))
    assert display.format == "PNG" and display.size == (3840, 2160)
    assert not display.info.get("Author") and not display.getexif()
    assert b"SecretPhone" not in checked.display and b"eXIf" not in checked.display
    assert checked.sha256 == hashlib.sha256(screenshot).hexdigest()
    # The same pixels: a screenshot's text must stay exactly legible.
    original = Image.open(io.BytesIO(screenshot)).convert("RGB")
    assert original.tobytes() == display.convert("RGB").tobytes()


def test_a_photo_can_be_kept_smaller_for_print(photo_12mp):
    checked = check_image(photo_12mp, thumbnail_size=(160, 160), max_side=1200)
    display = Image.open(io.BytesIO(checked.display))
    assert display.format == "JPEG" and display.size == (900, 1200)


def test_the_quick_check_makes_no_copies_but_still_refuses_a_photo_cut_short(photo_12mp):
    checked = inspect_image(photo_12mp)
    assert checked.copies is None and checked.format == "JPEG"
    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        inspect_image(photo_12mp[: len(photo_12mp) // 2])


def test_a_webp_stays_webp():
    checked = check_image(encoded("WEBP"))
    assert Image.open(io.BytesIO(checked.display)).format == "WEBP"
    assert checked.copies.content_type == "image/webp"


def test_a_png_with_a_transparent_palette_keeps_its_transparency():
    image = Image.new("P", (60, 40), 0)
    image.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    image.paste(1, (10, 10, 50, 30))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    display = Image.open(io.BytesIO(check_image(out.getvalue()).display))
    assert display.format == "PNG"
    assert display.convert("RGBA").getpixel((0, 0))[3] == 0
    assert display.convert("RGBA").getpixel((20, 20)) == (200, 30, 30, 255)


# --- iPhone photos (HEIC) -----------------------------------------------------------


@pytest.fixture(scope="module")
def iphone_12mp():
    from tests.moderation.images import iphone_photo

    return iphone_photo(orientation=6)  # 4032×3024 held sideways


def test_an_iphone_heic_photo_is_kept_as_sent_and_shown_as_an_upright_jpeg(iphone_12mp):
    assert Image.open(io.BytesIO(iphone_12mp)).format == "HEIF"
    checked = check_image(iphone_12mp, thumbnail_size=(480, 480))
    assert checked.format == "HEIF" and checked.original_extension == "heic"
    assert checked.original == iphone_12mp
    assert checked.sha256 == hashlib.sha256(iphone_12mp).hexdigest()
    assert (checked.width, checked.height) == (3024, 4032)
    assert checked.display_format == "JPEG" and checked.copies.content_type == "image/jpeg"
    display = Image.open(io.BytesIO(checked.display))
    assert display.format == "JPEG" and display.size == (3024, 4032)  # upright, not turned twice
    assert not display.getexif() and b"SecretPhone" not in checked.display
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == "JPEG" and thumb.size[1] > thumb.size[0]


def test_a_heic_with_something_after_it_or_cut_short_is_refused(iphone_12mp):
    with pytest.raises(ImageRejected, match="extra data after the image"):
        inspect_image(iphone_12mp + b"<html><script>alert(1)</script></html>")
    with pytest.raises(ImageRejected):
        inspect_image(iphone_12mp[: len(iphone_12mp) // 2])


def test_the_refusal_names_heic_among_the_formats_taken():
    with pytest.raises(ImageRejected, match="PNG, JPEG, WebP or HEIC"):
        check_image(b"%PDF-1.7 not an image")
