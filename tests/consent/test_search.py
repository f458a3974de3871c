"""Searching for pupils forgives accents, apostrophes, hyphens and spaces, and
finds preferred names, in the register and in the publication check's pupil
finder. The folding is name screening's (schoolsocial.folding)."""

import pytest
from django.urls import reverse

from consent import services
from consent.models import Pupil
from schoolsocial.folding import fold, name_search_key, search_words
from tests.consent.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(school):
    return {
        "sian": PupilFactory(
            school=school, first_name="Siân", last_name="Ellis", class_name="4 Derw"
        ),
        "oconnor": PupilFactory(
            school=school, first_name="Liam", last_name="O’Connor", class_name="4 Derw"
        ),
        "smith_jones": PupilFactory(
            school=school, first_name="Ruby", last_name="Smith-Jones", class_name="5 Onnen"
        ),
        "preferred": PupilFactory(
            school=school,
            first_name="Alexander",
            preferred_name="Sasha",
            last_name="Nowak",
            class_name="5 Onnen",
        ),
        "zoe": PupilFactory(
            school=school, first_name="Zoë", last_name="Brontë", class_name="6 Ash"
        ),
        "michal": PupilFactory(
            school=school, first_name="Michał", last_name="Łukasz", class_name="6 Ash"
        ),
    }


def register_names(client, q):
    page = client.get(reverse("consent:pupils"), {"q": q}).content.decode()
    return page


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("Sian", "Siân Ellis"),
        ("sian ellis", "Siân Ellis"),
        ("SIÂN", "Siân Ellis"),
        ("oconnor", "Liam O’Connor"),
        ("O'Connor", "Liam O’Connor"),
        ("o connor", "Liam O’Connor"),
        ("smith jones", "Ruby Smith-Jones"),
        ("smithjones", "Ruby Smith-Jones"),
        ("Smith-Jones", "Ruby Smith-Jones"),
        ("jones", "Ruby Smith-Jones"),
        ("sasha", "Sasha Nowak (Alexander)"),
        ("zoe bronte", "Zoë Brontë"),
        ("michal lukasz", "Michał Łukasz"),
    ],
)
def test_the_register_finds_a_pupil_however_the_name_is_typed(login, office, pupils, q, who):
    page = register_names(login(office), q)
    assert who in page
    assert "1 pupil" in page


def test_a_search_that_matches_nobody_says_so(login, office, pupils):
    page = register_names(login(office), "Siobhan")
    assert "No pupils match." in page
    assert "Siân" not in page


def test_the_upn_still_finds_a_pupil(login, office, pupils):
    pupil = pupils["zoe"]
    page = register_names(login(office), pupil.mis_id.lower())
    assert "Zoë Brontë" in page
    assert "Siân" not in page


def test_the_publication_check_finder_forgives_accents_and_apostrophes(
    login, authorised_admin, pupils
):
    client = login(authorised_admin)
    page = client.get(reverse("consent:check"), {"q": "sian"}).content.decode()
    assert "Siân Ellis" in page and "O’Connor" not in page
    page = client.get(reverse("consent:check"), {"q": "oconnor"}).content.decode()
    assert "Liam O’Connor" in page and "Siân" not in page


def test_search_is_the_same_folding_as_name_screening():
    # One function: the search key is made of the words screening sees.
    assert search_words("Siân O’Connor-Smith") == fold("Siân O’Connor-Smith").split()
    assert name_search_key("Siân", "", "O'Connor") == " sian o connor oconnor "


def test_the_search_key_follows_every_change_to_a_name(school, office):
    pupil = services.pupil_create(
        school=school,
        created_by=office,
        first_name="Siân",
        last_name="Evans",
        year_group="3",
        class_name="3 Oak",
    )
    assert Pupil.objects.search("sian").get() == pupil
    services.pupil_update(
        pupil=pupil,
        changed_by=office,
        first_name="Siân",
        last_name="Evans-Ó Briain",
        preferred_name="",
        year_group="3",
        class_name="3 Oak",
    )
    assert Pupil.objects.search("obriain").get() == pupil
    pupil.first_name = "Seren"
    pupil.save(update_fields=["first_name"])
    assert not Pupil.objects.search("sian").exists()
    assert Pupil.objects.search("seren").get() == pupil


def test_writing_pupils_in_bulk_fills_the_search_key(school):
    Pupil.objects.bulk_create(
        [Pupil(school=school, first_name="Siân", last_name="Ellis", year_group="3", class_name="3")]
    )
    pupil = Pupil.objects.search("sian").get()
    pupil.last_name = "O'Connor"
    Pupil.objects.bulk_update([pupil], ["last_name"])
    assert Pupil.objects.search("sian oconnor").get() == pupil


def test_the_mis_import_fills_the_search_key(school, office):
    data = (
        "UPN,Legal Surname,Legal Forename,Preferred Forename,NC Year,Reg Group\n"
        "A123456789012,O'Connor,Siân,Sia,Year 3,3 Derw\n"
    ).encode()
    services.pupil_import(school=school, data=data, imported_by=office)
    assert Pupil.objects.search("sian oconnor").get().last_name == "O'Connor"
    assert Pupil.objects.search("sia").exists()


def test_the_migration_fills_the_key_for_pupils_already_on_the_register(school):
    from importlib import import_module

    from django.apps import apps

    pupil = PupilFactory(school=school, first_name="Siân", last_name="Ellis")
    Pupil.objects.filter(pk=pupil.pk).update(search_key="")
    migration = import_module("consent.migrations.0004_pupil_search_key")
    migration.fill_search_keys(apps, None)
    assert Pupil.objects.search("sian").get() == pupil
