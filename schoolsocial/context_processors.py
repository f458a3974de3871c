from types import SimpleNamespace

from schoolsocial.images import ACCEPT as ACCEPTED_IMAGES
from schoolsocial.navigation import navigation_for
from schoolsocial.notifications import unread_count


def school(request):
    member = getattr(request, "member", None)
    roles = getattr(request, "roles", frozenset())
    school = getattr(request, "school", None)
    if member is None and _signed_in_page_without_a_school(request):
        # allauth's pages (password, two-factor) and the app's pages that need
        # no school (help, sign-in address) pass the access mechanism by: show
        # the same header and menu as elsewhere, for the school the person is
        # working in.
        from schoolsocial.access import AccessMiddleware, member_must_enrol_mfa

        found = AccessMiddleware._current_member(request)
        if found is not None:
            found_roles = found.effective_roles()
            if not member_must_enrol_mfa(found, found_roles):
                member, roles, school = found, found_roles, found.school
    if member is not None and getattr(request, "member", None) is None:
        where = SimpleNamespace(path=request.path, member=member, roles=roles)
    else:
        where = request
    return {
        "current_school": school,
        "current_member": member,
        "current_roles": roles,
        "navigation": navigation_for(where) if member else [],
        "unread_notifications": unread_count(member) if member else 0,
        "accepted_images": ACCEPTED_IMAGES,  # a file input's ``accept``
    }


def _signed_in_page_without_a_school(request) -> bool:
    from schoolsocial.access import is_admin_page

    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(request, "resolver_match", None) is not None
        and not is_admin_page(request)
    )
