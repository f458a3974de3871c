from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/<int:incident_id>/", views.incident, name="incident"),
    path("incidents/<int:incident_id>/actions/", views.incident_action, name="incident_action"),
    path("incidents/<int:incident_id>/status/", views.incident_status, name="incident_status"),
    path("incidents/<int:incident_id>/evidence/", views.evidence_add, name="evidence_add"),
    path("incidents/<int:incident_id>/waive/", views.incident_waive, name="incident_waive"),
    path(
        "incidents/<int:incident_id>/names/",
        views.incident_name_review,
        name="incident_name_review",
    ),
    path("evidence/<int:evidence_id>/", views.evidence, name="evidence"),
    path(
        "evidence/<int:evidence_id>/highlighted/",
        views.evidence_highlighted,
        name="evidence_highlighted",
    ),
    path("evidence/<int:evidence_id>/redacted/", views.evidence_redacted, name="evidence_redacted"),
    path(
        "incidents/<int:incident_id>/transcribe/",
        views.incident_transcribe,
        name="incident_transcribe",
    ),
    path(
        "incidents/<int:incident_id>/escalate/", views.incident_escalate, name="incident_escalate"
    ),
    path("escalations/", views.escalations, name="escalations"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path(
        "escalations/<int:escalation_id>/decide/",
        views.escalation_decide,
        name="escalation_decide",
    ),
    path("checks/", views.checks, name="checks"),
    path("banned/", views.banned, name="banned"),
    path("banned/<int:banned_account_id>/lift/", views.banned_lift, name="banned_lift"),
]
