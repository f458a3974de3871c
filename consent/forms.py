"""Forms of the consent pages. They validate input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.models import CheckedPupil, ConsentForm, GroupApplication, Pupil, Purpose, YearGroup
from schoolsocial.forms import BoundedDateField, DateInput, OnceOnlyForm
from schoolsocial.images import ACCEPT as ACCEPTED_IMAGES
from schoolsocial.models import Channel

YEAR_CHOICES = [("", _("Any year")), *YearGroup.choices]


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or UPN"), required=False, max_length=100)
    year = forms.ChoiceField(label=_("Year group"), choices=YEAR_CHOICES, required=False)
    class_name = forms.ChoiceField(label=_("Class"), required=False)
    leavers = forms.BooleanField(label=_("Include leavers"), required=False)

    def __init__(self, *args, classes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_name"].choices = [("", _("Any class"))] + [(c, c) for c in classes]


class PupilForm(OnceOnlyForm):
    first_name = forms.CharField(label=_("Legal first name"), max_length=100)
    preferred_name = forms.CharField(
        label=_("Preferred first name"),
        max_length=100,
        required=False,
        help_text=_("Only if different."),
    )
    last_name = forms.CharField(label=_("Legal surname"), max_length=100)
    mis_id = forms.CharField(
        label=_("UPN or admission number"),
        max_length=32,
        required=False,
        help_text=_("As in the MIS; the import matches pupils by it."),
    )
    date_of_birth = BoundedDateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(),
        help_text=_("Matches the pupil in an MIS export that has no UPN."),
    )
    year_group = forms.ChoiceField(label=_("Year group"), choices=YearGroup.choices)
    class_name = forms.CharField(label=_("Class"), max_length=50)
    photo = forms.FileField(
        label=_("Photo for printed lists"),
        required=False,
        help_text=_(
            "Optional. A PNG, JPEG, WebP or HEIC photo; location data and other metadata are "
            "removed. Only staff can see it."
        ),
    )


class PupilEditForm(PupilForm):
    left_on = BoundedDateField(
        label=_("Left the school on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leavers stay on the register (their names are still screened in comments)."),
    )
    remove_photo = forms.BooleanField(
        label=_("Remove the photo"),
        required=False,
        help_text=_("The photo is deleted; printed lists show the pupil's initials instead."),
    )

    def __init__(self, *args, has_photo: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_photo:
            self.fields["photo"].label = _("Replace the photo")
            self.fields["photo"].help_text = _(
                "Optional. A PNG, JPEG, WebP or HEIC photo; location data and other metadata are "
                "removed. Only staff can see it. The old photo is deleted."
            )
        else:
            del self.fields["remove_photo"]

    def clean(self):
        data = super().clean()
        if data.get("remove_photo") and data.get("photo"):
            self.add_error(
                "remove_photo", _("Either choose a new photo or remove the photo, not both.")
            )
        return data


class NeverPublishForm(OnceOnlyForm):
    # What the head means to do: "1" sets "never publish", "0" clears it. The
    # page carries it so that a resent form cannot undo the first one.
    set = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Kept on the pupil's record and in the audit trail. Page administrators see "
            "only that the pupil must never be published, not this reason."
        ),
    )

    def clean_set(self) -> bool | None:
        return {"1": True, "0": False}.get(self.cleaned_data.get("set") or "")

    def clean(self):
        data = super().clean()
        if data.get("set") is None:
            # A hidden field's own error would not be shown on the page.
            raise forms.ValidationError(
                _("This page is out of date. Open it again from the pupil's page.")
            )
        return data


DECISION_CHOICES = [("", _("Not answered")), ("granted", _("Granted")), ("refused", _("Refused"))]


class ConsentFormForm(OnceOnlyForm):
    given_by_name = forms.CharField(label=_("Signed by (full name)"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("Relationship to the pupil"),
        choices=ConsentForm.Relationship.choices,
        help_text=_(
            "Only a parent, carer or guardian (someone with parental responsibility) "
            "can give or refuse consent."
        ),
    )
    received_on = BoundedDateField(label=_("Date received"), widget=DateInput())
    method = forms.ChoiceField(label=_("Received as"), choices=ConsentForm.Method.choices)
    valid_until = BoundedDateField(
        label=_("Valid until"),
        widget=DateInput(),
        required=False,
        help_text=_(
            "Leave blank for 31 August at the end of the school year the form was "
            "received in. Fill it in only if the form gives another date."
        ),
    )
    scan = forms.FileField(
        label=_("Scan of the signed form"),
        required=False,
        help_text=_(
            "Optional. A PDF, or a PNG, JPEG, WebP or HEIC photo of the form; up to 10 MB."
        ),
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
    withdrawn_by_name = forms.CharField(label=_("Withdrawn by (full name)"), max_length=200)
    withdrawn_on = BoundedDateField(label=_("Date of the withdrawal"), widget=DateInput())


class CheckForm(OnceOnlyForm):
    channel = forms.ModelChoiceField(
        label=_("Where will the photo be posted?"), queryset=Channel.objects.none()
    )
    pupils = forms.ModelMultipleChoiceField(
        label=_("Pupils in the photo"),
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    caption = forms.CharField(
        label=_("Caption"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Paste the text you will post; it is checked for pupils' names."),
    )
    includes_video = forms.BooleanField(
        label=_("This post includes video"),
        required=False,
        help_text=_(
            "A video needs the parent's consent for video as well. "
            "Every post on YouTube is checked as a video."
        ),
    )
    photo = forms.FileField(
        label=_("The photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_IMAGES}),
        help_text=_(
            "Its faces are counted, to catch a pupil you did not tick. Nobody is "
            "identified, and the photo is not kept unless you tick below."
        ),
    )
    keep_photo = forms.BooleanField(
        label=_("Keep the photo with this check's record"),
        required=False,
    )

    def __init__(self, *args, channels, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        self.fields["pupils"].queryset = pupils

    def clean(self):
        data = super().clean()
        if not data.get("pupils") and not (data.get("caption") or "").strip():
            raise forms.ValidationError(
                _("Choose the pupils in the photo, or paste the caption, or both.")
            )
        return data


class GroupApplicationForm(OnceOnlyForm):
    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200)
    profile_name = forms.CharField(
        label=_("Their profile name on the platform"),
        max_length=200,
        help_text=_("As it appears on the join request, so the group admin can match it."),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=GroupApplication.Relationship.choices
    )
    pupils = forms.ModelMultipleChoiceField(
        label=_("Pupil(s)"),
        queryset=Pupil.objects.none(),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    code_of_conduct_signed_on = BoundedDateField(
        label=_("Code of conduct signed on"), widget=DateInput()
    )

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].label_from_instance = lambda p: f"{p.full_name} ({p.class_name})"


class GroupDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    exception_reason = forms.CharField(
        label=_("Exception: why this person may join though not a parent or carer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_(
            "Only for approving a grandparent or anyone else without parental "
            "responsibility. Shown on the application."
        ),
    )

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            from policy.selectors import profile_for

            ref = profile_for(school).clause("group_membership").ref
            if ref:
                field = self.fields["exception_reason"]
                field.help_text = gettext("%(clause)s: %(help)s") % {
                    "clause": ref,
                    "help": field.help_text,
                }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=CheckedPupil.Outcome.choices, required=False)
    next = forms.CharField(required=False)
    note = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=1000,
        help_text=_("For example: post removed from the Facebook page."),
    )


# --- A class's paper forms in one sitting -------------------------------------------

GRID_DECISIONS = [("", "—"), ("granted", _("Granted")), ("refused", _("Refused"))]
GRID_RELATIONSHIPS = [
    (value, label)
    for value, label in ConsentForm.Relationship.choices
    if value in ConsentForm.PARENTAL_RESPONSIBILITY
] + [
    (value, label)
    for value, label in ConsentForm.Relationship.choices
    if value not in ConsentForm.PARENTAL_RESPONSIBILITY
]


class ClassFormsForm(OnceOnlyForm):
    """What the whole pile of forms shares: when it came in and how."""

    received_on = forms.DateField(
        label=_("Date received"),
        widget=DateInput(),
        help_text=_("For every form below unless its row gives another date."),
    )
    method = forms.ChoiceField(label=_("Received as"), choices=ConsentForm.Method.choices)


class ClassFormRow(forms.Form):
    """One pupil's form in the class grid. A row left empty records nothing.

    Tab order follows the paper: who signed, their relationship, then either
    "All granted" or an answer per purpose, then the date if it differs."""

    given_by_name = forms.CharField(label=_("Signed by"), max_length=200, required=False)
    # Not required: a row that is not on the page (already recorded) or
    # left empty sends no relationship and records nothing.
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=GRID_RELATIONSHIPS, initial="parent", required=False
    )
    all_granted = forms.BooleanField(label=_("All granted"), required=False)
    # A text box, not the browser's date picker: that is four Tab stops in
    # Chromium, this is one, and it is usually left empty.
    received_on = forms.DateField(
        label=_("Date received"),
        required=False,
        input_formats=["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"],
        widget=forms.TextInput(attrs={"placeholder": _("dd/mm/yyyy"), "inputmode": "numeric"}),
        error_messages={"invalid": _("Write the date as day/month/year, for example 20/10/2025.")},
    )

    def __init__(self, *args, pupil: Pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil
        self.recorded: ConsentForm | None = None  # set once the view has recorded it
        for purpose in Purpose:
            self.fields[f"purpose_{purpose.value}"] = forms.ChoiceField(
                label=purpose.label, choices=GRID_DECISIONS, required=False
            )
        self.purpose_fields = [self[f"purpose_{p}"] for p in Purpose.values]

    def decisions(self) -> dict[str, str]:
        data = self.cleaned_data
        if data.get("all_granted"):
            return dict.fromkeys(Purpose.values, "granted")
        return {p: data.get(f"purpose_{p}") or "" for p in Purpose.values}

    @property
    def is_blank(self) -> bool:
        """Nothing typed in this row (the relationship keeps its default)."""
        data = self.cleaned_data
        return not (
            (data.get("given_by_name") or "").strip()
            or data.get("all_granted")
            or any(data.get(f"purpose_{p}") for p in Purpose.values)
        )

    def clean(self):
        data = super().clean()
        if self.errors or self.is_blank:
            return data
        refused = [
            Purpose(p).label.lower()
            for p in Purpose.values
            if data.get(f"purpose_{p}") == "refused"
        ]
        if data.get("all_granted") and refused:
            raise forms.ValidationError(
                gettext(
                    "“All granted” is ticked but %(purposes)s is marked refused: "
                    "untick “All granted” or change the answer."
                )
                % {"purposes": ", ".join(refused)}
            )
        if not (data.get("given_by_name") or "").strip():
            raise forms.ValidationError(gettext("Give the name of the person who signed the form."))
        if not data.get("relationship"):
            raise forms.ValidationError(
                gettext("Choose how the person who signed is related to the pupil.")
            )
        if not any(self.decisions().values()):
            raise forms.ValidationError(
                gettext("Tick “All granted” or choose granted or refused for at least one purpose.")
            )
        return data
