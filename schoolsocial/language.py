"""Which language a page or an email is in: the person's own choice (the
switch in the account menu, kept on their account), else their school's
(School settings), else English. Welsh is ``cy``; English is ``en-gb``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext

CODES = {"en": "en-gb", "cy": "cy"}


def language_code(language: str) -> str:
    return CODES.get(language or "en", "en-gb")


def language_for(*, user=None, school=None) -> str:
    """The Django language code for this person at this school."""
    chosen = getattr(user, "language", "") if user is not None else ""
    if chosen:
        return language_code(chosen)
    if school is not None:
        return language_code(school.language)
    return "en-gb"


def language_for_member(member) -> str:
    """For an email to a member of staff: their choice, else their school's."""
    return language_for(user=member.user, school=member.school)


class LanguageMiddleware:
    """Activates the language once AccessMiddleware has found the school."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            translation.deactivate()

    def process_view(self, request: HttpRequest, view_func, args, kwargs):
        user = request.user if request.user.is_authenticated else None
        school = getattr(request, "school", None)
        if user is None and school is None:
            # Signed out (sign-in, reset, an emailed link): the switch on the
            # page (a cookie), else what the browser asks for, else English.
            code = translation.get_language_from_request(request)
        else:
            code = language_for(user=user, school=school)
        translation.activate(code)
        request.LANGUAGE_CODE = code
        return None


def remember_choice(response: HttpResponse, language: str) -> None:
    """Keep the choice in a cookie too, so the pages before sign-in (and
    after sign-out) on this browser read in it. Holds only "cy" or "en-gb"."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language_code(language),
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")


def _read(message: str, params: dict) -> str:
    text = gettext(message)
    if not params:
        return text
    return text % {key: str(value) for key, value in params.items()}


_later = lazy(_read, str)


def later(message: str, /, **params) -> str:
    """A sentence kept in English until it is read, then translated into the
    language active at that moment, with ``%(name)s`` filled from ``params``
    (themselves translated then, if they are ``later`` or lazy too).

    For text written for somebody other than the person acting: a
    notification is stored in its recipient's language (``notifications
    .deliver``) and an audit summary in the school's (``audit.audit_record``),
    whatever language the person who caused it works in. ``makemessages``
    extracts ``later("...")`` (schoolsocial/management/commands/makemessages.py).
    """
    return _later(message, params)


def read_in(text, language: str) -> str:
    """``text`` (plain, lazy, or ``later``) as a string in ``language``."""
    with translation.override(language):
        return str(text)
