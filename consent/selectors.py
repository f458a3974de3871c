"""Reading the consent registers. Lists load every consent record in one
query (``PupilQuerySet.with_consent``) so their query count does not grow
with the number of pupils."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from consent.models import (
    FOLLOWUP_STATUSES,
    YEAR_ORDER,
    CheckedPupil,
    ConsentAnswer,
    ConsentForm,
    GroupApplication,
    PublicationCheck,
    Pupil,
    Purpose,
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
    for word in q.split():
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(mis_id__iexact=word)
        )
    return qs


def register(
    *, school: School, q: str = "", year: str = "", class_name: str = "", leavers: bool = False
) -> list[PupilRow]:
    """The register with the current answer for every purpose: two queries
    whatever the number of pupils."""
    qs = Pupil.objects.filter(school=school)
    if not leavers:
        qs = qs.on_roll()
    if q:
        qs = search(qs, q)
    if year:
        qs = qs.filter(year_group=year)
    if class_name:
        qs = qs.filter(class_name=class_name)
    today = school.local_today()
    pupils = sorted(
        qs.with_consent().select_related(None),
        key=lambda p: (YEAR_ORDER.get(p.year_group, 99), p.class_name, p.last_name, p.first_name),
    )
    return [PupilRow(p, p.answers(on=today)) for p in pupils]


def do_not_publish(
    *, school: School, purpose: str, class_name: str = ""
) -> OrderedDict[str, list[PupilRow]]:
    """Pupils on roll who may NOT appear for ``purpose``, by class. Derived
    from the records each time, so it reflects a change the moment it is
    saved."""
    qs = Pupil.objects.filter(school=school).on_roll()
    if class_name:
        qs = qs.filter(class_name=class_name)
    today = school.local_today()
    by_class: OrderedDict[str, list[PupilRow]] = OrderedDict()
    pupils = sorted(
        qs.with_consent(),
        key=lambda p: (YEAR_ORDER.get(p.year_group, 99), p.class_name, p.last_name, p.first_name),
    )
    for pupil in pupils:
        answer = pupil.current_consent(purpose, on=today)
        if not answer.allowed:
            by_class.setdefault(pupil.class_name, []).append(PupilRow(pupil, [answer]))
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
