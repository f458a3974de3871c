"""Every periodic task, in one place.

Each entry says when it runs and why. Times are UTC; work that depends on a
school's local time asks the services what is due now for each school.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every minute: ask every school what reminders are due at its own local
    # time (daily moderation, missed days, unacknowledged escalations, weekly
    # digests, monthly upkeep) and notify each once (email at least once). A tick is a few
    # queries per kind of reminder (see `make bench`), so once a minute keeps
    # reminders on time; a tick not started within the minute is dropped, as
    # the next one does the same work.
    "reminders-tick": {
        "task": "schoolsocial.tasks.send_reminders_tick",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Nightly at 01:30 UTC: remove what is past each school's retention
    # periods (schoolsocial/retention.py). Boundaries are whole school-local
    # days, so the hour only needs to be quiet; a run that is missed is
    # caught up by the next, and a second run the same night finds nothing.
    "apply-retention": {
        "task": "schoolsocial.tasks.apply_retention",
        "schedule": crontab(hour=1, minute=30),
    },
    # Nightly at 02:15 UTC: drop expired sign-in sessions so the session table
    # does not grow without end (sessions end after 30 minutes idle).
    "clear-expired-sessions": {
        "task": "schoolsocial.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
    # Nightly at 02:45 UTC, after retention: check every school's audit
    # trail hash chain (schoolsocial/records.py); a broken one is logged and
    # its head told, once a day, so a change made outside the app is noticed.
    "check-audit-chains": {
        "task": "schoolsocial.tasks.check_audit_chains",
        "schedule": crontab(hour=2, minute=45),
    },
    # Every 10 minutes: queue again any screenshot whose display copy was
    # not made (its task lost with a worker, or failed after its retries);
    # the incident and the original were saved at once, only the copy waits.
    "prepare-waiting-evidence": {
        "task": "moderation.tasks.prepare_waiting_evidence",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    # Every 10 minutes: read again any screenshot whose text was not read
    # (OCR's task lost with a worker); recording never waited for it.
    "read-waiting-evidence": {
        "task": "moderation.tasks.read_waiting_evidence",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
    # Hourly: forget once-only form keys claimed over a day ago and files
    # held for forms that were never sent ("Check the text first", then the
    # page was left).
    "housekeeping": {
        "task": "schoolsocial.tasks.housekeeping",
        "schedule": crontab(minute=40),
    },
}
