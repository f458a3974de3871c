"""Reading a school's policy. Both apps call these; nothing else builds a
``Profile``."""

from __future__ import annotations

from policy.models import PolicyProfile
from policy.profile import DEFAULT_TEMPLATE, TEMPLATES, Profile, _merge, template_data
from schoolsocial.models import School, StaffMember


def profile_row(school: School) -> PolicyProfile | None:
    return PolicyProfile.objects.filter(school=school).select_related("dsl__user").first()


def profile_for(school: School) -> Profile:
    """The school's policy: its template with its own edits on top. A school
    that has not chosen yet follows the default template (Threemilestone)
    until the head picks one. Kept on the school object for the request."""
    cached = getattr(school, "_policy_profile", None)
    if cached is not None:
        return cached
    row = profile_row(school)
    profile = build_profile(row)
    profile.row = row  # type: ignore[attr-defined]
    school._policy_profile = profile  # type: ignore[attr-defined]
    return profile


def build_profile(row: PolicyProfile | None) -> Profile:
    if row is None or row.template not in TEMPLATES:
        return Profile.from_template(DEFAULT_TEMPLATE)
    data = _merge(template_data(row.template), row.overrides or {})
    return Profile.from_data(row.template, data)


def profiles_for(schools) -> dict[int, Profile]:
    """The profiles of many schools in one query (for reminders)."""
    schools = list(schools)
    rows = {
        r.school_id: r
        for r in PolicyProfile.objects.filter(school__in=schools).select_related("dsl__user")
    }
    result = {}
    for school in schools:
        cached = getattr(school, "_policy_profile", None)
        if cached is None:
            cached = build_profile(rows.get(school.pk))
            cached.row = rows.get(school.pk)  # type: ignore[attr-defined]
            school._policy_profile = cached  # type: ignore[attr-defined]
        result[school.pk] = cached
    return result


def forget(school: School) -> None:
    """Drop the cached profile after an edit."""
    if hasattr(school, "_policy_profile"):
        del school._policy_profile


def dsl_for(school: School) -> StaffMember | None:
    """The designated safeguarding lead, if the school named one who is still on the staff."""
    row = getattr(profile_for(school), "row", None)
    if row is None or row.dsl is None or not row.dsl.is_active:
        return None
    return row.dsl


def has_chosen(school: School) -> bool:
    return PolicyProfile.objects.filter(school=school).exists()


def chosen_condition():
    """``has_chosen`` as a condition on a school row (the set-up checklist)."""
    from django.db.models import Exists, OuterRef, Q

    return Q(Exists(PolicyProfile.objects.filter(school=OuterRef("pk"))))
