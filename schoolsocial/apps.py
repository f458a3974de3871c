from django.apps import AppConfig


class SchoolsocialConfig(AppConfig):
    name = "schoolsocial"
    verbose_name = "schoolsocial core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.utils.translation import gettext_noop

        from schoolsocial import (
            dashboard,
            records_db,
            reminders,
            selectors,
            setup,
            subject_access,
        )
        from schoolsocial.audit import ACTION_LABELS
        from schoolsocial.models import AuditEvent

        records_db.protect(AuditEvent)
        subject_access.register(subject_access.StaffRecord())
        subject_access.register_subject_kind(
            "staff", choices=subject_access.staff_choices, resolve=subject_access.staff_subject
        )
        # Triggers are (re)installed after every migrate: SQLite's schema
        # editor rebuilds a table to alter it, which drops its triggers.
        post_migrate.connect(
            records_db.install_guards_after_migrate,
            sender=self,
            dispatch_uid="schoolsocial-record-guards",
        )
        ACTION_LABELS.update(
            {
                "auth.password_change": gettext_noop("Changed their password"),
                "auth.password_set": gettext_noop("Set a password"),
                "auth.password_reset": gettext_noop("Reset their password by email"),
                "auth.mfa_on": gettext_noop("Switched on two-factor sign-in"),
                "auth.mfa_off": gettext_noop("Switched off two-factor sign-in"),
                "auth.recovery_codes": gettext_noop("Made new recovery codes"),
                "roster.email": gettext_noop("Changed a sign-in address"),
                "auth.email_confirmed": gettext_noop("Confirmed a sign-in address"),
                "admin.add": gettext_noop("Service administration: added"),
                "admin.change": gettext_noop("Service administration: changed"),
                "admin.delete": gettext_noop("Service administration: deleted"),
            }
        )

        reminders.register(reminders.TrainingOverdueReminder())
        reminders.register(reminders.PolicyReviewReminder())
        for step in setup.core_steps():
            setup.register(step)
        dashboard.register(
            dashboard.Panel(
                key="setup",
                build=setup.setup_panel,
                template="schoolsocial/panels/setup.html",
                order=0,
            )
        )
        dashboard.register(
            dashboard.Panel(
                key="safeguards",
                build=selectors.safeguards_panel,
                template="schoolsocial/panels/safeguards.html",
                order=10,
            )
        )
        dashboard.register(
            dashboard.Panel(
                key="platform_removals",
                build=selectors.platform_removals_panel,
                template="schoolsocial/panels/platform_removals.html",
                order=20,
            )
        )
