import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.urls import reverse

from schoolsocial.models import AuditEvent
from tests.factories import PASSWORD, StaffMemberFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_there_is_no_public_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert b"Accounts are by invitation" in response.content
    client.post(
        reverse("account_signup"),
        {"email": "stranger@example.org", "password1": "a-long-passphrase-1"},
    )
    from schoolsocial.models import User

    assert not User.objects.filter(email="stranger@example.org").exists()


def test_signing_in_and_out_and_failing_are_audited(client, admin):
    sign_in(client, admin.user.email, "wrong password")
    assert sign_in(client, admin.user.email).status_code == 302
    client.post(reverse("account_logout"))
    actions = list(
        AuditEvent.objects.filter(school=admin.school)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.ip_address == "127.0.0.1"
    assert admin.user.email in failed.summary


def test_repeated_failed_sign_ins_are_rate_limited(client, admin):
    for _ in range(5):
        sign_in(client, admin.user.email, "wrong password")
    response = sign_in(client, admin.user.email)  # even the right password
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert not response.wsgi_request.user.is_authenticated


def test_the_admin_login_goes_through_the_rate_limited_sign_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_sessions_end_after_thirty_minutes_without_activity(school, client, time_machine):
    import datetime

    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    office = StaffMemberFactory(school=school, is_office=True)
    sign_in(client, office.user.email)
    # Pages a few seconds apart do not write the session each time.
    client.get(reverse("dashboard"))
    first = _expiry(client).expire_date
    time_machine.shift(datetime.timedelta(seconds=20))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert _expiry(client).expire_date == first
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # nothing sent again
    # A minute on, a page moves the end of the session on.
    time_machine.shift(datetime.timedelta(seconds=45))
    client.get(reverse("dashboard"))
    assert _expiry(client).expire_date == first + datetime.timedelta(seconds=65)
    # Still signed in 29 minutes after that page; not after 30 without one.
    time_machine.shift(datetime.timedelta(minutes=29))
    assert client.get(reverse("dashboard")).status_code == 200
    time_machine.shift(datetime.timedelta(minutes=30))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_leaders_must_set_up_two_factor_before_anything_else(school, client):
    school.leaders_require_mfa = True
    school.save()
    head = StaffMemberFactory(school=school, is_head=True)
    sign_in(client, head.user.email)
    for url in [reverse("dashboard"), reverse("roster"), reverse("audit")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # The set-up page stays reachable (allauth first asks for the password again).
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert b"Authenticator" in response.content

    TOTP.activate(head.user, generate_totp_secret())
    assert client.get(reverse("dashboard")).status_code == 200


def test_two_factor_is_not_forced_on_other_roles_or_when_the_school_turns_it_off(school, login):
    school.leaders_require_mfa = True
    school.save()
    admin = StaffMemberFactory(school=school, is_admin=True)
    assert login(admin).get(reverse("dashboard")).status_code == 200
    school.leaders_require_mfa = False
    school.save()
    slt = StaffMemberFactory(school=school, is_slt=True)
    assert login(slt).get(reverse("dashboard")).status_code == 200


def test_a_leader_with_two_factor_is_asked_for_the_code(client, school):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    school.leaders_require_mfa = True
    school.save()
    head = StaffMemberFactory(school=school, is_head=True)
    secret = generate_totp_secret()
    TOTP.activate(head.user, secret)
    response = sign_in(client, head.user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("dashboard")).wsgi_request.user.is_authenticated
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert Authenticator.objects.filter(user=head.user).exists()


def test_someone_in_two_schools_chooses_one_and_sees_only_it(school, other_school, login, head):
    second = StaffMemberFactory(school=other_school, user=head.user, is_office=True)
    client = login(second)
    session = client.session
    del session["schoolsocial_school_id"]
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("school_choose"))
    response = client.post(
        reverse("school_choose"), {"school": str(other_school.pk), "next": "/"}, follow=True
    )
    assert b"Other Primary" in response.content
    # Office at the other school: the roster of either school is not theirs.
    assert client.get(reverse("roster")).status_code == 403


def test_a_person_with_no_current_school_is_told_so(client, admin):
    admin.left_on = admin.joined_on
    admin.save()
    client.force_login(admin.user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 403
    assert b"not on any school" in response.content
