from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Pupils and consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from consent import reminders
        from consent.models import ConsentForm, ConsentRecord
        from consent.retention import ConsentRetention
        from consent.subject_access import ConsentContributor, pupil_choices, pupil_subject
        from schoolsocial import retention, subject_access
        from schoolsocial.audit import ACTION_LABELS
        from schoolsocial.records_db import protect

        reminders.register_all()
        retention.register(ConsentRetention())
        subject_access.register(ConsentContributor())
        subject_access.register_subject_kind("pupil", choices=pupil_choices, resolve=pupil_subject)
        protect(ConsentForm)
        # The one later change to a consent record: its withdrawal, once.
        protect(
            ConsentRecord,
            settable_once=(
                "withdrawn_on",
                "withdrawn_by_name",
                "withdrawal_recorded_by",
                "withdrawal_recorded_at",
            ),
            marker="withdrawn_on",
        )

        ACTION_LABELS.update(
            {
                "consent.pupil_create": "Added a pupil",
                "consent.pupil_update": "Edited a pupil",
                "consent.pupil_left": "Marked a pupil as left",
                "consent.never_publish": "Set “never publish”",
                "consent.never_publish_cleared": "Cleared “never publish”",
                "consent.import": "Imported pupils from the MIS",
                "consent.form_record": "Recorded a consent form",
                "consent.withdraw": "Recorded a consent withdrawal",
                "consent.check": "Ran a publication check",
                "consent.followup_reviewed": "Reviewed a post after a withdrawal",
                "consent.group_record": "Recorded a group application",
                "consent.group_approve": "Approved a group application",
                "consent.group_reject": "Rejected a group application",
                "consent.group_remove": "Removed a group member",
                "consent.file_view": "Viewed a pupil photo or consent scan",
                "consent.export": "Exported the do-not-publish list",
            }
        )
