import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_form_sent_without_its_security_token_gets_a_plain_explanation(head):
    client = Client(enforce_csrf_checks=True)
    client.force_login(head.user)
    response = client.post(reverse("roster_invite"), {"email": "x@example.org"})
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode()


def test_an_unknown_address_gets_a_plain_404(login, head, settings):
    settings.DEBUG = False
    response = login(head).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
