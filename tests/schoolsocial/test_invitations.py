import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from schoolsocial import services
from schoolsocial.models import AuditEvent, Invitation, StaffMember, User

pytestmark = pytest.mark.django_db


def invite(by, email="new@example.org", roles=("admin",)):
    return services.staff_invite(
        school=by.school,
        invited_by=by,
        email=email,
        first_name="Nia",
        last_name="Roberts",
        roles=roles,
    )


def test_an_invitation_emails_a_one_time_link_and_stores_only_its_hash(
    head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(head)
    assert len(mail.outbox) == 1
    assert token in mail.outbox[0].body
    assert mail.outbox[0].to == ["new@example.org"]
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)
    assert AuditEvent.objects.filter(action="roster.invite").exists()


def test_the_invitee_sets_their_own_password_and_joins(head, client):
    _, token = invite(head, roles=["admin", "office"])
    url = reverse("invitation_accept", args=[token])
    response = client.post(
        url, {"password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.check_password("a-long-new-passphrase")
    member = StaffMember.objects.get(user=user)
    assert member.roles == {"admin", "office"}
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_welsh_schools_invitee_reads_the_page_in_welsh(head, client):
    """No account yet, so no language of their own: the school's, as in the
    invitation email; a password refused is refused in Welsh too."""
    head.school.language = "cy"
    head.school.save(update_fields=["language"])
    _, token = invite(head)
    url = reverse("invitation_accept", args=[token])
    page = client.get(url).content.decode()
    assert '<html lang="cy">' in page and "Dewiswch gyfrinair" in page
    page = client.post(url, {"password1": "1234567890", "password2": "1234567890"})
    assert "cyfrinair hwn yn rhifau i gyd." in page.content.decode()


def test_an_invitation_link_used_twice_is_refused(head, client):
    _, token = invite(head)
    url = reverse("invitation_accept", args=[token])
    data = {"password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"}
    client.post(url, data)
    client.logout()
    response = client.post(
        url, {"password1": "another-passphrase1", "password2": "another-passphrase1"}
    )
    assert response.status_code == 410
    assert b"already been used" in response.content
    assert User.objects.get(email="new@example.org").check_password("a-long-new-passphrase")


def test_an_invitation_link_after_seven_days_is_refused(head, client):
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)):
        _, token = invite(head)
    with time_machine.travel(datetime.datetime(2026, 1, 12, 9, 1, tzinfo=datetime.UTC)):
        response = client.post(
            reverse("invitation_accept", args=[token]),
            {"password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"},
        )
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not User.objects.filter(email="new@example.org").exists()
    with (
        pytest.raises(ValidationError, match="expired"),
        time_machine.travel(datetime.datetime(2026, 1, 12, 9, 1, tzinfo=datetime.UTC)),
    ):
        services.invitation_accept(token=token, password="whatever-long-1")


def test_a_weak_password_is_refused_with_a_reason(head, client):
    _, token = invite(head)
    response = client.post(
        reverse("invitation_accept", args=[token]), {"password1": "12345", "password2": "12345"}
    )
    assert response.status_code == 200
    assert b"too short" in response.content
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_new_invitation_replaces_the_earlier_one(head):
    _, first = invite(head)
    _, second = invite(head)
    with pytest.raises(ValidationError, match="replaced"):
        services.invitation_for_token(first)
    assert services.invitation_for_token(second)


def test_only_leaders_invite_and_only_the_head_invites_a_head(slt, admin):
    with pytest.raises(ValidationError, match="headteacher or a senior leader"):
        invite(admin)
    with pytest.raises(ValidationError, match="Only the headteacher"):
        invite(slt, roles=["head"])
    assert not Invitation.objects.exists()


def test_an_existing_account_joins_a_second_school_after_signing_in(head, outsider, client):
    _, token = services.staff_invite(
        school=head.school,
        invited_by=head,
        email=outsider.user.email,
        first_name="Out",
        last_name="Sider",
        roles=["office"],
    )
    url = reverse("invitation_accept", args=[token])
    assert b"already have a schoolsocial account" in client.get(url).content
    client.force_login(outsider.user)
    client.post(url)
    assert StaffMember.objects.filter(user=outsider.user).count() == 2


def test_the_invite_form_sent_twice_sends_one_invitation(head, login):
    client = login(head)
    form = client.get(reverse("roster_invite")).context["form"]
    data = {
        "first_name": "Nia",
        "last_name": "Roberts",
        "email": "nia@example.org",
        "roles": ["office"],
        "submission_key": form.initial["submission_key"],
    }
    client.post(reverse("roster_invite"), data)
    response = client.post(reverse("roster_invite"), data, follow=True)
    assert b"already sent" in response.content
    assert Invitation.objects.count() == 1


def test_create_school_invites_its_first_head(db, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create_school",
            "Ysgol Gymraeg",
            head_email="pennaeth@ysgol.example",
            head_first_name="Siân",
            head_last_name="Evans",
        )
    invitation = Invitation.objects.get()
    assert invitation.roles == ["head"] and invitation.invited_by is None
    assert "pennaeth@ysgol.example" in mail.outbox[0].to


def test_a_refused_invitation_can_be_corrected_and_sent(head, slt, login):
    client = login(head)
    form = client.get(reverse("roster_invite")).context["form"]
    data = {
        "first_name": "Sam",
        "last_name": "Lewis",
        "email": slt.user.email,  # already on the staff: refused
        "roles": ["office"],
        "submission_key": form.initial["submission_key"],
    }
    response = client.post(reverse("roster_invite"), data)
    assert b"already on the staff" in response.content
    data["email"] = "sam.lewis@example.org"
    client.post(reverse("roster_invite"), data)
    assert Invitation.objects.filter(email="sam.lewis@example.org").exists()
