"""Subject access: everything this app holds that names one pupil, parent or
member of staff, as one ZIP with a readable ``index.html`` (UK GDPR Art. 15;
ICO "Right of access").

The head asks for it (``subject_access_request``); a Celery task builds it
(``subject_access_build``); the head downloads it once
(``subject_access_download``), after which the file is removed. Each step
is audited, and the ZIP's SHA-256 is recorded.

What goes in is contributed by each app through a small registry filled in
``AppConfig.ready`` (as reminders and retention are): a ``Contributor``
returns ``Section``s — a title, rows of label/value pairs, and the private
files (scans, screenshots) that belong with them. The core adds the staff
record and, last, every audit event that names the subject or one of the
records the other sections found.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import logging
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from schoolsocial.audit import action_label, audit_record
from schoolsocial.language import language_code, later
from schoolsocial.models import AuditEvent, School, StaffMember, SubjectAccessRequest
from schoolsocial.private_files import open_detached, private_storage
from schoolsocial.wording import lower

logger = logging.getLogger(__name__)

Kind = SubjectAccessRequest.Kind


@dataclass(frozen=True)
class Subject:
    kind: str
    ref: str
    name: str
    # Spellings to look for in free text (comments, summaries).
    names: tuple[str, ...] = ()
    member: StaffMember | None = None


@dataclass
class Section:
    title: str
    intro: str = ""
    # Each row is one record: (label, value) pairs in order.
    rows: list[list[tuple[str, str]]] = field(default_factory=list)
    # (name inside the ZIP, name in private storage)
    files: list[tuple[str, str]] = field(default_factory=list)
    # Records found, as (model label, pk), so their audit events come too.
    objects: set[tuple[str, str]] = field(default_factory=set)


class Contributor:
    def sections(self, *, school: School, subject: Subject) -> Iterable[Section]:
        raise NotImplementedError


CONTRIBUTORS: list[Contributor] = []
# kind -> (choices for the request form, resolver of a ref to a Subject)
SUBJECT_FINDERS: dict[str, tuple[Callable, Callable]] = {}


def register(contributor: Contributor) -> Contributor:
    if not any(type(c) is type(contributor) for c in CONTRIBUTORS):
        CONTRIBUTORS.append(contributor)
    return contributor


def register_subject_kind(
    kind: str,
    *,
    choices: Callable[[School], list[tuple[str, str]]],
    resolve: Callable[[School, str], Subject | None],
) -> None:
    SUBJECT_FINDERS[kind] = (choices, resolve)


def subject_choices(school: School, kind: str) -> list[tuple[str, str]]:
    finder = SUBJECT_FINDERS.get(kind)
    return finder[0](school) if finder else []


def resolve_subject(school: School, kind: str, ref: str) -> Subject | None:
    if kind == Kind.PARENT:
        name = " ".join(ref.split())
        return Subject(kind, name, name, (name,)) if len(name) >= 3 else None
    finder = SUBJECT_FINDERS.get(kind)
    return finder[1](school, ref) if finder else None


# --- The core's own part: staff members ---------------------------------------


def staff_choices(school: School) -> list[tuple[str, str]]:
    return [
        (
            str(m.pk),
            (
                gettext("%(name)s (%(email)s)")
                if m.is_active
                else gettext("%(name)s (%(email)s), left")
            )
            % {"name": m.user.display_name, "email": m.user.email},
        )
        for m in StaffMember.objects.filter(school=school).select_related("user")
    ]


def staff_subject(school: School, ref: str) -> Subject | None:
    member = (
        StaffMember.objects.filter(school=school, pk=ref).select_related("user").first()
        if ref.isdigit()
        else None
    )
    if member is None:
        return None
    user = member.user
    names = tuple(n for n in {user.get_full_name().strip(), user.email} if n)
    return Subject(Kind.STAFF, ref, user.display_name, names, member)


class StaffRecord(Contributor):
    def sections(self, *, school, subject):
        if subject.kind != Kind.STAFF or subject.member is None:
            return []
        member = subject.member
        section = Section(
            gettext("Staff record"), gettext("Your place on the school's staff roster.")
        )
        section.rows.append(
            [
                (gettext("Name"), member.user.display_name),
                (gettext("Email"), member.user.email),
                (gettext("Job title"), member.job_title),
                (gettext("Roles"), ", ".join(member.role_labels()) or gettext("none (left)")),
                (gettext("Joined"), _date(member.joined_on)),
                (gettext("Left"), _date(member.left_on)),
            ]
        )
        section.objects.add(("schoolsocial.staffmember", str(member.pk)))
        authorisations = Section(gettext("Channel authorisations"))
        for auth in member.authorisations.select_related("channel"):
            authorisations.rows.append(
                [
                    (gettext("Channel"), auth.channel.name),
                    (gettext("Authorised on"), _date(auth.authorised_on)),
                    (gettext("Training completed"), _date(auth.trained_on)),
                    (gettext("Acceptable use signed"), _date(auth.acceptable_use_signed_on)),
                    (gettext("Revoked on"), _date(auth.revoked_on)),
                    (gettext("Reason"), auth.revoked_reason),
                ]
            )
            authorisations.objects.add(("schoolsocial.channelauthorisation", str(auth.pk)))
        return [section, authorisations]


def audit_section(school: School, subject: Subject, objects: set[tuple[str, str]]) -> Section:
    """Audit events that name the subject, were done by them (staff), or
    concern a record the other sections found."""
    condition = Q()
    for name in subject.names:
        condition |= Q(summary__icontains=name)
    if subject.member is not None:
        condition |= Q(actor=subject.member.user)
    by_type: dict[str, set[str]] = {}
    for label, pk in objects:
        by_type.setdefault(label, set()).add(pk)
    for label, pks in by_type.items():
        condition |= Q(object_type=label, object_id__in=pks)
    section = Section(
        gettext("Audit trail"),
        gettext(
            "Events of the school's audit trail that name the subject or concern the "
            "records above (who did what, when)."
        ),
    )
    if not condition:
        return section
    tz = school.tz
    for event in AuditEvent.objects.filter(condition, school=school).order_by("created_at", "id"):
        section.rows.append(
            [
                (gettext("When"), event.created_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")),
                (gettext("Who"), event.actor_label or gettext("the service")),
                (gettext("What"), action_label(event.action)),
                (gettext("Summary"), event.summary),
            ]
        )
    return section


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


date_text = _date


# --- Services -----------------------------------------------------------------


def subject_access_request(
    *, school: School, requested_by: StaffMember, kind: str, ref: str, reference: str = ""
) -> SubjectAccessRequest:
    """The head asks for a subject access export; a task builds it."""
    from schoolsocial.tasks import build_subject_access

    if requested_by.school_id != school.pk or "head" not in requested_by.effective_roles():
        raise ValidationError(gettext("Only the headteacher can ask for a subject access export."))
    if kind not in Kind.values:
        raise ValidationError(gettext("Choose whose information to export."))
    subject = resolve_subject(school, kind, ref)
    if subject is None:
        raise ValidationError(
            gettext("Give the parent's name (at least 3 letters).")
            if kind == Kind.PARENT
            else gettext("Choose the person from the list.")
        )
    with transaction.atomic():
        request = SubjectAccessRequest.objects.create(
            school=school,
            kind=kind,
            subject_ref=subject.ref,
            subject_name=subject.name,
            reference=reference.strip()[:200],
            requested_by=requested_by,
        )
        audit_record(
            school=school,
            actor=requested_by.user,
            action="subject_access.request",
            obj=request,
            summary=(
                later(
                    "Asked for a subject access export for %(name)s (%(kind)s), "
                    "reference: %(reference)s",
                    name=subject.name,
                    kind=lower(Kind(kind).label),
                    reference=reference,
                )
                if reference
                else later(
                    "Asked for a subject access export for %(name)s (%(kind)s).",
                    name=subject.name,
                    kind=lower(Kind(kind).label),
                )
            ),
        )
        transaction.on_commit(lambda: build_subject_access.delay(request.pk))
    return request


def subject_access_build(request_id: int) -> bool:
    """Build the ZIP (the task calls this). Claims the request first, so two
    copies of the task build it once. Returns whether this run built it."""
    now = timezone.now()
    Status = SubjectAccessRequest.Status
    claimed = (
        SubjectAccessRequest.objects.filter(pk=request_id)
        .filter(
            Q(status=Status.QUEUED)
            | Q(
                status=Status.BUILDING,
                started_at__lt=now - SubjectAccessRequest.BUILD_TIMEOUT,
            )
        )
        .update(status=Status.BUILDING, started_at=now)
    )
    if not claimed:
        return False
    request = SubjectAccessRequest.objects.select_related("school").get(pk=request_id)
    school = request.school
    try:
        subject = resolve_subject(school, request.kind, request.subject_ref)
        if subject is None:
            raise ValueError("the subject is no longer on record")
        data, count = build_zip(school=school, subject=subject, request=request)
        name = f"subject-access/{school.pk}/{uuid.uuid4().hex}.zip"
        stored = private_storage.save(name, ContentFile(data))
    except Exception as error:
        logger.exception("Subject access export %s failed", request_id)
        with transaction.atomic():
            SubjectAccessRequest.objects.filter(pk=request_id).update(
                status=SubjectAccessRequest.Status.FAILED, error=str(error)[:500]
            )
            audit_record(
                school=school,
                actor=None,
                action="subject_access.failed",
                obj=request,
                summary=later(
                    "The subject access export for %(name)s failed; ask for it again.",
                    name=request.subject_name,
                ),
                ip="",
            )
        return False
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        SubjectAccessRequest.objects.filter(pk=request_id).update(
            status=SubjectAccessRequest.Status.READY,
            ready_at=timezone.now(),
            file_name=stored,
            file_sha256=digest,
            file_size=len(data),
            item_count=count,
        )
        audit_record(
            school=school,
            actor=None,
            action="subject_access.ready",
            obj=request,
            summary=later(
                "Subject access export for %(name)s built: %(count)s records, "
                "%(size)s bytes, SHA-256 %(digest)s.",
                name=request.subject_name,
                count=count,
                size=len(data),
                digest=digest,
            ),
            ip="",
        )
    return True


def collect(school: School, subject: Subject) -> list[Section]:
    sections: list[Section] = []
    for contributor in CONTRIBUTORS:
        sections.extend(s for s in contributor.sections(school=school, subject=subject))
    objects: set[tuple[str, str]] = set()
    for section in sections:
        objects |= section.objects
    sections.append(audit_section(school, subject, objects))
    return sections


def build_zip(
    *, school: School, subject: Subject, request: SubjectAccessRequest
) -> tuple[bytes, int]:
    # Times as the school reads them, words in the school's language.
    language = language_code(school.language)
    with timezone.override(school.tz), translation.override(language):
        sections = collect(school, subject)
    buffer = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in sections:
            count += len(section.rows)
            for arcname, stored in section.files:
                with private_storage.open(stored, "rb") as handle:
                    archive.writestr(f"files/{arcname}", handle.read())
        with translation.override(language):
            index = render_to_string(
                "subject_access/index.html",
                {
                    "school": school,
                    "subject": subject,
                    "request": request,
                    "kind_label": Kind(subject.kind).label,
                    "sections": sections,
                    "generated_at": timezone.now().astimezone(school.tz),
                    # Sections label their files "File" (in either language).
                    "file_label": gettext("File"),
                },
            )
        archive.writestr("index.html", index)
    return buffer.getvalue(), count


def subject_access_download(
    *, request_id: int, school: School, member: StaffMember
) -> tuple[SubjectAccessRequest, io.BufferedReader]:
    """Hand the ZIP to the head, once: the request is marked downloaded and
    the file removed in the same step; returns an open handle to stream
    (the data stays readable through it after the name is removed)."""
    if "head" not in member.effective_roles() or member.school_id != school.pk:
        raise ValidationError(gettext("Only the headteacher can download a subject access export."))
    with transaction.atomic():
        claimed = SubjectAccessRequest.objects.filter(
            pk=request_id, school=school, status=SubjectAccessRequest.Status.READY
        ).update(
            status=SubjectAccessRequest.Status.DOWNLOADED,
            downloaded_by=member,
            downloaded_at=timezone.now(),
        )
        if not claimed:
            raise ValidationError(
                gettext(
                    "This export is not ready, or has already been downloaded (it can be "
                    "downloaded once)."
                )
            )
        request = SubjectAccessRequest.objects.get(pk=request_id)
        audit_record(
            school=school,
            actor=member.user,
            action="subject_access.download",
            obj=request,
            summary=later(
                "Downloaded the subject access export for %(name)s (SHA-256 %(digest)s); "
                "the file was then removed.",
                name=request.subject_name,
                digest=request.file_sha256,
            ),
        )
        # Readable after its stored file is removed (on disk: POSIX keeps an
        # open file; on object storage: a temporary copy).
        handle = open_detached(request.file_name)
        transaction.on_commit(lambda: _remove(request.file_name))
    return request, handle


def subject_access_expire(*, now: datetime.datetime | None = None) -> int:
    """Remove ready exports nobody downloaded within ``KEPT_FOR`` (run
    nightly): a copy of someone's whole record should not sit on the server.
    Returns how many were removed."""
    now = now or timezone.now()
    Status = SubjectAccessRequest.Status
    expired = 0
    stale = SubjectAccessRequest.objects.filter(
        status=Status.READY, ready_at__lt=now - SubjectAccessRequest.KEPT_FOR
    ).select_related("school")
    for request in stale:
        with transaction.atomic():
            if not SubjectAccessRequest.objects.filter(pk=request.pk, status=Status.READY).update(
                status=Status.EXPIRED
            ):
                continue
            audit_record(
                school=request.school,
                actor=None,
                action="subject_access.expired",
                obj=request,
                summary=later(
                    "The subject access export for %(name)s was not downloaded within "
                    "30 days; its file was removed.",
                    name=request.subject_name,
                ),
                ip="",
            )
            name = request.file_name
            transaction.on_commit(lambda name=name: _remove(name))
        expired += 1
    return expired


def _remove(name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        private_storage.delete(name)


def requests_for(school: School) -> Sequence[SubjectAccessRequest]:
    return list(
        SubjectAccessRequest.objects.filter(school=school).select_related(
            "requested_by__user", "downloaded_by__user"
        )
    )
