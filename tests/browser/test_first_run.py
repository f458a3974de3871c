"""A school created with ``create_school`` is set up in Chromium by a head
who follows the dashboard's checklist alone: every page is reached from a
checklist link, and the list disappears when the school is set up."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.management import call_command

from consent.models import ConsentRecord, Pupil
from schoolsocial.models import ChannelAuthorisation, School

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEAD_PASSWORD = "a-long-head-passphrase"
EXPORT = (
    b"UPN,Legal Forename,Legal Surname,DOB,Year,Reg Group\r\n"
    b"A100,Elis,Morgan,2018-03-04,Year 2,2 Derw\r\n"
)


def _link(to: str) -> str:
    """The invitation's path from the last email to ``to`` (the email's host
    is the configured site's)."""
    message = [m for m in mail.outbox if to in m.to][-1]
    return re.search(r"/invitation/[^/\s]+/", message.body).group(0)


def _accept(page, live_server, link: str, password: str) -> None:
    page.goto(f"{live_server.url}{link}")
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("Type it again").fill(password)
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_load_state("networkidle")


def _step(page, key: str):
    """Back to the dashboard, then the checklist's link for one step."""
    page.get_by_role("link", name="Dashboard").first.click()
    step = page.locator(f"[data-setup-step={key}]")
    assert step.get_attribute("data-setup-state") == "todo"
    step.get_by_role("link").click()


def _state(page, key: str) -> str:
    page.get_by_role("link", name="Dashboard").first.click()
    return page.locator(f"[data-setup-step={key}]").get_attribute("data-setup-state")


def test_a_new_school_is_set_up_by_following_the_checklist_alone(
    browser, page, live_server, tmp_path
):
    call_command(
        "create_school",
        "Ysgol y Bryn",
        "--head-email=pennaeth@bryn.example",
        "--head-first-name=Siân",
        "--head-last-name=Prys",
        stdout=io.StringIO(),
    )
    school = School.objects.get(name="Ysgol y Bryn")
    _accept(page, live_server, _link("pennaeth@bryn.example"), HEAD_PASSWORD)

    # Leaders must use two-factor sign-in at a new school: the head sets it up first.
    page.get_by_label("Password").fill(HEAD_PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    counter = int(datetime.datetime.now().timestamp()) // 30
    page.get_by_label("Authenticator code").fill(format_hotp_value(hotp_value(secret, counter)))
    page.get_by_role("button", name="Activate").click()
    assert "Authenticator app activated" in page.content()

    page.locator("a.brand").click()  # the two-factor pages carry no main menu
    checklist = page.locator("[data-setup-checklist]")
    assert "0 of 8 done" in checklist.inner_text()

    # 1. The policy.
    _step(page, "policy")
    page.get_by_label("Start from the policy of").select_option("whitchurch")
    page.get_by_role("button", name="Use this policy").click()
    assert _state(page, "policy") == "done"

    # 2. A channel; its help text quotes the school's own policy.
    _step(page, "channels")
    assert "Whitchurch, Monitoring" in page.locator("main").inner_text()
    assert "Threemilestone" not in page.locator("main").inner_text()
    page.locator("#id_platform").select_option(label="Facebook page")
    page.locator("#id_name").fill("Ysgol y Bryn Facebook")
    page.get_by_role("button", name="Add channel").click()
    assert _state(page, "channels") == "done"

    # 3. The team: a page administrator, who accepts.
    _step(page, "team")
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Roberts")
    page.get_by_label("Email").fill("nia@bryn.example")
    page.get_by_label("Page administrator").check()
    page.get_by_role("button", name="Send invitation").click()
    assert _state(page, "team") == "done"
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _accept(other, live_server, _link("nia@bryn.example"), "nia-long-passphrase")
    other.context.close()

    # 4. Her authorisation, with her training dates.
    _step(page, "administrators")
    page.get_by_role("link", name="Nia Roberts").first.click()
    page.get_by_label("Channel").select_option(label="Ysgol y Bryn Facebook")
    today = school.local_today().isoformat()
    page.get_by_label("Training completed on").fill(today)
    page.get_by_label("Acceptable-use agreement signed on").fill(today)
    page.get_by_role("button", name="Authorise").click()
    assert ChannelAuthorisation.objects.filter(channel__school=school).count() == 1
    assert _state(page, "administrators") == "done"

    # 5. The pupils, from the MIS.
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT)
    _step(page, "pupils")
    page.set_input_files("input[type=file]", str(export))
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_role("button", name="Import 1 row").click()
    assert Pupil.objects.filter(school=school).count() == 1
    assert _state(page, "pupils") == "done"

    # 6. A consent form.
    _step(page, "consent")
    page.get_by_role("link", name="Elis Morgan").click()
    page.get_by_role("link", name="Record a consent form").click()
    page.locator("#id_purpose_social_public_1").check()  # Granted
    page.get_by_label("Signed by (full name)").fill("Ffion Morgan")
    page.get_by_label("Date received").fill(today)
    page.get_by_role("button", name="Record the form").click()
    assert ConsentRecord.objects.filter(form__pupil__school=school).exists()
    assert _state(page, "consent") == "done"

    # 7 and 8. The reminder time and the policy's review date, in School settings.
    _step(page, "reminder_time")
    page.get_by_label("Reminder time").fill("16:00")
    page.get_by_label("Policy next review").fill("2027-09-01")
    page.get_by_role("button", name="Save settings").click()

    page.get_by_role("link", name="Dashboard").first.click()
    assert page.locator("[data-setup-checklist]").count() == 0
    school.refresh_from_db()
    assert school.reminder_time == datetime.time(16, 0)
    assert school.policy_next_review == datetime.date(2027, 9, 1)
