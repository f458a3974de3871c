"""Restore a backup made by ``manage.py backup``: every SHA-256 in its
manifest is checked first, and a backup that does not match is refused.

    manage.py restore var/backups/schoolsocial-backup-20260301T021500Z
    manage.py restore <folder> --database-url postgres://…/fresh --private-root /srv/private
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schoolsocial.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and the private files from a backup folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the backup folder (with manifest.json)")
        parser.add_argument(
            "--database-url", help="restore into this database instead of DATABASE_URL's"
        )
        parser.add_argument(
            "--private-root", help="restore the files here instead of PRIVATE_STORAGE_ROOT"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="write over existing private files or an existing SQLite file",
        )

    def handle(self, *args, folder, database_url=None, private_root=None, replace=False, **opts):
        try:
            manifest = restore(
                Path(folder),
                database_url=database_url,
                private_root=Path(private_root) if private_root else None,
                replace=replace,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{table} {n}" for table, n in sorted(manifest["counts"].items()))
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']}: {len(manifest['files'])} private "
            f"files checked against their SHA-256; rows at backup time: {counts}."
        )
