"""Records nobody can quietly change: the audit trail, screenshot evidence,
incident actions and consent records.

Three layers, each enough on its own to stop an accident and together enough
to make a deliberate change visible:

* **Querysets** (``AppendOnlyQuerySet``) refuse ``update()`` and ``delete()``
  on every database, so a stray bulk query in the code cannot rewrite them.
* **Database triggers** refuse ``UPDATE`` and ``DELETE`` of a row (and, on
  PostgreSQL, ``TRUNCATE`` by anyone but a superuser). The application runs
  as a role that owns none of the tables, so it cannot drop or disable them
  (see README "Security › Records" and ``docker/postgres/init-roles.sh``).
  Consent records allow exactly one change: the withdrawal fields filled in
  once.
* **A hash chain**: every audit event carries the SHA-256 of the one before
  it in the same school's trail, so an edit or a deletion breaks the chain
  and ``manage.py verify_audit`` names the first broken link.

The only deletions are retention's and erasure's, made through ``erasure()``:
it writes the audit event first and holds an ``ErasurePermit`` for the
length of one transaction, which is what the delete triggers look for. The
permit is removed before the transaction commits, so no other connection
ever sees one.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import hashlib
import json
from collections.abc import Iterator

from django.db import connection, models, transaction

from schoolsocial.language import later

GENESIS = ""  # the "previous hash" of the first event of a chain

# The audit actions that open an erasure (the PostgreSQL delete trigger checks
# the permit's event has one of them).
ERASURE_ACTIONS = frozenset({"retention.run"})

_erasing: contextvars.ContextVar[bool] = contextvars.ContextVar("erasing", default=False)


class RecordProtected(Exception):
    """A change to a protected record was refused."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes; deletes only inside ``erasure()``."""

    def update(self, **kwargs):
        # The one change a model may declare (records_db.protect: fields
        # filled in once, e.g. a screenshot's display copy made later); the
        # database trigger checks it really is that change.
        from schoolsocial.records_db import PROTECTED

        protected = PROTECTED.get(self.model._meta.label_lower)
        if protected and kwargs and set(kwargs) <= set(protected.settable_once):
            return super().update(**kwargs)
        raise RecordProtected(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise RecordProtected(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def update_or_create(self, *args, **kwargs):
        raise RecordProtected(f"{self.model._meta.verbose_name_plural} cannot be changed.")

    def delete(self):
        if not _erasing.get():
            raise RecordProtected(
                f"{self.model._meta.verbose_name_plural} cannot be deleted, "
                "except by retention or erasure."
            )
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


def erasing() -> bool:
    return _erasing.get()


@contextlib.contextmanager
def erasure(*, school, action: str, summary: str, actor=None) -> Iterator:
    """The one path that deletes protected records: one transaction that
    starts with its audit event and an erasure permit naming it. Yields the
    audit event (the caller may write a fuller summary event at the end)."""
    from schoolsocial.audit import audit_record
    from schoolsocial.models import ErasurePermit

    if action not in ERASURE_ACTIONS:
        raise RecordProtected(f"{action} is not an erasure the database accepts.")
    with transaction.atomic():
        event = audit_record(school=school, actor=actor, action=action, summary=summary, ip="")
        permit = ErasurePermit.objects.create(event=event)
        token = _erasing.set(True)
        try:
            yield event
        finally:
            _erasing.reset(token)
        # Reached only when the block succeeded; on an error the whole
        # transaction, permit included, is rolled back.
        ErasurePermit.objects.filter(pk=permit.pk).delete()


# --- The hash chain -------------------------------------------------------------

CHAINED_FIELDS = (
    "school_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "summary",
    "ip_address",
)


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event, prev_hash: str) -> str:
    """SHA-256 of an event's contents and the previous event's hash."""
    payload = {field: getattr(event, field) for field in CHAINED_FIELDS}
    payload["ip_address"] = payload["ip_address"] or None
    payload["created_at"] = _timestamp(event.created_at)
    payload["prev_hash"] = prev_hash
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


# Arbitrary, fixed: the first key of the PostgreSQL advisory lock on a chain.
CHAIN_LOCK_CLASS = 0x5C0A


def lock_chain(school_id: int | None) -> None:
    """Hold the school's chain until the transaction ends, so two writers
    cannot both append to the same last event (a fork). SQLite serialises
    writers already (``transaction_mode = IMMEDIATE``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [CHAIN_LOCK_CLASS, school_id or 0]
            )


def append_to_chain(event) -> None:
    """Insert ``event`` as the next link of its school's chain. Must run
    inside a transaction (the lock lasts until it ends)."""
    from schoolsocial.models import AuditEvent

    # Hash what the database will hold (an IPv6 address is stored normalised).
    event.ip_address = event._meta.get_field("ip_address").get_prep_value(event.ip_address)
    lock_chain(event.school_id)
    last = (
        AuditEvent.objects.filter(school_id=event.school_id)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    )
    event.prev_hash = last if last is not None else GENESIS
    event.hash = event_hash(event, event.prev_hash)
    event.save(force_insert=True)  # with its hash set, a plain insert


def verify_chain(school_id: int | None) -> tuple[int, str | None]:
    """Check one school's chain (``None``: events of no school). Returns the
    number of events checked and a description of the first broken link,
    or ``None`` when the chain is whole.

    The first remaining event may start from the genesis or from an anchor:
    the hash of the last event removed by audit retention, which the
    retention run recorded in its own (chained) event.
    """
    from schoolsocial.models import AuditEvent

    events = AuditEvent.objects.filter(school_id=school_id).order_by("id")
    anchors = {GENESIS} | set(
        events.filter(action=AUDIT_PRUNED_ACTION).values_list("object_id", flat=True)
    )
    previous = None
    checked = 0
    for event in events.iterator(chunk_size=2000):
        checked += 1
        where = f"event #{event.pk} ({_timestamp(event.created_at)}, {event.action})"
        if event.hash != event_hash(event, event.prev_hash):
            return checked, f"{where} does not match its hash: it was changed after it was written."
        if previous is None:
            if event.prev_hash not in anchors:
                return checked, (
                    f"{where} is the first event but follows one that is missing: "
                    "earlier events were deleted."
                )
        elif event.prev_hash != previous.hash:
            return checked, (
                f"{where} does not follow event #{previous.pk}: an event between them "
                "was deleted or changed."
            )
        previous = event
    return checked, None


AUDIT_PRUNED_ACTION = "retention.audit_pruned"


def audit_chain_check(*, now: datetime.datetime | None = None) -> list[tuple[str, str]]:
    """Verify every school's chain (the nightly beat runs this); tell the
    head of a school whose chain is broken, once a day, and log it. Returns
    (school name, problem) for each broken chain."""
    import logging

    from django.utils import timezone

    from schoolsocial.models import School, StaffMember
    from schoolsocial.notifications import notify

    now = now or timezone.now()
    broken = []
    for school in School.objects.order_by("pk"):
        _checked, problem = verify_chain(school.pk)
        if problem is None:
            continue
        broken.append((school.name, problem))
        logging.getLogger(__name__).error("Audit chain of %s broken: %s", school.name, problem)
        heads = StaffMember.objects.active().filter(school=school, is_head=True)
        notify(
            recipients=heads,
            kind="audit_chain_broken",
            key=f"audit_chain_broken:{school.pk}:{now.astimezone(school.tz):%Y-%m-%d}",
            title=later(
                "The audit trail failed its integrity check: records may have been "
                "changed outside the app. Ask your service administrator to run verify_audit."
            ),
            url="/audit/",
        )
    return broken
