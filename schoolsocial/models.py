"""The core the two apps share: schools, the staff roster, channels, the audit
trail and invitations.

Every record belongs to exactly one school; the roster and the audit trail are
never deleted through the application.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS as DAY_NAMES
from django.utils.dates import WEEKDAYS_ABBR as DAY_ABBREVIATIONS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schoolsocial.private_files import get_private_storage
from schoolsocial.records import AppendOnlyQuerySet, RecordProtected


class AuditEventQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # Each event must join the hash chain one at a time (save()).
        raise RecordProtected("Audit events are written one at a time (audit_record).")


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with their email address.

    ``is_staff`` here means Django-admin access for the people who run the
    service, not school staff; school staff are ``StaffMember`` rows.
    """

    username = None
    email = models.EmailField(_("email address"), unique=True)
    # "" follows the school's language (School.language).
    language = models.CharField(
        max_length=2, blank=True, default="", choices=[("en", "English"), ("cy", "Cymraeg")]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class School(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        WELSH = "cy", _("Welsh (Cymraeg)")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    reminder_time = models.TimeField(
        _("reminder time"),
        default=datetime.time(15, 30),
        help_text=_("Local time of the daily reminder to check each channel."),
    )
    policy_next_review = models.DateField(
        _("policy next review"),
        null=True,
        blank=True,
        help_text=_("When the social media policy is next reviewed."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default="en")
    leaders_require_mfa = models.BooleanField(
        _("leaders must use two-factor sign-in"),
        default=True,
        help_text=_("The headteacher and senior leaders must set up an authenticator app."),
    )
    closure_dates = models.JSONField(
        _("closure dates"),
        default=list,
        blank=True,
        help_text=_("Dates (YYYY-MM-DD) the school is closed and channels need not be checked."),
    )
    # Retention (schoolsocial/retention.py, docs/retention.md): whole years,
    # defaults from the IRMS Information Management Toolkit for Schools.
    evidence_retention_years = models.PositiveSmallIntegerField(
        _("routine incidents and screenshots: years kept after closing"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Incidents with no safeguarding side, their screenshots and the daily "
            "moderation log. IRMS: complaints, resolution + 6 years."
        ),
    )
    safeguarding_retention_years = models.PositiveSmallIntegerField(
        _("safeguarding incidents: years kept after closing"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Incidents that name a pupil, bullying, pupils' photos, threats, extremism, "
            "staff personal accounts. IRMS: child protection records, date of birth + 25 years."
        ),
    )
    consent_retention_years = models.PositiveSmallIntegerField(
        _("consent forms: years kept after the pupil leaves"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "A leaver's consent forms, scans, publication-check results and register entry."
        ),
    )
    audit_retention_years = models.PositiveSmallIntegerField(
        _("audit trail: years kept"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("At least as long as the routine records the trail describes."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self) -> datetime.date:
        return timezone.now().astimezone(self.tz).date()


class Role(models.TextChoices):
    # Welsh names: docs/glossary-cy.md.
    HEAD = "head", _("Headteacher")
    SLT = "slt", _("Senior leadership")
    ADMIN = "admin", _("Page administrator")
    OFFICE = "office", _("Office")


LEADERS = frozenset({Role.HEAD, Role.SLT})


class StaffMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_on__isnull=True)

    def with_role(self, role: str):
        return self.filter(**{f"is_{role}": True})


class StaffMember(models.Model):
    """A person's place on one school's staff roster, with their roles.

    Leaving the school ends the membership (``left_on``); the row is kept so
    the history of who did what stays readable.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    job_title = models.CharField(max_length=120, blank=True)
    is_head = models.BooleanField("headteacher", default=False)
    is_slt = models.BooleanField("senior leadership", default=False)
    is_admin = models.BooleanField("page administrator", default=False)
    is_office = models.BooleanField("office", default=False)
    joined_on = models.DateField(default=datetime.date.today)
    left_on = models.DateField(null=True, blank=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="one_membership_per_school"),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(is_head=True, left_on__isnull=True),
                name="one_current_head_per_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.school})"

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def roles(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        return frozenset(role for role in Role.values if getattr(self, f"is_{role}"))

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in Role.values if role in self.roles]

    def effective_roles(self, on: datetime.date | None = None) -> frozenset[str]:
        """Roles including ``head`` while this person is the acting head."""
        roles = self.roles
        if roles and Role.HEAD not in roles:
            on = on or self.school.local_today()
            if self.acting_periods.filter(starts_on__lte=on, ends_on__gte=on).exists():
                roles = roles | {Role.HEAD}
        return roles


class ActingHead(models.Model):
    """Someone standing in for the head between two dates (inclusive)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="acting_heads")
    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="acting_periods")
    starts_on = models.DateField()
    ends_on = models.DateField()
    set_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="acting_head_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member.user.display_name}, acting head {self.starts_on} to {self.ends_on}"


# Monday is 0, as in ``date.weekday()``; the names in the page's language.
WEEKDAYS = sorted(DAY_NAMES.items())


def list_all_weekdays() -> list[int]:
    return [day for day, _ in WEEKDAYS]


class Channel(models.Model):
    class Platform(models.TextChoices):
        FACEBOOK_PAGE = "facebook_page", _("Facebook page")
        FACEBOOK_GROUP = "facebook_group", _("Facebook private group")
        X = "x", _("X (Twitter)")
        INSTAGRAM = "instagram", _("Instagram")
        YOUTUBE = "youtube", _("YouTube")
        WEBSITE = "website", _("School website / blog")
        CLASS_DOJO = "class_dojo", _("Class Dojo")
        WHATSAPP = "whatsapp", _("WhatsApp group")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE_GROUP = "private_group", _("Private group")
        STAFF = "staff", _("Staff only")

    class ProfanityFilter(models.TextChoices):
        NOT_AVAILABLE = "none", _("Not available on this platform")
        OFF = "off", _("Off")
        MEDIUM = "medium", _("Medium")
        STRONG = "strong", _("Strong")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="channels")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("address (URL)"), blank=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default="public"
    )
    moderated_daily = models.BooleanField(
        _("moderated daily"), default=True, help_text=_("The page will be moderated daily.")
    )
    check_weekdays = models.JSONField(
        _("days it must be checked"),
        default=list_all_weekdays,
        blank=True,
        help_text=_(
            "Weekdays (0 = Monday … 6 = Sunday) the daily check is due, "
            "apart from the school's closure dates."
        ),
    )
    profanity_filter = models.CharField(
        _("profanity filter on the platform"),
        max_length=10,
        choices=ProfanityFilter.choices,
        default=ProfanityFilter.STRONG,
        help_text=_("The page profanity filter is set to 'strong'."),
    )
    tagging_off = models.BooleanField(
        _("tagging and visitor photo posts turned off on the platform"),
        default=False,
        help_text=_("The setting that lets others post or tag photos is turned off."),
    )
    private_messages_on = models.BooleanField(
        _("private messages to the page are turned on"),
        default=True,
        help_text=_(
            "The Facebook private message facility is active so "
            "parents can contact the school privately."
        ),
    )
    # The head's reason for the safeguards now switched off (shown on the
    # dashboard while they stay off; every change is also in the audit trail).
    safeguards_off_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="channel_name_unique_in_school")
        ]

    def __str__(self) -> str:
        return self.name

    def needs_check_on(self, day: datetime.date, *, school: School | None = None) -> bool:
        """Is a daily check due on this school-local day? Not when the
        channel is not moderated daily, on a weekday the school left out, on
        a closure date, or before the channel was added (Threemilestone 5.1:
        the page will be moderated daily)."""
        school = school or self.school
        return (
            self.moderated_daily
            and day.weekday() in (self.check_weekdays or [])
            and day.isoformat() not in (school.closure_dates or [])
            and day >= self.created_at.astimezone(school.tz).date()
        )

    # Platforms where others can post or tag photos on the school's page
    # (Threemilestone 4.3), so "tagging off" is a setting to keep.
    TAGGING_PLATFORMS = frozenset({"facebook_page", "facebook_group", "instagram", "x"})

    def safeguard_levels(self) -> dict[str, int]:
        """How strongly each safeguard is on (higher is stronger): days a
        week of moderation, the profanity filter's level, tagging off. A
        change that lowers any of them switches a safeguard off."""
        filters = {self.ProfanityFilter.OFF: 0, self.ProfanityFilter.MEDIUM: 1}
        return {
            "daily moderation": len(set(self.check_weekdays or [])) if self.moderated_daily else 0,
            "the profanity filter": filters.get(self.profanity_filter, 2),
            "tagging and visitor photo posts off": (
                int(self.tagging_off) if self.platform in self.TAGGING_PLATFORMS else 1
            ),
            "private messages on": (
                int(self.private_messages_on) if self.platform == "facebook_page" else 1
            ),
        }

    # The safeguards of ``safeguard_levels`` in words, for refusals and the trail.
    SAFEGUARD_NAMES = {
        "daily moderation": _("daily moderation"),
        "the profanity filter": _("the profanity filter"),
        "tagging and visitor photo posts off": _("tagging and visitor photo posts off"),
        "private messages on": _("private messages on"),
    }

    def safeguards_off(self) -> list[str]:
        """The policy's safeguards this channel has switched off, in plain
        words (Threemilestone 4.3, 5.1, 5.3)."""
        off = []
        if not self.moderated_daily or not self.check_weekdays:
            off.append(_("daily moderation"))
        elif set(self.check_weekdays) != set(range(7)):
            off.append(_("daily moderation on some days"))
        if self.profanity_filter in (self.ProfanityFilter.OFF, self.ProfanityFilter.MEDIUM):
            off.append(
                _("the profanity filter")
                if self.profanity_filter == self.ProfanityFilter.OFF
                else _("the strong profanity filter (set to medium)")
            )
        if self.platform in self.TAGGING_PLATFORMS and not self.tagging_off:
            off.append(_("tagging and visitor photo posts are allowed"))
        if self.platform == "facebook_page" and not self.private_messages_on:
            off.append(_("private messages to the page are off"))
        return off

    def check_days_label(self) -> str:
        days = set(self.check_weekdays or [])
        if not self.moderated_daily or not days:
            return gettext("Not checked daily")
        if days == set(range(7)):
            return gettext("Every day")
        if days == set(range(5)):
            return gettext("Monday to Friday")
        return ", ".join(str(DAY_ABBREVIATIONS[day]) for day in sorted(days))


class ChannelAuthorisationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(revoked_on__isnull=True, member__left_on__isnull=True)


class ChannelAuthorisation(models.Model):
    """The administrator roster: who may run a channel (Threemilestone 3.1, 5.1).

    Never deleted: revoking sets ``revoked_on`` and a reason, so the history of
    who was authorised, by whom, and when stays on record.
    """

    member = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="authorisations")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="authorisations")
    authorised_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    authorised_on = models.DateField()
    trained_on = models.DateField(_("training completed on"))
    acceptable_use_signed_on = models.DateField(_("acceptable-use agreement signed on"))
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChannelAuthorisationQuerySet.as_manager()

    SCHOOL_PATH = "channel__school"

    class Meta:
        ordering = ["channel__name", "-authorised_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "channel"],
                condition=Q(revoked_on__isnull=True),
                name="one_current_authorisation_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | ~Q(revoked_reason=""),
                name="revocation_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.user.display_name} for {self.channel}"

    @property
    def is_current(self) -> bool:
        return self.revoked_on is None and self.member.is_active


class PlatformRemoval(models.Model):
    """A leader's task: remove someone whose authorisation ended as an
    administrator on the platform itself (Threemilestone 4.2: only authorised
    administrators upload; Whitchurch "Legal considerations": data protection). The app can end
    their access here, not on Facebook or YouTube. Open until a leader marks
    it done; never deleted."""

    authorisation = models.OneToOneField(
        ChannelAuthorisation, on_delete=models.PROTECT, related_name="platform_removal"
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Remove {self.authorisation} on the platform"


class Invitation(models.Model):
    """An invitation to join a school's staff; the link works once, for 7 days.

    Only a hash of the token is stored, so the link cannot be rebuilt from the
    database.
    """

    VALID_FOR = datetime.timedelta(days=7)

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    roles = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    # Empty when the service itself invited a new school's first headteacher.
    invited_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.school}"

    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]

    @property
    def inviter_name(self) -> str:
        return self.invited_by.user.display_name if self.invited_by else "schoolsocial"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.cancelled_at:
            return "cancelled"
        if timezone.now() >= self.expires_at:
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """Append-only record of who did what, when, from where.

    Written by the services for every change to a register, every view or
    download of evidence, every export and every sign-in. Rows are never
    updated, and deleted only by audit retention (the queryset refuses; a
    trigger refuses too; each row carries the previous row's hash — see
    schoolsocial/records.py).
    """

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="audit_events", null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Kept as text so the record reads the same if the account changes later.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.TextField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The hash chain (schoolsocial/records.py): the previous event's hash in
    # this school's trail, and this event's own, over its contents and that.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "-created_at"], name="audit_school_recent"),
            # The tail of each school's hash chain, read on every write.
            models.Index(fields=["school", "-id"], name="audit_chain_tail"),
            # The audit log's "kind" dropdown: the kinds of one school's events.
            models.Index(fields=["school", "action"], name="audit_school_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"

    def save(self, *args, **kwargs):
        # Append-only is a property of the record itself, not a business rule.
        if self.pk is not None:
            raise ValidationError("Audit events cannot be changed.")
        if not self.hash:
            # However it is created, an event joins its school's chain.
            from schoolsocial.records import append_to_chain

            with transaction.atomic():
                append_to_chain(self)
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events cannot be deleted.")


class ErasurePermit(models.Model):
    """Exists only inside the transaction of a retention run or an erasure
    (``schoolsocial.records.erasure``), naming its audit event; the delete
    triggers on protected records refuse unless one exists."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Erasure permit for audit event {self.event_id}"


class Notification(models.Model):
    """Something a member of staff should know about: shown in the app (the
    bell) and, when ``emailed``, sent by email.

    Notifications carry no pupil names and no comment text — emails go to
    personal inboxes on phones — only a title built from fixed labels
    (category, severity, school) and a link that requires sign-in. The
    ``key`` is unique: asking to send the same notification twice (a re-run,
    a retry, two beats) creates nothing new.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="notifications")
    recipient = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, unique=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=True)
    # Urgent (an escalation and its reminders): a lost email is sent again
    # within about a minute rather than ten.
    urgent = models.BooleanField(default=False)
    # Fixed when the notification is created, before any attempt to send it:
    # every attempt, including one repeated after a worker died between the
    # mail server accepting the message and ``emailed_at`` being written,
    # carries the same Message-ID, so the repeat can be recognised.
    email_message_id = models.CharField(max_length=250, blank=True)
    # Claimed by the task sending it (a claim older than the claim timeout
    # is taken to have died with its worker and may be taken again).
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    # A sending task is killed after SEND_TIME_LIMIT (45 s, schoolsocial.
    # mail), so a claim older than either timeout belongs to a dead worker.
    EMAIL_CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
    URGENT_EMAIL_CLAIM_TIMEOUT = datetime.timedelta(minutes=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def claim_expired(cls, now: datetime.datetime) -> Q:
        """Rows whose email nobody is sending now: never claimed, or claimed
        by a worker that has been gone longer than the timeout for the row's
        urgency."""
        return (
            Q(email_claimed_at__isnull=True)
            | Q(urgent=False, email_claimed_at__lt=now - cls.EMAIL_CLAIM_TIMEOUT)
            | Q(urgent=True, email_claimed_at__lt=now - cls.URGENT_EMAIL_CLAIM_TIMEOUT)
        )


class SubjectAccessRequest(models.Model):
    """A subject access request (UK GDPR Art. 15) answered from this app:
    everything that names one pupil, parent or member of staff, built as a
    ZIP by a background task (schoolsocial/subject_access.py), downloadable
    once by the head, after which the file is removed. Every step is
    audited."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", _("A pupil")
        PARENT = "parent", _("A parent or carer (by name)")
        STAFF = "staff", _("A member of staff")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be built")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready to download (once)")
        DOWNLOADED = "downloaded", _("Downloaded; file removed")
        EXPIRED = "expired", _("Not downloaded within 30 days; file removed")
        FAILED = "failed", _("Failed")

    # A ready export not downloaded by then is removed (nightly).
    KEPT_FOR = datetime.timedelta(days=30)
    # A build that has not finished by then died with its worker: build again.
    BUILD_TIMEOUT = datetime.timedelta(minutes=15)

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The subject: a pupil's or staff member's id, or the parent's name.
    subject_ref = models.CharField(max_length=200)
    subject_name = models.CharField(max_length=200)
    reference = models.CharField(
        "request reference",
        max_length=200,
        blank=True,
        help_text="How and when the request reached the school, e.g. “letter of 3 March”.",
    )
    requested_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    item_count = models.PositiveIntegerField(null=True, blank=True)
    downloaded_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    downloaded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Subject access request {self.pk}: {self.subject_name}"


class FormSubmission(models.Model):
    """A once-only form's key, claimed when the form is first acted on
    (``OnceOnlyForm.claim``). The unique key makes the claim atomic in the
    database itself — on SQLite as on PostgreSQL — so a double click can
    record nothing twice, whatever the cache. Claims older than a day are
    pruned (``schoolsocial.tasks.housekeeping``)."""

    key = models.CharField(max_length=100, unique=True)
    claimed_at = models.DateTimeField(default=timezone.now, db_index=True)

    KEEP_FOR = datetime.timedelta(days=1)

    def __str__(self) -> str:
        return self.key


def _stash_path(instance, filename):
    return f"stash/{instance.user_id}/{instance.form_key}/{uuid.uuid4().hex}"


class StashedUpload(models.Model):
    """A file chosen on a form that was sent back to its page without being
    saved ("Check the text first"), held privately for that person and that
    page (its once-only key) so it need not be chosen again. Used by the
    final save, removed with it; stale ones are pruned after STASH_FOR."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form_key = models.CharField(max_length=64)
    file = models.FileField(storage=get_private_storage, upload_to=_stash_path, max_length=255)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    STASH_FOR = datetime.timedelta(hours=3)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "form_key"], name="stash_user_form")]

    def __str__(self) -> str:
        return self.name
