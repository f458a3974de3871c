"""Subject access: the head asks for everything that names a pupil, parent or
member of staff; a task builds one ZIP with an index page; the head downloads
it once, and the file is then removed. Every step is audited."""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from consent.models import CheckedPupil, PublicationCheck
from moderation.models import Evidence
from schoolsocial.audit import audit_record
from schoolsocial.models import AuditEvent, SubjectAccessRequest
from tests.consent.factories import GroupApplicationFactory, PupilFactory, give_consent
from tests.moderation.factories import IncidentFactory, make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil_records(school, head, office, channel, other_school):
    pupil = PupilFactory(school=school, first_name="Tomasz", last_name="Kowalski")
    other = PupilFactory(school=school, first_name="Ffion", last_name="Evans")
    form = give_consent(
        pupil,
        recorded_by=office,
        given_by_name="Anna Kowalska",
        scan=ContentFile(b"%PDF-1.4\n%%EOF\n", name="scan.pdf"),
        scan_content_type="application/pdf",
    ).form
    give_consent(other, recorded_by=office, given_by_name="Rhian Evans")
    named = IncidentFactory(
        school=school,
        reported_by=head,
        channel=channel,
        content="Tomek K from year 3 is a liar",  # found by screening, not by spelling
        screening={"names": [{"pupil_id": pupil.pk, "kind": "named"}]},
    )
    screenshot = make_evidence(named)
    elsewhere_online = IncidentFactory(
        school=school,
        reported_by=head,
        channel=None,
        where="a parents' chat group",
        content="Saw Tomasz Kowalski crying at the gate",
    )
    unrelated = IncidentFactory(
        school=school, reported_by=head, channel=channel, content="Ffion Evans again"
    )
    check = PublicationCheck.objects.create(
        school=school, channel=channel, result="allowed", checked_by=head, caption="Sports day"
    )
    CheckedPupil.objects.create(check_run=check, pupil=pupil, allowed=True, reason="Granted")
    GroupApplicationFactory(school=school, applicant_name="Anna Kowalska", pupils=[pupil])
    audit_record(
        school=school,
        actor=office.user,
        action="consent.pupil_update",
        obj=pupil,
        summary="Edited a pupil.",
    )
    elsewhere = PupilFactory(school=other_school, first_name="Tomasz", last_name="Kowalski")
    return {
        "pupil": pupil,
        "form": form,
        "named": named,
        "screenshot": screenshot,
        "unrelated": unrelated,
        "elsewhere": elsewhere,
        "elsewhere_online": elsewhere_online,
    }


def _ask(client, capture, **data):
    with capture(execute=True):
        return client.post(reverse("subject_access"), data)


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_head_gets_everything_that_names_a_pupil_once(
    login, head, pupil_records, settings, django_capture_on_commit_callbacks
):
    client = login(head)
    pupil = pupil_records["pupil"]
    response = _ask(
        client,
        django_capture_on_commit_callbacks,
        kind="pupil",
        pupil=str(pupil.pk),
        reference="Letter from Anna Kowalska, 3 March",
    )
    assert response.status_code == 302
    request = SubjectAccessRequest.objects.get()
    assert request.status == "ready" and request.subject_name == "Tomasz Kowalski"
    stored = settings.PRIVATE_STORAGE_ROOT / request.file_name
    assert stored.exists()
    page = client.get(reverse("subject_access")).content.decode()
    assert "Ready to download (once)" in page and "Tomasz Kowalski" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subject_access_download", args=[request.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = _zip(response)
    index = archive.read("index.html").decode()
    names = archive.namelist()
    assert "Tomasz Kowalski" in index and "Anna Kowalska" in index
    assert "Tomek K from year 3 is a liar" in index  # the incident screening found
    assert pupil_records["screenshot"].sha256 in index
    assert "Sports day" in index  # the publication check
    assert "elsewhere online (a parents&#x27; chat group)" in index
    assert "Edited a pupil." in index  # an audit event about the pupil's record
    assert "Ffion" not in index and "Rhian Evans" not in index  # nobody else
    assert f"files/consent-form-{pupil_records['form'].pk}.pdf" in names
    screenshot = Evidence.objects.get(pk=pupil_records["screenshot"].pk)
    shot = f"files/incident-{pupil_records['named'].pk}-screenshot-{screenshot.pk}.png"
    assert (
        archive.read(shot)
        == (settings.PRIVATE_STORAGE_ROOT / screenshot.original.name).read_bytes()
    )

    # Once only: the file is gone and a second download is refused.
    assert not stored.exists()
    again = client.post(reverse("subject_access_download", args=[request.pk]), follow=True)
    assert "already been downloaded" in again.content.decode()
    request.refresh_from_db()
    assert request.status == "downloaded" and request.downloaded_by == head
    actions = list(
        AuditEvent.objects.filter(action__startswith="subject_access").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "subject_access.download",
        "subject_access.ready",
        "subject_access.request",
    ]


def test_a_parent_by_name_gets_the_forms_and_applications_that_name_them(
    login, head, pupil_records, django_capture_on_commit_callbacks
):
    client = login(head)
    _ask(client, django_capture_on_commit_callbacks, kind="parent", parent_name="anna kowalska")
    request = SubjectAccessRequest.objects.get()
    index = _zip(client.post(reverse("subject_access_download", args=[request.pk]))).read(
        "index.html"
    )
    index = index.decode()
    assert "Anna Kowalska" in index and "Private group applications" in index
    assert "Rhian Evans" not in index


def test_a_member_of_staff_gets_their_record_and_what_they_did(
    login, head, office, pupil_records, django_capture_on_commit_callbacks
):
    client = login(head)
    _ask(client, django_capture_on_commit_callbacks, kind="staff", staff=str(office.pk))
    request = SubjectAccessRequest.objects.get()
    index = _zip(client.post(reverse("subject_access_download", args=[request.pk]))).read(
        "index.html"
    )
    index = index.decode()
    assert "Staff record" in index and office.user.email in index
    assert "Edited a pupil." in index  # an event they did


def test_a_request_without_a_subject_is_refused_plainly(
    login, head, pupil_records, django_capture_on_commit_callbacks
):
    client = login(head)
    response = _ask(client, django_capture_on_commit_callbacks, kind="pupil", pupil="")
    assert response.status_code == 200
    assert "Choose the person from the list." in response.content.decode()
    response = _ask(
        client,
        django_capture_on_commit_callbacks,
        kind="pupil",
        pupil=str(pupil_records["elsewhere"].pk),  # another school's pupil
    )
    assert "Select a valid choice" in response.content.decode()
    assert not SubjectAccessRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="subject_access").exists()


def test_only_the_head_may_ask_or_download(login, slt, head, pupil_records):
    request = SubjectAccessRequest.objects.create(
        school=head.school,
        kind="parent",
        subject_ref="Anna Kowalska",
        subject_name="Anna Kowalska",
        requested_by=head,
        status="ready",
        file_name="subject-access/x.zip",
    )
    assert login(slt).get(reverse("subject_access")).status_code == 403
    response = login(slt).post(reverse("subject_access_download", args=[request.pk]))
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "ready"


def test_an_export_nobody_downloads_is_removed_after_30_days(
    login, head, pupil_records, settings, django_capture_on_commit_callbacks
):
    import datetime

    import time_machine
    from django.utils import timezone

    from schoolsocial.tasks import apply_retention

    client = login(head)
    _ask(client, django_capture_on_commit_callbacks, kind="parent", parent_name="Anna Kowalska")
    request = SubjectAccessRequest.objects.get()
    stored = settings.PRIVATE_STORAGE_ROOT / request.file_name
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=29), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        apply_retention.delay()
    request.refresh_from_db()
    assert request.status == "ready" and stored.exists()
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=31), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        apply_retention.delay()
    request.refresh_from_db()
    assert request.status == "expired" and not stored.exists()
    assert AuditEvent.objects.filter(action="subject_access.expired").count() == 1
    response = client.post(reverse("subject_access_download", args=[request.pk]), follow=True)
    assert "not ready, or has already been downloaded" in response.content.decode()


def test_a_build_that_died_with_its_worker_is_built_again(head, pupil_records):
    import datetime

    from django.utils import timezone

    from schoolsocial.subject_access import subject_access_build

    request = SubjectAccessRequest.objects.create(
        school=head.school,
        kind="pupil",
        subject_ref=str(pupil_records["pupil"].pk),
        subject_name="Tomasz Kowalski",
        requested_by=head,
        status="building",
        started_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    assert subject_access_build(request.pk) is False  # still within its time: left alone
    SubjectAccessRequest.objects.filter(pk=request.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    assert subject_access_build(request.pk) is True
    request.refresh_from_db()
    assert request.status == "ready" and request.item_count > 0
    assert subject_access_build(request.pk) is False  # a redelivered task does nothing


def test_a_welsh_schools_export_reads_in_welsh_whatever_the_head_works_in(
    login, head, pupil_records, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from consent.models import ConsentRecord
    from moderation.models import IncidentAction

    school = head.school
    school.language = "cy"
    school.save()
    head.user.language = "en"  # the head works in English; the export follows the school
    head.user.save()
    pupil, form = pupil_records["pupil"], pupil_records["form"]
    ConsentRecord.objects.filter(form=form).update(
        withdrawn_on=datetime.date(2026, 3, 3), withdrawn_by_name="Anna Kowalska"
    )
    IncidentAction.objects.create(
        incident=pupil_records["named"],
        kind="cpoms",
        by=head,
        at=datetime.datetime(2026, 3, 5, 10, 12, tzinfo=datetime.UTC),
        note="Logged for the DSL",
        reference="C-77",
    )
    client = login(head)
    _ask(client, django_capture_on_commit_callbacks, kind="pupil", pupil=str(pupil.pk))
    request = SubjectAccessRequest.objects.get()
    archive = _zip(client.post(reverse("subject_access_download", args=[request.pk])))
    index = archive.read("index.html").decode()

    # The consent register's sections and labels, in Welsh.
    for welsh in (
        "Cofnod ar gofrestr y disgyblion",
        "Enw cyfreithiol",
        "Ffurflenni caniatâd",
        "Rhoddwyd gan",
        "Dyddiad derbyn",
        "Sut y daeth i law",
        "Dilys tan",
        "Gwiriadau cyhoeddi",
        "Yn y llun",
        "Canlyniad i&#x27;r disgybl",
        "Ceisiadau i&#x27;r grŵp preifat sy&#x27;n enwi&#x27;r disgybl",
        # moderation's
        "Digwyddiadau sy&#x27;n enwi&#x27;r person hwn",
        "Sylw, fel y&#x27;i hysgrifennwyd",
        "Llinell amser",
        "SHA-256 fel y&#x27;i huwchlwythwyd",
    ):
        assert welsh in index, welsh
    # Dates in the school's language: the withdrawal and the timeline say
    # when in Welsh sentences (dates as numbers, as the core's own sections),
    # and the page says when it was produced with the Welsh month.
    assert "tynnwyd yn ôl ar 03/03/2026 gan Anna Kowalska" in index
    assert "05/03/2026 10:12 Wedi&#x27;i gofnodi ar CPOMS: Logged for the DSL (cyf. C-77)" in index
    month = timezone.now().astimezone(school.tz).month
    welsh_months = [
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    ]  # fmt: skip
    assert f"{welsh_months[month - 1]} " in index.split("</p>")[0]
    for english in (
        "Pupil register entry",
        "Consent forms",
        "Given by",
        "Received on",
        "Valid until",
        "withdrawn on",
        "Publication checks",
        "In the photo",
        "Incidents that name this person",
        "Comment, as written",
        "Timeline",
        "(ref. ",
        ">File<",
        ">Pupil<",
    ):
        assert english not in index, english
    # A file is still linked under the Welsh "File" label.
    assert f'<a href="files/consent-form-{form.pk}.pdf">' in index
    assert ">Ffeil<" in index


def test_the_pupil_list_says_who_has_left_in_the_heads_language(login, head):
    import datetime

    head.user.language = "cy"
    head.user.save()
    PupilFactory(school=head.school, first_name="Tomasz", last_name="Kowalski")
    PupilFactory(
        school=head.school,
        first_name="Ffion",
        last_name="Evans",
        class_name="6 Ash",
        left_on=datetime.date(2025, 7, 18),
    )
    page = login(head).get(reverse("subject_access")).content.decode()
    assert "Kowalski, Tomasz (3 Oak)" in page
    assert "Evans, Ffion (6 Ash, wedi gadael)" in page
    assert ", left)" not in page
