"""Reading the text of a screenshot with Tesseract OCR (through pytesseract).

Administrators often paste a screenshot rather than type the comment out,
and a screenshot of a WhatsApp thread can name several children: the text is
read so that it is screened for pupils' names exactly like typed text
(``moderation.services.reading``). This module only reads: it knows nothing
of schools or incidents, so the benchmark and the tests call it directly.

Each word comes with its box in the image's own pixels, so a name found in
the text can be shown where it is on the screenshot and blacked out on a
redacted copy (``moderation.redaction``). English and Welsh are read
together (``eng+cym``: Siân, Gwenllïan, Dafydd); the Debian packages
``tesseract-ocr``, ``tesseract-ocr-eng`` and ``tesseract-ocr-cym`` provide
the engine and its language data.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import time
from functools import lru_cache

from PIL import Image, ImageOps

LANGUAGES = ("eng", "cym")
# Phone screenshots are 1080–1440 px wide; text smaller than ~20 px high is
# read better enlarged. Very large images are read at this many pixels at
# most (a 4K desktop screenshot is 8.3 MP and read as it is).
MIN_WIDTH = 1000
MAX_PIXELS = 16_000_000
# Words Tesseract itself is less sure of than this are left out: they are
# mostly specks, icons and emoji read as letters.
MIN_CONFIDENCE = 30


class OcrUnavailable(Exception):
    """Tesseract (or a language it needs) is not installed on this server."""


@dataclasses.dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    start: int  # offsets of the word in ``ReadText.text``
    end: int

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ReadText:
    text: str
    words: list[Word]
    languages: str
    engine: str
    seconds: float


@lru_cache(maxsize=1)
def _engine() -> tuple[str, tuple[str, ...]]:
    """Tesseract's version and the languages it has, or OcrUnavailable."""
    import pytesseract

    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise OcrUnavailable(
            "Tesseract OCR is not installed on this server "
            "(apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym)."
        )
    try:
        version = str(pytesseract.get_tesseract_version())
        have = tuple(pytesseract.get_languages(config=""))
    except (OSError, pytesseract.TesseractError) as error:  # pragma: no cover
        raise OcrUnavailable(f"Tesseract OCR could not be started: {error}") from error
    return version, have


def available() -> bool:
    try:
        _engine()
    except OcrUnavailable:
        return False
    return True


def _languages() -> str:
    version, have = _engine()
    chosen = [lang for lang in LANGUAGES if lang in have]
    if "eng" not in chosen:
        raise OcrUnavailable("Tesseract's English data is missing (tesseract-ocr-eng).")
    return "+".join(chosen)


def prepare(image: Image.Image) -> tuple[Image.Image, float]:
    """A greyscale copy Tesseract reads well, and the scale from it back to
    the original's pixels. Dark-mode screenshots (light text on dark) are
    inverted; small images are enlarged; huge ones reduced."""
    image = ImageOps.exif_transpose(image)
    grey = image.convert("L")
    # Dark mode: most of the picture is dark. Tesseract reads dark on light.
    histogram = grey.histogram()
    dark = sum(histogram[:96])
    if dark > 0.5 * sum(histogram):
        grey = ImageOps.invert(grey)
    scale = 1.0
    if grey.width < MIN_WIDTH:
        scale = MIN_WIDTH / grey.width
    elif grey.width * grey.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (grey.width * grey.height)) ** 0.5
    if scale != 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey, scale


def read_image(data: bytes | Image.Image) -> ReadText:
    """Read the words of an image, in reading order, each with its box.

    Lines are joined with a newline and words with a space, so the name
    matcher sees "Tom Smith" across the words of one line (and never joins
    two lines into one name)."""
    import pytesseract

    version, _have = _engine()
    languages = _languages()
    started = time.perf_counter()
    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    grey, scale = prepare(image)
    try:
        table = pytesseract.image_to_data(
            grey, lang=languages, config="--psm 3", output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractError as error:
        raise OcrUnavailable(f"Tesseract could not read the image: {error}") from error
    words: list[Word] = []
    parts: list[str] = []
    length = 0
    line_key = None
    for i, raw in enumerate(table["text"]):
        text = (raw or "").strip()
        conf = float(table["conf"][i])
        if not text or conf < MIN_CONFIDENCE:
            continue
        key = (table["block_num"][i], table["par_num"][i], table["line_num"][i])
        if parts:
            separator = " " if key == line_key else "\n"
            parts.append(separator)
            length += 1
        line_key = key
        start = length
        parts.append(text)
        length += len(text)
        words.append(
            Word(
                text=text,
                left=round(table["left"][i] / scale),
                top=round(table["top"][i] / scale),
                width=max(1, round(table["width"][i] / scale)),
                height=max(1, round(table["height"][i] / scale)),
                conf=round(conf, 1),
                start=start,
                end=length,
            )
        )
    return ReadText(
        text="".join(parts),
        words=words,
        languages=languages,
        engine=f"tesseract {version}",
        seconds=round(time.perf_counter() - started, 3),
    )


def words_between(words: list[dict], start: int, end: int) -> list[dict]:
    """The words (as stored: dicts) that overlap the text offsets
    ``start``–``end`` — the boxes of a name screening found."""
    return [w for w in words if w["start"] < end and start < w["end"]]
