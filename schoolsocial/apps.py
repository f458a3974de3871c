from django.apps import AppConfig


class SchoolsocialConfig(AppConfig):
    name = "schoolsocial"
    verbose_name = "schoolsocial core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from schoolsocial import reminders
        from schoolsocial.audit import ACTION_LABELS

        ACTION_LABELS.update(
            {
                "auth.password_change": "Changed their password",
                "auth.password_set": "Set a password",
                "auth.password_reset": "Reset their password by email",
                "auth.mfa_on": "Switched on two-factor sign-in",
                "auth.mfa_off": "Switched off two-factor sign-in",
                "auth.recovery_codes": "Made new recovery codes",
                "roster.email": "Changed a sign-in address",
                "auth.email_confirmed": "Confirmed a sign-in address",
                "admin.add": "Service administration: added",
                "admin.change": "Service administration: changed",
                "admin.delete": "Service administration: deleted",
            }
        )

        reminders.register(reminders.TrainingOverdueReminder())
        reminders.register(reminders.PolicyReviewReminder())
