"""The text of screenshots: read with the real Tesseract after the incident
is saved, screened for pupils' names like typed text, searchable, and a
redacted copy with the names blacked out."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from consent.screening import NameMatcher
from moderation.models import Escalation, Evidence, EvidenceText, Incident
from moderation.services.reading import evidence_read
from policy.catalogue import Severity
from schoolsocial.models import AuditEvent, Notification
from tests.consent.factories import PupilFactory
from tests.moderation.factories import upload
from tests.moderation.screenshots import PUPILS, corpus, screenshot_with_name

SCREENSHOT_ONLY = "See the screenshot."


@pytest.fixture
def tom(school):
    return PupilFactory(school=school, first_name="Tom", last_name="Smith")


def _record(post_incident, member, channel, data: bytes, content=SCREENSHOT_ONLY, **extra):
    fields = {"categories": ["other"], "author_kind": "public", **extra}
    response = post_incident(
        member, channel, content=content, screenshots=[upload(data, "WhatsApp.png")], **fields
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Incident.objects.latest("pk"), response["Location"]


def test_a_pupil_named_only_in_the_screenshot_makes_the_incident_urgent_and_reaches_the_head(
    ocr, tom, authorised_admin, head, channel, post_incident, login
):
    incident, url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    assert incident.screening["names"] == []  # nothing typed names him
    assert incident.severity == Severity.URGENT
    assert incident.category_rows.filter(category="pupil_named").exists()
    escalation = Escalation.objects.get(incident=incident)
    assert escalation.routed_to == head and escalation.automatic
    assert "screenshot 1" in escalation.reason
    assert Notification.objects.filter(recipient=head, kind="escalation").exists()
    read = EvidenceText.objects.get(evidence__incident=incident)
    [name] = read.named
    assert name["pupil_id"] == tom.pk and name["boxes"]
    page = login(head).get(url).content.decode()
    assert "Names found in the screenshots" in page
    assert "Screenshot 1: “Tom Smith” matches Tom Smith" in page
    assert "Reading…" not in page


def test_the_page_shows_where_the_name_is_on_a_highlighted_copy(
    ocr, tom, authorised_admin, channel, post_incident, login
):
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    evidence = incident.evidence.get()
    box = evidence.read_text.named[0]["boxes"][0]
    response = login(authorised_admin).get(
        reverse("moderation:evidence_highlighted", args=[evidence.pk])
    )
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB")
    # The outline is drawn just outside the word's box.
    left, top, _w, h = box
    reds = [image.getpixel((x, top - max(2, round(h * 0.25)) + 1)) for x in range(left, left + 20)]
    assert any(r > 180 and g < 60 and b < 60 for r, g, b in reds)
    assert AuditEvent.objects.filter(
        action="moderation.evidence_view", summary__contains="names highlighted"
    ).exists()


def test_tomato_in_a_screenshot_is_not_tom(ocr, tom, authorised_admin, channel, post_incident):
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("the dinner lady")
    )
    read = EvidenceText.objects.get(evidence__incident=incident)
    assert "Tomato" in read.text
    assert read.screening["names"] == []
    assert incident.severity != Severity.URGENT
    assert not Escalation.objects.filter(incident=incident).exists()


def test_until_the_text_is_read_the_page_says_reading(
    tom, authorised_admin, channel, post_incident, login, settings
):
    settings.OCR_ENABLED = False  # the task has not run yet
    incident, url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith"), content=""
    )
    assert incident.content == ""  # recorded at once, with the box left empty
    page = login(authorised_admin).get(url).content.decode()
    assert "Reading…" in page
    assert "The comment box was left empty" in page


def test_an_empty_comment_is_offered_the_text_read_from_the_screenshot(
    ocr, tom, authorised_admin, channel, post_incident, login
):
    incident, url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith"), content=""
    )
    client = login(authorised_admin)
    page = client.get(url).content.decode()
    assert "Transcribed from the screenshot" in page
    assert "Use this text as the comment" in page
    response = client.post(reverse("moderation:incident_transcribe", args=[incident.pk]))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert "Tom Smith in year 4" in incident.content
    assert incident.screening["names"][0]["kind"] == "named"
    page = client.get(url).content.decode()
    assert "Transcribed from the screenshot (read by OCR)" in page
    assert "Use this text as the comment" not in page
    # A second press changes nothing.
    client.post(reverse("moderation:incident_transcribe", args=[incident.pk]))
    assert incident.actions.filter(note__startswith="Comment transcribed").count() == 1


def test_an_incident_with_neither_comment_nor_screenshot_is_refused(
    authorised_admin, channel, post_incident
):
    response = post_incident(authorised_admin, channel, content="", screenshots=[])
    assert response.status_code == 200
    assert "Attach at least one screenshot" in response.content.decode()
    assert not Incident.objects.exists()


def test_reading_twice_writes_the_text_once_and_escalates_once(
    ocr, tom, authorised_admin, channel, post_incident
):
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    evidence = incident.evidence.get()
    assert evidence_read(evidence_id=evidence.pk) is False
    assert EvidenceText.objects.filter(evidence=evidence).count() == 1
    assert Escalation.objects.filter(incident=incident).count() == 1
    with pytest.raises(ValueError):
        EvidenceText.objects.get(evidence=evidence).save()


def test_a_leader_downloads_a_redacted_copy_with_the_name_covered(
    ocr, tom, authorised_admin, head, channel, post_incident, login, settings
):
    incident, _url = _record(
        post_incident,
        authorised_admin,
        channel,
        screenshot_with_name("Tom Smith", extra="Call Mrs Rowlands about it"),
    )
    evidence = incident.evidence.get()
    original = (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).read_bytes()
    url = reverse("moderation:evidence_redacted", args=[evidence.pk])
    response = login(head).get(url, {"words": "Rowlands"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    copy = b"".join(response.streaming_content)
    again = ocr.read_image(copy).text
    assert "Smith" not in again and "Tom" not in again.split()
    assert "Rowlands" not in again
    assert "Tomato soup" in again and "Friday" in again  # the rest is still readable
    evidence.refresh_from_db()
    assert (settings.PRIVATE_STORAGE_ROOT / evidence.original.name).read_bytes() == original
    assert Evidence.objects.get(pk=evidence.pk).sha256 == evidence.sha256
    event = AuditEvent.objects.get(action="moderation.evidence_redact")
    assert "marked word box" in event.summary and evidence.sha256 in event.summary


def test_only_leaders_may_download_a_redacted_copy(
    ocr, tom, authorised_admin, head, channel, post_incident, login
):
    incident, url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    evidence = incident.evidence.get()
    redacted = reverse("moderation:evidence_redacted", args=[evidence.pk])
    assert login(authorised_admin).get(redacted).status_code == 403
    assert "Download the redacted copy" not in login(authorised_admin).get(url).content.decode()
    assert "Download the redacted copy" in login(head).get(url).content.decode()


def test_a_marked_word_not_in_the_screenshot_is_refused_in_plain_english(
    ocr, tom, authorised_admin, head, channel, post_incident, login
):
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    evidence = incident.evidence.get()
    client = login(head)
    response = client.get(
        reverse("moderation:evidence_redacted", args=[evidence.pk]), {"words": "Zebedee"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "None of the words you marked was found" in page
    assert not AuditEvent.objects.filter(action="moderation.evidence_redact").exists()


def test_the_queue_search_finds_words_read_from_a_screenshot(
    ocr, tom, authorised_admin, channel, post_incident, login
):
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    _record(post_incident, authorised_admin, channel, screenshot_with_name("someone"))
    client = login(authorised_admin)
    found = client.get(reverse("moderation:queue"), {"text": "Smith menace"}).content.decode()
    assert reverse("moderation:incident", args=[incident.pk]) in found
    assert found.count("/moderation/incidents/") - found.count("/moderation/incidents/new") == 1
    none = client.get(reverse("moderation:queue"), {"text": "giraffe"}).content.decode()
    assert reverse("moderation:incident", args=[incident.pk]) not in none


def test_names_are_found_in_screenshots_of_several_fonts_and_sizes_with_welsh_accents(ocr):
    """The corpus ``make bench`` measures: at least 95 % of the pupils named
    are found, and "Tomato" is never Tom."""
    matcher = NameMatcher([(n, first, last, "") for n, (first, last) in enumerate(PUPILS)])
    found = total = 0
    for sample in corpus(sizes=(36,), dark_too=False):
        text = ocr.read_image(sample.image).text
        matches = matcher.screen(text)
        named = {m.pupil_name for m in matches if m.kind == "named"}
        total += len(sample.named)
        found += sum(1 for name in sample.named if name in named)
        assert not [m for m in matches if m.matched_text.lower().startswith("tomato")]
    assert found / total >= 0.95, f"{found} of {total}"


def test_an_escalation_already_waiting_becomes_urgent_when_the_screenshot_names_a_pupil(
    ocr, tom, authorised_admin, head, channel, post_incident
):
    incident, _url = _record(
        post_incident,
        authorised_admin,
        channel,
        screenshot_with_name("Tom Smith"),
        categories=["unconnected_person"],
    )
    escalation = Escalation.objects.get(incident=incident)  # one, raised when recorded
    assert escalation.urgency == Severity.URGENT == incident.severity
    assert AuditEvent.objects.filter(
        action="moderation.escalate", summary__contains="raised to urgent"
    ).exists()
    assert Notification.objects.filter(
        recipient=head,
        key=f"escalation:{escalation.pk}:screenshot:{incident.evidence.get().pk}:{head.pk}",
    ).exists()


def test_without_tesseract_the_incident_is_saved_and_the_page_says_to_read_it_by_eye(
    tom, authorised_admin, channel, post_incident, login, settings, monkeypatch
):
    import pytesseract

    from moderation import ocr as engine

    settings.OCR_ENABLED = True
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    engine._engine.cache_clear()
    try:
        incident, url = _record(
            post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
        )
    finally:
        engine._engine.cache_clear()
    read = EvidenceText.objects.get(evidence__incident=incident)
    assert "not installed" in read.error and read.text == ""
    page = login(authorised_admin).get(url).content.decode()
    assert "The text could not be read automatically" in page
    assert "Reading…" not in page


def test_a_rare_first_name_only_in_a_screenshot_must_be_confirmed_and_confirming_escalates(
    ocr, school, authorised_admin, head, channel, post_incident, login
):
    gwen = PupilFactory(school=school, first_name="Gwenllian", last_name="Prydderch")
    incident, url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Gwenllian")
    )
    incident.refresh_from_db()
    assert incident.steps_outstanding and "name_reviewed" in incident.required_steps
    assert not Escalation.objects.filter(incident=incident).exists()
    client = login(authorised_admin)
    page = client.get(url).content.decode()
    assert "“Gwenllian” (in a screenshot, read from the image) could be Gwenllian" in page
    client.post(
        reverse("moderation:incident_name_review", args=[incident.pk]),
        {"pupil_id": gwen.pk, "confirm": "yes", "note": ""},
    )
    incident.refresh_from_db()
    assert incident.severity == Severity.URGENT
    assert Escalation.objects.get(incident=incident).routed_to == head


def test_the_sweep_reads_a_screenshot_whose_task_was_lost(
    ocr, tom, authorised_admin, channel, post_incident, settings, time_machine
):
    import datetime

    from django.utils import timezone

    from moderation.tasks import read_waiting_evidence

    settings.OCR_ENABLED = False  # the task is lost: nothing is read at first
    incident, _url = _record(
        post_incident, authorised_admin, channel, screenshot_with_name("Tom Smith")
    )
    settings.OCR_ENABLED = True
    assert read_waiting_evidence() == 0  # not overdue yet
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=6))
    assert read_waiting_evidence() == 1
    incident.refresh_from_db()
    assert incident.severity == Severity.URGENT
    assert read_waiting_evidence() == 0
