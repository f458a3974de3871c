"""Small things a school notices: plain labels in the audit filter, Print on
the audit trail and on an incident, and a short guide for each role."""

from __future__ import annotations

from django.urls import reverse

from schoolsocial.audit import audit_record
from schoolsocial.guides import GUIDES, ROLE_ORDER
from schoolsocial.models import AuditEvent


def test_the_audit_filter_offers_plain_labels_not_codes(school, head, login):
    audit_record(school=school, actor=head.user, action="channel.create", summary="Added X.")
    page = login(head).get(reverse("audit")).content.decode()
    assert '<option value="channel.create">Added a channel</option>' in page
    assert ">channel.create<" not in page


def test_the_audit_trail_prints_what_the_filter_shows_and_the_printing_is_audited(
    school, head, slt, login
):
    audit_record(school=school, actor=head.user, action="channel.create", summary="Added Y.")
    audit_record(school=school, actor=head.user, action="channel.update", summary="Edited Z.")
    listing = login(slt).get(reverse("audit")).content.decode()
    assert f'href="{reverse("audit_print")}"' in listing
    page = login(slt).get(reverse("audit_print"), {"action": "channel.update"}).content.decode()
    assert "Edited Z." in page and "Added Y." not in page
    assert "Kind: <strong>Edited a channel</strong>" in page
    assert "data-print-page" in page
    printed = AuditEvent.objects.get(action="audit.print")
    assert printed.actor == slt.user and "Printed 1 of 1" in printed.summary


def test_an_incident_has_a_print_button_and_prints_its_screenshots_fingerprints(
    school, channel, authorised_admin, login
):
    from tests.moderation.factories import IncidentFactory, make_evidence

    incident = IncidentFactory(school=school, channel=channel)
    evidence = make_evidence(incident)
    page = login(authorised_admin).get(reverse("moderation:incident", args=[incident.pk]))
    html = page.content.decode()
    assert "data-print-page" in html
    assert evidence.sha256 in html


def test_every_role_has_a_guide_and_each_member_sees_their_own(school, head, office, login):
    assert {path.stem for path in GUIDES.glob("*.md")} >= set(ROLE_ORDER)
    page = login(office).get(reverse("help")).content.decode()
    mine = page.split("guide-others", 1)[0]
    assert "The office&#x27;s guide" in mine or "The office's guide" in mine
    assert "<strong>Import from the MIS</strong>" in mine
    assert "headteacher&#x27;s guide" not in mine and "headteacher's guide" not in mine
    head_page = login(head).get(reverse("help")).content.decode()
    assert 'data-guide="head"' in head_page.split("guide-others", 1)[0]
    # Every page links to the guide.
    assert f'href="{reverse("help")}"' in login(head).get(reverse("dashboard")).content.decode()


def test_every_kind_of_event_the_code_records_has_a_plain_label():
    import re
    from pathlib import Path

    from schoolsocial.audit import ACTION_LABELS

    root = Path(__file__).resolve().parents[2]
    recorded = set()
    for app in ("schoolsocial", "consent", "moderation", "policy"):
        for path in (root / app).rglob("*.py"):
            recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert recorded and recorded - set(ACTION_LABELS) == set()
