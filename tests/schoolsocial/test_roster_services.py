import datetime

import pytest
from django.core.exceptions import ValidationError

from schoolsocial import services
from schoolsocial.models import AuditEvent, ChannelAuthorisation, StaffMember
from tests.factories import ChannelFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 9, 1)


def authorise(member, channel, by):
    return services.channel_authorise(
        member=member,
        channel=channel,
        authorised_by=by,
        trained_on=DAY,
        acceptable_use_signed_on=DAY,
    )


def test_slt_authorises_an_administrator_and_it_is_audited(slt, admin, channel):
    authorisation = authorise(admin, channel, slt)

    assert authorisation.is_current
    assert authorisation.authorised_by == slt
    event = AuditEvent.objects.get(action="roster.authorise")
    assert event.actor == slt.user
    assert admin.user.display_name in event.summary and channel.name in event.summary


def test_an_administrator_cannot_authorise_anyone(admin, channel, school):
    other_admin = StaffMemberFactory(school=school, is_admin=True)
    with pytest.raises(ValidationError, match="headteacher or a senior leader"):
        authorise(other_admin, channel, admin)
    assert not ChannelAuthorisation.objects.exists()


def test_only_people_with_the_administrator_role_can_be_authorised(head, office, channel):
    with pytest.raises(ValidationError, match="page administrator role first"):
        authorise(office, channel, head)


def test_training_dates_cannot_be_in_the_future(head, admin, channel):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.channel_authorise(
            member=admin,
            channel=channel,
            authorised_by=head,
            trained_on=datetime.date.today() + datetime.timedelta(days=3),
            acceptable_use_signed_on=DAY,
        )


def test_authorising_twice_is_refused(head, admin, channel):
    authorise(admin, channel, head)
    with pytest.raises(ValidationError, match="already authorised"):
        authorise(admin, channel, head)
    assert ChannelAuthorisation.objects.count() == 1


def test_another_schools_channel_cannot_be_authorised(head, admin, other_school):
    foreign = ChannelFactory(school=other_school)
    with pytest.raises(ValidationError, match="different schools"):
        authorise(admin, foreign, head)


def test_revoking_keeps_the_history_with_who_when_and_why(head, admin, channel):
    authorisation = authorise(admin, channel, head)
    services.channel_authorisation_revoke(
        authorisation=authorisation, revoked_by=head, reason="Moved to another role"
    )
    authorisation.refresh_from_db()
    assert not authorisation.is_current
    assert authorisation.revoked_by == head
    assert authorisation.revoked_reason == "Moved to another role"
    assert authorisation.revoked_on == head.school.local_today()
    # Re-authorising adds a new row; the revoked one stays.
    authorise(admin, channel, head)
    assert ChannelAuthorisation.objects.filter(member=admin).count() == 2
    assert AuditEvent.objects.filter(action="roster.revoke").count() == 1


def test_revoking_needs_a_reason(head, admin, channel):
    authorisation = authorise(admin, channel, head)
    with pytest.raises(ValidationError, match="reason"):
        services.channel_authorisation_revoke(
            authorisation=authorisation, revoked_by=head, reason="  "
        )
    authorisation.refresh_from_db()
    assert authorisation.is_current


def test_changing_roles_is_audited_and_removing_admin_revokes(head, admin, channel):
    authorise(admin, channel, head)
    services.staff_set_roles(member=admin, roles=["office"], changed_by=head)
    admin.refresh_from_db()
    assert admin.roles == {"office"}
    assert not ChannelAuthorisation.objects.current().filter(member=admin).exists()
    event = AuditEvent.objects.get(action="roster.roles")
    assert "Page administrator → Office" in event.summary


def test_only_the_head_gives_the_head_role(slt, admin, head):
    with pytest.raises(ValidationError, match="Only the headteacher"):
        services.staff_set_roles(member=admin, roles=["head"], changed_by=slt)


def test_a_school_keeps_one_head(head, slt):
    with pytest.raises(ValidationError, match="already has a headteacher"):
        services.staff_set_roles(member=slt, roles=["head", "slt"], changed_by=head)
    with pytest.raises(ValidationError, match="cannot remove your own"):
        services.staff_set_roles(member=head, roles=["slt"], changed_by=head)


def test_marking_someone_as_left_keeps_them_and_ends_their_authorisations(head, admin, channel):
    authorise(admin, channel, head)
    services.staff_mark_left(member=admin, left_on=DAY, marked_by=head, reason="Retired")
    admin.refresh_from_db()
    assert admin.left_on == DAY and admin.roles == frozenset()
    assert StaffMember.objects.filter(pk=admin.pk).exists()
    assert ChannelAuthorisation.objects.filter(member=admin, revoked_on__isnull=False).count() == 1


def test_the_acting_head_has_head_rights_only_within_the_dates(head, slt):
    today = head.school.local_today()
    services.acting_head_set(
        member=slt,
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=1),
        set_by=head,
    )
    assert "head" in slt.effective_roles(today)
    assert "head" not in slt.effective_roles(today + datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match="already set"):
        services.acting_head_set(member=slt, starts_on=today, ends_on=today, set_by=head)


def test_channel_edits_are_audited_field_by_field(head, channel):
    channel.moderated_daily = False
    services.channel_save(channel=channel, saved_by=head, reason="Summer holidays")
    event = AuditEvent.objects.get(action="channel.update")
    assert "moderated daily: True → False" in event.summary


def test_an_administrator_cannot_add_channels(admin):
    from schoolsocial.models import Channel

    with pytest.raises(ValidationError, match="headteacher or a senior leader"):
        services.channel_save(channel=Channel(platform="x", name="@Example"), saved_by=admin)
    assert not Channel.objects.exists()


def test_audit_events_cannot_be_changed_or_deleted(head):
    event = AuditEvent.objects.create(school=head.school, action="x", summary="y")
    event.summary = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_a_senior_leader_cannot_make_themselves_acting_head(head, slt, login):
    today = head.school.local_today()
    with pytest.raises(ValidationError, match="Only the headteacher can name an acting head"):
        services.acting_head_set(member=slt, starts_on=today, ends_on=today, set_by=slt)
    response = login(slt).post(
        "/roster/acting-head/", {"member": slt.pk, "starts_on": today, "ends_on": today}
    )
    assert response.status_code == 403
    assert "head" not in slt.effective_roles(today)


def test_an_acting_head_cannot_take_the_headship_or_change_school_settings(head, slt, admin):
    today = head.school.local_today()
    services.acting_head_set(member=slt, starts_on=today, ends_on=today, set_by=head)
    assert "head" in slt.effective_roles(today)
    with pytest.raises(ValidationError, match="Only the headteacher can give or remove"):
        services.staff_set_roles(member=head, roles=["slt"], changed_by=slt)
    with pytest.raises(ValidationError, match="Only the headteacher can give or remove"):
        services.staff_set_roles(member=admin, roles=["head"], changed_by=slt)
    with pytest.raises(ValidationError, match="Only the headteacher can change"):
        services.school_update(school=head.school, changed_by=slt, leaders_require_mfa=False)
    head.refresh_from_db()
    assert head.is_head
