"""Factories for moderation records. Evidence is made through the real
image check so its files exist under PRIVATE_STORAGE_ROOT."""

import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from moderation import services
from moderation.models import BannedAccount, Incident, IncidentCategory, ModerationCheck
from moderation.services import evidence as evidence_services
from policy.catalogue import Severity
from tests.factories import ChannelFactory, SchoolFactory, StaffMemberFactory
from tests.moderation.images import png_bytes


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    channel = factory.SubFactory(ChannelFactory, school=factory.SelfAttribute("..school"))
    reported_by = factory.SubFactory(
        StaffMemberFactory, school=factory.SelfAttribute("..school"), is_slt=True
    )
    author_name = factory.Sequence(lambda n: f"Commenter {n}")
    author_kind = Incident.AuthorKind.PARENT
    content = "This school is a disgrace."
    occurred_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    severity = Severity.HIGH

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            for code in extracted or ["offensive"]:
                IncidentCategory.objects.create(incident=self, category=code)


def upload(data: bytes, name: str = "screenshot.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_evidence(incident: Incident, data: bytes | None = None):
    """Store a real screenshot for ``incident`` and return the Evidence row."""
    checked = services.check_screenshots([upload(data or png_bytes())])
    written: list[str] = []
    evidence = evidence_services._store_evidence(
        incident=incident, checked=checked, uploaded_by=incident.reported_by, written=written
    )[0]
    evidence_services.evidence_prepare(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    return evidence


class ModerationCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationCheck

    channel = factory.SubFactory(ChannelFactory)
    checked_by = factory.SubFactory(
        StaffMemberFactory, school=factory.SelfAttribute("..channel.school"), is_admin=True
    )
    checked_on = factory.LazyAttribute(lambda o: o.channel.school.local_today())
    outcome = ModerationCheck.Outcome.NOTHING


class BannedAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BannedAccount

    school = factory.SubFactory(SchoolFactory)
    platform = "facebook_page"
    account_name = factory.Sequence(lambda n: f"Troll {n}")
    reason = "Abusive comments."
    banned_by = factory.SubFactory(
        StaffMemberFactory, school=factory.SelfAttribute("..school"), is_slt=True
    )
    banned_on = datetime.date(2025, 1, 10)
