"""Reading the consent registers. Lists read the consent records of all
their pupils in one query, as plain rows decided by the same rules as a
pupil's page (``current_answers``), so neither their query count nor their
cost in model objects grows with the number of records."""

from __future__ import annotations

import base64
from collections import OrderedDict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When

from consent.models import (
    FOLLOWUP_STATUSES,
    PURPOSE_SHORT,
    YEAR_ORDER,
    CheckedPupil,
    ConsentAnswer,
    ConsentForm,
    ConsentRecord,
    DecisionRow,
    GroupApplication,
    PublicationCheck,
    Pupil,
    Purpose,
    Status,
    decide,
    deciding_order,
)
from schoolsocial.models import Channel, ChannelAuthorisation, School, StaffMember


@dataclass
class PupilRow:
    pupil: Pupil
    answers: list[ConsentAnswer]


def class_names(school: School) -> list[str]:
    return list(
        Pupil.objects.filter(school=school, left_on__isnull=True)
        .order_by("class_name")
        .values_list("class_name", flat=True)
        .distinct()
    )


def search(qs: QuerySet[Pupil], q: str) -> QuerySet[Pupil]:
    return qs.search(q)


REGISTER_PAGE_SIZE = 50


def _year_order() -> Case:
    return Case(
        *(When(year_group=value, then=Value(n)) for value, n in YEAR_ORDER.items()),
        default=Value(99),
        output_field=IntegerField(),
    )


def register(
    *,
    school: School,
    q: str = "",
    year: str = "",
    class_name: str = "",
    leavers: bool = False,
    page: int | str | None = 1,
    per_page: int = REGISTER_PAGE_SIZE,
) -> Page:
    """One page of the register, in year, class and name order, with the
    current answer for every purpose on each row (``page.object_list`` is a
    list of ``PupilRow``). Three queries whatever the size of the school:
    the count, the page's pupils and their consent records (as plain rows,
    ``current_answers``)."""
    qs = Pupil.objects.filter(school=school)
    if not leavers:
        qs = qs.on_roll()
    if q:
        qs = qs.search(q)
    if year:
        qs = qs.filter(year_group=year)
    if class_name:
        qs = qs.filter(class_name=class_name)
    qs = qs.annotate(year_order=_year_order()).order_by(
        "year_order", "class_name", "last_name", "first_name", "pk"
    )
    result = Paginator(qs, per_page).get_page(page)
    pupils = list(result.object_list)
    answers = current_answers(
        pupils, Purpose.values, on=school.local_today(), pupil_ids=[p.pk for p in pupils]
    )
    result.object_list = [PupilRow(p, answers.get(p.pk, [])) for p in pupils]
    return result


def class_pupils(*, school: School, class_name: str) -> list[Pupil]:
    """A class's pupils on roll in register order (surname, first name), with
    ``last_form_on``: the date the latest consent form was received, if any."""
    return list(
        Pupil.objects.filter(school=school, class_name=class_name)
        .on_roll()
        .annotate(last_form_on=Max("consent_forms__received_on"))
        .order_by("last_name", "first_name", "pk")
    )


def current_answers(
    pupils: list[Pupil],
    purposes: list[str],
    *,
    on,
    pupil_ids: QuerySet | list[int],
    granted: bool = True,
    explain: bool = False,
) -> dict[int, list[ConsentAnswer]]:
    """The current answer for each of ``purposes`` for each of ``pupils``
    (whose ids ``pupil_ids`` gives, as a list or a subquery), keyed by pupil
    id; without ``granted`` only the answers that say no. The rules are
    ``Pupil.consent_from_forms``'s (``decide``), run over plain rows rather
    than model objects: one query however many records there are, and with
    ``explain`` one more for the records that explain each "no" (the
    do-not-publish CSV gives the reason)."""
    grouped: dict[tuple[int, str], list[DecisionRow]] = {}
    rows = (
        ConsentRecord.objects.filter(pupil__in=pupil_ids, purpose__in=purposes)
        .order_by()
        .values_list(
            "pupil_id",
            "purpose",
            "form__received_on",
            "decision",
            "pk",
            "withdrawn_on",
            "form__valid_until",
        )
    )
    for pupil_id, purpose, *rest in rows.iterator(chunk_size=5000):
        grouped.setdefault((pupil_id, purpose), []).append(DecisionRow(*rest))
    found: dict[int, list[tuple[str, str, int | None]]] = {}
    for pupil in pupils:
        items = found.setdefault(pupil.pk, [])
        for purpose in purposes:
            if pupil.never_publish:
                status, record_pk = Status.NEVER, None
            else:
                records = grouped.get((pupil.pk, purpose))
                if not records:
                    status, record_pk = Status.NO_FORM, None
                else:
                    records.sort(key=deciding_order)
                    status, index = decide(records, on=on)
                    record_pk = records[index].pk
            if granted or status != Status.GRANTED:
                items.append((purpose, status, record_pk))
    explained = {}
    if explain:
        wanted = [pk for items in found.values() for _, _, pk in items if pk is not None]
        explained = ConsentRecord.objects.select_related("form").in_bulk(wanted) if wanted else {}
    return {
        pupil_id: [
            ConsentAnswer(purpose, status, explained.get(pk) if pk is not None else None)
            for purpose, status, pk in items
        ]
        for pupil_id, items in found.items()
        if items
    }


def refused_answers(
    pupils_qs: QuerySet[Pupil], purposes: list[str], *, on, explain: bool = False
) -> tuple[list[Pupil], dict[int, list[ConsentAnswer]]]:
    """The pupils of ``pupils_qs`` in year, class and name order and, for
    each, the answers that are not "granted" among ``purposes`` (with
    ``explain``, each with the record that explains it) — for the
    do-not-publish lists."""
    pupils = sorted(
        pupils_qs,
        key=lambda p: (YEAR_ORDER.get(p.year_group, 99), p.class_name, p.last_name, p.first_name),
    )
    answers = current_answers(
        pupils,
        purposes,
        on=on,
        pupil_ids=pupils_qs.order_by().values("pk"),
        granted=False,
        explain=explain,
    )
    return pupils, answers


def do_not_publish(
    *, school: School, purpose: str, class_name: str = "", explain: bool = False
) -> OrderedDict[str, list[PupilRow]]:
    """Pupils on roll who may NOT appear for ``purpose``, by class. Derived
    from the records each time, so it reflects a change the moment it is
    saved. With ``explain`` each answer carries its record (for the reason
    the CSV gives)."""
    qs = Pupil.objects.filter(school=school).on_roll()
    if class_name:
        qs = qs.filter(class_name=class_name)
    pupils, answers = refused_answers(qs, [purpose], on=school.local_today(), explain=explain)
    by_class: OrderedDict[str, list[PupilRow]] = OrderedDict()
    for pupil in pupils:
        if pupil.pk in answers:
            by_class.setdefault(pupil.class_name, []).append(PupilRow(pupil, answers[pupil.pk]))
    return by_class


@dataclass
class SheetPupil:
    """One pupil on the printed do-not-publish sheet."""

    pupil: Pupil
    refused: list[ConsentAnswer]  # the purposes they may not appear in
    photo: str  # a data: URI of the thumbnail, or "" for none

    @property
    def never(self) -> bool:
        return self.pupil.never_publish

    @property
    def nothing(self) -> bool:
        """May appear in nothing at all."""
        return len(self.refused) == len(Purpose.values)

    @property
    def may_not(self) -> str:
        return ", ".join(str(PURPOSE_SHORT[Purpose(a.purpose)]) for a in self.refused)


def _thumbnail_uri(pupil: Pupil) -> str:
    """The thumbnail inline, so a printed sheet is one request (and one audit
    event) however many photos it shows. "" when there is none or it cannot
    be read."""
    if not pupil.photo_thumbnail:
        return ""
    try:
        with pupil.photo_thumbnail.open("rb") as file:
            data = file.read(512 * 1024)
    except OSError:
        return ""
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


def do_not_publish_sheet(
    *, school: School, purposes: list[str], class_name: str = ""
) -> OrderedDict[str, list[SheetPupil]]:
    """The staff-room sheet: pupils on roll who may not appear in at least
    one of ``purposes``, by class in year order, each with what they may not
    appear in and their thumbnail."""
    qs = Pupil.objects.filter(school=school).on_roll()
    if class_name:
        qs = qs.filter(class_name=class_name)
    pupils, answers = refused_answers(qs, purposes, on=school.local_today())
    by_class: OrderedDict[str, list[SheetPupil]] = OrderedDict()
    for pupil in pupils:
        if refused := answers.get(pupil.pk):
            by_class.setdefault(pupil.class_name, []).append(
                SheetPupil(pupil, refused, _thumbnail_uri(pupil))
            )
    return by_class


def pupil_history(pupil: Pupil) -> list[ConsentForm]:
    return list(
        ConsentForm.objects.filter(pupil=pupil)
        .select_related("recorded_by__user")
        .prefetch_related("records__withdrawal_recorded_by__user")
        .order_by("-received_on", "-pk")
    )


def followups(pupil: Pupil) -> list[CheckedPupil]:
    """Earlier publication checks that allowed this pupil for a post they
    may no longer appear in: raised when their consent was withdrawn or
    refused or "never publish" was set (open first, then closed), and any
    older check whose purpose now says no (checks from before follow-ups
    were raised). Expiry is left out: a form running out is not an
    objection. Each row carries ``answer``, the current answer that makes it
    a follow-up (``None`` when consent has since been given again). Pass a
    pupil loaded ``with_consent()`` to avoid a query per purpose."""
    today = pupil.school.local_today()
    answers: dict[str, ConsentAnswer] = {}
    rows = []
    for row in (
        CheckedPupil.objects.filter(pupil=pupil, allowed=True)
        .exclude(check_run__purpose="")
        .select_related(
            "check_run__channel", "check_run__checked_by__user", "cleared_by", "reviewed_by__user"
        )
        .order_by("reviewed_at", "-check_run__checked_at")
    ):
        row.answer = None
        for purpose in row.check_run.needed_purposes:
            if purpose not in answers:
                answers[purpose] = pupil.current_consent(purpose, on=today)
            if answers[purpose].status in FOLLOWUP_STATUSES:
                row.answer = answers[purpose]
                break
        if row.answer is not None or row.followup_raised_at:
            rows.append(row)
    return rows


def open_followups(*, school: School, member: StaffMember | None = None) -> list[CheckedPupil]:
    """Follow-ups not yet marked taken down or kept, oldest first. With
    ``member`` an administrator (not office, head or SLT): those on channels
    they are currently authorised for or from checks they ran. Two
    queries."""
    qs = (
        CheckedPupil.objects.filter(
            pupil__school=school, followup_raised_at__isnull=False, reviewed_at__isnull=True
        )
        .select_related("pupil", "check_run__channel", "check_run__checked_by__user")
        .order_by("followup_raised_at", "pk")
    )
    if member is not None and not ({"office", "head", "slt"} & member.effective_roles()):
        channel_ids = list(
            ChannelAuthorisation.objects.current()
            .filter(member=member)
            .values_list("channel_id", flat=True)
        )
        qs = qs.filter(Q(check_run__channel_id__in=channel_ids) | Q(check_run__checked_by=member))
    return list(qs)


def followups_panel(member: StaffMember, roles: frozenset[str]) -> dict | None:
    """The dashboard panel (schoolsocial.dashboard): open follow-ups for the
    head and SLT, and for an administrator those of their channels."""
    if not ({"head", "slt"} & roles) and "admin" not in roles:
        return None
    rows = open_followups(school=member.school, member=None if {"head", "slt"} & roles else member)
    if not rows:
        return None
    return {"rows": rows, "channels": sorted({r.check_run.channel.name for r in rows})}


def recently_closed_followups(*, school: School, limit: int = 30) -> list[CheckedPupil]:
    return list(
        CheckedPupil.objects.filter(
            pupil__school=school, followup_raised_at__isnull=False, reviewed_at__isnull=False
        )
        .select_related("pupil", "check_run__channel", "reviewed_by__user")
        .order_by("-reviewed_at")[:limit]
    )


def checkable_channels(member: StaffMember) -> QuerySet[Channel]:
    """Channels this member may run a publication check for."""
    qs = Channel.objects.filter(school=member.school)
    if {"head", "slt"} & member.effective_roles():
        return qs
    return qs.filter(
        authorisations__member=member,
        authorisations__revoked_on__isnull=True,
    ).distinct()


def pupils_by_class(school: School, q: str = "") -> OrderedDict[str, list[Pupil]]:
    qs = Pupil.objects.filter(school=school).on_roll()
    if q:
        qs = search(qs, q)
    grouped: OrderedDict[str, list[Pupil]] = OrderedDict()
    for pupil in sorted(
        qs, key=lambda p: (YEAR_ORDER.get(p.year_group, 99), p.class_name, p.last_name)
    ):
        grouped.setdefault(pupil.class_name, []).append(pupil)
    return grouped


def recent_checks(school: School, limit: int = 10) -> QuerySet[PublicationCheck]:
    return (
        PublicationCheck.objects.filter(school=school)
        .select_related("channel", "checked_by__user")
        .order_by("-checked_at")[:limit]
    )


def children_all_left(application: GroupApplication) -> bool:
    """Every pupil the member is connected to has left (Threemilestone 1.3:
    the group is for parents and carers of current pupils)."""
    pupils = list(application.pupils.all())
    return bool(pupils) and all(p.left_on is not None for p in pupils)


def members_whose_children_left(schools) -> QuerySet[GroupApplication]:
    """Approved members none of whose pupils is still on roll, for many
    schools in one query (the weekly SLT digest)."""
    return GroupApplication.objects.filter(
        school__in=schools, status=GroupApplication.Status.APPROVED
    ).exclude(pupils__left_on__isnull=True)


def group_applications(school: School) -> dict[str, list[GroupApplication]]:
    base = (
        GroupApplication.objects.filter(school=school)
        .select_related("recorded_by__user", "decided_by__user")
        .prefetch_related("pupils")
    )
    approved = list(base.filter(status="approved").order_by("applicant_name"))
    for application in approved:
        application.children_all_left = children_all_left(application)
    return {
        "pending": list(base.pending()),
        "to_remove": [a for a in approved if a.children_all_left],
        "approved": approved,
        "closed": list(
            base.filter(status__in=["rejected", "removed"]).order_by("-decided_at")[:50]
        ),
    }


PURPOSES = list(Purpose)


def pupils_condition():
    """Any pupil on the register, as a condition on a school row (the set-up checklist)."""
    from django.db.models import Exists, OuterRef

    return Q(Exists(Pupil.objects.filter(school=OuterRef("pk"))))


def consent_forms_condition():
    """Any consent form recorded, as a condition on a school row (the set-up checklist)."""
    from django.db.models import Exists, OuterRef

    return Q(Exists(ConsentForm.objects.filter(pupil__school=OuterRef("pk"))))
