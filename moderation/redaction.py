"""Copies of a screenshot with words marked on them, made from the word
boxes OCR found (``moderation.ocr``): a highlighted copy showing staff where
a pupil's name is, and a redacted copy with every pupil's name (and any
other words a leader chooses) blacked out, safe to share with a platform,
the police or a parent (UK GDPR Art. 5(1)(c): disclose no more than is
needed; other children's names are not theirs to see).

The original is never altered: each copy is made in memory from its bytes,
served once and not stored. A redacted copy is re-encoded as PNG without any
metadata (EXIF, GPS, the phone's name).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image, ImageDraw, ImageOps

from schoolsocial.folding import fold

# Boxes grow by this share of their height each side, so ascenders,
# descenders and accents are covered too.
PADDING = 0.25


def _padded(box, width: int, height: int) -> tuple[int, int, int, int]:
    left, top, w, h = box
    pad = max(2, round(h * PADDING))
    return (
        max(0, left - pad),
        max(0, top - pad),
        min(width, left + w + pad),
        min(height, top + h + pad),
    )


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def name_boxes(screening: dict) -> list[list[int]]:
    """Every box of every pupil's name screening found, named or possible."""
    return [box for m in screening.get("names", []) for box in m.get("boxes", [])]


def word_boxes(words: list[dict], marked: Iterable[str]) -> list[list[int]]:
    """The boxes of the words a leader marked (compared folded: "siân" marks
    "Sian"; punctuation around a word is ignored)."""
    wanted = {fold(w).strip(" .,;:!?'\"()") for w in marked if w and w.strip()}
    wanted.discard("")
    return [
        [w["left"], w["top"], w["width"], w["height"]]
        for w in words
        if fold(w["text"]).strip(" .,;:!?'\"()") in wanted
    ]


def redacted_copy(data: bytes, boxes: Iterable) -> bytes:
    """A PNG of the image with each box filled solid black."""
    image = _open(data)
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rectangle(_padded(box, image.width, image.height), fill=(0, 0, 0))
    return _png(image)


def highlighted_copy(data: bytes, boxes: Iterable) -> bytes:
    """A PNG of the image with each box outlined in red, for staff to see
    where a name is (the words stay readable)."""
    image = _open(data)
    draw = ImageDraw.Draw(image)
    line = max(3, image.width // 300)
    for box in boxes:
        draw.rectangle(_padded(box, image.width, image.height), outline=(220, 0, 0), width=line)
    return _png(image)
