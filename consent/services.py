"""Everything that changes the consent registers: pupils, consent forms and
withdrawals, publication checks, follow-ups and private-group applications.

Each service checks who is acting, validates, writes inside one transaction
and records an audit event. Refusals raise ``ServiceError`` with a message for
the person using the page. Nothing is ever deleted.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from consent import importer
from consent.models import (
    FOLLOWUP_STATUSES,
    CheckedPupil,
    CheckPhoto,
    ConsentForm,
    ConsentRecord,
    GroupApplication,
    ImportColumns,
    PublicationCheck,
    Pupil,
    Purpose,
    RegisterVersion,
    Status,
    YearGroup,
    purpose_for_channel,
    school_year_end,
)
from schoolsocial.audit import audit_record
from schoolsocial.images import ImageRejected, check_image, check_upload, read_upload
from schoolsocial.language import language_code, later
from schoolsocial.models import Channel, ChannelAuthorisation, Role, School, StaffMember
from schoolsocial.private_files import get_private_storage
from schoolsocial.services import ServiceError
from schoolsocial.wording import joined, lower

logger = logging.getLogger(__name__)

EDITORS = frozenset({Role.OFFICE, Role.HEAD})
LEADERS = frozenset({Role.HEAD, Role.SLT})
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1200
SCAN_MAX_BYTES = 10 * 1024 * 1024
THUMBNAIL_SIZE = (160, 160)
# A pupil's details as an edit's audit summary names them.
PUPIL_DETAILS = {
    "first_name": gettext_lazy("legal first name"),
    "last_name": gettext_lazy("legal surname"),
    "preferred_name": gettext_lazy("preferred first name"),
    "mis_id": gettext_lazy("UPN or admission number"),
    "year_group": gettext_lazy("year group"),
    "class_name": gettext_lazy("class"),
    "date_of_birth": gettext_lazy("date of birth"),
    "left_on": gettext_lazy("left on"),
}


# --- Helpers ------------------------------------------------------------------


def _require(member: StaffMember, roles: Iterable[str], refusal: str) -> None:
    """``refusal`` is the whole sentence saying who may do this."""
    roles = frozenset(roles)
    if not member.is_active or not (roles & member.effective_roles()):
        raise ServiceError(refusal)


def _same_school(member: StaffMember, *objects) -> None:
    for obj in objects:
        school_id = getattr(obj, "school_id", None)
        if school_id != member.school_id:
            raise ServiceError(gettext("These records belong to a different school."))


def _member_of(member: StaffMember, school: School) -> None:
    if member.school_id != school.pk:
        raise ServiceError(
            gettext("You can only change the register of the school you are working in.")
        )


def _not_in_future(day: datetime.date, school: School, refusal: str) -> None:
    """``refusal`` is the whole sentence: "The … cannot be in the future." """
    if day > school.local_today():
        raise ServiceError(refusal)


def _register_changed(school: School) -> None:
    """Bump the register version, so the name matcher is rebuilt."""
    from consent.screening import forget_matchers

    RegisterVersion.objects.update_or_create(school=school, defaults={"token": uuid.uuid4().hex})
    forget_matchers(school.pk)
    transaction.on_commit(lambda: forget_matchers(school.pk))


def _store_photo(pupil: Pupil, upload, written: list[str]) -> None:
    """Validate a photo (schoolsocial.images), keep only the re-encoded,
    metadata-free copy (at most PHOTO_MAX_SIDE pixels a side: it is printed
    small) and a thumbnail, in private storage. The names written are added
    to ``written`` so a failed save can remove them."""
    checked = check_upload(
        upload, max_bytes=PHOTO_MAX_BYTES, thumbnail_size=THUMBNAIL_SIZE, max_side=PHOTO_MAX_SIDE
    )
    pupil.photo.save(f"photo.{checked.display_extension}", ContentFile(checked.display), save=False)
    written.append(pupil.photo.name)
    pupil.photo_thumbnail.save("thumb.jpg", ContentFile(checked.thumbnail), save=False)
    written.append(pupil.photo_thumbnail.name)


def _photo_files(pupil: Pupil) -> list[str]:
    return [f.name for f in (pupil.photo, pupil.photo_thumbnail) if f]


def _delete_files(names: Iterable[str]) -> None:
    """Remove files from private storage (a replaced or removed photo leaves
    nothing behind; nor does a save that failed)."""
    storage = get_private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - logged, nothing else to do
            logger.warning("Could not remove %s from private storage", name)


def _clean_names(first_name: str, last_name: str, preferred_name: str) -> tuple[str, str, str]:
    first_name, last_name = first_name.strip(), last_name.strip()
    preferred_name = preferred_name.strip()
    if not first_name or not last_name:
        raise ServiceError(gettext("Give the pupil's first name and surname."))
    if preferred_name == first_name:
        preferred_name = ""
    return first_name, last_name, preferred_name


def _check_mis_id(school: School, mis_id: str, pupil: Pupil | None = None) -> str:
    mis_id = mis_id.strip()
    if mis_id:
        clash = Pupil.objects.filter(school=school, mis_id=mis_id)
        if pupil is not None:
            clash = clash.exclude(pk=pupil.pk)
        if clash.exists():
            raise ServiceError(
                gettext("Another pupil already has the UPN %(upn)s.") % {"upn": mis_id}
            )
    return mis_id


# --- Pupils ---------------------------------------------------------------------


def pupil_create(
    *,
    school: School,
    created_by: StaffMember,
    first_name: str,
    last_name: str,
    year_group: str,
    class_name: str,
    preferred_name: str = "",
    mis_id: str = "",
    date_of_birth: datetime.date | None = None,
    photo=None,
) -> Pupil:
    """Add a pupil to the register (office or head; Threemilestone 4.1: the
    school keeps a record of which pupils may appear)."""
    _require(created_by, EDITORS, gettext("Only the office or the headteacher can add pupils."))
    _member_of(created_by, school)
    first_name, last_name, preferred_name = _clean_names(first_name, last_name, preferred_name)
    if year_group not in YearGroup.values:
        raise ServiceError(gettext("Choose the pupil's year group."))
    if not class_name.strip():
        raise ServiceError(gettext("Give the pupil's class."))
    _check_birth_date(school, date_of_birth)
    written: list[str] = []
    try:
        with transaction.atomic():
            pupil = Pupil(
                date_of_birth=date_of_birth,
                school=school,
                mis_id=_check_mis_id(school, mis_id),
                first_name=first_name,
                last_name=last_name,
                preferred_name=preferred_name,
                year_group=year_group,
                class_name=class_name.strip(),
            )
            if photo is not None:
                _store_photo(pupil, photo, written)
            pupil.save()
            _register_changed(school)
            audit_record(
                school=school,
                actor=created_by.user,
                action="consent.pupil_create",
                obj=pupil,
                summary=later(
                    "Added %(name)s (%(year)s, %(class_name)s).",
                    name=pupil.full_name,
                    year=YearGroup(pupil.year_group).label,
                    class_name=pupil.class_name,
                ),
            )
    except BaseException:
        _delete_files(written)
        raise
    return pupil


def _check_birth_date(school: School, day: datetime.date | None) -> None:
    """A primary-school pupil is born within the last 13 years, not in the future."""
    if day is None:
        return
    today = school.local_today()
    if day > today:
        raise ServiceError(gettext("The date of birth cannot be in the future."))
    if day < today.replace(year=today.year - 13, day=min(today.day, 28)):
        raise ServiceError(gettext("Check the date of birth: a primary-school pupil is under 13."))


def pupil_update(
    *,
    pupil: Pupil,
    changed_by: StaffMember,
    first_name: str,
    last_name: str,
    year_group: str,
    class_name: str,
    preferred_name: str = "",
    mis_id: str = "",
    left_on: datetime.date | None = None,
    date_of_birth: datetime.date | None = None,
    photo=None,
    remove_photo: bool = False,
) -> Pupil:
    """Edit a pupil's details or mark them as a leaver (office or head).
    Leavers are kept: their names are still screened in comments.

    A new photo replaces the old one and ``remove_photo`` removes it; either
    way the old files are deleted from storage once the change has
    committed (a child's photo is not kept once the school has no use for
    it: UK GDPR storage limitation), and the audit event says so."""
    _require(changed_by, EDITORS, gettext("Only the office or the headteacher can edit pupils."))
    _same_school(changed_by, pupil)
    first_name, last_name, preferred_name = _clean_names(first_name, last_name, preferred_name)
    if year_group not in YearGroup.values:
        raise ServiceError(gettext("Choose the pupil's year group."))
    if not class_name.strip():
        raise ServiceError(gettext("Give the pupil's class."))
    if left_on is not None:
        _not_in_future(left_on, pupil.school, gettext("The leaving date cannot be in the future."))
    _check_birth_date(pupil.school, date_of_birth)
    new = {
        "date_of_birth": date_of_birth,
        "mis_id": _check_mis_id(pupil.school, mis_id, pupil),
        "first_name": first_name,
        "last_name": last_name,
        "preferred_name": preferred_name,
        "year_group": year_group,
        "class_name": class_name.strip(),
        "left_on": left_on,
    }
    was_leaver = pupil.left_on is not None
    changes = [
        later(
            "%(detail)s: “%(before)s” → “%(after)s”",
            detail=PUPIL_DETAILS[k],
            before=getattr(pupil, k) or "—",
            after=v or "—",
        )
        for k, v in new.items()
        if getattr(pupil, k) != v
    ]
    if photo is not None and remove_photo:
        raise ServiceError(gettext("Either choose a new photo or remove the photo, not both."))
    old_files = _photo_files(pupil)
    if photo is not None:
        changes.append(
            later("photo replaced, old photo deleted") if old_files else later("new photo")
        )
    elif remove_photo and old_files:
        changes.append(later("photo removed and deleted"))
    if not changes:
        return pupil
    written: list[str] = []
    try:
        with transaction.atomic():
            for key, value in new.items():
                setattr(pupil, key, value)
            if photo is not None:
                _store_photo(pupil, photo, written)
            elif remove_photo:
                pupil.photo = pupil.photo_thumbnail = ""
            pupil.save()
            _register_changed(pupil.school)
            audit_record(
                school=pupil.school,
                actor=changed_by.user,
                action=(
                    "consent.pupil_left" if left_on and not was_leaver else "consent.pupil_update"
                ),
                obj=pupil,
                summary=later(
                    "Edited %(name)s: %(changes)s.",
                    name=pupil.full_name,
                    changes=joined(changes, "; "),
                ),
            )
            if photo is not None or remove_photo:
                transaction.on_commit(lambda: _delete_files(old_files))
    except BaseException:
        _delete_files(written)
        pupil.refresh_from_db()
        raise
    return pupil


def pupil_set_never_publish(
    *, pupil: Pupil, never_publish: bool, reason: str, set_by: StaffMember
) -> Pupil:
    """Set or clear "never publish" (headteacher only, with a reason). It
    overrides every consent form, e.g. a looked-after child or a court order
    (Threemilestone 4.1; Whitchurch "Use of images")."""
    _require(set_by, {Role.HEAD}, gettext("Only the headteacher can set or clear “never publish”."))
    _same_school(set_by, pupil)
    reason = reason.strip()
    if not reason:
        raise ServiceError(
            gettext("Give a reason; it is kept on the pupil's record and the audit trail.")
        )
    if pupil.never_publish == never_publish:
        raise ServiceError(
            gettext("“Never publish” is already set for this pupil.")
            if never_publish
            else gettext("“Never publish” is not set for this pupil.")
        )
    with transaction.atomic():
        pupil.never_publish = never_publish
        pupil.never_publish_reason = reason if never_publish else ""
        pupil.never_publish_set_by = set_by
        pupil.never_publish_set_at = timezone.now()
        pupil.save()
        audit_record(
            school=pupil.school,
            actor=set_by.user,
            action="consent.never_publish" if never_publish else "consent.never_publish_cleared",
            obj=pupil,
            summary=(
                later(
                    "Set “never publish” for %(name)s: %(reason)s",
                    name=pupil.full_name,
                    reason=reason,
                )
                if never_publish
                else later(
                    "Cleared “never publish” for %(name)s: %(reason)s",
                    name=pupil.full_name,
                    reason=reason,
                )
            ),
        )
        if never_publish:
            followups_raise(pupil=pupil, changed_by=set_by)
    return pupil


def _pupil_save_from_import(
    *, school: School, row: importer.Row, imported_by: StaffMember
) -> Pupil:
    """Add or update the one pupil an import row describes, with its audit
    event: the only place the import writes a pupil."""
    if row.pupil is None:
        fields = {name: row.values[name] for name in importer.COMPARED}
        pupil = Pupil.objects.create(school=school, **fields)
        audit_record(
            school=school,
            actor=imported_by.user,
            action="consent.pupil_create",
            obj=pupil,
            summary=(
                later(
                    "Imported %(name)s (%(class_name)s) (%(how)s).",
                    name=pupil.full_name,
                    class_name=pupil.class_name,
                    how=row.notes[0],
                )
                if row.notes
                else later(
                    "Imported %(name)s (%(class_name)s).",
                    name=pupil.full_name,
                    class_name=pupil.class_name,
                )
            ),
        )
        return pupil
    pupil = row.pupil
    for name, value in row.updates.items():
        setattr(pupil, name, value)
    pupil.left_on = None
    pupil.save()
    changes = joined(row.changes, "; ")
    audit_record(
        school=school,
        actor=imported_by.user,
        action="consent.pupil_update",
        obj=pupil,
        summary=(
            later(
                "Import updated %(name)s: %(changes)s. %(how)s",
                name=pupil.full_name,
                changes=changes,
                how=row.notes[0],
            )
            if row.notes
            else later(
                "Import updated %(name)s: %(changes)s.", name=pupil.full_name, changes=changes
            )
        ),
    )
    return pupil


def _remember_import_columns(
    *, school: School, preview: importer.Preview, chosen_by: StaffMember
) -> None:
    """Keep the columns the office chose, by column name, for the school's
    next file with the same columns (audited when they change)."""
    columns = preview.column_indexes
    # "" records "not in this file"; a chosen column without a name cannot
    # be found again by name, so that choice is not kept.
    chosen = {
        name: (preview.header[columns[name]] if name in columns else "")
        for name in importer.FIELDS
        if name not in columns or preview.header[columns[name]]
    }
    saved = ImportColumns.objects.filter(school=school).first()
    if saved is not None and saved.columns == chosen:
        return
    if saved is None:
        saved = ImportColumns(school=school)
    saved.columns = chosen
    saved.chosen_by = chosen_by
    saved.save()
    described = joined(
        [
            later("%(detail)s = “%(column)s”", detail=importer.FIELD_LABELS[name], column=column)
            if column
            else later("%(detail)s: none", detail=importer.FIELD_LABELS[name])
            for name, column in chosen.items()
        ],
        "; ",
    )
    audit_record(
        school=school,
        actor=chosen_by.user,
        action="consent.import_columns",
        obj=saved,
        summary=later("Chose the MIS import columns: %(columns)s.", columns=described),
    )


def pupil_import(
    *,
    school: School,
    data: bytes,
    imported_by: StaffMember,
    mark_omitted_left: bool = False,
    columns: dict[str, int] | None = None,
    remember_columns: bool = False,
) -> importer.Preview:
    """Import the MIS pupil list: all rows in one transaction, or none if any
    row is invalid. Re-importing the same file changes nothing. Pupils the
    file omits are marked as leavers only when asked, never deleted
    (Threemilestone 4.1: the register stays accurate). ``columns`` (field
    -> column index) are the ones the preview used; with
    ``remember_columns`` (the office chose them) they are kept for the
    school's next file with the same column names."""
    _require(imported_by, EDITORS, gettext("Only the office or the headteacher can import pupils."))
    _member_of(imported_by, school)
    try:
        with transaction.atomic():
            preview = importer.build_preview(school=school, data=data, columns=columns)
            if preview.errors:
                raise ServiceError(
                    gettext(
                        "Nothing was imported: %(count)s row(s) have errors. "
                        "Correct them in the file and upload it again."
                    )
                    % {"count": len(preview.errors)}
                )
            today = school.local_today()
            changed = 0
            for row in preview.rows:
                if row.action in ("create", "update"):
                    row.pupil = _pupil_save_from_import(
                        school=school, row=row, imported_by=imported_by
                    )
                    changed += 1
            left = 0
            if mark_omitted_left:
                for pupil in preview.omitted:
                    pupil.left_on = today
                    pupil.save(update_fields=["left_on", "updated_at"])
                    audit_record(
                        school=school,
                        actor=imported_by.user,
                        action="consent.pupil_left",
                        obj=pupil,
                        summary=later(
                            "Marked %(name)s as left: not in the MIS import.",
                            name=pupil.full_name,
                        ),
                    )
                    left += 1
            if changed or left:
                _register_changed(school)
            if remember_columns:
                _remember_import_columns(school=school, preview=preview, chosen_by=imported_by)
            counts = preview.counts
            values = {
                "source": preview.source,
                "added": counts["create"],
                "updated": counts["update"],
                "unchanged": counts["unchanged"],
                "left": left,
            }
            audit_record(
                school=school,
                actor=imported_by.user,
                action="consent.import",
                summary=(
                    later(
                        "Imported the MIS pupil list (%(source)s): %(added)s added, "
                        "%(updated)s updated, %(unchanged)s unchanged, %(left)s marked as left; "
                        "%(cleaned)s value(s) cleaned of hidden characters.",
                        cleaned=len(preview.cleaned),
                        **values,
                    )
                    if preview.cleaned
                    else later(
                        "Imported the MIS pupil list (%(source)s): %(added)s added, "
                        "%(updated)s updated, %(unchanged)s unchanged, %(left)s marked as left.",
                        **values,
                    )
                ),
            )
    except importer.ImportFileError as error:
        raise ServiceError(str(error)) from None
    return preview


# --- Consent forms ----------------------------------------------------------------


def _read_scan(upload) -> tuple[bytes, str, str]:
    """A scan of the signed form: a real image (schoolsocial.images) or a PDF."""
    data = read_upload(upload, max_bytes=SCAN_MAX_BYTES)
    if data.startswith(b"%PDF-"):
        return data, "pdf", "application/pdf"
    try:
        checked = check_image(data)
    except ImageRejected as error:
        raise ServiceError(
            [gettext("The scan must be a PDF or a PNG, JPEG, WebP or HEIC image."), *error.messages]
        ) from None
    return checked.display, checked.display_extension, checked.copies.content_type


def consent_form_record(
    *,
    pupil: Pupil,
    recorded_by: StaffMember,
    decisions: dict[str, str],
    given_by_name: str,
    relationship: str,
    received_on: datetime.date,
    method: str = ConsentForm.Method.PAPER,
    valid_until: datetime.date | None = None,
    scan=None,
) -> ConsentForm:
    """Record one consent form: a decision per purpose ("granted",
    "refused", or "" when the form leaves it unanswered).

    Threemilestone 4.1 and Whitchurch "Use of images": written consent from
    someone with parental responsibility; no consent is the default. The
    form is kept as received; a later form or a withdrawal changes the
    current answer, never this record. Without a "valid until" date the form
    lasts as long as the school's policy says (``consent_valid_months``):
    by default to 31 August of the school year it was received in (not the
    current one: a form found in a drawer from two years ago has expired),
    or a number of months from the day it was received.
    """
    _require(
        recorded_by,
        EDITORS,
        gettext("Only the office or the headteacher can record consent forms."),
    )
    _same_school(recorded_by, pupil)
    school = pupil.school
    given_by_name = given_by_name.strip()
    if not given_by_name:
        raise ServiceError(gettext("Give the name of the person who signed the form."))
    if relationship not in ConsentForm.PARENTAL_RESPONSIBILITY:
        label = dict(ConsentForm.Relationship.choices).get(relationship, relationship)
        raise ServiceError(
            gettext(
                "Consent can only be given or refused by someone with parental responsibility "
                "(a parent, carer or guardian), not a %(relationship)s. Send the form home for "
                "a parent or carer to sign."
            )
            % {"relationship": str(label).lower()}
        )
    if method not in ConsentForm.Method.values:
        raise ServiceError(gettext("Choose how the form was received."))
    _not_in_future(
        received_on, school, gettext("The date the form was received cannot be in the future.")
    )
    if valid_until is None:
        valid_until = default_valid_until(school, received_on)
    if valid_until < received_on:
        raise ServiceError(
            gettext("“Valid until” must be on or after the date the form was received.")
        )
    answered = {p: d for p, d in decisions.items() if d}
    unknown = set(answered) - set(Purpose.values)
    bad = set(answered.values()) - set(ConsentRecord.Decision.values)
    if unknown or bad:
        raise ServiceError(gettext("The form has an answer this register does not know."))
    if not answered:
        raise ServiceError(
            gettext("The form answers no purpose: record at least one granted or refused.")
        )
    scan_file = _read_scan(scan) if scan is not None else None
    with transaction.atomic():
        form = ConsentForm(
            pupil=pupil,
            given_by_name=given_by_name,
            relationship=relationship,
            received_on=received_on,
            method=method,
            valid_until=valid_until,
            recorded_by=recorded_by,
        )
        if scan_file is not None:
            data, extension, content_type = scan_file
            form.scan.save(f"scan.{extension}", ContentFile(data), save=False)
            form.scan_content_type = content_type
        form.save()
        ConsentRecord.objects.bulk_create(
            ConsentRecord(pupil=pupil, form=form, purpose=p, decision=d)
            for p, d in answered.items()
        )
        answers = joined(
            [
                later(
                    "%(purpose)s: %(decision)s",
                    purpose=Purpose(p).label,
                    decision=lower(ConsentRecord.Decision(d).label),
                )
                for p, d in answered.items()
            ],
        )
        audit_record(
            school=school,
            actor=recorded_by.user,
            action="consent.form_record",
            obj=form,
            summary=later(
                "Recorded a consent form for %(name)s from %(given_by)s (%(relationship)s), "
                "received %(received)s, valid until %(valid_until)s — %(answers)s.",
                name=pupil.full_name,
                given_by=given_by_name,
                relationship=lower(ConsentForm.Relationship(relationship).label),
                received=f"{received_on:%d/%m/%Y}",
                valid_until=f"{valid_until:%d/%m/%Y}",
                answers=answers,
            ),
        )
        # A later refusal: posts already cleared for this pupil are followed up.
        if ConsentRecord.Decision.REFUSED in answered.values():
            followups_raise(pupil=pupil, changed_by=recorded_by)
    return form


@dataclass
class ClassFormEntry:
    """One row of a class's paper forms (``consent_forms_record_for_class``)."""

    pupil: Pupil
    decisions: dict[str, str]
    given_by_name: str
    relationship: str
    received_on: datetime.date
    form: ConsentForm | None = None
    error: str = ""


def consent_forms_record_for_class(
    *,
    entries: Sequence[ClassFormEntry],
    recorded_by: StaffMember,
    method: str = ConsentForm.Method.PAPER,
) -> list[ClassFormEntry]:
    """Record a pile of paper forms for one class in one sitting. Each form
    goes through ``consent_form_record`` (the same rules, one audit event per
    pupil, append-only) in its own transaction: a form that breaks a rule
    (signed by a grandparent, a date in the future) is not recorded and
    carries its message in ``error``; the others are recorded. Returns the
    entries with ``form`` or ``error`` filled in."""
    _require(
        recorded_by,
        EDITORS,
        gettext("Only the office or the headteacher can record consent forms."),
    )
    for entry in entries:
        try:
            entry.form = consent_form_record(
                pupil=entry.pupil,
                recorded_by=recorded_by,
                decisions=entry.decisions,
                given_by_name=entry.given_by_name,
                relationship=entry.relationship,
                received_on=entry.received_on,
                method=method,
            )
        except ServiceError as error:
            entry.error = " ".join(error.messages)
    return list(entries)


def consent_withdraw(
    *,
    record: ConsentRecord,
    withdrawn_by_name: str,
    withdrawn_on: datetime.date,
    recorded_by: StaffMember,
) -> ConsentRecord:
    """Withdraw consent for one purpose (Threemilestone 4.1: a parent may
    withdraw consent at any time). Records who withdrew it and when; each
    post that relied on it becomes a follow-up (``followups_raise``).

    The withdrawal is recorded against the form that decides the purpose,
    even while "never publish" is set: the parent's withdrawal still stands
    when the head clears it."""
    _require(
        recorded_by, EDITORS, gettext("Only the office or the headteacher can record a withdrawal.")
    )
    pupil = record.pupil
    _same_school(recorded_by, pupil)
    withdrawn_by_name = withdrawn_by_name.strip()
    if not withdrawn_by_name:
        raise ServiceError(gettext("Give the name of the person withdrawing consent."))
    _not_in_future(
        withdrawn_on, pupil.school, gettext("The date of the withdrawal cannot be in the future.")
    )
    with transaction.atomic():
        record = ConsentRecord.objects.select_for_update().select_related("form").get(pk=record.pk)
        if record.decision != ConsentRecord.Decision.GRANTED or record.withdrawn_on:
            raise ServiceError(
                gettext("Only a consent that is granted and not withdrawn can be withdrawn.")
            )
        fresh = Pupil.objects.select_related("school").get(pk=pupil.pk)
        deciding = fresh.deciding_record(record.purpose)
        if deciding is None or deciding.pk != record.pk:
            raise ServiceError(
                gettext("A later form has replaced this answer; withdraw the current one.")
            )
        if fresh.consent_from_forms(record.purpose).status == Status.WITHDRAWN:
            raise ServiceError(
                gettext("Consent for %(purpose)s has already been withdrawn.")
                % {"purpose": record.purpose_label.lower()}
            )
        record.withdrawn_on = withdrawn_on
        record.withdrawn_by_name = withdrawn_by_name
        record.withdrawal_recorded_by = recorded_by
        record.withdrawal_recorded_at = timezone.now()
        record.save(
            update_fields=[
                "withdrawn_on",
                "withdrawn_by_name",
                "withdrawal_recorded_by",
                "withdrawal_recorded_at",
            ]
        )
        audit_record(
            school=pupil.school,
            actor=recorded_by.user,
            action="consent.withdraw",
            obj=record,
            summary=later(
                "%(who)s withdrew consent for %(purpose)s for %(name)s on %(date)s.",
                who=withdrawn_by_name,
                purpose=lower(record.purpose_label),
                name=pupil.full_name,
                date=f"{withdrawn_on:%d/%m/%Y}",
            ),
        )
        followups_raise(pupil=pupil, changed_by=recorded_by)
    return record


# --- Publication check --------------------------------------------------------------


def may_check_channel(member: StaffMember, channel: Channel) -> bool:
    """Head and SLT may check any channel; an administrator only a channel
    they are currently authorised for (Threemilestone 3.1, 5.1)."""
    if member.school_id != channel.school_id or not member.is_active:
        return False
    if LEADERS & member.effective_roles():
        return True
    return (
        Role.ADMIN in member.roles
        and ChannelAuthorisation.objects.current().filter(member=member, channel=channel).exists()
    )


def default_valid_until(school: School, received_on: datetime.date) -> datetime.date:
    """When a form received on ``received_on`` stops counting, by the
    school's policy: the end of that school year, or N months on."""
    from policy.selectors import profile_for

    months = int(profile_for(school).setting("consent_valid_months", 0) or 0)
    if not months:
        return school_year_end(received_on)
    month = received_on.month - 1 + months
    year, month = received_on.year + month // 12, month % 12 + 1
    day = min(received_on.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day) - datetime.timedelta(days=1)


def caption_names_a_pupil(*, school, channel, matches, in_photo, purposes) -> bool:
    """Does the caption name a pupil in a way the school's policy forbids?

    Threemilestone 3.4 and 4.4: no pupil is named on the page, so a full
    name blocks the post as written, whoever is in the photo. A first name
    alone names a pupil when that pupil is in the photo beside it, or when
    it is a rare name (few pupils have it and it is not an everyday word)
    and that pupil's consent does not allow this post. Where the school's
    policy lets pupils be named on the website (Threemilestone 4.4: "links
    to the school website … where pupils may be photographed and named"),
    a pupil whose consent allows the website may be named there."""
    from consent.screening import rare_possible
    from policy.selectors import profile_for

    profile = profile_for(school)
    rare = rare_possible(matches, rare_max=int(profile.setting("rare_first_name_max", 2) or 0))
    website_naming = bool(profile.setting("website_naming")) and (
        channel.platform == Channel.Platform.WEBSITE
    )
    today = school.local_today()
    allowed_cache: dict[int, bool] = {}

    def consent_allows(pupil_id: int) -> bool:
        if pupil_id not in allowed_cache:
            pupil = Pupil.objects.filter(pk=pupil_id).with_consent().first()
            allowed_cache[pupil_id] = (
                bool(purposes)
                and pupil is not None
                and all(pupil.current_consent(p, on=today).allowed for p in purposes)
            )
        return allowed_cache[pupil_id]

    for m in matches:
        names = m.kind == "named" or (m.kind == "possible" and m.pupil_id in in_photo)
        if names:
            if website_naming and consent_allows(m.pupil_id):
                continue
            return True
        if (m.pupil_id, m.start, m.end) in rare and not consent_allows(m.pupil_id):
            return True
    return False


def publication_check_run(
    *,
    channel: Channel,
    pupils: Iterable[Pupil],
    caption: str,
    checked_by: StaffMember,
    includes_video: bool = False,
) -> PublicationCheck:
    """Check a photo before it is posted: may each pupil in it appear on this
    channel, and does the caption name a pupil? Stored whatever the result.

    Threemilestone 4.1–4.4 (only pupils with consent; no pupil named),
    Whitchurch "Use of images" ("photos or video recordings"), Westbrook C.
    A post with video — every post on YouTube, or one marked as including
    video — needs the ``video`` purpose as well as the channel's own: a
    pupil must be allowed for every purpose the post needs.
    """
    from consent.screening import screen_names

    if not may_check_channel(checked_by, channel):
        raise ServiceError(
            gettext(
                "Only an administrator currently authorised for %(channel)s, the headteacher "
                "or a senior leader can run a publication check for it."
            )
            % {"channel": channel.name}
        )
    pupils = list(pupils)
    for pupil in pupils:
        _same_school(checked_by, pupil)
    if not pupils and not caption.strip():
        raise ServiceError(
            gettext("Choose the pupils in the photo, or paste the caption, or both.")
        )
    school = channel.school
    purposes = purpose_for_channel(channel, video=includes_video)
    purpose = purposes[0] if purposes else ""
    today = school.local_today()
    ids = [p.pk for p in pupils]
    fresh = {p.pk: p for p in Pupil.objects.filter(pk__in=ids).with_consent()}
    # The reasons are kept with the check: written in the school's language,
    # like its audit trail, whoever runs it.
    results = []
    with translation.override(language_code(school.language)):
        for pk in dict.fromkeys(ids):
            pupil = fresh[pk]
            if not purposes:
                results.append(
                    (
                        pupil,
                        False,
                        "",
                        gettext(
                            "%(platform)s carries no pupils' photos: do not post photos of pupils "
                            "there."
                        )
                        % {"platform": channel.get_platform_display()},
                        None,
                    )
                )
                continue
            answers = [pupil.current_consent(p, on=today) for p in purposes]
            refusing = [a for a in answers if not a.allowed]
            # The first answer that says no decides the row; when all say yes the
            # channel's own purpose clears it, and the reason lists each.
            answer = refusing[0] if refusing else answers[0]
            results.append(
                (
                    pupil,
                    not refusing,
                    answer.status,
                    " ".join(a.reason for a in (refusing or answers)),
                    answer.record if not refusing else None,
                )
            )
    matches = screen_names(school=school, text=caption)
    in_photo = set(ids)
    names_a_pupil = caption_names_a_pupil(
        school=school, channel=channel, matches=matches, in_photo=in_photo, purposes=purposes
    )
    if not purpose and not names_a_pupil:
        result = PublicationCheck.Result.NO_PHOTOS
    elif not names_a_pupil and all(allowed for _, allowed, *_ in results):
        result = PublicationCheck.Result.ALLOWED
    else:
        result = PublicationCheck.Result.BLOCKED
    with transaction.atomic():
        check = PublicationCheck.objects.create(
            school=school,
            channel=channel,
            purpose=purpose,
            purposes=list(purposes),
            includes_video=bool(includes_video) or Purpose.VIDEO in purposes,
            caption=caption,
            caption_matches=[
                {
                    "pupil_id": m.pupil_id,
                    "pupil_name": m.pupil_name,
                    "kind": m.kind,
                    "in_photo": m.pupil_id in in_photo,
                    "matched_text": m.matched_text,
                    "start": m.start,
                    "end": m.end,
                }
                for m in matches
            ],
            result=result,
            checked_by=checked_by,
        )
        CheckedPupil.objects.bulk_create(
            CheckedPupil(
                check_run=check,
                pupil=pupil,
                allowed=allowed,
                status=status,
                reason=reason,
                cleared_by=record,
            )
            for pupil, allowed, status, reason, record in results
        )
        blocked = sum(1 for _, allowed, *_ in results if not allowed)
        audit_record(
            school=school,
            actor=checked_by.user,
            action="consent.check",
            obj=check,
            summary=(
                later(
                    "Publication check for %(channel)s (video): %(count)s pupil(s), "
                    "%(blocked)s blocked; %(names)s name(s) found in the caption.",
                    channel=channel.name,
                    count=len(results),
                    blocked=blocked,
                    names=len(matches),
                )
                if Purpose.VIDEO in purposes
                else later(
                    "Publication check for %(channel)s: %(count)s pupil(s), "
                    "%(blocked)s blocked; %(names)s name(s) found in the caption.",
                    channel=channel.name,
                    count=len(results),
                    blocked=blocked,
                    names=len(matches),
                )
            ),
        )
    return check


def _followup_answer(followup: CheckedPupil, pupil: Pupil | None = None):
    """The current answer that makes ``followup`` a follow-up, or ``None``:
    the first purpose its post needed that is now withdrawn, refused or
    "never publish"."""
    if not followup.allowed:
        return None
    pupil = pupil or Pupil.objects.with_consent().get(pk=followup.pupil_id)
    for purpose in followup.check_run.needed_purposes:
        answer = pupil.current_consent(purpose)
        if answer.status in FOLLOWUP_STATUSES:
            return answer
    return None


FOLLOWUP_WHY = {
    Status.WITHDRAWN: gettext_lazy("consent was withdrawn"),
    Status.REFUSED: gettext_lazy("a later form refused consent"),
    Status.NEVER: gettext_lazy("“never publish” was set"),
}


def followups_raise(*, pupil: Pupil, changed_by: StaffMember) -> list[CheckedPupil]:
    """After a pupil's consent changed (a withdrawal, a later refusal,
    "never publish"), make a follow-up of each post an earlier publication
    check cleared them for that they may no longer appear in, and tell the
    administrators who ran those checks and the head.

    Threemilestone 4.1 (consent can be withdrawn; only pupils with consent
    appear), 4.2 (administrators know the permissions); Whitchurch "Use of
    images". The notification names no pupil (emails reach phones): it links
    to the follow-ups page. Each post is raised once; the notification key
    names the first post raised, so a retry sends nothing twice. Returns the
    follow-ups raised now."""
    from schoolsocial.notifications import Delivery, deliver
    from schoolsocial.selectors import head_for

    fresh = Pupil.objects.with_consent().select_related("school").get(pk=pupil.pk)
    candidates = (
        CheckedPupil.objects.select_for_update()
        .filter(
            pupil=fresh, allowed=True, reviewed_at__isnull=True, followup_raised_at__isnull=True
        )
        .exclude(check_run__purpose="")
        .select_related("check_run__channel", "check_run__checked_by__user")
        .order_by("pk")
    )
    now = timezone.now()
    raised = []
    for row in candidates:
        answer = _followup_answer(row, fresh)
        if answer is None:
            continue
        row.followup_raised_at = now
        row.followup_status = answer.status
        row.save(update_fields=["followup_raised_at", "followup_status"])
        raised.append(row)
    if not raised:
        return raised
    school = fresh.school
    audit_record(
        school=school,
        actor=changed_by.user,
        action="consent.followups_raised",
        obj=fresh,
        summary=later(
            "%(count)s post(s) cleared for %(name)s to take down or keep: %(why)s.",
            count=len(raised),
            name=fresh.full_name,
            why=FOLLOWUP_WHY[raised[0].followup_status],
        ),
    )
    per_member: dict[int, tuple[StaffMember, int]] = {}
    for row in raised:
        checker = row.check_run.checked_by
        # Only someone who can still act on the post: an administrator whose
        # authorisation for that channel has ended is not sent a link they
        # cannot open (the head is told of every post).
        if not may_review_followup(checker, row):
            continue
        member, count = per_member.get(checker.pk, (checker, 0))
        per_member[checker.pk] = (member, count + 1)
    head = head_for(school=school)
    if head is not None:
        per_member[head.pk] = (head, len(raised))
    url = reverse("consent:followups")
    key = f"consent_followup:{raised[0].pk}"
    deliver(
        Delivery(
            recipient=member,
            kind="consent_followup",
            key=f"{key}:{member.pk}",
            title=later(
                "Consent changed for a pupil in %(count)s post(s) cleared on %(school)s: "
                "take each down or record why it stays",
                count=count,
                school=school.name,
            ),
            url=url,
            object_type="consent.checkedpupil",
            object_id=str(raised[0].pk),
        )
        for member, count in per_member.values()
    )
    return raised


def may_review_followup(member: StaffMember, followup: CheckedPupil) -> bool:
    """The office, the head and SLT, or a current administrator of the
    channel the post is on (who can take it down)."""
    if member.school_id != followup.check_run.school_id or not member.is_active:
        return False
    roles = member.effective_roles()
    if roles & {Role.OFFICE, Role.HEAD, Role.SLT}:
        return True
    return (
        Role.ADMIN in roles
        and ChannelAuthorisation.objects.current()
        .filter(member=member, channel_id=followup.check_run.channel_id)
        .exists()
    )


def followup_mark_reviewed(
    *, followup: CheckedPupil, reviewed_by: StaffMember, outcome: str, note: str = ""
) -> CheckedPupil:
    """Close a follow-up: the post was taken down (or the pupil removed from
    it), or it is kept, with a written reason (Threemilestone 4.1: withdrawn
    consent is respected; Whitchurch "Use of images"). Audited; the
    follow-up leaves the dashboard and the daily reminder. Expiry alone
    does not need a review."""
    if not may_review_followup(reviewed_by, followup):
        raise ServiceError(
            gettext(
                "Only the office, the headteacher, a senior leader or a current administrator "
                "of %(channel)s can close this follow-up."
            )
            % {"channel": followup.check_run.channel.name}
        )
    if outcome not in CheckedPupil.Outcome.values:
        raise ServiceError(gettext("Say whether the post was taken down or is kept."))
    note = note.strip()
    if outcome == CheckedPupil.Outcome.KEPT and not note:
        raise ServiceError(
            gettext(
                "Give the reason the post stays up (for example: the pupil cannot be recognised)."
            )
        )
    with transaction.atomic():
        followup = (
            CheckedPupil.objects.select_for_update()
            .select_related("check_run__channel", "pupil")
            .get(pk=followup.pk)
        )
        if followup.reviewed_at:
            raise ServiceError(gettext("This post has already been marked taken down or kept."))
        answer = None if followup.followup_raised_at else _followup_answer(followup)
        if not followup.followup_raised_at and answer is None:
            raise ServiceError(
                gettext(
                    "This post does not need reviewing: the pupil's consent was not withdrawn "
                    "or refused, and “never publish” is not set."
                )
            )
        status = followup.followup_status or answer.status
        followup.reviewed_at = timezone.now()
        followup.reviewed_by = reviewed_by
        followup.review_outcome = outcome
        followup.review_note = note
        followup.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
        audit_record(
            school=reviewed_by.school,
            actor=reviewed_by.user,
            action="consent.followup_reviewed",
            obj=followup,
            summary=(
                later(
                    "%(outcome)s: the post on %(channel)s from publication check %(check)s for "
                    "%(name)s after %(why)s: %(note)s",
                    outcome=CheckedPupil.Outcome(outcome).label,
                    channel=followup.check_run.channel.name,
                    check=followup.check_run_id,
                    name=followup.pupil.full_name,
                    why=FOLLOWUP_WHY[status],
                    note=note,
                )
                if note
                else later(
                    "%(outcome)s: the post on %(channel)s from publication check %(check)s for "
                    "%(name)s after %(why)s.",
                    outcome=CheckedPupil.Outcome(outcome).label,
                    channel=followup.check_run.channel.name,
                    check=followup.check_run_id,
                    name=followup.pupil.full_name,
                    why=FOLLOWUP_WHY[status],
                )
            ),
        )
    return followup


# --- Private-group applications ------------------------------------------------------


def group_application_record(
    *,
    school: School,
    recorded_by: StaffMember,
    applicant_name: str,
    profile_name: str,
    relationship: str,
    pupils: Iterable[Pupil],
    code_of_conduct_signed_on: datetime.date,
) -> GroupApplication:
    """Record an application to join the private parents' group
    (Threemilestone 1.3, 2.2: members are parents and carers of current
    pupils who have signed the code of conduct)."""
    _require(
        recorded_by,
        {Role.OFFICE, Role.HEAD, Role.SLT},
        gettext(
            "Only the office, the headteacher or a senior leader can record group applications."
        ),
    )
    _member_of(recorded_by, school)
    pupils = list(pupils)
    applicant_name, profile_name = applicant_name.strip(), profile_name.strip()
    if not applicant_name or not profile_name:
        raise ServiceError(
            gettext("Give the applicant's name and their profile name on the platform.")
        )
    if relationship not in GroupApplication.Relationship.values:
        raise ServiceError(gettext("Choose the applicant's relationship to the pupil."))
    if not pupils:
        raise ServiceError(gettext("Choose the pupil or pupils the applicant is connected to."))
    for pupil in pupils:
        _same_school(recorded_by, pupil)
    _not_in_future(
        code_of_conduct_signed_on,
        school,
        gettext("The date the code of conduct was signed cannot be in the future."),
    )
    with transaction.atomic():
        application = GroupApplication.objects.create(
            school=school,
            applicant_name=applicant_name,
            profile_name=profile_name,
            relationship=relationship,
            code_of_conduct_signed_on=code_of_conduct_signed_on,
            recorded_by=recorded_by,
        )
        application.pupils.set(pupils)
        audit_record(
            school=school,
            actor=recorded_by.user,
            action="consent.group_record",
            obj=application,
            summary=later(
                "Recorded a private-group application from %(name)s (“%(profile)s”), "
                "%(relationship)s of %(pupils)s.",
                name=applicant_name,
                profile=profile_name,
                relationship=lower(GroupApplication.Relationship(relationship).label),
                pupils=", ".join(p.full_name for p in pupils),
            ),
        )
    return application


def group_application_decide(
    *,
    application: GroupApplication,
    approve: bool,
    reason: str,
    decided_by: StaffMember,
    exception_reason: str = "",
) -> GroupApplication:
    """Approve or reject a pending application (SLT or the head; Threemilestone
    2.2: the senior leadership team vets membership).

    Threemilestone 1.3 and 2.2 ("only parents/carers can … apply to join"):
    the group shares pupils' photos, so only someone with parental
    responsibility (parent, carer, guardian) is approved — anyone else only
    as an exception the leader writes down, kept on the application and in
    the audit trail."""
    _require(
        decided_by,
        LEADERS,
        gettext(
            "Only the headteacher or a senior leader can approve or reject group applications."
        ),
    )
    _same_school(decided_by, application)
    reason = reason.strip()
    exception_reason = exception_reason.strip()
    if not reason:
        raise ServiceError(gettext("Give a reason for the decision."))
    with transaction.atomic():
        application = GroupApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != GroupApplication.Status.PENDING:
            raise ServiceError(gettext("This application has already been decided."))
        exception = approve and not application.has_parental_responsibility
        if exception and not exception_reason:
            raise ServiceError(
                gettext(
                    "Only parents and carers with parental responsibility may join the group "
                    "that shares pupils' photos%(clause)s. To approve a %(relationship)s, "
                    "record an exception with a written reason."
                )
                % {
                    "clause": _cite(application.school, "group_membership"),
                    "relationship": application.get_relationship_display().lower(),
                }
            )
        application.status = (
            GroupApplication.Status.APPROVED if approve else GroupApplication.Status.REJECTED
        )
        application.decided_by = decided_by
        application.decided_at = timezone.now()
        application.decision_reason = reason
        application.exception_reason = exception_reason if exception else ""
        application.save()
        audit_record(
            school=application.school,
            actor=decided_by.user,
            action="consent.group_approve" if approve else "consent.group_reject",
            obj=application,
            summary=(
                later(
                    "Approved the group application of %(name)s: %(reason)s Exception "
                    "(%(relationship)s, not a parent or carer): %(exception)s",
                    name=application.applicant_name,
                    reason=reason,
                    relationship=lower(
                        GroupApplication.Relationship(application.relationship).label
                    ),
                    exception=exception_reason,
                )
                if exception
                else later(
                    "Approved the group application of %(name)s: %(reason)s",
                    name=application.applicant_name,
                    reason=reason,
                )
                if approve
                else later(
                    "Rejected the group application of %(name)s: %(reason)s",
                    name=application.applicant_name,
                    reason=reason,
                )
            ),
        )
    return application


def group_application_remove(
    *, application: GroupApplication, reason: str, removed_by: StaffMember
) -> GroupApplication:
    """Remove an approved member from the private group, with a reason
    (Threemilestone 2.2, 6.1; Roman Road code of conduct)."""
    _require(
        removed_by,
        LEADERS,
        gettext("Only the headteacher or a senior leader can remove group members."),
    )
    _same_school(removed_by, application)
    reason = reason.strip()
    if not reason:
        raise ServiceError(gettext("Give a reason for removing this member."))
    with transaction.atomic():
        application = GroupApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != GroupApplication.Status.APPROVED:
            raise ServiceError(gettext("Only an approved member can be removed."))
        application.status = GroupApplication.Status.REMOVED
        application.removed_by = removed_by
        application.removed_at = timezone.now()
        application.removal_reason = reason
        application.save()
        audit_record(
            school=application.school,
            actor=removed_by.user,
            action="consent.group_remove",
            obj=application,
            summary=later(
                "Removed %(name)s from the private group: %(reason)s",
                name=application.applicant_name,
                reason=reason,
            ),
        )
    return application


def audit_private_file(*, member: StaffMember, obj, summary: str) -> None:
    """Every view of a pupil photo or a consent-form scan is audited (``obj``
    None: a list of pupils' thumbnails, recorded once for the list)."""
    audit_record(
        school=member.school,
        actor=member.user,
        action="consent.file_view",
        obj=obj,
        summary=summary,
    )


def audit_print(*, member: StaffMember, summary: str) -> None:
    """Printing the do-not-publish sheet puts pupils' names and photos on
    paper: it is recorded like an export."""
    audit_record(school=member.school, actor=member.user, action="consent.print", summary=summary)


def audit_export(*, member: StaffMember, summary: str) -> None:
    audit_record(school=member.school, actor=member.user, action="consent.export", summary=summary)


def check_photo_record(
    *, check: PublicationCheck, photo, keep: bool, by: StaffMember
) -> CheckPhoto:
    """Count the faces in the photo given to a publication check and warn
    when there are more than pupils ticked (Threemilestone 4.1–4.4: only
    pupils with consent appear; an unticked child at the edge of a group is
    the usual slip). Detection only (``consent.faces``): no face is
    identified and nothing about one is stored. The photo is kept only if
    the administrator chose to; otherwise it is read and dropped."""
    import hashlib

    from django.core.files.base import ContentFile

    from consent import faces
    from schoolsocial.images import ImageRejected, inspect_upload

    if by.school_id != check.school_id:
        raise ServiceError(gettext("These records belong to different schools."))
    try:
        inspect_upload(photo)
    except ImageRejected as error:
        raise ServiceError([gettext("The photo was not looked at:"), *error.messages]) from None
    photo.seek(0)
    data = photo.read()
    found = faces.count_faces(data)
    ticked = check.pupils.count()
    storage = get_private_storage()
    name = ""
    try:
        with transaction.atomic():
            if keep:
                name = storage.save(
                    f"check-photos/{check.school_id}/{uuid.uuid4().hex}.img", ContentFile(data)
                )
            row = CheckPhoto.objects.create(
                check_run=check,
                faces=found,
                pupils_ticked=ticked,
                kept=name,
                sha256=hashlib.sha256(data).hexdigest() if keep else "",
            )
            audit_record(
                school=check.school,
                actor=by.user,
                action="consent.check_photo",
                obj=check,
                summary=(
                    later(
                        "Publication check %(check)s: %(faces)s face(s) found in the photo, "
                        "%(ticked)s pupil(s) ticked; photo kept.",
                        check=check.pk,
                        faces=found,
                        ticked=ticked,
                    )
                    if keep
                    else later(
                        "Publication check %(check)s: %(faces)s face(s) found in the photo, "
                        "%(ticked)s pupil(s) ticked; photo not kept.",
                        check=check.pk,
                        faces=found,
                        ticked=ticked,
                    )
                ),
            )
    except BaseException:
        if name:
            storage.delete(name)
        raise
    return row


def _cite(school, key: str) -> str:
    """ " (the school's clause)" for a message, or "" if its policy has none."""
    from policy.selectors import profile_for

    ref = profile_for(school).clause(key).ref
    return f" ({ref})" if ref else ""
