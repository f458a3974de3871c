"""Every existing account gets its sign-in address on record as verified, so
password reset (which now goes only to a verified address) keeps working for
them. Their addresses were proven by the invitation link they opened, or set
up by the service team (``createsuperuser``, ``create_school``)."""

from django.db import migrations


def record_addresses(apps, schema_editor):
    User = apps.get_model("schoolsocial", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    have = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user.pk, email=user.email.lower(), primary=True, verified=True)
            for user in User.objects.exclude(pk__in=have).only("pk", "email")
            if user.email
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("account", "0009_emailaddress_unique_primary_email"),
        ("schoolsocial", "0011_notification_message_id_and_urgency"),
    ]

    operations = [migrations.RunPython(record_addresses, migrations.RunPython.noop)]
