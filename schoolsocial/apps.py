from django.apps import AppConfig


class SchoolsocialConfig(AppConfig):
    name = "schoolsocial"
    verbose_name = "schoolsocial core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from schoolsocial import dashboard, reminders, selectors

        reminders.register(reminders.TrainingOverdueReminder())
        reminders.register(reminders.PolicyReviewReminder())
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
