"""django-allauth hooks: no public sign-up, and every sign-in, failed sign-in
and sign-out goes on the audit trail of each school the person works for."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from schoolsocial.access import client_ip
from schoolsocial.audit import audit_record
from schoolsocial.models import StaffMember, User


def _schools_of(user):
    schools = [
        m.school for m in StaffMember.objects.active().filter(user=user).select_related("school")
    ]
    return schools or [None]


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Staff join by invitation from the head or SLT only.
        return False

    def get_client_ip(self, request) -> str:
        # One notion of the client's address for rate limits and the audit
        # trail (TRUSTED_PROXY_COUNT), so behind the proxy every person has
        # their own sign-in bucket and a forged X-Forwarded-For buys nothing.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

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
