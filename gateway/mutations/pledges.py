"""Mutations on the pledge ledger: pledges and ledger entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, MoneyInput, idempotency, rest_body
from gateway.mutations.outreach import EmploymentTermsInput
from gateway.types.base import precondition, rest_id, rest_ids
from gateway.types.pledges import (
    EntryType,
    FundingMechanism,
    ImplementationStatus,
    LedgerEntry,
    Pledge,
    PledgeKind,
    PledgeStage,
    Visibility,
)
from gateway.types.reports import ProgressUpdate

SERVICE = "pledges"


@strawberry.input(description="A new pledge. Financial and material pledges need an amount.")
class CreatePledgeInput:
    contributor_id: strawberry.ID = strawberry.field(
        description="The pledging organisation (members and partners: their own only)."
    )
    kind: PledgeKind = strawberry.field(description="What the pledge offers.")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    announced_on: date = strawberry.field(description="The date the pledge was announced.")
    description: LocalizedTextInput | None = strawberry.field(
        default=None, description="Description in Spanish and/or English."
    )
    amount: MoneyInput | None = strawberry.field(
        default=None, description="Required for financial and material pledges."
    )
    recipient_countries: list[str] = strawberry.field(
        default_factory=list, description="MIRPS countries (alpha-3) that benefit."
    )
    regional: bool = strawberry.field(default=False, description="True for a region-wide pledge.")
    objective_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Linked action-plan objectives."
    )
    announced_at_event_id: strawberry.ID | None = strawberry.field(
        default=None, description="The event where it was announced."
    )
    funding_mechanism: FundingMechanism | None = strawberry.field(
        default=None, description="How the money flows."
    )
    implementation_status: ImplementationStatus = strawberry.field(
        default=ImplementationStatus.PLANNING, description="Implementation status."
    )
    stage: PledgeStage = strawberry.field(
        default=PledgeStage.ANNOUNCED,
        description="CULTIVATING: not yet announced (announcedOn is the expected date); "
        "announce it with announcePledge.",
    )
    visibility: Visibility = strawberry.field(
        default=Visibility.PUBLIC, description="Who may see the pledge."
    )
    employment: EmploymentTermsInput | None = strawberry.field(
        default=None, description="Employment pledges: who hires, where, how many, how."
    )
    illustrative: bool = strawberry.field(
        default=False, description="True: the figures are invented (demonstration data)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input create one pledge."
    )


@strawberry.input(description="Fields of a pledge to change; fields left out keep their value.")
class UpdatePledgeInput:
    id: strawberry.ID = strawberry.field(description="The pledge.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you read; a newer one on the server is a STALE_VERSION "
        "error. Leave it out to apply the change to the current version.",
    )
    kind: PledgeKind | None = strawberry.field(
        default=strawberry.UNSET, description="New kind; left out, it stays as it is."
    )
    title: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New title; left out, it stays as it is."
    )
    description: LocalizedTextInput | None = strawberry.field(
        default=strawberry.UNSET, description="New description; left out, it stays as it is."
    )
    amount: MoneyInput | None = strawberry.field(
        default=strawberry.UNSET, description="New amount; left out, it stays as it is."
    )
    recipient_countries: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="New recipient countries; left out, it stays as it is.",
    )
    regional: bool | None = strawberry.field(
        default=strawberry.UNSET, description="New regional; left out, it stays as it is."
    )
    objective_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="New objective ids; left out, it stays as it is."
    )
    announced_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="New announced on; left out, it stays as it is."
    )
    announced_at_event_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="New announced at event id; left out, it stays as it is.",
    )
    funding_mechanism: FundingMechanism | None = strawberry.field(
        default=strawberry.UNSET, description="New funding mechanism; left out, it stays as it is."
    )
    implementation_status: ImplementationStatus | None = strawberry.field(
        default=strawberry.UNSET,
        description="New implementation status; left out, it stays as it is.",
    )
    visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET, description="New visibility; left out, it stays as it is."
    )
    employment: EmploymentTermsInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="New hiring terms (employment pledges); left out, they stay as they are.",
    )
    illustrative: bool | None = strawberry.field(
        default=strawberry.UNSET, description="New illustrative flag; left out, it stays."
    )


@strawberry.input(description="Withdraw a pledge: its undisbursed remainder stops counting.")
class WithdrawPledgeInput:
    id: strawberry.ID = strawberry.field(description="The pledge.")
    reason: str = strawberry.field(description="Why it is withdrawn.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you read (STALE_VERSION when it changed); leave it out to "
        "withdraw the pledge as it is now.",
    )


@strawberry.input(description="A figure of a progress update, e.g. people_hired: 120.")
class ProgressFigureInput:
    label: str = strawberry.field(description="What is counted (lower_snake_case).")
    value: Decimal = strawberry.field(description="The figure, as a decimal string.")


@strawberry.input(description="A dated narrative update on an announced pledge's progress.")
class AddProgressUpdateInput:
    pledge_id: strawberry.ID = strawberry.field(description="The pledge.")
    reported_on: date = strawberry.field(description="The day it reports on.")
    narrative: LocalizedTextInput = strawberry.field(
        description="What was done, in Spanish and/or English."
    )
    figures: list[ProgressFigureInput] = strawberry.field(
        default_factory=list, description="Optional figures (at most 20)."
    )


@strawberry.type(description="The progress update recorded.")
class AddProgressUpdatePayload:
    progress_update: ProgressUpdate = strawberry.field(description="The new update.")


@strawberry.input(description="Announce a cultivating pledge at an event, on a date.")
class AnnouncePledgeInput:
    id: strawberry.ID = strawberry.field(description="The cultivating pledge.")
    announced_on: date = strawberry.field(description="The day it is announced.")
    announced_at_event_id: strawberry.ID | None = strawberry.field(
        default=None, description="The event where it is announced (e.g. the GRF)."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version you read (STALE_VERSION when it changed); leave it out to "
        "announce the pledge as it is now.",
    )


@strawberry.input(
    description="A ledger movement on a pledge. A reversal names the entry it cancels and "
    "needs no amount."
)
class RecordLedgerEntryInput:
    pledge_id: strawberry.ID = strawberry.field(description="The pledge.")
    entry_type: EntryType = strawberry.field(description="What the entry records.")
    value_date: date = strawberry.field(description="Fixes the exchange rate used.")
    amount: MoneyInput | None = strawberry.field(
        default=None, description="Required except for reversals."
    )
    recipient_country: str | None = strawberry.field(
        default=None, description="Receiving MIRPS country; required except for reversals."
    )
    objective_id: strawberry.ID | None = strawberry.field(
        default=None, description="The objective it funds, if any."
    )
    reverses_entry_id: str | None = strawberry.field(
        default=None, description="For a reversal: the REST id of the entry it cancels."
    )
    external_reference: str | None = strawberry.field(
        default=None, description="The contributor's reference."
    )
    note: str | None = strawberry.field(default=None, description="Free note (not public).")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and input record one entry."
    )


@strawberry.type(description="The pledge created.")
class CreatePledgePayload:
    pledge: Pledge = strawberry.field(description="The new pledge.")


@strawberry.type(description="The pledge after the update.")
class UpdatePledgePayload:
    pledge: Pledge = strawberry.field(description="The updated pledge.")


@strawberry.type(description="The pledge after its withdrawal.")
class WithdrawPledgePayload:
    pledge: Pledge = strawberry.field(description="The withdrawn pledge.")


@strawberry.type(description="The pledge after its announcement.")
class AnnouncePledgePayload:
    pledge: Pledge = strawberry.field(description="The announced pledge.")


@strawberry.type(description="The entry recorded, and its pledge with the new balances.")
class RecordLedgerEntryPayload:
    entry: LedgerEntry = strawberry.field(description="The new ledger entry.")

    @strawberry.field(description="The pledge, read again after the entry (new balances).")
    async def pledge(self, info: Info) -> Pledge | None:
        record = await info.context.upstream.get(
            SERVICE, f"/v1/pledges/{self.entry.pledge_rest_id}"
        )
        return Pledge.from_rest(record)


def _pledge_links(body: dict[str, object]) -> dict[str, object]:
    """Global ids in a pledge body turned into the REST ids the service expects."""
    if "contributor_id" in body:
        body["contributor_id"] = rest_id(str(body["contributor_id"]), "Organisation")
    objective_ids = body.get("objective_ids")
    if isinstance(objective_ids, list):
        body["objective_ids"] = rest_ids(
            [str(value) for value in objective_ids], "Objective", "objectiveIds"
        )
    employment = body.get("employment")
    if isinstance(employment, dict):
        employment["company_ids"] = rest_ids(
            [str(value) for value in employment["company_ids"]],
            "Organisation",
            "employment.companyIds",
        )
    if "announced_at_event_id" in body:
        value = body.pop("announced_at_event_id")
        body["announced_at"] = (
            None if value is None else rest_id(str(value), "Event", "announcedAtEventId")
        )
    return body


@strawberry.type
class PledgeMutations:
    @strawberry.mutation(description="Create a pledge (secretariat, or a member for its own org).")
    async def create_pledge(
        self,
        info: Info,
        input: Annotated[
            CreatePledgeInput,
            strawberry.argument(
                description="A new pledge. Financial and material pledges need an amount."
            ),
        ],
    ) -> CreatePledgePayload:
        body = _pledge_links(rest_body(input, skip=frozenset({"idempotency_key"})))
        record = await info.context.upstream.send(
            SERVICE, "POST", "/v1/pledges", body, headers=idempotency(input.idempotency_key)
        )
        return CreatePledgePayload(pledge=Pledge.from_rest(record))

    @strawberry.mutation(description="Change a pledge's fields (its contributor cannot change).")
    async def update_pledge(
        self,
        info: Info,
        input: Annotated[
            UpdatePledgeInput,
            strawberry.argument(
                description="Fields of a pledge to change; fields left out keep their value."
            ),
        ],
    ) -> UpdatePledgePayload:
        key = rest_id(input.id, "Pledge")
        body = _pledge_links(rest_body(input, skip=frozenset({"id", "expected_version"})))
        path = f"/v1/pledges/{key}"
        headers = precondition(input.expected_version)
        record = await info.context.upstream.send(SERVICE, "PATCH", path, body, headers=headers)
        return UpdatePledgePayload(pledge=Pledge.from_rest(record))

    @strawberry.mutation(description="Withdraw a pledge, with the reason.")
    async def withdraw_pledge(
        self,
        info: Info,
        input: Annotated[
            WithdrawPledgeInput,
            strawberry.argument(
                description="Withdraw a pledge: its undisbursed remainder stops counting."
            ),
        ],
    ) -> WithdrawPledgePayload:
        key = rest_id(input.id, "Pledge")
        headers = precondition(input.expected_version)
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/pledges/{key}/withdrawal",
            {"reason": input.reason},
            headers=headers,
        )
        return WithdrawPledgePayload(pledge=Pledge.from_rest(record))

    @strawberry.mutation(
        description="Announce a cultivating pledge (it then counts in reports); a withdrawn "
        "or already announced pledge is a conflict."
    )
    async def announce_pledge(
        self,
        info: Info,
        input: Annotated[
            AnnouncePledgeInput,
            strawberry.argument(
                description="Announce a pledge that was being cultivated, at an event and date."
            ),
        ],
    ) -> AnnouncePledgePayload:
        key = rest_id(input.id, "Pledge")
        body = _pledge_links(rest_body(input, skip=frozenset({"id", "expected_version"})))
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/pledges/{key}/announce",
            body,
            headers=precondition(input.expected_version),
        )
        return AnnouncePledgePayload(pledge=Pledge.from_rest(record))

    @strawberry.mutation(
        description="Report progress on an announced pledge (whoever may write the pledge)."
    )
    async def add_progress_update(
        self,
        info: Info,
        input: Annotated[
            AddProgressUpdateInput,
            strawberry.argument(description="A dated narrative update on an announced pledge."),
        ],
    ) -> AddProgressUpdatePayload:
        key = rest_id(input.pledge_id, "Pledge", "pledgeId")
        body = {
            "reported_on": input.reported_on.isoformat(),
            "narrative": rest_body(input.narrative),
            "figures": {figure.label: str(figure.value) for figure in input.figures},
        }
        record = await info.context.upstream.send(
            SERVICE, "POST", f"/v1/pledges/{key}/updates", body
        )
        return AddProgressUpdatePayload(progress_update=ProgressUpdate.from_rest(record))

    @strawberry.mutation(
        description="Record a commitment, disbursement, expenditure or reversal on a pledge."
    )
    async def record_ledger_entry(
        self,
        info: Info,
        input: Annotated[
            RecordLedgerEntryInput,
            strawberry.argument(
                description="A ledger movement on a pledge. A reversal names the entry it "
                "cancels and needs no amount."
            ),
        ],
    ) -> RecordLedgerEntryPayload:
        key = rest_id(input.pledge_id, "Pledge", "pledgeId")
        body = rest_body(input, skip=frozenset({"pledge_id", "idempotency_key"}))
        if body.get("objective_id") is not None:
            body["objective_id"] = rest_id(str(body["objective_id"]), "Objective", "objectiveId")
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            f"/v1/pledges/{key}/entries",
            body,
            headers=idempotency(input.idempotency_key),
        )
        return RecordLedgerEntryPayload(entry=LedgerEntry.from_rest(record))
