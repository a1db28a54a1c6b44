"""CSV files Patrol writes for a spreadsheet: UTF-8 that Excel reads, formulas defused.

Every export (the asset register, the reports' inspections and faults) is written here, so
each is opened safely the same way; what goes in the rows is each area's.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

# A spreadsheet runs a cell that starts like a formula; a leading apostrophe defuses it.
# OWASP's list (=, +, -, @, tab, carriage return, and NUL from its verification standard),
# a line feed, and the full-width forms a Chinese input method types, which Excel reads
# as their ASCII twins. Cells that start with an apostrophe get one more, so the import
# can undo it exactly.
DEFUSED_STARTS = (
    "=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠", "'"
)
CHUNK_CHARS = 64 * 1024


def streamed_response(rows: Iterable[Iterable], filename: str) -> Response:
    """A CSV download made while it is sent: a large file is never whole in memory."""
    pieces = (piece.encode("utf-8") for piece in csv_text(rows))
    return Response(
        stream_with_context(pieces),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_text(rows: Iterable[Iterable]) -> Iterator[str]:
    """CSV text in pieces of about CHUNK_CHARS, BOM first, every text cell defused.

    The BOM tells Excel the file is UTF-8; without it Chinese opens as mojibake. Numbers are
    written as they are: they cannot be formulas, and a negative reading must stay a number.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow(
            defuse(value) if isinstance(value, str) else ("" if value is None else value)
            for value in row
        )
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def defuse(value: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text."""
    return "'" + value if value.startswith(DEFUSED_STARTS) else value


def undefuse(value: str) -> str:
    """A cell as it was before defuse, for an import of what Patrol exported."""
    if value.startswith("'") and value[1:].startswith(DEFUSED_STARTS):
        return value[1:]
    return value
