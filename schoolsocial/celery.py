"""The Celery application.

Tasks are acknowledged late and fetched one at a time, so a worker killed
mid-task leaves the task on the queue for another; every task is written to be
safe to run twice. All periodic work is listed in ``schoolsocial.schedule``.
"""

import os

from celery import Celery

from schoolsocial.schedule import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolsocial.settings")

app = Celery("schoolsocial")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=240,
    task_time_limit=300,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
)
app.conf.beat_schedule = BEAT_SCHEDULE
app.autodiscover_tasks()
