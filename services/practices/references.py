"""The records of other services a practice names: its implementing organisations (pledges
service's directory)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.common.references import PLEDGES_FEED, Reference, References
from services.practices.models import KnownReference, Practice, ReferenceCheckpoint

references = References(KnownReference, ReferenceCheckpoint, (PLEDGES_FEED,))


def implementer_references(organisations: Sequence[dict[str, Any]] | None) -> list[Reference]:
    """The directory ids among implementing organisations (one named only is not checked)."""
    return [
        Reference(f"implementing_organisations[{i}].id", "organisation", organisation["id"])
        for i, organisation in enumerate(organisations or [])
        if organisation.get("id") is not None
    ]


def of_practice(practice: Practice) -> list[Reference]:
    return implementer_references(practice.implementing_organisations)
