from django.apps import AppConfig


class SchoolsocialConfig(AppConfig):
    name = "schoolsocial"
    verbose_name = "schoolsocial core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from schoolsocial import reminders

        reminders.register(reminders.TrainingOverdueReminder())
        reminders.register(reminders.PolicyReviewReminder())
