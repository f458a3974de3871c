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

from schoolsocial.access import client_ip
from schoolsocial.audit import audit_record
from schoolsocial.inputs import local_path
from schoolsocial.mail import queue_email
from schoolsocial.models import StaffMember, User

# allauth's security notices → the audit event each one also writes.
SECURITY_EVENTS = {
    "account/email/password_changed": ("auth.password_change", "changed their password"),
    "account/email/password_set": ("auth.password_set", "set a password"),
    "account/email/password_reset": ("auth.password_reset", "reset their password by email"),
    "mfa/email/totp_activated": ("auth.mfa_on", "switched on two-factor sign-in"),
    "mfa/email/totp_deactivated": ("auth.mfa_off", "switched off two-factor sign-in"),
    "mfa/email/recovery_codes_generated": (
        "auth.recovery_codes",
        "made new two-factor recovery codes",
    ),
}


def _schools_of(user):
    schools = [
        m.school for m in StaffMember.objects.active().filter(user=user).select_related("school")
    ]
    return schools or [None]


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
                        summary=f"{email_address.email} was confirmed as {user.display_name}'s "
                        "sign-in address.",
                    )
        return confirmed

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """allauth calls this after each change to an account's security; the
        change goes on the audit trail before the person is told."""
        event = SECURITY_EVENTS.get(template_prefix)
        if event is not None:
            action, done = event
            with transaction.atomic():
                for school in _schools_of(user):
                    audit_record(
                        school=school,
                        actor=user,
                        action=action,
                        obj=user,
                        summary=f"{user.email} {done}.",
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
                    summary=f"{user.email} signed in.",
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
                        summary=f"{user.email} signed out.",
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
                    summary=f"Failed sign-in for {email or 'an empty email address'}.",
                )
