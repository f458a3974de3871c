"""CSV downloads that open correctly in Excel: UTF-8 with a byte-order mark
(without it Excel on Windows reads "Siân" as "SiÃ¢n"), CRLF line ends, and
no cell that a spreadsheet would run as a formula. Every export goes through
``csv_response``."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

# Excel takes a file as UTF-8 only when it starts with the byte-order mark.
EXCEL_BOM = "\ufeff"


def csv_safe(value) -> str:
    """A cell starting with = + - @ (or a tab/CR) would run as a formula in a
    spreadsheet: prefix it with an apostrophe."""
    value = "" if value is None else str(value)
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The lines of the file, the first one led by the byte-order mark."""
    writer = csv.writer(_Echo())
    yield EXCEL_BOM + writer.writerow([csv_safe(v) for v in header])
    for row in rows:
        yield writer.writerow([csv_safe(v) for v in row])


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A CSV download, streamed so a long export does not sit in memory."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
