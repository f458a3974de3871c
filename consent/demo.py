"""Demo pupils for ``manage.py seed_demo``: about 60 pupils in six classes
with a realistic mix of answers. Idempotent: pupils are keyed by UPN."""

from __future__ import annotations

import datetime

from consent.models import ConsentForm, ConsentRecord, GroupApplication, Pupil, Purpose
from consent.services import _register_changed

CLASSES = [
    ("R", "Derbyn"),
    ("1", "1 Bedw"),
    ("2", "2 Onnen"),
    ("3", "3 Derw"),
    ("4", "4 Criafol"),
    ("6", "6 Celyn"),
]
FIRST = [
    "Siân",
    "Rhodri",
    "Dafydd",
    "Gwenllïan",
    "Elis",
    "Megan",
    "Osian",
    "Ffion",
    "Tomos",
    "Cerys",
    "Iwan",
    "Nia",
    "Harri",
    "Mali",
    "Gruffydd",
    "Lowri",
    "Aled",
    "Seren",
    "Owain",
    "Catrin",
    "Ioan",
    "Elin",
    "Macsen",
    "Efa",
    "Jac",
    "Alys",
    "Llŷr",
    "Erin",
    "Noah",
    "Olivia",
]
LAST = [
    "Jones",
    "Williams",
    "Davies",
    "Evans",
    "Thomas",
    "Roberts",
    "Hughes",
    "Lewis",
    "Morgan",
    "Griffiths",
    "Price",
    "Rees",
    "Llewellyn",
    "Pritchard",
    "Owen",
]
PREFERRED = {"Gruffydd": "Gruff", "Tomos": "Tom", "Gwenllïan": "Gwen"}


def seed(*, school, members, stdout) -> None:
    office = members.get("office")
    if Pupil.objects.filter(school=school, mis_id__startswith="DEMO").exists():
        stdout.write("  consent: demo pupils already there")
        return
    today = school.local_today()
    year_end = datetime.date(today.year if today.month <= 8 else today.year + 1, 8, 31)
    pupils = []
    for n in range(60):
        # The second thirty reuse the first names in other classes with
        # other surnames, so no two pupils share a full name.
        year, class_name = CLASSES[(n + n // len(FIRST)) % len(CLASSES)]
        first = FIRST[n % len(FIRST)]
        pupils.append(
            Pupil.objects.create(
                school=school,
                mis_id=f"DEMO{n:09d}",
                first_name=first,
                last_name=LAST[(n * 7 + (n // len(FIRST)) * 4) % len(LAST)],
                preferred_name=PREFERRED.get(first, ""),
                year_group=year,
                class_name=class_name,
            )
        )
    pupils[-1].left_on = today - datetime.timedelta(days=100)
    pupils[-1].save()

    def form(pupil, decisions, received, valid_until=year_end, parent="Parent"):
        f = ConsentForm.objects.create(
            pupil=pupil,
            given_by_name=f"{parent} {pupil.last_name}",
            relationship="parent",
            received_on=received,
            valid_until=valid_until,
            recorded_by=office,
        )
        for purpose, decision in decisions.items():
            ConsentRecord.objects.create(pupil=pupil, form=f, purpose=purpose, decision=decision)

    all_yes = dict.fromkeys(Purpose.values, "granted")
    received = min(today, year_end.replace(year=year_end.year - 1) + datetime.timedelta(days=5))
    for n, pupil in enumerate(pupils):
        kind = n % 10
        if kind in (0, 1, 2, 3):  # granted everything
            form(pupil, all_yes, received)
        elif kind == 4:  # refused public social media, allowed the rest
            form(pupil, {**all_yes, "social_public": "refused", "press": "refused"}, received)
        elif kind == 5:  # refused everything
            form(pupil, dict.fromkeys(Purpose.values, "refused"), received)
        elif kind == 6:  # last year's form, expired
            form(
                pupil,
                all_yes,
                received.replace(year=received.year - 1),
                valid_until=year_end.replace(year=year_end.year - 1),
            )
        elif kind == 7:  # granted, then withdrew public social media
            form(pupil, all_yes, received)
            record = pupil.consent_records.get(purpose="social_public")
            record.withdrawn_on = today
            record.withdrawn_by_name = f"Parent {pupil.last_name}"
            record.withdrawal_recorded_by = office
            record.save()
        elif kind == 8:  # website and print only
            form(pupil, {"website": "granted", "print": "granted"}, received)
        # kind 9: no form returned
    never = pupils[3]
    never.never_publish = True
    never.never_publish_reason = "Looked-after child: the local authority asks for no images."
    never.never_publish_set_by = members.get("head")
    never.save()
    for name, profile, kids in (
        ("Rhian Jones", "Rhian Jones", pupils[:1]),
        ("Gareth Williams", "Gaz Williams", pupils[1:3]),
        ("Bethan Evans", "Beth E", pupils[4:5]),
    ):
        application = GroupApplication.objects.create(
            school=school,
            applicant_name=name,
            profile_name=profile,
            relationship="parent",
            code_of_conduct_signed_on=today - datetime.timedelta(days=10),
            recorded_by=office,
        )
        application.pupils.set(kids)
    _register_changed(school)
    stdout.write(f"  consent: {len(pupils)} demo pupils in {len(CLASSES)} classes")
