"""The known causes of server errors, fixed: ``next`` accepted only as a path
on this site, dates a school could mean, and NUL characters refused with a
plain message. tests/test_no_server_errors.py looks for unknown ones."""

import pytest
from django.urls import reverse

from schoolsocial.inputs import local_path
from schoolsocial.models import Notification
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/consent/pupils/?page=2", "/consent/pupils/?page=2"),
        ("0", "/home/"),
        ("", "/home/"),
        (None, "/home/"),
        ("//evil.example/", "/home/"),
        ("https://evil.example/", "/home/"),
        ("/\\evil.example", "/home/"),
        ("/\\/evil.example", "/home/"),
        ("javascript:alert(1)", "/home/"),
        ("/tab\tinside", "/home/"),
    ],
)
def test_next_is_only_ever_a_path_on_this_site(value, expected):
    assert local_path(value, "/home/") == expected


@pytest.mark.parametrize("next_value", ["0", "//evil.example/", "https://evil.example/x"])
def test_choosing_a_school_with_a_strange_next_goes_to_the_dashboard(
    school, other_school, head, login, next_value
):
    StaffMemberFactory(school=other_school, user=head.user, is_office=True)
    response = login(head).post(
        reverse("school_choose"), {"school": str(other_school.pk), "next": next_value}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_choosing_a_school_follows_a_local_next(school, other_school, head, login):
    StaffMemberFactory(school=other_school, user=head.user, is_office=True)
    response = login(head).post(
        reverse("school_choose"), {"school": str(other_school.pk), "next": "/channels/"}
    )
    assert response["Location"] == "/channels/"


@pytest.mark.parametrize("next_value", ["0", "//evil.example/", "²"])
def test_marking_notifications_read_with_a_strange_next_stays_in_the_app(head, login, next_value):
    Notification.objects.create(
        school=head.school, recipient=head, kind="x", title="t", key="k", email_wanted=False
    )
    response = login(head).post(
        reverse("notification_read"), {"next": next_value, "notification": ["²", "9" * 40]}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")


@pytest.mark.parametrize("next_value", ["0", "//evil.example/"])
def test_signing_in_with_a_strange_next_goes_to_the_dashboard(client, admin, password, next_value):
    response = client.post(
        reverse("account_login") + f"?next={next_value}",
        {"login": admin.user.email, "password": password},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    "params",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
    ],
)
def test_the_audit_filter_refuses_dates_nobody_means_with_a_message(head, login, params):
    for url in [reverse("audit"), reverse("audit_export")]:
        response = login(head).get(url, params)
        assert response.status_code in (200, 400)
    page = login(head).get(reverse("audit"), params).content.decode()
    assert "Enter a date between 1900 and 2199" in page


def test_the_queue_filter_refuses_dates_nobody_means(head, login):
    response = login(head).get(reverse("moderation:queue"), {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "were not understood" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("consent:pupils", {"q": "Tom\x00"}),
        ("consent:check", {"q": "\x00"}),
        ("audit", {"action": "a\x00"}),
    ],
)
def test_a_nul_character_in_a_search_is_refused_with_a_message(head, login, url_name, params):
    response = login(head).get(reverse(url_name), params)
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()


def test_a_nul_character_in_check_the_text_is_refused_and_nothing_saved(
    authorised_admin, channel, login
):
    from moderation.models import Incident

    response = login(authorised_admin).post(
        reverse("moderation:incident_new"),
        {"channel": channel.pk, "content": "Tom\x00 Smith said", "check_text": "1"},
    )
    assert response.status_code == 400
    assert "cannot be stored" in response.content.decode()
    assert not Incident.objects.exists()
