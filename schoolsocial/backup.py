"""Backup and restore of the database and the private files together
(``manage.py backup`` / ``manage.py restore``, ``make backup`` /
``make restore``).

A backup is one folder::

    schoolsocial-backup-20260301T021500Z/
        database.dump        pg_dump custom format (PostgreSQL), or
        database.sqlite3     a consistent copy made with SQLite's backup API
        private-files.tar.gz evidence, consent scans, pupil photos
        manifest.json        SHA-256 of both, and of every private file;
                             row counts of the main registers

Restore checks every SHA-256 in the manifest before it touches anything,
then loads the database (``pg_restore`` into the target, or a copy of the
SQLite file), unpacks the files, and checks each unpacked file again. A
backup that does not match its manifest is refused.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.files import File
from django.db import connections

from schoolsocial.private_files import is_local, private_storage

MANIFEST = "manifest.json"
FILES_TAR = "private-files.tar.gz"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1

# Tables counted in the manifest, so a restore can be checked at a glance.
COUNTED_TABLES = (
    "moderation_incident",
    "moderation_evidence",
    "moderation_incidentaction",
    "consent_pupil",
    "consent_consentform",
    "consent_consentrecord",
    "schoolsocial_auditevent",
)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class PgTarget:
    """Where pg_dump/pg_restore connect, and the environment they need."""

    dbname: str
    env: dict

    @classmethod
    def from_settings(cls, db: dict) -> PgTarget:
        env = dict(os.environ)
        for key, value in (
            ("PGHOST", db.get("HOST")),
            ("PGPORT", db.get("PORT")),
            ("PGUSER", db.get("USER")),
            ("PGPASSWORD", db.get("PASSWORD")),
        ):
            if value:
                env[key] = str(value)
        return cls(db["NAME"], env)

    @classmethod
    def from_url(cls, url: str) -> PgTarget:
        parsed = urlparse(url)
        if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
            raise BackupError(f"Not a PostgreSQL address: {parsed.scheme}://…")
        return cls.from_settings(
            {
                "NAME": unquote(parsed.path.lstrip("/")),
                "HOST": parsed.hostname,
                "PORT": parsed.port,
                "USER": unquote(parsed.username or ""),
                "PASSWORD": unquote(parsed.password or ""),
            }
        )


def _counts(using: str = "default") -> dict[str, int]:
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in COUNTED_TABLES:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
                counts[table] = cursor.fetchone()[0]
    return counts


def _run(command: list[str], env: dict) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)."
        ) from error
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()}") from error


def backup(destination: Path, *, now: datetime.datetime | None = None) -> Path:
    """Write a backup folder under ``destination``; returns its path."""
    now = now or datetime.datetime.now(datetime.UTC)
    folder = Path(destination) / f"schoolsocial-backup-{now:%Y%m%dT%H%M%SZ}"
    if folder.exists():
        raise BackupError(f"{folder} already exists.")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    connection = connections["default"]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        database_file = PG_DUMP
        target = PgTarget.from_settings(db)
        _run(
            ["pg_dump", "--format=custom", "--file", str(partial / PG_DUMP), target.dbname],
            target.env,
        )
    elif connection.vendor == "sqlite":
        database_file = SQLITE_COPY
        connection.ensure_connection()
        copy = sqlite3.connect(partial / SQLITE_COPY)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    else:
        raise BackupError(f"Backups of {connection.vendor} are not supported.")

    root = Path(settings.PRIVATE_STORAGE_ROOT)
    files: dict[str, str] = {}
    with tarfile.open(partial / FILES_TAR, "w:gz") as archive:
        if not is_local():
            # Object storage: every object through the storage API.
            for name in private_storage.walk(""):
                with private_storage.open(name, "rb") as source:
                    data = source.read()
                files[name] = hashlib.sha256(data).hexdigest()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = int(now.timestamp())
                archive.addfile(info, io.BytesIO(data))
        elif root.exists():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                files[name] = sha256_of(path)
                archive.add(path, arcname=name, recursive=False)
    manifest = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "database_vendor": connection.vendor,
        "database_file": database_file,
        "database_sha256": sha256_of(partial / database_file),
        "files_archive": FILES_TAR,
        "files_archive_sha256": sha256_of(partial / FILES_TAR),
        "files": files,
        "counts": _counts(),
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.rename(folder)
    return folder


def _restore_to_object_storage(folder: Path, manifest: dict, database_url, replace: bool) -> dict:
    """As ``restore``, with the files written back through the storage API
    (PRIVATE_STORAGE=s3): each checked against the manifest first."""
    existing = private_storage.walk("")
    if existing and not replace:
        raise BackupError(
            "The private file storage is not empty; use --replace to restore over it."
        )
    staging = Path(tempfile.mkdtemp(prefix=".restore-"))
    try:
        with tarfile.open(folder / manifest["files_archive"], "r:gz") as archive:
            archive.extractall(staging, filter="data")
        for name, expected in manifest["files"].items():
            path = staging / name
            if not path.is_file() or sha256_of(path) != expected:
                raise BackupError(f"The private file {name} does not match the manifest.")
        _restore_database(folder, manifest, database_url=database_url, replace=replace)
        for name in existing:
            if name not in manifest["files"]:
                private_storage.delete(name)
        for name in manifest["files"]:
            private_storage.delete(name)
            with open(staging / name, "rb") as source:
                saved = private_storage.save(name, File(source))
            if saved != name:
                raise BackupError(f"The private file {name} was stored as {saved}.")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} is not a backup folder (no {MANIFEST}).")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise BackupError(f"{MANIFEST} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def verify(folder: Path) -> dict:
    """Check the backup against its manifest before anything is restored."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for name, key in (
        (manifest["database_file"], "database_sha256"),
        (manifest["files_archive"], "files_archive_sha256"),
    ):
        path = folder / name
        if not path.exists():
            raise BackupError(f"{name} is missing from the backup.")
        if sha256_of(path) != manifest[key]:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: refusing.")
    return manifest


def restore(
    folder: Path,
    *,
    database_url: str | None = None,
    private_root: Path | None = None,
    replace: bool = False,
) -> dict:
    """Restore a backup into the configured database and private folder (or
    the ones given). Refuses to write over files or a SQLite database that
    exist unless ``replace``. Returns the manifest."""
    folder = Path(folder)
    manifest = verify(folder)
    if private_root is None and not is_local():
        return _restore_to_object_storage(folder, manifest, database_url, replace)
    root = Path(private_root or settings.PRIVATE_STORAGE_ROOT)
    if root.exists() and any(root.iterdir()) and not replace:
        raise BackupError(f"{root} is not empty; use --replace to restore over it.")

    # Unpack beside the target and check every file before anything changes.
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root.parent))
    try:
        with tarfile.open(folder / manifest["files_archive"], "r:gz") as archive:
            archive.extractall(staging, filter="data")
        for name, expected in manifest["files"].items():
            path = staging / name
            if not path.is_file() or sha256_of(path) != expected:
                raise BackupError(f"The private file {name} does not match the manifest.")
        _restore_database(folder, manifest, database_url=database_url, replace=replace)
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _restore_database(folder: Path, manifest: dict, *, database_url: str | None, replace: bool):
    vendor = manifest["database_vendor"]
    if vendor == "postgresql":
        if database_url:
            target = PgTarget.from_url(database_url)
        else:
            if connections["default"].vendor != "postgresql":
                raise BackupError("This is a PostgreSQL backup; give a PostgreSQL --database-url.")
            target = PgTarget.from_settings(connections["default"].settings_dict)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                target.dbname,
                str(folder / manifest["database_file"]),
            ],
            target.env,
        )
    elif vendor == "sqlite":
        if database_url:
            parsed = urlparse(database_url)
            if parsed.scheme != "sqlite":
                raise BackupError("This is a SQLite backup; give a sqlite:/// --database-url.")
            # As DATABASE_URL: sqlite:///relative/path, sqlite:////absolute/path.
            path = Path(unquote(parsed.path)[1:])
        else:
            if connections["default"].vendor != "sqlite":
                raise BackupError("This is a SQLite backup; give a sqlite:/// --database-url.")
            path = Path(connections["default"].settings_dict["NAME"])
            connections["default"].close()
        if path.exists() and path.stat().st_size and not replace:
            raise BackupError(f"{path} exists; use --replace to restore over it.")
        source = sqlite3.connect(folder / manifest["database_file"])
        target_db = sqlite3.connect(path)
        try:
            source.backup(target_db)
        finally:
            source.close()
            target_db.close()
    else:
        raise BackupError(f"Unknown database in the backup: {vendor}.")
