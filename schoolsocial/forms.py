from __future__ import annotations

import datetime
import hashlib
import uuid

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django import forms
from django.core.signals import got_request_exception
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schoolsocial import clauses
from schoolsocial.models import WEEKDAYS, Channel, FormSubmission, Role, School, StaffMember


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BoundedDateField(forms.DateField):
    """A date a school could mean: 1900 to 2199. Beyond that there is no
    day after (9999-12-31) or a time zone cannot convert it (0001-01-01),
    and nobody at a school means it anyway."""

    EARLIEST = datetime.date(1900, 1, 1)
    LATEST = datetime.date(2199, 12, 31)

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", DateInput())
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not (self.EARLIEST <= value <= self.LATEST):
            raise forms.ValidationError(
                _("Enter a date between 1900 and 2199, such as 31/08/2026."), code="out_of_range"
            )


class BoundedDateTimeField(forms.DateTimeField):
    """A moment a school could mean (1900 to 2199), for the same reason as
    ``BoundedDateField``: year 1 in a time zone east of UTC is before the
    first moment a database can store."""

    def validate(self, value):
        super().validate(value)
        if value and not (BoundedDateField.EARLIEST <= value.date() <= BoundedDateField.LATEST):
            raise forms.ValidationError(
                _("Enter a date between 1900 and 2199, such as 31/08/2026 09:30."),
                code="out_of_range",
            )


class OnceOnlyForm(forms.Form):
    """A form that changes nothing when it is sent a second time (a double
    click, the back button, a reload). The page carries a one-time key; the
    view claims it with ``claim()`` before making the change.

    The claim is a row with a unique key (``FormSubmission``), inserted in a
    transaction of its own: of two copies of the form sent at once, the
    database lets exactly one insert through, on SQLite and PostgreSQL alike
    (a cache ``add`` is not atomic in Django's file cache)."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4().hex

    def _claim_key(self, request) -> str:
        # Hashed: the key comes from the page, so its length and characters
        # are whatever a client sends; one person's keys stay apart from another's.
        key = hashlib.sha256((self.cleaned_data.get("submission_key") or "").encode()).hexdigest()
        return f"{request.user.pk}:{key}"

    def claim(self, request) -> bool:
        """True the first time this page's key is used; False for a resend."""
        if not self.cleaned_data.get("submission_key"):
            return True
        key = self._claim_key(request)
        try:
            with transaction.atomic():
                FormSubmission.objects.create(key=key)
        except IntegrityError:
            return False
        # Released again if the view then fails with a server error (the
        # services roll back), so the person can send the page once more.
        request.__dict__.setdefault("_once_only_claims", []).append(key)
        return True

    def release(self, request) -> None:
        """The change was refused: let the corrected form be sent again."""
        if self.cleaned_data.get("submission_key"):
            FormSubmission.objects.filter(key=self._claim_key(request)).delete()

    def refuse(self, request, error) -> None:
        """Show a service's refusal on the form and release the page's key,
        so the corrected form can be sent with it."""
        self.release(request)
        self.add_error(None, error)


def _release_claims_after_a_server_error(sender, request=None, **kwargs) -> None:
    """A view that claimed a page's key and then failed with a server error
    recorded nothing (each service is one transaction): free the key, or the
    person's retry would be told it had already been recorded."""
    keys = getattr(request, "_once_only_claims", None)
    if keys:
        FormSubmission.objects.filter(key__in=keys).delete()


got_request_exception.connect(
    _release_claims_after_a_server_error, dispatch_uid="once-only-form-release"
)


def prune_form_submissions(*, now=None) -> int:
    """Forget claimed keys older than a day (``FormSubmission.KEEP_FOR``)."""
    cutoff = (now or timezone.now()) - FormSubmission.KEEP_FOR
    deleted, _ = FormSubmission.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class VerifiedAddressResetPasswordForm(ResetPasswordForm):
    """ "Forgotten your password?" sends the link only to an address proven to
    be the person's (by their invitation link, or by the confirmation link
    sent when a leader changed it) — never to one merely typed into an
    account."""

    def clean_email(self) -> str:
        email = super().clean_email()
        verified = set(
            EmailAddress.objects.filter(
                email__iexact=email, verified=True, user__in=self.users
            ).values_list("user_id", flat=True)
        )
        self.users = [user for user in self.users if user.pk in verified]
        return email


class InviteForm(OnceOnlyForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("The invitation link is sent here. It works once, for 7 days."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )


class AuthoriseForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none())
    trained_on = BoundedDateField(label=_("Training completed on"), widget=DateInput())
    acceptable_use_signed_on = BoundedDateField(
        label=_("Acceptable-use agreement signed on"), widget=DateInput()
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(school=school)


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New sign-in address"),
        help_text=_(
            "Their old address is told. They confirm the new one from a link sent "
            "to it before a password reset can go there."
        ),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class LeftForm(forms.Form):
    left_on = BoundedDateField(label=_("Last day"), widget=DateInput(), initial=datetime.date.today)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ActingHeadForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Acting head"), queryset=StaffMember.objects.none())
    starts_on = BoundedDateField(label=_("First day"), widget=DateInput())
    ends_on = BoundedDateField(label=_("Last day"), widget=DateInput())

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            StaffMember.objects.active().filter(school=school, is_head=False).select_related("user")
        )
        self.fields["member"].label_from_instance = lambda m: m.user.display_name

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", gettext("The last day must be on or after the first day."))
        return data


class ChannelForm(forms.ModelForm):
    check_weekdays = forms.TypedMultipleChoiceField(
        label=_("Days it must be checked"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The school's closure dates (School settings) are left out as well."),
    )

    class Meta:
        model = Channel
        fields = [
            "platform",
            "name",
            "url",
            "audience",
            "moderated_daily",
            "check_weekdays",
            "profanity_filter",
            "tagging_off",
            "private_messages_on",
        ]

    safeguard_reason = forms.CharField(
        label=_("Reason for switching a safeguard off"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only the headteacher can switch off daily moderation, lower the profanity "
            "filter below strong or allow tagging, and must say why{cite}. "
            "Kept in the audit trail and shown on the dashboard while it stays off."
        ),
    )

    # The policy clause behind each safeguard: quoted from the school's own
    # policy profile, never another school's.
    CLAUSES = {
        "moderated_daily": "daily_check",
        "profanity_filter": "profanity_filter",
        "tagging_off": "tagging",
        "private_messages_on": "private_messages",
    }

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        for field, key in self.CLAUSES.items():
            self.fields[field].help_text = clauses.quote(
                school, key, Channel._meta.get_field(field).help_text
            )
        reason = self.fields["safeguard_reason"]
        reason.help_text = str(reason.help_text).replace(
            "{cite}", clauses.cite(school, "tagging", "daily_check", "profanity_filter")
        )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Channel.objects.filter(school=self.school, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(gettext("The school already has a channel with this name."))
        return name


class SchoolSettingsForm(forms.ModelForm):
    policy_next_review = BoundedDateField(
        label=_("Policy next review"),
        required=False,
        help_text=School._meta.get_field("policy_next_review").help_text,
    )
    closure_dates_text = forms.CharField(
        label=_("Closure dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One date a line (YYYY-MM-DD): days the channels need not be checked."),
    )

    class Meta:
        model = School
        fields = [
            "name",
            "time_zone",
            "reminder_time",
            "policy_next_review",
            "language",
            "leaders_require_mfa",
            "evidence_retention_years",
            "safeguarding_retention_years",
            "consent_retention_years",
            "audit_retention_years",
        ]
        widgets = {
            "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "policy_next_review": DateInput(),
        }

    RETENTION_FIELDS = (
        "evidence_retention_years",
        "safeguarding_retention_years",
        "consent_retention_years",
        "audit_retention_years",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["closure_dates_text"] = "\n".join(self.instance.closure_dates or [])
        # Left out of a post (an older page): keep what is stored.
        for name in self.RETENTION_FIELDS:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.RETENTION_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        routine = cleaned.get("evidence_retention_years")
        if routine is not None:
            # docs/retention.md: safeguarding records outlive routine ones, and
            # the trail lasts as long as the records it describes.
            if (cleaned.get("safeguarding_retention_years") or routine) < routine:
                self.add_error(
                    "safeguarding_retention_years",
                    gettext(
                        "Safeguarding incidents cannot be kept for less time than routine ones."
                    ),
                )
            if (cleaned.get("audit_retention_years") or routine) < routine:
                self.add_error(
                    "audit_retention_years",
                    gettext("The audit trail must be kept at least as long as routine incidents."),
                )
        return cleaned

    def clean_closure_dates_text(self):
        dates = []
        for n, line in enumerate(self.cleaned_data["closure_dates_text"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            try:
                dates.append(datetime.date.fromisoformat(line).isoformat())
            except ValueError:
                raise forms.ValidationError(
                    gettext("Line %(number)s (“%(line)s”) is not a date written as YYYY-MM-DD.")
                    % {"number": n, "line": line}
                ) from None
        return sorted(set(dates))


class AuditFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=None, required=False, empty_label=_("Anyone")
    )
    action = forms.ChoiceField(label=_("Kind"), required=False)
    date_from = BoundedDateField(label=_("From"), required=False)
    date_to = BoundedDateField(label=_("To"), required=False)

    def __init__(self, *args, people, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: u.display_name
        # Plain labels ("Recorded an incident"), not the codes behind them.
        from schoolsocial.audit import action_label

        self.fields["action"].choices = [("", gettext("Any kind"))] + sorted(
            ((a, action_label(a)) for a in actions), key=lambda choice: choice[1].lower()
        )
