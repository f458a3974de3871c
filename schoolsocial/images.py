"""Accepting images from users: one implementation for pupil photos, consent
form scans and screenshot evidence.

An upload is accepted only if Pillow recognises its *content* as an allowed
format (the file name and the browser's content type are ignored), it is
within the byte and pixel limits, it is not a decompression bomb, and it
decodes fully (a truncated or corrupt file, or one with bytes after the end
of the image such as a PNG followed by HTML, is refused).

Two steps, so that the slow one can run in the background:

- ``inspect_image`` checks the bytes and is quick (a 12-megapixel phone JPEG
  is decoded at an eighth of its size, which still reads every byte of it);
- ``make_copies`` builds the display copy and the thumbnail from the decoded
  pixels, so no metadata (EXIF, GPS, comments, colour profile) survives. The
  format is kept — a JPEG photo stays JPEG, a PNG screenshot stays PNG, WebP
  stays WebP — because re-encoding a photo as PNG made an 11 MB file in 9 s.
  An iPhone's HEIC photo (Pillow's "HEIF", read by pillow-heif) is kept as
  sent, and shown as a JPEG: most browsers cannot show HEIC.

``check_image`` does both at once, for small images handled in the request.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# Never accept a partial image.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# HEIC, an iPhone's photo format. libheif applies the photo's own rotation
# as it decodes and sets the EXIF orientation to 1, so nothing turns twice.
register_heif_opener()

ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP", "HEIF"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# Screenshots are at most a few thousand pixels along a side; anything far
# more lopsided (e.g. 1×100000) is not a screenshot and is refused.
MAX_ASPECT_RATIO = 50
CONTENT_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "HEIF": "heic"}
# What each format is shown as: browsers other than Safari cannot show HEIC.
DISPLAY_FORMATS = {"HEIF": "JPEG"}
# For a file input's ``accept``: what a phone or a desktop offers to upload.
ACCEPT = "image/png,image/jpeg,image/webp,image/heic,image/heif,.heic,.heif"
# EXIF orientations 5–8 turn the picture a quarter: width and height swap.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112
# Modes each format can store as they are; anything else becomes RGB(A).
_KEEP_MODES = {
    "JPEG": frozenset({"L", "RGB"}),
    "PNG": frozenset({"1", "L", "LA", "P", "RGB", "RGBA"}),
    "WEBP": frozenset({"RGB", "RGBA"}),
}


class ImageRejected(ValidationError):
    """The upload is not an acceptable image; the message says why."""


@dataclass(frozen=True)
class ImageCopies:
    """What is shown: metadata-free, upright, in the format of the original."""

    display: bytes
    display_format: str  # PNG, JPEG or WEBP: the original's (JPEG for HEIF)
    thumbnail: bytes | None  # JPEG

    @property
    def display_extension(self) -> str:
        return EXTENSIONS[self.display_format]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.display_format]


@dataclass(frozen=True)
class CheckedImage:
    original: bytes
    sha256: str
    format: str  # PNG, JPEG, WEBP or HEIF
    width: int  # as it is shown (after the EXIF orientation)
    height: int
    copies: ImageCopies | None = None

    @property
    def original_extension(self) -> str:
        return EXTENSIONS[self.format]

    # The copies' fields, for callers that made them in the same step.
    @property
    def display(self) -> bytes:
        return self._copies().display

    @property
    def display_format(self) -> str:
        return self._copies().display_format

    @property
    def display_extension(self) -> str:
        return self._copies().display_extension

    @property
    def thumbnail(self) -> bytes | None:
        return self._copies().thumbnail

    def _copies(self) -> ImageCopies:
        if self.copies is None:
            raise ValueError("No copies were made of this image; call make_copies.")
        return self.copies


def read_upload(upload, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` + 1 bytes, refusing anything larger."""
    if upload is None:
        raise ImageRejected(gettext("Choose a file to upload."))
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(_too_big(max_bytes))
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(_too_big(max_bytes))
    if not data:
        raise ImageRejected(gettext("The file is empty."))
    return data


def _too_big(max_bytes: int) -> str:
    return gettext("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}


@contextlib.contextmanager
def _bomb_guard(max_pixels: int):
    with warnings.catch_warnings():
        # Pillow warns of a decompression bomb and raises at twice its limit;
        # both are refusals here, and our own pixel limit is checked from the
        # header before any pixel is decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(_too_many_pixels(max_pixels)) from error


def inspect_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: frozenset[str] = ALLOWED_FORMATS,
) -> CheckedImage:
    """Check image bytes without making any copy: the format by content, the
    size, nothing hidden after the end, and that every byte decodes. A JPEG
    is decoded at 1/8 scale (libjpeg still reads all of its data), so a
    12-megapixel photo takes a fraction of a second and a few MB."""
    if not data:
        raise ImageRejected(gettext("The file is empty."))
    allowed = _format_names(formats)
    with _bomb_guard(max_pixels):
        image = _open(data, formats, allowed)
        width, height = image.size
        _check_dimensions(width, height, max_pixels)
        if image.format == "JPEG":
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageRejected(
                gettext("The image is damaged or incomplete and could not be read.")
            ) from error
        _check_nothing_after_end(data, image)
        if _orientation(image) in _QUARTER_TURNS:
            width, height = height, width
        fmt = image.format
        image.close()
    return CheckedImage(
        original=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        width=width,
        height=height,
    )


def make_copies(
    data: bytes,
    *,
    thumbnail_size: tuple[int, int] | None = None,
    max_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageCopies:
    """The display copy (upright, no metadata, same format; at most
    ``max_side`` pixels along a side when given) and a JPEG thumbnail.

    Kept within a fixed budget: no PNG ``optimize`` (it tries every filter at
    the highest compression, seconds for a large screenshot), JPEGs decoded
    at a reduced scale when only a smaller copy is wanted, and no needless
    copies of the decoded pixels (a 12-megapixel photo is 36 MB of them).
    """
    with _bomb_guard(max_pixels):
        image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
        fmt = image.format
        if fmt == "JPEG" and max_side:
            image.draft(image.mode, (max_side, max_side))
        image.load()
    transposed = ImageOps.exif_transpose(image, in_place=False) if _orientation(image) > 1 else None
    if transposed is not None:
        image.close()
        image = transposed
    if max_side and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    display_format = DISPLAY_FORMATS.get(fmt, fmt)
    display = _encode_display(image, display_format)
    thumbnail = _thumbnail(image, thumbnail_size) if thumbnail_size else None
    image.close()
    return ImageCopies(display=display, display_format=display_format, thumbnail=thumbnail)


def check_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: frozenset[str] = ALLOWED_FORMATS,
    thumbnail_size: tuple[int, int] | None = None,
    max_side: int | None = None,
) -> CheckedImage:
    """Check the bytes and make the copies in one step."""
    checked = inspect_image(data, max_pixels=max_pixels, formats=formats)
    copies = make_copies(
        data, thumbnail_size=thumbnail_size, max_side=max_side, max_pixels=max_pixels
    )
    return CheckedImage(
        original=checked.original,
        sha256=checked.sha256,
        format=checked.format,
        width=checked.width,
        height=checked.height,
        copies=copies,
    )


def check_upload(upload, *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs) -> CheckedImage:
    return check_image(read_upload(upload, max_bytes=max_bytes), **kwargs)


def inspect_upload(upload, *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs) -> CheckedImage:
    return inspect_image(read_upload(upload, max_bytes=max_bytes), **kwargs)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION) or 1)
    except (TypeError, ValueError, SyntaxError, OSError):
        return 1


def _open(data: bytes, formats, allowed: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except UnidentifiedImageError as error:
        raise ImageRejected(
            gettext("This file is not a %(formats)s image. Save it as %(formats)s and try again.")
            % {"formats": allowed}
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(gettext("The image is damaged and could not be read.")) from error
    if image.format not in formats:
        raise ImageRejected(gettext("Only %(formats)s images are accepted.") % {"formats": allowed})
    if getattr(image, "n_frames", 1) > 1:
        raise ImageRejected(
            gettext("Animated images are not accepted; upload a single still image.")
        )
    return image


FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP", "HEIF": "HEIC"}


def _format_names(formats) -> str:
    names = [FORMAT_NAMES.get(f, f) for f in ("PNG", "JPEG", "WEBP", "HEIF") if f in formats]
    if len(names) == 1:
        return names[0]
    return gettext("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _too_many_pixels(max_pixels: int) -> str:
    return gettext("The image has more than %(count)s megapixels.") % {
        "count": max_pixels // 1_000_000
    }


def _check_dimensions(width: int, height: int, max_pixels: int) -> None:
    if width < 1 or height < 1:
        raise ImageRejected(gettext("The image has no pixels."))
    if width * height > max_pixels:
        raise ImageRejected(_too_many_pixels(max_pixels))
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise ImageRejected(
            gettext(
                "The image is %(width)s×%(height)s pixels: far too narrow to be a screenshot "
                "or photo."
            )
            % {"width": width, "height": height}
        )


def _check_nothing_after_end(data: bytes, image: Image.Image) -> None:
    """Refuse bytes hidden after the image (a PNG followed by HTML). The end
    is found by walking the file's own structure, not by searching for an end
    marker, which the hidden bytes could carry themselves."""
    if image.format == "PNG":
        end = _png_end(data)
    elif image.format == "JPEG":
        end = _jpeg_end(data)
    elif image.format == "HEIF":
        end = _box_end(data)
    else:  # WEBP: the RIFF header states the length
        end = int.from_bytes(data[4:8], "little") + 8
    if end is None:
        raise ImageRejected(gettext("The image is damaged or incomplete and could not be read."))
    if data[end:].strip(b"\x00"):
        raise ImageRejected(
            gettext(
                "The file has extra data after the image. Upload the screenshot as it was saved."
            )
        )


def _box_end(data: bytes) -> int | None:
    """Offset just after the last top-level box of an ISO media file (HEIC),
    walking box by box from the first. Whatever follows that is not a box
    (no four-letter type) is extra data; a box running past the end of the
    file means it was cut short (None)."""
    position = 0
    while position + 8 <= len(data):
        kind = data[position + 4 : position + 8]
        if not (kind.isascii() and kind.isalnum()):
            return position
        size = int.from_bytes(data[position : position + 4], "big")
        header = 8
        if size == 1:  # a 64-bit size follows the type
            size, header = int.from_bytes(data[position + 8 : position + 16], "big"), 16
        elif size == 0:  # the last box runs to the end of the file
            return len(data)
        if size < header or position + size > len(data):
            return None
        position += size
    return position


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
            # bytes.find runs in C: a byte-by-byte loop here took most of a
            # second on a 6 MB photo.
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= size:
                    return None
                following = data[position + 1]
                if following != 0x00 and not 0xD0 <= following <= 0xD7 and following != 0xFF:
                    break
                position += 1
    return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _encode_display(image: Image.Image, fmt: str) -> bytes:
    """Encode from the pixels alone: ``info`` (EXIF, ICC profile, text
    chunks, comments) is emptied first, so nothing else is written."""
    transparency = image.info.get("transparency") if image.mode == "P" else None
    if image.mode not in _KEEP_MODES[fmt]:
        wanted = "RGBA" if fmt != "JPEG" and _has_alpha(image) else "RGB"
        converted = image.convert(wanted)
        image.close()
        image = converted
    image.info = {}
    options = {}
    if fmt == "JPEG":
        options = {"quality": 90}
    elif fmt == "PNG":
        # zlib level 3: measured on a 4K screenshot it is faster than the
        # default 6 and no bigger; level 9 or ``optimize`` (every filter at
        # the highest level) take seconds for a few per cent.
        options = {"compress_level": 3}
        if transparency is not None:
            options["transparency"] = transparency
    else:
        options = {"quality": 90}
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image, size: tuple[int, int]) -> bytes:
    width, height = image.size
    scale = min(size[0] / width, size[1] / height, 1.0)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    source = image if image.mode in ("RGB", "L") else image.convert("RGB")
    # reducing_gap: shrink by whole factors first (fast box filter), then
    # resample the last step properly.
    thumb = source.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
    if thumb.mode != "RGB":
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=85)
    return out.getvalue()
