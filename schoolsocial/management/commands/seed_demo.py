"""Create (or top up) the demo school so the app can be tried at once.

Idempotent: running it again changes nothing that is already there.
"""

import datetime
import importlib
import os

from django.core.management.base import BaseCommand
from django.db import transaction

from schoolsocial.models import Channel, ChannelAuthorisation, School, StaffMember, User

DEMO_SCHOOL = "Example Primary School"
# Apps with a ``demo.seed(school=, members=, stdout=)`` function, in order.
DEMO_APPS: list[str] = ["policy", "consent", "moderation"]
DEMO_PEOPLE = [
    # email, first, last, roles, job title
    ("head@demo.school", "Helen", "Hughes", ["head"], "Headteacher"),
    ("slt@demo.school", "Sam", "Lewis", ["slt"], "Deputy headteacher"),
    ("admin@demo.school", "Aled", "Morgan", ["admin"], "Year 4 teacher"),
    ("office@demo.school", "Olivia", "Price", ["office"], "School business manager"),
]
DEMO_CHANNELS = [
    (
        "facebook_page",
        "Official Example Primary School",
        "https://facebook.com/exampleprimary",
        "public",
    ),
    (
        "facebook_group",
        "Example Primary Parents' Group",
        "https://facebook.com/groups/exampleprimary",
        "private_group",
    ),
    ("x", "@ExamplePrimary", "https://x.com/ExamplePrimary", "public"),
    ("website", "School website news", "https://example-primary.sch.uk/news", "public"),
]


class Command(BaseCommand):
    help = "Create the demo school, its channels and one user per role (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD", "schoolsocial-demo")
        with transaction.atomic():
            school, _ = School.objects.get_or_create(
                slug="example-primary",
                defaults={"name": DEMO_SCHOOL, "leaders_require_mfa": False},
            )
            members = {}
            for email, first, last, roles, title in DEMO_PEOPLE:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(
                        email=email, password=password, first_name=first, last_name=last
                    )
                member, created = StaffMember.objects.get_or_create(
                    school=school,
                    user=user,
                    defaults={
                        "job_title": title,
                        "joined_on": datetime.date(2020, 9, 1),
                        **{f"is_{role}": True for role in roles},
                    },
                )
                members[roles[0]] = member
            today = school.local_today()
            for platform, name, url, audience in DEMO_CHANNELS:
                channel, _ = Channel.objects.get_or_create(
                    school=school,
                    name=name,
                    defaults={
                        "platform": platform,
                        "url": url,
                        "audience": audience,
                        # Threemilestone 4.3, as the demo school has done.
                        "tagging_off": True,
                    },
                )
                # The demo administrator looks after every channel.
                if not ChannelAuthorisation.objects.filter(
                    member=members["admin"], channel=channel
                ).exists():
                    ChannelAuthorisation.objects.create(
                        member=members["admin"],
                        channel=channel,
                        authorised_by=members["head"],
                        authorised_on=today - datetime.timedelta(days=60),
                        trained_on=today - datetime.timedelta(days=70),
                        acceptable_use_signed_on=today - datetime.timedelta(days=65),
                    )
            # Each app adds its own demo records (pupils, moderation history).
            for app in DEMO_APPS:
                module = importlib.import_module(f"{app}.demo")
                module.seed(school=school, members=members, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo school ready: {school.name}"))
        for email, *_ in DEMO_PEOPLE:
            self.stdout.write(f"  {email}")
