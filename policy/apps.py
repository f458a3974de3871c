from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "School policy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from schoolsocial.audit import ACTION_LABELS

        ACTION_LABELS.update(
            {
                "policy.choose": "Chose the school's policy template",
                "policy.update": "Changed the school's policy settings",
                "policy.category": "Changed how a category of incident is handled",
            }
        )
