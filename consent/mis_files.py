"""Reading the file an office exports from its MIS into rows of cells: CSV
in UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark
or a plain single-byte (Windows-1252) encoding, or an Excel ``.xlsx``
workbook (openpyxl). CR, LF and CRLF line ends all work.

An encoding is never guessed: a file that is not valid UTF-8 is read as
Windows-1252 only when none of it is UTF-8, so a UTF-8 file with one stray
Windows-1252 byte is refused with the line of that byte instead of having
every accented name turned into mojibake ("Zoë" into "ZoÃ«").

Everything wrong with a file is an ``ImportFileError`` with a message for
the office; nothing here raises anything else for any input.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy

from schoolsocial.language import later

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
MAX_COLUMNS = 200
# A 2 MB .xlsx can unpack to far more; a pupil list of 3,000 rows is a few MB.
MAX_XLSX_UNPACKED = 60 * 1024 * 1024
# Lines above the column names that may be skipped (a report title, a date).
HEADER_SEARCH_ROWS = 10

Cell = str | int | float | bool | datetime.date | datetime.datetime | datetime.time | None

UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS_UTF8 = gettext_lazy(
    "In Excel choose File → Save As → “CSV UTF-8 (Comma delimited)” and upload that."
)

# A valid UTF-8 sequence of two to four bytes. A file with one of these and a
# byte that is not UTF-8 mixes two encodings.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]"
    rb"|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}"
    rb"|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class Table:
    """The rows of the file, with the line (CSV) or row (Excel) each came from."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[Cell]]]
    source: str  # "CSV (UTF-8)", "Excel workbook, sheet “Pupils”"
    excel_epoch: datetime.datetime | None = None
    notes: list[str] = field(default_factory=list)


def _line_of(text_before: str) -> int:
    return len(_LINE_BREAK.findall(text_before)) + 1


def _decode_utf16(body: bytes, codec: str) -> str:
    try:
        return body.decode(codec)
    except UnicodeDecodeError as error:
        line = _line_of(body[: error.start - error.start % 2].decode(codec, errors="replace"))
        raise ImportFileError(
            gettext(
                "Line %(line)s is not valid UTF-16 text, although the file starts as UTF-16. "
                "Nothing was imported."
            )
            % {"line": line}
            + f" {SAVE_AS_UTF8}"
        ) from None


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise ImportFileError(
            gettext("The file is in UTF-32, which is not accepted.") + f" {SAVE_AS_UTF8}"
        )
    if data.startswith(b"\xff\xfe"):
        return _decode_utf16(data[2:], "utf-16-le"), "UTF-16"
    if data.startswith(b"\xfe\xff"):
        return _decode_utf16(data[2:], "utf-16-be"), "UTF-16"
    body = data[3:] if data.startswith(UTF8_BOM) else data
    if body.count(0) * 4 > len(body):
        # A NUL in a cell is removed later; a file a quarter NULs is UTF-16
        # whose byte order is not stated.
        raise ImportFileError(
            gettext(
                "The file looks like UTF-16 (“Unicode text”) saved without a byte-order mark, "
                "so its encoding cannot be told for sure."
            )
            + f" {SAVE_AS_UTF8}"
        )
    try:
        return body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        line = _line_of(body[: error.start].decode("utf-8"))
        bad = body[error.start : error.start + 1].hex().upper()
        if data.startswith(UTF8_BOM) or _UTF8_MULTIBYTE.search(body):
            raise ImportFileError(
                gettext(
                    "Line %(line)s is not valid UTF-8 text (byte %(byte)s), but other lines "
                    "are: the file mixes two text encodings, often because a name was pasted "
                    "in from another program. Nothing was imported, so no name is read "
                    "wrongly. Retype the accented letters and punctuation on line %(line)s."
                )
                % {"line": line, "byte": bad}
                + f" {SAVE_AS_UTF8}"
            ) from None
    # Not UTF-8 anywhere: a plain single-byte file, as older Windows programs save.
    try:
        return body.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        line = _line_of(body[: error.start].decode("cp1252"))
        bad = body[error.start : error.start + 1].hex().upper()
        raise ImportFileError(
            gettext(
                "Line %(line)s has a byte (%(byte)s) that is neither UTF-8 nor Windows-1252 "
                "text, so the file's encoding cannot be read. Nothing was imported."
            )
            % {"line": line, "byte": bad}
            + f" {SAVE_AS_UTF8}"
        ) from None


def _delimiter(text: str) -> str:
    for line in _LINE_BREAK.split(text[:65536]):
        if line.strip():
            counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
            best = max(counts, key=counts.get)
            return best if counts[best] else ","
    return ","


def _read_csv(data: bytes) -> tuple[list[tuple[int, list[Cell]]], str]:
    text, encoding = decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    rows: list[tuple[int, list[Cell]]] = []
    end_of_last = 0
    try:
        for record in reader:
            start, end_of_last = end_of_last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                rows.append((start, list(record[:MAX_COLUMNS])))
                if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    break
    except csv.Error as error:
        raise ImportFileError(
            gettext("Line %(line)s cannot be read as CSV (%(error)s). Nothing was imported.")
            % {"line": reader.line_num, "error": error}
        ) from None
    return rows, later("CSV (%(encoding)s)", encoding=encoding)


def _read_xlsx(data: bytes) -> tuple[list[tuple[int, list[Cell]]], str, datetime.datetime]:
    not_workbook = ImportFileError(
        gettext(
            "The file could not be read as an Excel workbook (.xlsx). Open it in Excel and "
            "save it again as “Excel Workbook (.xlsx)” or as “CSV UTF-8”."
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_workbook from None
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            gettext(
                "This is a zip file but not an Excel workbook (.xlsx): an OpenDocument (.ods) "
                "or Numbers file must be saved as .xlsx or CSV first."
            )
        )
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(gettext("The workbook is too large; export only the pupil list."))
    import openpyxl  # imported here: only Excel uploads need it

    workbook = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active or workbook.worksheets[0]
        rows: list[tuple[int, list[Cell]]] = []
        limit = MAX_ROWS + HEADER_SEARCH_ROWS + 1
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, max_row=100_000, values_only=True), start=1
        ):
            cells = list(values)
            if any(not (c is None or (isinstance(c, str) and not c.strip())) for c in cells):
                rows.append((number, cells))
                if len(rows) > limit:
                    break
        title = sheet.title
        epoch = workbook.epoch
    # openpyxl raises many kinds of error on a damaged or hostile workbook
    # (KeyError, TypeError, XML errors, ...); each means "cannot be read".
    except Exception:  # noqa: BLE001
        raise not_workbook from None
    finally:
        if workbook is not None:
            workbook.close()
    return rows, later("Excel workbook, sheet “%(sheet)s”", sheet=title), epoch


def read_table(data: bytes, *, known_headers: frozenset[str], norm) -> Table:
    """The file's rows under its column names. The column names are the
    first row naming at least two known columns among the first few rows (a
    report title above them is skipped), else the first row."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(gettext("The file is larger than 2 MB; export only the pupil list."))
    if not data.strip(b" \t\r\n\x00"):
        raise ImportFileError(gettext("The file is empty."))
    epoch = None
    if data.startswith(b"PK\x03\x04"):
        rows, source, epoch = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            gettext(
                "This is an old-style Excel file (.xls). Open it in Excel and save it as "
                "“Excel Workbook (.xlsx)” or “CSV UTF-8”, then upload that."
            )
        )
    else:
        rows, source = _read_csv(data)
    if not rows:
        raise ImportFileError(gettext("The file is empty."))
    header_at = 0
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {norm(_header_text(c)) for c in cells}
        if len(names & known_headers) >= 2:
            header_at = index
            break
    header_line, header_cells = rows[header_at]
    body = rows[header_at + 1 :]
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            gettext("The file has more than %(count)s pupils.") % {"count": MAX_ROWS}
        )
    if not body:
        raise ImportFileError(gettext("The file has column names but no pupils."))
    table = Table(
        header=[_header_text(c) for c in header_cells],
        header_line=header_line,
        rows=body,
        source=source,
        excel_epoch=epoch,
    )
    if header_at:
        table.notes.append(
            gettext(
                "The column names were found on line %(line)s; the line above them was skipped."
            )
            % {"line": header_line}
            if header_at == 1
            else gettext(
                "The column names were found on line %(line)s; the lines above them were skipped."
            )
            % {"line": header_line}
        )
    return table


def _header_text(cell: Cell) -> str:
    if cell is None:
        return ""
    return " ".join(str(cell).replace("\x00", "").split())
