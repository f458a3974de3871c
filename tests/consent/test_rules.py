"""The consent rules: each has its own named test."""

import datetime

import pytest

from consent import services
from consent.models import Status
from tests.consent.factories import PupilFactory, give_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil(school):
    return PupilFactory(school=school, first_name="Tom", last_name="Smith")


def test_no_form_means_no(pupil):
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.NO_FORM
    assert not answer.allowed
    assert "no consent is the default" in answer.reason


def test_granted_current_form_means_yes(pupil):
    give_consent(pupil, "social_public", "granted")
    assert pupil.current_consent("social_public").allowed
    # ...and only for the purpose it answers
    assert pupil.current_consent("press").status == Status.NO_FORM


def test_refused_means_no(pupil):
    give_consent(pupil, "website", "refused", given_by_name="Rhian Smith")
    answer = pupil.current_consent("website")
    assert answer.status == Status.REFUSED
    assert not answer.allowed
    assert "Rhian Smith" in answer.reason


def test_expired_means_no(pupil):
    give_consent(
        pupil,
        received_on=datetime.date(2024, 9, 5),
        valid_until=datetime.date(2025, 8, 31),
    )
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.EXPIRED
    assert not answer.allowed


def test_consent_is_valid_on_its_last_day(pupil):
    give_consent(pupil, valid_until=datetime.date(2025, 11, 3))
    assert pupil.current_consent("social_public").allowed


def test_withdrawn_means_no(pupil, office):
    record = give_consent(pupil)
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 11, 1),
        recorded_by=office,
    )
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.WITHDRAWN
    assert not answer.allowed
    assert "01 Nov 2025" in answer.reason


def test_never_publish_means_no_whatever_the_forms_say(pupil, head):
    give_consent(pupil, "social_public", "granted")
    services.pupil_set_never_publish(
        pupil=pupil, never_publish=True, reason="Court order", set_by=head
    )
    pupil.refresh_from_db()
    for purpose in ("social_public", "website", "press"):
        answer = pupil.current_consent(purpose)
        assert answer.status == Status.NEVER
        assert not answer.allowed
    # The head's reason may be sensitive: it is not in the reason shown to staff.
    assert "Court order" not in pupil.current_consent("social_public").reason


def test_latest_form_wins_a_later_refusal_beats_an_earlier_grant(pupil):
    give_consent(pupil, "social_public", "granted", received_on=datetime.date(2025, 9, 5))
    give_consent(pupil, "social_public", "refused", received_on=datetime.date(2025, 10, 1))
    assert pupil.current_consent("social_public").status == Status.REFUSED


def test_latest_form_wins_a_later_grant_beats_an_earlier_refusal(pupil):
    give_consent(pupil, "social_public", "refused", received_on=datetime.date(2025, 9, 5))
    give_consent(pupil, "social_public", "granted", received_on=datetime.date(2025, 10, 1))
    assert pupil.current_consent("social_public").allowed


def test_latest_form_wins_by_date_received_not_by_when_it_was_typed_in(pupil):
    give_consent(pupil, "social_public", "refused", received_on=datetime.date(2025, 10, 1))
    # An older form found in a drawer and recorded later does not override it.
    give_consent(pupil, "social_public", "granted", received_on=datetime.date(2025, 9, 5))
    assert pupil.current_consent("social_public").status == Status.REFUSED


def test_a_new_form_after_a_withdrawal_grants_again(pupil, office):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 10, 1),
        recorded_by=office,
    )
    give_consent(pupil, received_on=datetime.date(2025, 10, 20))
    assert pupil.current_consent("social_public").allowed


def test_only_the_head_sets_never_publish_and_only_with_a_reason(pupil, office, slt, head):
    for member in (office, slt):
        with pytest.raises(services.ServiceError, match="headteacher"):
            services.pupil_set_never_publish(
                pupil=pupil, never_publish=True, reason="x", set_by=member
            )
    with pytest.raises(services.ServiceError, match="reason"):
        services.pupil_set_never_publish(pupil=pupil, never_publish=True, reason=" ", set_by=head)
    pupil.refresh_from_db()
    assert not pupil.never_publish


def test_a_withdrawal_is_recorded_while_never_publish_is_set_and_stands_when_cleared(
    pupil, head, office
):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    services.pupil_set_never_publish(
        pupil=pupil, never_publish=True, reason="Court order", set_by=head
    )
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 10, 1),
        recorded_by=office,
    )
    record.refresh_from_db()
    assert record.withdrawn_on == datetime.date(2025, 10, 1)
    pupil.refresh_from_db()
    assert pupil.current_consent("social_public").status == Status.NEVER
    services.pupil_set_never_publish(
        pupil=pupil, never_publish=False, reason="Order lifted", set_by=head
    )
    pupil.refresh_from_db()
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.WITHDRAWN
    assert not answer.allowed


def test_an_older_form_entered_late_does_not_undo_a_later_withdrawal(pupil, office):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 10, 20),
        recorded_by=office,
    )
    # A form received on 1 October, before the withdrawal, found in a tray
    # and typed in today.
    services.consent_form_record(
        pupil=pupil,
        recorded_by=office,
        decisions={"social_public": "granted"},
        given_by_name="Pat Parent",
        relationship="parent",
        received_on=datetime.date(2025, 10, 1),
    )
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.WITHDRAWN
    assert not answer.allowed
    assert "20 Oct 2025" in answer.reason


def test_a_withdrawal_on_the_day_a_form_was_received_withdraws_it(pupil, office):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 10, 1),
        recorded_by=office,
    )
    give_consent(pupil, received_on=datetime.date(2025, 10, 1))
    assert pupil.current_consent("social_public").status == Status.WITHDRAWN


def test_a_withdrawn_answer_cannot_be_withdrawn_again_through_an_older_form(pupil, office):
    record = give_consent(pupil, received_on=datetime.date(2025, 9, 5))
    services.consent_withdraw(
        record=record,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=datetime.date(2025, 10, 20),
        recorded_by=office,
    )
    late = give_consent(pupil, received_on=datetime.date(2025, 10, 1))
    with pytest.raises(services.ServiceError, match="already been withdrawn"):
        services.consent_withdraw(
            record=late,
            withdrawn_by_name="Pat Parent",
            withdrawn_on=datetime.date(2025, 11, 1),
            recorded_by=office,
        )


@pytest.mark.parametrize("typed_first", ["refused", "granted"])
def test_a_same_day_refusal_wins_over_a_grant_whichever_was_typed_in_first(pupil, typed_first):
    day = datetime.date(2025, 10, 1)
    typed_second = "granted" if typed_first == "refused" else "refused"
    give_consent(pupil, decision=typed_first, received_on=day, given_by_name="First Parent")
    give_consent(pupil, decision=typed_second, received_on=day, given_by_name="Second Parent")
    answer = pupil.current_consent("social_public")
    assert answer.status == Status.REFUSED
    assert not answer.allowed


def test_a_granted_record_beaten_by_a_same_day_refusal_cannot_be_withdrawn(pupil, office):
    day = datetime.date(2025, 10, 1)
    granted = give_consent(pupil, decision="granted", received_on=day)
    give_consent(pupil, decision="refused", received_on=day)
    with pytest.raises(services.ServiceError, match="replaced"):
        services.consent_withdraw(
            record=granted,
            withdrawn_by_name="Pat Parent",
            withdrawn_on=datetime.date(2025, 11, 1),
            recorded_by=office,
        )


def _record_form(pupil, office, received_on, valid_until=None):
    return services.consent_form_record(
        pupil=pupil,
        recorded_by=office,
        decisions={"social_public": "granted"},
        given_by_name="Pat Parent",
        relationship="parent",
        received_on=received_on,
        valid_until=valid_until,
    )


def test_valid_until_defaults_to_the_end_of_the_school_year_the_form_was_received_in(pupil, office):
    old = _record_form(pupil, office, datetime.date(2023, 6, 1))
    assert old.valid_until == datetime.date(2023, 8, 31)
    assert pupil.current_consent("social_public").status == Status.EXPIRED
    autumn = _record_form(pupil, office, datetime.date(2025, 10, 1))
    assert autumn.valid_until == datetime.date(2026, 8, 31)
    assert pupil.current_consent("social_public").allowed


def test_an_explicit_valid_until_is_kept_and_must_not_be_before_the_form(pupil, office):
    form = _record_form(
        pupil, office, datetime.date(2025, 10, 1), valid_until=datetime.date(2027, 8, 31)
    )
    assert form.valid_until == datetime.date(2027, 8, 31)
    with pytest.raises(services.ServiceError, match="on or after the date the form"):
        _record_form(
            pupil, office, datetime.date(2025, 10, 1), valid_until=datetime.date(2025, 9, 30)
        )
