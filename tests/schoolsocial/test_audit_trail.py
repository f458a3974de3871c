import csv
import datetime
import io

import pytest
from django.urls import reverse

from schoolsocial.audit import audit_record
from schoolsocial.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(head, slt, outsider):
    audit_record(school=head.school, actor=head.user, action="roster.invite", summary="Invited A")
    audit_record(school=head.school, actor=slt.user, action="channel.create", summary="Added B")
    audit_record(
        school=head.school, actor=slt.user, action="roster.roles", summary="=HYPERLINK(evil)"
    )
    audit_record(
        school=outsider.school, actor=outsider.user, action="roster.invite", summary="Secret C"
    )


def test_the_trail_shows_only_this_schools_events(login, head, events):
    content = login(head).get(reverse("audit")).content.decode()
    assert "Invited A" in content and "Added B" in content
    assert "Secret C" not in content


def test_the_trail_filters_by_person_kind_and_date(login, head, slt, events):
    client = login(head)
    content = client.get(reverse("audit"), {"person": slt.user.pk}).content.decode()
    assert "Added B" in content and "Invited A" not in content
    content = client.get(reverse("audit"), {"action": "roster.invite"}).content.decode()
    assert "Invited A" in content and "Added B" not in content
    tomorrow = head.school.local_today() + datetime.timedelta(days=1)
    content = client.get(reverse("audit"), {"date_from": tomorrow}).content.decode()
    assert "Invited A" not in content and "No events match" in content


def test_the_csv_export_is_itself_audited_and_safe_in_a_spreadsheet(login, slt, events):
    response = login(slt).get(reverse("audit_export"), {"person": slt.user.pk})
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["when", "person", "kind"]
    summaries = [row[3] for row in rows[1:]]
    assert "Added B" in summaries
    assert "'=HYPERLINK(evil)" in summaries
    assert "Invited A" not in summaries and "Secret C" not in summaries
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == slt.user and "2 audit events" in export.summary


def test_office_and_admin_cannot_see_the_trail(login, admin, office):
    assert login(admin).get(reverse("audit")).status_code == 403
    assert login(office).get(reverse("audit_export")).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
