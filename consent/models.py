"""Pupils, photo consent per purpose, publication checks and private-group
applications (DESIGN.md "consent").

Consent records are append-only: a new paper form adds records, and the only
fields ever changed afterwards are the withdrawal fields. The current answer
for a purpose is derived from the records (``Pupil.current_consent``), never
stored. Nothing here is deleted through the application (``PROTECT``).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schoolsocial.folding import name_search_key, search_words
from schoolsocial.models import Channel, School, StaffMember
from schoolsocial.private_files import get_private_storage
from schoolsocial.records import AppendOnlyManager


class Purpose(models.TextChoices):
    WEBSITE = "website", _("School website")
    SOCIAL_PUBLIC = "social_public", _("Public social media")
    SOCIAL_GROUP = "social_group", _("Private parents' group")
    PRESS = "press", _("Press")
    PRINT = "print", _("Newsletter and prospectus")
    VIDEO = "video", _("Video")


# Short names for a printed sheet, where a column is a few centimetres wide.
PURPOSE_SHORT = {
    Purpose.WEBSITE: _("website"),
    Purpose.SOCIAL_PUBLIC: _("public social media"),
    Purpose.SOCIAL_GROUP: _("parents' group"),
    Purpose.PRESS: _("press"),
    Purpose.PRINT: _("newsletter & prospectus"),
    Purpose.VIDEO: _("video"),
}


def and_list(items) -> str:
    """ "a, b and c" in the language in use."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def purpose_for_channel(channel: Channel, *, video: bool = False) -> tuple[str, ...]:
    """Every consent purpose a post on ``channel`` needs, the channel's own
    purpose first; empty when the channel carries no pupils' photos at all.

    Which purposes each platform needs is the school's own policy
    (``policy.profile.Profile.purposes_for``): a Carey school maps Class Dojo
    to the parents' purpose (Carey B.3), others carry no photos there.
    YouTube needs ``video`` in every template; a post the administrator says
    includes video needs it too (Whitchurch "Use of images": "photos or
    video recordings"; Threemilestone 4.2 "photographs and videos")."""
    from policy.selectors import profile_for

    purposes = profile_for(channel.school).purposes_for(channel.platform)
    if not purposes:
        return ()
    if video and Purpose.VIDEO not in purposes:
        purposes = (*purposes, Purpose.VIDEO.value)
    return tuple(purposes)


class YearGroup(models.TextChoices):
    NURSERY = "N", _("Nursery")
    RECEPTION = "R", _("Reception")
    Y1 = "1", _("Year 1")
    Y2 = "2", _("Year 2")
    Y3 = "3", _("Year 3")
    Y4 = "4", _("Year 4")
    Y5 = "5", _("Year 5")
    Y6 = "6", _("Year 6")


YEAR_ORDER = {value: n for n, value in enumerate(YearGroup.values)}


class Status(models.TextChoices):
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    NO_FORM = "no_form", _("No form")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NEVER = "never", _("Never publish")


STATUS_BADGE = {
    Status.GRANTED: "badge--ok",
    Status.NO_FORM: "badge--warn",
    Status.EXPIRED: "badge--warn",
    Status.REFUSED: "badge--danger",
    Status.WITHDRAWN: "badge--danger",
    Status.NEVER: "badge--danger",
}


class DecisionRow(NamedTuple):
    """What the rules need of one consent record (``decide``)."""

    received_on: datetime.date
    decision: str
    pk: int
    withdrawn_on: datetime.date | None
    valid_until: datetime.date


def deciding_order(row: DecisionRow) -> tuple:
    """By date received, a refusal after a grant received the same day,
    then as recorded: the last one decides."""
    return (row.received_on, row.decision == "refused", row.pk)


def decide(rows: list[DecisionRow], *, on: datetime.date) -> tuple[str, int]:
    """The rules of ``Pupil.consent_from_forms`` over one purpose's records,
    already in ``deciding_order`` and at least one: the status and the index
    of the record that explains it. One implementation for a pupil's page
    (model objects) and the lists (plain rows, no model objects)."""
    last = len(rows) - 1
    deciding = rows[last]
    if deciding.decision == "refused":
        return Status.REFUSED, last
    withdrawals = [
        n
        for n, row in enumerate(rows)
        if row.withdrawn_on is not None and row.withdrawn_on >= deciding.received_on
    ]
    if withdrawals:
        latest = max(withdrawals, key=lambda n: (rows[n].withdrawn_on, rows[n].pk))
        return Status.WITHDRAWN, latest
    if deciding.valid_until < on:
        return Status.EXPIRED, last
    return Status.GRANTED, last


# A post that an earlier publication check allowed must be reviewed when the
# pupil's answer for its purpose becomes one of these: the parent (or the
# head) has said no since. Expiry is not among them: a form running out is
# not an objection.
FOLLOWUP_STATUSES = frozenset({Status.WITHDRAWN, Status.REFUSED, Status.NEVER})


@dataclass(frozen=True)
class ConsentAnswer:
    """The current answer for one pupil and one purpose, and why."""

    purpose: str
    status: str
    record: ConsentRecord | None = None

    @property
    def allowed(self) -> bool:
        return self.status == Status.GRANTED

    @property
    def label(self) -> str:
        return Status(self.status).label

    @property
    def purpose_label(self) -> str:
        return Purpose(self.purpose).label

    @property
    def badge(self) -> str:
        return STATUS_BADGE[self.status]

    @property
    def reason(self) -> str:
        """A sentence safe to show any member of staff, in the language in
        use (the head's reason for "never publish" can be sensitive and is
        not included)."""
        purpose = Purpose(self.purpose).label.lower()
        record = self.record
        if self.status == Status.NEVER:
            return gettext(
                "Must never be published: the headteacher's instruction overrides any consent."
            )
        if self.status == Status.NO_FORM:
            return gettext("No consent form for %(purpose)s: no consent is the default.") % {
                "purpose": purpose
            }
        form = record.form
        if self.status == Status.REFUSED:
            return gettext(
                "Refused for %(purpose)s by %(name)s (%(relationship)s) on %(date)s."
            ) % {
                "purpose": purpose,
                "name": form.given_by_name,
                "relationship": form.get_relationship_display(),
                "date": date_format(form.received_on, "d M Y"),
            }
        if self.status == Status.WITHDRAWN:
            return gettext("Consent for %(purpose)s withdrawn on %(date)s.") % {
                "purpose": purpose,
                "date": date_format(record.withdrawn_on, "d M Y"),
            }
        if self.status == Status.EXPIRED:
            return gettext("Consent for %(purpose)s expired on %(date)s.") % {
                "purpose": purpose,
                "date": date_format(form.valid_until, "d M Y"),
            }
        return gettext(
            "Granted for %(purpose)s by %(name)s (%(relationship)s), valid until %(date)s."
        ) % {
            "purpose": purpose,
            "name": form.given_by_name,
            "relationship": form.get_relationship_display(),
            "date": date_format(form.valid_until, "d M Y"),
        }


def school_year_end(day: datetime.date) -> datetime.date:
    """31 August of the school year (1 September – 31 August) ``day`` is in."""
    return datetime.date(day.year if day.month <= 8 else day.year + 1, 8, 31)


class PupilQuerySet(models.QuerySet):
    # bulk_create and bulk_update skip save(): they fill the search key too,
    # so an import that writes in bulk keeps search working.
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for pupil in objs:
            pupil.search_key = pupil.make_search_key()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if set(fields) & set(Pupil.NAME_FIELDS):
            for pupil in objs:
                pupil.search_key = pupil.make_search_key()
            fields = [*fields, "search_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def on_roll(self):
        return self.filter(left_on__isnull=True)

    def with_consent(self, *, people: bool = False):
        """Prefetch every consent record with its form, so
        ``current_consent`` needs no further query per pupil. With
        ``people``, also who recorded each form and each withdrawal (a
        pupil's page shows them beside each answer)."""
        related = ["form"]
        if people:
            related += ["form__recorded_by__user", "withdrawal_recorded_by__user"]
        return self.prefetch_related(
            models.Prefetch(
                "consent_records",
                queryset=ConsentRecord.objects.select_related(*related).order_by(
                    "form__received_on", "pk"
                ),
            )
        )

    def in_register_order(self):
        return self.order_by("class_name", "last_name", "first_name", "pk")

    def search(self, q: str):
        """Pupils whose names (legal, preferred) or UPN match every word of
        ``q``, folded as name screening folds them: "Sian" finds Siân,
        "oconnor" O'Connor, "smith jones" Smith-Jones."""
        qs = self
        for word in search_words(q):
            qs = qs.filter(Q(search_key__contains=word) | Q(mis_id__iexact=word))
        return qs


# Long enough for any real name in every spelling; capped so that a key of
# four-byte characters still fits a PostgreSQL B-tree index entry.
SEARCH_KEY_LENGTH = 600


def _photo_path(instance, filename):
    return f"pupils/{instance.school_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :]}"


class Pupil(models.Model):
    """A pupil on the register. Leavers are marked (``left_on``), never
    deleted: their names still matter for comment screening."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    mis_id = models.CharField(
        "UPN or admission number",
        max_length=32,
        blank=True,
        help_text="The pupil's identifier in the MIS (SIMS, Arbor, Bromcom); used by the import.",
    )
    first_name = models.CharField("legal first name", max_length=100)
    last_name = models.CharField("legal surname", max_length=100)
    preferred_name = models.CharField(
        "preferred first name", max_length=100, blank=True, help_text="Only if different."
    )
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    class_name = models.CharField("class", max_length=50)
    date_of_birth = models.DateField(
        "date of birth",
        null=True,
        blank=True,
        help_text="From the MIS; with the name, it matches a pupil when a file has no UPN.",
    )
    photo = models.FileField(
        storage=get_private_storage, upload_to=_photo_path, blank=True, editable=False
    )
    photo_thumbnail = models.FileField(
        storage=get_private_storage, upload_to=_photo_path, blank=True, editable=False
    )
    left_on = models.DateField("left on", null=True, blank=True)
    # The names folded for searching (``schoolsocial.folding.name_search_key``),
    # derived from the names on every save.
    search_key = models.CharField(max_length=SEARCH_KEY_LENGTH, blank=True, editable=False)
    never_publish = models.BooleanField(default=False)
    never_publish_reason = models.TextField(blank=True)
    never_publish_set_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    never_publish_set_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["class_name", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "mis_id"],
                condition=~Q(mis_id=""),
                name="pupil_mis_id_unique_in_school",
            ),
            models.CheckConstraint(
                condition=Q(never_publish=False) | ~Q(never_publish_reason=""),
                name="never_publish_needs_reason",
            ),
        ]
        indexes = [
            # Searches are always within one school; the key is read from the
            # index alone. On PostgreSQL a trigram index serves "contains"
            # too (migration 0002).
            models.Index(fields=["school", "search_key"], name="pupil_search_key"),
        ]

    def __str__(self) -> str:
        return self.full_name

    NAME_FIELDS = ("first_name", "last_name", "preferred_name")

    def save(self, *args, **kwargs):
        # The search key is a copy of the names in another form, not a rule:
        # deriving it here keeps it right on every path that saves a pupil
        # (the services, the MIS import, the Django admin, a shell).
        self.search_key = self.make_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(self.NAME_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def make_search_key(self) -> str:
        return name_search_key(self.first_name, self.preferred_name, self.last_name)[
            :SEARCH_KEY_LENGTH
        ]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.preferred_name} {self.last_name} ({self.first_name})"
        return self.full_name

    @property
    def initials(self) -> str:
        """For a printed list when there is no photo: "SE" for Siân Evans."""
        first = self.preferred_name or self.first_name
        return f"{first[:1]}{self.last_name[:1]}".upper()

    @property
    def is_leaver(self) -> bool:
        return self.left_on is not None

    @property
    def year_label(self) -> str:
        return YearGroup(self.year_group).label

    def _records(self, purpose: str) -> list[ConsentRecord]:
        """The records for ``purpose`` in deciding order: by date received,
        a refusal after a grant received the same day, then as recorded. The
        last one decides (``consent_from_forms``)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "consent_records" in cache:
            records = [r for r in cache["consent_records"] if r.purpose == purpose]
        else:
            records = list(
                self.consent_records.filter(purpose=purpose)
                .select_related("form")
                .order_by("form__received_on", "pk")
            )
        return sorted(
            records,
            key=lambda r: (
                r.form.received_on,
                r.decision == ConsentRecord.Decision.REFUSED,
                r.pk,
            ),
        )

    def deciding_record(self, purpose: str) -> ConsentRecord | None:
        """The record whose form decides ``purpose`` (whatever "never
        publish" says): the one a withdrawal must be recorded against."""
        records = self._records(purpose)
        return records[-1] if records else None

    def current_consent(self, purpose: str, *, on: datetime.date | None = None) -> ConsentAnswer:
        """The current answer for one purpose (Threemilestone 4.1; Whitchurch
        "Use of images"): ``never_publish`` means no, whatever the forms
        say; otherwise the forms and withdrawals decide
        (``consent_from_forms``)."""
        if self.never_publish:
            return ConsentAnswer(purpose, Status.NEVER)
        return self.consent_from_forms(purpose, on=on)

    def consent_from_forms(self, purpose: str, *, on: datetime.date | None = None) -> ConsentAnswer:
        """The answer the consent forms and withdrawals give for one purpose,
        leaving "never publish" aside (Threemilestone 4.1: no consent is the
        default; a parent may withdraw consent at any time):

        * no form means no;
        * otherwise the latest form by date received decides; of two forms
          received the same day, a refusal wins over a grant, whichever was
          typed in first;
        * refused means no;
        * a withdrawal is an event on its date: if any record for the purpose
          was withdrawn on or after the day the deciding form was received,
          the answer is withdrawn (an older form entered late does not undo
          it; a form received after the withdrawal does decide again);
        * granted but past its "valid until" date means no (expired).

        A form that left a purpose unanswered adds no record, so it does not
        change the answer for that purpose.
        """
        records = self._records(purpose)
        if not records:
            return ConsentAnswer(purpose, Status.NO_FORM)
        status, index = decide(
            [
                DecisionRow(
                    r.form.received_on, r.decision, r.pk, r.withdrawn_on, r.form.valid_until
                )
                for r in records
            ],
            on=on or self.school.local_today(),
        )
        return ConsentAnswer(purpose, status, records[index])

    def answers(self, *, on: datetime.date | None = None) -> list[ConsentAnswer]:
        return [self.current_consent(p, on=on) for p in Purpose.values]


def _scan_path(instance, filename):
    extension = filename[filename.rfind(".") :]
    return f"consent-scans/{instance.pupil.school_id}/{uuid.uuid4().hex}{extension}"


class ConsentForm(models.Model):
    """One paper (or email, or app) consent form as received. It carries a
    decision per purpose in its ``records``. Never changed after saving."""

    class Relationship(models.TextChoices):
        PARENT = "parent", _("Parent")
        CARER = "carer", _("Carer")
        GUARDIAN = "guardian", _("Guardian")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER_RELATIVE = "other_relative", _("Other relative")
        OTHER = "other", _("Someone else (childminder, friend)")

    # Only someone with parental responsibility gives or refuses consent.
    PARENTAL_RESPONSIBILITY = frozenset({"parent", "carer", "guardian"})

    class Method(models.TextChoices):
        PAPER = "paper", _("Paper form")
        EMAIL = "email", _("Email")
        APP = "app", _("School app")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="consent_forms")
    given_by_name = models.CharField("given by", max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    received_on = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.PAPER)
    valid_until = models.DateField()
    scan = models.FileField(storage=get_private_storage, upload_to=_scan_path, blank=True)
    scan_content_type = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyManager()

    SCHOOL_PATH = "pupil__school"

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("received_on")),
                name="consent_valid_after_received",
            )
        ]

    def __str__(self) -> str:
        return f"Consent form for {self.pupil} received {self.received_on}"


class ConsentRecord(models.Model):
    """The decision for one purpose on one form. Append-only: only the
    withdrawal fields are ever filled in later."""

    class Decision(models.TextChoices):
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="consent_records")
    form = models.ForeignKey(ConsentForm, on_delete=models.PROTECT, related_name="records")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by_name = models.CharField(max_length=200, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = AppendOnlyManager()

    SCHOOL_PATH = "pupil__school"

    class Meta:
        ordering = ["-form__received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "purpose"], name="one_decision_per_purpose"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(decision="granted"),
                name="only_granted_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.purpose} {self.decision}"

    @property
    def purpose_label(self) -> str:
        return Purpose(self.purpose).label


class PublicationCheck(models.Model):
    """One run of the publication check, stored whatever the result
    (Threemilestone 4.1–4.4). Never changed after saving."""

    class Result(models.TextChoices):
        ALLOWED = "allowed", _("Allowed: every pupil may appear")
        BLOCKED = "blocked", _("Blocked: some pupils may not appear")
        NO_PHOTOS = "no_photos", _("This channel carries no pupils' photos")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    # The channel's own purpose; ``purposes`` holds every purpose the post
    # needed (with "video" for a video), as decided when it was checked.
    purpose = models.CharField(max_length=20, choices=Purpose.choices, blank=True)
    purposes = models.JSONField(default=list, blank=True)
    includes_video = models.BooleanField("this post includes video", default=False)
    caption = models.TextField(blank=True)
    caption_matches = models.JSONField(default=list, blank=True)
    result = models.CharField(max_length=12, choices=Result.choices)
    checked_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"Publication check {self.pk} for {self.channel}"

    @property
    def needed_purposes(self) -> list[str]:
        """Every purpose this post needed (checks stored before ``purposes``
        existed needed their one ``purpose``)."""
        return list(self.purposes) or ([self.purpose] if self.purpose else [])

    @property
    def purposes_label(self) -> str:
        return and_list(Purpose(p).label.lower() for p in self.needed_purposes)

    @property
    def named_matches(self) -> list[dict]:
        """Caption matches that name a pupil (first or preferred name and
        surname)."""
        return [m for m in self.caption_matches if m.get("kind") == "named"]

    @property
    def in_photo_matches(self) -> list[dict]:
        """ "Possible" caption matches (a first or preferred name alone) of a
        pupil who is in the photo: next to the photo, that names them."""
        return [
            m for m in self.caption_matches if m.get("kind") == "possible" and m.get("in_photo")
        ]

    @property
    def blocking_matches(self) -> list[dict]:
        """The caption matches that block the post (Threemilestone 3.4, 4.4)."""
        return self.named_matches + self.in_photo_matches


class CheckPhoto(models.Model):
    """The photo given to a publication check: how many faces it shows
    (``consent.faces``: detection, never recognition) and, only when the
    administrator ticked to keep it, the photo itself. Nothing about any
    face — no box, crop or feature — is stored. Never changed after saving."""

    check_run = models.OneToOneField(
        PublicationCheck, on_delete=models.PROTECT, related_name="photo"
    )
    faces = models.PositiveSmallIntegerField("faces found")
    pupils_ticked = models.PositiveSmallIntegerField()
    kept = models.FileField(storage=get_private_storage, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"Photo of publication check {self.check_run_id}"

    @property
    def warning(self) -> str:
        from consent.faces import warning

        return warning(self.faces, self.pupils_ticked)

    @property
    def counted(self) -> str:
        from consent.faces import counted

        return counted(self.faces, self.pupils_ticked)


class CheckedPupil(models.Model):
    """The result of a publication check for one pupil. If the pupil was
    allowed and their answer for one of the check's purposes later becomes
    withdrawn, refused or "never publish" (``FOLLOWUP_STATUSES``), this row
    is a follow-up: the service that changed the answer raises it
    (``followup_raised_at``), the administrator who ran the check and the
    head are told, and it stays open until someone marks the post taken down
    or kept with a reason (the only later changes)."""

    class Outcome(models.TextChoices):
        TAKEN_DOWN = "taken_down", _("Taken down (or the pupil removed from it)")
        KEPT = "kept", _("Kept")

    check_run = models.ForeignKey(PublicationCheck, on_delete=models.PROTECT, related_name="pupils")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="checks")
    allowed = models.BooleanField()
    status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    reason = models.TextField()
    cleared_by = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="clearances"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(blank=True)
    review_outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    followup_raised_at = models.DateTimeField(null=True, blank=True)
    followup_status = models.CharField(max_length=12, choices=Status.choices, blank=True)

    SCHOOL_PATH = "pupil__school"

    class Meta:
        ordering = ["pupil__class_name", "pupil__last_name", "pupil__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["check_run", "pupil"], name="pupil_once_per_check")
        ]
        indexes = [
            models.Index(
                fields=["followup_raised_at"],
                condition=Q(reviewed_at__isnull=True, followup_raised_at__isnull=False),
                name="open_consent_followups",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in publication check {self.check_run_id}"


class GroupApplicationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=GroupApplication.Status.PENDING).order_by("recorded_at", "pk")


class GroupApplication(models.Model):
    """An application to join the private parents' group (Threemilestone
    1.3, 2.2): recorded by the office, vetted by SLT or the head."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed from the group")

    class Relationship(models.TextChoices):
        PARENT = "parent", _("Parent")
        CARER = "carer", _("Carer")
        GUARDIAN = "guardian", _("Guardian")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField(max_length=200)
    profile_name = models.CharField("profile name on the platform", max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    pupils = models.ManyToManyField(Pupil, related_name="group_applications")
    code_of_conduct_signed_on = models.DateField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # Threemilestone 1.3, 2.2: only parents and carers join. A leader may
    # approve anyone else only by writing down why (shown on the application).
    exception_reason = models.TextField(
        "exception: why someone without parental responsibility may join", blank=True
    )
    removed_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.TextField(blank=True)

    objects = GroupApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.applicant_name} ({self.profile_name})"

    @property
    def has_parental_responsibility(self) -> bool:
        return self.relationship in ConsentForm.PARENTAL_RESPONSIBILITY


class RegisterVersion(models.Model):
    """Changes whenever a school's pupil register changes, so the name
    matcher built from it (``consent.screening``) is rebuilt."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Register version of {self.school_id}: {self.token}"


class ImportColumns(models.Model):
    """Which column of its MIS export holds which pupil detail, as the
    school's office last chose it on the import page. Used for the next file
    with the same column names, so the choice is made once. Keyed by the
    column's name as written in the file; "" means the office said the file
    has no such column."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="+")
    columns = models.JSONField(default=dict)
    chosen_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "import columns"

    def __str__(self) -> str:
        return f"MIS import columns of {self.school_id}"
