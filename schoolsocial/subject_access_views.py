"""The head's subject access page: ask for an export, see its status,
download it once (schoolsocial/subject_access.py does the work)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from schoolsocial import subject_access
from schoolsocial.access import get_for_school, roles_required
from schoolsocial.forms import OnceOnlyForm
from schoolsocial.models import SubjectAccessRequest
from schoolsocial.private_files import private_file_response

Kind = SubjectAccessRequest.Kind


class SubjectAccessForm(OnceOnlyForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Whose information?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    pupil = forms.ChoiceField(label=gettext_lazy("Pupil"), required=False)
    staff = forms.ChoiceField(label=gettext_lazy("Member of staff"), required=False)
    parent_name = forms.CharField(
        label=gettext_lazy("Parent or carer's name"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "As written on consent forms or group applications; every record "
            "containing it is included, so check the export before sending it."
        ),
    )
    reference = forms.CharField(
        label=gettext_lazy("Request reference"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "How and when the request reached the school (the one-month clock starts then)."
        ),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["pupil"].choices = blank + subject_access.subject_choices(school, Kind.PUPIL)
        self.fields["staff"].choices = blank + subject_access.subject_choices(school, Kind.STAFF)

    def subject_ref(self) -> str:
        data = self.cleaned_data
        return {
            Kind.PUPIL: data.get("pupil") or "",
            Kind.STAFF: data.get("staff") or "",
            Kind.PARENT: data.get("parent_name") or "",
        }[data["kind"]]


@roles_required("head")
def subject_access_page(request):
    school = request.school
    form = SubjectAccessForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            messages.info(request, gettext("That request was already made."))
            return redirect("subject_access")
        try:
            made = subject_access.subject_access_request(
                school=school,
                requested_by=request.member,
                kind=form.cleaned_data["kind"],
                ref=form.subject_ref(),
                reference=form.cleaned_data["reference"],
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(
                request,
                gettext(
                    "The export for %(name)s is being built. Refresh this page to "
                    "see when it is ready."
                )
                % {"name": made.subject_name},
            )
            return redirect("subject_access")
    return render(
        request,
        "subject_access/page.html",
        {"form": form, "requests": subject_access.requests_for(school)},
    )


@require_POST
@roles_required("head")
def subject_access_download(request, request_id: int):
    get_for_school(request, SubjectAccessRequest, pk=request_id)  # another school's: 404
    try:
        made, handle = subject_access.subject_access_download(
            request_id=request_id, school=request.school, member=request.member
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("subject_access")
    stamp = made.requested_at.astimezone(request.school.tz).strftime("%Y%m%d")
    return private_file_response(
        handle,
        filename=f"subject-access-{made.pk}-{stamp}.zip",
        content_type="application/zip",
        as_attachment=True,
    )
