"""Accounts: no takeover from a session left open, sign-in addresses changed
only by a leader from the roster, password reset only to a verified address,
password changes audited, and two-factor for the service's own administrators.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse

from schoolsocial import services
from schoolsocial.models import AuditEvent, School, User
from tests.factories import PASSWORD, SchoolFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _emails_leave_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Emails are queued after commit; inside the test's transaction, run
    each page's commit callbacks as the request ends."""
    from django.test.client import Client

    real = Client.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


NEW_PASSWORD = "a-fresh-long-passphrase-42"


def verified(member):
    EmailAddress.objects.create(
        user=member.user, email=member.user.email, primary=True, verified=True
    )
    return member


def ask_for_reset(client, email):
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": email})
    return [
        m for m in mail.outbox if "reset" in m.body.lower() and "/password/reset/key/" in m.body
    ]


def link_in(message) -> str:
    return re.search(r"http://localhost:8000(/\S+)", message.body).group(1)


# --- A session left open --------------------------------------------------------


def test_from_a_session_left_open_nobody_can_add_an_address_and_reset_the_password(
    office, login, client
):
    verified(office)
    intruder = login(office)
    page = intruder.get("/accounts/email/")
    assert page.status_code == 200
    assert b"cannot add or change a sign-in address yourself" in page.content
    # allauth's own form fields, sent to the page anyway.
    intruder.post("/accounts/email/", {"email": "intruder@evil.example", "action_add": ""})
    assert not EmailAddress.objects.filter(email="intruder@evil.example").exists()
    office.user.refresh_from_db()
    assert office.user.email == "office@example.org"
    assert ask_for_reset(client, "intruder@evil.example") == []


def test_password_reset_goes_only_to_a_verified_address(school, client):
    confirmed = verified(StaffMemberFactory(school=school, is_office=True))
    unconfirmed = StaffMemberFactory(school=school, is_office=True)
    EmailAddress.objects.create(
        user=unconfirmed.user, email=unconfirmed.user.email, primary=True, verified=False
    )
    no_record = StaffMemberFactory(school=school, is_office=True)

    [sent] = ask_for_reset(client, confirmed.user.email)
    assert sent.to == [confirmed.user.email]
    assert ask_for_reset(client, unconfirmed.user.email) == []
    assert ask_for_reset(client, no_record.user.email) == []


def test_accepting_an_invitation_verifies_the_address(head, client):
    _, token = services.staff_invite(
        school=head.school,
        invited_by=head,
        email="nia@example.org",
        first_name="Nia",
        last_name="Roberts",
        roles=["office"],
    )
    client.post(
        reverse("invitation_accept", args=[token]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    address = EmailAddress.objects.get(user__email="nia@example.org")
    assert address.verified and address.primary


# --- Password change and reset are audited and the owner is told ---------------------


def test_a_password_change_is_audited_and_the_owner_told(office, login):
    client = login(office)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.school == office.school and event.actor == office.user
    assert event.ip_address == "127.0.0.1"
    [notice] = mail.outbox
    assert notice.to == [office.user.email]
    assert "Your password has been changed" in notice.body
    assert "Message-ID" in notice.extra_headers


def test_a_password_reset_is_audited_and_the_owner_told(office, client):
    verified(office)
    [sent] = ask_for_reset(client, office.user.email)
    response = client.get(link_in(sent), follow=True)
    set_password_url = response.redirect_chain[-1][0]
    mail.outbox.clear()
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    office.user.refresh_from_db()
    assert office.user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.school == office.school
    assert any("password" in m.body.lower() for m in mail.outbox)


# --- Leaders change a colleague's address from the roster ----------------------------


def change_address(client, member, email, confirm_password=True):
    if confirm_password:
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client.post(reverse("roster_member_email", args=[member.pk]), {"email": email})


def test_a_leaders_open_session_alone_cannot_change_an_address(head, office, login):
    client = login(head)
    response = change_address(client, office, "intruder@evil.example", confirm_password=False)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    office.user.refresh_from_db()
    assert office.user.email == "office@example.org"
    assert mail.outbox == []


def test_the_head_changes_a_colleagues_address_and_the_old_address_is_told(
    head, office, login, client
):
    verified(office)
    response = change_address(login(head), office, "office.new@example.org")
    assert response.status_code == 302
    office.user.refresh_from_db()
    assert office.user.email == "office.new@example.org"
    event = AuditEvent.objects.get(action="roster.email")
    assert "office@example.org" in event.summary and "office.new@example.org" in event.summary
    assert event.actor == head.user
    notice = next(m for m in mail.outbox if m.to == ["office@example.org"])
    assert "office.new@example.org" in notice.body
    assert "speak to your headteacher" in notice.body
    confirmation = next(m for m in mail.outbox if m.to == ["office.new@example.org"])
    assert "confirm it is yours" in confirmation.body

    # Unconfirmed: no password reset goes to the new address yet.
    assert ask_for_reset(client, "office.new@example.org") == []
    # Its owner opens the link sent to it; now it may.
    confirm_url = link_in(confirmation)
    client.post(confirm_url)
    assert EmailAddress.objects.get(email="office.new@example.org").verified
    assert AuditEvent.objects.filter(action="auth.email_confirmed", school=office.school).exists()
    assert len(ask_for_reset(client, "office.new@example.org")) == 1
    # They sign in with the new address and their old password.
    client.post(reverse("account_login"), {"login": "office.new@example.org", "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_address_change_emails_are_in_the_colleagues_language(head, office, login):
    """The head works in English; the colleague chose Welsh: both emails
    about the change (to the old address and to the new) are in Welsh."""
    verified(office)
    office.user.language = "cy"
    office.user.save(update_fields=["language"])
    change_address(login(head), office, "office.new@example.org")
    notice = next(m for m in mail.outbox if m.to == ["office@example.org"])
    assert notice.subject == "Newidiwyd eich cyfeiriad mewngofnodi schoolsocial"
    assert "siaradwch â'ch pennaeth ar unwaith" in notice.body
    confirmation = next(m for m in mail.outbox if m.to == ["office.new@example.org"])
    assert "Cadarnhewch eich cyfeiriad mewngofnodi" in confirmation.subject
    assert "i gadarnhau mai chi biau'r cyfeiriad" in confirmation.body
    # The head's own page stays in English.
    page = login(head).get(reverse("roster_member", args=[office.pk])).content.decode()
    assert "Sign-in address" in page


def test_allauths_pages_read_in_the_schools_language_and_show_the_menu(office, login):
    """Someone who chose no language of their own, at a Welsh school: the
    password and two-factor pages are in Welsh, with the app's main menu."""
    office.school.language = "cy"
    office.school.save(update_fields=["language"])
    client = login(office)
    for name in ("account_change_password", "mfa_index"):
        page = client.get(reverse(name)).content.decode()
        assert '<html lang="cy">' in page, name
        assert 'id="main-nav"' in page and "Dangosfwrdd" in page, name
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Cyfrinair presennol" in page and "rhifau i gyd" in page


def test_the_roster_page_offers_the_change_to_leaders(slt, office, login):
    page = login(slt).get(reverse("roster_member", args=[office.pk])).content.decode()
    assert "Sign-in address" in page
    assert reverse("roster_member_email", args=[office.pk]) in page


@pytest.mark.parametrize(
    ("changer", "target", "message"),
    [
        ("slt", "head", "Only the headteacher can change a leader"),
        ("slt", "other_slt", "Only the headteacher can change a leader"),
        ("slt", "slt", "cannot change your own sign-in address"),
        ("head", "head", "cannot change your own sign-in address"),
    ],
)
def test_leaders_addresses_are_the_heads_to_change_and_nobody_changes_their_own(
    school, head, slt, login, changer, target, message
):
    people = {
        "head": head,
        "slt": slt,
        "other_slt": StaffMemberFactory(school=school, is_slt=True),
    }
    before = people[target].user.email
    response = change_address(login(people[changer]), people[target], "taken.over@example.org")
    assert response.status_code == 400
    assert message in response.content.decode()
    people[target].user.refresh_from_db()
    assert people[target].user.email == before
    assert not AuditEvent.objects.filter(action="roster.email").exists()
    assert mail.outbox == []


def test_someone_who_also_works_for_another_school_is_left_to_the_service_team(head, office, login):
    StaffMemberFactory(school=SchoolFactory(), user=office.user, is_head=True)
    response = change_address(login(head), office, "elsewhere@example.org")
    assert response.status_code == 400
    assert "also works for another school" in response.content.decode()
    office.user.refresh_from_db()
    assert office.user.email == "office@example.org"


def test_an_address_in_use_or_malformed_is_refused(head, office, admin, login):
    client = login(head)
    response = change_address(client, office, admin.user.email)
    assert "Another account already uses" in response.content.decode()
    response = change_address(client, office, "not an address")
    assert response.status_code == 400
    office.user.refresh_from_db()
    assert office.user.email == "office@example.org"


# --- The service's own administrators (Django admin) -------------------------------


@pytest.fixture
def service_admin():
    return User.objects.create_superuser(email="ops@example.org", password=PASSWORD)


def test_a_service_administrator_must_set_up_two_factor_first(service_admin, client):
    client.force_login(service_admin)
    for url in ["/admin/", "/admin/schoolsocial/user/add/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_with_two_factor_the_admins_own_pages_work(service_admin, client, office):
    TOTP.activate(service_admin, generate_totp_secret())
    client.force_login(service_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/schoolsocial/user/add/").status_code == 200
    response = client.post(
        "/admin/schoolsocial/user/add/",
        {"email": "new.ops@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email="new.ops@example.org").exists()
    added = AuditEvent.objects.get(action="admin.add")
    assert added.actor == service_admin and "new.ops@example.org" in added.summary

    password_url = f"/admin/schoolsocial/user/{office.user.pk}/password/"
    assert client.get(password_url).status_code == 200
    response = client.post(
        password_url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    office.user.refresh_from_db()
    assert office.user.check_password(NEW_PASSWORD)
    changed = AuditEvent.objects.get(action="admin.change", school=office.school)
    assert "password" in changed.summary.lower()


def test_an_ordinary_account_does_not_get_into_the_admin(office, login):
    response = login(office).get("/admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_admin_cannot_switch_off_a_schools_two_factor_rule(service_admin, client, school):
    school.leaders_require_mfa = True
    school.save()
    TOTP.activate(service_admin, generate_totp_secret())
    client.force_login(service_admin)
    url = f"/admin/schoolsocial/school/{school.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="leaders_require_mfa"' not in page
    response = client.post(
        url,
        {
            "name": "Renamed Primary",
            "slug": school.slug,
            "time_zone": "Europe/London",
            "reminder_time": "15:30",
            "language": "en",
            "closure_dates": "[]",
            "evidence_retention_years": 6,
            "safeguarding_retention_years": 25,
            "consent_retention_years": 2,
            "audit_retention_years": 6,
            "leaders_require_mfa": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    school = School.objects.get(pk=school.pk)
    assert school.name == "Renamed Primary"
    assert school.leaders_require_mfa is True
    event = AuditEvent.objects.get(action="admin.change", school=school)
    assert event.actor == service_admin and "Name" in event.summary


def test_an_address_changed_in_the_admin_is_told_and_must_be_confirmed(service_admin, client, head):
    verified(head)
    TOTP.activate(service_admin, generate_totp_secret())
    client.force_login(service_admin)
    response = client.post(
        f"/admin/schoolsocial/user/{head.user.pk}/change/",
        {
            "email": "head.new@example.org",
            "first_name": head.user.first_name,
            "last_name": head.user.last_name,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    head.user.refresh_from_db()
    assert head.user.email == "head.new@example.org"
    notice = next(m for m in mail.outbox if m.to == ["head@example.org"])
    assert "The schoolsocial service team changed" in notice.body
    event = AuditEvent.objects.get(action="roster.email", school=head.school)
    assert event.actor == service_admin
    # The old address no longer gets a reset link, the new one not until confirmed.
    from django.test import Client

    anonymous = Client()
    assert ask_for_reset(anonymous, "head@example.org") == []
    assert ask_for_reset(anonymous, "head.new@example.org") == []
    EmailAddress.objects.filter(email="head.new@example.org").update(verified=True)
    assert len(ask_for_reset(anonymous, "head.new@example.org")) == 1
