"""factory_boy factories for the core models. Apps add theirs beside their
tests (tests/consent/factories.py, tests/moderation/factories.py)."""

import datetime

import factory

from schoolsocial.models import Channel, ChannelAuthorisation, School, StaffMember, User

PASSWORD = "correct-horse-battery-staple"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")
    leaders_require_mfa = False
    # Every policy names its next review; a school without one is reminded
    # monthly (tests/schoolsocial/test_reminders.py covers that case).
    policy_next_review = datetime.date(2099, 7, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    # Fixed names, so a page's HTML escaping (O'Neill → O&#x27;Neill) never
    # makes a test depend on which random name it drew.
    first_name = factory.Iterator(["Alex", "Bethan", "Carys", "Dylan", "Emma", "Gareth", "Hannah"])
    last_name = factory.Iterator(["Morgan", "Jenkins", "Bowen", "Powell", "Harris", "Lloyd"])
    password = factory.django.Password(PASSWORD)


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    school = factory.SubFactory(SchoolFactory)
    user = factory.SubFactory(UserFactory)
    joined_on = datetime.date(2020, 9, 1)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    school = factory.SubFactory(SchoolFactory)
    platform = Channel.Platform.FACEBOOK_PAGE
    name = factory.Sequence(lambda n: f"Channel {n}")
    audience = Channel.Audience.PUBLIC


class ChannelAuthorisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelAuthorisation

    member = factory.SubFactory(StaffMemberFactory)
    channel = factory.SubFactory(ChannelFactory)
    authorised_by = factory.SubFactory(StaffMemberFactory)
    authorised_on = datetime.date(2024, 9, 2)
    trained_on = datetime.date(2024, 9, 1)
    acceptable_use_signed_on = datetime.date(2024, 9, 1)
