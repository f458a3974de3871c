"""Retention: what is past each school's periods goes, files included, with an
audit summary; nothing within retention is touched — at the boundary, in the
school's own days, across a clock change."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from consent.models import ConsentForm, ConsentRecord, GroupApplication, Pupil
from moderation.models import (
    BannedAccount,
    Escalation,
    Evidence,
    Incident,
    IncidentAction,
    ModerationCheck,
)
from schoolsocial.audit import audit_record
from schoolsocial.models import AuditEvent
from schoolsocial.records import verify_chain
from schoolsocial.retention import apply_all
from schoolsocial.tasks import apply_retention
from tests.consent.factories import GroupApplicationFactory, PupilFactory, give_consent
from tests.moderation.factories import (
    BannedAccountFactory,
    IncidentFactory,
    ModerationCheckFactory,
    make_evidence,
)

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def _closed_incident(school, head, closed_at, categories=("offensive",)):
    with time_machine.travel(closed_at - datetime.timedelta(days=3), tick=False):
        incident = IncidentFactory(school=school, reported_by=head, categories=list(categories))
        evidence = make_evidence(incident)
    IncidentAction.objects.create(incident=incident, kind="closed", by=head, at=closed_at)
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    return incident, evidence


def _files_of(evidence, settings):
    root = settings.PRIVATE_STORAGE_ROOT
    return [root / name for name in (evidence.original.name, evidence.display.name) if name]


def _run(now, capture):
    with time_machine.travel(now, tick=False), capture(execute=True):
        return apply_all()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return lambda now: _run(now, django_capture_on_commit_callbacks)


def test_a_routine_incident_stays_through_its_last_day_and_goes_the_next(
    school, head, settings, run
):
    incident, evidence = _closed_incident(school, head, at(2019, 5, 10, 14, 0))
    Escalation.objects.create(incident=incident, urgency=3, raised_at=at(2019, 5, 7, 9, 0))
    ban = BannedAccountFactory(school=school, banned_by=head)
    ban.incidents.add(incident)
    files = _files_of(evidence, settings)
    assert files and all(path.exists() for path in files)

    # 23:59 on the sixth anniversary, London time (22:59 UTC): kept.
    run(at(2025, 5, 10, 23, 59))
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert all(path.exists() for path in files)
    assert not AuditEvent.objects.filter(action__startswith="retention.").exists()

    # One minute past midnight London time — still 10 May in UTC: gone.
    run(at(2025, 5, 11, 0, 1))
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not Evidence.objects.filter(pk=evidence.pk).exists()
    assert not IncidentAction.objects.filter(incident_id=incident.pk).exists()
    assert not Escalation.objects.filter(incident_id=incident.pk).exists()
    assert not any(path.exists() for path in files)
    assert BannedAccount.objects.filter(pk=ban.pk).exists()  # the ban register stays
    summary = AuditEvent.objects.get(school=school, action="retention.summary")
    assert "1 routine incidents (with 1 screenshot)" in summary.summary
    assert "Nothing within its retention period was touched" in summary.summary
    assert verify_chain(school.pk)[1] is None


def test_safeguarding_incidents_are_kept_for_the_longer_period(school, head, run):
    bullying, _ = _closed_incident(school, head, at(2000, 3, 1, 9, 0), categories=["bullying"])
    named, _ = _closed_incident(school, head, at(2000, 3, 1, 9, 0), categories=["other"])
    Incident.objects.filter(pk=named.pk).update(
        screening={"names": [{"kind": "named", "name": "Tom Smith"}]}
    )
    run(at(2025, 3, 1, 12, 0))  # 25 years to the day: both kept
    assert Incident.objects.filter(pk__in=[bullying.pk, named.pk]).count() == 2
    run(at(2025, 3, 2, 12, 0))
    assert not Incident.objects.filter(pk__in=[bullying.pk, named.pk]).exists()
    summary = AuditEvent.objects.get(school=school, action="retention.summary").summary
    assert "2 safeguarding-related incidents" in summary


def test_an_open_incident_is_never_removed_however_old(school, head, run):
    with time_machine.travel(at(2001, 1, 1, 9, 0), tick=False):
        incident = IncidentFactory(school=school, reported_by=head)
    run(at(2040, 1, 1, 9, 0))
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_the_school_sets_its_own_periods(school, head, run):
    school.evidence_retention_years = 10
    school.save()
    incident, _ = _closed_incident(school, head, at(2019, 5, 10, 14, 0))
    run(at(2026, 1, 1, 9, 0))
    assert Incident.objects.filter(pk=incident.pk).exists()
    run(at(2029, 5, 11, 9, 0))
    assert not Incident.objects.filter(pk=incident.pk).exists()


def test_the_daily_log_goes_after_the_routine_period(school, channel, authorised_admin, run):
    old = ModerationCheckFactory(
        channel=channel, checked_by=authorised_admin, checked_on=datetime.date(2019, 5, 10)
    )
    recent = ModerationCheckFactory(
        channel=channel, checked_by=authorised_admin, checked_on=datetime.date(2019, 5, 11)
    )
    run(at(2025, 5, 11, 3, 0))
    assert list(ModerationCheck.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


def test_a_leavers_consent_goes_after_the_period_and_pupils_on_roll_stay(
    school, office, settings, run
):
    leaver = PupilFactory(school=school, left_on=datetime.date(2023, 7, 21))
    from django.core.files.base import ContentFile

    record = give_consent(
        leaver,
        recorded_by=office,
        scan=ContentFile(b"%PDF-1.4\n%%EOF\n", name="scan.pdf"),
        scan_content_type="application/pdf",
    )
    scan = settings.PRIVATE_STORAGE_ROOT / record.form.scan.name
    on_roll = PupilFactory(school=school)
    old_form = give_consent(
        on_roll,
        recorded_by=office,
        received_on=datetime.date(2010, 9, 5),
        valid_until=datetime.date(2011, 8, 31),
    )
    only_leaver = GroupApplicationFactory(school=school, pupils=[leaver])
    siblings = GroupApplicationFactory(school=school, pupils=[leaver, on_roll])
    assert scan.exists()

    run(at(2025, 7, 21, 22, 0))  # two years after leaving, to the day: kept
    assert Pupil.objects.filter(pk=leaver.pk).exists() and scan.exists()

    run(at(2025, 7, 22, 6, 0))
    assert not Pupil.objects.filter(pk=leaver.pk).exists()
    assert not ConsentRecord.objects.filter(pk=record.pk).exists()
    assert not ConsentForm.objects.filter(pupil_id=leaver.pk).exists()
    assert not scan.exists()
    assert ConsentRecord.objects.filter(pk=old_form.pk).exists()
    assert Pupil.objects.filter(pk=on_roll.pk).exists()
    assert not GroupApplication.objects.filter(pk=only_leaver.pk).exists()
    assert list(GroupApplication.objects.get(pk=siblings.pk).pupils.all()) == [on_roll]
    summary = AuditEvent.objects.get(school=school, action="retention.summary").summary
    assert "1 leavers' records (with 1 consent form and 1 group application)" in summary


def test_audit_events_go_by_the_schools_day_across_a_clock_change(school, head, run):
    # 00:30 BST on Sunday 27 October 2019, the night the clocks went back:
    # 26 October in UTC, 27 October at the school.
    with time_machine.travel(datetime.datetime(2019, 10, 26, 23, 30, tzinfo=datetime.UTC)):
        old = audit_record(school=school, actor=head.user, action="test.old", summary="Old")
    with time_machine.travel(at(2020, 1, 1, 9, 0)):
        kept = audit_record(school=school, actor=head.user, action="test.kept", summary="Kept")

    # 23:30 GMT on 27 October 2025 — still the sixth anniversary at the school.
    run(datetime.datetime(2025, 10, 27, 23, 30, tzinfo=datetime.UTC))
    assert AuditEvent.objects.filter(pk=old.pk).exists()

    run(datetime.datetime(2025, 10, 28, 0, 30, tzinfo=datetime.UTC))
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    # The shortened trail still verifies: it starts from the recorded anchor.
    assert verify_chain(school.pk)[1] is None
    pruned = AuditEvent.objects.get(action="retention.audit_pruned")
    assert pruned.object_id == old.hash


def test_a_second_run_the_same_night_finds_nothing_and_writes_nothing(school, head, run):
    _closed_incident(school, head, at(2010, 1, 1, 9, 0))
    run(at(2025, 6, 1, 1, 30))
    events = AuditEvent.objects.count()
    run(at(2025, 6, 1, 1, 45))
    assert AuditEvent.objects.count() == events


def test_the_nightly_task_and_the_dry_run(school, head, capsys, django_capture_on_commit_callbacks):
    incident, _ = _closed_incident(school, head, at(2010, 1, 1, 9, 0))
    with time_machine.travel(at(2025, 6, 1, 1, 30), tick=False):
        call_command("apply_retention", "--dry-run")
        assert "would remove 1 routine incidents" in capsys.readouterr().out
        assert Incident.objects.filter(pk=incident.pk).exists()
        with django_capture_on_commit_callbacks(execute=True):
            assert apply_retention.delay().get() >= 1
    assert not Incident.objects.filter(pk=incident.pk).exists()


def test_the_head_sets_the_periods_in_school_settings_and_it_is_audited(login, head):
    client = login(head)
    page = client.get(reverse("school_settings")).content.decode()
    assert "safeguarding incidents: years kept after closing" in page.lower()
    form = {
        "name": head.school.name,
        "time_zone": "Europe/London",
        "reminder_time": "15:30",
        "language": "en",
        "evidence_retention_years": "7",
        "safeguarding_retention_years": "25",
        "consent_retention_years": "0",
        "audit_retention_years": "7",
    }
    response = client.post(reverse("school_settings"), form)
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    form["consent_retention_years"] = "3"
    form["safeguarding_retention_years"] = "5"
    response = client.post(reverse("school_settings"), form)
    assert "cannot be kept for less time than routine ones" in response.content.decode()
    form["safeguarding_retention_years"] = "25"
    client.post(reverse("school_settings"), form)
    head.school.refresh_from_db()
    assert (head.school.evidence_retention_years, head.school.consent_retention_years) == (7, 3)
    assert "→ 7" in AuditEvent.objects.get(action="school.settings").summary


def test_events_of_no_school_are_pruned_too_and_their_chain_still_verifies(run):
    with time_machine.travel(datetime.datetime(2018, 1, 10, 12, 0, tzinfo=datetime.UTC)):
        old = audit_record(school=None, actor=None, action="auth.login_failed", summary="Old")
    with time_machine.travel(datetime.datetime(2020, 1, 10, 12, 0, tzinfo=datetime.UTC)):
        kept = audit_record(school=None, actor=None, action="auth.login_failed", summary="Kept")
    run(datetime.datetime(2025, 1, 1, 2, 0, tzinfo=datetime.UTC))
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert verify_chain(None)[1] is None


def test_the_text_read_from_a_screenshot_goes_with_it(school, head, run):
    from moderation.models import EvidenceText

    incident, evidence = _closed_incident(school, head, at(2019, 5, 10, 14, 0))
    EvidenceText.objects.create(evidence=evidence, text="Tom Smith was crying")
    run(at(2025, 5, 11, 0, 1))
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not EvidenceText.objects.filter(evidence_id=evidence.pk).exists()


def test_a_photo_kept_with_a_publication_check_goes_with_it(
    school, channel, authorised_admin, settings, run
):
    from django.core.files.base import ContentFile

    from consent.models import CheckPhoto, PublicationCheck
    from schoolsocial.private_files import get_private_storage

    with time_machine.travel(at(2019, 5, 10, 14, 0), tick=False):
        check = PublicationCheck.objects.create(
            school=school, channel=channel, checked_by=authorised_admin, caption="Sports day"
        )
    name = get_private_storage().save("checks/kept.jpg", ContentFile(b"jpeg"))
    CheckPhoto.objects.create(check_run=check, faces=2, pupils_ticked=1, kept=name)
    path = settings.PRIVATE_STORAGE_ROOT / name
    assert path.exists()
    run(at(2025, 5, 11, 0, 1))
    assert not PublicationCheck.objects.filter(pk=check.pk).exists()
    assert not path.exists()


def test_a_welsh_schools_retention_summary_is_in_welsh(
    school, head, office, channel, authorised_admin, run
):
    from django.utils import translation

    from consent.models import PublicationCheck

    school.language = "cy"
    school.save()
    _closed_incident(school, head, at(2019, 5, 10, 14, 0))
    _closed_incident(school, head, at(2019, 5, 9, 14, 0))
    _closed_incident(school, head, at(2000, 3, 1, 9, 0), categories=["bullying"])
    ModerationCheckFactory(
        channel=channel, checked_by=authorised_admin, checked_on=datetime.date(2019, 5, 10)
    )
    leaver = PupilFactory(school=school, left_on=datetime.date(2023, 5, 1))
    give_consent(leaver, recorded_by=office)
    GroupApplicationFactory(school=school, pupils=[leaver])
    with time_machine.travel(at(2019, 5, 10, 14, 0), tick=False):
        PublicationCheck.objects.create(
            school=school, channel=channel, checked_by=authorised_admin, caption="Sports day"
        )

    with translation.override("en-gb"):  # whoever runs it, in whatever language
        results = run(at(2025, 5, 11, 0, 1))
    summary = AuditEvent.objects.get(school=school, action="retention.summary").summary
    assert summary.startswith("Tynnodd y drefn gadw ")
    for welsh in (
        "digwyddiadau arferol: 2 (gyda 2 sgrinlun)",
        "digwyddiadau'n ymwneud â diogelu: 1 (gyda 1 sgrinlun)",
        "gwiriadau cymedroli dyddiol: 1",
        "cofnodion y rhai sydd wedi gadael: 1 (gyda 1 ffurflen ganiatâd a 1 cais i'r grŵp)",
        "gwiriadau cyhoeddi: 1",
    ):
        assert welsh in summary, welsh
    for english in ("routine", "safeguarding", "screenshot", "leavers", "consent form", "checks"):
        assert english not in summary, english
    # The same items read in English where English is wanted, plurals included.
    with translation.override("en-gb"):
        described = [str(item.describe()) for item in results[school.slug]]
    assert "2 routine incidents (with 2 screenshots)" in described
    assert "1 leavers' records (with 1 consent form and 1 group application)" in described
