"""The school's policy as data: five templates, the head's edits in School
settings (audited), and each school's own clauses shown to its staff."""

import pytest
from django.urls import reverse

from policy.profile import TEMPLATES, Profile
from policy.selectors import profile_for
from schoolsocial.models import AuditEvent, School


@pytest.mark.parametrize("slug", TEMPLATES)
def test_every_template_suggests_something_for_every_category(slug):
    from moderation.models import Escalation

    profile = Profile.from_template(slug)
    assert len(profile.categories) >= 20
    for rule in profile.categories.values():
        assert rule.suggestions, f"{slug}: {rule.code} suggests nothing"
        for item in rule.suggestions:
            assert item.decision in Escalation.Decision.values
    # No template quotes another school's clauses.
    names = {
        "threemilestone": "Threemilestone",
        "whitchurch": "Whitchurch",
        "westbrook": "Westbrook",
        "roman-road": "Roman Road",
        "carey": "Carey",
    }
    others = [n for s, n in names.items() if s != slug]
    for rule in profile.categories.values():
        assert not any(o in rule.clause for o in others), (slug, rule.code, rule.clause)


def test_the_templates_keep_the_policies_disagreements():
    th, wh, ca = (Profile.from_template(s) for s in ("threemilestone", "whitchurch", "carey"))
    assert th.decider == "head" and wh.decider == "slt"
    assert th.settings["private_concern_reply"] == "invite"
    assert ca.settings["private_concern_reply"] == "do_not_respond"
    assert th.settings["website_naming"] is True and wh.settings["website_naming"] is False
    assert ca.purposes_for("class_dojo") == ("social_group",)
    assert th.purposes_for("class_dojo") == ()
    assert th.purposes_for("youtube") == ("social_public", "video")
    assert Profile.from_template("westbrook").settings["follower_min_age"] == 16


def test_the_head_chooses_a_template_and_edits_a_category_with_an_audit_trail(school, head, login):
    client = login(head)
    client.post(reverse("policy:choose"), {"template": "carey"})
    assert profile_for(school).template == "carey"
    page = client.get(reverse("policy:page")).content.decode()
    table = page.split("data-policy-categories", 1)[1]
    assert "Carey B.5" in table and "Threemilestone" not in table
    # Lowering a category needs a reason.
    url = reverse("policy:category", args=["bullying"])
    refused = client.post(url, {"severity": 2, "escalate": "on", "required": ["cpoms"]})
    assert "Give a reason" in refused.content.decode()
    client.post(
        url,
        {
            "severity": 2,
            "escalate": "on",
            "required": ["cpoms"],
            "reason": "Governors agreed on 1 November",
        },
    )
    rule = profile_for(School.objects.get(pk=school.pk)).category("bullying")
    assert rule.severity == 2 and rule.required == ("cpoms",)
    events = AuditEvent.objects.filter(action__startswith="policy.")
    assert [e.action for e in events.order_by("pk")] == ["policy.choose", "policy.category"]
    assert "Governors agreed" in events.order_by("pk").last().summary


def test_the_head_sets_who_decides_and_the_help_text_quotes_the_schools_clause(
    school, head, slt, login
):
    client = login(head)
    form = client.get(reverse("policy:settings")).content.decode()
    assert "Threemilestone 6.1–6.3" in form
    data = {
        "decider": "slt",
        "private_concern_reply": "do_not_respond",
        "follower_min_age": 16,
        "consent_valid_months": 12,
        "rare_first_name_max": 2,
        "dsl": slt.pk,
    }
    client.post(reverse("policy:settings"), data)
    profile = profile_for(School.objects.get(pk=school.pk))
    assert profile.decider == "slt" and profile.settings["follower_min_age"] == 16
    assert profile.row.dsl == slt
    summary = AuditEvent.objects.get(action="policy.update").summary
    assert "Who decides escalations: head → slt" in summary


def test_senior_leaders_read_the_policy_but_cannot_change_it(school, head, slt, login):
    client = login(slt)
    page = client.get(reverse("policy:page")).content.decode()
    assert "Pupil named or described" in page and "Change these choices" not in page
    assert client.post(reverse("policy:choose"), {"template": "carey"}).status_code == 403
    assert profile_for(school).template == "threemilestone"


def test_how_long_a_consent_form_lasts_follows_the_schools_policy(school, head, office):
    import datetime

    from consent import services as consent_services
    from policy import services as policy_services
    from tests.consent.factories import PupilFactory

    received = datetime.date(2025, 10, 15)
    assert consent_services.default_valid_until(school, received) == datetime.date(2026, 8, 31)
    policy_services.profile_update_settings(
        school=school, by=head, changes={"consent_valid_months": 12}
    )
    school = School.objects.get(pk=school.pk)
    assert consent_services.default_valid_until(school, received) == datetime.date(2026, 10, 14)
    pupil = PupilFactory(school=school)
    form = consent_services.consent_form_record(
        pupil=pupil,
        decisions={"website": "granted"},
        given_by_name="A Parent",
        relationship="parent",
        received_on=received,
        recorded_by=office,
    )
    assert form.valid_until == datetime.date(2026, 10, 14)


def test_the_policys_approval_dates_are_recorded_and_audited(school, head, login):
    import datetime

    client = login(head)
    data = {
        "decider": "head",
        "private_concern_reply": "invite",
        "website_naming": "on",
        "follower_min_age": 18,
        "consent_valid_months": 0,
        "rare_first_name_max": 2,
        "head_approved_on": "2025-09-01",
        "governors_approved_on": "2025-09-20",
    }
    client.post(reverse("policy:settings"), data)
    row = profile_for(School.objects.get(pk=school.pk)).row
    assert row.governors_approved_on == datetime.date(2025, 9, 20)
    summary = AuditEvent.objects.get(action="policy.update").summary
    assert "Ratified by the governing body on: none → 2025-09-20" in summary
    future = {**data, "governors_approved_on": "2099-01-01"}
    page = client.post(reverse("policy:settings"), future).content.decode()
    assert "cannot be in the future" in page
