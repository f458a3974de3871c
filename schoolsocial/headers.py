"""Response headers that keep pupils' data out of caches and switch off
browser features the app never uses."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": []}`` → ``camera=()``; ``{"fullscreen": ["self"]}`` →
    ``fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in policy.items())


class SecurityHeadersMiddleware:
    """Every response the app renders (pages, downloads, redirects, errors)
    is marked ``Cache-Control: no-store``: a shared office computer's
    browser, a proxy or the back button after signing out must not keep a
    copy of a page that names pupils or of a screenshot of a comment. Static
    files never reach this middleware (WhiteNoise serves them above it, with
    long cache lifetimes, and they hold nothing personal).

    ``Permissions-Policy`` denies every powerful browser feature to the page
    and to anything it could embed (settings.PERMISSIONS_POLICY).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
