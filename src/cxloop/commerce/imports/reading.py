"""Reading a platform's CSV export as a stream of rows keyed by column.

    with open_export(file, columns=COLUMNS, required=REQUIRED, kind="customers") as export:
        for row in export.rows:          # Row(line=2, values={"email": "a@example.pl", ...})
            row["email"]

`file` may be binary (decoded as UTF-8, with or without a BOM) or text.
Headers match case- and space-insensitively, and each column may have
several names (current and legacy exports). The file is read twice — once
to count the rows (so a progress bar knows its total, and a file that is
not UTF-8 or not CSV fails before anything is imported), once to import —
and never held in memory as a whole.
"""

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput

SPOOL_IN_MEMORY = 16 * 1024 * 1024  # a non-seekable upload larger than this goes to disk


@dataclass
class Row:
    """One CSV record: the line it starts on (header = 1) and its values by column key."""

    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Export:
    rows: Iterator[Row]
    total: int


@contextmanager
def open_export(file, *, columns: dict[str, tuple[str, ...]], required: tuple[str, ...], kind: str):
    """Yield an `Export` of the file's rows; raise InvalidInput before any row if it is unusable.

    `columns` maps a key to the header names it may have; a `required` key
    whose column is missing makes the file "not a Shopify <kind> export".
    """
    with _seekable(file) as stream:
        start = stream.tell()
        total = _count_rows(stream)
        stream.seek(start)
        with _as_text(stream) as text:
            reader = csv.reader(text)
            header = next(reader, None) or []
            index = _column_index(header, columns, required, kind)
            yield Export(rows=_rows(reader, index), total=total)


@contextmanager
def _seekable(file):
    if _is_seekable(file):
        yield file
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b") as spool:
        while chunk := file.read(1024 * 1024):
            spool.write(chunk.encode() if isinstance(chunk, str) else chunk)
        spool.seek(0)
        yield spool


def _is_seekable(file) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, ValueError, OSError):
        return False


@contextmanager
def _as_text(stream):
    if isinstance(stream.read(0), str):
        yield stream
        return
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()  # the caller owns (and closes) the file


def _count_rows(stream) -> int:
    with _as_text(stream) as text:
        try:
            records = sum(1 for values in csv.reader(text) if _has_content(values))
        except UnicodeDecodeError:
            raise InvalidInput(
                _(
                    "The file is not UTF-8 text. Export it from Shopify again, or save it as "
                    "CSV UTF-8 from your spreadsheet."
                ),
                field="file",
            ) from None
        except csv.Error as error:
            message = _("The file is not a readable CSV file: %(error)s.") % {"error": error}
            raise InvalidInput(message, field="file") from None
    return max(records - 1, 0)


def _has_content(values: list[str]) -> bool:
    return any(value.strip() for value in values)


def normalise_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def _column_index(header, columns, required, kind) -> dict[str, int]:
    positions = {}
    for i, name in enumerate(header):
        positions.setdefault(normalise_header(name), i)
    index = {}
    for key, names in columns.items():
        found = [positions[n] for n in map(normalise_header, names) if n in positions]
        if found:
            index[key] = found[0]
    missing = [columns[key][0] for key in required if key not in index]
    if missing:
        message = _(
            "This is not a Shopify %(kind)s export: the column(s) %(columns)s are missing. "
            "Nothing was imported."
        ) % {"kind": _kind_name(kind), "columns": ", ".join(missing)}
        raise InvalidInput(message, field="file")
    return index


def _kind_name(kind: str) -> str:
    return {"customers": _("customers"), "orders": _("orders")}.get(kind, kind)


def _rows(reader, index: dict[str, int]) -> Iterator[Row]:
    last_line = reader.line_num
    for values in reader:
        line, last_line = last_line + 1, reader.line_num
        if not _has_content(values):
            continue
        yield Row(line, {key: values[i] if i < len(values) else "" for key, i in index.items()})
