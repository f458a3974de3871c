"""Run by tests/schoolsocial/test_headers.py in a subprocess with
DJANGO_ENV=production: sets up a throwaway database and static files, signs a
head in, fetches real pages and downloads, and prints each response's status
and headers as JSON. Not a test module itself (pytest collects test_*.py)."""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schoolsocial.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)

    from django.test import Client
    from django.urls import reverse

    from tests.factories import SchoolFactory, StaffMemberFactory
    from tests.moderation.factories import IncidentFactory, make_evidence

    school = SchoolFactory(leaders_require_mfa=False)
    head = StaffMemberFactory(school=school, is_head=True, is_slt=True, is_admin=True)
    evidence = make_evidence(IncidentFactory(school=school, reported_by=head))

    # As behind the compose file's proxy, which terminates TLS.
    anonymous = Client(HTTP_X_FORWARDED_PROTO="https")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(head.user)
    session = client.session
    session["schoolsocial_school_id"] = school.pk
    session.save()

    signed_in = {
        "dashboard": reverse("dashboard"),
        "roster": reverse("roster"),
        "pupils": reverse("consent:pupils"),
        "incident": reverse("moderation:incident", args=[evidence.incident_id]),
        "evidence": reverse("moderation:evidence", args=[evidence.pk]),
        "audit_csv": reverse("audit_export"),
        "do_not_publish_csv": reverse("consent:do_not_publish_csv"),
        "not_found": "/consent/pupils/999999/",
    }
    results = {}
    for name, url in signed_in.items():
        response = client.get(url)
        results[name] = {"status": response.status_code, "headers": dict(response.headers)}
    for name, url in {"login": reverse("account_login"), "static": "/static/css/app.css"}.items():
        response = anonymous.get(url)
        results[name] = {"status": response.status_code, "headers": dict(response.headers)}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
