"""Described argument types, shared by the fields that take the same filters."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

CountryArg = Annotated[
    str | None, strawberry.argument(description="ISO 3166-1 alpha-3 code, e.g. GTM.")
]
CountriesArg = Annotated[
    list[str] | None,
    strawberry.argument(description="ISO 3166-1 alpha-3 codes; any of them matches."),
]
ThemeArg = Annotated[
    str | None, strawberry.argument(description="Theme code (see `themes`), e.g. education.")
]
ThemesArg = Annotated[
    list[str] | None, strawberry.argument(description="Theme codes; any of them matches.")
]
PillarArg = Annotated[
    str | None, strawberry.argument(description="MIRPS pillar code (see `pillars`).")
]
PillarsArg = Annotated[
    list[str] | None, strawberry.argument(description="Pillar codes; any of them matches.")
]
IdArg = Annotated[
    strawberry.ID, strawberry.argument(description="Global id, or the object's REST id.")
]
NodeIdArg = Annotated[
    strawberry.ID,
    strawberry.argument(
        description="Global id (the `id` of any Node), or an object's REST id (`restId`, a "
        "UUID): looked up in every type, answered when exactly one object has it (a "
        "BAD_USER_INPUT listing the types if several do, null if none)."
    ),
]
DateFromArg = Annotated[
    date | None, strawberry.argument(description="Flows on or after this date.")
]
DateToArg = Annotated[date | None, strawberry.argument(description="Flows on or before this date.")]
StartsFromArg = Annotated[
    date | None, strawberry.argument(description="Only events still running on or after this date.")
]
StartsToArg = Annotated[
    date | None, strawberry.argument(description="Only events starting before this date.")
]
QueryTextArg = Annotated[
    str | None,
    strawberry.argument(description="Words to find, in Spanish or English (accents ignored)."),
]
