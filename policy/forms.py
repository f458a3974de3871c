from __future__ import annotations

from django import forms

from policy.catalogue import NOTIFY_CHOICES, STEP_CHOICES, Severity
from policy.profile import CONSENT_VALIDITY, DECIDERS, PRIVATE_CONCERN_REPLIES, template_choices
from schoolsocial.forms import DateInput, OnceOnlyForm
from schoolsocial.models import StaffMember


class TemplateForm(OnceOnlyForm):
    template = forms.ChoiceField(
        label="Start from the policy of",
        choices=(),
        help_text="Choosing again replaces the school's own edits (the audit trail keeps them).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()


class SettingsForm(OnceOnlyForm):
    """The choices where the five policies disagree. Each field's help text
    quotes the clause of the school's own template behind its value."""

    decider = forms.ChoiceField(label="Who decides escalations", choices=DECIDERS)
    private_concern_reply = forms.ChoiceField(
        label="A private concern posted publicly", choices=PRIVATE_CONCERN_REPLIES
    )
    website_naming = forms.BooleanField(
        label="Pupils may be named on the school website", required=False
    )
    follower_min_age = forms.IntegerField(
        label="Followers under this age are removed", min_value=13, max_value=18
    )
    consent_valid_months = forms.TypedChoiceField(
        label="How long a consent form lasts", choices=CONSENT_VALIDITY, coerce=int
    )
    rare_first_name_max = forms.IntegerField(
        label="A first name is rare when at most this many pupils have it",
        min_value=0,
        max_value=10,
        help_text="A rare first name in a comment must be confirmed or dismissed before the "
        "incident closes. 0 turns this off.",
    )
    dsl = forms.ModelChoiceField(
        label="Designated safeguarding lead",
        queryset=StaffMember.objects.none(),
        required=False,
        empty_label="Not named",
        help_text="Told of safeguarding escalations (staff contact with pupils, indecent images).",
    )
    head_approved_on = forms.DateField(
        label="Policy approved by the headteacher on", required=False, widget=DateInput()
    )
    governors_approved_on = forms.DateField(
        label="Policy ratified by the governing body on", required=False, widget=DateInput()
    )
    dpo_contact = forms.CharField(label="Data protection officer", required=False, max_length=300)
    chair_contact = forms.CharField(label="Chair of governors", required=False, max_length=300)

    def __init__(self, *args, school, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dsl"].queryset = StaffMember.objects.active().filter(school=school)
        for name in ("decider", "private_concern_reply", "website_naming", "follower_min_age"):
            clause = profile.clause(name)
            if clause.ref:
                quote = f" — “{clause.text}”" if clause.text else ""
                self.fields[name].help_text = f"{clause.ref}{quote}"


class CategoryForm(OnceOnlyForm):
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int)
    escalate = forms.BooleanField(label="Escalates as soon as it is recorded", required=False)
    notify = forms.MultipleChoiceField(
        label="Also told",
        choices=NOTIFY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    required = forms.MultipleChoiceField(
        label="Required before the incident closes",
        choices=STEP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.CharField(
        label="Reason for the change",
        required=False,
        max_length=2000,
        help_text="Needed when the change weakens a safeguard.",
    )
