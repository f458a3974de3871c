"""Files that must never be public (screenshot evidence, consent form scans,
pupil photos, exports) live in private storage and reach a browser only
through a view that has checked the role and written an audit event — which
then calls ``private_file_response``.

Private storage is local disk under ``PRIVATE_STORAGE_ROOT`` (outside the
media root) by default, or, with ``PRIVATE_STORAGE=s3``, a private bucket on
S3-compatible object storage (django-storages), so that several web and
worker machines share the files. Either way, code goes through Django's
storage API (``private_storage``): open, save, delete, listdir, exists.
Objects are never made public and have no URL the app hands out."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
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


def _s3_storage():
    from storages.backends.s3 import S3Storage

    class PrivateS3Storage(S3Storage):
        def url(self, name, *args, **kwargs):
            raise ValueError("Private files have no public URL; serve them through a view.")

    return PrivateS3Storage(
        bucket_name=settings.PRIVATE_S3_BUCKET,
        endpoint_url=settings.PRIVATE_S3_ENDPOINT_URL or None,
        access_key=settings.PRIVATE_S3_ACCESS_KEY_ID or None,
        secret_key=settings.PRIVATE_S3_SECRET_ACCESS_KEY or None,
        region_name=settings.PRIVATE_S3_REGION or None,
        location=settings.PRIVATE_S3_PREFIX,
        default_acl="private",
        querystring_auth=True,
        file_overwrite=False,
        addressing_style="path",
    )


_backends: dict[tuple, object] = {}


def backend():
    """The storage the settings name now (built once per configuration)."""
    kind = getattr(settings, "PRIVATE_STORAGE", "local")
    if kind == "s3":
        key = (
            "s3",
            settings.PRIVATE_S3_BUCKET,
            settings.PRIVATE_S3_ENDPOINT_URL,
            settings.PRIVATE_S3_PREFIX,
            settings.PRIVATE_S3_ACCESS_KEY_ID,
        )
        if key not in _backends:
            _backends[key] = _s3_storage()
        return _backends[key]
    return _local


def is_local() -> bool:
    return backend() is _local


class PrivateStorage(Storage):
    """The one private storage every FileField and service uses: each call
    goes to the backend the settings name at that moment (local disk or
    S3), so tests and deployments switch by configuration alone."""

    def _open(self, name, mode="rb"):
        return backend()._open(name, mode)

    def _save(self, name, content):
        return backend()._save(name, content)

    def get_available_name(self, name, max_length=None):
        return backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return backend().generate_filename(filename)

    def delete(self, name):
        backend().delete(name)

    def exists(self, name):
        return backend().exists(name)

    def listdir(self, path):
        return backend().listdir(path)

    def size(self, name):
        return backend().size(name)

    def path(self, name):
        return backend().path(name)  # local disk only

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")

    def walk(self, path: str = ""):
        """Every file name under ``path``, sorted (for backups)."""
        folders, files = self.listdir(path)
        names = [f"{path}/{f}" if path else f for f in files]
        for folder in folders:
            names += self.walk(f"{path}/{folder}" if path else folder)
        return sorted(names)


_local = PrivateFileStorage()
private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    """For FileField(storage=...): a callable, so migrations stay stable."""
    return private_storage


def open_detached(name: str):
    """The file opened for reading in a form that stays readable after the
    stored file is deleted (a subject access export is removed once it is
    downloaded): on local disk the open file itself (POSIX), elsewhere a
    temporary copy."""
    import shutil
    import tempfile

    if is_local():
        return open(_local.path(name), "rb")  # noqa: SIM115 - returned to the caller
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    with private_storage.open(name, "rb") as source:
        shutil.copyfileobj(source, copy, 1024 * 1024)
    copy.seek(0)
    return copy


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
