"""MIS import as schools have it: each MIS's export, columns chosen by the
office, Excel workbooks, UTF-16, mixed encodings refused, hidden characters
removed, pupils without a UPN matched on name and date of birth. Through
the import page, as the office uses it."""

import datetime
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent.importer import detect_columns, parse_year
from consent.models import ImportColumns, Pupil
from schoolsocial.models import AuditEvent
from tests.consent.factories import PupilFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
URL = reverse("consent:pupil_import")


def upload(client, data: bytes, name: str = "pupils.csv") -> str:
    response = client.post(URL, {"file": SimpleUploadedFile(name, data, "text/csv")})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def hidden(page: str, name: str, occurrence: int = 0) -> str:
    return re.findall(rf'name="{name}" value="([^"]*)"', page)[occurrence]


def confirm(client, page: str, **extra):
    response = client.post(
        URL,
        {"token": hidden(page, "token"), "submission_key": hidden(page, "submission_key"), **extra},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return [str(m) for m in response.wsgi_request._messages]


def text_of(page: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# --- One example per MIS ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("example", "added", "check"),
    [
        (
            "sims.csv",
            6,
            ("K801200100003", "Thomas", "Smith-Jones", "Tom", "R", "RW", "2021-06-30"),
        ),
        (
            "arbor.csv",
            5,
            ("A801300100002", "Mohammed", "Rahman", "Mo", "2", "2 Onnen", "2018-10-01"),
        ),
        ("bromcom.csv", 5, ("B801400100003", "Aoife", "Ní Bhriain", "", "N", "NUR", "2021-12-18")),
        (
            "scholarpack.csv",
            4,
            ("S801500100001", "Alexander", "Fairweather", "Alex", "3", "Kestrels", "2017-10-09"),
        ),
        (
            "integris.csv",
            4,
            ("I801600100002", "Jago", "Trelawny", "", "R", "Class R", "2021-01-30"),
        ),
        ("pupil-asset.csv", 4, ("P801700100002", "Kofi", "Mensah", "", "R", "Hazel", "2020-04-20")),
    ],
)
def test_each_mis_example_imports_as_exported(login, office, example, added, check):
    client = login(office)
    page = upload(client, (EXAMPLES / example).read_bytes(), example)
    words = text_of(page)
    assert f"{added} to add, 0 to update, 0 unchanged, 0 with errors" in words
    assert "Columns recognised from their names" in words
    assert confirm(client, page) == [f"Import complete: {added} added, 0 updated, 0 unchanged."]
    upn, first, last, preferred, year, class_name, born = check
    pupil = Pupil.objects.get(mis_id=upn)
    assert (pupil.first_name, pupil.last_name, pupil.preferred_name) == (first, last, preferred)
    assert (pupil.year_group, pupil.class_name) == (year, class_name)
    assert pupil.date_of_birth == datetime.date.fromisoformat(born)
    # The same file again changes nothing.
    again = text_of(upload(client, (EXAMPLES / example).read_bytes(), example))
    assert f"0 to add, 0 to update, {added} unchanged" in again


def test_the_sims_example_keeps_accents_and_reads_nursery_and_reception(login, office):
    client = login(office)
    confirm(client, upload(client, (EXAMPLES / "sims.csv").read_bytes()))
    zoe = Pupil.objects.get(mis_id="K801200100001")
    assert (zoe.first_name, zoe.last_name, zoe.year_group) == ("Zoë", "Brontë", "3")
    assert Pupil.objects.get(mis_id="K801200100005").year_group == "N"
    assert Pupil.objects.get(mis_id="K801200100006").first_name == "Łucja"


def test_the_import_page_lists_every_mis_it_recognises(login, office):
    words = text_of(login(office).get(URL).content.decode())
    for mis in ("SIMS", "Arbor", "Bromcom", "ScholarPack", "Integris", "Pupil Asset"):
        assert mis in words
    assert "Legal Forename, Legal Surname" not in words  # lists the real order
    assert "Legal Surname, Legal Forename" in words


# --- Columns chosen by the office ---------------------------------------------------------

OWN_COLUMNS = (
    "Pupil ref,Given,Family,Known by,Born,Cohort,Tutor,House\n"
    "Q1,Ffion,Rees,,03/04/2018,Year 3,Mr Jones,Red\n"
    "Q2,Rhys,Bowen,Rhy,2019-12-01,Y2,Mrs Price,Blue\n"
)


def choose_columns(client, page: str, **columns) -> str:
    data = {"action": "columns", "token": hidden(page, "token")}
    data.update({k: str(v) for k, v in columns.items()})
    response = client.post(URL, data)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_office_chooses_the_columns_of_an_unknown_export_and_the_school_remembers(
    login, office, school
):
    client = login(office)
    page = upload(client, OWN_COLUMNS.encode(), "own.csv")
    words = text_of(page)
    assert "Which column is which in own.csv?" in words
    assert "no column for: first name, last name, year group, class" in words
    assert "Nothing has changed yet" in words
    assert "e.g. “Ffion”" in words  # each column is offered with an example value
    page = choose_columns(
        client,
        page,
        mis_id=0,
        first_name=1,
        last_name=2,
        preferred_name=3,
        date_of_birth=4,
        year_group=5,
        class_name=6,
    )
    words = text_of(page)
    assert "2 to add, 0 to update, 0 unchanged, 0 with errors" in words
    assert "Columns as you chose them" in words
    assert not ImportColumns.objects.exists()  # a preview changes nothing
    assert confirm(client, page) == ["Import complete: 2 added, 0 updated, 0 unchanged."]
    rhys = Pupil.objects.get(mis_id="Q2")
    assert (rhys.preferred_name, rhys.year_group, rhys.class_name) == ("Rhy", "2", "Mrs Price")
    assert rhys.date_of_birth == datetime.date(2019, 12, 1)

    saved = ImportColumns.objects.get(school=school)
    assert saved.columns["first_name"] == "Given" and saved.columns["class_name"] == "Tutor"
    event = AuditEvent.objects.get(action="consent.import_columns")
    assert event.actor == office.user and "first name = “Given”" in event.summary

    # The next file with the same columns goes straight to the preview.
    later = OWN_COLUMNS.replace("Mrs Price", "Mr Jones")
    words = text_of(upload(client, later.encode(), "own.csv"))
    assert "Columns as your school chose them last time" in words
    assert "Class: “Mrs Price” → “Mr Jones”" in words


def test_choosing_one_column_for_two_details_is_refused(login, office):
    client = login(office)
    page = upload(client, OWN_COLUMNS.encode(), "own.csv")
    page = choose_columns(
        client, page, mis_id=0, first_name=1, last_name=1, year_group=5, class_name=6
    )
    assert "The same column is chosen for the first name and the last name" in page
    assert "Which column is which" in page
    assert not Pupil.objects.exists()


def test_columns_can_be_corrected_on_the_preview(login, office):
    client = login(office)
    data = b"UPN,Forename,Surname,Year,Reg,House\nH1,Cerys,Evans,4,4 Criafol,Red\n"
    page = upload(client, data)
    assert "Change which column is which" in page
    page = choose_columns(
        client, page, mis_id=0, first_name=1, last_name=2, year_group=3, class_name=5
    )
    confirm(client, page)
    assert Pupil.objects.get(mis_id="H1").class_name == "Red"


# --- Excel ------------------------------------------------------------------------------


def workbook_bytes(rows, *, title_rows=()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Pupils"
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_imports_with_dates_and_serial_numbers(login, office):
    data = workbook_bytes(
        [
            ("UPN", "First Name", "Last Name", "Date of Birth", "Year Group", "Registration Form"),
            ("X1", "Siân", "Lloyd", datetime.datetime(2018, 2, 14), 3, "3 Derw"),
            ("X2", "Osian", "Parry", 43831, "Reception", "Derbyn"),  # serial: 1 Jan 2020
            ("X3", "Efa", "Lewis", "07/05/2019", "Y1", "1 Bedw"),
        ],
        title_rows=[("Pupil list – Example Primary",), ()],
    )
    client = login(office)
    page = upload(client, data, "pupils.xlsx")
    words = text_of(page)
    assert "Read as Excel workbook, sheet “Pupils”" in words
    assert "The column names were found on line 3" in words
    assert "3 to add, 0 to update, 0 unchanged, 0 with errors" in words
    confirm(client, page)
    assert Pupil.objects.get(mis_id="X1").date_of_birth == datetime.date(2018, 2, 14)
    assert Pupil.objects.get(mis_id="X1").year_group == "3"
    assert Pupil.objects.get(mis_id="X2").date_of_birth == datetime.date(2020, 1, 1)
    assert Pupil.objects.get(mis_id="X3").date_of_birth == datetime.date(2019, 5, 7)


def test_a_damaged_workbook_and_an_old_xls_are_explained(login, office):
    client = login(office)
    page = upload(client, b"PK\x03\x04" + b"\x00" * 200, "pupils.xlsx")
    assert "could not be read as an Excel workbook" in page
    page = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "pupils.xls")
    assert "old-style Excel file (.xls)" in page
    assert not Pupil.objects.exists()


# --- Encodings and line ends --------------------------------------------------------------

ACCENTED = (
    "UPN\tLegal Forename\tLegal Surname\tYear\tReg\n"
    "E1\tZoë\tBrontë\tYear 3\t3D\n"
    "E2\tŁucja\tNowak\tYear 6\t6H\n"
)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be-bom", "utf-8-sig", "utf-8"])
def test_utf16_and_utf8_files_keep_every_accent(login, office, codec):
    if codec == "utf-16-be-bom":
        data = b"\xfe\xff" + ACCENTED.encode("utf-16-be")
    else:
        data = ACCENTED.encode(codec)
    client = login(office)
    page = upload(client, data, "unicode.txt")
    assert "2 to add" in text_of(page)
    confirm(client, page)
    assert sorted(Pupil.objects.values_list("first_name", "last_name")) == [
        ("Zoë", "Brontë"),
        ("Łucja", "Nowak"),
    ]


def test_a_utf8_file_with_one_windows_1252_byte_is_refused_with_its_line(login, office):
    data = (
        b"UPN,Legal Forename,Legal Surname,Year,Reg\n"
        + "M1,Zoë,Brontë,Year 3,3D\n".encode()
        + b"M2,Grace,O\x92Neill,Year 3,3D\n"
        + "M3,Siân,Evans,Year 1,1B\n".encode()
    )
    client = login(office)
    page = upload(client, data)
    assert "Line 3 is not valid UTF-8 text (byte 92)" in page
    assert "mixes two text encodings" in page
    assert "Preview of" not in page
    assert "ZoÃ«" not in page
    assert not Pupil.objects.exists()


def test_a_mixed_file_with_a_byte_order_mark_is_refused_too(login, office):
    data = b"\xef\xbb\xbfUPN,Forename,Surname,Year,Reg\r\nM1,Zo\xeb,Bront\xeb,3,3D\r\n"
    page = upload(login(office), data)
    assert "Line 2 is not valid UTF-8 text (byte EB)" in page


def test_a_plain_windows_1252_file_is_read_as_such(login, office):
    data = "UPN,Forename,Surname,Year,Reg\r\nW1,Zoë,Brontë,3,3D\r\nW2,Grace,O’Neill,3,3D\r\n"
    client = login(office)
    page = upload(client, data.encode("cp1252"))
    assert "Read as CSV (Windows-1252)" in text_of(page)
    confirm(client, page)
    assert Pupil.objects.get(mis_id="W1").full_name == "Zoë Brontë"
    assert Pupil.objects.get(mis_id="W2").last_name == "O’Neill"


def test_utf16_without_a_byte_order_mark_is_refused_not_guessed(login, office):
    page = upload(login(office), ACCENTED.encode("utf-16-le"))
    assert "UTF-16" in page and "without a byte-order mark" in page
    assert not Pupil.objects.exists()


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_cr_lf_and_crlf_line_ends_all_read(login, office, ending):
    lines = ["UPN,Forename,Surname,Year,Reg", "L1,Nia,Davies,6,6C", '"L2",Iwan,"Price",4,4C']
    client = login(office)
    page = upload(client, ending.join(lines).encode())
    assert "2 to add, 0 to update, 0 unchanged, 0 with errors" in text_of(page)
    confirm(client, page)
    assert Pupil.objects.get(mis_id="L2").full_name == "Iwan Price"


# --- Hidden characters --------------------------------------------------------------------


def test_hidden_characters_are_removed_and_every_changed_name_is_shown(login, office):
    data = (
        "UPN,Forename,Surname,Preferred Name,Year,Reg\n"
        "C1,Zo\u200bë,Bront\x00ë,,3,3D\n"
        "C2,\u202eTom,Smith\u2066,,4,4C\n"
        "C3,Ruby,Jones,,4,4C\n"
    ).encode()
    client = login(office)
    page = upload(client, data)
    words = text_of(page)
    assert "4 values cleaned of hidden characters" in words
    assert "2 First name Zo[U+200B]ë Zoë removed 1 zero-width or invisible character" in words
    assert "2 Last name Bront[U+0000]ë Brontë removed 1 NUL character" in words
    assert "3 First name [U+202E]Tom Tom removed 1 direction-control character" in words
    assert "3 Last name Smith[U+2066] Smith removed 1 direction-control character" in words
    confirm(client, page)
    assert Pupil.objects.get(mis_id="C1").full_name == "Zoë Brontë"
    assert Pupil.objects.get(mis_id="C2").full_name == "Tom Smith"


# --- Matching without a UPN ---------------------------------------------------------------


def test_without_a_upn_pupils_are_matched_on_name_and_date_of_birth(login, office, school):
    sian = PupilFactory(
        school=school,
        mis_id="",
        first_name="Sian",
        last_name="Evans",
        year_group="1",
        class_name="1 Bedw",
        date_of_birth=datetime.date(2019, 3, 12),
    )
    namesake = PupilFactory(
        school=school,
        mis_id="",
        first_name="Sian",
        last_name="Evans",
        year_group="5",
        class_name="5 Celyn",
        date_of_birth=datetime.date(2015, 7, 1),
    )
    data = (
        "Forename,Surname,DOB,Year,Class\n"
        "Siân,Evans,12/03/2019,Year 2,2 Onnen\n"
        "Macsen,Morgan,01/02/2018,Year 3,3 Derw\n"
    ).encode()
    client = login(office)
    page = upload(client, data)
    words = text_of(page)
    assert "2 rows have no UPN: matched to the register on name and date of birth" in words
    assert "1 to add, 1 to update" in words
    assert "Matched on name and date of birth (no UPN in the file)" in words
    assert "Class: “1 Bedw” → “2 Onnen”" in words
    confirm(client, page)
    sian.refresh_from_db()
    namesake.refresh_from_db()
    assert (sian.first_name, sian.class_name) == ("Siân", "2 Onnen")
    assert namesake.class_name == "5 Celyn"
    assert Pupil.objects.count() == 3
    # Importing the same file again changes nothing and adds nobody.
    assert "0 to add, 0 to update, 2 unchanged" in text_of(upload(client, data))


def test_a_upn_in_the_file_is_added_to_a_pupil_entered_by_hand(login, office, school):
    pupil = PupilFactory(
        school=school,
        mis_id="",
        first_name="Jac",
        last_name="Evans",
        date_of_birth=datetime.date(2021, 5, 5),
    )
    data = b"UPN,Forename,Surname,DOB,Year,Reg\nJ1,Jac,Evans,05/05/2021,R,Derbyn\n"
    client = login(office)
    page = upload(client, data)
    assert "Matched on name and date of birth: the UPN will be added." in page
    confirm(client, page)
    pupil.refresh_from_db()
    assert pupil.mis_id == "J1" and Pupil.objects.count() == 1


def test_a_row_without_upn_or_date_of_birth_is_an_error_on_its_line(login, office):
    data = b"UPN,Forename,Surname,DOB,Year,Reg\nJ1,Jac,Evans,,R,Derbyn\n,Efa,Rees,,R,Derbyn\n"
    words = text_of(upload(login(office), data))
    assert "1 with errors" in words
    assert "Line 3: There is no UPN and no date of birth" in words


@pytest.mark.parametrize(
    ("born", "message"),
    [
        ("31/02/2018", "The date of birth “31/02/2018” is not a date that exists."),
        ("12/25/2018", "has the month first; write dates as day/month/year"),
        ("next week", "is not a date; write it as dd/mm/yyyy"),
        ("01/01/2030", "The date of birth is in the future."),
    ],
)
def test_a_bad_date_of_birth_is_explained_against_its_line(login, office, born, message):
    data = f"UPN,Forename,Surname,DOB,Year,Reg\nD1,Tom,Rees,{born},2,2B\n".encode()
    client = login(office)
    words = text_of(upload(client, data))
    assert "Line 2:" in words and message in words
    assert "Import 1 row" not in words  # nothing can be confirmed
    assert not Pupil.objects.exists()


def test_two_lines_for_the_same_pupil_are_refused(login, office):
    data = b"Forename,Surname,DOB,Year,Reg\nTom,Rees,01/01/2019,2,2B\nTOM,REES,2019-01-01,2,2B\n"
    words = text_of(upload(login(office), data))
    assert "Line 3: The same name and date of birth, with no UPN, are also on line 2." in words


# --- Year groups and class columns -------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "year"),
    [
        ("Year 3", "3"),
        ("Y3", "3"),
        ("Yr 3", "3"),
        ("3", "3"),
        ("03", "3"),
        ("3.0", "3"),
        ("NC Year 6", "6"),
        ("Year 6", "6"),
        ("Reception", "R"),
        ("R", "R"),
        ("YR", "R"),
        ("Year R", "R"),
        ("Rec", "R"),
        ("F2", "R"),
        ("0", "R"),
        ("Nursery", "N"),
        ("N", "N"),
        ("N1", "N"),
        ("N2", "N"),
        ("F1", "N"),
        ("Year 7", None),
        ("Y10", None),
        ("", None),
    ],
)
def test_year_groups_as_mis_exports_write_them(written, year):
    assert parse_year(written) == year


@pytest.mark.parametrize(
    "header", ["Reg", "Registration Group", "Reg Group", "Form", "Registration Form", "Class"]
)
def test_class_columns_under_every_usual_name(header):
    columns = detect_columns(["UPN", "Forename", "Surname", "Year", header])
    assert columns["class_name"] == 4 and columns["year_group"] == 3


def test_the_preferred_surname_is_not_taken_for_the_surname():
    header = ["Legal Surname", "Preferred Surname", "Legal Forename", "Preferred Forename"]
    columns = detect_columns(header)
    assert (columns["last_name"], columns["first_name"], columns["preferred_name"]) == (0, 2, 3)


def test_a_schools_column_choice_is_its_own(login, office, school, other_school):
    from tests.factories import StaffMemberFactory

    client = login(office)
    page = upload(client, OWN_COLUMNS.encode(), "own.csv")
    page = choose_columns(
        client, page, mis_id=0, first_name=1, last_name=2, year_group=5, class_name=6
    )
    confirm(client, page)
    assert "Columns as your school chose them last time" in text_of(
        upload(client, OWN_COLUMNS.encode(), "own.csv")
    )
    elsewhere = StaffMemberFactory(school=other_school, is_office=True)
    page = upload(login(elsewhere), OWN_COLUMNS.encode(), "own.csv")
    assert "Which column is which in own.csv?" in page
    assert Pupil.objects.filter(school=other_school).count() == 0


def test_the_import_is_the_one_previewed_even_if_the_columns_change_meanwhile(
    login, office, head, school
):
    data = b"UPN,Forename,Surname,Year,Reg,House\nH1,Cerys,Evans,4,4 Criafol,Red\n"
    office_client = login(office)
    previewed = upload(office_client, data)  # class from "Reg"
    head_client = login(head)
    page = choose_columns(
        head_client,
        upload(head_client, data),
        mis_id=0,
        first_name=1,
        last_name=2,
        year_group=3,
        class_name=5,
    )
    confirm(head_client, page)  # the school now takes the class from "House"
    assert Pupil.objects.get(mis_id="H1").class_name == "Red"
    Pupil.objects.all().delete()
    confirm(office_client, previewed)
    assert Pupil.objects.get(mis_id="H1").class_name == "4 Criafol"
