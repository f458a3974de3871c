"""Required steps: what the school's policy says must be done before an
incident is resolved or closed (policy.catalogue.STEPS; which steps each
category needs comes from the school's policy profile).

Threemilestone 6.2: a comment naming a pupil is "immediately deleted";
10.1: bullying is reported to the parents and "also logged on CPOMS";
Westbrook D: racist or violent postings go to the police; Westbrook B /
Roman Road / Carey B.3: staff contact with pupils is a safeguarding
allegation (LADO). A step is done by recording the action on the timeline,
or waived by a leader with a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.models import Incident, IncidentAction
from moderation.services.common import CLOSED_MESSAGE, _locked, for_the_record, is_leader
from moderation.services.screening import rare_possible_for
from policy.catalogue import STEPS, Step
from policy.selectors import profile_for
from schoolsocial.audit import audit_record
from schoolsocial.language import later
from schoolsocial.models import StaffMember
from schoolsocial.services import ServiceError

NAME_REVIEWED = "name_reviewed"


@dataclass
class StepState:
    step: Step
    done: IncidentAction | None = None
    waived: IncidentAction | None = None

    @property
    def outstanding(self) -> bool:
        return self.done is None and self.waived is None

    @property
    def code(self) -> str:
        return self.step.code

    @property
    def label(self) -> str:
        return self.step.label


def required_for(incident: Incident, codes=None) -> list[str]:
    """The steps this incident needs under its school's policy."""
    if codes is None:
        codes = [r.category for r in incident.category_rows.all()]
    steps = profile_for(incident.school).required_steps(codes)
    if rare_possible_for(incident):
        steps.append(NAME_REVIEWED)
    return list(dict.fromkeys(steps))


def step_states(incident: Incident, actions=None) -> list[StepState]:
    """Each required step with the action that did it or the waiver."""
    if actions is None:
        actions = list(incident.actions.all())
    states = []
    for code in incident.required_steps or []:
        step = STEPS.get(code)
        if step is None:
            continue
        state = StepState(step)
        for action in actions:
            if action.kind in step.kinds and state.done is None:
                state.done = action
            if action.kind == IncidentAction.Kind.STEP_WAIVED and action.reference == code:
                state.waived = action
        states.append(state)
    return states


def outstanding_labels(incident: Incident) -> list[str]:
    return [s.label for s in step_states(incident) if s.outstanding]


def refresh_steps(incident: Incident, codes=None) -> None:
    """Recompute the required steps and whether any is outstanding; called
    inside the transaction of every service that changes the timeline."""
    incident.required_steps = required_for(incident, codes)
    incident.steps_outstanding = any(s.outstanding for s in step_states(incident))
    incident.save(update_fields=["required_steps", "steps_outstanding"])


REFUSALS = {
    "resolved": gettext_lazy(
        "This incident cannot be resolved yet. The school's policy requires: %(steps)s. Record "
        "each step on the timeline, or a senior leader can waive one with a reason."
    ),
    "closed": gettext_lazy(
        "This incident cannot be closed yet. The school's policy requires: %(steps)s. Record "
        "each step on the timeline, or a senior leader can waive one with a reason."
    ),
}


def refuse_if_outstanding(incident: Incident, doing: str) -> None:
    """``doing``: "resolved" or "closed". The steps are worked out again
    first, from the school's policy as it is now: an incident recorded
    before required steps existed (or before the head added one) has none
    stored, and must not close on that account (Threemilestone 6.2: a
    comment naming a pupil is deleted)."""
    refresh_steps(incident)
    left = outstanding_labels(incident)
    if left:
        raise ServiceError(str(REFUSALS[doing]) % {"steps": "; ".join(str(s) for s in left)})


def step_waive(*, incident: Incident, step: str, by: StaffMember, reason: str) -> IncidentAction:
    """A leader records why a required step will not be done (for example:
    the comment was already removed by the platform). Audited; the waiver
    stays on the timeline."""
    reason = reason.strip()
    if by.school_id != incident.school_id:
        raise ServiceError(_("These records belong to different schools."))
    if not by.is_active or not is_leader(by):
        raise ServiceError(_("Only the headteacher or a senior leader can waive a required step."))
    if not reason:
        raise ServiceError(_("Give the reason the step will not be done."))
    with transaction.atomic():
        incident = _locked(incident)
        if incident.is_closed:
            raise ServiceError(CLOSED_MESSAGE)
        states = {s.code: s for s in step_states(incident)}
        state = states.get(step)
        if state is None:
            raise ServiceError(_("That step is not required for this incident."))
        if not state.outstanding:
            raise ServiceError(_("“%(step)s” is already done or waived.") % {"step": state.label})
        action = IncidentAction.objects.create(
            incident=incident,
            kind=IncidentAction.Kind.STEP_WAIVED,
            by=by,
            note=f"{for_the_record(state.step.label, incident.school)}: {reason}",
            reference=step,
        )
        refresh_steps(incident)
        audit_record(
            school=incident.school,
            actor=by.user,
            action="moderation.step_waive",
            obj=incident,
            summary=later(
                "Incident %(number)s: waived “%(step)s”. Reason: %(reason)s",
                number=incident.pk,
                step=state.step.label,
                reason=reason,
            ),
        )
    return action
