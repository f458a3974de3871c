"""The banned-accounts register."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from moderation.models import (
    BannedAccount,
    Incident,
)
from moderation.services.common import (
    is_leader,
)
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import (
    Channel,
    School,
    StaffMember,
)
from schoolsocial.services import ServiceError

logger = logging.getLogger(__name__)

# --- Banned accounts -------------------------------------------------------------------------


def ban_create(
    *,
    school: School,
    platform: str,
    account_name: str,
    reason: str,
    banned_by: StaffMember,
    profile_url: str = "",
    review_on: datetime.date | None = None,
    incident: Incident | None = None,
) -> BannedAccount:
    """Add an account to the banned register (Threemilestone 6.3; Carey B.6:
    users who break the rules are blocked)."""
    if banned_by.school_id != school.pk:
        raise ServiceError(_("You can only ban accounts for the school you are working in."))
    account_name, reason = account_name.strip(), reason.strip()
    if platform not in Channel.Platform.values:
        raise ServiceError(_("Choose the platform."))
    if not account_name:
        raise ServiceError(_("Give the account's name."))
    if not reason:
        raise ServiceError(_("Give the reason for the ban."))
    today = school.local_today()
    if review_on is not None and review_on <= today:
        raise ServiceError(_("The review date must be in the future."))
    with transaction.atomic():
        ban = BannedAccount.objects.create(
            school=school,
            platform=platform,
            account_name=account_name,
            profile_url=profile_url.strip(),
            reason=reason,
            banned_by=banned_by,
            banned_on=today,
            review_on=review_on,
        )
        if incident is not None:
            ban.incidents.add(incident)
        audit_record(
            school=school,
            actor=banned_by.user,
            action="moderation.ban",
            obj=ban,
            summary=later(
                "Banned %(account)s (%(platform)s): %(reason)s",
                account=account_name,
                platform=Channel.Platform(platform).label,
                reason=reason,
            ),
        )
    return ban


def ban_lift(*, ban: BannedAccount, lifted_by: StaffMember, reason: str) -> BannedAccount:
    """Lift a ban; the entry stays on the register with who, when and why."""
    reason = reason.strip()
    if lifted_by.school_id != ban.school_id:
        raise ServiceError(_("These records belong to different schools."))
    if not is_leader(lifted_by):
        raise ServiceError(_("Only the headteacher or a senior leader can lift a ban."))
    if not reason:
        raise ServiceError(_("Give the reason for lifting the ban."))
    with transaction.atomic():
        ban = BannedAccount.objects.select_for_update().get(pk=ban.pk)
        if ban.lifted_on:
            raise ServiceError(_("This ban has already been lifted."))
        ban.lifted_on = ban.school.local_today()
        ban.lifted_by = lifted_by
        ban.lifted_reason = reason
        ban.save(update_fields=["lifted_on", "lifted_by", "lifted_reason"])
        audit_record(
            school=ban.school,
            actor=lifted_by.user,
            action="moderation.ban_lift",
            obj=ban,
            summary=later(
                "Lifted the ban on %(account)s: %(reason)s", account=ban.account_name, reason=reason
            ),
        )
    return ban


def _ban_for_incident(
    *, incident: Incident, by: StaffMember, reason: str, review_on: datetime.date | None
) -> BannedAccount:
    existing = matching_ban(
        school=incident.school,
        profile_url=incident.author_profile_url,
        account_name=incident.author_name,
        platform=incident.channel.platform,
    )
    if existing is not None:
        existing.incidents.add(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.ban_link",
            obj=existing,
            summary=later(
                "Linked incident %(number)s to the existing ban of %(account)s.",
                number=incident.pk,
                account=existing.account_name,
            ),
        )
        return existing
    return ban_create(
        school=incident.school,
        platform=incident.channel.platform,
        account_name=incident.author_name,
        profile_url=incident.author_profile_url,
        reason=reason or f"Incident {incident.pk}: {incident.content[:200]}",
        banned_by=by,
        review_on=review_on,
        incident=incident,
    )


def matching_ban(
    *, school: School, profile_url: str, account_name: str, platform: str
) -> BannedAccount | None:
    bans = BannedAccount.objects.filter(school=school, lifted_on__isnull=True)
    if profile_url:
        found = bans.filter(profile_url__iexact=profile_url.strip()).first()
        if found:
            return found
    return bans.filter(platform=platform, account_name__iexact=account_name.strip()).first()
