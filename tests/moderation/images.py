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
