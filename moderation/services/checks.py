"""The daily moderation log (Threemilestone 5.1)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from moderation.models import (
    ModerationCheck,
)
from moderation.services.common import (
    is_authorised_for,
)
from schoolsocial.audit import audit_record
from schoolsocial.models import (
    Channel,
    StaffMember,
)
from schoolsocial.notifications import mark_read_about
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

# --- Daily moderation log -----------------------------------------------------------


def check_record(
    *, channel: Channel, checked_by: StaffMember, outcome: str, note: str = ""
) -> ModerationCheck:
    """Record today's check of a channel.

    Threemilestone 5.1: "the page will be moderated daily"; only a currently
    authorised administrator of the channel may record it. One check per
    channel per school day: a second one is refused (politely), so the log
    says who checked and when.
    """
    if checked_by.school_id != channel.school_id:
        raise ServiceError("These records belong to different schools.")
    if outcome not in ModerationCheck.Outcome.values:
        raise ServiceError("Choose what the check found.")
    if not is_authorised_for(checked_by, channel):
        raise ServiceError(
            f"Only a current administrator of {channel.name} can record its daily check."
        )
    school = channel.school
    today = school.local_today()
    existing = (
        ModerationCheck.objects.filter(channel=channel, checked_on=today)
        .select_related("checked_by__user")
        .first()
    )
    if existing is not None:
        raise ServiceError(_already_checked(existing))
    try:
        with transaction.atomic():
            check = ModerationCheck.objects.create(
                channel=channel,
                checked_on=today,
                checked_by=checked_by,
                outcome=outcome,
                note=note.strip(),
            )
            audit_record(
                school=school,
                actor=checked_by.user,
                action="moderation.check",
                obj=check,
                summary=f"Checked {channel.name} for {today:%d %B %Y}: "
                f"{check.get_outcome_display()}." + (f" {check.note}" if check.note else ""),
            )
            # The reminder to check this channel has been acted on.
            mark_read_about(member=checked_by, key_prefixes=[f"moderation_due:{channel.pk}:"])
    except IntegrityError:
        existing = ModerationCheck.objects.get(channel=channel, checked_on=today)
        raise ServiceError(_already_checked(existing)) from None
    return check


def _already_checked(check: ModerationCheck) -> str:
    when = timezone.localtime(check.checked_at, check.channel.school.tz)
    return (
        f"{check.channel.name} has already been checked today "
        f"(by {check.checked_by.user.display_name} at {when:%H:%M}). "
        "Nothing more to do: record anything new as an incident."
    )
