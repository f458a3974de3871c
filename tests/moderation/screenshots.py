"""Screenshots made with Pillow for the OCR tests and ``make bench``: chat
and comment threads that mention pupils, in a few fonts and sizes, light and
dark mode, with Welsh accents.

Fonts: DejaVu and Liberation from Debian's fonts-dejavu-core and
fonts-liberation when installed, and always Pillow's own default font
(``ImageFont.load_default(size=...)``, which Pillow ships)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_FILES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
]

# The pupils of the corpus: (first, last). Welsh names with accents, a
# double-barrelled surname, a name inside an everyday word ("Tom" in
# "Tomato").
PUPILS = [
    ("Tom", "Smith"),
    ("Siân", "Ellis-Hughes"),
    ("Gwenllïan", "Prydderch"),
    ("Dafydd", "ap Rhys"),
    ("Ffion", "Llŷr"),
    ("Oliver", "Okafor"),
    ("Amelia", "Nowak"),
    ("Rhodri", "Thomas"),
]

# Each message names one pupil in full; the others are the surrounding chat.
TEMPLATES = [
    "Honestly {name} in year 4 is a menace",
    "Did you see what {name} did at pick up?",
    "{name} pushed my son again today",
    "Someone should tell {name}'s mum",
    "Not surprised it was {name} tbh",
]
FILLER = [
    "Tomato soup for lunch again, the kids hate it",
    "Is the trip still on for Friday?",
    "Diolch yn fawr, see you at the gate",
    "Who has the PE kit list?",
    "Bore da pawb! Cofiwch y gwisg ysgol",
]


def fonts() -> list[tuple[str, object, bool]]:
    """(label, loader, has Welsh accents) for each font available:
    loader(size) → a font. Pillow's own default font has no ŷ, ï or â (it
    draws nothing for them), so it is given the names without accents."""
    found = [
        (Path(p).stem, lambda size, p=p: ImageFont.truetype(p, size), True)
        for p in FONT_FILES
        if Path(p).exists()
    ]
    found.append(("Pillow default", lambda size: ImageFont.load_default(size=size), False))
    return found


@dataclass
class Sample:
    label: str
    image: Image.Image
    named: list[str] = field(default_factory=list)  # full names it contains

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG")
        return out.getvalue()


def chat_screenshot(
    lines: list[str],
    *,
    size=(1080, 2340),
    font=None,
    font_size: int = 40,
    dark: bool = False,
) -> Image.Image:
    """A phone chat screenshot: a header bar and one message bubble a line."""
    background, bubble, ink = (
        ((18, 18, 18), (44, 44, 48), (235, 235, 235))
        if dark
        else ((236, 229, 221), (255, 255, 255), (17, 17, 17))
    )
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = font or ImageFont.load_default(size=font_size)
    draw.rectangle((0, 0, size[0], 180), fill=(7, 94, 84))
    draw.text((40, 60), "Year 4 parents", font=font, fill=(255, 255, 255))
    y = 240
    step = int(font_size * 2.4)
    for line in lines:
        left, top, right, bottom = draw.textbbox((60, y), line, font=font)
        draw.rounded_rectangle((36, top - 18, right + 24, bottom + 18), 16, fill=bubble)
        draw.text((60, y), line, font=font, fill=ink)
        y += step
        if y > size[1] - step:
            break
    return image


def screenshot_with_name(name: str, *, extra: str = "", size=(1080, 2340)) -> bytes:
    """A phone screenshot whose only mention of ``name`` is in the image."""
    lines = ["Is the trip still on for Friday?", f"Honestly {name} in year 4 is a menace"]
    if extra:
        lines.append(extra)
    lines.append("Tomato soup for lunch again")
    path = next((p for p in FONT_FILES if Path(p).exists()), None)
    font = ImageFont.truetype(path, 44) if path else ImageFont.load_default(size=44)
    image = chat_screenshot(lines, size=size, font=font, font_size=44)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def corpus(sizes=(32, 44), dark_too: bool = True) -> list[Sample]:
    """One screenshot per font × size × pupil template, light (and dark):
    each names two pupils among the filler chat."""
    samples = []
    n = 0
    for label, load, accents in fonts():
        pupils = PUPILS if accents else [p for p in PUPILS if "".join(p).isascii()]
        for size in sizes:
            font = load(size)
            for mode in (False, True) if dark_too else (False,):
                first, second = pupils[n % len(pupils)], pupils[(n + 3) % len(pupils)]
                names = [f"{first[0]} {first[1]}", f"{second[0]} {second[1]}"]
                lines = [
                    FILLER[n % len(FILLER)],
                    TEMPLATES[n % len(TEMPLATES)].format(name=names[0]),
                    FILLER[(n + 1) % len(FILLER)],
                    TEMPLATES[(n + 2) % len(TEMPLATES)].format(name=names[1]),
                    "Tomato and basil pasta is on the menu",
                ]
                image = chat_screenshot(lines, font=font, font_size=size, dark=mode)
                samples.append(Sample(f"{label} {size}px{' dark' if mode else ''}", image, names))
                n += 1
    return samples


def desktop_4k() -> Image.Image:
    """A 3840×2160 desktop screenshot of a comment thread."""
    image = Image.new("RGB", (3840, 2160), (250, 250, 252))
    draw = ImageDraw.Draw(image)
    path = next((p for p in FONT_FILES if Path(p).exists()), None)
    font = ImageFont.truetype(path, 30) if path else ImageFont.load_default(size=30)
    y = 80
    n = 0
    while y < 2100:
        first, last = PUPILS[n % len(PUPILS)]
        text = TEMPLATES[n % len(TEMPLATES)].format(name=f"{first} {last}")
        draw.text((400, y), f"Parent {n}: {text}. {FILLER[n % len(FILLER)]}", font=font, fill=0)
        y += 60
        n += 1
    return image
