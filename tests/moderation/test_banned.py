import pytest
from django.urls import reverse

from moderation import services
from moderation.models import BannedAccount
from schoolsocial.services import ServiceError
from tests.moderation.factories import BannedAccountFactory, IncidentFactory


def test_the_banned_list_shows_bans_with_their_incidents(school, slt, login):
    incident = IncidentFactory(school=school)
    ban = BannedAccountFactory(school=school, account_name="Troll Face", banned_by=slt)
    ban.incidents.add(incident)
    page = login(slt).get(reverse("moderation:banned")).content.decode()
    assert "Troll Face" in page
    assert reverse("moderation:incident", args=[incident.pk]) in page


def test_a_ban_can_be_added_directly(authorised_admin, login):
    response = login(authorised_admin).post(
        reverse("moderation:banned"),
        {"platform": "x", "account_name": "@spammer", "reason": "Spam links"},
    )
    assert response.status_code == 302
    ban = BannedAccount.objects.get()
    assert ban.banned_by == authorised_admin
    assert ban.is_current


def test_lifting_a_ban_keeps_the_record_with_who_when_and_why(school, slt, login):
    ban = BannedAccountFactory(school=school)
    response = login(slt).post(
        reverse("moderation:banned_lift", args=[ban.pk]), {"reason": "Apologised in person"}
    )
    assert response.status_code == 302
    ban.refresh_from_db()
    assert ban.lifted_on == school.local_today()
    assert ban.lifted_by == slt
    assert ban.lifted_reason == "Apologised in person"
    assert BannedAccount.objects.count() == 1


def test_lifting_needs_a_reason_and_a_leader(school, slt, admin):
    ban = BannedAccountFactory(school=school)
    with pytest.raises(ServiceError, match="reason"):
        services.ban_lift(ban=ban, lifted_by=slt, reason=" ")
    with pytest.raises(ServiceError, match="senior leader"):
        services.ban_lift(ban=ban, lifted_by=admin, reason="Why not")
    ban.refresh_from_db()
    assert ban.is_current


def test_another_schools_ban_cannot_be_lifted(school, outsider, login):
    ban = BannedAccountFactory(school=school)
    response = login(outsider).post(
        reverse("moderation:banned_lift", args=[ban.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
