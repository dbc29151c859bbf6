"""CSV export of pledges and ledger entries, and the import that takes the same CSV back.

One layout serves both: a `record_type` column (`pledge` or `entry`) and the union of
their fields; lists (recipient countries, objective ids) are `;`-separated. An import
runs every row through the same service functions as the API — same authorisation,
same ledger rules — each in its own savepoint, so every bad row is reported; a file
with any bad row writes nothing, and `dry_run` writes nothing in any case. Pledges
marked withdrawn are withdrawn after all rows are in, so their entries import first.
Ids in the file are kept (so entries can name pledges of the same file); an id that
already exists is an error for that row.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import DomainError
from services.pledges import repository, service
from services.pledges.exceptions import InvalidFile
from services.pledges.models import LedgerEntry, Pledge, PledgeStage
from services.pledges.repository import PledgeFilters
from services.pledges.schemas import BulkResult, EntryCreate, PledgeCreate, RowError, Withdrawal

COLUMNS = (
    "record_type",
    "id",
    "pledge_id",
    "contributor_id",
    "kind",
    "title_es",
    "title_en",
    "description_es",
    "description_en",
    "amount",
    "currency",
    "recipient_countries",
    "regional",
    "objective_ids",
    "announced_on",
    "announced_at",
    "funding_mechanism",
    "implementation_status",
    "visibility",
    "withdrawn",
    "withdrawal_reason",
    "entry_type",
    "value_date",
    "recipient_country",
    "objective_id",
    "reverses_entry_id",
    "external_reference",
    "note",
)
CHUNK = 1000


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    return out, writer


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def export_pledges(session: AsyncSession, principal: Principal | None) -> str:
    """Every announced pledge the caller may see, as CSV rows of record_type `pledge`
    (cultivating pledges are in no export)."""
    announced = PledgeFilters(stage=PledgeStage.ANNOUNCED.value)
    pledges = list(
        await session.scalars(
            repository.pledges_query(principal, announced).order_by(Pledge.created_at, Pledge.id)
        )
    )
    out, writer = _writer()
    for chunk in _chunks(pledges):
        countries, objectives = await repository.pledge_links(session, [p.id for p in chunk])
        for pledge in chunk:
            writer.writerow(
                {
                    "record_type": "pledge",
                    "id": pledge.id,
                    "contributor_id": pledge.contributor_id,
                    "kind": pledge.kind,
                    "title_es": _text(pledge.title_es),
                    "title_en": _text(pledge.title_en),
                    "description_es": _text(pledge.description_es),
                    "description_en": _text(pledge.description_en),
                    "amount": _text(pledge.amount),
                    "currency": _text(pledge.currency),
                    "recipient_countries": ";".join(countries[pledge.id]),
                    "regional": _text(pledge.regional),
                    "objective_ids": ";".join(str(o) for o in objectives[pledge.id]),
                    "announced_on": pledge.announced_on,
                    "announced_at": _text(pledge.announced_at),
                    "funding_mechanism": _text(pledge.funding_mechanism),
                    "implementation_status": pledge.implementation_status,
                    "visibility": pledge.visibility,
                    "withdrawn": _text(pledge.withdrawn_at is not None),
                    "withdrawal_reason": _text(pledge.withdrawal_reason),
                }
            )
    return out.getvalue()


async def export_entries(session: AsyncSession, principal: Principal | None) -> str:
    """Every ledger entry of the pledges the caller may see (notes only for parties)."""
    visible = repository.pledges_query(principal, PledgeFilters()).subquery()
    rows = (
        (
            await session.execute(
                select(LedgerEntry)
                .join(visible, visible.c.id == LedgerEntry.pledge_id)
                .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
            )
        )
        .scalars()
        .all()
    )
    out, writer = _writer()
    # The same rule as list_entries/get_entry: notes only for parties to the pledge.
    party: dict[uuid.UUID, bool] = {}
    pledge_ids = list(dict.fromkeys(entry.pledge_id for entry in rows))
    for chunk in _chunks(pledge_ids):
        pledges = await session.scalars(select(Pledge).where(Pledge.id.in_(chunk)))
        countries, _ = await repository.pledge_links(session, chunk)
        for pledge in pledges:
            party[pledge.id] = service.is_party_to(principal, pledge, countries[pledge.id])
    for entry in rows:
        writer.writerow(
            {
                "record_type": "entry",
                "id": entry.id,
                "pledge_id": entry.pledge_id,
                "amount": entry.amount,
                "currency": entry.currency,
                "entry_type": entry.entry_type,
                "value_date": entry.value_date,
                "recipient_country": entry.recipient_country,
                "objective_id": _text(entry.objective_id),
                "reverses_entry_id": _text(entry.reverses_entry_id),
                "external_reference": _text(entry.external_reference),
                "note": _text(entry.note) if party[entry.pledge_id] else "",
            }
        )
    return out.getvalue()


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _localized(row: dict[str, str], field: str) -> dict[str, str] | None:
    es, en = row.get(f"{field}_es"), row.get(f"{field}_en")
    if es is None and en is None:
        return None
    return {"es": es, "en": en} if es and en else ({"es": es} if es else {"en": en or ""})


def _pledge_body(row: dict[str, str]) -> PledgeCreate:
    values: dict[str, Any] = {
        "contributor_id": row.get("contributor_id"),
        "kind": row.get("kind"),
        "title": _localized(row, "title"),
        "description": _localized(row, "description"),
        "recipient_countries": _list(row.get("recipient_countries")),
        "regional": _flag(row.get("regional")),
        "objective_ids": _list(row.get("objective_ids")),
        "announced_on": row.get("announced_on"),
        "announced_at": row.get("announced_at"),
        "funding_mechanism": row.get("funding_mechanism"),
        "implementation_status": row.get("implementation_status") or "planning",
        "visibility": row.get("visibility") or "public",
    }
    if row.get("amount") is not None or row.get("currency") is not None:
        values["amount"] = {"amount": row.get("amount"), "currency": row.get("currency")}
    return PledgeCreate.model_validate(values)


def _entry_body(row: dict[str, str]) -> EntryCreate:
    values: dict[str, Any] = {
        "entry_type": row.get("entry_type"),
        "value_date": row.get("value_date"),
        "recipient_country": row.get("recipient_country"),
        "objective_id": row.get("objective_id"),
        "reverses_entry_id": row.get("reverses_entry_id"),
        "external_reference": row.get("external_reference"),
        "note": row.get("note"),
    }
    if row.get("amount") is not None or row.get("currency") is not None:
        values["amount"] = {"amount": row.get("amount"), "currency": row.get("currency")}
    return EntryCreate.model_validate(values)


def _uuid(value: str | None, column: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidFile(f"{column}: '{value}' is not a UUID") from exc


async def _import_row(
    session: AsyncSession, principal: Principal, row: dict[str, str], withdrawals: list[Any]
) -> None:
    record_type = row.get("record_type")
    if record_type == "pledge":
        body = _pledge_body(row)
        created = await service.create_pledge(
            session, principal, body, pledge_id=_uuid(row.get("id"), "id")
        )
        if _flag(row.get("withdrawn")):
            reason = row.get("withdrawal_reason") or "withdrawn (imported)"
            withdrawals.append((created.id, Withdrawal(reason=reason)))
    elif record_type == "entry":
        pledge_id = _uuid(row.get("pledge_id"), "pledge_id")
        if pledge_id is None:
            raise InvalidFile("pledge_id: an entry row needs the pledge it belongs to")
        await service.record_entry(
            session, principal, pledge_id, _entry_body(row), entry_id=_uuid(row.get("id"), "id")
        )
    else:
        raise InvalidFile(f"record_type: must be 'pledge' or 'entry', got '{record_type}'")


def _row_errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return service.validation_messages(exc)
    if isinstance(exc, DomainError):
        return [exc.detail]
    return [f"conflicts with existing data: {exc.__class__.__name__}"]


async def import_csv(
    session: AsyncSession, principal: Principal, content: bytes, *, dry_run: bool
) -> BulkResult:
    """Import pledges and entries from the export layout; all rows or none."""
    rows = service.read_csv(content, ("record_type",))
    errors: list[RowError] = []
    withdrawals: list[tuple[uuid.UUID, Withdrawal]] = []
    outer = await session.begin_nested()
    for number, row in rows:
        try:
            async with session.begin_nested():
                await _import_row(session, principal, row, withdrawals)
        except (ValidationError, DomainError, IntegrityError) as exc:
            errors.append(RowError(row=number, errors=_row_errors(exc)))
    for pledge_id, withdrawal in withdrawals:
        await service.withdraw_pledge(session, principal, pledge_id, withdrawal, "*")
    if dry_run or errors:
        await outer.rollback()
    else:
        await outer.commit()
    if errors and not dry_run:
        raise InvalidFile(
            f"{len(errors)} of {len(rows)} rows have errors; nothing was written",
            errors=[error.model_dump() for error in errors],
        )
    return BulkResult(
        dry_run=dry_run, rows=len(rows), written=0 if dry_run else len(rows), errors=errors
    )
