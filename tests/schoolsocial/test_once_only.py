"""Once-only forms: a double click records once, however the two copies of
the form arrive — one after the other with the cache emptied between them,
or two at the same moment on two threads (two web workers). The same tests
run on SQLite with the file cache (the embedded default) and on PostgreSQL
with Redis (DATABASE_URL and REDIS_URL set, as in CI)."""

import datetime
import threading
import uuid

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentForm, ConsentRecord, Purpose
from schoolsocial.forms import prune_form_submissions
from schoolsocial.models import FormSubmission
from tests.conftest import client_for
from tests.consent.factories import PupilFactory


@pytest.fixture
def file_cache(settings, tmp_path):
    """The embedded default: Django's file cache, not the test's memory one."""
    if not settings.REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }


def consent_post(key: str) -> dict:
    received = timezone.localdate() - datetime.timedelta(days=3)
    return {
        "submission_key": key,
        "given_by_name": "Gareth Evans",
        "relationship": "parent",
        "received_on": received.isoformat(),
        "method": "paper",
        **{f"purpose_{p}": "" for p in Purpose.values},
        "purpose_website": "granted",
    }


def post_at_once(clients, url, data) -> list:
    """Each client posts ``data`` to ``url`` on its own thread, all released
    at the same moment."""
    start = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list = []

    def send(n):
        try:
            start.wait()
            responses[n] = clients[n].post(url, data)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return responses


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_consent_form_sent_at_once_record_one_form(school, office, file_cache):
    pupil = PupilFactory(school=school)
    url = reverse("consent:consent_form", args=[pupil.pk])
    # Thirty double clicks: with the cache's ``add`` the file cache let a
    # duplicate through within the first ten.
    for attempt in range(1, 31):
        # Two browser windows (two sessions) of the same person, at once.
        clients = [client_for(office), client_for(office)]
        responses = post_at_once(clients, url, consent_post(uuid.uuid4().hex))
        assert [r.status_code for r in responses] == [302, 302]
        assert ConsentForm.objects.filter(pupil=pupil).count() == attempt
    assert ConsentRecord.objects.filter(pupil=pupil).count() == 30


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_an_incident_sent_at_once_record_one_incident_with_its_screenshots(
    school, channel, authorised_admin, file_cache
):
    from moderation.models import Evidence, Incident
    from tests.moderation.conftest import incident_data
    from tests.moderation.factories import upload
    from tests.moderation.images import png_bytes

    key = uuid.uuid4().hex
    data = png_bytes()
    clients = [client_for(authorised_admin), client_for(authorised_admin)]
    # One screenshot attached before "Check the text first", one chosen after.
    clients[0].post(
        reverse("moderation:incident_new"),
        incident_data(channel, submission_key=key, check_text="1", screenshots=[upload(data)]),
    )
    more = png_bytes(text="more")
    start = threading.Barrier(2)
    responses: list = [None, None]

    def send(n):
        try:
            form = incident_data(channel, submission_key=key, screenshots=[upload(more)])
            start.wait()
            responses[n] = clients[n].post(reverse("moderation:incident_new"), form)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r.status_code for r in responses] == [302, 302]
    assert Incident.objects.count() == 1
    assert Evidence.objects.count() == 2


def test_a_resent_form_is_refused_even_when_the_cache_was_emptied(login, office, school):
    pupil = PupilFactory(school=school)
    client = login(office)
    url = reverse("consent:consent_form", args=[pupil.pk])
    data = consent_post(uuid.uuid4().hex)
    client.post(url, data)
    cache.clear()  # a restart, another worker's clear, a full cache evicting keys
    response = client.post(url, data, follow=True)
    assert "already sent" in response.content.decode()
    assert ConsentForm.objects.count() == 1


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(login, office, school):
    pupil = PupilFactory(school=school)
    client = login(office)
    url = reverse("consent:consent_form", args=[pupil.pk])
    key = uuid.uuid4().hex
    refused = client.post(url, {**consent_post(key), "relationship": "grandparent"})
    assert "parental responsibility" in refused.content.decode()
    assert not FormSubmission.objects.exists()
    assert client.post(url, consent_post(key)).status_code == 302
    assert ConsentForm.objects.count() == 1


def test_a_server_error_frees_the_key_so_the_form_can_be_sent_again(
    login, office, school, monkeypatch
):
    from consent import services

    pupil = PupilFactory(school=school)
    client = login(office)
    url = reverse("consent:consent_form", args=[pupil.pk])
    data = consent_post(uuid.uuid4().hex)

    def database_gone(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "consent_form_record", database_gone)
    with pytest.raises(RuntimeError):
        client.post(url, data)
    assert not FormSubmission.objects.exists()
    monkeypatch.undo()
    assert client.post(url, data).status_code == 302
    assert ConsentForm.objects.count() == 1


def test_another_persons_key_is_theirs_alone(login, office, head, school):
    pupil = PupilFactory(school=school)
    url = reverse("consent:consent_form", args=[pupil.pk])
    data = consent_post(uuid.uuid4().hex)
    login(office).post(url, data)
    login(head).post(url, data)
    assert ConsentForm.objects.count() == 2


def test_claimed_keys_older_than_a_day_are_pruned(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    FormSubmission.objects.create(key="1:old")
    time_machine.move_to(datetime.datetime(2026, 3, 3, 8, 0, tzinfo=datetime.UTC), tick=False)
    FormSubmission.objects.create(key="1:recent")
    time_machine.move_to(datetime.datetime(2026, 3, 3, 9, 30, tzinfo=datetime.UTC), tick=False)
    assert prune_form_submissions() == 1
    assert list(FormSubmission.objects.values_list("key", flat=True)) == ["1:recent"]
