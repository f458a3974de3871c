"""The dashboard's panels, composed without the core knowing the apps.

Each app registers what it adds to the dashboard in its ``AppConfig.ready()``
(as with reminders): a ``Panel`` whose ``build`` answers, for one member and
their roles today, the context the panel needs, or ``None`` when it has
nothing to show them. The core's dashboard view asks every registered panel;
it never imports an app above it (DESIGN.md: schoolsocial is the bottom
layer; consent and moderation sit on it).

A panel with a ``template`` is rendered in the dashboard's panels area with
its context as ``panel``; a panel without one only adds its context under
``key`` for the dashboard template to use (moderation's cards and charts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schoolsocial.models import StaffMember

Build = Callable[[StaffMember, frozenset[str]], dict | None]


@dataclass(frozen=True)
class Panel:
    key: str
    build: Build
    template: str = ""
    order: int = 100


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Add (or replace, on a second ``ready()``) the panel named ``key``."""
    PANELS[panel.key] = panel
    return panel


@dataclass(frozen=True)
class Shown:
    key: str
    template: str
    context: dict


def compose(*, member: StaffMember, roles: frozenset[str]) -> tuple[dict, list[Shown]]:
    """Every registered panel's context for this member, and the panels with
    a template to render, in their order."""
    context: dict = {}
    shown: list[Shown] = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        data = panel.build(member, roles)
        if data is None:
            continue
        context[panel.key] = data
        if panel.template:
            shown.append(Shown(panel.key, panel.template, data))
    return context, shown
