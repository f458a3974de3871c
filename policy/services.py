"""Changing a school's policy profile: choosing a template, the settings
where the five policies disagree, and how each category is handled.

Only the headteacher changes the school's policy (Threemilestone 5.1: the
page is run under the Head Teacher's authority; Whitchurch, Organisational
control: the policy is approved by the head). Every change is audited with
the old and new values.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from policy import selectors
from policy.catalogue import SEVERITY_BY_NAME, STEPS, Severity
from policy.models import PolicyProfile
from policy.profile import (
    CONSENT_VALIDITY,
    DECIDERS,
    PRIVATE_CONCERN_REPLIES,
    PURPOSE_CODES,
    TEMPLATES,
    template_data,
)
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import Role, School, StaffMember
from schoolsocial.services import ServiceError
from schoolsocial.wording import when_read

SETTING_LABELS = {
    "decider": _("Who decides escalations"),
    "private_concern_reply": _("Private concerns posted publicly"),
    "website_naming": _("Pupils may be named on the school website"),
    "follower_min_age": _("Followers under this age are removed"),
    "consent_valid_months": _("How long a consent form lasts"),
    "rare_first_name_max": _("A first name is rare when at most this many pupils have it"),
    "dpo_contact": _("Data protection officer"),
    "chair_contact": _("Chair of governors"),
    "channel_purposes": _("Consent each platform's photos need"),
}
APPROVAL_LABELS = {
    "head_approved_on": _("Approved by the headteacher on"),
    "governors_approved_on": _("Ratified by the governing body on"),
}


def _require_head(member: StaffMember, school: School) -> None:
    if member.school_id != school.pk:
        raise ServiceError(
            gettext("You can only change the policy of the school you are working in.")
        )
    if not member.is_active or Role.HEAD not in member.effective_roles():
        raise ServiceError(gettext("Only the headteacher can change the school's policy."))


def _row_for_update(school: School) -> PolicyProfile | None:
    return PolicyProfile.objects.select_for_update().filter(school=school).first()


def profile_choose(*, school: School, template: str, by: StaffMember) -> PolicyProfile:
    """Start from one of the five templates. Choosing again replaces the
    school's earlier edits (the audit trail keeps what they were)."""
    _require_head(by, school)
    if template not in TEMPLATES:
        raise ServiceError(gettext("Choose one of the policy templates."))
    with transaction.atomic():
        row = _row_for_update(school)
        before = _("none")
        if row is not None:
            old, edited = row.template, len(row.overrides or {})
            before = when_read(
                lambda: (
                    ngettext(
                        "%(template)s with %(count)d edited part",
                        "%(template)s with %(count)d edited parts",
                        edited,
                    )
                    % {"template": old, "count": edited}
                )
            )
        if row is None:
            row = PolicyProfile(school=school)
        row.template = template
        row.overrides = {}
        row.updated_by = by
        row.save()
        audit_record(
            school=school,
            actor=by.user,
            action="policy.choose",
            obj=row,
            summary=later(
                "Policy template: %(name)s (before: %(before)s).",
                name=template_data(template)["name"],
                before=before,
            ),
        )
    selectors.forget(school)
    return row


def _ensure_row(school: School, by: StaffMember) -> PolicyProfile:
    row = _row_for_update(school)
    if row is None:
        row = PolicyProfile.objects.create(
            school=school, template=selectors.profile_for(school).template, updated_by=by
        )
    return row


def profile_update_settings(
    *,
    school: School,
    by: StaffMember,
    changes: dict,
    dsl: StaffMember | None | str = "keep",
    approvals: dict | None = None,
) -> PolicyProfile:
    """Change the choices where the five policies disagree. Each value is
    checked against what the app can do; unknown keys are refused."""
    _require_head(by, school)
    cleaned = _clean_settings(changes)
    if dsl != "keep" and dsl is not None and (dsl.school_id != school.pk or not dsl.is_active):
        raise ServiceError(
            gettext("The safeguarding lead must be a current member of this school's staff.")
        )
    current = selectors.profile_for(school)
    with transaction.atomic():
        row = _ensure_row(school, by)
        overrides = dict(row.overrides or {})
        settings = dict(overrides.get("settings", {}))
        said = []
        for key, value in cleaned.items():
            old = current.settings.get(key)
            if old != value:
                settings[key] = value
                said.append(_changed(SETTING_LABELS.get(key, key), old, value))
        if dsl != "keep" and (row.dsl_id or None) != (dsl.pk if dsl else None):
            said.append(
                later(
                    "Designated safeguarding lead: %(old)s → %(new)s",
                    old=row.dsl.user.display_name if row.dsl else _("none"),
                    new=dsl.user.display_name if dsl else _("none"),
                )
            )
            row.dsl = dsl
        for field, value in (approvals or {}).items():
            if field not in APPROVAL_LABELS:
                raise ServiceError(gettext("Unknown approval date."))
            if value and value > school.local_today():
                raise ServiceError(gettext("An approval date cannot be in the future."))
            if getattr(row, field) != value:
                said.append(_changed(APPROVAL_LABELS[field], getattr(row, field), value))
                setattr(row, field, value)
        if not said:
            return row
        overrides["settings"] = settings
        changes = when_read(lambda: "; ".join(str(item) for item in said))
        _save(
            row,
            overrides,
            by,
            "policy.update",
            later("Policy settings changed. %(changes)s.", changes=changes),
        )
    selectors.forget(school)
    return row


def _save(row: PolicyProfile, overrides: dict, by: StaffMember, action: str, summary: str) -> None:
    """Store the school's edits and say what changed on the audit trail."""
    row.overrides = overrides
    row.updated_by = by
    row.save()
    audit_record(school=row.school, actor=by.user, action=action, obj=row, summary=summary)


def _changed(label, old, new) -> str:
    """ "Label: old → new" for an audit summary."""
    return later("%(setting)s: %(old)s → %(new)s", setting=label, old=_show(old), new=_show(new))


def _show(value) -> str:
    """A setting's value for an audit summary (codes and dates as stored;
    "yes", "no" and "none" in the language of the summary)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        items = sorted(value.items())
        return when_read(
            lambda: ", ".join(f"{k}: {'/'.join(v) or gettext('none')}" for k, v in items)
        )
    return str(value) if value not in (None, "") else _("none")


def _clean_settings(changes: dict) -> dict:
    cleaned = {}
    for key, value in changes.items():
        if key == "decider":
            if value not in dict(DECIDERS):
                raise ServiceError(gettext("Choose who decides escalations."))
        elif key == "private_concern_reply":
            if value not in dict(PRIVATE_CONCERN_REPLIES):
                raise ServiceError(
                    gettext("Choose how private concerns posted publicly are answered.")
                )
        elif key == "website_naming":
            value = bool(value)
        elif key == "follower_min_age":
            value = int(value)
            if not 13 <= value <= 18:
                raise ServiceError(gettext("The follower age must be between 13 and 18."))
        elif key == "consent_valid_months":
            value = int(value)
            if value not in dict(CONSENT_VALIDITY):
                raise ServiceError(gettext("Choose how long a consent form lasts."))
        elif key == "rare_first_name_max":
            value = int(value)
            if not 0 <= value <= 10:
                raise ServiceError(gettext("Choose a number from 0 (off) to 10."))
        elif key in ("dpo_contact", "chair_contact"):
            value = str(value).strip()[:300]
        elif key == "channel_purposes":
            if not isinstance(value, dict) or any(
                p not in PURPOSE_CODES for purposes in value.values() for p in purposes
            ):
                raise ServiceError(gettext("Choose consent purposes from the list."))
            value = {k: list(dict.fromkeys(v)) for k, v in value.items()}
        else:
            raise ServiceError(gettext("Unknown policy setting: %(key)s.") % {"key": key})
        cleaned[key] = value
    return cleaned


def category_update(
    *,
    school: School,
    by: StaffMember,
    code: str,
    severity: int | str,
    escalate: bool,
    required: list[str],
    notify: list[str],
    reason: str,
) -> PolicyProfile:
    """Change how one category is handled: its severity, whether it goes to
    the decider straight away, who else is told and which steps must be
    done before such an incident closes. Taking a required step away, or
    lowering a category, needs a written reason (it weakens a safeguard)."""
    _require_head(by, school)
    profile = selectors.profile_for(school)
    rule = profile.category(code)
    if rule is None:
        raise ServiceError(gettext("Unknown category."))
    if isinstance(severity, str):
        severity = SEVERITY_BY_NAME.get(severity, severity)
    try:
        severity = int(severity)
        Severity(severity)
    except (TypeError, ValueError):
        raise ServiceError(gettext("Choose a severity.")) from None
    required = list(dict.fromkeys(required))
    unknown = [s for s in required if s not in STEPS]
    if unknown:
        raise ServiceError(gettext("Choose required steps from the list."))
    notify = [n for n in dict.fromkeys(notify) if n in ("head", "slt", "dsl")]
    weaker = (
        severity < rule.severity
        or (rule.escalate and not escalate)
        or bool(set(rule.required) - set(required))
    )
    reason = reason.strip()
    if weaker and not reason:
        raise ServiceError(
            gettext(
                "Give a reason: this lowers the category, stops it escalating or removes a "
                "required step."
            )
        )
    with transaction.atomic():
        row = _ensure_row(school, by)
        overrides = dict(row.overrides or {})
        categories = dict(overrides.get("categories", {}))
        entry = dict(categories.get(code, {}))
        entry.update(
            severity=Severity(severity).name.lower(),
            escalate=bool(escalate),
            required=required,
            notify=notify,
        )
        categories[code] = entry
        overrides["categories"] = categories
        summary = later(
            "%(category)s: severity %(old_severity)s → %(new_severity)s; escalates "
            "%(old_escalates)s → %(new_escalates)s; required %(old_required)s → "
            "%(new_required)s; told %(old_told)s → %(new_told)s.",
            category=later(rule.source_label, **dict(rule.label_values)),
            old_severity=Severity(rule.severity).label,
            new_severity=Severity(severity).label,
            old_escalates=_show(rule.escalate),
            new_escalates=_show(bool(escalate)),
            old_required=_show(", ".join(rule.required)),
            new_required=_show(", ".join(required)),
            old_told=_show(", ".join(rule.notify)),
            new_told=_show(", ".join(notify)),
        )
        if reason:
            summary = later("%(changes)s Reason: %(reason)s", changes=summary, reason=reason)
        _save(row, overrides, by, "policy.category", summary)
    selectors.forget(school)
    return row
