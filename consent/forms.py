"""Forms of the consent pages. They validate input; the services decide."""

from __future__ import annotations

from django import forms

from consent.models import ConsentForm, GroupApplication, Pupil, Purpose, YearGroup
from schoolsocial.forms import BoundedDateField, DateInput, OnceOnlyForm
from schoolsocial.models import Channel

YEAR_CHOICES = [("", "Any year")] + list(YearGroup.choices)


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False, max_length=100)
    year = forms.ChoiceField(label="Year group", choices=YEAR_CHOICES, required=False)
    class_name = forms.ChoiceField(label="Class", required=False)
    leavers = forms.BooleanField(label="Include leavers", required=False)

    def __init__(self, *args, classes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", "Any class")] + [(c, c) for c in classes]


class PupilForm(OnceOnlyForm):
    first_name = forms.CharField(label="Legal first name", max_length=100)
    preferred_name = forms.CharField(
        label="Preferred first name", max_length=100, required=False, help_text="Only if different."
    )
    last_name = forms.CharField(label="Legal surname", max_length=100)
    mis_id = forms.CharField(
        label="UPN or admission number",
        max_length=32,
        required=False,
        help_text="As in the MIS; the import matches pupils by it.",
    )
    year_group = forms.ChoiceField(choices=YearGroup.choices)
    class_name = forms.CharField(label="Class", max_length=50)
    photo = forms.FileField(
        label="Photo for printed lists",
        required=False,
        help_text="Optional. A PNG, JPEG or WebP photo; location data and other metadata are "
        "removed. Only staff can see it.",
    )


class PupilEditForm(PupilForm):
    left_on = BoundedDateField(
        label="Left the school on",
        required=False,
        widget=DateInput(),
        help_text="Leavers stay on the register (their names are still screened in comments).",
    )


class NeverPublishForm(OnceOnlyForm):
    # What the head means to do: "1" sets "never publish", "0" clears it. The
    # page carries it so that a resent form cannot undo the first one.
    set = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept on the pupil's record and in the audit trail. Page administrators see "
        "only that the pupil must never be published, not this reason.",
    )

    def clean_set(self) -> bool | None:
        return {"1": True, "0": False}.get(self.cleaned_data.get("set") or "")

    def clean(self):
        data = super().clean()
        if data.get("set") is None:
            # A hidden field's own error would not be shown on the page.
            raise forms.ValidationError(
                "This page is out of date. Open it again from the pupil's page."
            )
        return data


DECISION_CHOICES = [("", "Not answered"), ("granted", "Granted"), ("refused", "Refused")]


class ConsentFormForm(OnceOnlyForm):
    given_by_name = forms.CharField(label="Signed by (full name)", max_length=200)
    relationship = forms.ChoiceField(
        label="Relationship to the pupil",
        choices=ConsentForm.Relationship.choices,
        help_text="Only a parent, carer or guardian (someone with parental responsibility) "
        "can give or refuse consent.",
    )
    received_on = BoundedDateField(label="Date received", widget=DateInput())
    method = forms.ChoiceField(label="Received as", choices=ConsentForm.Method.choices)
    valid_until = BoundedDateField(
        label="Valid until",
        widget=DateInput(),
        required=False,
        help_text="Leave blank for 31 August at the end of the school year the form was "
        "received in. Fill it in only if the form gives another date.",
    )
    scan = forms.FileField(
        label="Scan of the signed form",
        required=False,
        help_text="Optional. A PDF, or a PNG, JPEG or WebP photo of the form; up to 10 MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for purpose in reversed(Purpose):
            field = forms.ChoiceField(
                label=purpose.label,
                choices=DECISION_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial="",
            )
            self.fields = {f"purpose_{purpose.value}": field, **self.fields}

    def decisions(self) -> dict[str, str]:
        return {p: self.cleaned_data.get(f"purpose_{p}") or "" for p in Purpose.values}


class WithdrawForm(OnceOnlyForm):
    withdrawn_by_name = forms.CharField(label="Withdrawn by (full name)", max_length=200)
    withdrawn_on = BoundedDateField(label="Date of the withdrawal", widget=DateInput())


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file exported from the MIS",
        help_text="One line per pupil, with a first line naming the columns.",
    )


class ImportConfirmForm(OnceOnlyForm):
    token = forms.CharField(widget=forms.HiddenInput)
    mark_omitted_left = forms.BooleanField(
        label="Also mark the pupils missing from the file as leavers", required=False
    )


class CheckForm(OnceOnlyForm):
    channel = forms.ModelChoiceField(
        label="Where will the photo be posted?", queryset=Channel.objects.none()
    )
    pupils = forms.ModelMultipleChoiceField(
        label="Pupils in the photo",
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    caption = forms.CharField(
        label="Caption",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Paste the text you will post; it is checked for pupils' names.",
    )

    def __init__(self, *args, channels, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        self.fields["pupils"].queryset = pupils

    def clean(self):
        data = super().clean()
        if not data.get("pupils") and not (data.get("caption") or "").strip():
            raise forms.ValidationError(
                "Choose the pupils in the photo, or paste the caption, or both."
            )
        return data


class GroupApplicationForm(OnceOnlyForm):
    applicant_name = forms.CharField(label="Applicant's full name", max_length=200)
    profile_name = forms.CharField(
        label="Their profile name on the platform",
        max_length=200,
        help_text="As it appears on the join request, so the group admin can match it.",
    )
    relationship = forms.ChoiceField(choices=GroupApplication.Relationship.choices)
    pupils = forms.ModelMultipleChoiceField(
        label="Pupil(s)",
        queryset=Pupil.objects.none(),
        help_text="Hold Ctrl (Cmd on a Mac) to choose more than one.",
    )
    code_of_conduct_signed_on = BoundedDateField(
        label="Code of conduct signed on", widget=DateInput()
    )

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].label_from_instance = lambda p: f"{p.full_name} ({p.class_name})"


class GroupDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReviewForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        max_length=1000,
        help_text="For example: post removed from the Facebook page.",
    )
