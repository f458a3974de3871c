"""Demo policy: the demo school follows the Threemilestone template, with
the deputy head as its designated safeguarding lead."""

from __future__ import annotations

from policy import selectors, services


def seed(*, school, members, stdout) -> None:
    if selectors.has_chosen(school):
        stdout.write("  policy: already chosen")
        return
    services.profile_choose(school=school, template="threemilestone", by=members["head"])
    services.profile_update_settings(
        school=school,
        by=members["head"],
        changes={"dpo_contact": "Schools' DPO service, dpo@example.org, 01234 567890"},
        dsl=members["slt"],
    )
    stdout.write("  policy: Threemilestone template, deputy head as safeguarding lead")
