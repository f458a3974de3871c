"""A consent change reaches the people who posted (Threemilestone 4.1, 4.2;
Whitchurch "Use of images"): each post cleared for the pupil becomes a
follow-up, the administrators who ran those checks and the head are told
without the pupil's name, it stays on their dashboards and is chased daily
until each post is marked taken down or kept. A video needs consent for
video (YouTube always). Only parents and carers join the pupil-photo group
(Threemilestone 1.3, 2.2) unless a leader records an exception."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consent.models import CheckedPupil, GroupApplication, PublicationCheck
from schoolsocial.models import AuditEvent, Notification
from schoolsocial.reminders import send_due
from tests.consent.factories import GroupApplicationFactory, PupilFactory, give_consent
from tests.factories import ChannelAuthorisationFactory, ChannelFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def dafydd(school):
    pupil = PupilFactory(school=school, first_name="Dafydd", last_name="Rees", class_name="5 Oak")
    give_consent(pupil, "social_public", "granted")
    return pupil


def _check(client, channel, pupils, *, video=False, caption="Sports day"):
    data = {
        "channel": channel.pk,
        "pupils": [p.pk for p in pupils],
        "caption": caption,
        "submission_key": uuid.uuid4().hex,
    }
    if video:
        data["includes_video"] = "on"
    response = client.post(reverse("consent:check"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return PublicationCheck.objects.latest("pk")


def test_a_consent_withdrawal_produces_follow_ups_for_the_administrators_who_posted(
    login,
    school,
    head,
    slt,
    office,
    authorised_admin,
    channel,
    dafydd,
    django_capture_on_commit_callbacks,
):
    # A second administrator, on another channel, also cleared Dafydd.
    other_admin = StaffMemberFactory(school=school, is_admin=True)
    group = ChannelFactory(school=school, platform="facebook_page", name="Sports page")
    ChannelAuthorisationFactory(member=other_admin, channel=group, authorised_by=head)
    bystander = StaffMemberFactory(school=school, is_admin=True)
    ChannelAuthorisationFactory(
        member=bystander, channel=ChannelFactory(school=school), authorised_by=head
    )
    admin_client = login(authorised_admin)
    assert _check(admin_client, channel, [dafydd]).result == "allowed"
    assert _check(login(other_admin), group, [dafydd]).result == "allowed"

    # The office records the withdrawal on the pupil's page.
    record = dafydd.current_consent("social_public").record
    office_client = login(office)
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(
            reverse("consent:consent_withdraw", args=[record.pk]),
            {
                "withdrawn_by_name": "Mam",
                "withdrawn_on": "2025-11-03",
                "submission_key": uuid.uuid4().hex,
            },
        )

    notified = Notification.objects.filter(kind="consent_followup")
    assert {n.recipient for n in notified} == {authorised_admin, other_admin, head}
    for n in notified:
        assert "Dafydd" not in n.title and "Rees" not in n.title
        assert n.url == reverse("consent:followups")
    assert notified.get(recipient=authorised_admin).title.startswith(
        "Consent changed for a pupil in 1 post(s)"
    )
    assert notified.get(recipient=head).title.startswith("Consent changed for a pupil in 2 post(s)")
    emails = [m for m in mail.outbox if "Consent changed" in m.subject]
    assert len(emails) == 3
    assert all("Dafydd" not in m.body and "Rees" not in m.body for m in emails)

    # On the dashboards of the head, SLT and the admins who posted; not the bystander's.
    for member in (head, slt, authorised_admin, other_admin):
        page = login(member).get(reverse("dashboard")).content.decode()
        assert "data-consent-followups" in page, member
    assert (
        "data-consent-followups" not in login(bystander).get(reverse("dashboard")).content.decode()
    )

    # The follow-ups page, behind sign-in, names the pupil: the admin sees their own post.
    page = admin_client.get(reverse("consent:followups")).content.decode()
    assert "Dafydd Rees" in page and channel.name in page and "Sports page" not in page
    mine = CheckedPupil.objects.get(check_run__channel=channel)
    theirs = CheckedPupil.objects.get(check_run__channel=group)

    # The next day at the reminder time, still open: chased, to the same people.
    with time_machine.travel(datetime.datetime(2025, 11, 4, 15, 31, tzinfo=LONDON)):
        daily = [n for n in send_due() if n.kind == "consent_followup_daily"]
    assert {n.recipient for n in daily} == {authorised_admin, other_admin, head}
    assert all("Dafydd" not in n.title for n in daily)

    # "Kept" needs a reason; nothing changes without one.
    url = reverse("consent:followup_reviewed", args=[mine.pk])
    response = admin_client.post(url, {"outcome": "kept", "next": "followups"}, follow=True)
    assert "Give the reason the post stays up" in response.content.decode()
    mine.refresh_from_db()
    assert mine.reviewed_at is None
    # The other channel's admin cannot close this one.
    login(other_admin).post(url, {"outcome": "taken_down"})
    mine.refresh_from_db()
    assert mine.reviewed_at is None

    admin_client.post(
        url, {"outcome": "taken_down", "note": "Deleted the post", "next": "followups"}
    )
    mine.refresh_from_db()
    assert mine.review_outcome == "taken_down" and mine.reviewed_by == authorised_admin
    assert "data-consent-followups" not in admin_client.get(reverse("dashboard")).content.decode()
    # The head still sees the other post until it is marked.
    assert "data-consent-followups" in login(head).get(reverse("dashboard")).content.decode()
    login(other_admin).post(
        reverse("consent:followup_reviewed", args=[theirs.pk]),
        {"outcome": "kept", "note": "Dafydd is blurred in it"},
    )
    theirs.refresh_from_db()
    assert theirs.review_outcome == "kept"
    assert "data-consent-followups" not in login(head).get(reverse("dashboard")).content.decode()
    summaries = list(
        AuditEvent.objects.filter(action="consent.followup_reviewed").values_list(
            "summary", flat=True
        )
    )
    assert any("Taken down" in s and "Deleted the post" in s for s in summaries)
    assert any(s.startswith("Kept") and "blurred" in s for s in summaries)
    # Nothing left to chase the day after.
    with time_machine.travel(datetime.datetime(2025, 11, 5, 15, 31, tzinfo=LONDON)):
        assert [n for n in send_due() if n.kind == "consent_followup_daily"] == []


def test_never_publish_and_a_later_refusal_raise_each_post_once(
    head, office, authorised_admin, channel, dafydd
):
    from consent import services

    services.publication_check_run(
        channel=channel, pupils=[dafydd], caption="", checked_by=authorised_admin
    )
    services.consent_form_record(
        pupil=dafydd,
        recorded_by=office,
        decisions={"social_public": "refused"},
        given_by_name="Mam",
        relationship="parent",
        received_on=datetime.date(2025, 11, 1),
    )
    services.pupil_set_never_publish(
        pupil=dafydd, never_publish=True, reason="Court order", set_by=head
    )
    followup = CheckedPupil.objects.get()
    assert followup.followup_status == "refused"
    assert Notification.objects.filter(kind="consent_followup", recipient=head).count() == 1


def test_a_granting_form_raises_no_follow_up(office, authorised_admin, channel, dafydd):
    from consent import services

    services.publication_check_run(
        channel=channel, pupils=[dafydd], caption="", checked_by=authorised_admin
    )
    services.consent_form_record(
        pupil=dafydd,
        recorded_by=office,
        decisions={"website": "granted"},
        given_by_name="Mam",
        relationship="parent",
        received_on=datetime.date(2025, 11, 1),
    )
    assert CheckedPupil.objects.get().followup_raised_at is None
    assert not Notification.objects.filter(kind="consent_followup").exists()


# --- Video ------------------------------------------------------------------------------


def test_a_pupil_whose_parent_refused_video_is_blocked_on_youtube(login, school, head, dafydd):
    give_consent(dafydd, "video", "refused", received_on=datetime.date(2025, 10, 1))
    # Dafydd's public-social-media consent still stands (a form per purpose).
    assert dafydd.current_consent("social_public").allowed
    youtube = ChannelFactory(school=school, platform="youtube", name="School YouTube")
    page = login(head).get(reverse("consent:check")).content.decode()
    assert "needs consent for public social media and video" in page
    check = _check(login(head), youtube, [dafydd])
    assert check.result == "blocked"
    assert check.needed_purposes == ["social_public", "video"]
    result = login(head).get(reverse("consent:check_result", args=[check.pk])).content.decode()
    assert "This post includes video" in result
    assert "Refused for video" in result


def test_a_video_on_the_facebook_page_needs_video_consent_too(login, head, channel, school):
    pupil = PupilFactory(school=school)
    give_consent(pupil, "social_public", "granted")  # no answer for video: no consent
    assert _check(login(head), channel, [pupil]).result == "allowed"
    check = _check(login(head), channel, [pupil], video=True)
    assert check.result == "blocked" and check.includes_video
    assert "No consent form for video" in check.pupils.get().reason


def test_withdrawing_video_consent_follows_up_a_youtube_post(
    head, office, school, authorised_admin, dafydd
):
    from consent import services

    youtube = ChannelFactory(school=school, platform="youtube")
    ChannelAuthorisationFactory(member=authorised_admin, channel=youtube, authorised_by=head)
    video = give_consent(dafydd, "video", "granted", received_on=datetime.date(2025, 10, 1))
    check = services.publication_check_run(
        channel=youtube, pupils=[dafydd], caption="", checked_by=authorised_admin
    )
    assert check.result == "allowed"
    services.consent_withdraw(
        record=video,
        withdrawn_by_name="Mam",
        withdrawn_on=datetime.date(2025, 11, 2),
        recorded_by=office,
    )
    assert CheckedPupil.objects.get(check_run=check).followup_status == "withdrawn"
    assert Notification.objects.filter(kind="consent_followup", recipient=authorised_admin).exists()


# --- The private group: parents and carers only ---------------------------------------------


def test_a_grandparent_is_approved_only_with_a_written_exception(login, school, slt, office):
    application = GroupApplicationFactory(school=school, relationship="grandparent")
    client = login(slt)
    url = reverse("consent:group_application", args=[application.pk])
    page = client.get(url).content.decode()
    assert "data-not-parent" in page
    response = client.post(
        url, {"decide-decision": "approve", "decide-reason": "Collects every day"}, follow=True
    )
    assert "Only parents and carers with parental responsibility" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "pending"

    client.post(
        url,
        {
            "decide-decision": "approve",
            "decide-reason": "Collects every day",
            "decide-exception_reason": "Kinship carer awaiting a court order",
        },
    )
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.exception_reason == "Kinship carer awaiting a court order"
    page = login(office).get(url).content.decode()
    assert "data-group-exception" in page and "Kinship carer awaiting a court order" in page
    event = AuditEvent.objects.get(action="consent.group_approve")
    assert "Exception (grandparent" in event.summary


def test_a_parent_needs_no_exception_and_a_rejection_none_either(school, slt):
    from consent import services

    parent = GroupApplicationFactory(school=school, relationship="parent")
    services.group_application_decide(
        application=parent, approve=True, reason="Parent", decided_by=slt
    )
    other = GroupApplicationFactory(school=school, relationship="other")
    services.group_application_decide(
        application=other, approve=False, reason="Not a parent", decided_by=slt
    )
    parent.refresh_from_db()
    other.refresh_from_db()
    assert (parent.status, other.status) == ("approved", "rejected")
    assert parent.exception_reason == other.exception_reason == ""


def test_members_whose_children_have_all_left_are_flagged_and_in_the_slt_digest(login, school, slt):
    left = PupilFactory(school=school, left_on=datetime.date(2025, 7, 20))
    staying = PupilFactory(school=school)
    gone = GroupApplicationFactory(school=school, applicant_name="Gone Parent", pupils=[left])
    GroupApplicationFactory(school=school, applicant_name="Mixed Parent", pupils=[left, staying])
    GroupApplication.objects.update(status="approved")
    page = login(slt).get(reverse("consent:group_applications")).content.decode()
    flagged = page.split("data-children-left", 1)[1].split("</section>", 1)[0]
    assert "Gone Parent" in flagged and "Mixed Parent" not in flagged
    member_page = login(slt).get(reverse("consent:group_application", args=[gone.pk]))
    assert "All their children have left" in member_page.content.decode()
    with time_machine.travel(datetime.datetime(2026, 3, 9, 9, 0, tzinfo=LONDON)):
        [digest] = [n for n in send_due() if n.kind == "group_applications_digest"]
    assert digest.recipient == slt
    assert "1 group member(s) whose children have all left" in digest.title


def test_an_administrator_whose_authorisation_ended_is_not_sent_a_follow_up(
    head, slt, office, authorised_admin, channel, dafydd
):
    from consent import services
    from schoolsocial.services import channel_authorisation_revoke

    services.publication_check_run(
        channel=channel, pupils=[dafydd], caption="", checked_by=authorised_admin
    )
    channel_authorisation_revoke(
        authorisation=authorised_admin.authorisations.get(), revoked_by=slt, reason="New role"
    )
    services.pupil_set_never_publish(
        pupil=dafydd, never_publish=True, reason="Court order", set_by=head
    )
    recipients = {n.recipient for n in Notification.objects.filter(kind="consent_followup")}
    assert recipients == {head}
    with time_machine.travel(datetime.datetime(2025, 11, 4, 15, 31, tzinfo=LONDON)):
        daily = [n for n in send_due() if n.kind == "consent_followup_daily"]
    assert {n.recipient for n in daily} == {head}


@pytest.mark.parametrize("schools", [1, 4])
def test_the_daily_follow_up_reminder_makes_a_fixed_number_of_queries(
    schools, django_assert_max_num_queries
):
    from consent import services
    from consent.reminders import ConsentFollowupReminder
    from schoolsocial.models import School
    from tests.factories import SchoolFactory

    for n in range(schools):
        school = SchoolFactory()
        head = StaffMemberFactory(school=school, is_head=True)
        channel = ChannelFactory(school=school)
        for m in range(3):
            admin = StaffMemberFactory(school=school, is_admin=True)
            ChannelAuthorisationFactory(member=admin, channel=channel, authorised_by=head)
            pupil = PupilFactory(school=school)
            give_consent(pupil, "social_public", "granted")
            services.publication_check_run(
                channel=channel, pupils=[pupil], caption="", checked_by=admin
            )
            services.pupil_set_never_publish(
                pupil=pupil, never_publish=True, reason=f"Order {n}{m}", set_by=head
            )
    all_schools = list(School.objects.all())
    with (
        time_machine.travel(datetime.datetime(2025, 11, 4, 15, 31, tzinfo=LONDON)),
        django_assert_max_num_queries(5),
    ):
        due = ConsentFollowupReminder().due(schools=all_schools, now=timezone.now())
    assert len(due) == schools * 4  # the head and three administrators per school
