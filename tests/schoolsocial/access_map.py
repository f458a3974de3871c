"""Who may open each page of the core (DESIGN.md's URL map), for the URLconf
walk in test_access.py. Each app keeps its own map beside its tests."""

from tests.factories import (
    ChannelAuthorisationFactory,
    ChannelFactory,
    StaffMemberFactory,
)

LEADERS = {"head", "slt"}
ALL_STAFF = {"head", "slt", "admin", "office"}

# url name -> the roles that get in, or "public" / "signed_in".
EXPECTED = {
    "dashboard": ALL_STAFF,
    "healthz": "public",
    "invitation_accept": "public",
    "school_choose": "signed_in",
    "account_email": "signed_in",
    "school_settings": {"head"},
    "roster": LEADERS,
    "roster_invite": LEADERS,
    "roster_acting_head": {"head"},
    "roster_member": LEADERS,
    "roster_member_roles": LEADERS,
    "roster_member_authorise": LEADERS,
    "roster_member_left": LEADERS,
    "roster_member_email": LEADERS,
    "roster_authorisation_revoke": LEADERS,
    "roster_invitation_cancel": LEADERS,
    "platform_removal_done": LEADERS,
    "channels": ALL_STAFF,
    "channel_add": LEADERS,
    "channel_edit": LEADERS,
    "notifications": ALL_STAFF,
    "notification_read": ALL_STAFF,
    "notification_open": ALL_STAFF,
    "audit": LEADERS,
    "audit_export": LEADERS,
    "audit_print": LEADERS,
    "help": "signed_in",
    "language_set": "signed_in",
    "language_choose": "public",
    "subject_access": {"head"},
    "subject_access_download": {"head"},
}


def _invitation(school):
    from schoolsocial.models import Invitation

    inviter = StaffMemberFactory(school=school, is_slt=True)
    return Invitation.objects.create(
        school=school,
        email=f"new{inviter.pk}@example.org",
        first_name="New",
        last_name="Person",
        roles=["office"],
        token_hash=f"{inviter.pk:064d}",
        invited_by=inviter,
        expires_at="2999-01-01T00:00:00Z",
    )


def _subject_access_request(school):
    from schoolsocial.models import SubjectAccessRequest

    return SubjectAccessRequest.objects.create(
        school=school,
        kind="parent",
        subject_ref="Pat Parent",
        subject_name="Pat Parent",
        requested_by=StaffMemberFactory(school=school, is_head=False, is_slt=True),
    )


def _platform_removal(school):
    from schoolsocial.models import PlatformRemoval

    authorisation = ChannelAuthorisationFactory(
        member=StaffMemberFactory(school=school, is_admin=True),
        channel=ChannelFactory(school=school),
        authorised_by=StaffMemberFactory(school=school, is_slt=True),
        revoked_on="2025-01-01",
        revoked_reason="Left",
    )
    return PlatformRemoval.objects.create(authorisation=authorisation, school=school)


# URL parameter -> makes an object of the given school and returns the value.
OBJECTS = {
    "member_id": lambda school: StaffMemberFactory(school=school, is_admin=True).pk,
    "channel_id": lambda school: ChannelFactory(school=school).pk,
    "authorisation_id": lambda school: (
        ChannelAuthorisationFactory(
            member=StaffMemberFactory(school=school, is_admin=True),
            channel=ChannelFactory(school=school),
            authorised_by=StaffMemberFactory(school=school, is_slt=True),
        ).pk
    ),
    "invitation_id": lambda school: _invitation(school).pk,
    "platform_removal_id": lambda school: _platform_removal(school).pk,
    "token": lambda school: "not-a-real-token",
    "request_id": lambda school: _subject_access_request(school).pk,
}
