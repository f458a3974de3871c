"""Create a school and invite its headteacher (for the people who run the
service). The head then invites everyone else from the roster."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from schoolsocial import services
from schoolsocial.audit import audit_record
from schoolsocial.models import School


class Command(BaseCommand):
    help = "Create a school and send its headteacher an invitation."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--head-email", required=True)
        parser.add_argument("--head-first-name", required=True)
        parser.add_argument("--head-last-name", required=True)
        parser.add_argument("--time-zone", default="Europe/London")
        parser.add_argument(
            "--policy",
            default="",
            help="Start the school's policy from this template: threemilestone, whitchurch, "
            "westbrook, roman-road or carey (the head can choose later in School settings).",
        )

    def handle(self, *args, **options):
        name = options["name"]
        slug = slugify(name)[:80]
        template = options["policy"]
        if template:
            from policy.profile import TEMPLATES

            if template not in TEMPLATES:
                raise CommandError(f"Unknown policy template {template!r}: {', '.join(TEMPLATES)}.")
        if School.objects.filter(slug=slug).exists():
            raise CommandError(f"A school with the short name {slug!r} already exists.")
        try:
            with transaction.atomic():
                school = School(name=name, slug=slug, time_zone=options["time_zone"])
                school.full_clean()
                school.save()
                audit_record(
                    school=school,
                    actor=None,
                    action="school.create",
                    obj=school,
                    summary=f"School created; headteacher invited ({options['head_email']}).",
                )
                services.staff_invite(
                    school=school,
                    invited_by=None,
                    email=options["head_email"],
                    first_name=options["head_first_name"],
                    last_name=options["head_last_name"],
                    roles=["head"],
                )
                if template:
                    from policy.models import PolicyProfile

                    PolicyProfile.objects.create(school=school, template=template)
                    audit_record(
                        school=school,
                        actor=None,
                        action="policy.choose",
                        obj=school,
                        summary=f"Policy template: {template} (chosen at creation).",
                    )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {name}; invitation sent to {options['head_email']}.")
        )
