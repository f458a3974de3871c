"""Everything that changes moderation records, split by subject: the daily
check (``checks``), screening (``screening``), screenshot evidence
(``evidence``), incidents and their timeline (``incidents``), escalation to
the headteacher (``escalations``) and the banned-accounts register
(``bans``).

Each service validates first, writes inside one transaction and records an
audit event. Refusals raise ``ServiceError`` with a message for the person
using the page; nothing is changed when one is raised. Callers import this
package (``from moderation import services``); the names below are its API.
"""

from moderation.services.bans import ban_create, ban_lift, matching_ban
from moderation.services.checks import check_record
from moderation.services.common import (
    CLOSED_MESSAGE,
    MAX_SCREENSHOTS,
    WAITING_MESSAGE,
    is_authorised_for,
    is_leader,
)
from moderation.services.escalations import (
    escalation_acknowledge,
    escalation_decide,
    escalation_recipients,
    escalation_title,
    incident_escalate,
)
from moderation.services.evidence import check_screenshots, evidence_add, evidence_viewed
from moderation.services.incidents import (
    incident_add_action,
    incident_close,
    incident_record,
    incident_reopen,
    incident_resolve,
)
from moderation.services.screening import screen_safely, screen_text, suggested_categories
from schoolsocial.services import ServiceError

__all__ = [
    "CLOSED_MESSAGE",
    "MAX_SCREENSHOTS",
    "WAITING_MESSAGE",
    "ServiceError",
    "ban_create",
    "ban_lift",
    "check_record",
    "check_screenshots",
    "escalation_acknowledge",
    "escalation_decide",
    "escalation_recipients",
    "escalation_title",
    "evidence_add",
    "evidence_viewed",
    "incident_add_action",
    "incident_close",
    "incident_escalate",
    "incident_record",
    "incident_reopen",
    "incident_resolve",
    "is_authorised_for",
    "is_leader",
    "matching_ban",
    "screen_safely",
    "screen_text",
    "suggested_categories",
]
