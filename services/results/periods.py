"""Reporting periods by label: a year (`2023`), a half-year (`2023-H1`), or years (`2022/2023`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.common.schemas import MAX_YEAR, MIN_YEAR

# ASCII digits only (`\d` also matches other scripts' digits, which int() would accept),
# and years from MIN_YEAR to MAX_YEAR (1900 to 2200), so the OpenAPI pattern says it all.
_YEAR = "(19[0-9]{2}|2[01][0-9]{2}|2200)"
PERIOD_PATTERN = f"^{_YEAR}(-H[12]|/{_YEAR})?$"
HALF_YEAR_PATTERN = f"^{_YEAR}-H[12]$"


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A labelled span of whole days, both ends included."""

    start: date
    end: date
    label: str

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def halves(self) -> list[Period]:
        """The half-years this period spans, in order."""
        return [
            parse_period(f"{year}-H{half}")
            for year in range(self.start.year, self.end.year + 1)
            for half in (1, 2)
            if self.contains(parse_period(f"{year}-H{half}"))
        ]


def parse_period(label: str) -> Period:
    """The period a label names, or ValueError saying which labels are understood."""
    # fullmatch: re.match's $ would let a final newline by.
    if not re.fullmatch(PERIOD_PATTERN, label):
        raise ValueError(f"'{label}' is not a period: use 2023, 2023-H1 or 2022/2023")
    years = [int(year) for year in re.findall("[0-9]{4}", label)]
    if not all(MIN_YEAR <= year <= MAX_YEAR for year in years):
        raise ValueError(f"'{label}': years run from {MIN_YEAR} to {MAX_YEAR}")
    if "-H" in label:
        year, half = int(label[:4]), int(label[-1])
        if half == 1:
            return Period(date(year, 1, 1), date(year, 6, 30), label)
        return Period(date(year, 7, 1), date(year, 12, 31), label)
    first, _, last = label.partition("/")
    end_year = int(last or first)
    if end_year < int(first):
        raise ValueError(f"'{label}': the last year comes before the first")
    return Period(date(int(first), 1, 1), date(end_year, 12, 31), label)


def check_period(label: str) -> str:
    """Pydantic validator: a well-formed period label."""
    parse_period(label)
    return label
