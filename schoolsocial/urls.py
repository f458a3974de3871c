"""The URLconf. Paths are stable (DESIGN.md's URL map); every view declares
its access rule (schoolsocial/access.py)."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from schoolsocial import subject_access_views, views

# The admin's own login goes through allauth's: rate limits and two-factor.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "schoolsocial service administration"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("school/choose/", views.school_choose, name="school_choose"),
    path("school/settings/", views.school_settings, name="school_settings"),
    path("school/policy/", include("policy.urls")),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("roster/", views.roster, name="roster"),
    path("roster/invite/", views.roster_invite, name="roster_invite"),
    path("roster/acting-head/", views.roster_acting_head, name="roster_acting_head"),
    path("roster/<int:member_id>/", views.roster_member, name="roster_member"),
    path("roster/<int:member_id>/roles/", views.roster_member_roles, name="roster_member_roles"),
    path(
        "roster/<int:member_id>/authorise/",
        views.roster_member_authorise,
        name="roster_member_authorise",
    ),
    path("roster/<int:member_id>/left/", views.roster_member_left, name="roster_member_left"),
    path("roster/<int:member_id>/email/", views.roster_member_email, name="roster_member_email"),
    path(
        "roster/authorisations/<int:authorisation_id>/revoke/",
        views.roster_authorisation_revoke,
        name="roster_authorisation_revoke",
    ),
    path(
        "roster/invitations/<int:invitation_id>/cancel/",
        views.roster_invitation_cancel,
        name="roster_invitation_cancel",
    ),
    path(
        "roster/platform-removals/<int:platform_removal_id>/done/",
        views.platform_removal_done,
        name="platform_removal_done",
    ),
    path("channels/", views.channels, name="channels"),
    path("channels/new/", views.channel_add, name="channel_add"),
    path("channels/<int:channel_id>/edit/", views.channel_edit, name="channel_edit"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("notifications/open/", views.notification_open, name="notification_open"),
    path("audit/", views.audit, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/print/", views.audit_print, name="audit_print"),
    path("help/", views.help_page, name="help"),
    path("account/language/", views.language_set, name="language_set"),
    path("language/", views.language_choose, name="language_choose"),
    path("subject-access/", subject_access_views.subject_access_page, name="subject_access"),
    path(
        "subject-access/<int:request_id>/download/",
        subject_access_views.subject_access_download,
        name="subject_access_download",
    ),
    path("consent/", include("consent.urls")),
    path("moderation/", include("moderation.urls")),
    # Before allauth's own page at this address: nobody adds or changes their
    # sign-in address themselves.
    path("accounts/email/", views.account_email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
