"""Counting the faces in a photo before it is posted.

Threemilestone 4.1–4.4: only pupils whose parents consented appear. The
person running the publication check ticks the pupils in the photo; a child
at the edge of a group shot is easily missed. Counting the faces and saying
"4 faces, 2 pupils ticked — who are the others?" catches that.

Detection only, never recognition: OpenCV's Haar cascade (the model ships
inside the opencv-python-headless package, ``cv2.data.haarcascades``)
answers "how many faces", nothing about whose. No face box, crop or
feature is stored; the photo itself is kept only if the administrator
chooses to (``consent.services.check_photo_record``).
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

from django.utils.translation import gettext, ngettext
from PIL import Image, ImageOps

# Photos are looked at no larger than this (longest side): a 12 MP phone
# photo is reduced to about 2 MP, enough for any face a viewer would see.
MAX_SIDE = 1600
CASCADE = "haarcascade_frontalface_default.xml"


@lru_cache(maxsize=1)
def _detector():
    import cv2

    detector = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, CASCADE))
    if detector.empty():  # pragma: no cover - a broken install
        raise RuntimeError(f"OpenCV's {CASCADE} could not be loaded.")
    return detector


def count_faces(data: bytes | Image.Image) -> int:
    """How many faces the photo shows (frontal, at least ~1/40 of the
    picture's shorter side)."""
    import cv2
    import numpy as np

    image = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    image = ImageOps.exif_transpose(image).convert("L")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    grey = cv2.equalizeHist(np.asarray(image, dtype=np.uint8))
    smallest = max(24, min(grey.shape) // 40)
    faces = _detector().detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=6, minSize=(smallest, smallest)
    )
    return len(faces)


def _counts(faces: int, ticked: int) -> dict[str, str]:
    return {
        "faces": ngettext("%(count)s face", "%(count)s faces", faces) % {"count": faces},
        "pupils": ngettext("%(count)s pupil", "%(count)s pupils", ticked) % {"count": ticked},
    }


def warning(faces: int, ticked: int) -> str:
    """What the check says when more faces are found than pupils ticked."""
    if faces <= ticked:
        return ""
    return gettext("%(faces)s, %(pupils)s ticked — who are the others?") % _counts(faces, ticked)


def counted(faces: int, ticked: int) -> str:
    """What the check says when no more faces are found than pupils ticked."""
    return gettext("%(faces)s found in the photo; %(pupils)s ticked.") % _counts(faces, ticked)
