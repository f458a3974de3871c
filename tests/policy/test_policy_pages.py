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
