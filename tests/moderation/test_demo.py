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
    assert counts[1] == 13
    assert counts[2] == 13
    # One was seen elsewhere online, not on the school's channels.
    assert Incident.objects.filter(channel__isnull=True).count() == 1
    assert counts[3] == 1
    assert 20 * 4 <= counts[0] <= 30 * 4
    call_command("seed_demo", stdout=io.StringIO())
    assert (
        ModerationCheck.objects.count(),
        Incident.objects.count(),
        Evidence.objects.count(),
        BannedAccount.objects.count(),
    ) == counts


def test_the_demo_escalates_what_escalates_and_decides_two_once(db):
    from moderation.models import Escalation

    call_command("seed_demo", stdout=io.StringIO())
    open_ones = Escalation.objects.filter(decided_at__isnull=True).count()
    decided = set(
        Escalation.objects.filter(decided_at__isnull=False).values_list("decision", flat=True)
    )
    assert open_ones >= 3
    assert {"ask_to_remove", "report_police"} <= decided
    before = Escalation.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Escalation.objects.count() == before
