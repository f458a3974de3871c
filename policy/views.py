"""The school's policy in School settings: the head chooses a template,
sets the choices where the policies disagree and adjusts categories; every
change is audited (policy.services)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext

from policy import selectors, services
from policy.catalogue import STEPS
from policy.forms import CategoryForm, SettingsForm, TemplateForm
from schoolsocial.access import roles_required

head_only = roles_required("head")


@roles_required("head", "slt")
def policy_page(request):
    """The school's policy: what each category triggers, with the clause of
    the school's own policy. Senior leaders read it; the head edits it."""
    school = request.school
    profile = selectors.profile_for(school)
    row = getattr(profile, "row", None)
    settings_form = SettingsForm(
        initial={
            **profile.settings,
            "dsl": row.dsl_id if row else None,
            "head_approved_on": row.head_approved_on if row else None,
            "governors_approved_on": row.governors_approved_on if row else None,
        },
        school=school,
        profile=profile,
    )
    return render(
        request,
        "policy/policy.html",
        {
            "settings_shown": _shown(settings_form),
            "profile": profile,
            "chosen": row is not None,
            "template_form": TemplateForm(initial={"template": profile.template}),
            "settings_form": settings_form,
            "categories": list(profile.categories.values()),
            "steps": STEPS,
            "may_edit": "head" in request.roles,
        },
    )


def _shown(form) -> list[tuple[str, str, str]]:
    """Each setting as (label, value in words, the clause behind it)."""
    rows = []
    for field in form.visible_fields():
        value = form.initial.get(field.name)
        choices = dict(getattr(field.field, "choices", []) or [])
        if isinstance(value, list | tuple):
            shown = ", ".join(str(choices.get(v, v)) for v in value) or gettext("None")
        elif field.name == "dsl":
            member = field.field.queryset.filter(pk=value).select_related("user").first()
            shown = member.user.display_name if member else gettext("Not named")
        elif isinstance(value, bool):
            shown = gettext("Yes") if value else gettext("No")
        elif isinstance(value, datetime.date):
            shown = date_format(value, "j M Y")
        elif choices:
            shown = str(choices.get(value, value))
        else:
            shown = str(value) if value not in (None, "") else "—"
        rows.append((field.label, shown, field.help_text))
    return rows


@head_only
def policy_choose(request):
    if request.method != "POST":
        return redirect("policy:page")
    form = TemplateForm(request.POST)
    if form.is_valid() and form.claim(request):
        try:
            services.profile_choose(
                school=request.school, template=form.cleaned_data["template"], by=request.member
            )
        except ValidationError as error:
            form.release(request)
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, gettext("The school's policy template is set."))
    return redirect("policy:page")


@head_only
def policy_settings(request):
    school = request.school
    profile = selectors.profile_for(school)
    row = getattr(profile, "row", None)
    form = SettingsForm(
        request.POST or None,
        school=school,
        profile=profile,
        initial={
            **profile.settings,
            "dsl": row.dsl_id if row else None,
            "head_approved_on": row.head_approved_on if row else None,
            "governors_approved_on": row.governors_approved_on if row else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            return redirect("policy:page")
        data = dict(form.cleaned_data)
        data.pop("submission_key", None)
        dsl = data.pop("dsl")
        approvals = {k: data.pop(k) for k in ("head_approved_on", "governors_approved_on")}
        purposes = dict(profile.settings.get("channel_purposes", {}))
        for key in [k for k in data if k.startswith("purposes_")]:
            purposes[key.removeprefix("purposes_")] = data.pop(key)
        data["channel_purposes"] = purposes
        try:
            services.profile_update_settings(
                school=school, by=request.member, changes=data, dsl=dsl, approvals=approvals
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(request, gettext("Policy settings saved."))
            return redirect("policy:page")
    return render(request, "policy/settings_form.html", {"form": form, "profile": profile})


@head_only
def policy_category(request, code: str):
    school = request.school
    profile = selectors.profile_for(school)
    rule = profile.category(code)
    if rule is None:
        raise Http404
    initial = {
        "severity": rule.severity,
        "escalate": rule.escalate,
        "notify": list(rule.notify),
        "required": list(rule.required),
    }
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.claim(request):
            return redirect("policy:page")
        data = form.cleaned_data
        try:
            services.category_update(
                school=school,
                by=request.member,
                code=code,
                severity=data["severity"],
                escalate=data["escalate"],
                required=data["required"],
                notify=data["notify"],
                reason=data["reason"],
            )
        except ValidationError as error:
            form.refuse(request, error)
        else:
            messages.success(request, gettext("Saved: %(category)s.") % {"category": rule.label})
            return redirect("policy:page")
    return render(request, "policy/category_form.html", {"form": form, "rule": rule})
