"""Who may open each consent page (DESIGN.md's URL map), for the URLconf walk
in tests/schoolsocial/test_access.py."""

from django.core.files.base import ContentFile

from tests.factories import ChannelFactory, StaffMemberFactory

ALL_STAFF = {"head", "slt", "admin", "office"}
# Page administrators see the register and run checks only while they hold a
# current channel authorisation (Threemilestone 4.2; Whitchurch "Legal considerations").
REGISTER_READERS = {"office", "head", "slt", "authorised_admin"}
EDITORS = {"office", "head"}
CHECKERS = {"authorised_admin", "slt", "head"}
GROUP_STAFF = {"office", "slt", "head"}

EXPECTED = {
    "consent:pupils": REGISTER_READERS,
    "consent:pupil_add": EDITORS,
    "consent:pupil_import": EDITORS,
    "consent:class_forms": EDITORS,
    "consent:pupil": REGISTER_READERS,
    "consent:pupil_edit": EDITORS,
    "consent:pupil_never_publish": {"head"},
    "consent:pupil_photo": REGISTER_READERS,
    "consent:pupil_thumbnail": REGISTER_READERS,
    "consent:consent_form": EDITORS,
    "consent:consent_withdraw": EDITORS,
    "consent:consent_scan": {"office", "head", "slt"},
    "consent:followup_reviewed": {"office", "head", "slt", "authorised_admin"},
    "consent:followups": {"office", "head", "slt", "authorised_admin"},
    "consent:do_not_publish": ALL_STAFF,
    "consent:do_not_publish_print": ALL_STAFF,
    "consent:do_not_publish_csv": ALL_STAFF,
    "consent:check": CHECKERS,
    "consent:check_result": CHECKERS,
    "consent:group_applications": GROUP_STAFF,
    "consent:group_application_add": GROUP_STAFF,
    "consent:group_application": GROUP_STAFF,
}

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d8f9bb0000000049454e44ae426082"
)


def _pupil(school):
    from tests.consent.factories import PupilFactory

    pupil = PupilFactory(school=school)
    pupil.photo.save("photo.png", ContentFile(PNG), save=False)
    pupil.photo_thumbnail.save("thumb.jpg", ContentFile(PNG), save=False)
    pupil.save()
    return pupil


def _record(school):
    from tests.consent.factories import give_consent

    # A form is never changed once saved: the scan comes with it.
    return give_consent(
        _pupil(school),
        scan=ContentFile(b"%PDF-1.4\n%%EOF\n", name="scan.pdf"),
        scan_content_type="application/pdf",
    )


def _check(school):
    from consent.models import CheckedPupil, PublicationCheck

    record = _record(school)
    check = PublicationCheck.objects.create(
        school=school,
        channel=ChannelFactory(school=school),
        purpose="social_public",
        caption="",
        result="allowed",
        checked_by=StaffMemberFactory(school=school, is_slt=True),
    )
    return CheckedPupil.objects.create(
        check_run=check, pupil=record.pupil, allowed=True, reason="ok", cleared_by=record
    )


def _application(school):
    from tests.consent.factories import GroupApplicationFactory

    return GroupApplicationFactory(school=school)


OBJECTS = {
    "pupil_id": lambda school: _pupil(school).pk,
    "consent_record_id": lambda school: _record(school).pk,
    "publication_check_id": lambda school: _check(school).check_run_id,
    "followup_id": lambda school: _check(school).pk,
    "group_application_id": lambda school: _application(school).pk,
}
