from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = _("School policy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext, gettext_noop

        from policy.selectors import chosen_condition, profile_for
        from schoolsocial import clauses, setup
        from schoolsocial.audit import ACTION_LABELS

        clauses.register(lambda school, key: profile_for(school).clause(key).ref)
        setup.register(
            setup.SetupStep(
                key="policy",
                label=_("Choose your school's social media policy"),
                why=lambda s: gettext(
                    "The clauses quoted on every page, who decides on escalations "
                    "and what each kind of incident needs all come from it."
                ),
                url_name="policy:page",
                done=chosen_condition,
                order=10,
            )
        )

        ACTION_LABELS.update(
            {
                "policy.choose": gettext_noop("Chose the school's policy template"),
                "policy.update": gettext_noop("Changed the school's policy settings"),
                "policy.category": gettext_noop("Changed how a category of incident is handled"),
            }
        )
