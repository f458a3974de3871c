"""The school's own policy, enforced through the pages: steps required
before an incident closes, several decisions at once, incidents elsewhere
online, rare first names, who decides, and the most sensitive evidence."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Escalation, Incident, IncidentAction
from policy import services as policy_services
from schoolsocial.models import AuditEvent, Notification
from tests.consent.factories import PupilFactory
from tests.factories import StaffMemberFactory
from tests.moderation.conftest import incident_data
from tests.moderation.factories import upload
from tests.moderation.images import png_bytes


def _named(post_incident, authorised_admin, channel, school):
    PupilFactory(school=school, first_name="Gwenllian", last_name="Hughes")
    post_incident(
        authorised_admin,
        channel,
        content="Gwenllian Hughes fell over at pickup",
        categories=["other"],
    )
    return Incident.objects.get()


def _status(client, incident, op, **extra):
    return client.post(
        reverse("moderation:incident_status", args=[incident.pk]), {"op": op, **extra}
    )


def _deleted(client, incident):
    """Record on the timeline that the comment was deleted."""
    return client.post(
        reverse("moderation:incident_action", args=[incident.pk]),
        {"kind": "comment_deleted", "note": "", "reference": ""},
    )


def test_a_named_pupil_comment_cannot_be_resolved_until_it_is_recorded_as_deleted(
    school, channel, authorised_admin, head, post_incident, login
):
    incident = _named(post_incident, authorised_admin, channel, school)
    assert incident.required_steps == ["comment_removed"] and incident.steps_outstanding
    escalation = incident.escalations.get()
    # The head decides "No further action": the incident stays open — 6.2 says delete.
    login(head).post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "nfa", "note": "Spoke to the parent."},
    )
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    admin_client = login(authorised_admin)
    page = admin_client.get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert 'data-step-state="outstanding"' in page and "Comment deleted or hidden" in page
    response = _status(admin_client, incident, "resolve", outcome="Dealt with")
    assert "cannot be resolved yet" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN

    _deleted(admin_client, incident)
    incident.refresh_from_db()
    assert not incident.steps_outstanding
    _status(admin_client, incident, "resolve", outcome="Deleted and parent spoken to")
    _status(admin_client, incident, "close")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED


def test_bullying_needs_cpoms_and_parents_and_one_escalation_carries_both_decisions(
    school, channel, authorised_admin, head, login
):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Your son keeps picking on mine",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["bullying"],
        screenshots=[upload(png_bytes())],
        author_kind="parent",
    )
    assert incident.required_steps == ["cpoms", "parents_informed"]
    escalation = incident.escalations.get()
    login(head).post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "inform_parents", "more_decisions": ["log_cpoms"], "note": ""},
    )
    escalation.refresh_from_db()
    assert escalation.decisions == ["inform_parents", "log_cpoms"]
    # The administrator is told what was decided, without the comment's words.
    told = Notification.objects.get(recipient=authorised_admin, kind="decision")
    assert "Inform parents; Log it on CPOMS" in told.title and "picking" not in told.title
    with pytest.raises(services.ServiceError, match="CPOMS"):
        services.incident_resolve(incident=incident, by=authorised_admin, outcome="done")
    services.incident_add_action(
        incident=incident, kind="cpoms", by=authorised_admin, reference="CP-1"
    )
    services.incident_add_action(incident=incident, kind="parents_informed", by=head)
    services.incident_resolve(incident=incident, by=authorised_admin, outcome="done")


def test_a_leader_can_waive_a_step_with_a_reason_and_it_is_audited(
    school, channel, authorised_admin, slt, login
):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Look at this",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["pupil_media"],
        screenshots=[upload(png_bytes())],
    )
    url = reverse("moderation:incident_waive", args=[incident.pk])
    # An administrator cannot waive; a leader needs a reason.
    assert (
        login(authorised_admin).post(url, {"step": "comment_removed", "reason": "x"}).status_code
        == 403
    )
    page = login(slt).post(url, {"step": "comment_removed", "reason": ""})
    assert page.status_code == 200
    incident.refresh_from_db()
    assert incident.steps_outstanding
    login(slt).post(url, {"step": "comment_removed", "reason": "The platform removed it first"})
    incident.refresh_from_db()
    assert not incident.steps_outstanding
    waiver = incident.actions.get(kind=IncidentAction.Kind.STEP_WAIVED)
    assert "The platform removed it first" in waiver.note
    assert AuditEvent.objects.filter(action="moderation.step_waive").exists()


def test_the_queue_filters_incidents_with_steps_still_to_do(
    school, channel, authorised_admin, post_incident, login
):
    _named(post_incident, authorised_admin, channel, school)
    post_incident(authorised_admin, channel, content="Spam spam", categories=["spam"])
    client = login(authorised_admin)
    page = client.get(reverse("moderation:queue"), {"steps": "outstanding"}).content.decode()
    assert len(re.findall(r'href="/moderation/incidents/\d+/"', page)) == 1


def test_the_daily_reminder_chases_outstanding_steps_once_a_day(
    school, channel, authorised_admin, slt, post_incident
):
    from moderation.reminders import RequiredStepsReminder
    from schoolsocial.reminders import tick

    incident = _named(post_incident, authorised_admin, channel, school)
    morning = timezone.now().replace(hour=10)
    for _ in range(2):
        tick(now=morning)
    sent = Notification.objects.filter(kind=RequiredStepsReminder.kind)
    assert {n.recipient for n in sent} == {authorised_admin, slt}
    assert all(str(incident.pk) in n.title for n in sent)


def test_something_seen_elsewhere_online_is_recorded_screened_and_escalated(
    school, channel, authorised_admin, head, login
):
    PupilFactory(school=school, first_name="Osian", last_name="Pritchard")
    data = incident_data(
        channel,
        where="Year 4 parents' WhatsApp group",
        content="Osian Pritchard was sent home again",
        categories=["other"],
    )
    data["channel"] = ""
    login(authorised_admin).post(reverse("moderation:incident_new"), data)
    incident = Incident.objects.get()
    assert incident.channel is None and incident.is_elsewhere
    assert incident.severity == 4 and incident.escalations.exists()
    page = login(head).get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert "Year 4 parents&#x27; WhatsApp group" in page


def test_elsewhere_online_needs_to_say_where(school, channel, authorised_admin, login):
    data = incident_data(channel, where="", permalink="")
    data["channel"] = ""
    page = login(authorised_admin).post(reverse("moderation:incident_new"), data)
    assert "Say where it was posted" in page.content.decode()
    assert not Incident.objects.exists()


def test_a_rare_first_name_must_be_confirmed_or_dismissed_before_closing(
    school, channel, authorised_admin, head, login
):
    pupil = PupilFactory(school=school, first_name="Gwenllian", last_name="Hughes")
    for n in range(3):
        PupilFactory(school=school, first_name="Tom", last_name=f"Smith{n}")
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Tom and Gwenllian were crying at pickup",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["other"],
        screenshots=[upload(png_bytes())],
    )
    # "Tom" is shared by three pupils: not rare. "Gwenllian" is.
    assert incident.required_steps == ["name_reviewed"]
    client = login(authorised_admin)
    page = client.get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert f'data-name-review="{pupil.pk}"' in page
    client.post(
        reverse("moderation:incident_name_review", args=[incident.pk]),
        {"pupil_id": pupil.pk, "confirm": "yes", "note": ""},
    )
    incident.refresh_from_db()
    assert incident.severity == 4
    assert incident.category_rows.filter(category="pupil_named").exists()
    assert incident.escalations.filter(decided_at__isnull=True).exists()
    assert "comment_removed" in incident.required_steps


def test_an_everyday_word_is_never_a_rare_name(school, channel, authorised_admin):
    PupilFactory(school=school, first_name="Rose", last_name="Evans")
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Rose petals everywhere after the fair",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["other"],
        screenshots=[upload(png_bytes())],
    )
    assert incident.required_steps == []


def test_where_the_policy_gives_the_lead_to_senior_leaders_they_decide_and_the_head_is_told(
    school, channel, authorised_admin, head, slt, login
):
    policy_services.profile_choose(school=school, template="whitchurch", by=head)
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Disgraceful school",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["offensive"],
        screenshots=[upload(png_bytes())],
        author_kind="parent",
    )
    escalation = incident.escalations.get()
    assert escalation.routed_to is None
    assert Notification.objects.filter(recipient=head, kind="escalation").exists()
    page = login(slt).get(reverse("moderation:escalation_decide", args=[escalation.pk]))
    assert page.status_code == 200
    # Whitchurch: ask the parent to remove it, meet, complaints procedure.
    assert "Whitchurch" in page.content.decode() and "Threemilestone" not in page.content.decode()
    login(slt).post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "ask_to_remove", "note": ""},
    )
    escalation.refresh_from_db()
    assert escalation.decided_by == slt


def test_a_concern_about_the_head_goes_to_senior_leaders_and_never_to_the_head(
    school, channel, authorised_admin, head, slt, login
):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="The head is hiding things",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["about_head"],
        screenshots=[upload(png_bytes())],
    )
    escalation = incident.escalations.get()
    assert not Notification.objects.filter(recipient=head, kind="escalation").exists()
    assert Notification.objects.filter(recipient=slt, kind="escalation").exists()
    decide = reverse("moderation:escalation_decide", args=[escalation.pk])
    assert login(head).get(decide).status_code == 403
    assert login(slt).get(decide).status_code == 200
    assert incident.required_steps == ["chair_informed"]


def test_staff_contact_with_a_pupil_goes_to_the_dsl_and_needs_a_lado_referral(
    school, channel, authorised_admin, head
):
    dsl = StaffMemberFactory(school=school, is_slt=False, is_admin=False, job_title="DSL")
    policy_services.profile_update_settings(school=school, by=head, changes={}, dsl=dsl)
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="Mr Teacher",
        content="Messaged a Year 6 pupil on Instagram",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["staff_child_contact"],
        screenshots=[upload(png_bytes())],
        author_kind="staff",
    )
    assert incident.severity == 4
    assert Notification.objects.filter(recipient=dsl, kind="escalation").exists()
    assert incident.required_steps == ["lado"]
    with pytest.raises(services.ServiceError, match="reference"):
        services.incident_add_action(incident=incident, kind="lado_referral", by=head)


def test_an_indecent_image_is_seen_by_the_head_only(
    school, channel, authorised_admin, head, slt, login
):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="Unknown",
        content="(image)",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["indecent_image"],
        screenshots=[upload(png_bytes())],
    )
    evidence = incident.evidence.get()
    url = reverse("moderation:evidence", args=[evidence.pk])
    assert login(slt).get(url).status_code == 403
    assert login(authorised_admin).get(url).status_code == 403
    # The head can download the original (the display copy is made by the worker).
    assert login(head).get(url, {"v": "original"}).status_code == 200
    assert login(slt).get(url, {"v": "original"}).status_code == 403
    page = login(slt).get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert "only the headteacher can see it" in page and url not in page


def test_a_data_breach_shows_the_72_hour_clock(school, channel, authorised_admin, login):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Posted the class list",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["data_breach"],
        screenshots=[upload(png_bytes())],
    )
    page = login(authorised_admin).get(reverse("moderation:incident", args=[incident.pk]))
    assert "72 hours" in page.content.decode() and "data-clock" in page.content.decode()
    assert incident.required_steps == ["dpo", "comment_removed"]


def test_no_further_action_cannot_be_combined(school, channel, authorised_admin, head):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="A Parent",
        content="Rude words",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["offensive"],
        screenshots=[upload(png_bytes())],
    )
    escalation = incident.escalations.get()
    with pytest.raises(services.ServiceError, match="cannot be combined"):
        services.escalation_decide(escalation=escalation, by=head, decision="nfa", more=["speak"])
    assert Escalation.objects.get(pk=escalation.pk).is_open


def test_an_administrator_sees_only_their_channels_and_what_was_seen_elsewhere(
    school, channel, authorised_admin, slt, login
):
    from tests.factories import ChannelFactory
    from tests.moderation.factories import IncidentFactory, make_evidence

    other_channel = ChannelFactory(school=school, name="School X account", platform="x")
    mine = IncidentFactory(school=school, channel=channel)
    theirs = IncidentFactory(school=school, channel=other_channel)
    elsewhere = IncidentFactory(school=school, channel=None, where="A parents' group")
    evidence = make_evidence(theirs)
    client = login(authorised_admin)
    queue = client.get(reverse("moderation:queue")).content.decode()
    shown = set(re.findall(r'href="/moderation/incidents/(\d+)/"', queue))
    assert shown == {str(mine.pk), str(elsewhere.pk)}
    assert client.get(reverse("moderation:incident", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("moderation:evidence", args=[evidence.pk])).status_code == 404
    # Senior leaders see the whole school.
    assert login(slt).get(reverse("moderation:incident", args=[theirs.pk])).status_code == 200


@pytest.mark.parametrize("author_kind", ["staff", "pupil"])
def test_anything_written_by_staff_or_a_pupil_goes_to_the_head(
    school, channel, authorised_admin, head, author_kind
):
    """Threemilestone 9.2.7: staff misuse is referred to the head "in the
    first instance"; 8.3 and Carey B.3: a pupil on social media is the
    head's to follow up."""
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="Someone",
        content="A comment",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["other"],
        screenshots=[upload(png_bytes())],
        author_kind=author_kind,
    )
    escalation = incident.escalations.get()
    assert escalation.routed_to == head and "written by" in escalation.reason


def test_how_a_private_concern_is_answered_follows_the_schools_policy(
    school, channel, authorised_admin, head
):
    def record():
        return services.incident_record(
            channel=channel,
            reported_by=authorised_admin,
            author_name="A Parent",
            content="Why is my child always left out?",
            occurred_at=timezone.now() - datetime.timedelta(hours=1),
            categories=["private_concern"],
            screenshots=[upload(png_bytes())],
            author_kind="parent",
        )

    # Threemilestone 3.3: invite them to speak to the teacher, privately.
    invited = record()
    assert invited.required_steps == ["private_reply"] and not invited.escalations.exists()
    # Carey B.6: staff do not respond; it goes to a leader.
    policy_services.profile_choose(school=school, template="carey", by=head)
    channel = type(channel).objects.get(pk=channel.pk)
    referred = record()
    assert referred.required_steps == [] and referred.escalations.exists()


def test_the_dashboard_counts_incidents_with_steps_still_to_do(
    school, channel, authorised_admin, head, post_incident, login
):
    _named(post_incident, authorised_admin, channel, school)
    page = login(head).get(reverse("dashboard")).content.decode()
    card = re.search(r"data-steps-outstanding><span class=\"card__number\">(\d+)", page)
    assert card and card.group(1) == "1"


def test_reporting_to_the_police_with_a_crime_reference_does_the_police_step(
    school, channel, authorised_admin, head
):
    incident = services.incident_record(
        channel=channel,
        reported_by=authorised_admin,
        author_name="xX_angry_Xx",
        content="Someone should sort the staff out",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=["threat_hate"],
        screenshots=[upload(png_bytes())],
    )
    assert incident.required_steps == ["police"]
    services.escalation_decide(
        escalation=incident.escalations.get(),
        by=head,
        decision="report_police",
        external_reference="CAD-2025-0311",
    )
    incident.refresh_from_db()
    assert not incident.steps_outstanding
    action = incident.actions.get(kind="reported_police")
    assert action.reference == "CAD-2025-0311" and action.by == head


def test_the_queue_and_the_inbox_show_category_labels_not_codes(
    school, channel, authorised_admin, head, post_incident, login
):
    _named(post_incident, authorised_admin, channel, school)
    client = login(head)
    for url in (reverse("moderation:queue"), reverse("moderation:escalations")):
        page = client.get(url).content.decode()
        listing = re.sub(r"<select.*?</select>", "", page, flags=re.S)  # the filter's options
        assert "Pupil named or described" in listing and "pupil_named" not in listing


def test_an_incident_recorded_before_required_steps_existed_cannot_close_undeleted(
    school, channel, authorised_admin, head, post_incident, login
):
    incident = _named(post_incident, authorised_admin, channel, school)
    login(head).post(
        reverse("moderation:escalation_decide", args=[incident.escalations.get().pk]),
        {"decision": "nfa", "note": "Spoke to the parent."},
    )
    # As an incident recorded before the policy's steps were stored looks.
    Incident.objects.filter(pk=incident.pk).update(required_steps=[], steps_outstanding=False)
    client = login(authorised_admin)
    response = _status(client, incident, "resolve", outcome="Dealt with")
    assert "cannot be resolved yet" in response.content.decode()
    assert "Comment deleted or hidden" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    # Recording the deletion lets it resolve, as for any other incident.
    _deleted(client, incident)
    _status(client, incident, "resolve", outcome="Deleted")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.RESOLVED
