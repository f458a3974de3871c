"""Files chosen on a form that goes back to its page unsaved.

"Check the text first" on the incident form re-renders the page; a browser
cannot put files back into a file input, so the screenshots already chosen
are held here, privately, for that person and that page (the form's
once-only key), shown as "attached", and used by the final save. They are
not records: nothing is audited until the save, and stale ones are pruned
(``prune_stashes``, run by ``schoolsocial.tasks.housekeeping``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from schoolsocial.models import StashedUpload
from schoolsocial.private_files import get_private_storage

logger = logging.getLogger(__name__)

# OnceOnlyForm keys are uuid4().hex; anything else is not stashed (the key
# becomes part of a file path).
_FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


def valid_form_key(form_key: str) -> bool:
    return bool(_FORM_KEY.match(form_key or ""))


def stashed(*, user, form_key: str) -> list[StashedUpload]:
    if not valid_form_key(form_key):
        return []
    return list(StashedUpload.objects.filter(user=user, form_key=form_key))


def stash_add(
    *,
    user,
    form_key: str,
    uploads: Sequence,
    max_files: int,
    max_bytes: int,
    check: Callable | None = None,
) -> list[str]:
    """Keep ``uploads`` for this person and page. Returns a message for each
    file not kept (too many, too big, empty, already attached, or refused by
    ``check``, which raises ValidationError); the final save checks again."""
    if not valid_form_key(form_key):
        return []
    problems = []
    held = StashedUpload.objects.filter(user=user, form_key=form_key).count()
    for upload in uploads:
        name = (getattr(upload, "name", "") or "file")[:255]
        size = getattr(upload, "size", 0) or 0
        if held >= max_files:
            problems.append(f"{name}: at most {max_files} files can be attached.")
            continue
        if size > max_bytes:
            problems.append(f"{name}: the file is larger than {max_bytes // (1024 * 1024)} MB.")
            continue
        if size == 0:
            problems.append(f"{name}: the file is empty.")
            continue
        if check is not None:
            try:
                check(upload)
            except ValidationError as error:
                problems.append(f"{name}: {' '.join(error.messages)}")
                continue
        sha256 = _sha256(upload)
        if StashedUpload.objects.filter(user=user, form_key=form_key, sha256=sha256).exists():
            problems.append(f"{name}: this file is already attached.")
            continue
        upload.seek(0)
        item = StashedUpload(user=user, form_key=form_key, name=name, size=size, sha256=sha256)
        item.file.save("upload", upload, save=False)
        try:
            item.save()
        except BaseException:
            _delete_files([item.file.name])
            raise
        held += 1
    return problems


def _sha256(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def stash_remove(*, user, form_key: str, ids: Iterable) -> None:
    """The person unticked files they had attached."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    if not wanted or not valid_form_key(form_key):
        return
    _delete(StashedUpload.objects.filter(user=user, form_key=form_key, pk__in=wanted))


def stash_clear(*, user, form_key: str) -> None:
    """The form was saved: its stash goes (files once the save has committed)."""
    if valid_form_key(form_key):
        _delete(StashedUpload.objects.filter(user=user, form_key=form_key))


def as_uploads(items: Sequence[StashedUpload]) -> list[File]:
    """The stashed files, open for reading like the files of a request,
    under the names they were chosen with."""
    storage = get_private_storage()
    files = []
    for item in items:
        handle = storage.open(item.file.name, "rb")
        files.append(File(handle, name=item.name))
    return files


def prune_stashes(*, now=None) -> int:
    """Drop stashes older than ``StashedUpload.STASH_FOR`` (the page was
    left without saving)."""
    cutoff = (now or timezone.now()) - StashedUpload.STASH_FOR
    return _delete(StashedUpload.objects.filter(created_at__lt=cutoff))


def _delete(queryset) -> int:
    names = list(queryset.values_list("file", flat=True))
    deleted, _ = queryset.delete()
    transaction.on_commit(lambda: _delete_files(names))
    return deleted


def _delete_files(names: Iterable[str]) -> None:
    storage = get_private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - a file already gone is no loss
            logger.warning("Could not remove the stashed file %s", name)
