"""Reading a pupil list exported from the MIS (SIMS, Arbor, Bromcom) as CSV,
and comparing it with the register. Pure reading: nothing here writes; the
import itself is ``consent.services.pupil_import``.

The accepted header spellings are listed in docs/consent.md.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from consent.models import Pupil, YearGroup

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000

# Field -> accepted headers, normalised (lower case, letters and digits only),
# in order of preference when a file has several.
HEADERS: dict[str, list[str]] = {
    "mis_id": [
        "upn",
        "uniquepupilnumber",
        "pupilupn",
        "misid",
        "admissionnumber",
        "admissionno",
        "adno",
        "admno",
    ],
    "first_name": [
        "legalforename",
        "legalfirstname",
        "forename",
        "firstname",
        "givenname",
        "forenames",
    ],
    "last_name": ["legalsurname", "legallastname", "surname", "lastname", "familyname"],
    "preferred_name": [
        "preferredforename",
        "preferredfirstname",
        "preferredname",
        "knownas",
        "chosenname",
    ],
    "year_group": ["ncyear", "ncyearactual", "yeargroup", "year", "curriculumyear"],
    "class_name": [
        "reggroup",
        "registrationgroup",
        "class",
        "classname",
        "form",
        "formgroup",
        "tutorgroup",
    ],
}
REQUIRED = ("mis_id", "first_name", "last_name", "year_group", "class_name")
FIELD_LABELS = {
    "mis_id": "UPN",
    "first_name": "first name",
    "last_name": "last name",
    "preferred_name": "preferred name",
    "year_group": "year group",
    "class_name": "class",
}
COMPARED = ("first_name", "last_name", "preferred_name", "year_group", "class_name")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lower())


def parse_year(value: str) -> str | None:
    """'R', 'Reception', 'Year 3', 'Y3', 'NC 3', '3' -> the year group value."""
    v = _norm(value)
    if v in ("r", "rec", "reception", "yr", "yearr", "0", "year0", "y0", "ncr"):
        return YearGroup.RECEPTION
    if v in ("n", "n1", "n2", "nursery", "nur", "e1", "e2"):
        return YearGroup.NURSERY
    match = re.fullmatch(r"(?:year|yr|y|nc|ncyear)?([1-6])", v)
    return match.group(1) if match else None


@dataclass
class Row:
    line: int
    values: dict[str, str]
    action: str = ""  # create / update / unchanged / error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    pupil: Pupil | None = None

    @property
    def name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


@dataclass
class Preview:
    rows: list[Row]
    omitted: list[Pupil]
    columns: dict[str, str]  # field -> header used

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.action == "error"]

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError("The file is larger than 2 MB; export only the pupil list.")
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            "This is a spreadsheet file, not CSV. In Excel choose File → Save As → "
            "CSV (Comma delimited), then upload that."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The file's text encoding could not be read; save it as CSV UTF-8.")


def read_rows(text: str) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    normalised = [_norm(h) for h in header]
    columns: dict[str, int] = {}
    used: dict[str, str] = {}
    for name, spellings in HEADERS.items():
        for spelling in spellings:
            if spelling in normalised:
                columns[name] = normalised.index(spelling)
                used[name] = header[columns[name]].strip()
                break
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in columns]
    if missing:
        raise ImportFileError(
            f"The first line of the file must name the columns; no column for: "
            f"{', '.join(missing)}. Found: {', '.join(h.strip() for h in header if h.strip())}. "
            "See the accepted column names below."
        )
    rows = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS} pupils.")
            values = {
                name: (record[i].strip() if i < len(record) else "") for name, i in columns.items()
            }
            rows.append((reader.line_num, values))
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None
    if not rows:
        raise ImportFileError("The file has column names but no pupils.")
    return used, rows


def build_preview(*, school, data: bytes) -> Preview:
    """What importing ``data`` would do to ``school``'s register, row by row."""
    used, raw_rows = read_rows(decode(data))
    existing = {p.mis_id: p for p in Pupil.objects.filter(school=school).exclude(mis_id="")}
    seen: dict[str, int] = {}
    rows: list[Row] = []
    for line, values in raw_rows:
        row = Row(line=line, values=dict(values))
        values.setdefault("preferred_name", "")
        for name in REQUIRED:
            if not values.get(name):
                row.errors.append(f"The {FIELD_LABELS[name]} is missing.")
        for name, limit in (
            ("mis_id", 32),
            ("first_name", 100),
            ("last_name", 100),
            ("preferred_name", 100),
            ("class_name", 50),
        ):
            if len(values.get(name, "")) > limit:
                row.errors.append(f"The {FIELD_LABELS[name]} is longer than {limit} characters.")
        if values.get("year_group"):
            year = parse_year(values["year_group"])
            if year is None:
                row.errors.append(
                    f"“{values['year_group']}” is not a primary year group "
                    "(Nursery, Reception, Year 1 to Year 6)."
                )
            else:
                values["year_group"] = year
        if values["preferred_name"] == values.get("first_name"):
            values["preferred_name"] = ""
        mis_id = values.get("mis_id", "")
        if mis_id:
            if mis_id in seen:
                row.errors.append(f"The UPN {mis_id} is also on line {seen[mis_id]}.")
            else:
                seen[mis_id] = line
        row.values = values
        if row.errors:
            row.action = "error"
        else:
            pupil = existing.get(mis_id)
            row.pupil = pupil
            if pupil is None:
                row.action = "create"
            else:
                for name in COMPARED:
                    before = getattr(pupil, name)
                    if before != values[name]:
                        row.changes.append(
                            f"{FIELD_LABELS[name].capitalize()}: “{before}” → “{values[name]}”"
                        )
                if pupil.left_on:
                    row.changes.append("Back on roll (was marked as left)")
                row.action = "update" if row.changes else "unchanged"
        rows.append(row)
    in_file = set(seen)
    omitted = list(
        Pupil.objects.filter(school=school, left_on__isnull=True)
        .exclude(mis_id__in=in_file)
        .order_by("class_name", "last_name", "first_name")
    )
    return Preview(rows=rows, omitted=omitted, columns=used)
