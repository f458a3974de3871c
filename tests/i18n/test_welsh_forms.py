"""Pages reached only by sending a form — the publication check's result and
the MIS import's preview — read in Welsh for someone working in Welsh: the
finder sees no English but what the person typed or uploaded."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schoolsocial.models import User
from tests.consent.factories import PupilFactory, give_consent
from tests.i18n.english import english_pieces
from tests.i18n.test_welsh_pages import stored_text

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def pupils(school):
    ok = PupilFactory(school=school, first_name="Dafydd", last_name="Rees", class_name="5 Oak")
    give_consent(ok, "social_public", "granted")
    refused = PupilFactory(school=school, first_name="Gwenllïan", last_name="Ap Rhys")
    give_consent(refused, "social_public", "refused")
    return {"ok": ok, "refused": refused}


def test_a_blocked_check_reads_in_welsh(login, authorised_admin, channel, pupils):
    User.objects.filter(pk=authorised_admin.user.pk).update(language="cy")
    client = login(authorised_admin)
    caption = "Da iawn tîm Dafydd Rees!"
    response = client.post(
        reverse("consent:check"),
        {
            "channel": channel.pk,
            "pupils": [pupils["ok"].pk, pupils["refused"].pk],
            "caption": caption,
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert english_pieces(page, [caption, *stored_text()]) == []
    # The same page for someone working in English is all English to the finder.
    User.objects.filter(pk=authorised_admin.user.pk).update(language="en")
    page = client.get(response["Location"]).content.decode()
    assert english_pieces(page, [caption], language="en")


def test_a_checks_reasons_are_kept_in_the_schools_language(
    school, login, authorised_admin, channel, pupils
):
    from consent.models import CheckedPupil

    school.language = "cy"
    school.save()
    User.objects.filter(pk=authorised_admin.user.pk).update(language="en")
    login(authorised_admin).post(
        reverse("consent:check"),
        {"channel": channel.pk, "pupils": [pupils["refused"].pk], "caption": ""},
    )
    reason = CheckedPupil.objects.get().reason
    assert reason and "Refused" not in reason and "Gwrthod" in reason


def test_an_mis_import_preview_reads_in_welsh(login, office):
    User.objects.filter(pk=office.user.pk).update(language="cy")
    data = (EXAMPLES / "sims.csv").read_bytes()
    uploaded = sorted(
        {cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row if cell},
        key=len,
        reverse=True,
    )
    response = login(office).post(
        reverse("consent:pupil_import"),
        {"file": SimpleUploadedFile("sims.csv", data, "text/csv")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="cy">' in page
    assert english_pieces(page, [*uploaded, "sims.csv", *stored_text()]) == []
