import io

from django.core.management import call_command

from moderation.models import BannedAccount, Evidence, Incident, ModerationCheck


def test_the_demo_adds_a_month_of_checks_and_a_dozen_incidents_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        ModerationCheck.objects.count(),
        Incident.objects.count(),
        Evidence.objects.count(),
        BannedAccount.objects.count(),
    )
    assert counts[1] == 12
    assert counts[2] == 12
    assert counts[3] == 1
    assert 20 * 4 <= counts[0] <= 30 * 4
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        ModerationCheck.objects.count(),
        Incident.objects.count(),
        Evidence.objects.count(),
        BannedAccount.objects.count(),
    ) == counts
