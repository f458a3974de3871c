"""Screening an incident's text: pupils' names (the consent app's matcher)
and the profanity list. It suggests and marks; it never blocks saving."""

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Incident
from moderation.profanity import screen_profanity
from policy.catalogue import Severity
from tests.consent.factories import PupilFactory
from tests.moderation.conftest import incident_data
from tests.moderation.factories import upload
from tests.moderation.images import png_bytes


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, first_name="Tom", last_name="Smith")


def _record(member, channel, content, categories=("other",)):
    data = incident_data(channel, content=content)
    return services.incident_record(
        channel=channel,
        reported_by=member,
        author_name=data["author_name"],
        content=content,
        occurred_at=timezone.now(),
        categories=list(categories),
        screenshots=[upload(png_bytes())],
    )


def test_a_named_pupil_makes_the_incident_urgent_and_selects_the_category(
    pupil, authorised_admin, channel
):
    incident = _record(authorised_admin, channel, "Tom Smith in Year 3 is a nightmare")
    assert incident.severity == Severity.URGENT
    assert set(incident.category_rows.values_list("category", flat=True)) == {
        "other",
        "pupil_named",
    }
    [match] = incident.screening["names"]
    assert match["kind"] == "named"
    assert match["pupil_id"] == pupil.pk
    assert match["matched_text"] == "Tom Smith"


def test_a_first_name_alone_is_shown_as_possible_but_not_urgent(pupil, authorised_admin, channel):
    incident = _record(authorised_admin, channel, "Tom was crying at pickup")
    assert incident.screening["names"][0]["kind"] == "possible"
    assert incident.severity == Severity.MEDIUM
    assert not incident.category_rows.filter(category="pupil_named").exists()


def test_tomato_is_not_tom_and_other_schools_pupils_never_match(
    pupil, other_school, authorised_admin, channel
):
    PupilFactory(school=other_school, first_name="Amara", last_name="Jones")
    incident = _record(authorised_admin, channel, "Tomato soup again? Amara Jones agrees")
    assert incident.screening["names"] == []


def test_profanity_selects_offensive_and_raises_the_severity(authorised_admin, channel):
    incident = _record(authorised_admin, channel, "What a load of BOLLOCKS from the head")
    assert incident.screening["profanity"][0]["matched_text"] == "BOLLOCKS"
    assert incident.category_rows.filter(category="offensive").exists()
    # Threemilestone 6.1: offensive comments go to the "urgent attention" of the head and SLT.
    assert incident.severity == Severity.URGENT


def test_profanity_matches_whole_words_only():
    assert screen_profanity("Scunthorpe crapshoot dickens") == []
    assert [m.word for m in screen_profanity("Shite. Absolute s\u200bhite")] == ["shite", "shite"]


def test_screening_never_blocks_saving(monkeypatch, authorised_admin, channel):
    def broken(**kwargs):
        raise RuntimeError("register unavailable")

    monkeypatch.setattr("consent.screening.screen_names", broken)
    incident = _record(authorised_admin, channel, "Tom Smith")
    assert incident.pk
    assert incident.screening["error"] is True


def test_check_the_text_preselects_categories_and_saves_nothing(
    pupil, authorised_admin, channel, login
):
    data = incident_data(channel, content="Tom Smith said shit", categories=[], check_text="1")
    response = login(authorised_admin).post(reverse("moderation:incident_new"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert Incident.objects.count() == 0
    assert "Pupil named" in page
    assert 'value="pupil_named" ' in page and "checked" in page
    form = response.context["form"]
    assert set(form["categories"].value()) == {"pupil_named", "offensive"}


def test_the_incident_page_shows_the_screening_result(pupil, authorised_admin, channel, login):
    incident = _record(authorised_admin, channel, "Tom Smith again")
    page = login(authorised_admin).get(reverse("moderation:incident", args=[incident.pk]))
    assert "matches Tom Smith" in page.content.decode()
