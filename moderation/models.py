"""The moderation records: the daily log, incidents with their screenshot
evidence and append-only timeline, and the banned-accounts register.

Evidence, actions and checks are never changed or deleted by the application
(the models refuse; foreign keys PROTECT them).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from policy.catalogue import CATEGORY_CODES, Severity
from schoolsocial.language import later
from schoolsocial.models import Channel, School, StaffMember
from schoolsocial.private_files import get_private_storage
from schoolsocial.records import AppendOnlyManager


class AppendOnly(models.Model):
    """Rows are written once: no update, no delete."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{self._meta.verbose_name} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{self._meta.verbose_name} records cannot be deleted.")


class ModerationCheck(AppendOnly):
    """One channel checked on one school day (Threemilestone 5.1: the page
    will be moderated daily)."""

    class Outcome(models.TextChoices):
        NOTHING = "nothing", _("Nothing to report")
        INCIDENTS = "incidents", _("Incidents raised")

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="checks")
    checked_on = models.DateField(help_text="The school-local day the check covers.")
    checked_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    note = models.TextField(blank=True)

    SCHOOL_PATH = "channel__school"

    class Meta:
        ordering = ["-checked_on", "channel__name"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "checked_on"], name="one_check_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.channel} checked {self.checked_on}"


class Incident(models.Model):
    class AuthorKind(models.TextChoices):
        PARENT = "parent", _("Parent or carer")
        PUPIL = "pupil", _("Pupil")
        STAFF = "staff", _("Staff member's personal account")
        PUBLIC = "public", _("Unconnected member of the public")
        UNKNOWN = "unknown", _("Unknown")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    # Empty for something that happened elsewhere online (a parent's own
    # profile, another group, a website): Threemilestone 10.1–10.2,
    # Westbrook C, Whitchurch "Monitoring posts about the school".
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="incidents", null=True, blank=True
    )
    where = models.CharField(
        "where it was posted",
        max_length=200,
        blank=True,
        help_text="For something outside the school's own channels: the site, group or profile.",
    )
    permalink = models.URLField("link to the comment", max_length=500, blank=True)
    author_name = models.CharField("author's display name", max_length=200)
    author_profile_url = models.URLField("author's profile link", max_length=500, blank=True)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices, default="unknown")
    content = models.TextField("content, as written")
    occurred_at = models.DateTimeField("when it was posted")
    reported_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.LOW)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(blank=True)
    # What screening found when the incident was recorded (names, profanity).
    screening = models.JSONField(default=dict, blank=True)
    # The steps the school's policy requires before it can be resolved
    # (policy.catalogue.STEPS codes), and whether any is still to do; kept
    # up to date by the services so the queue can filter in SQL.
    required_steps = models.JSONField(default=list, blank=True)
    steps_outstanding = models.BooleanField(default=False)

    class Meta:
        ordering = ["-severity", "occurred_at"]
        indexes = [
            models.Index(fields=["school", "status", "-severity", "occurred_at"]),
            models.Index(fields=["school", "author_profile_url"]),
            models.Index(fields=["school", "steps_outstanding", "status"]),
        ]

    def __str__(self) -> str:
        return f"Incident {self.pk} {self.where_label}"

    @property
    def is_elsewhere(self) -> bool:
        return self.channel_id is None

    @property
    def where_label(self) -> str:
        """ "on Parents' group", "elsewhere online (…)": in the page's language."""
        return str(self.where_said)

    @property
    def where_said(self):
        """``where_label`` as a ``later``: for a sentence read by someone else."""
        if self.channel_id is None:
            if self.where:
                return later("elsewhere online (%(where)s)", where=self.where)
            return later("elsewhere online")
        return later("on %(channel)s", channel=str(self.channel))

    @property
    def place(self) -> str:
        """The channel's name, or where it was seen elsewhere online."""
        if self.channel_id is None:
            if self.where:
                return gettext("Elsewhere online: %(where)s") % {"where": self.where}
            return gettext("Elsewhere online")
        return self.channel.name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def severity_badge(self) -> str:
        return {4: "danger", 3: "warn", 2: "warn"}.get(self.severity, "")

    @property
    def pupil_named(self) -> bool:
        return any(m.get("kind") == "named" for m in self.screening.get("names", []))


class IncidentCategory(models.Model):
    """One of an incident's categories (a row each, so the queue can filter
    on them in SQL on any database)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="category_rows")
    category = models.CharField(max_length=32, choices=[(c, c) for c in CATEGORY_CODES])

    SCHOOL_PATH = "incident__school"

    class Meta:
        ordering = ["incident", "category"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "category"], name="category_once")
        ]

    def __str__(self) -> str:
        return self.category


class Evidence(AppendOnly):
    """A screenshot, exactly as uploaded (with its SHA-256), and a re-encoded
    copy without metadata for display. Immutable: Threemilestone 6.2 asks for
    the record to be kept before the comment is deleted.

    The original is stored with the incident, in the same transaction; the
    display copy and thumbnail are made afterwards by a background task
    (``evidence_prepare``), which fills them in once and only once — until
    then the page says the screenshot is being prepared."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    original = models.FileField(storage=get_private_storage, max_length=255)
    display = models.FileField(storage=get_private_storage, max_length=255, blank=True)
    thumbnail = models.FileField(storage=get_private_storage, max_length=255, blank=True)
    sha256 = models.CharField("SHA-256 of the file as uploaded", max_length=64, db_index=True)
    original_format = models.CharField(max_length=8)
    display_format = models.CharField(max_length=8)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyManager()

    SCHOOL_PATH = "incident__school"

    class Meta:
        ordering = ["incident", "uploaded_at", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"Screenshot {self.pk} of incident {self.incident_id}"

    @property
    def is_prepared(self) -> bool:
        """The display copy has been made (see ``evidence_prepare``)."""
        return bool(self.display)


class EvidenceText(AppendOnly):
    """What OCR read in one screenshot: the text, each word with its box,
    and what screening found in it (``moderation.ocr``). Written once, by
    the background task, after the screenshot is stored; the screenshot
    itself is never changed. ``error`` says why nothing could be read."""

    evidence = models.OneToOneField(Evidence, on_delete=models.PROTECT, related_name="read_text")
    text = models.TextField(blank=True)
    # [{"text", "left", "top", "width", "height", "conf", "start", "end"}]:
    # start/end are the word's offsets in ``text``.
    words = models.JSONField(default=list, blank=True)
    screening = models.JSONField(default=dict, blank=True)
    languages = models.CharField(max_length=40, blank=True)
    engine = models.CharField(max_length=60, blank=True)
    seconds = models.FloatField(default=0)
    error = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    SCHOOL_PATH = "evidence__incident__school"

    class Meta:
        verbose_name = "text read from a screenshot"
        verbose_name_plural = "text read from screenshots"

    def __str__(self) -> str:
        return f"Text of screenshot {self.evidence_id}"

    @property
    def named(self) -> list[dict]:
        return [m for m in self.screening.get("names", []) if m.get("kind") == "named"]


class IncidentAction(AppendOnly):
    """The incident's timeline; append-only."""

    class Kind(models.TextChoices):
        COMMENT_HIDDEN = "comment_hidden", _("Comment hidden")
        COMMENT_DELETED = "comment_deleted", _("Comment deleted")
        AUTHOR_BANNED = "author_banned", _("Author banned")
        PRIVATE_MESSAGE = "private_message", _("Private message sent")
        ASKED_TO_REMOVE = "asked_to_remove", _("Asked to remove")
        INVITED_TO_MEET = "invited_to_meet", _("Invited to meet")
        COMPLAINTS = "complaints", _("Complaints procedure")
        CPOMS = "cpoms", _("CPOMS logged")
        PARENTS_INFORMED = "parents_informed", _("Parents informed")
        REPORTED_PLATFORM = "reported_platform", _("Reported to the platform")
        REPORTED_POLICE = "reported_police", _("Reported to the police")
        EXTERNAL_REFERRAL = "external_referral", _("External agency referral (LADO, Prevent)")
        GOVERNORS_LETTER = "governors_letter", _("Governors' letter")
        STAFF_CONDUCT = "staff_conduct", _("Staff conduct referral")
        LADO_REFERRAL = "lado_referral", _("Referred to the LADO")
        DPO_INFORMED = "dpo_informed", _("Data protection officer informed")
        CHAIR_INFORMED = "chair_informed", _("Chair of governors informed")
        FOLLOWER_REMOVED = "follower_removed", _("Follower removed")
        AUDIENCE_INFORMED = "audience_informed", _("Audience told why it was removed")
        REMOVED_FROM_GROUP = "removed_from_group", _("Removed from the group")
        NAME_CONFIRMED = "name_confirmed", _("Pupil's name confirmed")
        NAME_DISMISSED = "name_dismissed", _("Possible name dismissed")
        NO_FURTHER_ACTION = "nfa", _("No further action")
        NOTE = "note", _("Note")
        # Written by the required-steps service (a leader's waiver, with a reason).
        STEP_WAIVED = "step_waived", _("Required step waived")
        # Written by the status services, not chosen from the action form.
        RECORDED = "recorded", _("Incident recorded")
        EVIDENCE_ADDED = "evidence_added", _("Screenshot added")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        # Written by the escalation services.
        ESCALATED = "escalated", _("Escalated to the headteacher")
        ACKNOWLEDGED = "acknowledged", _("Escalation acknowledged")
        DECISION = "decision", _("Headteacher's decision")

    SYSTEM_KINDS = frozenset(
        {
            "recorded",
            "evidence_added",
            "resolved",
            "closed",
            "reopened",
            "escalated",
            "acknowledged",
            "decision",
            "step_waived",
            "name_confirmed",
            "name_dismissed",
        }
    )
    NEEDS_SCREENSHOT = frozenset({"comment_hidden", "comment_deleted"})
    NEEDS_REFERENCE = frozenset({"cpoms", "reported_police", "lado_referral"})

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    reference = models.CharField("external reference", max_length=100, blank=True)
    banned_account = models.ForeignKey(
        "BannedAccount", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AppendOnlyManager()

    SCHOOL_PATH = "incident__school"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on incident {self.incident_id}"


class BannedAccount(models.Model):
    """An account banned from a school channel. Lifting a ban keeps the row
    with who lifted it, when and why."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="banned_accounts")
    platform = models.CharField(max_length=20, choices=Channel.Platform.choices)
    account_name = models.CharField(max_length=200)
    profile_url = models.URLField("profile link", max_length=500, blank=True)
    reason = models.TextField()
    incidents = models.ManyToManyField(Incident, blank=True, related_name="bans")
    banned_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    banned_on = models.DateField()
    review_on = models.DateField("review on", null=True, blank=True)
    lifted_on = models.DateField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-banned_on", "account_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | ~Q(lifted_reason=""),
                name="ban_lift_needs_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_name} ({self.get_platform_display()})"

    @property
    def is_current(self) -> bool:
        return self.lifted_on is None


class Escalation(models.Model):
    """An incident brought to the headteacher's attention (Threemilestone
    6.1–6.3: "brought to the urgent attention of the Head Teacher"), routed
    to the head or, on the days one is set, the acting head.

    At most one open (undecided) escalation per incident; a decided one stays
    as history and the incident may be escalated again later.
    """

    class Decision(models.TextChoices):
        SPEAK = "speak", _("Speak to the individual")
        PRIVATE_MESSAGE = "private_message", _("Private message explaining the page's purpose")
        DELETE_AND_BAN = "delete_and_ban", _("Delete and ban")
        ASK_TO_REMOVE = "ask_to_remove", _("Ask them to take it down")
        REPORT_PLATFORM = "report_platform", _("Report to the platform")
        REPORT_POLICE = "report_police", _("Report to the police")
        EXTERNAL_AGENCY = "external_agency", _("Refer to an external agency (LADO, Prevent)")
        INVITE_TO_MEET = "invite_to_meet", _("Invite to meet")
        COMPLAINTS = "complaints", _("Complaints procedure")
        INFORM_PARENTS = "inform_parents", _("Inform parents")
        STAFF_CONDUCT = "staff_conduct", _("Staff conduct procedure")
        GOVERNORS_LETTER = "governors_letter", _("Governors' letter")
        DELETE = "delete", _("Delete the comment")
        LOG_CPOMS = "log_cpoms", _("Log it on CPOMS")
        REFER_LADO = "refer_lado", _("Refer to the LADO")
        INFORM_DPO = "inform_dpo", _("Tell the data protection officer")
        REFER_CHAIR = "refer_chair", _("Refer to the chair of governors")
        REMOVE_FOLLOWER = "remove_follower", _("Remove or ban the follower")
        BEHAVIOUR_POLICY = "behaviour_policy", _("Deal with it under the behaviour policy")
        STOP_EVENT_PHOTOS = "stop_event_photos", _("Stop photography at school events")
        NO_FURTHER_ACTION = "nfa", _("No further action")

    # Decisions that need an external reference (crime or referral number).
    NEEDS_REFERENCE = frozenset({"report_police", "external_agency"})

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="escalations")
    raised_by = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the escalation was automatic.",
    )
    raised_at = models.DateTimeField(default=timezone.now)
    automatic = models.BooleanField(default=False)
    urgency = models.PositiveSmallIntegerField(choices=Severity.choices)
    reason = models.TextField(blank=True)
    routed_to = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    # Further decisions taken together with the first (inform parents *and*
    # log on CPOMS: Threemilestone 10.1).
    more_decisions = models.JSONField(default=list, blank=True)
    decision_note = models.TextField(blank=True)
    external_reference = models.CharField(max_length=100, blank=True)
    decided_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    SCHOOL_PATH = "incident__school"

    class Meta:
        ordering = ["-urgency", "raised_at", "pk"]
        indexes = [models.Index(fields=["decided_at", "-urgency", "raised_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(decided_at__isnull=True),
                name="one_open_escalation_per_incident",
            ),
            models.CheckConstraint(
                condition=(Q(decided_at__isnull=True) & Q(decision=""))
                | (Q(decided_at__isnull=False) & ~Q(decision="")),
                name="escalation_decided_with_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} of incident {self.incident_id}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def decisions(self) -> list[str]:
        return [d for d in [self.decision, *(self.more_decisions or [])] if d]

    @property
    def decision_labels(self) -> list[str]:
        labels = dict(self.Decision.choices)
        return [labels.get(d, d) for d in self.decisions]

    @property
    def urgency_badge(self) -> str:
        return {4: "danger", 3: "warn", 2: "warn"}.get(self.urgency, "")

    def waited(self, now=None):
        """How long it has waited for a decision (or waited, once decided)."""
        end = self.decided_at or now or timezone.now()
        return max(end - self.raised_at, datetime.timedelta(0))

    @property
    def waited_label(self) -> str:
        return duration_label(self.waited())


def duration_label(delta) -> str:
    """'2 h 15 min', '45 min', '3 d 4 h' — short, for a busy head on a phone;
    in the language of the page."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}
