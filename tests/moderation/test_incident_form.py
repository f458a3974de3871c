from django.urls import reverse

from moderation.models import Evidence, Incident
from schoolsocial.models import AuditEvent
from tests.factories import ChannelFactory
from tests.moderation.conftest import assert_nothing_stored
from tests.moderation.factories import BannedAccountFactory, IncidentFactory


def test_an_administrator_records_an_incident_with_a_screenshot(
    authorised_admin, channel, post_incident, login
):
    response = post_incident(authorised_admin, channel)
    incident = Incident.objects.get()
    assert response["Location"] == reverse("moderation:incident", args=[incident.pk])
    assert incident.reported_by == authorised_admin
    assert incident.severity == 4  # offensive: urgent (Threemilestone 6.1 "urgent attention")
    assert incident.evidence.count() == 1
    assert incident.actions.filter(kind="recorded").exists()
    assert AuditEvent.objects.filter(action="moderation.incident_record").exists()
    page = login(authorised_admin).get(response["Location"]).content.decode()
    assert "The school trip was a shambles." in page


def test_sending_the_form_twice_records_one_incident(authorised_admin, channel, post_incident):
    post_incident(authorised_admin, channel, submission_key="same")
    post_incident(authorised_admin, channel, submission_key="same")
    assert Incident.objects.count() == 1
    assert Evidence.objects.count() == 1


def test_an_administrator_can_only_choose_their_own_channels(
    school, authorised_admin, post_incident, settings
):
    other = ChannelFactory(school=school)
    response = post_incident(authorised_admin, other)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert_nothing_stored(settings)


def test_the_head_may_record_for_any_channel_of_the_school(school, head, post_incident):
    other = ChannelFactory(school=school)
    assert post_incident(head, other).status_code == 302


def test_missing_fields_are_explained(authorised_admin, channel, post_incident, settings):
    response = post_incident(
        authorised_admin, channel, author_name="", categories=[], screenshots=[]
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Attach at least one screenshot" in page
    assert_nothing_stored(settings)


def test_a_time_in_the_future_is_refused(authorised_admin, channel, post_incident, settings):
    response = post_incident(authorised_admin, channel, occurred_at="2100-01-01T10:00")
    assert "cannot be in the future" in response.content.decode()
    assert_nothing_stored(settings)


def test_the_incident_page_shows_earlier_incidents_and_bans_of_the_same_author(
    school, channel, authorised_admin, login
):
    earlier = IncidentFactory(
        school=school, author_name="Someone", author_profile_url="https://fb.com/someone"
    )
    BannedAccountFactory(
        school=school, account_name="Someone Else", profile_url="https://fb.com/someone"
    )
    now = IncidentFactory(
        school=school,
        channel=channel,
        author_name="Different Name",
        author_profile_url="https://fb.com/someone",
    )
    page = login(authorised_admin).get(reverse("moderation:incident", args=[now.pk]))
    html = page.content.decode()
    assert reverse("moderation:incident", args=[earlier.pk]) in html
    assert "Someone Else" in html


def test_an_administrator_without_channels_is_told_why(admin, login):
    response = login(admin).get(reverse("moderation:incident_new"))
    assert response.status_code == 403
    assert "not authorised for any channel" in response.content.decode()


def test_a_refused_incident_can_be_corrected_and_sent_with_the_same_page(
    authorised_admin, channel, post_incident, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    not_an_image = SimpleUploadedFile("shot.png", b"just text", content_type="image/png")
    refused = post_incident(
        authorised_admin, channel, submission_key="page-1", screenshots=[not_an_image]
    )
    assert refused.status_code == 200
    assert_nothing_stored(settings)
    post_incident(authorised_admin, channel, submission_key="page-1")
    assert Incident.objects.count() == 1
