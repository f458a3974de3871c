"""Everything that changes the core's state: invitations, roles, channel
authorisations, channels, acting heads, school settings.

Each service validates, writes inside one transaction, and records an audit
event. Refusals raise ``ServiceError`` with a message for the person using the
page.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from schoolsocial import clauses, wording
from schoolsocial.audit import audit_record
from schoolsocial.language import language_code, language_for, later, read_in
from schoolsocial.mail import queue_email
from schoolsocial.models import (
    LEADERS,
    ActingHead,
    Channel,
    ChannelAuthorisation,
    Invitation,
    PlatformRemoval,
    Role,
    School,
    StaffMember,
    User,
)
from schoolsocial.wording import joined


class ServiceError(ValidationError):
    """A rule refused the change; the message is meant for the user."""


# What only a leader may do, for the refusal "Only the headteacher or a
# senior leader can …": one whole sentence per action.
LEADER_ONLY = {
    "invite staff": gettext_lazy("Only the headteacher or a senior leader can invite staff."),
    "cancel invitations": gettext_lazy(
        "Only the headteacher or a senior leader can cancel invitations."
    ),
    "change roles": gettext_lazy("Only the headteacher or a senior leader can change roles."),
    "mark staff as left": gettext_lazy(
        "Only the headteacher or a senior leader can mark staff as left."
    ),
    "change sign-in addresses": gettext_lazy(
        "Only the headteacher or a senior leader can change sign-in addresses."
    ),
    "authorise page administrators": gettext_lazy(
        "Only the headteacher or a senior leader can authorise page administrators."
    ),
    "revoke page administrators": gettext_lazy(
        "Only the headteacher or a senior leader can revoke page administrators."
    ),
    "mark a platform removal done": gettext_lazy(
        "Only the headteacher or a senior leader can mark a platform removal done."
    ),
    "add or edit channels": gettext_lazy(
        "Only the headteacher or a senior leader can add or edit channels."
    ),
}


def _require_leader(member: StaffMember, doing: str) -> None:
    if not (LEADERS & member.effective_roles()):
        raise ServiceError(str(LEADER_ONLY[doing]))


def _same_school(*objects) -> None:
    schools = {getattr(o, "school_id", None) for o in objects}
    if len(schools) != 1:
        raise ServiceError(gettext("These records belong to different schools."))


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ServiceError(
            gettext("Unknown role(s): %(roles)s.") % {"roles": ", ".join(sorted(unknown))}
        )
    if not roles:
        raise ServiceError(gettext("Choose at least one role."))
    return roles


def _not_in_future(day: datetime.date, school: School, message: str) -> None:
    if day > school.local_today():
        raise ServiceError(message)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Invitations ------------------------------------------------------------


def staff_invite(
    *,
    school: School,
    invited_by: StaffMember | None,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
) -> tuple[Invitation, str]:
    """Invite someone to the staff roster by email.

    Accounts are created by invitation only: the person sets their own
    password from a one-time link valid for 7 days; nobody else ever chooses
    it. Only a head may invite a head. ``invited_by=None`` is the service
    itself inviting a new school's first head (``manage.py create_school``).
    Returns the invitation and the raw token (sent in the email, never stored).
    """
    roles = _clean_roles(roles)
    if invited_by is not None:
        if invited_by.school_id != school.pk:
            raise ServiceError(
                gettext("You can only invite staff to the school you are working in.")
            )
        _require_leader(invited_by, "invite staff")
        if Role.HEAD in roles and not invited_by.is_head:
            raise ServiceError(gettext("Only the headteacher can invite another headteacher."))
    email = email.strip().lower()
    if StaffMember.objects.active().filter(school=school, user__email__iexact=email).exists():
        raise ServiceError(
            gettext("%(email)s is already on the staff of %(school)s.")
            % {"email": email, "school": school.name}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A new invitation replaces any earlier one still waiting.
        Invitation.objects.filter(
            school=school,
            email__iexact=email,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
        ).update(cancelled_at=now)
        invitation = Invitation.objects.create(
            school=school,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            roles=roles,
            token_hash=_hash_token(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + Invitation.VALID_FOR,
        )
        audit_record(
            school=school,
            actor=invited_by.user if invited_by else None,
            action="roster.invite",
            obj=invitation,
            summary=later(
                "Invited %(first)s %(last)s <%(email)s> as %(roles)s.",
                first=invitation.first_name,
                last=invitation.last_name,
                email=email,
                roles=_role_list(roles),
            ),
        )
        link = settings.SITE_URL + reverse("invitation_accept", args=[token])
        # In the school's language: the person has no account yet to choose one.
        with translation.override(language_code(school.language)):
            body = render_to_string(
                "schoolsocial/email/invitation.txt",
                {"invitation": invitation, "link": link, "school": school},
            )
            subject = gettext("You are invited to %(school)s on schoolsocial") % {
                "school": school.name
            }
        _send_email_after_commit(to=email, subject=subject, body=body)
    return invitation, token


def _send_email_after_commit(*, to: str, subject: str, body: str) -> None:
    queue_email(to=to, subject=subject, body=body)


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link points at, if it can still be used."""
    try:
        invitation = Invitation.objects.select_related("school").get(token_hash=_hash_token(token))
    except Invitation.DoesNotExist:
        raise ServiceError(
            gettext("This invitation link is not valid. Ask your school for a new one.")
        ) from None
    if invitation.accepted_at:
        raise ServiceError(
            gettext(
                "This invitation has already been used. Sign in with your email and password, "
                "or ask your school for a new invitation."
            )
        )
    if invitation.cancelled_at:
        raise ServiceError(
            gettext(
                "This invitation was replaced by a newer one. Use the link in the latest email."
            )
        )
    if timezone.now() >= invitation.expires_at:
        raise ServiceError(
            gettext(
                "This invitation has expired (links last 7 days). Ask your school for a new one."
            )
        )
    return invitation


def invitation_accept(*, token: str, password: str | None = None, user: User | None = None):
    """Use an invitation: create the account (or add a signed-in one) and the
    membership. The token works once; a second use is refused."""
    with transaction.atomic():
        invitation = invitation_for_token(token)
        # Lock the row so two submissions of the same form cannot both succeed.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise ServiceError(gettext("This invitation has already been used."))
        existing = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            if existing is not None:
                raise ServiceError(
                    gettext("You already have an account: sign in first, then open the link again.")
                )
            if not password:
                raise ServiceError(gettext("Choose a password."))
            user = User.objects.create_user(
                email=invitation.email,
                password=password,
                first_name=invitation.first_name,
                last_name=invitation.last_name,
            )
        elif user.email.lower() != invitation.email.lower():
            raise ServiceError(
                gettext("This invitation is for %(invited)s; you are signed in as %(email)s.")
                % {"invited": invitation.email, "email": user.email}
            )
        # Opening the link sent to the address proves it is theirs: password
        # reset may go there (schoolsocial.forms.VerifiedAddressResetPasswordForm).
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
        EmailAddress.objects.update_or_create(
            user=user,
            email=user.email,
            defaults={"primary": True, "verified": True},
        )
        member, created = StaffMember.objects.get_or_create(
            school=invitation.school,
            user=user,
            defaults={"joined_on": invitation.school.local_today()},
        )
        if not created:
            member.left_on = None
            member.joined_on = invitation.school.local_today()
        for role in Role.values:
            setattr(member, f"is_{role}", role in invitation.roles)
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            raise ServiceError(
                gettext(
                    "%(school)s already has a headteacher. "
                    "Ask them to change the roles on the roster."
                )
                % {"school": invitation.school.name}
            ) from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            school=invitation.school,
            actor=user,
            action="roster.join",
            obj=member,
            summary=later(
                "%(name)s accepted the invitation and joined the staff.", name=user.display_name
            ),
        )
    return member


def invitation_cancel(*, invitation: Invitation, cancelled_by: StaffMember) -> None:
    _require_leader(cancelled_by, "cancel invitations")
    _same_school(invitation, cancelled_by)
    if invitation.status != "pending":
        raise ServiceError(gettext("Only an invitation still waiting can be cancelled."))
    with transaction.atomic():
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        audit_record(
            school=invitation.school,
            actor=cancelled_by.user,
            action="roster.invite_cancel",
            obj=invitation,
            summary=later("Cancelled the invitation for %(email)s.", email=invitation.email),
        )


# --- Roles and leaving -----------------------------------------------------


def staff_set_roles(*, member: StaffMember, roles: Iterable[str], changed_by: StaffMember):
    """Change a person's roles. Only a head gives or takes the head role, and
    a school always keeps its headteacher (someone must decide escalations,
    Threemilestone 6.1)."""
    _same_school(member, changed_by)
    _require_leader(changed_by, "change roles")
    roles = _clean_roles(roles)
    if not member.is_active:
        raise ServiceError(gettext("This person has left; invite them again to give them roles."))
    before = set(member.roles)
    after = set(roles)
    if (Role.HEAD in before) != (Role.HEAD in after):
        # The substantive head only: an acting head stands in for decisions,
        # not to hand the headship on.
        if not changed_by.is_head:
            raise ServiceError(
                gettext("Only the headteacher can give or remove the headteacher role.")
            )
        if Role.HEAD in before and member.pk == changed_by.pk:
            raise ServiceError(
                gettext(
                    "You cannot remove your own headteacher role: make someone else head first."
                )
            )
    if before == after:
        return member
    with transaction.atomic():
        for role in Role.values:
            setattr(member, f"is_{role}", role in after)
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            raise ServiceError(
                gettext("The school already has a headteacher: remove the role from them first.")
            ) from None
        if Role.ADMIN not in after:
            _revoke_all(member, changed_by, later("No longer a page administrator."))
        audit_record(
            school=member.school,
            actor=changed_by.user,
            action="roster.roles",
            obj=member,
            summary=later(
                "Roles of %(name)s: %(before)s → %(after)s.",
                name=member.user.display_name,
                before=_role_list(before) if before else later("none"),
                after=_role_list(after),
            ),
        )
    return member


def _role_list(roles) -> str:
    """The roles' labels in the order of ``Role``, translated when read."""
    return joined(Role(r).label for r in Role.values if r in roles)


def staff_mark_left(
    *, member: StaffMember, left_on: datetime.date, marked_by: StaffMember, reason: str
):
    """Record that someone has left; their channel authorisations end too.
    The membership is kept for the history."""
    _same_school(member, marked_by)
    _require_leader(marked_by, "mark staff as left")
    if not member.is_active:
        raise ServiceError(gettext("This person is already marked as left."))
    if member.is_head:
        raise ServiceError(
            gettext("Make someone else headteacher before marking the head as left.")
        )
    if member.pk == marked_by.pk:
        raise ServiceError(gettext("You cannot mark yourself as left."))
    if not reason.strip():
        raise ServiceError(gettext("Give a reason."))
    with transaction.atomic():
        _revoke_all(member, marked_by, later("Left the school: %(reason)s", reason=reason.strip()))
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit_record(
            school=member.school,
            actor=marked_by.user,
            action="roster.left",
            obj=member,
            summary=later(
                "%(name)s left on %(day)s: %(reason)s",
                name=member.user.display_name,
                day=wording.day(left_on, "d F Y"),
                reason=reason.strip(),
            ),
        )


# --- Sign-in addresses -------------------------------------------------------


def staff_change_email(*, member: StaffMember, email: str, changed_by: StaffMember) -> EmailAddress:
    """Change a colleague's sign-in address (head or SLT, from the roster).

    Nobody changes their own address, in the app or through allauth's pages
    (``ACCOUNT_MAX_EMAIL_ADDRESSES = 1``): from a session left open on a
    shared computer, an address of one's own plus "forgotten password" would
    take the account over. Only the headteacher changes a leader's address,
    so a senior leader cannot take over the head's account; an account that
    also works for another school, or runs the service, is changed by the
    service administrator, as this school cannot vouch for it there.

    The old address is told (it may be the owner's only warning); the new one
    is unverified until its owner opens the confirmation link, and until then
    no password reset goes to it. Returns the new address.
    """
    _same_school(member, changed_by)
    _require_leader(changed_by, "change sign-in addresses")
    user = member.user
    if member.pk == changed_by.pk or user.pk == changed_by.user_id:
        raise ServiceError(
            gettext(
                "You cannot change your own sign-in address: ask your headteacher "
                "(the headteacher asks the service team)."
            )
        )
    if not member.is_active:
        raise ServiceError(gettext("%(name)s has left the school.") % {"name": user.display_name})
    if LEADERS & member.effective_roles() and not changed_by.is_head:
        raise ServiceError(gettext("Only the headteacher can change a leader's sign-in address."))
    if user.is_staff or user.is_superuser:
        raise ServiceError(
            gettext("This account runs the service; only the service team can change it.")
        )
    if StaffMember.objects.active().filter(user=user).exclude(school=member.school).exists():
        raise ServiceError(
            gettext(
                "%(name)s also works for another school, so the service team "
                "changes their sign-in address."
            )
            % {"name": user.display_name}
        )
    new = (email or "").strip().lower()
    try:
        validate_email(new)
    except ValidationError:
        raise ServiceError(gettext("Enter a valid email address.")) from None
    if new == user.email.lower():
        raise ServiceError(gettext("%(email)s is already their sign-in address.") % {"email": new})
    if (
        User.objects.filter(email__iexact=new).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=new).exclude(user=user).exists()
    ):
        raise ServiceError(gettext("Another account already uses %(email)s.") % {"email": new})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        old = user.email
        user.email = new
        user.save(update_fields=["email"])
        address = _record_new_address(
            user=user,
            old=old,
            by=later(
                "%(name)s at %(school)s",
                name=changed_by.user.display_name,
                school=member.school.name,
            ),
            school=member.school,
        )
        audit_record(
            school=member.school,
            actor=changed_by.user,
            action="roster.email",
            obj=member,
            summary=later(
                "Sign-in address of %(name)s changed from %(old)s to %(new)s. "
                "The old address was told; the new one is unconfirmed until its owner "
                "opens the link sent to it.",
                name=user.display_name,
                old=old,
                new=new,
            ),
        )
    return address


def sign_in_address_changed_by_service(*, user: User, old: str, changed_by: User) -> EmailAddress:
    """The service team changed an account's address in the Django admin (the
    way for a headteacher, or someone in several schools): the same record,
    notice and confirmation as a change from the roster, audited in each of
    the person's schools."""
    with transaction.atomic():
        schools = [
            m.school
            for m in StaffMember.objects.active().filter(user=user).select_related("school")
        ]
        address = _record_new_address(
            user=user,
            old=old,
            by=later("the schoolsocial service team"),
            school=schools[0] if schools else None,
        )
        for school in schools or [None]:
            audit_record(
                school=school,
                actor=changed_by,
                action="roster.email",
                obj=user,
                summary=later(
                    "Service administration changed the sign-in address of "
                    "%(name)s from %(old)s to %(new)s. The old address was told.",
                    name=user.display_name,
                    old=old,
                    new=user.email,
                ),
            )
    return address


def _record_new_address(*, user: User, old: str, by: str, school: School | None) -> EmailAddress:
    """After ``user.email`` changed: the new address is the only one on record,
    unconfirmed (no password reset goes to it until its owner confirms it),
    and the old address is told, in the person's language (else their
    school's)."""
    EmailAddress.objects.filter(user=user).delete()
    address = EmailAddress.objects.create(
        user=user, email=user.email.lower(), primary=True, verified=False
    )
    with translation.override(language_for(user=user, school=school)):
        subject = gettext("Your schoolsocial sign-in address was changed")
        body = render_to_string(
            "schoolsocial/email/address_changed.txt",
            {"user": user, "old": old, "new": user.email, "by": by, "site_url": settings.SITE_URL},
        )
    queue_email(to=old, subject=subject, body=body)
    return address


# --- Channel authorisations --------------------------------------------------


def channel_authorise(
    *,
    member: StaffMember,
    channel: Channel,
    authorised_by: StaffMember,
    trained_on: datetime.date,
    acceptable_use_signed_on: datetime.date,
) -> ChannelAuthorisation:
    """Authorise a page administrator for a channel.

    Threemilestone 3.1 and 5.1: the senior leadership team (and the head)
    authorise administrators; Whitchurch "Staff: attending appropriate
    training"; Roman Road: the acceptable-use policy is read and signed.
    """
    _same_school(member, channel, authorised_by)
    _require_leader(authorised_by, "authorise page administrators")
    if not member.is_active:
        raise ServiceError(
            gettext("%(name)s has left the school.") % {"name": member.user.display_name}
        )
    if Role.ADMIN not in member.roles:
        raise ServiceError(
            gettext("Give %(name)s the page administrator role first.")
            % {"name": member.user.display_name}
        )
    _not_in_future(trained_on, member.school, gettext("The training date cannot be in the future."))
    _not_in_future(
        acceptable_use_signed_on,
        member.school,
        gettext("The acceptable-use agreement date cannot be in the future."),
    )
    # Whitchurch "Staff: attending appropriate training": training more than a
    # year old is out of date (the same year the monthly reminder uses).
    if trained_on < member.school.local_today() - datetime.timedelta(days=365):
        raise ServiceError(
            gettext(
                "%(name)s's training was more than a year ago "
                "(%(day)s). Record training from the last twelve months."
            )
            % {"name": member.user.display_name, "day": date_format(trained_on, "d F Y")}
        )
    with transaction.atomic():
        if ChannelAuthorisation.objects.filter(
            member=member, channel=channel, revoked_on__isnull=True
        ).exists():
            raise ServiceError(
                gettext("%(name)s is already authorised for %(channel)s.")
                % {"name": member.user.display_name, "channel": channel.name}
            )
        authorisation = ChannelAuthorisation.objects.create(
            member=member,
            channel=channel,
            authorised_by=authorised_by,
            authorised_on=member.school.local_today(),
            trained_on=trained_on,
            acceptable_use_signed_on=acceptable_use_signed_on,
        )
        audit_record(
            school=member.school,
            actor=authorised_by.user,
            action="roster.authorise",
            obj=authorisation,
            summary=later(
                "Authorised %(name)s to administer %(channel)s "
                "(trained %(trained)s, acceptable use signed %(signed)s).",
                name=member.user.display_name,
                channel=channel.name,
                trained=f"{trained_on:%d/%m/%Y}",
                signed=f"{acceptable_use_signed_on:%d/%m/%Y}",
            ),
        )
    return authorisation


def channel_authorisation_revoke(
    *, authorisation: ChannelAuthorisation, revoked_by: StaffMember, reason: str
) -> ChannelAuthorisation:
    """Revoke an authorisation, keeping it on record with who, when and why."""
    _same_school(authorisation.channel, revoked_by)
    _require_leader(revoked_by, "revoke page administrators")
    if authorisation.revoked_on:
        raise ServiceError(gettext("This authorisation has already been revoked."))
    if not reason.strip():
        raise ServiceError(gettext("Give a reason for revoking."))
    with transaction.atomic():
        _revoke(authorisation, revoked_by, reason.strip())
    return authorisation


def _revoke(authorisation: ChannelAuthorisation, revoked_by: StaffMember, reason) -> None:
    """End an authorisation and open the task of removing the person on the
    platform itself.

    Threemilestone 4.2 (only authorised administrators upload) and
    Whitchurch "Legal considerations": data protection: ending the authorisation here ends their
    access to the channel's incidents, evidence and the pupil register once
    it was their last (``schoolsocial.access.current_administrator_or_roles``);
    their admin rights on Facebook or YouTube must be removed by hand, so the
    head and SLT are told and the task stays on their dashboard until a
    leader marks it done."""
    authorisation.revoked_on = revoked_by.school.local_today()
    authorisation.revoked_by = revoked_by
    # A reason the app gives (leaving, a role removed) is stored in the
    # school's language, as the trail is.
    authorisation.revoked_reason = read_in(reason, language_code(revoked_by.school.language))
    authorisation.save(update_fields=["revoked_on", "revoked_by", "revoked_reason"])
    audit_record(
        school=revoked_by.school,
        actor=revoked_by.user,
        action="roster.revoke",
        obj=authorisation,
        summary=later(
            "Revoked %(name)s for %(channel)s: %(reason)s",
            name=authorisation.member.user.display_name,
            channel=authorisation.channel.name,
            reason=reason,
        ),
    )
    removal = PlatformRemoval.objects.create(
        authorisation=authorisation, school_id=authorisation.channel.school_id
    )
    _notify_platform_removal(removal)


def _notify_platform_removal(removal: PlatformRemoval) -> None:
    from django.db.models import Q

    from schoolsocial.notifications import notify

    authorisation = removal.authorisation
    channel = authorisation.channel
    leaders = StaffMember.objects.active().filter(
        Q(is_head=True) | Q(is_slt=True), school_id=removal.school_id
    )
    notify(
        recipients=leaders.select_related("user"),
        kind="platform_removal",
        key=f"platform_removal:{removal.pk}",
        title=later(
            "Remove %(name)s as an administrator of %(channel)s on %(platform)s itself",
            name=authorisation.member.user.display_name,
            channel=channel.name,
            platform=Channel.Platform(channel.platform).label,
        ),
        url=reverse("dashboard") + f"#platform-removal-{removal.pk}",
        obj=removal,
    )


def platform_removal_done(
    *, removal: PlatformRemoval, done_by: StaffMember, note: str = ""
) -> PlatformRemoval:
    """A leader records that the person is no longer an administrator on the
    platform itself (Threemilestone 3.1, 4.2: SLT decide who administers the
    page). Audited; the task leaves the dashboard."""
    _require_leader(done_by, "mark a platform removal done")
    if done_by.school_id != removal.school_id:
        raise ServiceError(gettext("These records belong to different schools."))
    with transaction.atomic():
        removal = PlatformRemoval.objects.select_for_update().get(pk=removal.pk)
        if removal.done_at:
            raise ServiceError(gettext("This removal was already marked done."))
        removal.done_at = timezone.now()
        removal.done_by = done_by
        removal.note = note.strip()
        removal.save(update_fields=["done_at", "done_by", "note"])
        authorisation = removal.authorisation
        audit_record(
            school=done_by.school,
            actor=done_by.user,
            action="roster.platform_removed",
            obj=removal,
            summary=(
                later(
                    "Removed %(name)s as an administrator of %(channel)s on the platform: %(note)s",
                    name=authorisation.member.user.display_name,
                    channel=authorisation.channel.name,
                    note=removal.note,
                )
                if removal.note
                else later(
                    "Removed %(name)s as an administrator of %(channel)s on the platform.",
                    name=authorisation.member.user.display_name,
                    channel=authorisation.channel.name,
                )
            ),
        )
    return removal


def _revoke_all(member: StaffMember, revoked_by: StaffMember, reason) -> None:
    for authorisation in member.authorisations.filter(revoked_on__isnull=True).select_related(
        "channel"
    ):
        _revoke(authorisation, revoked_by, reason)


# --- Channels -----------------------------------------------------------------

CHANNEL_FIELDS = (
    "platform",
    "name",
    "url",
    "audience",
    "moderated_daily",
    "check_weekdays",
    "profanity_filter",
    "tagging_off",
    "private_messages_on",
)


def channel_save(*, channel: Channel, saved_by: StaffMember, reason: str = "") -> Channel:
    """Add or edit a channel (head and SLT only). Changes are audited field
    by field.

    Switching a safeguard off — daily moderation or some of its days
    (Threemilestone 5.1 "moderated daily"), the profanity filter below
    strong (5.3), or allowing tagging and visitor photo posts (4.3) — is the
    headteacher's decision and needs a written reason; SLT may switch them
    on. A channel added with a safeguard off counts as switching it off.
    While any is off the head and SLT see a warning on the dashboard."""
    _require_leader(saved_by, "add or edit channels")
    creating = channel.pk is None
    if creating:
        channel.school = saved_by.school
    _same_school(channel, saved_by)
    reason = reason.strip()
    with transaction.atomic():
        before = None if creating else Channel.objects.select_for_update().get(pk=channel.pk)
        was = (before or Channel(platform=channel.platform)).safeguard_levels()
        now = channel.safeguard_levels()
        weakened = [name for name, level in now.items() if level < was[name]]
        switched_off = joined(Channel.SAFEGUARD_NAMES[name] for name in weakened)
        if weakened:
            if "head" not in saved_by.effective_roles():
                raise ServiceError(
                    gettext(
                        "Only the headteacher can switch off %(safeguards)s%(clauses)s. "
                        "Ask the head, or leave it on."
                    )
                    % {
                        "safeguards": switched_off,
                        "clauses": clauses.cite(
                            saved_by.school, "tagging", "daily_check", "profanity_filter"
                        ),
                    }
                )
            if not reason:
                raise ServiceError(
                    gettext(
                        "Give a reason for switching off %(safeguards)s: it is kept in "
                        "the audit trail and shown on the dashboard while it stays off."
                    )
                    % {"safeguards": switched_off}
                )
            channel.safeguards_off_reason = reason
        elif not channel.safeguards_off():
            channel.safeguards_off_reason = ""
        if creating:
            changes = later(
                "Added channel %(name)s (%(platform)s).",
                name=channel.name,
                platform=Channel.Platform(channel.platform).label,
            )
        else:
            changed = [
                later(
                    "%(field)s: %(before)s → %(after)s",
                    field=Channel._meta.get_field(f).verbose_name,
                    before=getattr(before, f),
                    after=getattr(channel, f),
                )
                for f in CHANNEL_FIELDS
                if getattr(before, f) != getattr(channel, f)
            ]
            if not changed:
                return channel
            changes = later(
                "Edited channel %(name)s: %(changes)s",
                name=channel.name,
                changes=joined(changed, "; "),
            )
        if weakened:
            changes = later(
                "%(changes)s Switched off %(safeguards)s: %(reason)s",
                changes=changes,
                safeguards=switched_off,
                reason=reason,
            )
        channel.full_clean()
        channel.save()
        audit_record(
            school=channel.school,
            actor=saved_by.user,
            action="channel.create" if creating else "channel.update",
            obj=channel,
            summary=changes,
        )
    return channel


# --- Acting head and school settings ---------------------------------------


def acting_head_set(
    *,
    member: StaffMember,
    starts_on: datetime.date,
    ends_on: datetime.date,
    set_by: StaffMember,
) -> ActingHead:
    """Name someone to stand in for the head between two dates; escalations
    and the head's decisions go to them meanwhile.

    Only the headteacher names their stand-in (Threemilestone 5.1, 6.1: the
    Head Teacher authorises and decides). Were a senior leader able to, they
    could name themselves and take the head's powers, such as clearing a
    pupil's "never publish"."""
    _same_school(member, set_by)
    if not set_by.is_head or not set_by.is_active:
        raise ServiceError(gettext("Only the headteacher can name an acting head."))
    if ends_on < starts_on:
        raise ServiceError(gettext("The last day must be on or after the first day."))
    if not member.is_active:
        raise ServiceError(
            gettext("%(name)s has left the school.") % {"name": member.user.display_name}
        )
    if member.is_head:
        raise ServiceError(gettext("The headteacher does not need to act for themself."))
    overlapping = ActingHead.objects.filter(
        school=member.school, starts_on__lte=ends_on, ends_on__gte=starts_on
    )
    if overlapping.exists():
        raise ServiceError(gettext("Another acting head is already set for some of those days."))
    with transaction.atomic():
        acting = ActingHead.objects.create(
            school=member.school,
            member=member,
            starts_on=starts_on,
            ends_on=ends_on,
            set_by=set_by,
        )
        audit_record(
            school=member.school,
            actor=set_by.user,
            action="roster.acting_head",
            obj=acting,
            summary=later(
                "%(name)s is acting head from %(first)s to %(last)s.",
                name=member.user.display_name,
                first=wording.day(starts_on, "d F Y"),
                last=wording.day(ends_on, "d F Y"),
            ),
        )
    return acting


SCHOOL_SETTING_FIELDS = (
    "name",
    "time_zone",
    "reminder_time",
    "policy_next_review",
    "language",
    "leaders_require_mfa",
    "closure_dates",
    "evidence_retention_years",
    "safeguarding_retention_years",
    "consent_retention_years",
    "audit_retention_years",
)


def school_update(*, school: School, changed_by: StaffMember, **values) -> School:
    """Change the school's settings (head only); each change is audited."""
    if changed_by.school_id != school.pk:
        raise ServiceError(gettext("You can only change the school you are working in."))
    # The substantive head only: these settings include two-factor sign-in.
    if not changed_by.is_head:
        raise ServiceError(gettext("Only the headteacher can change the school's settings."))
    unknown = set(values) - set(SCHOOL_SETTING_FIELDS)
    if unknown:
        raise ServiceError(
            gettext("Unknown setting(s): %(settings)s.") % {"settings": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        changed = []
        for field, value in values.items():
            if getattr(school, field) != value:
                changed.append(
                    later(
                        "%(field)s: %(before)s → %(after)s",
                        field=School._meta.get_field(field).verbose_name,
                        before=getattr(school, field),
                        after=value,
                    )
                )
                setattr(school, field, value)
        if not changed:
            return school
        school.full_clean()
        school.save()
        audit_record(
            school=school,
            actor=changed_by.user,
            action="school.settings",
            obj=school,
            summary=later("Changed settings: %(changes)s", changes=joined(changed, "; ")),
        )
    return school


LANGUAGES = {"": gettext_lazy("the school's language"), "en": "English", "cy": "Cymraeg"}


def user_set_language(*, user: User, language: str, school: School | None) -> User:
    """A person chooses the language of their pages and emails ("" follows
    their school's). Remembered on their account, in every school."""
    if language not in LANGUAGES:
        raise ServiceError(gettext("Choose English or Cymraeg."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.language == language:
            return user
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit_record(
            school=school,
            actor=user,
            action="account.language",
            obj=user,
            summary=later(
                "Language: %(before)s → %(after)s.",
                before=LANGUAGES[before],
                after=LANGUAGES[language],
            ),
        )
    return user
