"""Escalation to the headteacher: automatic and manual, one open at a time,
routing to the acting head, notifications with no details in them, the
head's acknowledgement and decision."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from moderation import services
from moderation.models import Escalation, Incident, IncidentAction
from policy.catalogue import Severity
from policy.profile import Profile
from schoolsocial.models import ActingHead, Notification
from schoolsocial.notifications import notify
from schoolsocial.selectors import head_for
from schoolsocial.services import ServiceError
from tests.consent.factories import PupilFactory
from tests.factories import StaffMemberFactory
from tests.moderation.factories import IncidentFactory, upload
from tests.moderation.images import png_bytes

pytestmark = pytest.mark.django_db


def record(channel, member, *, categories, content="The school trip was a shambles.", **kw):
    kw.setdefault("author_kind", Incident.AuthorKind.PARENT)
    return services.incident_record(
        channel=channel,
        reported_by=member,
        author_name=kw.pop("author_name", "Angry Parent"),
        content=content,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        categories=categories,
        screenshots=[upload(png_bytes())],
        **kw,
    )


# --- Automatic escalation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "category", list(Profile.from_template().categories.values()), ids=lambda c: c.code
)
def test_recording_an_incident_escalates_it_when_its_category_says_so(
    category, channel, authorised_admin, head
):
    incident = record(channel, authorised_admin, categories=[category.code])
    escalations = list(incident.escalations.all())
    incident.refresh_from_db()
    if category.escalate:
        assert len(escalations) == 1
        escalation = escalations[0]
        assert escalation.automatic and escalation.raised_by is None
        assert escalation.routed_to == (None if category.route == "chair" else head)
        assert escalation.urgency == incident.severity == category.severity
        assert category.label in escalation.reason
        assert incident.status == Incident.Status.ESCALATED
        assert incident.actions.filter(kind=IncidentAction.Kind.ESCALATED).count() == 1
    else:
        assert escalations == []
        assert incident.status == Incident.Status.OPEN


def test_a_named_pupil_found_by_screening_escalates_as_urgent(
    school, channel, authorised_admin, head
):
    PupilFactory(school=school, first_name="Tallulah", last_name="Brightwater")
    incident = record(
        channel, authorised_admin, categories=["spam"], content="Tallulah Brightwater is rubbish"
    )
    escalation = incident.escalations.get()
    assert escalation.urgency == Severity.URGENT
    assert "Pupil named or described" in escalation.reason


def test_escalation_is_part_of_the_recording_transaction(
    channel, authorised_admin, head, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("notification store is down")

    monkeypatch.setattr("moderation.services.escalations.notify", broken)
    with pytest.raises(RuntimeError):
        record(channel, authorised_admin, categories=["offensive"])
    assert Incident.objects.count() == 0
    assert Escalation.objects.count() == 0


# --- Manual escalation ------------------------------------------------------------------


@pytest.fixture
def quiet_incident(school, channel, authorised_admin, head):
    """A spam incident: it does not escalate by itself."""
    return record(channel, authorised_admin, categories=["spam"], author_kind="public")


def test_any_incident_can_be_escalated_by_hand_with_a_reason(quiet_incident, authorised_admin):
    escalation = services.incident_escalate(
        incident=quiet_incident, raised_by=authorised_admin, reason="Third time this week."
    )
    quiet_incident.refresh_from_db()
    assert not escalation.automatic
    assert escalation.raised_by == authorised_admin
    assert escalation.reason == "Third time this week."
    assert quiet_incident.status == Incident.Status.ESCALATED
    step = quiet_incident.actions.get(kind=IncidentAction.Kind.ESCALATED)
    assert "Third time this week." in step.note and step.by == authorised_admin


def test_escalating_by_hand_needs_a_reason(quiet_incident, slt):
    with pytest.raises(ServiceError, match="why"):
        services.incident_escalate(incident=quiet_incident, raised_by=slt, reason="  ")
    assert not Escalation.objects.exists()


def test_an_administrator_of_another_channel_cannot_escalate(school, quiet_incident, admin):
    other_admin = StaffMemberFactory(school=school, is_admin=True)
    with pytest.raises(ServiceError, match="administrator"):
        services.incident_escalate(incident=quiet_incident, raised_by=other_admin, reason="x")


def test_a_closed_incident_cannot_be_escalated(quiet_incident, head):
    services.incident_resolve(incident=quiet_incident, by=head, outcome="Deleted.")
    services.incident_close(incident=quiet_incident, by=head)
    with pytest.raises(ServiceError, match="closed"):
        services.incident_escalate(incident=quiet_incident, raised_by=head, reason="Later worry")


# --- One open escalation per incident ---------------------------------------------------


def test_an_incident_has_one_open_escalation_at_a_time(quiet_incident, slt, head):
    services.incident_escalate(incident=quiet_incident, raised_by=slt, reason="First")
    with pytest.raises(ServiceError, match="already waiting"):
        services.incident_escalate(incident=quiet_incident, raised_by=slt, reason="Second")
    assert quiet_incident.escalations.count() == 1
    # Once decided, it may be escalated again.
    services.escalation_decide(
        escalation=quiet_incident.escalations.get(), by=head, decision="delete_and_ban"
    )
    services.incident_escalate(incident=quiet_incident, raised_by=slt, reason="It came back")
    assert quiet_incident.escalations.count() == 2
    assert quiet_incident.escalations.filter(decided_at__isnull=True).count() == 1


def test_the_database_refuses_a_second_open_escalation(quiet_incident, slt):
    services.incident_escalate(incident=quiet_incident, raised_by=slt, reason="First")
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(incident=quiet_incident, urgency=1, reason="Sneaky")


# --- Routing --------------------------------------------------------------------------------


def at(y, m, d, hh=12):
    return datetime.datetime(y, m, d, hh, 0, tzinfo=datetime.UTC)


def test_escalations_go_to_the_acting_head_within_the_dates_and_back_to_the_head_after(
    school, channel, authorised_admin, head, slt
):
    ActingHead.objects.create(
        school=school,
        member=slt,
        starts_on=datetime.date(2026, 2, 9),
        ends_on=datetime.date(2026, 2, 13),
        set_by=head,
    )
    assert head_for(school=school, on=datetime.date(2026, 2, 8)) == head
    assert head_for(school=school, on=datetime.date(2026, 2, 9)) == slt
    assert head_for(school=school, on=datetime.date(2026, 2, 13)) == slt
    assert head_for(school=school, on=datetime.date(2026, 2, 14)) == head

    with time_machine.travel(at(2026, 2, 10), tick=False):
        during = record(channel, authorised_admin, categories=["offensive"])
    with time_machine.travel(at(2026, 2, 16), tick=False):
        after = record(channel, authorised_admin, categories=["offensive"])
    assert during.escalations.get().routed_to == slt
    assert after.escalations.get().routed_to == head


def test_the_acting_head_decides_within_the_dates_only(school, quiet_incident, head, slt):
    ActingHead.objects.create(
        school=school,
        member=slt,
        starts_on=datetime.date(2026, 2, 9),
        ends_on=datetime.date(2026, 2, 13),
        set_by=head,
    )
    escalation = services.incident_escalate(incident=quiet_incident, raised_by=head, reason="r")
    with time_machine.travel(at(2026, 2, 16), tick=False), pytest.raises(ServiceError):
        services.escalation_acknowledge(escalation=escalation, by=slt)
    with time_machine.travel(at(2026, 2, 10), tick=False):
        services.escalation_decide(escalation=escalation, by=slt, decision="speak")
    escalation.refresh_from_db()
    assert escalation.decided_by == slt


# --- Notifications --------------------------------------------------------------------------


def test_an_urgent_escalation_emails_the_head_and_slt_once_after_commit_with_no_details(
    school, channel, authorised_admin, head, slt, office, django_capture_on_commit_callbacks
):
    pupil = PupilFactory(school=school, first_name="Tallulah", last_name="Brightwater")
    content = "Tallulah Brightwater keeps thumping Jaxon during playtime, disgraceful behaviour"
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(channel, authorised_admin, categories=["bullying"], content=content)
        assert mail.outbox == []  # nothing leaves before the commit
    escalation = incident.escalations.get()
    assert escalation.urgency == Severity.URGENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted([head.user.email, slt.user.email])

    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox]
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", content)}
    for text in texts:
        assert "Urgent escalation" in text
        assert "Pupil named or described" in text and school.name in text
        assert f"/moderation/incidents/{incident.pk}/" in text
        lowered = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
        assert pupil.first_name.lower() not in lowered
        assert pupil.last_name.lower() not in lowered
        assert not (words & lowered), f"comment words in an email: {words & lowered}"

    # Asking again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[head, slt],
            kind="escalation",
            key=f"escalation:{escalation.pk}",
            title="again",
        )
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(kind="escalation").count() == 2


def test_a_medium_escalation_notifies_only_the_decider(
    channel, authorised_admin, head, slt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = record(channel, authorised_admin, categories=["other"])
        services.incident_escalate(incident=incident, raised_by=authorised_admin, reason="Odd")
    assert [m.to[0] for m in mail.outbox] == [head.user.email]
    assert mail.outbox[0].subject.endswith("Medium-priority escalation: Other — Example Primary")


def test_the_acting_head_is_notified_instead_of_the_head(
    school, channel, authorised_admin, head, slt, django_capture_on_commit_callbacks
):
    acting = StaffMemberFactory(school=school, is_admin=True, user__email="deputy@example.org")
    today = school.local_today()
    ActingHead.objects.create(
        school=school, member=acting, starts_on=today, ends_on=today, set_by=head
    )
    with django_capture_on_commit_callbacks(execute=True):
        record(channel, authorised_admin, categories=["offensive"])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([acting.user.email, slt.user.email])


# --- Acknowledge and decide -----------------------------------------------------------------


@pytest.fixture
def escalation(channel, authorised_admin, head, slt):
    incident = record(channel, authorised_admin, categories=["offensive"])
    return incident.escalations.get()


@pytest.mark.parametrize("role", ["slt", "admin", "office"])
def test_only_the_head_acknowledges_or_decides(personas, escalation, role):
    member = personas[role]
    with pytest.raises(ServiceError, match="headteacher"):
        services.escalation_acknowledge(escalation=escalation, by=member)
    with pytest.raises(ServiceError, match="headteacher"):
        services.escalation_decide(escalation=escalation, by=member, decision="speak")
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None and escalation.decided_at is None


def test_the_head_of_another_school_cannot_decide(escalation, outsider):
    with pytest.raises(ServiceError, match="different schools"):
        services.escalation_decide(escalation=escalation, by=outsider, decision="speak")


def test_acknowledging_records_who_and_when_once(escalation, head):
    services.escalation_acknowledge(escalation=escalation, by=head)
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == head and escalation.acknowledged_at
    assert escalation.incident.actions.filter(kind="acknowledged").count() == 1
    with pytest.raises(ServiceError, match="Already acknowledged"):
        services.escalation_acknowledge(escalation=escalation, by=head)


def test_a_decision_goes_on_the_timeline_closes_the_escalation_and_reopens_the_incident(
    escalation, head
):
    services.escalation_decide(
        escalation=escalation, by=head, decision="delete_and_ban", note="Ban them today."
    )
    escalation.refresh_from_db()
    incident = escalation.incident
    incident.refresh_from_db()
    assert not escalation.is_open
    assert escalation.decision == "delete_and_ban" and escalation.decided_by == head
    # Deciding without acknowledging first acknowledges too.
    assert escalation.acknowledged_by == head
    step = incident.actions.get(kind=IncidentAction.Kind.DECISION)
    assert step.note == "Delete and ban.\nBan them today."
    assert step.by == head
    assert incident.status == Incident.Status.OPEN  # the administrators carry it out
    kinds = list(incident.actions.values_list("kind", flat=True))
    assert kinds == ["recorded", "escalated", "acknowledged", "decision"]


def test_no_further_action_resolves_the_incident_with_the_decision_as_outcome(escalation, head):
    services.escalation_decide(
        escalation=escalation, by=head, decision="nfa", note="Banter between parents."
    )
    incident = Incident.objects.get(pk=escalation.incident_id)
    assert incident.status == Incident.Status.RESOLVED
    assert incident.outcome == (
        "Headteacher's decision: No further action. Banter between parents."
    )


@pytest.mark.parametrize("decision", ["report_police", "external_agency"])
def test_police_and_external_agencies_need_a_reference(escalation, head, decision):
    with pytest.raises(ServiceError, match="reference"):
        services.escalation_decide(escalation=escalation, by=head, decision=decision)
    services.escalation_decide(
        escalation=escalation, by=head, decision=decision, external_reference="CAD 1234"
    )
    step = escalation.incident.actions.get(kind=IncidentAction.Kind.DECISION)
    assert step.reference == "CAD 1234"


def test_a_decided_escalation_cannot_be_decided_again(escalation, head):
    services.escalation_decide(escalation=escalation, by=head, decision="speak")
    with pytest.raises(ServiceError, match="already been decided"):
        services.escalation_decide(escalation=escalation, by=head, decision="nfa")
    with pytest.raises(ServiceError, match="already been decided"):
        services.escalation_acknowledge(escalation=escalation, by=head)


def test_an_unknown_decision_is_refused(escalation, head):
    with pytest.raises(ServiceError, match="Choose a decision"):
        services.escalation_decide(escalation=escalation, by=head, decision="shout")


def test_an_incident_waiting_for_the_head_cannot_be_resolved(escalation, slt, head):
    with pytest.raises(ServiceError, match="waiting for the headteacher"):
        services.incident_resolve(incident=escalation.incident, by=slt, outcome="Done")
    services.escalation_decide(escalation=escalation, by=head, decision="speak")
    services.incident_resolve(incident=escalation.incident, by=slt, outcome="Spoken to.")


def test_every_escalation_step_is_audited(escalation, head):
    from schoolsocial.models import AuditEvent

    services.escalation_acknowledge(escalation=escalation, by=head)
    services.escalation_decide(escalation=escalation, by=head, decision="speak")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    for action in (
        "moderation.escalate",
        "moderation.escalation_acknowledge",
        "moderation.escalation_decide",
    ):
        assert action in actions


def test_wait_labels_are_short():
    from moderation.models import duration_label

    assert duration_label(datetime.timedelta(minutes=45)) == "45 min"
    assert duration_label(datetime.timedelta(hours=2, minutes=15)) == "2 h 15 min"
    assert duration_label(datetime.timedelta(days=3, hours=4, minutes=5)) == "3 d 4 h"


def test_factory_incidents_can_be_escalated(school, head):
    incident = IncidentFactory(school=school)
    escalation = services.incident_escalate(incident=incident, raised_by=head, reason="Check")
    assert escalation.routed_to == head
