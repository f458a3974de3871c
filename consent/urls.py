from django.urls import path

from consent import followup_views, import_views, views

app_name = "consent"

urlpatterns = [
    path("pupils/", views.pupils, name="pupils"),
    path("pupils/new/", views.pupil_add, name="pupil_add"),
    path("pupils/import/", import_views.pupil_import, name="pupil_import"),
    path("pupils/forms/", views.class_forms, name="class_forms"),
    path("pupils/<int:pupil_id>/", views.pupil, name="pupil"),
    path("pupils/<int:pupil_id>/edit/", views.pupil_edit, name="pupil_edit"),
    path(
        "pupils/<int:pupil_id>/never-publish/",
        views.pupil_never_publish,
        name="pupil_never_publish",
    ),
    path("pupils/<int:pupil_id>/photo/", views.pupil_photo, name="pupil_photo"),
    path("pupils/<int:pupil_id>/thumbnail/", views.pupil_thumbnail, name="pupil_thumbnail"),
    path("pupils/<int:pupil_id>/consent/new/", views.consent_form, name="consent_form"),
    path(
        "records/<int:consent_record_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("records/<int:consent_record_id>/scan/", views.consent_scan, name="consent_scan"),
    path("follow-ups/", followup_views.followups, name="followups"),
    path(
        "follow-ups/<int:followup_id>/reviewed/",
        views.followup_reviewed,
        name="followup_reviewed",
    ),
    path("do-not-publish/", views.do_not_publish, name="do_not_publish"),
    path("do-not-publish/print/", views.do_not_publish_print, name="do_not_publish_print"),
    path("do-not-publish/export.csv", views.do_not_publish_csv, name="do_not_publish_csv"),
    path("check/", views.check, name="check"),
    path("check/<int:publication_check_id>/", views.check_result, name="check_result"),
    path("group-applications/", views.group_applications, name="group_applications"),
    path("group-applications/new/", views.group_application_add, name="group_application_add"),
    path(
        "group-applications/<int:group_application_id>/",
        views.group_application,
        name="group_application",
    ),
]
