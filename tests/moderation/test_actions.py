"""The rules of the incident timeline, enforced by the services."""

import pytest
from django.urls import reverse

from moderation import services
from moderation.models import BannedAccount, IncidentAction
from schoolsocial.models import AuditEvent
from schoolsocial.services import ServiceError
from tests.factories import ChannelFactory, StaffMemberFactory
from tests.moderation.factories import IncidentFactory, make_evidence


@pytest.mark.parametrize("kind", ["comment_deleted", "comment_hidden"])
def test_deleting_or_hiding_needs_a_screenshot_first(kind, incident, authorised_admin):
    with pytest.raises(ServiceError, match="screenshot"):
        services.incident_add_action(incident=incident, kind=kind, by=authorised_admin)
    assert not incident.actions.filter(kind=kind).exists()
    make_evidence(incident)
    action = services.incident_add_action(incident=incident, kind=kind, by=authorised_admin)
    assert action.kind == kind
    assert AuditEvent.objects.filter(action="moderation.action").count() == 1


@pytest.mark.parametrize("kind", ["cpoms", "reported_police"])
def test_cpoms_and_police_need_a_reference(kind, incident, authorised_admin):
    with pytest.raises(ServiceError, match="reference"):
        services.incident_add_action(incident=incident, kind=kind, by=authorised_admin)
    action = services.incident_add_action(
        incident=incident, kind=kind, by=authorised_admin, reference="REF-123"
    )
    assert action.reference == "REF-123"


def test_banning_the_author_creates_a_banned_account_linked_to_the_incident(
    incident, authorised_admin
):
    action = services.incident_add_action(
        incident=incident, kind="author_banned", by=authorised_admin, note="Repeated abuse"
    )
    ban = BannedAccount.objects.get()
    assert action.banned_account == ban
    assert ban.account_name == incident.author_name
    assert ban.platform == incident.channel.platform
    assert list(ban.incidents.all()) == [incident]
    assert ban.reason == "Repeated abuse"


def test_banning_the_same_author_again_links_the_existing_ban(
    school, channel, incident, authorised_admin
):
    services.incident_add_action(incident=incident, kind="author_banned", by=authorised_admin)
    again = IncidentFactory(
        school=school, channel=channel, author_name=incident.author_name.upper()
    )
    action = services.incident_add_action(incident=again, kind="author_banned", by=authorised_admin)
    ban = BannedAccount.objects.get()
    assert action.banned_account == ban
    assert set(ban.incidents.all()) == {incident, again}


def test_resolving_needs_an_outcome(incident, authorised_admin):
    with pytest.raises(ServiceError, match="outcome"):
        services.incident_resolve(incident=incident, by=authorised_admin, outcome="  ")
    incident.refresh_from_db()
    assert incident.status == "open"
    services.incident_resolve(incident=incident, by=authorised_admin, outcome="Comment removed.")
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.outcome == "Comment removed."


def test_a_closed_incident_is_read_only_except_reopening_with_a_reason(incident, authorised_admin):
    services.incident_resolve(incident=incident, by=authorised_admin, outcome="Dealt with.")
    services.incident_close(incident=incident, by=authorised_admin)
    with pytest.raises(ServiceError, match="closed"):
        services.incident_add_action(
            incident=incident, kind="note", by=authorised_admin, note="More"
        )
    with pytest.raises(ServiceError, match="closed"):
        services.evidence_add(incident=incident, uploads=[], added_by=authorised_admin)
    with pytest.raises(ServiceError, match="reason"):
        services.incident_reopen(incident=incident, by=authorised_admin, reason="")
    incident.refresh_from_db()
    assert incident.status == "closed"
    services.incident_reopen(incident=incident, by=authorised_admin, reason="Parent replied.")
    incident.refresh_from_db()
    assert incident.status == "open"
    assert incident.actions.filter(kind="reopened", note="Parent replied.").exists()
    services.incident_add_action(incident=incident, kind="note", by=authorised_admin, note="OK")


def test_closing_needs_the_incident_resolved_first(incident, authorised_admin):
    with pytest.raises(ServiceError, match="Resolve"):
        services.incident_close(incident=incident, by=authorised_admin)


def test_the_timeline_is_append_only(incident, authorised_admin):
    action = services.incident_add_action(
        incident=incident, kind="note", by=authorised_admin, note="Seen"
    )
    action.note = "Changed"
    with pytest.raises(ValueError):
        action.save()
    with pytest.raises(ValueError):
        action.delete()


def test_an_administrator_of_another_channel_cannot_act(school, incident, head):
    other_admin = StaffMemberFactory(school=school, is_admin=True)
    from tests.factories import ChannelAuthorisationFactory

    ChannelAuthorisationFactory(
        member=other_admin, channel=ChannelFactory(school=school), authorised_by=head
    )
    with pytest.raises(ServiceError, match="not a current administrator"):
        services.incident_add_action(incident=incident, kind="note", by=other_admin, note="x")
    # The head may act on any channel of the school.
    services.incident_add_action(incident=incident, kind="note", by=head, note="Seen")


def test_system_kinds_cannot_be_chosen(incident, authorised_admin):
    with pytest.raises(ServiceError):
        services.incident_add_action(incident=incident, kind="resolved", by=authorised_admin)


def test_the_incident_page_refuses_a_deletion_without_a_screenshot_in_plain_english(
    incident, authorised_admin, login
):
    response = login(authorised_admin).post(
        reverse("moderation:incident_action", args=[incident.pk]), {"kind": "comment_deleted"}
    )
    assert response.status_code == 200
    assert "Add a screenshot before" in response.content.decode()
    assert not IncidentAction.objects.filter(kind="comment_deleted").exists()


def test_marking_deleted_from_the_page_adds_it_to_the_timeline(incident, authorised_admin, login):
    make_evidence(incident)
    client = login(authorised_admin)
    response = client.post(
        reverse("moderation:incident_action", args=[incident.pk]),
        {"kind": "comment_deleted", "note": "Removed from the page", "submission_key": "k1"},
    )
    assert response.status_code == 302
    # The same form sent twice records it once.
    client.post(
        reverse("moderation:incident_action", args=[incident.pk]),
        {"kind": "comment_deleted", "note": "Removed from the page", "submission_key": "k1"},
    )
    assert incident.actions.filter(kind="comment_deleted").count() == 1
    page = client.get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert "Comment deleted" in page


def test_resolve_close_and_reopen_through_the_page(incident, authorised_admin, login):
    client = login(authorised_admin)
    url = reverse("moderation:incident_status", args=[incident.pk])
    response = client.post(url, {"op": "resolve", "outcome": ""})
    assert "outcome" in response.content.decode().lower()
    client.post(url, {"op": "resolve", "outcome": "Removed; parent spoken to."})
    client.post(url, {"op": "close"})
    incident.refresh_from_db()
    assert incident.status == "closed"
    client.post(url, {"op": "reopen", "reason": "It was posted again."})
    incident.refresh_from_db()
    assert incident.status == "open"
