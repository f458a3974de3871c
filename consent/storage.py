"""Private storage for pupil photos and consent-form scans.

``schoolsocial.private_files.get_private_storage`` fixes the folder when the
model is imported (Django calls a FileField's storage callable once), so a
test that points ``PRIVATE_STORAGE_ROOT`` elsewhere would still write to the
real folder. This storage reads the setting each time it is used.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def consent_private_storage() -> PrivateStorage:
    """For FileField(storage=...): a callable, so migrations stay stable."""
    return PrivateStorage()
