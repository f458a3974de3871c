"""Pupil-name screening (DESIGN.md "Comment screening")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent import services
from consent.screening import Token, fold, screen_names, tokenize
from tests.consent.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tom(school):
    return PupilFactory(school=school, first_name="Thomas", preferred_name="Tom", last_name="Smith")


@pytest.fixture
def sian(school):
    return PupilFactory(school=school, first_name="Siân", last_name="Llewellyn")


def kinds(school, text):
    return [(m.pupil_name, m.kind, m.matched_text) for m in screen_names(school=school, text=text)]


def test_fold_drops_accents_case_and_invisible_characters():
    assert fold("Siân GWENLLÏAN") == "sian gwenllian"
    assert fold("T\u200bom") == "tom"
    assert fold("Tom’s O'Brien-Jones\nnext") == "tom s o brien jones next"


def test_tokenize_gives_offsets_into_the_original_text():
    text = "Hi Siâ\u0301n! T\u200bom’s"
    tokens = tokenize(text)
    assert [t.word for t in tokens] == ["hi", "sian", "tom", "s"]
    assert text[tokens[1].start : tokens[1].end] == "Siâ\u0301n"
    assert text[tokens[2].start : tokens[2].end] == "T\u200bom"
    assert tokens[0] == Token("hi", 0, 2)


def test_first_and_last_name_together_is_a_named_match(school, tom):
    assert kinds(school, "Well done Thomas Smith!") == [("Thomas Smith", "named", "Thomas Smith")]


def test_preferred_and_last_name_is_a_named_match(school, tom):
    assert kinds(school, "well done tom smith") == [("Thomas Smith", "named", "tom smith")]


def test_first_name_alone_is_a_possible_match(school, tom):
    assert kinds(school, "Great goal from Tom today") == [("Thomas Smith", "possible", "Tom")]


def test_possessive_matches_the_name(school, tom):
    assert kinds(school, "Tom's painting") == [("Thomas Smith", "possible", "Tom")]
    assert kinds(school, "Tom Smith’s painting") == [("Thomas Smith", "named", "Tom Smith")]


def test_accents_are_folded_both_ways(school, sian):
    assert kinds(school, "Sian Llewellyn sang") == [("Siân Llewellyn", "named", "Sian Llewellyn")]
    assert kinds(school, "SIÂN sang") == [("Siân Llewellyn", "possible", "SIÂN")]


def test_whole_words_only_tomato_is_not_tom(school, tom):
    assert kinds(school, "We grew a tomato and some Tomatoes; Atom") == []


def test_zero_width_characters_do_not_hide_a_name(school, tom):
    assert kinds(school, "T\u200bom S\u200cmith") == [
        ("Thomas Smith", "named", "T\u200bom S\u200cmith")
    ]


def test_hyphens_and_line_breaks_are_word_breaks(school):
    PupilFactory(school=school, first_name="Mary-Jane", last_name="O'Brien")
    assert kinds(school, "well done mary jane\nobrien") == [
        ("Mary-Jane O'Brien", "possible", "mary jane")
    ]
    assert kinds(school, "Mary-Jane O’Brien") == [
        ("Mary-Jane O'Brien", "named", "Mary-Jane O’Brien")
    ]


def test_everyday_word_names_in_lower_case_are_not_matched(school):
    PupilFactory(school=school, first_name="Will", last_name="Evans")
    PupilFactory(school=school, first_name="Grace", last_name="Hughes")
    assert kinds(school, "we will say grace before lunch") == []
    assert kinds(school, "Will and Grace") == [
        ("Will Evans", "possible", "Will"),
        ("Grace Hughes", "possible", "Grace"),
    ]
    # first + last is a named match whatever the case
    assert kinds(school, "will evans") == [("Will Evans", "named", "will evans")]


def test_leavers_are_included(school):
    PupilFactory(school=school, first_name="Rhodri", last_name="Price", left_on="2025-07-20")
    assert kinds(school, "Rhodri Price") == [("Rhodri Price", "named", "Rhodri Price")]


def test_other_schools_pupils_are_never_matched(school, other_school):
    PupilFactory(school=other_school, first_name="Dafydd", last_name="Rees")
    assert kinds(school, "Dafydd Rees") == []


def test_two_pupils_with_the_same_first_name_are_both_possible(school, tom):
    PupilFactory(school=school, first_name="Tom", last_name="Jones")
    assert sorted(m.pupil_name for m in screen_names(school=school, text="Tom")) == [
        "Thomas Smith",
        "Tom Jones",
    ]
    assert kinds(school, "Tom Jones") == [("Tom Jones", "named", "Tom Jones")]


def test_offsets_point_into_the_original_text(school, sian):
    text = "Llongyfarchiadau Siân Llewellyn!"
    (match,) = screen_names(school=school, text=text)
    assert text[match.start : match.end] == "Siân Llewellyn" == match.matched_text


def test_the_matcher_is_reused_until_the_register_changes(school, tom, office):
    screen_names(school=school, text="Tom")
    with CaptureQueriesContext(connection) as queries:
        screen_names(school=school, text="Tom again")
    assert len(queries) == 1  # the register version only, no pupil query
    services.pupil_create(
        school=school,
        created_by=office,
        first_name="Elis",
        last_name="Roberts",
        year_group="2",
        class_name="2 Ash",
    )
    assert kinds(school, "Elis") == [("Elis Roberts", "possible", "Elis")]
