"""The daily moderation log (Threemilestone 5.1)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from moderation.models import (
    ModerationCheck,
)
from moderation.services.common import (
    is_authorised_for,
)
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import (
    Channel,
    StaffMember,
)
from schoolsocial.notifications import mark_read_about
from schoolsocial.services import ServiceError
from schoolsocial.wording import when_read

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
        raise ServiceError(_("These records belong to different schools."))
    if outcome not in ModerationCheck.Outcome.values:
        raise ServiceError(_("Choose what the check found."))
    if not is_authorised_for(checked_by, channel):
        raise ServiceError(
            _("Only a current administrator of %(channel)s can record its daily check.")
            % {"channel": channel.name}
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
                summary=_checked_summary(check, channel, today),
            )
            # The reminder to check this channel has been acted on.
            mark_read_about(member=checked_by, key_prefixes=[f"moderation_due:{channel.pk}:"])
    except IntegrityError:
        existing = ModerationCheck.objects.get(channel=channel, checked_on=today)
        raise ServiceError(_already_checked(existing)) from None
    return check


def _checked_summary(check: ModerationCheck, channel: Channel, today):
    values = {
        "channel": channel.name,
        "day": when_read(date_format, today, "d F Y"),
        "outcome": ModerationCheck.Outcome(check.outcome).label,
        "note": check.note,
    }
    if check.note:
        return later("Checked %(channel)s for %(day)s: %(outcome)s. %(note)s", **values)
    return later("Checked %(channel)s for %(day)s: %(outcome)s.", **values)


def _already_checked(check: ModerationCheck) -> str:
    when = timezone.localtime(check.checked_at, check.channel.school.tz)
    return _(
        "%(channel)s has already been checked today (by %(name)s at %(time)s). "
        "Nothing more to do: record anything new as an incident."
    ) % {
        "channel": check.channel.name,
        "name": check.checked_by.user.display_name,
        "time": date_format(when, "H:i"),
    }
