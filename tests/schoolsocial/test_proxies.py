"""One trusted-proxy setting: the audit trail's IP and allauth's per-IP rate
limits read the client's address the same way, believing X-Forwarded-For only
as far as TRUSTED_PROXY_COUNT proxies of our own wrote it."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from schoolsocial.models import AuditEvent
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def failed_sign_in(client, email, **headers):
    return client.post(
        reverse("account_login"), {"login": email, "password": "wrong password"}, **headers
    )


def test_by_default_a_forwarded_address_is_ignored(client, admin):
    failed_sign_in(client, admin.user.email, HTTP_X_FORWARDED_FOR="198.51.100.7")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.ip_address == "127.0.0.1"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # A client can write anything in front; the proxy appends what it saw.
    failed_sign_in(client, admin.user.email, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.ip_address == "203.0.113.9"


def test_a_request_that_did_not_pass_the_proxy_is_known_by_its_socket(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    failed_sign_in(client, admin.user.email)
    assert AuditEvent.objects.get(action="auth.login_failed").ip_address == "127.0.0.1"


def test_a_forwarded_value_that_is_not_an_address_is_recorded_as_unknown(client, admin, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("dashboard"), HTTP_X_FORWARDED_FOR="'; DROP TABLE x; --")
    assert response.status_code == 302
    from schoolsocial.access import client_ip

    assert client_ip(response.wsgi_request) is None


def test_behind_the_proxy_each_client_has_its_own_sign_in_rate_limit(client, school, settings):
    """10 failed sign-ins a minute per address: one noisy client does not
    lock out everyone else behind the same proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    people = [StaffMemberFactory(school=school, is_office=True).user.email for _ in range(12)]
    for email in people[:10]:
        failed_sign_in(client, email, HTTP_X_FORWARDED_FOR="203.0.113.9")
    limited = failed_sign_in(client, people[10], HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert b"Too many failed login attempts" in limited.content
    other = failed_sign_in(client, people[11], HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert b"Too many failed login attempts" not in other.content


def test_allauth_is_given_the_same_setting():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT == 0


def test_the_compose_stack_puts_a_tls_proxy_in_front_and_publishes_only_it():
    compose = (ROOT / "docker-compose.yml").read_text()
    services = dict(re.findall(r"^  (\w+):\n((?:    .*\n|\n)*)", compose, flags=re.M))
    assert "ports:" not in services["web"], "gunicorn must not be published"
    assert "image: caddy" in services["proxy"]
    assert '"443:443"' in services["proxy"]
    assert 'TRUSTED_PROXY_COUNT: "1"' in compose
    caddyfile = (ROOT / "docker" / "Caddyfile").read_text()
    assert "max_size" in caddyfile
    assert "reverse_proxy web:8000" in caddyfile
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "forwarded-allow-ips" not in entrypoint  # set in gunicorn.conf.py
    gunicorn = (ROOT / "docker" / "gunicorn.conf.py").read_text()
    assert 'os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")' in gunicorn
    assert '"FORWARDED_ALLOW_IPS", "*"' not in gunicorn
