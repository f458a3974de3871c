"""Files that must never be public (screenshot evidence, consent form scans,
pupil photos) live under ``PRIVATE_STORAGE_ROOT``, outside the media root, and
reach a browser only through a view that has checked the role and written an
audit event — which then calls ``private_file_response``."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.functional import LazyObject


class _PrivateStorage(LazyObject):
    def _setup(self):
        # Resolved lazily so tests can point PRIVATE_STORAGE_ROOT elsewhere.
        self._wrapped = FileSystemStorage(
            location=str(settings.PRIVATE_STORAGE_ROOT), base_url=None
        )


private_storage = _PrivateStorage()


def get_private_storage() -> FileSystemStorage:
    """For FileField(storage=...): a callable, so migrations stay stable."""
    return FileSystemStorage(location=str(settings.PRIVATE_STORAGE_ROOT), base_url=None)


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
