from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Pupils and consent")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext_noop

        from consent import reminders, selectors
        from consent.models import ConsentForm, ConsentRecord
        from consent.retention import ConsentRetention
        from consent.subject_access import ConsentContributor, pupil_choices, pupil_subject
        from schoolsocial import clauses, dashboard, retention, setup, subject_access
        from schoolsocial.audit import ACTION_LABELS
        from schoolsocial.records_db import protect

        reminders.register_all()
        _forget_matchers_on_change()
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
                "consent.pupil_create": gettext_noop("Added a pupil"),
                "consent.pupil_update": gettext_noop("Edited a pupil"),
                "consent.pupil_left": gettext_noop("Marked a pupil as left"),
                "consent.never_publish": gettext_noop("Set “never publish”"),
                "consent.never_publish_cleared": gettext_noop("Cleared “never publish”"),
                "consent.import": gettext_noop("Imported pupils from the MIS"),
                "consent.import_columns": gettext_noop("Chose the MIS import columns"),
                "consent.form_record": gettext_noop("Recorded a consent form"),
                "consent.withdraw": gettext_noop("Recorded a consent withdrawal"),
                "consent.check": gettext_noop("Ran a publication check"),
                "consent.followup_reviewed": gettext_noop(
                    "Took down or kept a post after a consent change"
                ),
                "consent.followups_raised": gettext_noop(
                    "Posts to follow up after a consent change"
                ),
                "consent.group_record": gettext_noop("Recorded a group application"),
                "consent.group_approve": gettext_noop("Approved a group application"),
                "consent.group_reject": gettext_noop("Rejected a group application"),
                "consent.group_remove": gettext_noop("Removed a group member"),
                "consent.file_view": gettext_noop("Viewed a pupil photo or consent scan"),
                "consent.export": gettext_noop("Exported the do-not-publish list"),
                "consent.print": gettext_noop("Printed the do-not-publish sheet"),
                "consent.check_photo": gettext_noop("Counted the faces in a photo being checked"),
            }
        )


def _forget_matchers_on_change() -> None:
    """A pupil saved or removed in this process, however (the services, the
    Django admin, a shell), makes this process read the register key again
    before its next screening (``consent.screening.matcher_for``)."""
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save

    from consent.models import Pupil
    from consent.screening import forget_matchers

    def forget(sender, instance, **kwargs):
        forget_matchers(instance.school_id)
        transaction.on_commit(lambda: forget_matchers(instance.school_id))

    post_save.connect(forget, sender=Pupil, weak=False, dispatch_uid="consent.forget_matchers")
    post_delete.connect(forget, sender=Pupil, weak=False, dispatch_uid="consent.forget_matchers_d")
