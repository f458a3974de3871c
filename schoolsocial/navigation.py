"""The main navigation, by role. Items whose page does not exist yet are
left out, so the apps can be composed without the core knowing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

ALL_STAFF = frozenset({"head", "slt", "admin", "office"})


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]


NAVIGATION = [
    NavItem("Dashboard", "dashboard", ALL_STAFF),
    NavItem("Moderation", "moderation:queue", frozenset({"admin", "slt", "head"})),
    NavItem("Escalations", "moderation:escalations", frozenset({"slt", "head"})),
    NavItem("Pupils & consent", "consent:pupils", frozenset({"office", "head", "slt", "admin"})),
    NavItem("Publication check", "consent:check", frozenset({"admin", "slt", "head"})),
    NavItem("Do not publish", "consent:do_not_publish", ALL_STAFF),
    NavItem(
        "Group applications", "consent:group_applications", frozenset({"office", "slt", "head"})
    ),
    NavItem("Channels", "channels", ALL_STAFF),
    NavItem("Roster", "roster", frozenset({"head", "slt"})),
    NavItem("Audit trail", "audit", frozenset({"head", "slt"})),
]


def navigation_for(request) -> list[dict]:
    roles = getattr(request, "roles", frozenset())
    items = []
    for item in NAVIGATION:
        if not (item.roles & roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "current": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return items
