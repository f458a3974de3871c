"""Remove what is past each school's retention periods — what the nightly
beat task runs.

    manage.py apply_retention --dry-run   # what would go, changes nothing
    manage.py apply_retention
"""

from django.core.management.base import BaseCommand

from schoolsocial.models import School
from schoolsocial.retention import apply_for_school


class Command(BaseCommand):
    help = "Remove records past each school's retention periods (audited)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report only; change nothing")

    def handle(self, *args, dry_run=False, **options):
        verb = "would remove" if dry_run else "removed"
        for school in [*School.objects.order_by("pk"), None]:
            removed = apply_for_school(school, dry_run=dry_run)
            name = school.name if school else "(events of no school)"
            if removed:
                listed = "; ".join(str(item.describe()) for item in removed)
                self.stdout.write(f"{name}: {verb} {listed}.")
            else:
                self.stdout.write(f"{name}: nothing past retention.")
