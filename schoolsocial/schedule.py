"""Every periodic task, in one place.

Each entry says when it runs and why. Times are UTC; work that depends on a
school's local time asks the services what is due now for each school.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every 5 minutes: ask every school what reminders are due at its own
    # local time (daily moderation, missed days, unacknowledged escalations,
    # weekly digests, monthly upkeep) and send each exactly once.
    "reminders-tick": {
        "task": "schoolsocial.tasks.send_reminders_tick",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    # Nightly at 02:15 UTC: drop expired sign-in sessions so the session table
    # does not grow without end (sessions end after 30 minutes idle).
    "clear-expired-sessions": {
        "task": "schoolsocial.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
}
