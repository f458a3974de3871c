"""Send the reminders due now — the same code path as the beat's tick.

manage.py send_reminders --dry-run   # print what is due, send nothing
manage.py send_reminders             # send it (each reminder once)
"""

from django.core.management.base import BaseCommand

from schoolsocial.reminders import due_now, tick, unsent


class Command(BaseCommand):
    help = "Send the reminders due now (each notified once); --dry-run only prints them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what is due now; send nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            due = unsent(due_now())
            for item in due:
                names = ", ".join(m.user.email for m in item.recipients) or "nobody"
                self.stdout.write(f"{item.school.name}: {item.title} → {names}  [{item.key}]")
            self.stdout.write(
                f"{len(due)} reminder(s) due now and not yet sent (dry run: nothing sent)."
            )
            return
        created = tick()
        for notification in created:
            self.stdout.write(f"Sent to {notification.recipient.user.email}: {notification.title}")
        self.stdout.write(f"{len(created)} new notification(s) sent.")
