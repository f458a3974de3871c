"""Private files on S3-compatible object storage (PRIVATE_STORAGE=s3),
against a real S3 server started on loopback (moto's server mode), not a
mock object. Skipped when moto_server is not installed, except in CI."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse

from schoolsocial.models import AuditEvent
from schoolsocial.private_files import open_detached, private_storage

pytestmark = pytest.mark.django_db

BUCKET = "schoolsocial-private"


def _moto_server() -> str | None:
    here = Path(sys.executable).with_name("moto_server")
    return str(here) if here.exists() else shutil.which("moto_server")


@pytest.fixture(scope="module")
def s3_endpoint():
    binary = _moto_server()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("moto_server (moto[server]) is required in CI")
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own test server, loopback only
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("moto_server did not start")
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint, tmp_path):
    """Private storage on the S3 server, in a fresh prefix; the local
    folder stays empty."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's test credentials
        region_name="us-east-1",
    )
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    settings.PRIVATE_STORAGE = "s3"
    settings.PRIVATE_S3_BUCKET = BUCKET
    settings.PRIVATE_S3_ENDPOINT_URL = s3_endpoint
    settings.PRIVATE_S3_REGION = "us-east-1"
    settings.PRIVATE_S3_ACCESS_KEY_ID = "testing"
    settings.PRIVATE_S3_SECRET_ACCESS_KEY = "testing"  # noqa: S105
    settings.PRIVATE_S3_PREFIX = prefix
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "local-private"

    def objects():
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/")
        return {o["Key"][len(prefix) + 1 :] for o in listed.get("Contents", [])}

    client.objects = objects
    return client


def test_a_consent_scan_is_stored_in_the_bucket_and_served_only_through_the_audited_view(
    s3, login, office, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.consent.factories import PupilFactory
    from tests.consent.test_views import consent_post

    pupil = PupilFactory(school=office.school)
    client = login(office)
    scan = SimpleUploadedFile("form.pdf", b"%PDF-1.7\nscan\n%%EOF", content_type="application/pdf")
    page = client.post(
        reverse("consent:consent_form", args=[pupil.pk]),
        {**consent_post(purpose_website="granted"), "scan": scan},
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    from consent.models import ConsentRecord

    record = ConsentRecord.objects.get()
    name = record.form.scan.name
    assert name in s3.objects()
    assert not Path(settings.PRIVATE_STORAGE_ROOT).exists()  # nothing on local disk
    with pytest.raises(ValueError, match="no public URL"):
        record.form.scan.url  # noqa: B018
    response = client.get(reverse("consent:consent_scan", args=[record.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7\nscan\n%%EOF"
    assert AuditEvent.objects.filter(action="consent.file_view").exists()


def test_a_detached_copy_stays_readable_after_the_object_is_removed(s3):
    name = private_storage.save("exports/sar.zip", ContentFile(b"zip bytes" * 1000))
    handle = open_detached(name)
    private_storage.delete(name)
    assert name not in s3.objects()
    assert handle.read() == b"zip bytes" * 1000


@pytest.mark.django_db(transaction=True)  # the database copy sees committed rows only
def test_a_backup_holds_every_object_with_its_sha256(s3, tmp_path):
    import hashlib
    import tarfile

    names = [
        private_storage.save("evidence/1/a.png", ContentFile(b"png one")),
        private_storage.save("consent-scans/1/b.pdf", ContentFile(b"%PDF scan")),
    ]
    call_command("backup", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(names)
    with tarfile.open(folder / manifest["files_archive"], "r:gz") as archive:
        for name in names:
            data = archive.extractfile(name).read()
            assert hashlib.sha256(data).hexdigest() == manifest["files"][name]
