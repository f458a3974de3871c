"""The main navigation, by role. Items whose page does not exist yet are
left out, so the apps can be composed without the core knowing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, resolve, reverse
from django.utils.translation import gettext_lazy as _

ALL_STAFF = frozenset({"head", "slt", "admin", "office"})


@dataclass(frozen=True)
class NavItem:
    label: str  # lazily translated
    url_name: str
    roles: frozenset[str]


NAVIGATION = [
    NavItem(_("Dashboard"), "dashboard", ALL_STAFF),
    NavItem(_("Moderation"), "moderation:queue", frozenset({"admin", "slt", "head"})),
    NavItem(_("Escalations"), "moderation:escalations", frozenset({"slt", "head"})),
    NavItem(_("Pupils & consent"), "consent:pupils", frozenset({"office", "head", "slt", "admin"})),
    NavItem(_("Publication check"), "consent:check", frozenset({"admin", "slt", "head"})),
    NavItem(_("Do not publish"), "consent:do_not_publish", ALL_STAFF),
    NavItem(
        _("Group applications"), "consent:group_applications", frozenset({"office", "slt", "head"})
    ),
    NavItem(_("Channels"), "channels", ALL_STAFF),
    NavItem(_("Roster"), "roster", frozenset({"head", "slt"})),
    NavItem(_("Audit trail"), "audit", frozenset({"head", "slt"})),
]


def navigation_for(request) -> list[dict]:
    from schoolsocial.access import holds_current_authorisation, rule_for

    roles = getattr(request, "roles", frozenset())
    authorised: list[bool] = []  # asked once, only if a page needs it

    def may_open(url: str) -> bool:
        # A page administrator whose last authorisation ended no longer
        # opens the pages that need one (schoolsocial.access), so they are
        # not offered either.
        rule = rule_for(resolve(url).func)
        if rule is None or not rule.admin_needs_authorisation:
            return True
        if (rule.roles - {"admin"}) & roles:
            return True
        if not authorised:
            authorised.append(holds_current_authorisation(request.member))
        return authorised[0]

    items = []
    for item in NAVIGATION:
        if not (item.roles & roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if not may_open(url):
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "current": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return items
