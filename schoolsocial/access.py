"""The one access mechanism: who may open which page, and for which school.

Every view declares its rule with one of the decorators below; the
``AccessMiddleware`` enforces it before the view runs:

* not signed in → redirected to the sign-in page;
* signed in but working for no school, or several and none chosen → sent to
  choose one;
* a leader of a school that requires two-factor sign-in who has not set it up
  → sent to set it up, and nowhere else;
* a role the rule does not allow → 403.

A view with no declared rule is refused (403), so a new view that forgets the
mechanism fails loudly and the URLconf walk in ``tests/schoolsocial/
test_access.py`` catches it. Objects are looked up through ``get_for_school``
so an id from another school is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from schoolsocial.language import language_for
from schoolsocial.models import LEADERS, ChannelAuthorisation, Role, StaffMember

logger = logging.getLogger(__name__)

SESSION_SCHOOL_KEY = "schoolsocial_school_id"

# The client address of the request being served, for audit events written by
# services that know nothing of HTTP.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)

# Third-party views that bring their own checks (sign-in pages, two-factor
# set-up). The Django admin's pages are recognised by their URL namespace
# (``is_admin_page``), whichever module their view comes from.
THIRD_PARTY_PREFIXES = ("allauth.", "django.views.static")


@dataclass(frozen=True)
class AccessRule:
    """What a view needs. ``roles=None`` means any member of the school."""

    public: bool = False
    needs_school: bool = True
    roles: frozenset[str] | None = None
    # The ``admin`` role opens the page only while the member holds a current
    # channel authorisation (``current_administrator_or_roles``).
    admin_needs_authorisation: bool = False

    def describe(self) -> str:
        if self.public:
            return "anyone"
        if not self.needs_school:
            return "signed-in users"
        if self.roles is None:
            return "all staff"
        if self.admin_needs_authorisation:
            others = sorted(self.roles - {Role.ADMIN})
            return ", ".join(["current channel administrators", *others])
        return ", ".join(sorted(self.roles))


def _mark(rule: AccessRule) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access_rule = rule
        return view

    return decorator


def public_view(view: Callable) -> Callable:
    """Anyone, signed in or not (invitation links, health check)."""
    return _mark(AccessRule(public=True))(view)


def signed_in_view(view: Callable) -> Callable:
    """Any signed-in user, whether or not a school is chosen (choosing one)."""
    return _mark(AccessRule(needs_school=False))(view)


def staff_view(view: Callable) -> Callable:
    """Any current member of the school being worked in."""
    return _mark(AccessRule())(view)


def roles_required(*roles: str) -> Callable:
    """Members of the current school holding at least one of ``roles``."""
    unknown = set(roles) - set(Role.values)
    if unknown or not roles:
        raise ValueError(f"Unknown roles: {unknown or 'none given'}")
    return _mark(AccessRule(roles=frozenset(roles)))


def current_administrator_or_roles(*roles: str) -> Callable:
    """Page administrators who hold a current channel authorisation, and
    members holding any of ``roles``.

    Threemilestone 4.2 and 5.1 (only authorised administrators), Whitchurch
    "Legal considerations" (data protection): when someone's last authorisation ends (revoked, or
    they left) the ``admin`` role alone no longer opens incidents, evidence,
    the moderation queue or the pupil register."""
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown roles: {unknown}")
    return _mark(AccessRule(roles=frozenset(roles) | {Role.ADMIN}, admin_needs_authorisation=True))


def holds_current_authorisation(member: StaffMember) -> bool:
    return ChannelAuthorisation.objects.current().filter(member=member).exists()


def rule_for(view: Callable) -> AccessRule | None:
    rule = getattr(view, "access_rule", None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, "access_rule", None)
    return rule


def is_third_party(view: Callable) -> bool:
    module = getattr(view, "__module__", "") or ""
    return module.startswith(THIRD_PARTY_PREFIXES)


def is_admin_page(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.app_name == "admin"


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person making the request, for the audit trail and
    for allauth's rate limits alike (``AccountAdapter.get_client_ip``).

    ``X-Forwarded-For`` is believed only as far as ``TRUSTED_PROXY_COUNT``
    proxies of our own appended it: with one proxy (the compose file's Caddy)
    the client is the last address in the header, whatever a client wrote in
    front of it. With none (the default) the header is ignored. A request
    that reached the app without passing the proxies (a health check from
    inside the container network) is known by its socket address. Anything
    that is not an IP address counts as unknown.
    """
    count = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    if count and forwarded:
        hops = forwarded.split(",")
        if len(hops) >= count:
            candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None


def memberships_for(user) -> QuerySet[StaffMember]:
    return StaffMember.objects.active().filter(user=user).select_related("school", "user")


def user_has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def member_must_enrol_mfa(member: StaffMember, roles: Iterable[str]) -> bool:
    return (
        member.school.leaders_require_mfa
        and bool(LEADERS & set(roles))
        and not user_has_totp(member.user)
    )


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.school = None
        request.member = None
        request.roles = frozenset()
        token = current_ip.set(client_ip(request))
        # The person's own language from the start, so a page refused before
        # any view runs (a bad form token, an address that does not exist)
        # reads in it too; LanguageMiddleware adds the school's once known.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(language_for(user=user))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
            timezone.deactivate()
            translation.deactivate()

    def process_view(self, request: HttpRequest, view_func: Callable, args, kwargs):
        if is_admin_page(request):
            return self._service_admin(request)
        if is_third_party(view_func):
            self._school_for_language(request)
            return None
        rule = rule_for(view_func)
        if rule is None:
            logger.error("View %s declares no access rule; refusing.", view_func)
            return _forbidden(request, gettext("This page is not available."))
        if rule.public:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rule.needs_school:
            self._school_for_language(request)
            return None

        member = self._current_member(request)
        if member is None:
            memberships = memberships_for(request.user)
            if not memberships:
                return render(request, "schoolsocial/no_school.html", status=403)
            return redirect_to_login(request.get_full_path(), login_url=reverse("school_choose"))
        roles = member.effective_roles()
        # Refusals and warnings below in the person's language, else the school's.
        translation.activate(language_for(user=request.user, school=member.school))
        if member_must_enrol_mfa(member, roles):
            messages.warning(
                request,
                gettext(
                    "%(school)s asks its leaders to use two-factor sign-in. "
                    "Set up an authenticator app to continue."
                )
                % {"school": member.school.name},
            )
            return redirect("mfa_activate_totp")
        request.school = member.school
        request.member = member
        request.roles = roles
        timezone.activate(member.school.tz)
        if rule.roles is not None and not (rule.roles & roles):
            return _forbidden(
                request,
                gettext("This page is for: %(roles)s.")
                % {"roles": ", ".join(str(Role(r).label) for r in sorted(rule.roles))},
            )
        if (
            rule.admin_needs_authorisation
            and not (rule.roles - {Role.ADMIN}) & roles
            and not holds_current_authorisation(member)
        ):
            return _forbidden(
                request,
                gettext(
                    "This page is for page administrators with a current channel authorisation. "
                    "You are not authorised for any channel now: ask the headteacher or a senior "
                    "leader if you should be."
                ),
            )
        return None

    @staticmethod
    def _service_admin(request: HttpRequest) -> HttpResponse | None:
        """The Django admin's pages (its own, and those ``UserAdmin`` adds
        such as "add user" and "change password"): the admin checks
        ``is_staff`` and each model permission itself; here a service
        administrator without two-factor sign-in is sent to set it up first."""
        user = request.user
        if user.is_authenticated and user.is_staff and not user_has_totp(user):
            messages.warning(
                request,
                gettext(
                    "Service administration needs two-factor sign-in. "
                    "Set up an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return None

    @classmethod
    def _school_for_language(cls, request: HttpRequest) -> None:
        """On a page that needs no school (allauth's password and two-factor
        pages, help): the school the person is working in, if known, so the
        page reads in its language when they chose none of their own. Only
        ``request.school`` is set: no roles, and nothing is checked."""
        if request.user.is_authenticated and not request.user.language:
            member = cls._current_member(request)
            if member is not None:
                request.school = member.school

    @staticmethod
    def _current_member(request: HttpRequest) -> StaffMember | None:
        memberships = list(memberships_for(request.user))
        chosen = request.session.get(SESSION_SCHOOL_KEY)
        for membership in memberships:
            if membership.school_id == chosen:
                return membership
        if len(memberships) == 1:
            request.session[SESSION_SCHOOL_KEY] = memberships[0].school_id
            return memberships[0]
        return None


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def get_for_school(request: HttpRequest, model_or_qs: type[Model] | QuerySet, **lookup: Any):
    """Fetch one object of the current school, or 404.

    The model names the path from itself to its school in ``SCHOOL_PATH``
    (default ``school``).
    """
    qs = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    path = getattr(qs.model, "SCHOOL_PATH", "school")
    return get_object_or_404(qs.filter(**{path: request.school}), **lookup)
