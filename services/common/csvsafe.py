"""CSV that is safe to open in a spreadsheet: one rule for every CSV the platform emits.

A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel, LibreOffice and Google Sheets (CSV/formula injection); such a cell is prefixed with
`'`, which the spreadsheet shows as text. Numbers (`-12.50`) stay numbers. Importing a
file the platform exported takes the `'` off again (`restore`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fastapi import Response

FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 CSV as the local code page unless it starts with a byte order mark.
UTF8_BOM = "\ufeff"


def neutralise(cell: str) -> str:
    """A cell safe to open in a spreadsheet: numbers stay numbers, formula-like text gets a '."""
    if not cell.startswith(FORMULA_LEADERS):
        return cell
    try:
        Decimal(cell)
    except InvalidOperation:
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The text `neutralise` was given: a `'` before a formula leader is taken off."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_LEADERS):
        return cell[1:]
    return cell


def _safe(cell: Any) -> Any:
    return neutralise(cell) if isinstance(cell, str) else cell


class SafeWriter:
    """`csv.writer` whose every text cell is neutralised."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_safe(cell) for cell in row])


if TYPE_CHECKING:
    _DictWriter = csv.DictWriter[str]
else:  # not subscriptable at runtime before Python 3.12
    _DictWriter = csv.DictWriter


class SafeDictWriter(_DictWriter):
    """`csv.DictWriter` whose every text cell is neutralised."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: _safe(value) for key, value in rowdict.items()})


def with_bom(text: str, *, bom: bool) -> str:
    """The CSV text, with a UTF-8 byte order mark first when `bom` (for spreadsheet users)."""
    return UTF8_BOM + text if bom else text


def csv_attachment(text: str, filename: str, *, bom: bool) -> Response:
    """A CSV export as a download named `filename`, with the optional byte order mark."""
    return Response(
        with_bom(text, bom=bom),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
