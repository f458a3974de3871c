"""A real Celery worker (on the real Redis when REDIS_URL is set, as in CI)
runs the reminder tick and the notifications and emails appear."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from schoolsocial.celery import app
from schoolsocial.models import Notification
from schoolsocial.tasks import send_reminders_tick
from tests.factories import ChannelAuthorisationFactory


def _use_broker(url, options):
    app.conf.broker_url = url
    app.conf.broker_transport_options = options
    # Forget the connection pool of the old broker (kombu keeps one pool per
    # broker URL and hands it back later, so it must not be closed here).
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def real_worker(transactional_db):
    app.conf.task_always_eager = False
    previous = app.conf.broker_url, app.conf.broker_transport_options
    _use_broker(settings.REDIS_URL or "memory://", {})
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        _use_broker(*previous)
        app.conf.task_always_eager = True


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_tick_and_the_reminders_arrive(real_worker, head, admin, channel):
    ChannelAuthorisationFactory(
        member=admin,
        channel=channel,
        authorised_by=head,
        trained_on=head.school.local_today() - datetime.timedelta(days=400),
    )
    # Past the reminder time on any day but the 1st, the monthly reminder is due.
    head.school.reminder_time = datetime.time(0, 0)
    head.school.save()

    send_reminders_tick.delay()

    training = Notification.objects.filter(kind="training_overdue", emailed_at__isnull=False)
    assert wait_for(training.exists)
    assert training.get().recipient == head
    assert [head.user.email] in [m.to for m in mail.outbox]
