from django.apps import AppConfig


class SchoolsocialConfig(AppConfig):
    name = "schoolsocial"
    verbose_name = "schoolsocial core"
    default_auto_field = "django.db.models.BigAutoField"
