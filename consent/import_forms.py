"""Forms of the MIS import page: the upload, the choice of columns, the
confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent import importer
from schoolsocial.forms import OnceOnlyForm

NOT_IN_FILE = ""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File exported from the MIS (CSV or Excel .xlsx)"),
        help_text=_("One line per pupil, with a line naming the columns at the top."),
    )


class ImportColumnsForm(forms.Form):
    """Which column of the uploaded file holds which pupil detail. Offered
    when a column cannot be told from its name, and whenever the office
    wants to correct the choice."""

    token = forms.CharField(widget=forms.HiddenInput)

    HELP = {
        "mis_id": _(
            "The best way to match pupils. Without it, pupils are matched on name and "
            "date of birth."
        ),
        "preferred_name": _("Optional: the name the child is known by, if different."),
        "date_of_birth": _("Needed when the file has no UPN."),
    }

    def __init__(self, *args, header: list[str], samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(NOT_IN_FILE, gettext("— not in this file —"))]
        for index, name in enumerate(header):
            example = next((s[index] for s in samples if index < len(s) and s[index]), "")
            label = name or gettext("Column %(number)s (no name)") % {"number": index + 1}
            if example:
                label = gettext("%(column)s — e.g. “%(example)s”") % {
                    "column": label,
                    "example": example[:30],
                }
            choices.append((str(index), label))
        for name in importer.FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=importer.CAPITALISED[name],
                choices=choices,
                required=name in importer.REQUIRED,
                help_text=self.HELP.get(name, ""),
            )
        self.order_fields(["token", *importer.FIELDS])

    def clean(self):
        cleaned = super().clean()
        chosen = {
            name: int(cleaned[name])
            for name in importer.FIELDS
            if cleaned.get(name) not in (None, NOT_IN_FILE)
        }
        taken: dict[int, str] = {}
        for name, index in chosen.items():
            if index in taken:
                raise forms.ValidationError(
                    gettext(
                        "The same column is chosen for the %(first)s and the %(second)s; "
                        "each column holds one detail."
                    )
                    % {
                        "first": importer.FIELD_LABELS[taken[index]],
                        "second": importer.FIELD_LABELS[name],
                    }
                )
            taken[index] = name
        if "mis_id" not in chosen and "date_of_birth" not in chosen and not self.errors:
            raise forms.ValidationError(
                gettext(
                    "Choose the UPN column or the date of birth column: without either, pupils "
                    "cannot be matched to the register."
                )
            )
        cleaned["columns"] = chosen
        return cleaned


class ImportConfirmForm(OnceOnlyForm):
    token = forms.CharField(widget=forms.HiddenInput)
    mark_omitted_left = forms.BooleanField(
        label=_("Also mark the pupils missing from the file as leavers"), required=False
    )
