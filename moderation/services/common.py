"""Who may work on what, and the small steps every moderation service shares."""

from __future__ import annotations

import datetime
import logging

from moderation.models import (
    Incident,
    IncidentAction,
)
from schoolsocial.audit import audit_record
from schoolsocial.models import (
    LEADERS,
    Channel,
    ChannelAuthorisation,
    StaffMember,
)
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

MAX_SCREENSHOTS = 10
THUMBNAIL_SIZE = (480, 480)
# A comment cannot have been posted in the future; allow for clocks a little out.
CLOCK_SLACK = datetime.timedelta(minutes=10)
CLOSED_MESSAGE = "This incident is closed. Reopen it, with a reason, to add to it."
WAITING_MESSAGE = (
    "This incident is waiting for the headteacher's decision; "
    "it can be resolved once the head has decided."
)


# --- Who may do what -------------------------------------------------------------


def is_leader(member: StaffMember) -> bool:
    return bool(LEADERS & member.effective_roles())


def is_authorised_for(member: StaffMember, channel: Channel) -> bool:
    return ChannelAuthorisation.objects.current().filter(member=member, channel=channel).exists()


def _may_work_on(member: StaffMember, channel: Channel) -> None:
    """Threemilestone 3.1/5.1: administrators moderate the channels they are
    authorised for; the head and SLT may act on any channel of the school."""
    if member.school_id != channel.school_id:
        raise ServiceError("These records belong to different schools.")
    if not member.is_active:
        raise ServiceError("You are no longer on the staff of this school.")
    if is_leader(member):
        return
    if "admin" in member.roles and is_authorised_for(member, channel):
        return
    raise ServiceError(f"You are not a current administrator of {channel.name}.")


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update().select_related("channel", "school").get(pk=incident.pk)
    )


def _status_step(incident, by, kind, note, audit_action) -> None:
    action = IncidentAction.objects.create(incident=incident, kind=kind, by=by, note=note)
    audit_record(
        school=incident.school,
        actor=by.user,
        action=audit_action,
        obj=incident,
        summary=f"Incident {incident.pk}: {action.get_kind_display()}"
        + (f". {note}" if note else "."),
    )
