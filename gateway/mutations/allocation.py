"""Stating where a pledge's amount is meant to go: its allocation lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import rest_value
from gateway.types.base import precondition, rest_id
from gateway.types.pledges import Pledge

SERVICE = "pledges"


@strawberry.input(
    description="Part of a pledge's amount meant for a country and/or one of its objectives, "
    "in the pledge's currency: an amount or a share (all lines alike)."
)
class AllocationLineInput:
    country: str | None = strawberry.field(
        default=None,
        description="A recipient MIRPS country (alpha-3); implied by the objective if given.",
    )
    objective_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the pledge's linked objectives (global or REST id)."
    )
    amount: Decimal | None = strawberry.field(
        default=None,
        description='In the pledge\'s currency, as a decimal string, e.g. "3000000.00"; the '
        "lines' amounts sum to the pledge's amount.",
    )
    share: Decimal | None = strawberry.field(
        default=None,
        description='A share of the pledge above 0 and at most 1, e.g. "0.75"; the lines\' '
        "shares sum to 1.",
    )


@strawberry.input(description="A pledge's new allocation lines.")
class AllocatePledgeInput:
    pledge_id: strawberry.ID = strawberry.field(description="The pledge (global or REST id).")
    lines: list[AllocationLineInput] | None = strawberry.field(
        description="The lines (at most 50). Null or empty: back to the equal split over the "
        "linked objectives, else over the recipient countries."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you read (STALE_VERSION when it changed); leave it out to "
        "change the pledge as it is now.",
    )


@strawberry.type(description="The pledge with its new allocation.")
class AllocatePledgePayload:
    pledge: Pledge = strawberry.field(description="The pledge as stored, lines included.")


def _line(line: AllocationLineInput, index: int) -> dict[str, object]:
    body: dict[str, object] = {}
    for name in ("country", "amount", "share"):
        value = getattr(line, name)
        if value is not None:
            body[name] = rest_value(value)
    if line.objective_id is not None:
        body["objective_id"] = rest_id(
            line.objective_id, "Objective", f"input.lines.{index}.objectiveId"
        )
    return body


@strawberry.type
class AllocationMutations:
    @strawberry.mutation(
        description="State a pledge's allocation lines (the secretariat or the contributor's "
        "members and partners). A line may not be allocated less than it has committed "
        "(CONFLICT naming the line)."
    )
    async def allocate_pledge(
        self,
        info: Info,
        input: Annotated[
            AllocatePledgeInput,
            strawberry.argument(description="The pledge and its new allocation lines."),
        ],
    ) -> AllocatePledgePayload:
        key = rest_id(input.pledge_id, "Pledge", "input.pledgeId")
        lines = (
            None if input.lines is None else [_line(line, i) for i, line in enumerate(input.lines)]
        )
        record = await info.context.upstream.send(
            SERVICE,
            "PUT",
            f"/v1/pledges/{key}/allocation",
            {"lines": lines},
            headers=precondition(input.expected_version),
        )
        return AllocatePledgePayload(pledge=Pledge.from_rest(record))
