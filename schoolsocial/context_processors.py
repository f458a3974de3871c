from schoolsocial.navigation import navigation_for


def school(request):
    member = getattr(request, "member", None)
    roles = getattr(request, "roles", frozenset())
    return {
        "current_school": getattr(request, "school", None),
        "current_member": member,
        "current_roles": roles,
        "navigation": navigation_for(request) if member else [],
    }
