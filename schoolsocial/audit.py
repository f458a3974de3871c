"""Writing to the audit trail. Called by services, never by signals."""

from __future__ import annotations

from django.db.models import Model

from schoolsocial.models import AuditEvent, School


def audit_record(
    *,
    school: School | None,
    actor,
    action: str,
    summary: str,
    obj: Model | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the school's hash-chained trail. ``ip`` defaults
    to the client of the current request."""
    from schoolsocial.access import current_ip

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
    "account.language": "Changed their language",
    "auth.login": "Signed in",
    "auth.login_failed": "Failed sign-in",
    "auth.logout": "Signed out",
    "roster.invite": "Invited staff",
    "roster.invite_cancel": "Cancelled an invitation",
    "roster.join": "Joined the staff",
    "roster.roles": "Changed roles",
    "roster.left": "Marked as left",
    "roster.authorise": "Authorised an administrator",
    "roster.revoke": "Revoked an administrator",
    "roster.platform_removed": "Removed an administrator on the platform",
    "roster.acting_head": "Set an acting head",
    "channel.create": "Added a channel",
    "channel.update": "Edited a channel",
    "school.create": "Created the school",
    "school.settings": "Changed school settings",
    "audit.export": "Exported the audit trail",
    "audit.print": "Printed the audit trail",
    "retention.run": "Retention run started",
    "retention.summary": "Removed records past retention",
    "retention.audit_pruned": "Removed old audit events",
    "subject_access.request": "Requested a subject access export",
    "subject_access.ready": "Subject access export ready",
    "subject_access.download": "Downloaded a subject access export",
    "subject_access.failed": "Subject access export failed",
    "subject_access.expired": "Subject access export removed unread",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
