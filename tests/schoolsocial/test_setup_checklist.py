"""A new school's head sees a set-up checklist on the dashboard that ticks
itself off from the school's own records and disappears when all is done;
the channel form quotes the school's own policy clauses."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from consent.models import Purpose
from policy import services as policy_services
from schoolsocial import services
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import ChannelAuthorisationFactory, ChannelFactory, StaffMemberFactory


def _states(client) -> dict[str, str]:
    page = client.get(reverse("dashboard")).content.decode()
    if "data-setup-checklist" not in page:
        return {}
    return dict(re.findall(r'data-setup-step="([a-z_]+)" data-setup-state="(\w+)"', page))


def test_a_new_schools_checklist_ticks_itself_off_and_disappears(school, head, login):
    school.policy_next_review = None  # as create_school leaves it
    school.save()
    client = login(head)
    assert _states(client) == dict.fromkeys(
        (
            "policy",
            "channels",
            "team",
            "administrators",
            "pupils",
            "consent",
            "reminder_time",
            "policy_review",
        ),
        "todo",
    )
    page = client.get(reverse("dashboard")).content.decode()
    assert "0 of 8 done" in page
    assert f'href="{reverse("policy:page")}"' in page

    policy_services.profile_choose(school=school, template="whitchurch", by=head)
    channel = ChannelFactory(school=school, name="Facebook page")
    assert _states(client)["policy"] == "done"
    assert _states(client)["channels"] == "done"
    assert _states(client)["administrators"] == "todo"

    admin = StaffMemberFactory(school=school, is_admin=True)
    assert _states(client)["team"] == "done"
    ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
    assert _states(client)["administrators"] == "done"
    # A second channel with nobody authorised puts the step back.
    second = ChannelFactory(school=school, name="YouTube")
    assert _states(client)["administrators"] == "todo"
    ChannelAuthorisationFactory(member=admin, channel=second, authorised_by=head)

    pupil = PupilFactory(school=school)
    assert _states(client)["pupils"] == "done" and _states(client)["consent"] == "todo"
    give_consent(pupil, Purpose.SOCIAL_PUBLIC)
    assert _states(client)["consent"] == "done"

    services.school_update(school=school, changed_by=head, reminder_time=datetime.time(16, 0))
    assert _states(client)["reminder_time"] == "done"
    assert _states(client)["policy_review"] == "todo"
    services.school_update(
        school=school, changed_by=head, policy_next_review=datetime.date(2027, 9, 1)
    )
    assert _states(client) == {}, "the checklist disappears once every step is done"


def test_only_the_head_sees_the_checklist(school, head, slt, office, login):
    assert _states(login(head))
    assert _states(login(slt)) == {}
    assert _states(login(office)) == {}


def test_the_channel_form_quotes_the_schools_own_policy(school, head, login):
    client = login(head)
    page = client.get(reverse("channel_add")).content.decode()
    # A school that has not chosen follows the default (Threemilestone) template.
    # The clause is the school's English document, marked so (WCAG 3.1.2).
    assert '<span lang="en">Threemilestone 5.1</span>: The page will be moderated daily.' in page
    assert "Threemilestone 5.4" in page

    policy_services.profile_choose(school=school, template="whitchurch", by=head)
    page = login(head).get(reverse("channel_add")).content.decode()
    assert '<span lang="en">Whitchurch, Monitoring</span>: The page will be moderated' in page
    assert "Threemilestone" not in page and "Carey" not in page


def test_an_slt_refused_a_safeguard_change_is_told_the_schools_clause(school, head, slt):
    from schoolsocial.services import ServiceError

    policy_services.profile_choose(school=school, template="whitchurch", by=head)
    channel = ChannelFactory(school=school)
    channel.moderated_daily = False
    try:
        services.channel_save(channel=channel, saved_by=slt, reason="")
    except ServiceError as error:
        message = str(error)
    else:
        raise AssertionError("SLT switched daily moderation off")
    assert "(Whitchurch, Monitoring)" in message and "Threemilestone" not in message
