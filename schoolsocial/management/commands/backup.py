"""Back up the database and the private files together, with a manifest of
SHA-256s (schoolsocial/backup.py).

    manage.py backup var/backups
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schoolsocial.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the private files (evidence, scans, photos) together."

    def add_arguments(self, parser):
        parser.add_argument("destination", help="folder to write the backup folder into")

    def handle(self, *args, destination, **options):
        try:
            folder = backup(Path(destination))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {folder}")
