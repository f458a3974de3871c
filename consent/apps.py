from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Pupils and consent"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from consent import reminders, selectors
        from consent.models import ConsentForm, ConsentRecord
        from consent.retention import ConsentRetention
        from consent.subject_access import ConsentContributor, pupil_choices, pupil_subject
        from schoolsocial import clauses, dashboard, retention, setup, subject_access
        from schoolsocial.audit import ACTION_LABELS
        from schoolsocial.records_db import protect

        reminders.register_all()
        setup.register(
            setup.SetupStep(
                key="pupils",
                label=_("Import your pupils from the school's MIS"),
                why=lambda s: _("A publication check can only clear pupils on the register."),
                url_name="consent:pupil_import",
                done=selectors.pupils_condition,
                order=50,
            )
        )
        setup.register(
            setup.SetupStep(
                key="consent",
                label=_("Record parents' photo consent forms"),
                why=lambda s: clauses.quote(
                    s, "channel_purposes", _("no pupil's photo is published without consent.")
                ),
                url_name="consent:pupils",
                done=selectors.consent_forms_condition,
                order=60,
            )
        )
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
        dashboard.register(
            dashboard.Panel(
                key="consent_followups",
                build=selectors.followups_panel,
                template="consent/panels/followups.html",
                order=5,
            )
        )

        ACTION_LABELS.update(
            {
                "consent.pupil_create": "Added a pupil",
                "consent.pupil_update": "Edited a pupil",
                "consent.pupil_left": "Marked a pupil as left",
                "consent.never_publish": "Set “never publish”",
                "consent.never_publish_cleared": "Cleared “never publish”",
                "consent.import": "Imported pupils from the MIS",
                "consent.import_columns": "Chose the MIS import columns",
                "consent.form_record": "Recorded a consent form",
                "consent.withdraw": "Recorded a consent withdrawal",
                "consent.check": "Ran a publication check",
                "consent.followup_reviewed": "Took down or kept a post after a consent change",
                "consent.followups_raised": "Posts to follow up after a consent change",
                "consent.group_record": "Recorded a group application",
                "consent.group_approve": "Approved a group application",
                "consent.group_reject": "Rejected a group application",
                "consent.group_remove": "Removed a group member",
                "consent.file_view": "Viewed a pupil photo or consent scan",
                "consent.export": "Exported the do-not-publish list",
                "consent.print": "Printed the do-not-publish sheet",
            }
        )
