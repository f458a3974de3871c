from schoolsocial.navigation import navigation_for
from schoolsocial.notifications import unread_count


def school(request):
    member = getattr(request, "member", None)
    roles = getattr(request, "roles", frozenset())
    return {
        "current_school": getattr(request, "school", None),
        "current_member": member,
        "current_roles": roles,
        "navigation": navigation_for(request) if member else [],
        "unread_notifications": unread_count(member) if member else 0,
    }
