"""django-allauth hooks: no public sign-up; every sign-in, failed sign-in,
sign-out and security change to an account (password changed, reset or set;
two-factor switched on or off; recovery codes made) goes on the audit trail of
each school the person works for, and the person is told by email. allauth's
emails go out like the app's own: from a Celery task, with a Message-ID fixed
when queued, and links built on SITE_URL rather than the request's Host.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from schoolsocial.access import client_ip
from schoolsocial.audit import audit_record
from schoolsocial.inputs import local_path
from schoolsocial.language import language_for, later
from schoolsocial.mail import queue_email
from schoolsocial.models import StaffMember, User

# allauth's security notices → the audit event each one also writes, and its
# summary (``%(email)s`` is the person's address), translated when stored.
SECURITY_EVENTS = {
    "account/email/password_changed": (
        "auth.password_change",
        gettext_noop("%(email)s changed their password."),
    ),
    "account/email/password_set": ("auth.password_set", gettext_noop("%(email)s set a password.")),
    "account/email/password_reset": (
        "auth.password_reset",
        gettext_noop("%(email)s reset their password by email."),
    ),
    "mfa/email/totp_activated": (
        "auth.mfa_on",
        gettext_noop("%(email)s switched on two-factor sign-in."),
    ),
    "mfa/email/totp_deactivated": (
        "auth.mfa_off",
        gettext_noop("%(email)s switched off two-factor sign-in."),
    ),
    "mfa/email/recovery_codes_generated": (
        "auth.recovery_codes",
        gettext_noop("%(email)s made new two-factor recovery codes."),
    ),
}


def _schools_of(user):
    schools = [
        m.school for m in StaffMember.objects.active().filter(user=user).select_related("school")
    ]
    return schools or [None]


def _language_of(email: str, context: dict) -> str:
    """The language of an email to ``email``: its owner's choice, else their
    school's (a leader who changed someone's address, or the person asking
    for a reset, may work in another language)."""
    user = context.get("user")
    if not isinstance(user, User):
        user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    return language_for(user=user, school=_schools_of(user)[0])


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Staff join by invitation from the head or SLT only.
        return False

    def is_safe_url(self, url) -> bool:
        # ``next`` after signing in: a path on this site only (the same rule
        # as every other ``next``, schoolsocial.inputs.local_path).
        return bool(url) and local_path(url, "") == url

    def get_client_ip(self, request) -> str:
        # One notion of the client's address for rate limits and the audit
        # trail (TRUSTED_PROXY_COUNT), so behind the proxy every person has
        # their own sign-in bucket and a forged X-Forwarded-For buys nothing.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's email in the request, send it from the worker."""
        ctx = {
            "request": self.request,
            "email": email,
            "current_site": get_current_site(self.request) if self.request else None,
            "site_url": settings.SITE_URL,
        }
        ctx.update(context)
        with translation.override(_language_of(email, ctx)):
            message = self.render_mail(template_prefix, email, ctx)
        queue_email(to=email, subject=message.subject, body=message.body)

    def get_reset_password_from_key_url(self, key: str) -> str:
        uid, _, token = key.partition("-")
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": uid, "key": token})
        return settings.SITE_URL + path

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def confirm_email(self, request, email_address) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            user = email_address.user
            with transaction.atomic():
                for school in _schools_of(user):
                    audit_record(
                        school=school,
                        actor=user,
                        action="auth.email_confirmed",
                        obj=user,
                        summary=later(
                            "%(email)s was confirmed as %(name)s's sign-in address.",
                            email=email_address.email,
                            name=user.display_name,
                        ),
                    )
        return confirmed

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """allauth calls this after each change to an account's security; the
        change goes on the audit trail before the person is told."""
        event = SECURITY_EVENTS.get(template_prefix)
        if event is not None:
            action, summary = event
            with transaction.atomic():
                for school in _schools_of(user):
                    audit_record(
                        school=school,
                        actor=user,
                        action=action,
                        obj=user,
                        summary=later(summary, email=user.email),
                    )
        super().send_notification_mail(template_prefix, user, context=context, email=email)

    def login(self, request, user) -> None:
        super().login(request, user)
        with transaction.atomic():
            for school in _schools_of(user):
                audit_record(
                    school=school,
                    actor=user,
                    action="auth.login",
                    obj=user,
                    summary=later("%(email)s signed in.", email=user.email),
                )

    def logout(self, request) -> None:
        user = request.user if request.user.is_authenticated else None
        super().logout(request)
        if user is not None:
            with transaction.atomic():
                for school in _schools_of(user):
                    audit_record(
                        school=school,
                        actor=user,
                        action="auth.logout",
                        obj=user,
                        summary=later("%(email)s signed out.", email=user.email),
                    )

    def authentication_failed(self, request, **credentials) -> None:
        email = (credentials.get("email") or credentials.get("username") or "").strip()
        user = User.objects.filter(email__iexact=email).first() if email else None
        with transaction.atomic():
            for school in _schools_of(user) if user else [None]:
                audit_record(
                    school=school,
                    actor=None,
                    action="auth.login_failed",
                    obj=user,
                    summary=(
                        later("Failed sign-in for %(email)s.", email=email)
                        if email
                        else later("Failed sign-in for an empty email address.")
                    ),
                )
