"""The head's inbox, acknowledging and deciding in the browser's terms (HTTP),
the incident page's escalation status and the policy's suggestions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.escalation import suggestions
from moderation.models import Escalation, Incident, IncidentAction
from schoolsocial.models import ActingHead
from tests.factories import StaffMemberFactory
from tests.moderation.factories import IncidentFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("moderation:escalations")


def escalate(school, *, severity=3, categories=("offensive",), ago=None, by=None, **kw):
    incident = IncidentFactory(school=school, severity=severity, categories=list(categories), **kw)
    escalation = services.incident_escalate(
        incident=incident, raised_by=by or incident.reported_by, reason="Please look"
    )
    if ago is not None:
        Escalation.objects.filter(pk=escalation.pk).update(raised_at=timezone.now() - ago)
        escalation.refresh_from_db()
    return escalation


# --- The inbox ------------------------------------------------------------------------------


def test_the_inbox_lists_open_escalations_urgent_first_then_oldest_with_their_wait(
    school, head, login
):
    high_old = escalate(school, severity=3, ago=datetime.timedelta(hours=5))
    urgent_new = escalate(school, severity=4, ago=datetime.timedelta(minutes=20))
    urgent_old = escalate(
        school, severity=4, ago=datetime.timedelta(hours=2, minutes=15, seconds=30)
    )
    decided = escalate(school, severity=4, ago=datetime.timedelta(hours=9))
    services.escalation_decide(escalation=decided, by=head, decision="speak")

    html = login(head).get(INBOX).content.decode()
    order = [int(n) for n in re.findall(r'data-escalation="(\d+)"', html)]
    assert order == [urgent_old.pk, urgent_new.pk, high_old.pk]
    assert "2 h 15 min" in html and "20 min" in html
    assert "Not yet" in html
    assert "Recently decided" in html and "Speak to the individual" in html


def test_the_inbox_shows_who_acknowledged(school, head, login):
    escalation = escalate(school, severity=4)
    services.escalation_acknowledge(escalation=escalation, by=head)
    html = login(head).get(INBOX).content.decode()
    assert f"Yes — {head.user.display_name}" in html


def test_slt_see_the_inbox_without_the_buttons(school, head, slt, login):
    escalate(school, severity=4)
    html = login(slt).get(INBOX).content.decode()
    assert "data-escalation=" in html
    assert "/acknowledge/" not in html and "/decide/" not in html


@pytest.mark.parametrize("role", ["admin", "office"])
def test_administrators_and_office_cannot_open_the_inbox(personas, login, role):
    assert login(personas[role]).get(INBOX).status_code == 403


@pytest.mark.parametrize("size", [3, 12])
def test_the_inbox_makes_a_fixed_number_of_queries(
    school, head, login, size, django_assert_max_num_queries
):
    for n in range(size):
        escalate(school, severity=3 + n % 2)
    for escalation in Escalation.objects.all()[:2]:
        services.escalation_decide(escalation=escalation, by=head, decision="speak")
    client = login(head)
    with django_assert_max_num_queries(13):
        response = client.get(INBOX)
    assert response.status_code == 200


# --- Acknowledge and decide: who may -----------------------------------------------------------


def test_the_head_acknowledges_from_the_inbox(school, head, login):
    escalation = escalate(school, severity=4)
    response = login(head).post(reverse("moderation:escalation_acknowledge", args=[escalation.pk]))
    assert response.status_code == 302 and response["Location"] == INBOX
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == head


@pytest.mark.parametrize("role", ["slt", "admin", "office"])
def test_only_the_head_may_acknowledge_or_decide(school, personas, login, role):
    escalation = escalate(school, severity=4)
    client = login(personas[role])
    ack = client.post(reverse("moderation:escalation_acknowledge", args=[escalation.pk]))
    decide = client.post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "nfa", "note": "", "external_reference": ""},
    )
    assert (ack.status_code, decide.status_code) == (403, 403)
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None and escalation.is_open


def test_another_schools_escalation_is_not_found(school, head, outsider, login):
    escalation = escalate(school, severity=4)
    client = login(outsider)
    assert (
        client.post(reverse("moderation:escalation_acknowledge", args=[escalation.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("moderation:escalation_decide", args=[escalation.pk]), {"decision": "nfa"}
    )
    assert response.status_code == 404
    decide_url = reverse("moderation:escalation_decide", args=[escalation.pk])
    assert client.get(decide_url).status_code == 404


def test_the_acting_head_decides_on_the_days_set(school, head, slt, login):
    escalation = escalate(school, severity=4)
    client = login(slt)
    url = reverse("moderation:escalation_decide", args=[escalation.pk])
    assert client.get(url).status_code == 403
    today = school.local_today()
    ActingHead.objects.create(
        school=school, member=slt, starts_on=today, ends_on=today, set_by=head
    )
    response = client.post(url, {"decision": "invite_to_meet", "note": "Thursday 3pm"})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.decision == "invite_to_meet" and escalation.decided_by == slt


# --- The decision page ------------------------------------------------------------------------


def test_the_decision_form_suggests_what_the_policy_says_and_preselects_the_first(
    school, head, login
):
    escalation = escalate(school, severity=4, categories=["threat_hate"])
    html = login(head).get(reverse("moderation:escalation_decide", args=[escalation.pk])).content
    html = html.decode()
    # The clause quoted is this school's own (the Threemilestone template), not another's.
    assert "What the policy suggests" in html and "Threemilestone 6.4" in html
    assert "Westbrook" not in html
    checked = re.search(r'<input[^>]*value="report_police"[^>]*>', html).group(0)
    assert "checked" in checked
    # Never enforced: any decision is accepted.
    login(head).post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "nfa", "note": "Spoke to the police informally; nothing to report."},
    )
    escalation.refresh_from_db()
    assert escalation.decision == "nfa"


def test_a_police_decision_without_a_reference_is_refused_on_the_page(school, head, login):
    escalation = escalate(school, severity=4, categories=["threat_hate"])
    url = reverse("moderation:escalation_decide", args=[escalation.pk])
    response = login(head).post(url, {"decision": "report_police"})
    assert response.status_code == 200
    assert "Give the reference" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.is_open


def test_deciding_updates_the_timeline_and_the_incident_page_shows_it_to_the_administrator(
    school, channel, authorised_admin, head, login
):
    escalation = escalate(
        school, severity=4, channel=channel, reported_by=authorised_admin, by=authorised_admin
    )
    response = login(head).post(
        reverse("moderation:escalation_decide", args=[escalation.pk]),
        {"decision": "delete_and_ban", "note": "Ban the account today."},
    )
    incident_url = reverse("moderation:incident", args=[escalation.incident_id])
    assert response["Location"] == incident_url
    incident = Incident.objects.get(pk=escalation.incident_id)
    assert incident.status == Incident.Status.OPEN
    assert incident.actions.filter(kind=IncidentAction.Kind.DECISION).exists()

    html = login(authorised_admin).get(incident_url).content.decode()
    assert 'data-decision="delete_and_ban"' in html
    assert "Delete and ban" in html and "Ban the account today." in html
    assert head.user.display_name in html
    assert "/decide/" not in html  # administrators see; they do not decide


def test_a_decided_escalation_sends_the_head_to_the_incident(school, head, login):
    escalation = escalate(school, severity=4)
    services.escalation_decide(escalation=escalation, by=head, decision="speak")
    response = login(head).get(reverse("moderation:escalation_decide", args=[escalation.pk]))
    assert response.status_code == 302


# --- The incident page ----------------------------------------------------------------------


def test_an_administrator_escalates_from_the_incident_page_with_a_reason(
    school, channel, authorised_admin, head, login
):
    incident = IncidentFactory(
        school=school, channel=channel, reported_by=authorised_admin, categories=["spam"]
    )
    client = login(authorised_admin)
    page = client.get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert "Escalate to the head" in page
    url = reverse("moderation:incident_escalate", args=[incident.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and not Escalation.objects.exists()
    response = client.post(url, {"reason": "Same account, third time."})
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.raised_by == authorised_admin and escalation.routed_to == head
    page = client.get(reverse("moderation:incident", args=[incident.pk])).content.decode()
    assert "Escalated to the headteacher" in page
    assert "Waiting for the headteacher" in page
    assert 'action="' + url not in page  # no second escalation while one is open


def test_the_head_acknowledges_from_the_incident_page_and_returns_there(school, head, login):
    escalation = escalate(school, severity=4)
    response = login(head).post(
        reverse("moderation:escalation_acknowledge", args=[escalation.pk]), {"back": "incident"}
    )
    assert response["Location"] == reverse("moderation:incident", args=[escalation.incident_id])


# --- Suggestions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codes", "author_kind", "first"),
    [
        (["threat_hate"], "parent", "report_police"),
        (["extremist"], "unknown", "external_agency"),
        (["bullying"], "parent", "inform_parents"),
        (["negative_about_pupil"], "parent", "ask_to_remove"),
        (["staff_personal"], "staff", "staff_conduct"),
        (["other"], "staff", "staff_conduct"),
        (["unconnected_person"], "public", "private_message"),
        (["spam"], "public", "delete_and_ban"),
        (["pupil_named"], "parent", "delete"),
        (["staff_child_contact"], "unknown", "refer_lado"),
        (["indecent_image"], "unknown", "report_police"),
        (["data_breach"], "parent", "inform_dpo"),
        (["follower_under_age"], "unknown", "remove_follower"),
        # Carey B.5 is a staff rule: for a staff author, the conduct route first.
        (["defamatory"], "staff", "staff_conduct"),
        # The most serious category first.
        (["offensive", "threat_hate"], "parent", "report_police"),
    ],
)
def test_the_policy_suggests_a_decision(school, codes, author_kind, first):
    found = suggestions(school=school, codes=codes, author_kind=author_kind)
    assert found and found[0].decision == first


def test_suggestions_name_their_clause_and_list_each_decision_once(school):
    found = suggestions(
        school=school, codes=["unconnected_person", "threat_hate"], author_kind="public"
    )
    decisions = [s.decision for s in found]
    assert decisions == list(dict.fromkeys(decisions))
    assert "delete_and_ban" in decisions and "private_message" in decisions
    bullying = suggestions(school=school, codes=["bullying"], author_kind="parent")
    assert [s.decision for s in bullying][:2] == ["inform_parents", "log_cpoms"]
    assert bullying[0].clause == "Threemilestone 10.1"
    # Every category suggests something; parents are offered the Whitchurch route too.
    private = suggestions(school=school, codes=["private_concern"], author_kind="parent")
    assert [s.decision for s in private] == [
        "private_message",
        "ask_to_remove",
        "invite_to_meet",
        "complaints",
    ]


def test_other_staff_see_no_decide_button_on_the_incident_page(school, head, slt, login):
    escalation = escalate(school, severity=4)
    url = reverse("moderation:incident", args=[escalation.incident_id])
    assert "/decide/" in login(head).get(url).content.decode()
    assert "/decide/" not in login(slt).get(url).content.decode()
    StaffMemberFactory(school=school, is_admin=True)
