"""When an administrator's authorisation ends they lose the channel's
records and a leader is reminded to remove them on the platform itself
(Threemilestone 4.2; Whitchurch "Legal considerations": data protection); switching a safeguard
off is the head's decision with a reason and stays on the dashboard
(Threemilestone 4.3, 5.1, 5.3)."""

import pytest
from django.urls import reverse

from schoolsocial.models import AuditEvent, Channel, ChannelAuthorisation, Notification
from tests.consent.factories import PupilFactory
from tests.moderation.factories import IncidentFactory, make_evidence

pytestmark = pytest.mark.django_db


def _revoke(client, authorisation, reason="Moved to another role"):
    return client.post(
        reverse("roster_authorisation_revoke", args=[authorisation.pk]), {"reason": reason}
    )


def test_an_administrator_whose_last_authorisation_ends_loses_incidents_evidence_and_register(
    login, slt, authorised_admin, channel, school
):
    incident = IncidentFactory(school=school, channel=channel, reported_by=authorised_admin)
    evidence = make_evidence(incident)
    pupil = PupilFactory(school=school)
    pages = [
        reverse("moderation:queue"),
        reverse("moderation:incident", args=[incident.pk]),
        reverse("moderation:evidence", args=[evidence.pk]),
        reverse("consent:pupils"),
        reverse("consent:pupil", args=[pupil.pk]),
    ]
    admin_client = login(authorised_admin)
    assert [admin_client.get(url).status_code for url in pages] == [200] * 5

    _revoke(login(slt), ChannelAuthorisation.objects.get(member=authorised_admin))

    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 403, url
        assert "not authorised for any channel" in response.content.decode()
    # The leaders still open them.
    assert login(slt).get(pages[1]).status_code == 200


def test_leaving_the_school_ends_access_and_leaves_a_platform_removal_task(
    login, head, slt, authorised_admin, channel
):
    head_client = login(head)
    head_client.post(
        reverse("roster_member_left", args=[authorised_admin.pk]),
        {"left_on": "2026-07-20", "reason": "Moved schools"},
    )
    authorised_admin.refresh_from_db()
    assert not authorised_admin.is_active

    # The head and SLT are told, by name of the person and the channel.
    titles = {n.recipient_id: n.title for n in Notification.objects.filter(kind="platform_removal")}
    assert set(titles) == {head.pk, slt.pk}
    assert channel.name in titles[head.pk]
    assert authorised_admin.user.display_name in titles[head.pk]

    # The task stays on both leaders' dashboards until one marks it done.
    for client in (head_client, login(slt)):
        page = client.get(reverse("dashboard")).content.decode()
        assert "data-platform-removals" in page and authorised_admin.user.display_name in page
    removal_id = Notification.objects.filter(kind="platform_removal").first().object_id
    response = login(slt).post(
        reverse("platform_removal_done", args=[removal_id]),
        {"note": "Removed from the page roles"},
        follow=True,
    )
    assert "data-platform-removals" not in response.content.decode()
    assert "data-platform-removals" not in head_client.get(reverse("dashboard")).content.decode()
    event = AuditEvent.objects.get(action="roster.platform_removed")
    assert "Removed from the page roles" in event.summary
    # Marking it twice changes nothing.
    again = login(head).post(reverse("platform_removal_done", args=[removal_id]), follow=True)
    assert "already marked done" in again.content.decode()
    assert AuditEvent.objects.filter(action="roster.platform_removed").count() == 1


def test_an_administrator_with_another_current_authorisation_keeps_access(
    login, slt, authorised_admin, channel, head, school
):
    from tests.factories import ChannelAuthorisationFactory, ChannelFactory

    ChannelAuthorisationFactory(
        member=authorised_admin, channel=ChannelFactory(school=school), authorised_by=head
    )
    _revoke(login(slt), ChannelAuthorisation.objects.get(member=authorised_admin, channel=channel))
    assert login(authorised_admin).get(reverse("moderation:queue")).status_code == 200
    # The revoked channel still needs removing on its platform.
    assert Notification.objects.filter(kind="platform_removal", recipient=slt).count() == 1


# --- Safeguards -----------------------------------------------------------------------

ALL_DAYS = [str(d) for d in range(7)]


def _channel_post(channel, **changes):
    data = {
        "platform": channel.platform,
        "name": channel.name,
        "url": "",
        "audience": channel.audience,
        "moderated_daily": "on",
        "check_weekdays": ALL_DAYS,
        "profanity_filter": "strong",
        "tagging_off": "on",
        "private_messages_on": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def safe_channel(school):
    return Channel.objects.create(
        school=school, platform="facebook_page", name="Official page", tagging_off=True
    )


def test_a_senior_leader_cannot_switch_a_safeguard_off(login, slt, safe_channel):
    url = reverse("channel_edit", args=[safe_channel.pk])
    for change in (
        {"moderated_daily": None},
        {"check_weekdays": ["0", "1", "2", "3", "4"]},
        {"profanity_filter": "medium"},
        {"tagging_off": None},
    ):
        response = login(slt).post(
            url, _channel_post(safe_channel, safeguard_reason="Because", **change)
        )
        assert response.status_code == 200
        assert "Only the headteacher can switch off" in response.content.decode()
    safe_channel.refresh_from_db()
    assert safe_channel.moderated_daily and safe_channel.profanity_filter == "strong"
    assert safe_channel.tagging_off and len(safe_channel.check_weekdays) == 7
    assert not AuditEvent.objects.filter(action="channel.update").exists()


def test_the_head_switches_a_safeguard_off_with_a_reason_and_it_shows_until_back_on(
    login, head, slt, safe_channel
):
    url = reverse("channel_edit", args=[safe_channel.pk])
    client = login(head)
    response = client.post(url, _channel_post(safe_channel, profanity_filter="off"))
    assert "Give a reason for switching off the profanity filter" in response.content.decode()
    safe_channel.refresh_from_db()
    assert safe_channel.profanity_filter == "strong"

    client.post(
        url,
        _channel_post(
            safe_channel, profanity_filter="off", safeguard_reason="Filter hides Welsh words"
        ),
    )
    safe_channel.refresh_from_db()
    assert safe_channel.profanity_filter == "off"
    event = AuditEvent.objects.get(action="channel.update")
    assert "Filter hides Welsh words" in event.summary
    for member in (head, slt):
        page = login(member).get(reverse("dashboard")).content.decode()
        assert "data-safeguards-off" in page
        assert "Filter hides Welsh words" in page

    # SLT may switch it back on; the warning goes.
    login(slt).post(url, _channel_post(safe_channel))
    safe_channel.refresh_from_db()
    assert safe_channel.profanity_filter == "strong" and not safe_channel.safeguards_off_reason
    assert "data-safeguards-off" not in login(head).get(reverse("dashboard")).content.decode()


def test_a_page_with_tagging_not_recorded_as_off_is_a_warning(login, head, school):
    Channel.objects.create(school=school, platform="instagram", name="Instagram")
    page = login(head).get(reverse("dashboard")).content.decode()
    assert "data-safeguards-off" in page
    assert "tagging and visitor photo posts are allowed" in page


def test_the_menu_offers_an_administrator_without_an_authorisation_no_closed_pages(
    login, school, authorised_admin
):
    from tests.factories import StaffMemberFactory

    admin = StaffMemberFactory(school=school, is_admin=True)

    def menu(member):
        page = login(member).get(reverse("dashboard")).content.decode()
        return page.split("<nav", 1)[1].split("</nav>", 1)[0]

    assert reverse("moderation:queue") in menu(authorised_admin)
    assert reverse("consent:pupils") in menu(authorised_admin)
    closed = menu(admin)
    assert reverse("moderation:queue") not in closed
    assert reverse("consent:pupils") not in closed
    assert reverse("consent:do_not_publish") in closed


def test_turning_off_private_messages_on_the_facebook_page_needs_the_head(
    login, head, slt, safe_channel
):
    """Threemilestone 5.4: the private message facility stays active so
    parents can raise concerns privately (3.3)."""
    url = reverse("channel_edit", args=[safe_channel.pk])
    login(slt).post(url, _channel_post(safe_channel, private_messages_on=None))
    safe_channel.refresh_from_db()
    assert safe_channel.private_messages_on
    login(head).post(
        url,
        _channel_post(
            safe_channel, private_messages_on=None, safeguard_reason="Moving to email only"
        ),
    )
    safe_channel.refresh_from_db()
    assert not safe_channel.private_messages_on
    page = login(head).get(reverse("dashboard")).content.decode()
    assert "private messages to the page are off" in page
