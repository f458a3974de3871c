"""Who may work on what, and the small steps every moderation service shares."""

from __future__ import annotations

import datetime
import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.models import (
    Incident,
    IncidentAction,
)
from schoolsocial.audit import audit_record
from schoolsocial.language import language_code, later, read_in
from schoolsocial.models import (
    LEADERS,
    Channel,
    ChannelAuthorisation,
    StaffMember,
)
from schoolsocial.services import ServiceError
from schoolsocial.wording import when_read

logger = logging.getLogger(__name__)

MAX_SCREENSHOTS = 10
THUMBNAIL_SIZE = (480, 480)
# A comment cannot have been posted in the future; allow for clocks a little out.
CLOCK_SLACK = datetime.timedelta(minutes=10)
CLOSED_MESSAGE = gettext_lazy("This incident is closed. Reopen it, with a reason, to add to it.")
WAITING_MESSAGE = gettext_lazy(
    "This incident is waiting for the headteacher's decision; "
    "it can be resolved once the head has decided."
)


def for_the_record(text, school) -> str:
    """Text the app writes into a record (a timeline note, an automatic
    escalation's reason, an outcome) in the school's language, as the audit
    trail is: the record reads in one language whoever acted."""
    return read_in(text, language_code(school.language))


def labels_of(profile, codes, separator: str = ", "):
    """The categories' labels, joined, in the language of whoever reads them."""
    codes = list(codes)
    return when_read(lambda: separator.join(profile.label(c) for c in codes))


# --- Who may do what -------------------------------------------------------------


def is_leader(member: StaffMember) -> bool:
    return bool(LEADERS & member.effective_roles())


def is_authorised_for(member: StaffMember, channel: Channel) -> bool:
    return ChannelAuthorisation.objects.current().filter(member=member, channel=channel).exists()


def is_current_moderator(member: StaffMember) -> bool:
    """A page administrator with at least one current authorisation."""
    return (
        "admin" in member.roles
        and ChannelAuthorisation.objects.current().filter(member=member).exists()
    )


def _may_work_on(member: StaffMember, target: Channel | Incident | None) -> None:
    """Threemilestone 3.1/5.1: administrators moderate the channels they are
    authorised for; the head and SLT may act on any channel of the school.

    ``target`` is a channel, or an incident. Something seen elsewhere online
    (an incident with no channel) may be worked on by any current
    administrator of the school or a leader (Carey E: staff alert senior
    management; Whitchurch: monitoring posts about the school)."""
    if isinstance(target, Incident):
        school_id, channel = target.school_id, target.channel
    elif isinstance(target, Channel):
        school_id, channel = target.school_id, target
    else:  # somewhere outside the school's channels, of this school
        school_id, channel = getattr(target, "school_id", None), None
    if member.school_id != school_id:
        raise ServiceError(_("These records belong to different schools."))
    if not member.is_active:
        raise ServiceError(_("You are no longer on the staff of this school."))
    if is_leader(member):
        return
    if channel is None:
        if is_current_moderator(member):
            return
        raise ServiceError(
            _(
                "Only a current page administrator or a senior leader can record what was "
                "seen elsewhere online."
            )
        )
    if "admin" in member.roles and is_authorised_for(member, channel):
        return
    raise ServiceError(
        _("You are not a current administrator of %(channel)s.") % {"channel": channel.name}
    )


def _locked(incident: Incident) -> Incident:
    # Lock the incident row only: the channel is an outer join now that an
    # incident may have none, and PostgreSQL refuses FOR UPDATE there.
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("channel", "school")
        .get(pk=incident.pk)
    )


def _status_step(incident, by, kind, note, audit_action) -> None:
    action = IncidentAction.objects.create(incident=incident, kind=kind, by=by, note=note)
    audit_record(
        school=incident.school,
        actor=by.user,
        action=audit_action,
        obj=incident,
        summary=step_summary(incident, action, note),
    )


def step_summary(incident, action, note: str = "", reference: str = ""):
    """ "Incident 3: Comment deleted (ref. …). The note." for the audit trail."""
    what = IncidentAction.Kind(action.kind).label
    if reference and note:
        return later(
            "Incident %(number)s: %(what)s (ref. %(reference)s). %(note)s",
            number=incident.pk,
            what=what,
            reference=reference,
            note=note,
        )
    if reference:
        return later(
            "Incident %(number)s: %(what)s (ref. %(reference)s).",
            number=incident.pk,
            what=what,
            reference=reference,
        )
    if note:
        return later(
            "Incident %(number)s: %(what)s. %(note)s", number=incident.pk, what=what, note=note
        )
    return later("Incident %(number)s: %(what)s.", number=incident.pk, what=what)
