"""Reading a pupil list exported from the MIS (SIMS, Arbor, Bromcom,
ScholarPack, Integris, Pupil Asset, or anything else whose columns the
office names) and comparing it with the register. Pure reading: nothing
here writes; the import itself is ``consent.services.pupil_import``.

The file is read by ``consent.mis_files`` (CSV in UTF-8, UTF-16 or
Windows-1252, or ``.xlsx``). Which column is which comes from, in order:
the columns the office chose for the last file with the same column names
(``ImportColumns``), then the recognised names below. The recognised names
and an example per MIS are in docs/consent.md and docs/examples/.

Pupils are matched by UPN; a row without one is matched on name and date of
birth, and the preview says so.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext

from consent.mis_files import MAX_BYTES, MAX_ROWS, Cell, ImportFileError, Table, read_table
from consent.models import ImportColumns, Pupil, YearGroup
from consent.screening import fold
from schoolsocial.folding import _is_invisible
from schoolsocial.language import later

__all__ = [
    "CAPITALISED",
    "COMPARED",
    "FIELDS",
    "FIELD_LABELS",
    "HEADERS",
    "MAX_BYTES",
    "MAX_ROWS",
    "MIS_EXAMPLES",
    "REQUIRED",
    "ColumnsNeeded",
    "ImportFileError",
    "Preview",
    "Row",
    "build_preview",
    "capfirst",
    "cell_text",
    "clean_text",
    "detect_columns",
    "parse_date",
    "parse_year",
    "read",
]

FIELDS = (
    "mis_id",
    "first_name",
    "last_name",
    "preferred_name",
    "year_group",
    "class_name",
    "date_of_birth",
)
REQUIRED = ("first_name", "last_name", "year_group", "class_name")
FIELD_LABELS = {
    "mis_id": gettext_lazy("UPN"),
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "preferred_name": gettext_lazy("preferred name"),
    "year_group": gettext_lazy("year group"),
    "class_name": gettext_lazy("class"),
    "date_of_birth": gettext_lazy("date of birth"),
}
# The same, to start a line ("Date of birth: …").
CAPITALISED = {
    "mis_id": gettext_lazy("UPN"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "preferred_name": gettext_lazy("Preferred name"),
    "year_group": gettext_lazy("Year group"),
    "class_name": gettext_lazy("Class"),
    "date_of_birth": gettext_lazy("Date of birth"),
}
COMPARED = (
    "mis_id",
    "first_name",
    "last_name",
    "preferred_name",
    "year_group",
    "class_name",
    "date_of_birth",
)
LIMITS = {
    "mis_id": 32,
    "first_name": 100,
    "last_name": 100,
    "preferred_name": 100,
    "class_name": 50,
}

# Field -> accepted column names, normalised (lower case, letters and digits
# only), in order of preference when a file has several.
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
        "legalforenames",
        "forename",
        "firstname",
        "givenname",
        "forenames",
        "firstnames",
    ],
    "last_name": ["legalsurname", "legallastname", "surname", "lastname", "familyname"],
    "preferred_name": [
        "preferredforename",
        "preferredfirstname",
        "preferredname",
        "knownas",
        "chosenname",
    ],
    "year_group": [
        "ncyear",
        "ncyearactual",
        "yeargroup",
        "year",
        "curriculumyear",
        "nationalcurriculumyear",
        "yr",
    ],
    "class_name": [
        "reggroup",
        "registrationgroup",
        "reg",
        "registrationform",
        "regform",
        "class",
        "classname",
        "form",
        "formgroup",
        "formtutorgroup",
        "tutorgroup",
    ],
    "date_of_birth": ["dob", "dateofbirth", "birthdate", "dateofbirthddmmyyyy"],
}

# The column names each MIS's pupil-list export typically has, as written;
# docs/examples/<name>.csv is a file of each shape. SIMS, Arbor and Bromcom
# are as those systems export them; ScholarPack, Integris and Pupil Asset are
# typical report columns (their exports are configurable).
MIS_EXAMPLES: dict[str, list[str]] = {
    "SIMS": [
        "UPN",
        "Adno",
        "Legal Surname",
        "Legal Forename",
        "Preferred Surname",
        "Preferred Forename",
        "DOB",
        "Year",
        "Reg",
    ],
    "Arbor": [
        "UPN",
        "First Name",
        "Preferred First Name",
        "Last Name",
        "Date of Birth",
        "Year Group",
        "Registration Form",
    ],
    "Bromcom": ["UPN", "Forename", "Surname", "Preferred Name", "DOB", "NC Year", "Reg Group"],
    "ScholarPack": ["UPN", "Surname", "Forename", "Known As", "Date Of Birth", "Year", "Class"],
    "Integris": [
        "UPN",
        "Surname",
        "Forename",
        "Preferred Forename",
        "Date of Birth",
        "NC Year",
        "Registration Group",
    ],
    "Pupil Asset": ["UPN", "First Name", "Last Name", "Known As", "DOB", "Year Group", "Class"],
}


class ColumnsNeeded(ImportFileError):
    """The file was read, but which column holds some required detail
    could not be told: the office chooses the columns."""

    def __init__(self, message: str, *, table: Table, columns: dict[str, int]):
        super().__init__(message)
        self.table = table
        self.columns = columns


def norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.strip().lower())


def _known_headers(saved: dict[str, str] | None) -> frozenset[str]:
    known = {name for names in HEADERS.values() for name in names}
    known.update(norm(name) for name in (saved or {}).values() if name)
    return frozenset(known)


# --- Values ---------------------------------------------------------------------------

_NURSERY = frozenset({"n", "n1", "n2", "nur", "nurs", "nursery", "f1", "fs1", "e1", "e2", "pn"})
_RECEPTION = frozenset({"r", "rec", "recep", "reception", "0", "00", "f2", "fs2"})


def parse_year(value: str) -> str | None:
    """The year group a MIS writes as 'Year 3', 'Y3', 'Yr 3', 'NC Year 3',
    '3', 'Reception', 'R', 'YR', 'Nursery', 'N1', 'N2', 'F1', 'F2' …, or
    ``None`` if it is not a primary year group."""
    text = value.strip()
    if re.fullmatch(r"\d+\.0+", text):  # "3.0" from a spreadsheet
        text = text.split(".")[0]
    v = norm(text)
    if v == "yr":
        return YearGroup.RECEPTION
    v = re.sub(r"^(?:ncyear|yeargroup|year|yr|nc|y)", "", v)
    if v in _NURSERY:
        return YearGroup.NURSERY
    if v in _RECEPTION:
        return YearGroup.RECEPTION
    if re.fullmatch(r"0?[1-6]", v):
        return str(int(v))
    return None


_DMY = re.compile(
    r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")


# Why a date of birth cannot be read: a sentence with the value as written
# (``%(value)s``), translated where it is shown (``_read_row``).
NOT_A_DATE = gettext_noop("The date of birth “%(value)s” is not a date.")
MONTH_FIRST = gettext_noop(
    "The date of birth “%(value)s” has the month first; write dates as day/month/year (dd/mm/yyyy)."
)
NOT_A_DATE_WRITE = gettext_noop(
    "The date of birth “%(value)s” is not a date; write it as dd/mm/yyyy."
)
NO_SUCH_DATE = gettext_noop("The date of birth “%(value)s” is not a date that exists.")


def parse_date(cell: Cell, *, excel_epoch: datetime.datetime | None = None) -> datetime.date:
    """A date of birth as MIS exports write it: dd/mm/yyyy (or with - or .),
    yyyy-mm-dd, '3 Nov 2019', a spreadsheet date, or an Excel serial number
    in a workbook. Raises ValueError with the reason: one of the sentences
    above, in English, with ``%(value)s`` for the value."""
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    if isinstance(cell, bool) or cell is None:
        raise ValueError(NOT_A_DATE)
    if isinstance(cell, int | float):
        if excel_epoch is None or not 1 <= cell < 2958466:
            raise ValueError(NOT_A_DATE)
        from openpyxl.utils.datetime import from_excel

        try:
            value = from_excel(cell, excel_epoch)
        except (ValueError, OverflowError, TypeError):
            raise ValueError(NOT_A_DATE) from None
        if not isinstance(value, datetime.datetime):
            raise ValueError(NOT_A_DATE)
        return value.date()
    text = " ".join(str(cell).split())
    if match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
        if month > 12 and day <= 12:
            raise ValueError(MONTH_FIRST)
    elif match := _YMD.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        for pattern in ("%d %b %Y", "%d %B %Y", "%d-%b-%Y"):
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(NOT_A_DATE_WRITE)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(NO_SUCH_DATE) from None


def cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime | datetime.date):
        return f"{cell:%d/%m/%Y}"
    return str(cell)


# Characters that change which way text runs: invisible, and able to make a
# name display as something else.
_DIRECTION = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _removed_kind(char: str) -> str | None:
    if char == "\x00":
        return "nul"
    if char in _DIRECTION:
        return "direction"
    if _is_invisible(char):
        return "invisible"
    if unicodedata.category(char) in ("Cc", "Cs") and not char.isspace():
        return "control"
    return None


def _removed(kind: str, count: int) -> str:
    """ "removed 2 NUL characters", in the language in use."""
    if kind == "nul":
        text = ngettext(
            "removed %(count)s NUL character", "removed %(count)s NUL characters", count
        )
    elif kind == "direction":
        text = ngettext(
            "removed %(count)s direction-control character",
            "removed %(count)s direction-control characters",
            count,
        )
    elif kind == "invisible":
        text = ngettext(
            "removed %(count)s zero-width or invisible character",
            "removed %(count)s zero-width or invisible characters",
            count,
        )
    else:
        text = ngettext(
            "removed %(count)s control character", "removed %(count)s control characters", count
        )
    return text % {"count": count}


def clean_text(value: str) -> tuple[str, list[str]]:
    """``value`` without NUL, control, zero-width and direction-control
    characters, with runs of spaces (and tabs, line breaks) made one space,
    accents composed (NFC); and what was changed, in words. Spaces at either
    end are trimmed without comment."""
    removed: dict[str, int] = {}
    kept = []
    for char in value:
        kind = _removed_kind(char)
        if kind is None:
            kept.append(char)
        else:
            removed[kind] = removed.get(kind, 0) + 1
    reasons = [_removed(kind, n) for kind, n in removed.items()]
    joined = "".join(kept)
    spaced = " ".join(joined.split())
    if spaced != joined.strip(" "):
        reasons.append(gettext("tidied the spaces"))
    composed = unicodedata.normalize("NFC", spaced)
    if composed != spaced:
        reasons.append(gettext("joined accents to their letters"))
    return composed, reasons


def visible(value: str) -> str:
    """``value`` with every character ``clean_text`` removes or changes
    shown as [U+XXXX], so the preview can show what was there."""
    return "".join(
        f"[U+{ord(c):04X}]"
        if _removed_kind(c) or (c.isspace() and c != " ") or unicodedata.combining(c)
        else c
        for c in value
    )


# --- Columns ----------------------------------------------------------------------------


def saved_columns(school) -> dict[str, str]:
    saved = ImportColumns.objects.filter(school=school).first()
    return dict(saved.columns) if saved else {}


def detect_columns(header: list[str], saved: dict[str, str] | None = None) -> dict[str, int]:
    """Field -> column index. The school's saved choice applies to a file
    that has every column it names; recognised names fill in the rest."""
    normalised = [norm(h) for h in header]
    columns: dict[str, int] = {}
    decided: set[str] = set()
    saved = {f: n for f, n in (saved or {}).items() if f in FIELDS}
    if saved and all(norm(n) in normalised for n in saved.values() if n):
        for name, column in saved.items():
            decided.add(name)
            if column:
                columns[name] = normalised.index(norm(column))
    used = set(columns.values())
    for name, spellings in HEADERS.items():
        if name in decided:
            continue
        for spelling in spellings:
            index = next(
                (i for i, n in enumerate(normalised) if n == spelling and i not in used), None
            )
            if index is not None:
                columns[name] = index
                used.add(index)
                break
    return columns


def missing_columns(columns: dict[str, int]) -> list[str]:
    missing = [str(FIELD_LABELS[f]) for f in REQUIRED if f not in columns]
    if "mis_id" not in columns and "date_of_birth" not in columns:
        missing.append(gettext("UPN or date of birth"))
    return missing


def read(*, school, data: bytes) -> tuple[Table, dict[str, str]]:
    """The file as a table, and the school's saved column choice."""
    saved = saved_columns(school)
    return read_table(data, known_headers=_known_headers(saved), norm=norm), saved


# --- Preview ------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    values: dict  # the pupil's details as they will be after the import
    action: str = ""  # create / update / unchanged / error
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    updates: dict = field(default_factory=dict)  # field -> new value, for an update
    pupil: Pupil | None = None

    @property
    def name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


@dataclass(frozen=True)
class Cleaned:
    """A value the import changed before using it."""

    line: int
    field: str
    before: str
    after: str
    reasons: tuple[str, ...]


@dataclass
class Preview:
    rows: list[Row]
    omitted: list[Pupil]
    columns: dict[str, str]  # field label -> column name used
    column_indexes: dict[str, int] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    source: str = ""
    columns_from: str = ""  # "recognised" / "saved" / "chosen"
    cleaned: list[Cleaned] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[Row]:
        return [r for r in self.rows if r.action == "error"]

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}

    @property
    def without_upn(self) -> int:
        return sum(1 for r in self.rows if r.action != "error" and not r.values.get("mis_id"))

    @property
    def has_dates_of_birth(self) -> bool:
        return "date_of_birth" in self.column_indexes


def capfirst(text: str) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _name_key(first: str, last: str) -> tuple[str, str]:
    return (" ".join(fold(first).split()), " ".join(fold(last).split()))


def _show(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if name == "date_of_birth":
        return f"{value:%d/%m/%Y}"
    return str(value)


def _check_columns(table: Table, columns: dict[str, int]) -> None:
    if any(f not in FIELDS for f in columns):
        raise ImportFileError(gettext("Choose the columns again."))
    if any(not 0 <= i < len(table.header) for i in columns.values()):
        raise ImportFileError(
            gettext("The chosen columns are not in this file; choose them again.")
        )
    if len(set(columns.values())) != len(columns):
        raise ImportFileError(
            gettext("Each column can hold only one detail; choose the columns again.")
        )
    if missing := missing_columns(columns):
        raise ImportFileError(
            gettext("Choose the column for: %(details)s.") % {"details": ", ".join(missing)}
        )


def build_preview(
    *, school, data: bytes, columns: dict[str, int] | None = None, table: Table | None = None
) -> Preview:
    """What importing ``data`` would do to ``school``'s register, row by row.
    ``columns`` (field -> column index) is the office's choice; without it
    the columns are the school's saved choice or the recognised names, and
    ``ColumnsNeeded`` is raised when a required one cannot be told.
    ``table`` is ``data`` already read, to save reading it twice."""
    if table is None:
        table, saved = read(school=school, data=data)
    else:
        saved = saved_columns(school)
    if columns is None:
        columns = detect_columns(table.header, saved)
        columns_from = "saved" if saved and _saved_applies(table.header, saved) else "recognised"
        if missing := missing_columns(columns):
            raise ColumnsNeeded(
                gettext(
                    "The first line of the file must name the columns; no column for: "
                    "%(missing)s. Found: %(found)s. Choose which column is which below, or "
                    "see the recognised column names."
                )
                % {
                    "missing": ", ".join(missing),
                    "found": ", ".join(h for h in table.header if h) or gettext("nothing"),
                },
                table=table,
                columns=columns,
            )
    else:
        _check_columns(table, columns)
        columns_from = "chosen"
    today = school.local_today()
    pupils = list(Pupil.objects.filter(school=school))
    by_upn = {p.mis_id: p for p in pupils if p.mis_id}
    by_name: dict[tuple[str, str], list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        by_name[_name_key(pupil.first_name, pupil.last_name)].append(pupil)

    preview = Preview(
        rows=[],
        omitted=[],
        columns={
            str(FIELD_LABELS[f]): table.header[i]
            or gettext("column %(number)s") % {"number": i + 1}
            for f, i in columns.items()
        },
        column_indexes=dict(columns),
        header=list(table.header),
        source=table.source,
        columns_from=columns_from,
        notes=list(table.notes),
    )
    seen_upn: dict[str, int] = {}
    seen_person: dict[tuple, int] = {}
    claimed: dict[int, int] = {}
    for line, cells in table.rows:
        row = _read_row(line, cells, columns, table, today, preview)
        upn = row.values.get("mis_id", "")
        if upn:
            if upn in seen_upn:
                row.errors.append(
                    gettext("The UPN %(upn)s is also on line %(line)s.")
                    % {"upn": upn, "line": seen_upn[upn]}
                )
            else:
                seen_upn[upn] = line
        elif not row.values.get("date_of_birth") and not row.errors:
            row.errors.append(
                gettext(
                    "There is no UPN and no date of birth: without one of them this pupil "
                    "cannot be told apart from another with the same name. Add the UPN or the "
                    "date of birth."
                )
            )
        if not row.errors and not upn:
            first, last = _name_key(row.values["first_name"], row.values["last_name"])
            person = (first, last, row.values["date_of_birth"])
            if person in seen_person:
                row.errors.append(
                    gettext(
                        "The same name and date of birth, with no UPN, are also on line %(line)s."
                    )
                    % {"line": seen_person[person]}
                )
            else:
                seen_person[person] = line
        if not row.errors:
            _match(row, by_upn, by_name, file_has_preferred="preferred_name" in columns)
        if row.pupil is not None and not row.errors:
            if row.pupil.pk in claimed:
                row.errors.append(
                    gettext(
                        "This is the same pupil as line %(line)s (%(name)s); only one line "
                        "per pupil."
                    )
                    % {"line": claimed[row.pupil.pk], "name": row.pupil.full_name}
                )
            else:
                claimed[row.pupil.pk] = line
        if row.errors:
            row.action = "error"
            row.pupil = None
        elif row.pupil is None:
            row.action = "create"
        else:
            row.action = "update" if row.changes else "unchanged"
        preview.rows.append(row)
    preview.omitted = sorted(
        (p for p in pupils if p.left_on is None and p.pk not in claimed),
        key=lambda p: (p.class_name, p.last_name, p.first_name, p.pk),
    )
    return preview


def _saved_applies(header: list[str], saved: dict[str, str]) -> bool:
    normalised = {norm(h) for h in header}
    return all(norm(n) in normalised for n in saved.values() if n)


def _read_row(line, cells, columns, table, today, preview) -> Row:
    values: dict = {}
    row = Row(line=line, values=values)
    for name, index in columns.items():
        cell = cells[index] if index < len(cells) else None
        if name == "date_of_birth":
            values[name] = cell
            continue
        text, reasons = clean_text(cell_text(cell))
        if reasons:
            preview.cleaned.append(
                Cleaned(
                    line,
                    str(FIELD_LABELS[name]),
                    visible(cell_text(cell).strip()),
                    text,
                    tuple(reasons),
                )
            )
        values[name] = text
    values.setdefault("mis_id", "")
    values.setdefault("preferred_name", "")
    for name in REQUIRED:
        if not values.get(name):
            row.errors.append(
                gettext("The %(detail)s is missing.") % {"detail": FIELD_LABELS[name]}
            )
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            row.errors.append(
                gettext("The %(detail)s is longer than %(limit)s characters.")
                % {"detail": FIELD_LABELS[name], "limit": limit}
            )
    if values.get("year_group"):
        year = parse_year(values["year_group"])
        if year is None:
            row.errors.append(
                gettext(
                    "“%(value)s” is not a primary year group (Nursery, Reception, Year 1 to "
                    "Year 6)."
                )
                % {"value": values["year_group"]}
            )
        else:
            values["year_group"] = year
    dob = values.get("date_of_birth")
    if dob is None or (isinstance(dob, str) and not clean_text(dob)[0]):
        values["date_of_birth"] = None
    else:
        try:
            values["date_of_birth"] = parse_date(dob, excel_epoch=table.excel_epoch)
        except ValueError as error:
            shown = clean_text(cell_text(dob))[0][:40]
            row.errors.append(gettext(str(error)) % {"value": shown})
            values["date_of_birth"] = None
        else:
            if values["date_of_birth"] > today:
                row.errors.append(gettext("The date of birth is in the future."))
            elif values["date_of_birth"].year < 1900:
                row.errors.append(gettext("The date of birth is before 1900."))
    if values["preferred_name"] == values.get("first_name"):
        values["preferred_name"] = ""
    return row


def _match(row: Row, by_upn, by_name, *, file_has_preferred: bool) -> None:
    """Find the pupil on the register this row is: by UPN; without a UPN by
    name and date of birth (or by name alone when the register has no date
    of birth for that pupil yet, which the import then adds)."""
    values = row.values
    upn, dob = values["mis_id"], values["date_of_birth"]
    same_name = by_name.get(_name_key(values["first_name"], values["last_name"]), [])
    pupil = by_upn.get(upn) if upn else None
    if pupil is None:
        with_dob = [p for p in same_name if dob and p.date_of_birth == dob]
        undated = [p for p in same_name if p.date_of_birth is None]
        if upn:
            # A pupil added by hand without a UPN, now in the MIS file with one.
            with_dob = [p for p in with_dob if not p.mis_id]
            undated = []
        if len(with_dob) == 1:
            pupil = with_dob[0]
            row.notes.append(
                later("Matched on name and date of birth: the UPN will be added.")
                if upn
                else later("Matched on name and date of birth (no UPN in the file).")
            )
        elif len(with_dob) > 1:
            row.errors.append(
                gettext(
                    "%(count)s pupils on the register have this name and date of birth; add "
                    "their UPNs to the file so they can be told apart."
                )
                % {"count": len(with_dob)}
            )
            return
        elif len(undated) == 1:
            pupil = undated[0]
            row.notes.append(
                later(
                    "No UPN in the file: matched on name alone, because the register has no "
                    "date of birth for this pupil yet (it will be added). Check this is the "
                    "same child."
                )
            )
        elif len(undated) > 1:
            row.errors.append(
                gettext(
                    "%(count)s pupils on the register have this name and no date of birth; "
                    "add the UPN to the file so they can be told apart."
                )
                % {"count": len(undated)}
            )
            return
        elif not upn:
            row.notes.append(
                later(
                    "No UPN in the file and nobody on the register with this name and date "
                    "of birth: a new pupil."
                )
            )
    row.pupil = pupil
    if pupil is None:
        return
    new = dict(values)
    if not upn:
        new["mis_id"] = pupil.mis_id  # a file without UPNs never removes one
    if new["date_of_birth"] is None:
        new["date_of_birth"] = pupil.date_of_birth  # nor a date of birth
    if not file_has_preferred:
        new["preferred_name"] = pupil.preferred_name
    row.values = new
    for name in COMPARED:
        before = getattr(pupil, name)
        if before != new[name]:
            row.updates[name] = new[name]
            row.changes.append(
                later(
                    "%(detail)s: “%(before)s” → “%(after)s”",
                    detail=CAPITALISED[name],
                    before=_show(name, before),
                    after=_show(name, new[name]),
                )
            )
    if pupil.left_on:
        row.changes.append(later("Back on roll (was marked as left)"))
