"""Image bytes for the upload tests, made with Pillow."""

import io
import struct
import zlib

from PIL import Image, ImageDraw


def png_bytes(size=(320, 200), colour=(240, 240, 245), text="A comment") -> bytes:
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).text((10, 10), text, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(320, 200), exif=None) -> bytes:
    image = Image.new("RGB", size, (200, 220, 240))
    ImageDraw.Draw(image).text((10, 10), "Screenshot", fill=(0, 0, 0))
    out = io.BytesIO()
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    gps = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (3.0, 10.0, 5.0)}
    exif[0x8825] = gps  # GPSInfo
    return jpeg_bytes(exif=exif)


def webp_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 80), (10, 200, 10)).save(out, format="WEBP")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bomb(width=30000, height=30000) -> bytes:
    """A tiny PNG that claims to be ``width`` × ``height`` (900 megapixels),
    its pixel data a compressed run of zeros."""
    raw_row = b"\x00" + b"\x00" * width  # filter byte + greyscale pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(raw_row) for _ in range(200)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def thin_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1, 100000), 255).save(out, format="PNG")
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)


def phone_photo(size=(4000, 3000), orientation=None) -> bytes:
    """A 12-megapixel phone photo: noisy pixels (so it compresses like a
    real photo, a few MB), with the EXIF a phone writes, GPS included."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (3.0, 10.0, 5.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def iphone_photo(size=(4032, 3024), orientation=6) -> bytes:
    """An iPhone's HEIC photo: the size an iPhone takes (12 MP), held
    sideways (EXIF orientation 6), with the maker, model and GPS it writes."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    # Smooth shades and shapes, not noise: the HEVC encoder takes 17 s over
    # 12 MP of noise and under 2 s over this; the decoder's work is the same.
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, min(size), 150):
        draw.ellipse((i, i // 2, i + 600, i // 2 + 400), outline=(200, 40 + i % 200, 90), width=9)
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "SecretPhone 15"
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (3.0, 10.0, 5.0)}
    out = io.BytesIO()
    image.save(out, format="HEIF", quality=60, exif=exif.tobytes())
    return out.getvalue()


def screenshot_4k() -> bytes:
    """A 3840×2160 PNG screenshot: text, flat colour and a photo in the feed,
    with the text chunks and EXIF some phones add."""
    from PIL import PngImagePlugin

    image = Image.new("RGB", (3840, 2160), (245, 245, 250))
    draw = ImageDraw.Draw(image)
    for y in range(0, 2160, 24):
        draw.text((20 + y % 200, y), "A comment about the school trip " * 8, fill=(20, 20, 20))
    image.paste(Image.effect_noise((1600, 900), 50).convert("RGB"), (1200, 600))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretPhone 9")
    info.add_text("Location", "51.5033, -0.1196")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0)}
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif)
    return out.getvalue()
