import datetime

import pytest
from django.urls import reverse

from schoolsocial.models import Channel, ChannelAuthorisation

pytestmark = pytest.mark.django_db

RECENT = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()


def test_a_leader_authorises_and_revokes_from_the_roster(login, slt, admin, channel):
    client = login(slt)
    response = client.post(
        reverse("roster_member_authorise", args=[admin.pk]),
        {
            "channel": channel.pk,
            "trained_on": RECENT,
            "acceptable_use_signed_on": "2025-09-02",
        },
        follow=True,
    )
    assert f"is now authorised for {channel.name}" in response.content.decode()
    authorisation = ChannelAuthorisation.objects.get()
    response = client.post(
        reverse("roster_authorisation_revoke", args=[authorisation.pk]),
        {"reason": "Left the comms team"},
        follow=True,
    )
    page = response.content.decode()
    assert "no longer authorised" in page
    assert "Left the comms team" in page  # the history stays on the page
    assert ChannelAuthorisation.objects.count() == 1


def test_a_refused_authorisation_shows_a_plain_reason_and_changes_nothing(
    login, head, office, channel
):
    response = login(head).post(
        reverse("roster_member_authorise", args=[office.pk]),
        {
            "channel": channel.pk,
            "trained_on": RECENT,
            "acceptable_use_signed_on": "2025-09-02",
        },
    )
    assert response.status_code == 400
    assert "page administrator role first" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not ChannelAuthorisation.objects.exists()


def test_a_missing_date_is_reported_next_to_the_field(login, head, admin, channel):
    response = login(head).post(
        reverse("roster_member_authorise", args=[admin.pk]), {"channel": channel.pk}
    )
    page = response.content.decode()
    assert 'href="#id_trained_on"' in page and "This field is required" in page


def test_leaders_add_and_edit_channels(login, slt):
    client = login(slt)
    client.post(
        reverse("channel_add"),
        {
            "platform": "facebook_group",
            "name": "Parents' Group",
            "url": "https://facebook.com/groups/example",
            "audience": "private_group",
            "moderated_daily": "on",
            "check_weekdays": [str(d) for d in range(7)],
            "profanity_filter": "strong",
            "tagging_off": "on",
        },
    )
    channel = Channel.objects.get(name="Parents' Group")
    assert channel.school == slt.school
    response = client.post(
        reverse("channel_edit", args=[channel.pk]),
        {
            "platform": "facebook_group",
            "name": "Parents' Group",
            "url": "https://facebook.com/groups/parents",
            "audience": "private_group",
            "moderated_daily": "on",
            "check_weekdays": [str(d) for d in range(7)],
            "profanity_filter": "strong",
            "tagging_off": "on",
        },
        follow=True,
    )
    channel.refresh_from_db()
    assert channel.url == "https://facebook.com/groups/parents"
    assert "Parents&#x27; Group" in response.content.decode()


def test_a_duplicate_channel_name_is_refused(login, head, channel):
    response = login(head).post(
        reverse("channel_add"),
        {"platform": "x", "name": channel.name, "audience": "public", "profanity_filter": "none"},
    )
    assert "already has a channel with this name" in response.content.decode()
    assert Channel.objects.count() == 1


def test_every_staff_member_sees_the_channels_and_their_administrators(
    login, office, authorised_admin, channel
):
    page = login(office).get(reverse("channels")).content.decode()
    assert channel.name in page and authorised_admin.user.display_name in page
    assert "Add a channel" not in page


def test_the_head_changes_school_settings_and_it_is_audited(login, head):
    from schoolsocial.models import AuditEvent

    client = login(head)
    client.post(
        reverse("school_settings"),
        {
            "name": "Example Primary",
            "time_zone": "Europe/London",
            "reminder_time": "16:00",
            "language": "cy",
            "leaders_require_mfa": "on",
            "closure_dates_text": "2026-12-24\nnot a date",
        },
    )
    head.school.refresh_from_db()
    assert head.school.language == "en"  # nothing saved: one line was wrong
    response = client.post(
        reverse("school_settings"),
        {
            "name": "Example Primary",
            "time_zone": "Europe/London",
            "reminder_time": "16:00",
            "language": "cy",
            "leaders_require_mfa": "on",
            "closure_dates_text": "2026-12-24\n2026-12-23",
        },
    )
    assert response.status_code == 302
    head.school.refresh_from_db()
    assert head.school.closure_dates == ["2026-12-23", "2026-12-24"]
    # The school now works in Welsh, so its trail records the change in Welsh.
    summary = AuditEvent.objects.get(action="school.settings").summary
    assert "amser y nodyn atgoffa: 15:30:00 → 16:00:00" in summary


def test_the_roster_search_forgives_accents_and_apostrophes(login, slt, school):
    from tests.factories import StaffMemberFactory

    StaffMemberFactory(
        school=school, is_office=True, user__first_name="Siân", user__last_name="O’Connor"
    )
    StaffMemberFactory(
        school=school, is_admin=True, user__first_name="Rhys", user__last_name="Smith-Jones"
    )
    client = login(slt)
    for q in ["sian", "oconnor", "Sian O'Connor"]:
        page = client.get(reverse("roster"), {"q": q}).content.decode()
        assert "Siân O’Connor" in page, q
        assert "Rhys Smith-Jones" not in page, q
    page = client.get(reverse("roster"), {"q": "smith jones"}).content.decode()
    assert "Rhys Smith-Jones" in page and "Siân" not in page
    page = client.get(reverse("roster"), {"q": "nobody"}).content.decode()
    assert "Nobody on the staff matches “nobody”." in page
