"""A class's paper consent forms in one sitting: one row per pupil, one save,
each form recorded through the same rules as a single form, per row."""

import datetime

import pytest
from django.urls import reverse

from consent.models import ConsentForm, ConsentRecord, Purpose
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory

pytestmark = pytest.mark.django_db

URL = reverse("consent:class_forms")


@pytest.fixture
def klass(school):
    return [
        PupilFactory(school=school, first_name=first, last_name=last, class_name="3 Oak")
        for first, last in [("Aled", "Ash"), ("Bethan", "Birch"), ("Cai", "Cedar"), ("Dewi", "Elm")]
    ]


def grid_page(client, class_name="3 Oak"):
    response = client.get(URL, {"class": class_name})
    assert response.status_code == 200
    return response


def key_of(response) -> str:
    return response.context["form"]["submission_key"].value()


def row(pupil, *, name="", relationship="parent", all_granted=False, date="", **purposes):
    prefix = f"pupil-{pupil.pk}"
    data = {
        f"{prefix}-given_by_name": name,
        f"{prefix}-relationship": relationship,
        f"{prefix}-received_on": date,
        **{f"{prefix}-purpose_{p}": purposes.get(p, "") for p in Purpose.values},
    }
    if all_granted:
        data[f"{prefix}-all_granted"] = "on"
    return data


def post(client, key, *rows, received_on="2025-10-20", method="paper", class_name="3 Oak"):
    data = {"submission_key": key, "received_on": received_on, "method": method}
    for r in rows:
        data.update(r)
    return client.post(f"{URL}?class={class_name}", data)


def test_the_office_chooses_a_class_and_gets_a_row_per_pupil(login, office, klass, school):
    PupilFactory(school=school, first_name="Other", last_name="Class", class_name="4 Ash")
    client = login(office)
    chooser = client.get(URL).content.decode()
    assert "3 Oak" in chooser and "4 Ash" in chooser
    page = grid_page(client).content.decode()
    for pupil in klass:
        assert pupil.full_name in page
    assert "Other Class" not in page
    assert "each form is recorded on its own" in page


def test_one_save_records_each_form_audited_per_pupil(login, office, klass):
    client = login(office)
    key = key_of(grid_page(client))
    response = post(
        client,
        key,
        row(klass[0], name="Ann Ash", all_granted=True),
        row(klass[1], name="Bryn Birch", relationship="carer", website="granted", press="refused"),
        row(klass[2]),  # no form for this pupil: left empty
        row(klass[3], name="Dai Elm", date="17/10/2025", social_public="refused"),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:pupils") + "?class_name=3+Oak"
    assert ConsentForm.objects.count() == 3
    assert ConsentRecord.objects.filter(pupil=klass[0], decision="granted").count() == 6
    assert dict(
        ConsentRecord.objects.filter(pupil=klass[1]).values_list("purpose", "decision")
    ) == {
        "website": "granted",
        "press": "refused",
    }
    assert not ConsentForm.objects.filter(pupil=klass[2]).exists()
    assert ConsentForm.objects.get(pupil=klass[3]).received_on == datetime.date(2025, 10, 17)
    assert ConsentForm.objects.get(pupil=klass[0]).received_on == datetime.date(2025, 10, 20)
    assert ConsentForm.objects.get(pupil=klass[1]).relationship == "carer"
    events = AuditEvent.objects.filter(action="consent.form_record")
    assert events.count() == 3
    assert {e.object_id for e in events} == {str(f.pk) for f in ConsentForm.objects.all()}
    page = client.get(response["Location"]).content.decode()
    assert "Recorded 3 consent forms for 3 Oak." in page


def test_a_row_with_a_problem_is_not_recorded_and_shows_its_message_the_others_are(
    login, office, klass
):
    client = login(office)
    key = key_of(grid_page(client))
    response = post(
        client,
        key,
        row(klass[0], name="Ann Ash", all_granted=True),
        row(klass[1], name="Nain Birch", relationship="grandparent", all_granted=True),
        row(klass[2], all_granted=True),  # no name
        row(klass[3], name="Dai Elm", all_granted=True, press="refused"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert ConsentForm.objects.filter(pupil=klass[0]).count() == 1
    assert not ConsentForm.objects.exclude(pupil=klass[0]).exists()
    assert "3 forms not recorded" in page and "The other 1 was recorded." in page
    rows = {p.pk: page[page.index(f'id="row-{p.pk}"') :].split("</tr>")[0] for p in klass}
    assert "Recorded" in rows[klass[0].pk]
    assert "parental responsibility" in rows[klass[1].pk]
    assert "Give the name of the person who signed the form." in rows[klass[2].pk]
    assert "“All granted” is ticked but press is marked refused" in rows[klass[3].pk]
    # What was typed is kept, and the page can be sent again once corrected.
    assert 'value="Nain Birch"' in rows[klass[1].pk]
    new_key = key_of(response)
    assert new_key != key
    response = post(
        client,
        new_key,
        row(klass[1], name="Mair Birch", relationship="parent", all_granted=True),
        row(klass[2]),
        row(klass[3], name="Dai Elm", press="refused"),
    )
    assert response.status_code == 302, response.context["form"].errors
    assert ConsentForm.objects.count() == 3
    assert ConsentForm.objects.filter(pupil=klass[0]).count() == 1  # not recorded twice


def test_a_date_in_the_future_is_refused_for_that_row(login, office, klass):
    client = login(office)
    response = post(
        client,
        key_of(grid_page(client)),
        row(klass[0], name="Ann Ash", all_granted=True, date="01/12/2025"),
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not ConsentForm.objects.exists()


def test_an_empty_grid_records_nothing_and_says_so(login, office, klass):
    client = login(office)
    response = post(client, key_of(grid_page(client)), *(row(p) for p in klass))
    assert response.status_code == 200
    assert "Nothing to record" in response.content.decode()
    assert not ConsentForm.objects.exists()


def test_a_double_submit_records_each_form_once(login, office, klass):
    client = login(office)
    key = key_of(grid_page(client))
    rows = [row(p, name=f"Parent of {p.first_name}", all_granted=True) for p in klass]
    first = post(client, key, *rows)
    second = post(client, key, *rows)
    assert first.status_code == second.status_code == 302
    assert ConsentForm.objects.count() == 4
    assert "already sent" in client.get(second["Location"]).content.decode()


def test_only_the_class_pupils_can_be_recorded(login, office, klass, school, other_school):
    elsewhere = PupilFactory(school=other_school, class_name="3 Oak")
    other_class = PupilFactory(school=school, class_name="4 Ash")
    client = login(office)
    response = post(
        client,
        key_of(grid_page(client)),
        row(elsewhere, name="Intruder", all_granted=True),
        row(other_class, name="Wrong class", all_granted=True),
        row(klass[0], name="Ann Ash", all_granted=True),
    )
    assert response.status_code == 302
    assert list(ConsentForm.objects.values_list("pupil_id", flat=True)) == [klass[0].pk]


def test_an_administrator_cannot_record_forms(login, authorised_admin, klass):
    response = login(authorised_admin).get(URL, {"class": "3 Oak"})
    assert response.status_code == 403


def test_a_date_that_is_not_a_date_is_explained_on_its_row(login, office, klass):
    client = login(office)
    response = post(
        client,
        key_of(grid_page(client)),
        row(klass[0], name="Ann Ash", all_granted=True, date="10/13/2025"),
        row(klass[1], name="Bryn Birch", all_granted=True),
    )
    page = response.content.decode()
    cell = page[page.index(f'id="row-{klass[0].pk}"') :].split("</tr>")[0]
    assert "Write the date as day/month/year" in cell
    assert list(ConsentForm.objects.values_list("pupil_id", flat=True)) == [klass[1].pk]
