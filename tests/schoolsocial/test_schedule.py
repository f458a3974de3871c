"""Every periodic entry names a task the worker knows (a typo would only
show as a log line in production)."""

from schoolsocial.celery import app
from schoolsocial.schedule import BEAT_SCHEDULE


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    missing = [e["task"] for e in BEAT_SCHEDULE.values() if e["task"] not in app.tasks]
    assert missing == []
    assert "moderation.tasks.prepare_waiting_evidence" in app.tasks
    assert "schoolsocial.tasks.housekeeping" in app.tasks
