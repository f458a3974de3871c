"""The Django admin is for the people who run the service (creating schools),
not for school staff. Nothing that must stay on record can be deleted here,
every change made here goes on the audit trail (of the school concerned, or of
each school an account works for), and a school's two-factor rule is the
headteacher's to switch off, in School settings — not the service's.

Only service administrators (``is_staff``) who sign in with two-factor get
in: ``schoolsocial.access`` sends one without an authenticator to set it up.
"""

import json

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_noop

from schoolsocial import services
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import School, StaffMember, User

# The trail's sentence for each kind of change, with and without the admin's
# description of it; translated into the school's language when stored.
ADMIN_SUMMARIES = {
    "add": (
        gettext_noop("Service administration added %(object)s: %(detail)s"),
        gettext_noop("Service administration added %(object)s."),
    ),
    "change": (
        gettext_noop("Service administration changed %(object)s: %(detail)s"),
        gettext_noop("Service administration changed %(object)s."),
    ),
    "delete": (
        gettext_noop("Service administration deleted %(object)s: %(detail)s"),
        gettext_noop("Service administration deleted %(object)s."),
    ),
}


def _schools_for(obj) -> list:
    if isinstance(obj, School):
        return [obj]
    user = obj if isinstance(obj, User) else getattr(obj, "user", None)
    if user is None:
        return [None]
    schools = [
        m.school for m in StaffMember.objects.active().filter(user=user).select_related("school")
    ]
    return schools or [None]


class AuditedAdmin(admin.ModelAdmin):
    """Every addition, change (a password set here included) and deletion
    made in the admin is written to the audit trail as well as to the admin's
    own log."""

    def _audit(self, request, obj, verb: str, message) -> None:
        if isinstance(message, list):
            message = LogEntry(change_message=json.dumps(message)).get_change_message()
        label = later("%(kind)s “%(name)s”", kind=obj._meta.verbose_name, name=str(obj))
        with_detail, without = ADMIN_SUMMARIES[verb]
        summary = (
            later(with_detail, object=label, detail=message)
            if message
            else later(without, object=label)
        )
        with transaction.atomic():
            for school in _schools_for(obj):
                audit_record(
                    school=school,
                    actor=request.user,
                    action=f"admin.{verb}",
                    obj=obj,
                    summary=summary,
                )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", "")
        return super().log_deletions(request, queryset)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Service administration", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        old = form.initial.get("email", "")
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data and old:
            # The old address is told and the new one must be confirmed
            # before a password reset can go to it, as from the roster.
            services.sign_in_address_changed_by_service(user=obj, old=old, changed_by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(School)
class SchoolAdmin(AuditedAdmin):
    list_display = ["name", "slug", "time_zone", "leaders_require_mfa"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # Whether leaders must use two-factor is the school's decision, made
        # by its head in School settings (audited there); the service can set
        # it for a new school but not switch it off for an existing one.
        if obj is not None:
            return ["leaders_require_mfa"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False


# allauth's own admin pages: the same pages, audited.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(AuditedAdmin, BaseEmailAddressAdmin):
    pass


@admin.register(Authenticator)
class AuthenticatorAdmin(AuditedAdmin, BaseAuthenticatorAdmin):
    pass
