from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext_noop

        from moderation import reminders
        from moderation.escalation import EscalationOverdueReminder
        from moderation.models import Evidence, IncidentAction
        from moderation.retention import IncidentRetention
        from moderation.subject_access import ModerationContributor
        from schoolsocial import dashboard, retention, subject_access
        from schoolsocial.audit import ACTION_LABELS
        from schoolsocial.records_db import protect
        from schoolsocial.reminders import register

        reminders.register_all()
        retention.register(IncidentRetention())
        subject_access.register(ModerationContributor())
        # The one later change to a screenshot: its display copy and thumbnail,
        # made once by a task after the original was stored.
        protect(
            Evidence,
            settable_once=("display", "thumbnail", "display_format"),
            marker="display",
        )
        protect(IncidentAction)
        register(EscalationOverdueReminder())
        dashboard.register(dashboard.Panel(key="moderation", build=_dashboard_panel))

        ACTION_LABELS.update(
            {
                "moderation.check": gettext_noop("Recorded a daily moderation check"),
                "moderation.incident_record": gettext_noop("Recorded an incident"),
                "moderation.evidence_add": gettext_noop("Added a screenshot"),
                "moderation.evidence_view": gettext_noop("Viewed evidence"),
                "moderation.action": gettext_noop("Acted on an incident"),
                "moderation.resolve": gettext_noop("Resolved an incident"),
                "moderation.close": gettext_noop("Closed an incident"),
                "moderation.reopen": gettext_noop("Reopened an incident"),
                "moderation.ban": gettext_noop("Banned an account"),
                "moderation.ban_link": gettext_noop("Linked an incident to a ban"),
                "moderation.ban_lift": gettext_noop("Lifted a ban"),
                "moderation.escalate": gettext_noop("Escalated an incident to the headteacher"),
                "moderation.escalation_acknowledge": gettext_noop("Acknowledged an escalation"),
                "moderation.escalation_decide": gettext_noop("Decided on an escalation"),
                "moderation.step_waive": gettext_noop("Waived a required step"),
                "moderation.name_review": gettext_noop(
                    "Confirmed or dismissed a possible pupil's name"
                ),
                "moderation.evidence_read": "Read the text of a screenshot",
                "moderation.transcribe": "Filled in a comment from its screenshot",
                "moderation.evidence_redact": "Downloaded a redacted copy of a screenshot",
            }
        )


def _dashboard_panel(member, roles):
    """The head's and SLT's moderation cards, chart and coverage."""
    from moderation.selectors import dashboard
    from moderation.services.escalations import decides
    from policy.selectors import profile_for
    from schoolsocial.models import LEADERS

    if not LEADERS & roles:
        return None
    data = dashboard(school=member.school)
    profile = profile_for(member.school)
    for escalation in data["urgent_unacknowledged"]:
        # Acknowledge is one tap away on the dashboard for whoever decides.
        escalation.may_acknowledge = decides(
            roles=roles,
            profile=profile,
            codes=[r.category for r in escalation.incident.category_rows.all()],
        )
    return data
