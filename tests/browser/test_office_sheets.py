"""What the office does every day, in Chromium: a class's paper forms typed
in by keyboard, the register at 1280 px, and the do-not-publish sheet printed
to PDF (A4)."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from consent.models import ConsentForm, ConsentRecord
from schoolsocial.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.consent.factories import PupilFactory, give_consent
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = ["Siân", "Aled", "Bethan", "Cai", "Dewi", "Elin", "Ffion", "Gethin", "Heledd", "Iwan"]
LAST = ["Evans", "O’Connor", "Smith-Jones", "Rhys", "Ellis", "Lloyd", "Price"]


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 160), colour).save(out, format="JPEG", quality=80)
    return out.getvalue()


def test_thirty_paper_forms_by_keyboard_in_one_save(page, live_server, school, office):
    pupils = [
        PupilFactory(
            school=school,
            first_name=FIRST[n % 10],
            last_name=f"{LAST[n % 7]} {n:02d}",
            class_name="4 Derw",
        )
        for n in range(30)
    ]
    ordered = sorted(pupils, key=lambda p: (p.last_name, p.first_name, p.pk))
    sign_in(page, live_server, office.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/pupils/?class_name=4+Derw")
    page.get_by_role("link", name="Record a class's paper forms").click()
    assert page.locator("tbody tr").count() == 30

    keys = 0
    started = time.monotonic()
    page.get_by_label(f"Signed by, for {ordered[0].display_name}").focus()
    for n in range(len(ordered)):
        signer = f"Parent {n}"
        page.keyboard.type(signer)
        keys += len(signer)
        if n % 10 == 9:
            # Every tenth form refuses the press and the video, granting the rest.
            page.keyboard.press("Tab")  # relationship: Parent already
            page.keyboard.press("Tab")  # All granted: leave it
            for answer in ["g", "g", "g", "r", "g", "r"]:  # one per purpose
                page.keyboard.press("Tab")
                page.keyboard.press(answer)
            keys += 14
        else:
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            page.keyboard.press("Space")  # All granted
            keys += 3
        # On to the next pupil's "Signed by", past the (optional) date.
        presses = 0
        if n < len(ordered) - 1:
            target = page.get_by_label(f"Signed by, for {ordered[n + 1].display_name}")
            while not target.evaluate("e => e === document.activeElement"):
                page.keyboard.press("Tab")
                presses += 1
                assert presses <= 2, "the next pupil is more than two Tabs away"
        keys += presses
    page.get_by_role("button", name="Record these forms").click()
    elapsed = time.monotonic() - started

    assert "Recorded 30 consent forms for 4 Derw." in page.locator(".messages").inner_text()
    assert ConsentForm.objects.count() == 30
    assert ConsentRecord.objects.filter(decision="granted").count() == 27 * 6 + 3 * 4
    assert ConsentRecord.objects.filter(decision="refused", purpose="press").count() == 3
    assert AuditEvent.objects.filter(action="consent.form_record").count() == 30
    # Every key for 30 forms, the signers' names included: at a steady three
    # keys a second (slower than most office typing) that is under 3 minutes.
    assert keys / 3 < 180, keys
    print(f"30 forms: {keys} key presses, {elapsed:.1f} s in the browser")


def test_the_register_shows_every_purpose_without_scrolling_sideways_at_1280(
    page, live_server, school, office
):
    for n in range(60):
        pupil = PupilFactory(
            school=school,
            first_name="Gwenllïan-Angharad",
            last_name=f"Smith-Jones-Williams {n}",
            preferred_name="Gwen",
            class_name="6 Onnen",
            year_group="6",
        )
        give_consent(pupil, "social_group", "refused")
    sign_in(page, live_server, office.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/pupils/")
    assert page.viewport_size["width"] == 1280
    overflow = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert overflow[0] <= overflow[1], overflow
    table = page.locator("table.register").bounding_box()
    assert table["x"] + table["width"] <= 1280
    assert page.locator("table.register tbody tr").count() == 50
    assert "Page 1 of 2 (60 in all)" in page.locator(".pagination").inner_text()
    page.get_by_role("link", name="Next page →").click()
    assert page.locator("table.register tbody tr").count() == 10


def test_the_do_not_publish_sheet_prints_49_pupils_on_three_a4_pages_at_most(
    page, live_server, school, office
):
    for n in range(49):
        pupil = PupilFactory(
            school=school,
            first_name=FIRST[n % 10],
            last_name=f"{LAST[n % 7]} {n:02d}",
            class_name=f"{n % 7 + 1} Class",
            year_group=str(n % 6 + 1),
        )
        if n % 3:
            pupil.photo_thumbnail.save("thumb.jpg", ContentFile(jpeg((n * 5, 90, 160))))
        if n % 4 == 0:
            today = school.local_today()
            give_consent(pupil, "website", "granted", received_on=today, valid_until=today)
    sign_in(page, live_server, office.user.email, PASSWORD)
    page.goto(f"{live_server.url}/consent/do-not-publish/")
    page.get_by_role("link", name="Print the staff-room sheet (every purpose)").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".sheet__pupil").count() == 49
    # Every photo is shown (inline), and the rest show initials, not "?".
    assert page.locator("img.sheet__photo").count() == 32
    assert page.locator(".sheet__initials").count() == 17
    assert page.evaluate(
        "() => [...document.querySelectorAll('img.sheet__photo')].every(i => i.naturalWidth > 0)"
    )

    data = page.pdf(format="A4", prefer_css_page_size=True)
    if os.environ.get("SHEET_PDF"):
        Path(os.environ["SHEET_PDF"]).write_bytes(data)
    pdf = PdfReader(io.BytesIO(data))
    texts = [" ".join(p.extract_text().split()) for p in pdf.pages]
    assert 1 <= len(texts) <= 3, len(texts)
    printed = f"Printed {school.local_today():%-d %B %Y}"
    for number, text in enumerate(texts, 1):
        assert "CONFIDENTIAL" in text, number
        assert "Example Primary" in text, number
        assert printed in text, number
    everything = " ".join(texts)
    assert "?" not in everything
    assert "Not in: public social media, parents' group" in everything
    assert AuditEvent.objects.filter(action="consent.print", actor=office.user).count() == 1
