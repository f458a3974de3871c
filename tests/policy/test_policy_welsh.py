"""The policy in Welsh: the app's own wording in a profile (steps, what must
happen, suggestions, choices) is translated when shown; the school's own
English policy (its name, clause references and quotes) stays English and
is marked ``lang="en"``."""

import importlib.util
from pathlib import Path

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape

from policy.catalogue import STEPS
from policy.profile import Profile
from schoolsocial.models import AuditEvent, User

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "profile_strings_script", ROOT / "scripts" / "profile_strings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_profile_strings_are_current():
    script = _script()
    assert (ROOT / "policy" / "profile_strings.py").read_text() == script.source(), (
        "run scripts/profile_strings.py"
    )
    from policy.profile_strings import LABELS, WORDING

    assert "Screenshot, then delete the comment straight away." in WORDING
    assert "Ask the parent or carer to remove the post." in WORDING
    # The schools' own policy text is not app wording.
    assert not any("Threemilestone" in text or "Head Teacher" in text for text in WORDING)
    assert not set(LABELS) & set(WORDING)


def test_app_wording_is_translated_and_the_policy_itself_stays_english():
    profile = Profile.from_template("threemilestone")
    rule = profile.category("pupil_named")
    with translation.override("cy"):
        assert rule.must_happen == "Cymerwch sgrinlun, yna dilëwch y sylw ar unwaith."
        assert rule.source_must_happen == "Screenshot, then delete the comment straight away."
        assert rule.required_labels == ["Sylw wedi'i ddileu neu ei guddio"]
        assert STEPS["cpoms"].hint.startswith("Cofnodwch")
        assert profile.suggestions(["offensive"], "parent")[0].why.startswith("Mae'r pennaeth")
        assert profile.category("bullying").escalation.startswith("awtomatig")
        # The clause is the school's English: the same text, marked in HTML.
        assert rule.clause == "Threemilestone 3.4, 4.4, 6.2"
        assert conditional_escape(rule.clause) == (
            '<span lang="en">Threemilestone 3.4, 4.4, 6.2</span>'
        )
        assert conditional_escape(profile.name) == '<span lang="en">Threemilestone School</span>'
        assert 'lang="en"' in profile.clause("decider").quoted
    with translation.override("en-gb"):
        assert rule.must_happen == "Screenshot, then delete the comment straight away."


def test_the_clause_tag_marks_the_reference_as_english(school):
    request = RequestFactory().get("/")
    request.school = school
    html = Template('{% load policy_tags %}{% clause "daily_check" "(" ")" %}').render(
        Context({"request": request})
    )
    assert html == '(<span lang="en">Threemilestone 5.1</span>)'
    none = Template('{% load policy_tags %}{% clause "no_such_clause" "(" ")" %}').render(
        Context({"request": request})
    )
    assert none == ""


def test_the_policy_pages_in_welsh(school, head, login):
    User.objects.filter(pk=head.user.pk).update(language="cy")
    client = login(head)
    page = client.get(reverse("policy:page")).content.decode()
    assert '<span lang="en">Threemilestone School</span>' in page
    assert "Y pennaeth sy&#x27;n penderfynu" in page
    assert '<option value="threemilestone" selected lang="en">' in page
    form = client.get(reverse("policy:category", args=["bullying"])).content.decode()
    assert 'O bolisi\'r ysgol: <span lang="en">Threemilestone 10.1</span>.' in form
    assert "Wedi&#x27;i gofnodi ar CPOMS" in form


def test_an_audit_summary_is_in_the_schools_language_whoever_acts(school, head, login):
    school.language = "cy"
    school.save()
    client = login(head)  # the head works in English
    client.post(
        reverse("policy:category", args=["bullying"]),
        {"severity": 2, "escalate": "on", "required": ["cpoms"], "reason": "Cytunodd y corff"},
    )
    summary = AuditEvent.objects.get(action="policy.category").summary
    assert summary.startswith("Bwlio disgybl: difrifoldeb Uchel → Canolig; uwchgyfeirio ie → ie")
    assert summary.endswith("Rheswm: Cytunodd y corff")
