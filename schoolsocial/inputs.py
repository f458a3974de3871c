"""Input no page can be trusted to handle: NUL characters and ``next``
addresses.

PostgreSQL cannot store a NUL character in text, so a NUL anywhere in a
query string or form (a search box, "check the text", a password) would end
as a server error in whichever view first passed it to the database. The
middleware refuses such a request once, for every page, with a plain message
and nothing changed. ``local_path`` is the one rule for ``next`` parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    for data in (request.GET, request.POST):
        for key, values in data.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return any(NUL in (upload.name or "") for upload in request.FILES.values())


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, args, kwargs):
        # After the CSRF check, so a forged request is still a 403.
        if NUL in request.path or _has_nul(request):
            return render(
                request,
                "400.html",
                {
                    "reason": gettext(
                        "The text you sent contains a hidden control character (NUL) "
                        "that cannot be stored. Retype it, or paste it as plain text."
                    )
                },
                status=400,
            )
        return None


def local_path(value: object, default: str) -> str:
    """``value`` if it is a path on this site ("/consent/pupils/?page=2"),
    else ``default``: never another site ("//evil.example", "https://…",
    "/\\\\evil.example"), never something that is not a path ("0", "")."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
