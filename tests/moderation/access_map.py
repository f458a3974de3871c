"""Who may open each moderation page (DESIGN.md's URL map: admin, slt, head;
office gets 403), for the URLconf walk in tests/schoolsocial/test_access.py."""

from moderation.models import Escalation
from tests.moderation.factories import BannedAccountFactory, IncidentFactory, make_evidence

# A page administrator only while they hold a current channel authorisation
# (Threemilestone 4.2): "admin" alone, with none, gets 403.
MODERATORS = {"authorised_admin", "slt", "head"}

EXPECTED = {
    "moderation:queue": MODERATORS,
    "moderation:incident_new": MODERATORS,
    "moderation:incident": MODERATORS,
    "moderation:incident_action": MODERATORS,
    "moderation:incident_status": MODERATORS,
    "moderation:evidence_add": MODERATORS,
    "moderation:evidence": MODERATORS,
    "moderation:evidence_highlighted": MODERATORS,
    "moderation:evidence_redacted": {"head", "slt"},
    "moderation:incident_transcribe": MODERATORS,
    "moderation:incident_escalate": MODERATORS,
    "moderation:incident_waive": {"head", "slt"},
    "moderation:incident_name_review": MODERATORS,
    "moderation:escalations": {"head", "slt"},
    # SLT pass the page rule; the school's policy (who decides) then refuses or allows.
    "moderation:escalation_acknowledge": {"head", "slt"},
    "moderation:escalation_decide": {"head"},
    "moderation:checks": MODERATORS,
    "moderation:banned": MODERATORS,
    "moderation:banned_lift": MODERATORS,
}


def _elsewhere(school):
    """Seen elsewhere online, so any current administrator of the school may
    open it (an incident on a channel is only for that channel's
    administrators: tests/moderation/test_required_steps.py)."""
    return IncidentFactory(school=school, channel=None, where="A parents' group")


OBJECTS = {
    "incident_id": lambda school: _elsewhere(school).pk,
    "evidence_id": lambda school: make_evidence(_elsewhere(school)).pk,
    "banned_account_id": lambda school: BannedAccountFactory(school=school).pk,
    "escalation_id": lambda school: (
        Escalation.objects.create(
            incident=IncidentFactory(school=school), urgency=4, automatic=True
        ).pk
    ),
}
