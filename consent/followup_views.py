"""The follow-ups page: posts cleared for a pupil whose consent has since
been withdrawn or refused, or who must never be published (Threemilestone
4.1, 4.2; Whitchurch "Use of images"). Linked from the notification and the
dashboard, so neither needs to name the pupil."""

from __future__ import annotations

from django.shortcuts import render

from consent import selectors
from schoolsocial.access import current_administrator_or_roles


@current_administrator_or_roles("office", "head", "slt")
def followups(request):
    """Open follow-ups: every one for the office, head and SLT; for an
    administrator, those on their channels or from checks they ran."""
    leader_or_office = bool({"office", "head", "slt"} & request.roles)
    return render(
        request,
        "consent/followups.html",
        {
            "rows": selectors.open_followups(
                school=request.school, member=None if leader_or_office else request.member
            ),
            "closed": (
                selectors.recently_closed_followups(school=request.school)
                if leader_or_office
                else []
            ),
        },
    )
