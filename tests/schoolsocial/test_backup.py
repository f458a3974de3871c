"""Backup and restore: the database and the private files together; a
restore into a fresh database finds every incident, evidence hash, consent
record and audit event intact, and a backup that does not match its manifest
is refused."""

import hashlib
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from consent.models import ConsentRecord
from consent.services import consent_withdraw
from moderation.models import Evidence, Incident
from schoolsocial.audit import audit_record
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import SchoolFactory, StaffMemberFactory
from tests.moderation.factories import IncidentFactory, make_evidence

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only


def _records():
    school = SchoolFactory()
    head = StaffMemberFactory(school=school, is_head=True)
    office = StaffMemberFactory(school=school, is_office=True)
    for n in range(3):
        incident = IncidentFactory(school=school, reported_by=head, content=f"Comment {n}")
        make_evidence(incident)
    record = give_consent(
        PupilFactory(school=school),
        recorded_by=office,
        scan=ContentFile(b"%PDF-1.4\n%%EOF\n", name="scan.pdf"),
        scan_content_type="application/pdf",
    )
    consent_withdraw(
        record=record,
        recorded_by=office,
        withdrawn_by_name="Pat Parent",
        withdrawn_on=record.form.received_on,
    )
    give_consent(PupilFactory(school=school), recorded_by=office, decision="refused")
    audit_record(school=school, actor=head.user, action="test.event", summary="Before backup")


QUERIES = {
    "incidents": "SELECT id, content FROM moderation_incident ORDER BY id",
    "evidence": "SELECT id, incident_id, sha256, original FROM moderation_evidence ORDER BY id",
    "consent": "SELECT id, purpose, decision, withdrawn_on, withdrawn_by_name "
    "FROM consent_consentrecord ORDER BY id",
    "audit": "SELECT id, hash, prev_hash FROM schoolsocial_auditevent ORDER BY id",
}


def _snapshot(cursor) -> dict:
    result = {}
    for key, sql in QUERIES.items():
        cursor.execute(sql)
        result[key] = [tuple(str(v) for v in row) for row in cursor.fetchall()]
    return result


def _assert_files_intact(snapshot, root: Path):
    for _id, _incident, sha256, original in snapshot["evidence"]:
        assert hashlib.sha256((root / original).read_bytes()).hexdigest() == sha256


def test_a_restore_into_a_fresh_database_finds_everything_intact(settings, tmp_path):
    _records()
    with connection.cursor() as cursor:
        before = _snapshot(cursor)
    assert len(before["incidents"]) == 3 and len(before["consent"]) == 2
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["moderation_evidence"] == 3
    assert len(manifest["files"]) >= 3 * 2 + 1  # originals, display copies, the scan

    restored_files = tmp_path / "restored-private"
    if connection.vendor == "postgresql":
        fresh = f"restore_{uuid.uuid4().hex[:12]}"
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{fresh}"')
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{fresh}"
        try:
            call_command(
                "restore", str(folder), "--database-url", url, "--private-root", restored_files
            )
            import psycopg

            with psycopg.connect(
                dbname=fresh, user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
            ) as other:
                after = _snapshot(other.cursor())
                # The guards came back with the tables.
                with pytest.raises(psycopg.Error, match="protected record"):
                    other.execute("UPDATE moderation_evidence SET sha256 = 'x'")
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
    else:
        target = tmp_path / "fresh.sqlite3"
        call_command(
            "restore",
            str(folder),
            "--database-url",
            f"sqlite:///{target}",
            "--private-root",
            restored_files,
        )
        other = sqlite3.connect(target)
        try:
            after = _snapshot(other.cursor())
        finally:
            other.close()
    assert after == before
    _assert_files_intact(after, restored_files)
    assert (
        hashlib.sha256(
            (
                restored_files / ConsentRecord.objects.get(decision="granted").form.scan.name
            ).read_bytes()
        ).hexdigest()
        == manifest["files"][ConsentRecord.objects.get(decision="granted").form.scan.name]
    )
    # The audit chain restored is the chain backed up.
    assert [row[1] for row in after["audit"]] == list(
        AuditEvent.objects.order_by("id").values_list("hash", flat=True)
    )
    assert Incident.objects.count() == 3 and Evidence.objects.count() == 3


def test_a_backup_that_does_not_match_its_manifest_is_refused(settings, tmp_path):
    _records()
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    archive = folder / "private-files.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    restored = tmp_path / "restored"
    with pytest.raises(CommandError, match="does not match its SHA-256"):
        call_command(
            "restore",
            str(folder),
            "--database-url",
            f"sqlite:///{tmp_path / 'x.sqlite3'}"
            if connection.vendor == "sqlite"
            else "postgres://nobody@127.0.0.1:1/none",
            "--private-root",
            restored,
        )
    assert not restored.exists()


def test_restore_will_not_write_over_files_without_being_told(settings, tmp_path):
    _records()
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    with pytest.raises(CommandError, match="is not empty; use --replace"):
        call_command("restore", str(folder))  # the live private folder has files
