"""Check every school's audit trail hash chain and report the first broken
link (an event changed, deleted or inserted out of order).

    manage.py verify_audit              # every school (and events of no school)
    manage.py verify_audit --school example

Exits with status 1 when a chain is broken, so a cron job or monitoring can
alert on it.
"""

from django.core.management.base import BaseCommand, CommandError

from schoolsocial.models import AuditEvent, School
from schoolsocial.records import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain of each school; report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="the school's slug (default: every school)")

    def handle(self, *args, school=None, **options):
        if school:
            schools = list(School.objects.filter(slug=school))
            if not schools:
                raise CommandError(f"No school with the slug “{school}”.")
            chains = [(s.pk, s.name) for s in schools]
        else:
            chains = [(s.pk, s.name) for s in School.objects.order_by("pk")]
            if AuditEvent.objects.filter(school__isnull=True).exists():
                chains.append((None, "(events of no school: sign-ins, service tasks)"))
        broken = 0
        for school_id, name in chains:
            checked, problem = verify_chain(school_id)
            if problem:
                broken += 1
                self.stdout.write(self.style.ERROR(f"BROKEN  {name}: {problem}"))
            else:
                self.stdout.write(f"ok      {name}: {checked} events, chain intact.")
        if broken:
            raise CommandError(f"{broken} audit trail(s) broken.", returncode=1)
