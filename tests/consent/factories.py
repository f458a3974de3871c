"""factory_boy factories for the consent models."""

import datetime

import factory

from consent.models import ConsentForm, ConsentRecord, GroupApplication, Pupil
from tests.factories import SchoolFactory, StaffMemberFactory


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    mis_id = factory.Sequence(lambda n: f"A{n:012d}")
    first_name = factory.Sequence(lambda n: f"Pupil{n}")
    last_name = "Testington"
    year_group = "3"
    class_name = "3 Oak"


class ConsentFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentForm

    pupil = factory.SubFactory(PupilFactory)
    given_by_name = "Pat Parent"
    relationship = "parent"
    received_on = datetime.date(2025, 9, 5)
    valid_until = datetime.date(2026, 8, 31)
    recorded_by = factory.SubFactory(
        StaffMemberFactory, school=factory.SelfAttribute("..pupil.school"), is_office=True
    )


def give_consent(pupil, purpose="social_public", decision="granted", **form_kwargs):
    """One form with one decision; returns the ConsentRecord."""
    form = ConsentFormFactory(pupil=pupil, **form_kwargs)
    return ConsentRecord.objects.create(pupil=pupil, form=form, purpose=purpose, decision=decision)


class GroupApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupApplication
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    applicant_name = "Carys Jones"
    profile_name = "Carys J"
    relationship = "parent"
    code_of_conduct_signed_on = datetime.date(2025, 9, 1)
    recorded_by = factory.SubFactory(
        StaffMemberFactory, school=factory.SelfAttribute("..school"), is_office=True
    )

    @factory.post_generation
    def pupils(self, create, extracted, **kwargs):
        if create:
            self.pupils.set(extracted or [PupilFactory(school=self.school)])
