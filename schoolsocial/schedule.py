"""Every periodic task, in one place.

Each entry says when it runs and why. Times are UTC; work that depends on a
school's local time asks the services what is due now for each school.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Nightly at 02:15 UTC: drop expired sign-in sessions so the session table
    # does not grow without end (sessions end after 30 minutes idle).
    "clear-expired-sessions": {
        "task": "schoolsocial.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
}
