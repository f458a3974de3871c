"""Retention: each night, remove what is past the school's retention periods
(School.*_retention_years; defaults and their source in docs/retention.md).

Each app says what it keeps and for how long with a ``RetentionRule``
registered in ``AppConfig.ready`` (as the reminders do); the core runs them
without knowing them, and prunes the audit trail itself last.

The rules:

* A record is past retention when the school-local date it is counted from
  (an incident's last activity, a pupil's leaving date, an event's date) plus
  the period is before today's local date: it is kept through the whole of
  its last day, whatever the clocks did in between, and removed by the next
  night's run. Nothing within retention is touched.
* Everything one school's run removes goes in one transaction, through
  ``schoolsocial.records.erasure``: it opens with an audit event, the
  database triggers let protected records be deleted only while it holds its
  permit, and it ends with a summary event listing what went. Files
  (screenshots, scans, photos) are deleted once that transaction has
  committed, so a failed run leaves records and files as they were.
* A run with nothing to remove writes nothing.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from schoolsocial.audit import audit_record
from schoolsocial.language import language_code, later, read_in
from schoolsocial.models import AuditEvent, School
from schoolsocial.private_files import private_storage
from schoolsocial.records import AUDIT_PRUNED_ACTION, erasure
from schoolsocial.wording import joined

logger = logging.getLogger(__name__)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (29 February → 28 February)."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass(frozen=True)
class Cutoff:
    """Records whose local date is before ``day`` are past retention;
    ``moment`` is the start of that day in the school's time zone."""

    day: datetime.date
    moment: datetime.datetime


def cutoff(school: School, years: int, now: datetime.datetime) -> Cutoff:
    today = now.astimezone(school.tz).date()
    day = years_before(today, years)
    return Cutoff(day, datetime.datetime.combine(day, datetime.time.min, tzinfo=school.tz))


@dataclass
class Removed:
    """What one rule removed from one school."""

    # Plural noun phrase: "routine incidents"; may be ``later`` (or lazy), so
    # the summary reads in the school's language.
    label: str
    count: int = 0
    files: list[str] = field(default_factory=list)
    detail: str = ""  # e.g. "with 5 screenshots"; may be ``later`` too

    def describe(self) -> str:
        """``later``: "3 routine incidents (with 5 screenshots)"."""
        if self.detail:
            return later(
                "%(count)s %(things)s (%(detail)s)",
                count=self.count,
                things=self.label,
                detail=self.detail,
            )
        return later("%(count)s %(things)s", count=self.count, things=self.label)


class RetentionRule:
    """Removes one kind of record past retention for one school. Runs inside
    the erasure transaction; returns what it removed (file names are deleted
    after commit)."""

    key = ""

    def apply(self, *, school: School, now: datetime.datetime) -> Iterable[Removed]:
        raise NotImplementedError


RULES: list[RetentionRule] = []


def register(rule: RetentionRule) -> RetentionRule:
    if not any(type(r) is type(rule) for r in RULES):
        RULES.append(rule)
    return rule


class _NothingToRemove(Exception):
    """Rolls back a run that found nothing (its opening event included)."""


class _DryRun(Exception):
    pass


def prune_audit(school_id: int | None, before: datetime.datetime) -> tuple[int, str]:
    """Delete the oldest events of a chain, up to the first one within
    retention; return how many and the last deleted event's hash (the anchor
    the remaining chain starts from). Must run inside ``erasure``."""
    events = AuditEvent.objects.filter(school_id=school_id)
    first_kept = (
        events.filter(created_at__gte=before).order_by("id").values_list("id", flat=True).first()
    )
    # The chain's prefix: an event recorded out of time order after one
    # within retention is kept with it.
    doomed = events if first_kept is None else events.filter(id__lt=first_kept)
    last = doomed.order_by("-id").values_list("hash", flat=True).first()
    if last is None:
        return 0, ""
    count = doomed.count()
    doomed.delete()
    return count, last


def apply_for_school(
    school: School | None, *, now: datetime.datetime | None = None, dry_run: bool = False
) -> list[Removed]:
    """Remove everything of ``school`` past retention (``None``: the audit
    events of no school). Returns what was (or, for a dry run, would be)
    removed."""
    now = now or timezone.now()
    removed: list[Removed] = []
    files: list[str] = []
    audit_years = school.audit_retention_years if school else School().audit_retention_years
    if school is not None:
        audit_before = cutoff(school, audit_years, now).moment
    else:  # events of no school (failed sign-ins): whole UTC days
        day = years_before(now.astimezone(datetime.UTC).date(), audit_years)
        audit_before = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    try:
        with erasure(
            school=school,
            action="retention.run",
            summary=later(
                "Nightly retention: removing records past the school's retention periods."
            ),
        ) as opening:
            if school is not None:
                for rule in RULES:
                    for item in rule.apply(school=school, now=now):
                        if item.count:
                            removed.append(item)
                            files.extend(item.files)
            # The trail last, up to (never including) this run's own event.
            count, anchor = prune_audit(school.pk if school else None, audit_before)
            if count:
                removed.append(
                    Removed(
                        later("audit events older than %(years)s years", years=audit_years),
                        count,
                    )
                )
            if not removed:
                raise _NothingToRemove
            if anchor:
                # The first remaining event follows this hash (verify_chain).
                AuditEvent(
                    school=school,
                    action=AUDIT_PRUNED_ACTION,
                    object_type="audit.chain",
                    object_id=anchor,
                    summary=read_in(
                        later(
                            "Removed %(count)s audit events older than %(years)s years; "
                            "the trail now starts from the event after them.",
                            count=count,
                            years=audit_years,
                        ),
                        language_code(school.language if school else ""),
                    ),
                ).save()
            audit_record(
                school=school,
                actor=None,
                action="retention.summary",
                summary=later(
                    "Retention removed %(removed)s (run started with event #%(event)s). "
                    "Nothing within its retention period was touched.",
                    removed=joined((item.describe() for item in removed), "; "),
                    event=opening.pk,
                ),
                ip="",
            )
            if dry_run:
                raise _DryRun
            paths = list(files)
            transaction.on_commit(lambda: _delete_files(paths))
    except (_NothingToRemove, _DryRun):
        pass
    return removed


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        if name:
            try:
                private_storage.delete(name)
            except OSError:
                logger.exception("Retention could not delete the file %s", name)


def apply_all(*, now: datetime.datetime | None = None) -> dict[str, list[Removed]]:
    """The nightly run: every school, then the events of no school."""
    now = now or timezone.now()
    results: dict[str, list[Removed]] = {}
    for school in School.objects.order_by("pk"):
        results[school.slug] = apply_for_school(school, now=now)
    results[""] = apply_for_school(None, now=now)
    return results
