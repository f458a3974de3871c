from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from policy.catalogue import NOTIFY_CHOICES, STEP_CHOICES, Severity
from policy.profile import (
    CONSENT_VALIDITY,
    DECIDERS,
    MAPPABLE_PLATFORMS,
    MAPPABLE_PURPOSES,
    PRIVATE_CONCERN_REPLIES,
    template_choices,
)
from schoolsocial.forms import DateInput, OnceOnlyForm
from schoolsocial.models import StaffMember


class SchoolNames(forms.Select):
    """The templates are named after their schools: proper names, English
    on a page in any language (``lang="en"`` on each option)."""

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["attrs"]["lang"] = "en"
        return option


# The platforms the policies disagree on, each as the question the form asks.
PURPOSES_LABELS = {
    "class_dojo": _("Photos of pupils on Class Dojo need"),
    "whatsapp": _("Photos of pupils on WhatsApp group need"),
}


class TemplateForm(OnceOnlyForm):
    template = forms.ChoiceField(
        label=_("Start from the policy of"),
        choices=(),
        widget=SchoolNames,
        help_text=_("Choosing again replaces the school's own edits (the audit trail keeps them)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()


class SettingsForm(OnceOnlyForm):
    """The choices where the five policies disagree. Each field's help text
    quotes the clause of the school's own template behind its value, in
    ``lang="en"``: the school's policy is an English document."""

    decider = forms.ChoiceField(label=_("Who decides escalations"), choices=DECIDERS)
    private_concern_reply = forms.ChoiceField(
        label=_("A private concern posted publicly"), choices=PRIVATE_CONCERN_REPLIES
    )
    website_naming = forms.BooleanField(
        label=_("Pupils may be named on the school website"), required=False
    )
    follower_min_age = forms.IntegerField(
        label=_("Followers under this age are removed"), min_value=13, max_value=18
    )
    consent_valid_months = forms.TypedChoiceField(
        label=_("How long a consent form lasts"), choices=CONSENT_VALIDITY, coerce=int
    )
    rare_first_name_max = forms.IntegerField(
        label=_("A first name is rare when at most this many pupils have it"),
        min_value=0,
        max_value=10,
        help_text=_(
            "A rare first name in a comment must be confirmed or dismissed before the "
            "incident closes. 0 turns this off."
        ),
    )
    dsl = forms.ModelChoiceField(
        label=_("Designated safeguarding lead"),
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label=_("Not named"),
        help_text=_(
            "Told of safeguarding escalations (staff contact with pupils, indecent images)."
        ),
    )
    head_approved_on = forms.DateField(
        label=_("Policy approved by the headteacher on"), required=False, widget=DateInput()
    )
    governors_approved_on = forms.DateField(
        label=_("Policy ratified by the governing body on"), required=False, widget=DateInput()
    )
    dpo_contact = forms.CharField(
        label=_("Data protection officer"), required=False, max_length=300
    )
    chair_contact = forms.CharField(label=_("Chair of governors"), required=False, max_length=300)

    def __init__(self, *args, school, profile, **kwargs):
        super().__init__(*args, **kwargs)
        # What each platform the policies disagree on may carry: none ticked
        # means no pupils' photos at all on it.
        for platform in MAPPABLE_PLATFORMS:
            field = forms.MultipleChoiceField(
                label=PURPOSES_LABELS[platform],
                choices=MAPPABLE_PURPOSES,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text=_("Tick none if it carries no photos of pupils."),
            )
            self.fields[f"purposes_{platform}"] = field
            self.initial.setdefault(f"purposes_{platform}", list(profile.purposes_for(platform)))
        clause = profile.clause("channel_purposes")
        if clause.ref:
            self.fields["purposes_class_dojo"].help_text = clause.quoted
        self.fields["dsl"].queryset = StaffMember.objects.active().filter(school=school)
        for name in ("decider", "private_concern_reply", "website_naming", "follower_min_age"):
            clause = profile.clause(name)
            if clause.ref:
                self.fields[name].help_text = clause.quoted


class CategoryForm(OnceOnlyForm):
    severity = forms.TypedChoiceField(label=_("Severity"), choices=Severity.choices, coerce=int)
    escalate = forms.BooleanField(label=_("Escalates as soon as it is recorded"), required=False)
    notify = forms.MultipleChoiceField(
        label=_("Also told"),
        choices=NOTIFY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    required = forms.MultipleChoiceField(
        label=_("Required before the incident closes"),
        choices=STEP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=2000,
        help_text=_("Needed when the change weakens a safeguard."),
    )
