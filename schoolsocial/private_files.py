"""Files that must never be public (screenshot evidence, consent form scans,
pupil photos) live under ``PRIVATE_STORAGE_ROOT``, outside the media root, and
reach a browser only through a view that has checked the role and written an
audit event — which then calls ``private_file_response``."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse


class PrivateFileStorage(FileSystemStorage):
    """A file system storage with no public URL whose folder is read from
    the settings at each use, so a FileField's storage and code that opens
    the same file always agree (tests point the setting elsewhere)."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


private_storage = PrivateFileStorage()


def get_private_storage() -> PrivateFileStorage:
    """For FileField(storage=...): a callable, so migrations stay stable."""
    return private_storage


def private_file_response(
    file, *, filename: str, content_type: str, as_attachment: bool = False
) -> FileResponse:
    response = FileResponse(
        file, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    if not as_attachment:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
