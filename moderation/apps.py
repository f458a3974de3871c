from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
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
                "moderation.check": "Recorded a daily moderation check",
                "moderation.incident_record": "Recorded an incident",
                "moderation.evidence_add": "Added a screenshot",
                "moderation.evidence_view": "Viewed evidence",
                "moderation.action": "Acted on an incident",
                "moderation.resolve": "Resolved an incident",
                "moderation.close": "Closed an incident",
                "moderation.reopen": "Reopened an incident",
                "moderation.ban": "Banned an account",
                "moderation.ban_link": "Linked an incident to a ban",
                "moderation.ban_lift": "Lifted a ban",
                "moderation.escalate": "Escalated an incident to the headteacher",
                "moderation.escalation_acknowledge": "Acknowledged an escalation",
                "moderation.escalation_decide": "Decided on an escalation",
                "moderation.step_waive": "Waived a required step",
                "moderation.name_review": "Confirmed or dismissed a possible pupil's name",
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
