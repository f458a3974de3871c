"""Records nobody can quietly change: the audit trail, evidence, incident
actions and consent records refuse changes in the ORM and in the database;
the audit trail's hash chain shows any edit or deletion."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from consent.models import ConsentForm, ConsentRecord
from consent.services import consent_withdraw
from moderation.models import Evidence, IncidentAction
from schoolsocial.audit import audit_record
from schoolsocial.models import AuditEvent, ErasurePermit
from schoolsocial.records import RecordProtected, erasure, verify_chain
from schoolsocial.records_db import install_guards
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import SchoolFactory
from tests.moderation.factories import IncidentFactory, make_evidence

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (roles, TRUNCATE)"
)


@pytest.fixture
def records(school, head, office):
    """One of each protected record, for ``school``."""
    incident = IncidentFactory(school=school, reported_by=head)
    evidence = make_evidence(incident)
    action = IncidentAction.objects.create(incident=incident, kind="note", by=head, note="Seen")
    record = give_consent(PupilFactory(school=school), recorded_by=office)
    event = audit_record(school=school, actor=head.user, action="test.event", summary="Recorded")
    return {
        AuditEvent: event,
        Evidence: evidence,
        IncidentAction: action,
        ConsentRecord: record,
        ConsentForm: record.form,
    }


PROTECTED = [AuditEvent, Evidence, IncidentAction, ConsentRecord, ConsentForm]


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_a_bulk_update_or_delete_is_refused_and_changes_nothing(records, model):
    before = model.objects.count()
    with pytest.raises(RecordProtected, match="cannot be changed"):
        model.objects.filter(pk=records[model].pk).update(pk=records[model].pk)
    with pytest.raises(RecordProtected, match="cannot be deleted"):
        model.objects.all().delete()
    assert model.objects.count() == before


def test_deleting_one_consent_record_is_refused_too(records):
    """Consent models have no delete() of their own: the ORM check catches it
    (on SQLite there is no delete trigger behind it)."""
    record = records[ConsentRecord]
    with pytest.raises(RecordProtected, match="cannot be deleted"), transaction.atomic():
        record.delete()
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def _column_update(model) -> str:
    column = {
        AuditEvent: "summary = 'rewritten'",
        Evidence: "sha256 = 'forged'",
        IncidentAction: "note = 'rewritten'",
        ConsentRecord: "decision = 'refused'",
        ConsentForm: "given_by_name = 'Someone Else'",
    }[model]
    return f"UPDATE {model._meta.db_table} SET {column}"


@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_the_database_refuses_an_update_that_bypasses_the_app(records, model):
    with (
        pytest.raises(DatabaseError, match="protected record"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(_column_update(model))
    records[model].refresh_from_db()
    assert "rewritten" not in str(getattr(records[model], "summary", ""))


@on_postgresql
@pytest.mark.parametrize("model", PROTECTED, ids=lambda m: m.__name__)
def test_postgresql_refuses_a_delete_or_truncate_that_bypasses_the_app(records, model):
    table = model._meta.db_table
    for statement in (f"DELETE FROM {table}", f"TRUNCATE {table} CASCADE"):
        with (
            pytest.raises(DatabaseError, match="protected record"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # As the table's owner, not a superuser (superusers may truncate:
            # the test runner empties tables that way).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("CREATE ROLE records_test_owner NOSUPERUSER")
            cursor.execute(f"ALTER TABLE {table} OWNER TO records_test_owner")
            cursor.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO records_test_owner")
            cursor.execute("SET LOCAL ROLE records_test_owner")
            cursor.execute(statement)
    assert model.objects.filter(pk=records[model].pk).exists()


def test_a_consent_record_accepts_its_withdrawal_once_and_nothing_else(records, office):
    record = records[ConsentRecord]
    consent_withdraw(
        record=record,
        recorded_by=office,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=record.form.received_on + datetime.timedelta(days=3),
    )
    record.refresh_from_db()
    assert record.withdrawn_on is not None and record.withdrawn_by_name == "Pat Parent"

    # A second withdrawal (a changed date or name) is refused by the database.
    record.withdrawn_on = record.withdrawn_on + datetime.timedelta(days=1)
    with pytest.raises(DatabaseError, match="protected record"), transaction.atomic():
        record.save()
    record.refresh_from_db()
    assert record.withdrawn_on == record.form.received_on + datetime.timedelta(days=3)


def test_a_withdrawal_cannot_smuggle_in_another_change(school, office):
    record = give_consent(PupilFactory(school=school), recorded_by=office)
    record.withdrawn_on = record.form.received_on
    record.withdrawn_by_name = "Pat Parent"
    record.purpose = "press"  # not part of a withdrawal
    with pytest.raises(DatabaseError, match="protected record"), transaction.atomic():
        record.save()
    record.refresh_from_db()
    assert record.withdrawn_on is None and record.purpose == "social_public"


def test_records_are_deleted_only_through_the_audited_erasure_path(records, school):
    action = records[IncidentAction]
    with erasure(school=school, action="retention.run", summary="Test erasure") as event:
        IncidentAction.objects.filter(pk=action.pk).delete()
    assert not IncidentAction.objects.filter(pk=action.pk).exists()
    assert AuditEvent.objects.get(pk=event.pk).summary == "Test erasure"
    assert not ErasurePermit.objects.exists()  # the permit lasts one transaction
    with pytest.raises(RecordProtected):
        IncidentAction.objects.all().delete()


def test_an_erasure_that_fails_leaves_everything_as_it_was(records, school):
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), erasure(school=school, action="retention.run", summary="x"):
        IncidentAction.objects.all().delete()
        raise RuntimeError("disk full")
    assert IncidentAction.objects.count() == 1
    assert AuditEvent.objects.count() == events
    assert not ErasurePermit.objects.exists()


# --- The hash chain -------------------------------------------------------------


def _write(school, n, actor=None):
    return [
        audit_record(school=school, actor=actor, action="test.event", summary=f"Event {i}")
        for i in range(n)
    ]


def _tamper(sql: str, params=()):
    """What someone with the database owner's password could do: switch the
    guards off, change a row, switch them on again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("ALTER TABLE schoolsocial_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER schoolsocial_guard_schoolsocial_auditevent_row")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE schoolsocial_auditevent ENABLE TRIGGER USER")
    install_guards()


def test_each_event_carries_the_hash_of_the_one_before_in_its_school(school, other_school):
    first, second = _write(school, 2)
    elsewhere = _write(other_school, 1)[0]
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert elsewhere.prev_hash == ""  # each school has its own chain
    assert verify_chain(school.pk) == (2, None)


def test_verify_audit_reports_an_edited_event(school, capsys):
    events = _write(school, 4)
    call_command("verify_audit")
    assert "4 events, chain intact" in capsys.readouterr().out

    _tamper("UPDATE schoolsocial_auditevent SET summary = 'nothing' WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match="1 audit trail"):
        call_command("verify_audit", "--school", school.slug)
    out = capsys.readouterr().out
    assert f"event #{events[2].pk}" in out and "changed after it was written" in out


def test_verify_audit_reports_a_deleted_event(school, capsys):
    events = _write(school, 4)
    _tamper("DELETE FROM schoolsocial_auditevent WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"event #{events[2].pk}" in out and f"does not follow event #{events[0].pk}" in out


def test_verify_audit_reports_deleted_first_events(school, capsys):
    events = _write(school, 3)
    _tamper("DELETE FROM schoolsocial_auditevent WHERE id = %s", [events[0].pk])
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "earlier events were deleted" in capsys.readouterr().out


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_cannot_fork_a_schools_chain():
    school = SchoolFactory()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n):
        try:
            start.wait()
            for i in range(15):
                with transaction.atomic():
                    audit_record(school=school, actor=None, action="test.race", summary=f"{n}/{i}")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    hashes = list(AuditEvent.objects.filter(school=school).values_list("prev_hash", flat=True))
    assert len(hashes) == 60 and len(set(hashes)) == 60  # no two events share a parent
    assert verify_chain(school.pk) == (60, None)


# --- The application's database role --------------------------------------------


@on_postgresql
def test_the_app_role_cannot_truncate_or_switch_off_the_guards(records):
    """The compose file's app role: SELECT, INSERT, UPDATE, DELETE on the
    tables, owner of none (docker/postgres/init-roles.sh)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE records_test_app NOSUPERUSER")
        cursor.execute(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
            "TO records_test_app"
        )
        cursor.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO records_test_app")
    table = "schoolsocial_auditevent"
    attempts = {
        f"TRUNCATE {table} CASCADE": "permission denied",
        f"ALTER TABLE {table} DISABLE TRIGGER USER": "must be owner",
        f"DROP TRIGGER schoolsocial_guard_{table}_row ON {table}": "must be owner",
        f"DELETE FROM {table}": "protected record",
        f"UPDATE {table} SET summary = 'x'": "protected record",
        "DELETE FROM moderation_evidence": "protected record",
        "UPDATE consent_consentrecord SET decision = 'refused'": "protected record",
    }
    for statement, refusal in attempts.items():
        with (
            pytest.raises(DatabaseError, match=refusal),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("SET LOCAL ROLE records_test_app")
            cursor.execute(statement)
    # What the app does need still works under that role.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE records_test_app")
        audit_record(school=records[AuditEvent].school, actor=None, action="t", summary="ok")
    assert verify_chain(records[AuditEvent].school_id)[1] is None


@on_postgresql
def test_the_compose_init_script_gives_the_app_role_data_rights_only():
    """Runs the SQL of docker/postgres/init-roles.sh (inside this test's
    transaction, with this test's role names), then creates a table as the
    owner, as a migration would: the app role may read and write its rows
    and nothing more."""
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "docker/postgres/init-roles.sh").read_text()
    sql = script.split("<<'SQL'\n", 1)[1].split("\nSQL\n", 1)[0]
    sql = (
        sql.replace("schoolsocial_owner", "records_probe_owner")
        .replace("schoolsocial_app", "records_probe_app")
        .replace(":'owner_password'", "'x'")
        .replace(":'app_password'", "'y'")
        .replace(':"DBNAME"', f'"{connection.settings_dict["NAME"]}"')
    )
    with connection.cursor() as cursor:
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            cursor.execute(statement)
        cursor.execute("SET LOCAL ROLE records_probe_owner")
        cursor.execute("CREATE TABLE records_probe (id bigserial PRIMARY KEY, note text)")
        cursor.execute("RESET ROLE")
        rights = {}
        for right in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
            cursor.execute(
                "SELECT has_table_privilege('records_probe_app', 'records_probe', %s)", [right]
            )
            rights[right] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT has_schema_privilege('records_probe_app', 'public', 'CREATE'), "
            "pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'records_probe'"
        )
        can_create, owner = cursor.fetchone()
    assert rights == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": True,
        "DELETE": True,
        "TRUNCATE": False,
        "REFERENCES": False,
        "TRIGGER": False,
    }
    assert not can_create and owner == "records_probe_owner"


def test_an_event_created_any_way_joins_the_chain_and_bulk_inserts_are_refused(school):
    first = audit_record(school=school, actor=None, action="test.a", summary="A")
    second = AuditEvent.objects.create(school=school, action="test.b", summary="B")
    assert second.prev_hash == first.hash
    with pytest.raises(RecordProtected, match="one at a time"):
        AuditEvent.objects.bulk_create([AuditEvent(school=school, action="c", summary="C")])
    assert verify_chain(school.pk) == (2, None)


@on_postgresql
def test_a_permit_only_counts_when_it_names_a_retention_run(records, school):
    """Someone with the app's login could write a permit; it opens nothing
    unless it names a "retention run started" event — which then stands in
    the hash-chained trail for anyone to see."""
    event = audit_record(school=school, actor=None, action="auth.login", summary="Signed in")
    with (
        pytest.raises(DatabaseError, match="protected record"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        ErasurePermit.objects.create(event=event)
        cursor.execute("DELETE FROM moderation_evidence")
    assert Evidence.objects.filter(pk=records[Evidence].pk).exists()
    with (
        pytest.raises(RecordProtected, match="not an erasure"),
        erasure(school=school, action="auth.login", summary="x"),
    ):
        pass


def test_the_nightly_check_tells_the_head_of_a_broken_chain_once(school, head, login):
    from schoolsocial.models import Notification
    from schoolsocial.tasks import check_audit_chains

    events = _write(school, 3)
    assert check_audit_chains.delay().get() == 0
    assert not Notification.objects.filter(kind="audit_chain_broken").exists()

    _tamper("DELETE FROM schoolsocial_auditevent WHERE id = %s", [events[1].pk])
    assert check_audit_chains.delay().get() == 1
    check_audit_chains.delay().get()  # again the same day: no second notice
    notice = Notification.objects.get(kind="audit_chain_broken")
    assert notice.recipient == head
    page = login(head).get("/notifications/").content.decode()
    assert "The audit trail failed its integrity check" in page


def test_a_screenshot_accepts_its_display_copy_once_and_nothing_else(records):
    """The display copy is made by a task after the original is stored
    (moderation.services.evidence.evidence_prepare): that one change is
    allowed; replacing the copy, or touching the original's hash, is not."""
    evidence = records[Evidence]
    assert evidence.display  # the factory ran evidence_prepare: the one change
    with pytest.raises(DatabaseError, match="protected record"), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(display="elsewhere.png")
    with pytest.raises(RecordProtected, match="cannot be changed"):
        Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    with pytest.raises(RecordProtected, match="cannot be changed"):
        Evidence.objects.filter(pk=evidence.pk).update(display="x.png", sha256="0" * 64)
    evidence.refresh_from_db()
    assert evidence.display.name != "elsewhere.png"
