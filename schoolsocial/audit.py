"""Writing to the audit trail. Called by services, never by signals."""

from __future__ import annotations

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from schoolsocial.language import language_code, read_in
from schoolsocial.models import AuditEvent, School


def audit_record(
    *,
    school: School | None,
    actor,
    action: str,
    summary: str | Promise,
    obj: Model | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the school's hash-chained trail. ``ip`` defaults
    to the client of the current request. A ``later`` summary is written in
    the school's language, so the trail reads in one language whoever acted."""
    from schoolsocial.access import current_ip

    if isinstance(summary, Promise):
        summary = read_in(summary, language_code(school.language if school else ""))

    event = AuditEvent(
        school=school,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "email", "") or "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary,
        ip_address=(ip if ip is not None else current_ip.get()) or None,
    )
    event.save()  # joins the school's hash chain (AuditEvent.save)
    return event


# Plain-English names for the kinds of event; apps add theirs in AppConfig.ready.
ACTION_LABELS: dict[str, str] = {
    "account.language": gettext_noop("Changed their language"),
    "auth.login": gettext_noop("Signed in"),
    "auth.login_failed": gettext_noop("Failed sign-in"),
    "auth.logout": gettext_noop("Signed out"),
    "roster.invite": gettext_noop("Invited staff"),
    "roster.invite_cancel": gettext_noop("Cancelled an invitation"),
    "roster.join": gettext_noop("Joined the staff"),
    "roster.roles": gettext_noop("Changed roles"),
    "roster.left": gettext_noop("Marked as left"),
    "roster.authorise": gettext_noop("Authorised an administrator"),
    "roster.revoke": gettext_noop("Revoked an administrator"),
    "roster.platform_removed": gettext_noop("Removed an administrator on the platform"),
    "roster.acting_head": gettext_noop("Set an acting head"),
    "channel.create": gettext_noop("Added a channel"),
    "channel.update": gettext_noop("Edited a channel"),
    "school.create": gettext_noop("Created the school"),
    "school.settings": gettext_noop("Changed school settings"),
    "audit.export": gettext_noop("Exported the audit trail"),
    "audit.print": gettext_noop("Printed the audit trail"),
    "retention.run": gettext_noop("Retention run started"),
    "retention.summary": gettext_noop("Removed records past retention"),
    "retention.audit_pruned": gettext_noop("Removed old audit events"),
    "subject_access.request": gettext_noop("Requested a subject access export"),
    "subject_access.ready": gettext_noop("Subject access export ready"),
    "subject_access.download": gettext_noop("Downloaded a subject access export"),
    "subject_access.failed": gettext_noop("Subject access export failed"),
    "subject_access.expired": gettext_noop("Subject access export removed unread"),
}


def action_label(action: str) -> str:
    """The kind of event in plain words, in the language of the page (the
    labels are marked with gettext_noop and translated here)."""
    label = ACTION_LABELS.get(action)
    return gettext(label) if label else action
