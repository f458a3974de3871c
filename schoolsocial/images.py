"""Accepting images from users: one implementation for pupil photos, consent
form scans and screenshot evidence.

An upload is accepted only if Pillow recognises its *content* as an allowed
format (the file name and the browser's content type are ignored), it is
within the byte and pixel limits, it is not a decompression bomb, and it
decodes fully (a truncated or corrupt file, or one with bytes after the end
of the image such as a PNG followed by HTML, is refused). The display copy is
re-encoded from the decoded pixels, so no metadata (EXIF, GPS, comments)
survives.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# Never accept a partial image.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# Screenshots are at most a few thousand pixels along a side; anything far
# more lopsided (e.g. 1×100000) is not a screenshot and is refused.
MAX_ASPECT_RATIO = 50


class ImageRejected(ValidationError):
    """The upload is not an acceptable image; the message says why."""


@dataclass(frozen=True)
class CheckedImage:
    original: bytes
    sha256: str
    format: str  # PNG, JPEG or WEBP
    width: int
    height: int
    display: bytes  # re-encoded, metadata-free
    display_format: str  # PNG or JPEG
    thumbnail: bytes | None = None

    @property
    def display_extension(self) -> str:
        return "png" if self.display_format == "PNG" else "jpg"

    @property
    def original_extension(self) -> str:
        return {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[self.format]


def read_upload(upload, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` + 1 bytes, refusing anything larger."""
    if upload is None:
        raise ImageRejected("Choose a file to upload.")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(_too_big(max_bytes))
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(_too_big(max_bytes))
    if not data:
        raise ImageRejected("The file is empty.")
    return data


def _too_big(max_bytes: int) -> str:
    return f"The file is larger than {max_bytes // (1024 * 1024)} MB."


def check_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: frozenset[str] = ALLOWED_FORMATS,
    thumbnail_size: tuple[int, int] | None = None,
) -> CheckedImage:
    """Validate image bytes and build a metadata-free display copy."""
    if not data:
        raise ImageRejected("The file is empty.")
    allowed = _format_names(formats)
    with warnings.catch_warnings():
        # Pillow warns of a decompression bomb and raises at twice its limit;
        # both are refusals here, and our own pixel limit is checked from the
        # header before any pixel is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = _open(data, formats, allowed)
            width, height = image.size
            _check_dimensions(width, height, max_pixels)
            try:
                image.load()
            except (OSError, SyntaxError, ValueError) as error:
                raise ImageRejected(
                    "The image is damaged or incomplete and could not be read."
                ) from error
            _check_nothing_after_end(data, image)
            display, display_format = _reencode(image)
            thumbnail = _thumbnail(image, thumbnail_size) if thumbnail_size else None
        except Image.DecompressionBombError as error:
            raise ImageRejected(_too_many_pixels(max_pixels)) from error
        except Image.DecompressionBombWarning as error:
            raise ImageRejected(_too_many_pixels(max_pixels)) from error
    return CheckedImage(
        original=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=image.format,
        width=width,
        height=height,
        display=display,
        display_format=display_format,
        thumbnail=thumbnail,
    )


def check_upload(upload, *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs) -> CheckedImage:
    return check_image(read_upload(upload, max_bytes=max_bytes), **kwargs)


def _open(data: bytes, formats, allowed: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except UnidentifiedImageError as error:
        raise ImageRejected(
            f"This file is not a {allowed} image. Save it as {allowed} and try again."
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRejected("The image is damaged and could not be read.") from error
    if image.format not in formats:
        raise ImageRejected(f"Only {allowed} images are accepted.")
    if getattr(image, "n_frames", 1) > 1:
        raise ImageRejected("Animated images are not accepted; upload a single still image.")
    return image


FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


def _format_names(formats) -> str:
    names = [FORMAT_NAMES.get(f, f) for f in ("PNG", "JPEG", "WEBP") if f in formats]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _too_many_pixels(max_pixels: int) -> str:
    return f"The image has more than {max_pixels // 1_000_000} megapixels."


def _check_dimensions(width: int, height: int, max_pixels: int) -> None:
    if width < 1 or height < 1:
        raise ImageRejected("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageRejected(_too_many_pixels(max_pixels))
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise ImageRejected(
            f"The image is {width}×{height} pixels: far too narrow to be a screenshot or photo."
        )


def _check_nothing_after_end(data: bytes, image: Image.Image) -> None:
    """Refuse bytes hidden after the image (a PNG followed by HTML). The end
    is found by walking the file's own structure, not by searching for an end
    marker, which the hidden bytes could carry themselves."""
    if image.format == "PNG":
        end = _png_end(data)
    elif image.format == "JPEG":
        end = _jpeg_end(data)
    else:  # WEBP: the RIFF header states the length
        end = int.from_bytes(data[4:8], "little") + 8
    if end is None:
        raise ImageRejected("The image is damaged or incomplete and could not be read.")
    if data[end:].strip(b"\x00"):
        raise ImageRejected(
            "The file has extra data after the image. Upload the screenshot as it was saved."
        )


def _png_end(data: bytes) -> int | None:
    """Offset just after the first IEND chunk, walking chunk by chunk."""
    position = 8  # the signature
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        position += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return position if position <= len(data) else None
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the EOI marker that ends the image, walking the
    segments and the entropy-coded data after each start of scan."""
    position, size = 2, len(data)  # after SOI
    while position < size:
        if data[position] != 0xFF:
            return None
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            return None
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return position
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            continue
        length = int.from_bytes(data[position : position + 2], "big")
        position += length
        if marker == 0xDA:  # start of scan: skip the coded data to the next marker
            while position + 1 < size and not (
                data[position] == 0xFF
                and data[position + 1] != 0x00
                and not 0xD0 <= data[position + 1] <= 0xD7
            ):
                position += 1
    return None


def _reencode(image: Image.Image) -> tuple[bytes, str]:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    if image.format == "JPEG" and not has_alpha:
        clean = image.convert("RGB")
        clean.info = {}  # no EXIF, ICC profile, comments or anything else
        clean.save(out, format="JPEG", quality=90, optimize=True)
        return out.getvalue(), "JPEG"
    clean = image.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue(), "PNG"


def _thumbnail(image: Image.Image, size: tuple[int, int]) -> bytes:
    thumb = ImageOps.exif_transpose(image).convert("RGB")
    thumb.thumbnail(size)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue()
