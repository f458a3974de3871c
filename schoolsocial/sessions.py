"""Sessions that end after 30 minutes without a request, without writing
the session on every request.

Django's ``SESSION_SAVE_EVERY_REQUEST`` writes the session row (and sends
the cookie) on every page. Instead, a signed-in session is saved again — its
expiry moved to 30 minutes from now — only when it was last saved more than
``SESSION_REFRESH_SECONDS`` ago (default 60). A session therefore ends
between 29 and 30 minutes after its last request, never later, and a
member of staff clicking through pages costs one session write a minute.
"""

from __future__ import annotations

import time

from django.conf import settings

REFRESHED_KEY = "_schoolsocial_refreshed"


class SessionRefreshMiddleware:
    """Below ``SessionMiddleware``: marks the session modified (so it is
    saved, with a new expiry) when its last save is older than the refresh
    interval."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or session.modified:
            if session is not None and session.modified and not session.is_empty():
                session[REFRESHED_KEY] = int(time.time())
            return response
        interval = getattr(settings, "SESSION_REFRESH_SECONDS", 60)
        if time.time() - session.get(REFRESHED_KEY, 0) >= interval:
            session[REFRESHED_KEY] = int(time.time())
        return response
