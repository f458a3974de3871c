from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models import Escalation, Incident, IncidentAction, ModerationCheck
from policy.catalogue import STEP_CHOICES, Severity
from schoolsocial.forms import BoundedDateField, BoundedDateTimeField, DateInput, OnceOnlyForm
from schoolsocial.images import ACCEPT as ACCEPTED_IMAGES
from schoolsocial.models import Channel

ACCEPT = ACCEPTED_IMAGES


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class CheckForm(OnceOnlyForm):
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), empty_label=None
    )
    outcome = forms.ChoiceField(
        label=_("What did you find?"),
        choices=ModerationCheck.Outcome.choices,
        widget=forms.RadioSelect,
        initial=ModerationCheck.Outcome.NOTHING,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels


ELSEWHERE_LABEL = _("Elsewhere online (a parent's own page, another group, a website)")


class IncidentForm(OnceOnlyForm):
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.none(),
        required=False,
        empty_label=ELSEWHERE_LABEL,
        help_text=_("One of the school's channels, or somewhere else online."),
    )
    where = forms.CharField(
        label=_("Where was it posted?"),
        required=False,
        max_length=200,
        help_text=_(
            "Only for something outside the school's channels: the site, group or "
            "profile (e.g. “Year 4 parents' WhatsApp group”)."
        ),
    )
    permalink = forms.URLField(
        label=_("Link to the comment"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Copy it from the platform (the comment's date is usually a link)."),
    )
    author_name = forms.CharField(label=_("Author's display name"), max_length=200)
    author_profile_url = forms.URLField(
        label=_("Author's profile link"), required=False, max_length=500, assume_scheme="https"
    )
    author_kind = forms.ChoiceField(
        label=_("Who is the author?"),
        choices=Incident.AuthorKind.choices,
        initial=Incident.AuthorKind.UNKNOWN,
    )
    content = forms.CharField(
        label=_("The comment, as written"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        required=False,
        help_text=_(
            "Copy it exactly. It is checked for pupils' names and offensive words. "
            "If you attach a screenshot you may leave it empty: the screenshot's text is read "
            "and checked the same way, and offered to fill it in."
        ),
    )
    occurred_at = BoundedDateTimeField(label=_("When it was posted"), widget=DateTimeLocalInput())
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every one that applies; the most serious sets the severity."),
    )
    screenshots = MultipleFileField(
        label=_("Screenshots"),
        widget=MultipleFileInput(attrs={"accept": ACCEPT, "data-screenshot-input": ""}),
        help_text=_(
            "1 to 10 PNG, JPEG, WebP or HEIC images, up to 20 MB each. "
            "Take the screenshot before anything is deleted."
        ),
    )

    def __init__(self, *args, channels, categories, attached: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        # Screenshots already attached to this page ("Check the text first").
        self.attached = attached
        self.fields["channel"].queryset = channels
        self.fields["categories"].choices = categories
        if attached:
            self.fields["screenshots"].required = False
        first = channels.first()
        if first is not None:
            self.fields["channel"].initial = first
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("occurred_at", now)

    def clean(self):
        data = super().clean()
        if (
            not data.get("channel")
            and not (data.get("where") or "").strip()
            and not data.get("permalink")
            and "channel" not in self.errors
        ):
            self.add_error(
                "where",
                _(
                    "Say where it was posted (or give the link): it is not on one of the "
                    "school's channels."
                ),
            )
        return data

    def clean_content(self):
        # Empty only with a screenshot (checked in clean_screenshots, which
        # refuses a form with neither).
        return (self.cleaned_data.get("content") or "").strip()

    def clean_screenshots(self):
        files = self.cleaned_data.get("screenshots") or []
        if not files and not self.attached:
            raise forms.ValidationError(_("Attach at least one screenshot."))
        if len(files) + self.attached > 10:
            raise forms.ValidationError(
                _("Attach at most %(count)s screenshots."), params={"count": 10}
            )
        return files


class ScreenTextForm(forms.Form):
    """The text part of the incident form, for "Check the text"."""

    content = forms.CharField(max_length=10000)


ACTION_CHOICES = [
    (k.value, k.label) for k in IncidentAction.Kind if k.value not in IncidentAction.SYSTEM_KINDS
]


class ActionForm(OnceOnlyForm):
    kind = forms.ChoiceField(label=_("What was done"), choices=ACTION_CHOICES)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("Needed for CPOMS and police: the CPOMS incident id or crime reference."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_on = BoundedDateField(
        label=_("Review the ban on"),
        required=False,
        widget=DateInput(),
        help_text=_("Only for banning the author."),
    )


class ResolveForm(OnceOnlyForm):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(OnceOnlyForm):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=2000)


STATUS_FILTER = [("open", _("Open work")), ("", _("All"))] + [
    (s.value, s.label) for s in Incident.Status
]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.none(),
        required=False,
        empty_label=_("Any channel"),
    )
    category = forms.ChoiceField(label=_("Category"), choices=(), required=False)
    steps = forms.ChoiceField(
        label=_("Required steps"),
        choices=[("", _("Any")), ("outstanding", _("Still to do"))],
        required=False,
    )
    elsewhere = forms.BooleanField(label=_("Only elsewhere online"), required=False)
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=[("", _("Any severity")), *reversed(Severity.choices)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    author = forms.CharField(required=False, max_length=200, label=_("Author"))
    text = forms.CharField(
        required=False,
        max_length=200,
        label=_("Words"),
        help_text=_("In the comment or in the text read from its screenshots."),
    )
    date_from = BoundedDateField(label=_("Posted from"), required=False, widget=DateInput())
    date_to = BoundedDateField(label=_("Posted to"), required=False, widget=DateInput())

    def __init__(self, *args, school, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(school=school)
        self.fields["category"].choices = [("", _("Any category")), *categories]


class BanForm(OnceOnlyForm):
    platform = forms.ChoiceField(label=_("Platform"), choices=Channel.Platform.choices)
    account_name = forms.CharField(label=_("Account name"), max_length=200)
    profile_url = forms.URLField(
        label=_("Profile link"), required=False, max_length=500, assume_scheme="https"
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    review_on = BoundedDateField(label=_("Review on"), required=False, widget=DateInput())


class LiftForm(OnceOnlyForm):
    reason = forms.CharField(label=_("Why lift the ban?"), max_length=2000)


class EscalateForm(OnceOnlyForm):
    reason = forms.CharField(
        label=_("Why does the headteacher need to see this?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(OnceOnlyForm):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=Escalation.Decision.choices,
        widget=forms.RadioSelect,
    )
    more_decisions = forms.MultipleChoiceField(
        label=_("Also decided"),
        choices=[c for c in Escalation.Decision.choices if c[0] != "nfa"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Tick anything else decided at the same time (for example: inform the "
            "parents and log it on CPOMS)."
        ),
    )
    external_reference = forms.CharField(
        label=_("External reference"),
        required=False,
        max_length=100,
        help_text=_(
            "Needed when reporting to the police (the crime or incident number) or "
            "referring to an external agency (LADO, Prevent: their case number)."
        ),
    )
    note = forms.CharField(
        label=_("Note for the timeline"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you decided and why; the administrators carry it out from this."),
    )


class WaiveStepForm(OnceOnlyForm):
    step = forms.ChoiceField(choices=STEP_CHOICES, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why will this step not be done?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class NameReviewForm(OnceOnlyForm):
    pupil_id = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.TypedChoiceField(
        label=_("Is this the pupil?"),
        choices=[("yes", _("It is this pupil")), ("no", _("It is not this pupil"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Who it refers to, or why it is not the pupil"),
        required=False,
        max_length=2000,
    )
