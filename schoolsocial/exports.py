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


# Lines sent together: one chunk of the response per this many rows, so a
# long export is neither held in memory nor sent a line at a time.
CHUNK_ROWS = 1000


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The file in chunks of whole lines, the first led by the byte-order mark."""
    writer = csv.writer(_Echo())
    chunk = [EXCEL_BOM + writer.writerow([csv_safe(v) for v in header])]
    for row in rows:
        chunk.append(writer.writerow([csv_safe(v) for v in row]))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


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
