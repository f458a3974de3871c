"""The first-run checklist: what a new school's head does to set the school
up, ticked off from the school's own data (never from a box the head ticks).

Each app registers the steps for the data it owns in its
``AppConfig.ready()`` (as with reminders and dashboard panels), so the core
never imports an app above it. The dashboard shows the list to whoever holds
the headteacher's role until every step is done, then it disappears.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from schoolsocial.models import School, StaffMember


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    # Why it matters, in a sentence; may quote the school's clause.
    why: Callable[[School], str]
    url_name: str
    # When the step is done, as a condition on the school's row (the school
    # is ``OuterRef("pk")`` in a subquery), so the whole list is one query.
    done: Callable[[], Q]
    order: int = 100


STEPS: dict[str, SetupStep] = {}


def register(step: SetupStep) -> SetupStep:
    STEPS[step.key] = step
    return step


def _cache_key(school: School) -> str:
    return f"setup-complete:{school.pk}"


def checklist(school: School) -> list[dict]:
    """Every registered step for this school, in order, with whether it is done."""
    steps = []
    for step in sorted(STEPS.values(), key=lambda s: (s.order, s.key)):
        try:
            steps.append((step, reverse(step.url_name)))
        except NoReverseMatch:
            continue
    if not steps:
        return []
    done = (
        School.objects.filter(pk=school.pk)
        .values(
            **{
                f"done_{step.key}": ExpressionWrapper(step.done(), output_field=BooleanField())
                for step, _ in steps
            }
        )
        .get()
    )
    return [
        {
            "key": step.key,
            "label": step.label,
            "why": "" if done[f"done_{step.key}"] else step.why(school),
            "url": url,
            "done": bool(done[f"done_{step.key}"]),
        }
        for step, url in steps
    ]


def setup_panel(member: StaffMember, roles: frozenset[str]) -> dict | None:
    """The head's set-up checklist, until the school is set up. Once every
    step is done the list is gone for good (remembered in the cache, so a set-up
    school's dashboard asks nothing more)."""
    if "head" not in roles or cache.get(_cache_key(member.school)):
        return None
    steps = checklist(member.school)
    if not steps:
        return None
    if all(s["done"] for s in steps):
        cache.set(_cache_key(member.school), True, timeout=None)
        return None
    done = sum(1 for s in steps if s["done"])
    next_step = next(s for s in steps if not s["done"])
    return {"steps": steps, "done": done, "total": len(steps), "next": next_step}


# The core's own steps: channels, the team, administrators, settings.


def _has_channels() -> Q:
    from schoolsocial.models import Channel

    return Q(Exists(Channel.objects.filter(school=OuterRef("pk"))))


def _has_team() -> Q:
    from schoolsocial.models import Invitation

    others = StaffMember.objects.filter(school=OuterRef("pk"), left_on__isnull=True, is_head=False)
    invited = Invitation.objects.filter(school=OuterRef("pk"), cancelled_at__isnull=True).exclude(
        roles=["head"]
    )
    return Q(Exists(others)) | Q(Exists(invited))


def _every_channel_has_an_administrator() -> Q:
    from schoolsocial.models import Channel, ChannelAuthorisation

    covered = ChannelAuthorisation.objects.current().values("channel_id")
    uncovered = Channel.objects.filter(school=OuterRef("pk")).exclude(pk__in=covered)
    return _has_channels() & ~Q(Exists(uncovered))


def _settings_saved() -> Q:
    from schoolsocial.models import AuditEvent

    return Q(Exists(AuditEvent.objects.filter(school=OuterRef("pk"), action="school.settings")))


def core_steps() -> list[SetupStep]:
    from schoolsocial import clauses

    return [
        SetupStep(
            key="channels",
            label=_("Add the school's social media channels"),
            why=lambda s: clauses.quote(
                s, "daily_check", _("each channel is checked on the days you choose.")
            ),
            url_name="channel_add",
            done=_has_channels,
            order=20,
        ),
        SetupStep(
            key="team",
            label=_("Invite your team: senior leaders, page administrators and office staff"),
            why=lambda s: _("Each person signs in with their own account and role."),
            url_name="roster_invite",
            done=_has_team,
            order=30,
        ),
        SetupStep(
            key="administrators",
            label=_("Authorise an administrator for every channel, with their training dates"),
            why=lambda s: clauses.quote(
                s, "authorise", _("only authorised, trained staff run a channel.")
            ),
            url_name="roster",
            done=_every_channel_has_an_administrator,
            order=40,
        ),
        SetupStep(
            key="reminder_time",
            label=_("Set the time of the daily reminder to check the channels"),
            why=lambda s: (
                _("In School settings; it is %(time)s until you save them.")
                % {"time": f"{s.reminder_time:%H:%M}"}
            ),
            url_name="school_settings",
            done=_settings_saved,
            order=70,
        ),
        SetupStep(
            key="policy_review",
            label=_("Set the date the social media policy is next reviewed"),
            why=lambda s: _("In School settings; you are reminded a month before."),
            url_name="school_settings",
            done=lambda: Q(policy_next_review__isnull=False),
            order=80,
        ),
    ]
