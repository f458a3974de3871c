"""The shared image check: what it refuses and what survives re-encoding."""

import io

import pytest
from PIL import Image, ImageCms

from schoolsocial.images import ImageRejected, check_image


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
