"""CSV export of pledges and ledger entries, and the import that takes the same CSV back.

One layout serves both: a `record_type` column (`pledge` or `entry`) and the union of
their fields; lists (recipient countries, objective ids) are `;`-separated. A row's `id`
is its external reference: a row stored with the same values is left alone (re-importing
an export is a no-op), a changed pledge is updated, a changed entry is an error. Pledges
go through the service functions the API uses, each in a savepoint; entries are grouped
per pledge and checked by `service.record_entries` (one lock and one balance read per
pledge), then inserted in bulk. Every bad row is reported by number; a file with any bad
row writes nothing, and `dry_run` writes nothing in any case. Pledges marked withdrawn
are withdrawn after all rows are in, so their entries import first. `write_rows` is the
one write path of an import. Jobs (services.pledges.jobs) run `import_csv` in the
background.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.csvsafe import SafeDictWriter
from services.common.errors import DomainError
from services.pledges import changes, repository, rollups, service
from services.pledges.exceptions import InvalidFile
from services.pledges.models import LedgerEntry, Pledge, PledgeStage
from services.pledges.repository import PledgeFilters
from services.pledges.schemas import (
    BulkResult,
    EntryCreate,
    PledgeCreate,
    PledgeUpdate,
    RowError,
    Withdrawal,
)

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
    "amount_usd",  # export only: the amount at rate_to_usd (imports recompute it)
    "rate_to_usd",  # export only: USD per unit on the announcement or value date
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
Row = dict[str, str]
NumberedRow = tuple[int, Row]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=COLUMNS, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    return out, writer


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pledge_row(pledge: Pledge, countries: Sequence[str], objectives: Sequence[Any]) -> Row:
    return {
        "record_type": "pledge",
        "id": str(pledge.id),
        "contributor_id": str(pledge.contributor_id),
        "kind": pledge.kind,
        "title_es": _text(pledge.title_es),
        "title_en": _text(pledge.title_en),
        "description_es": _text(pledge.description_es),
        "description_en": _text(pledge.description_en),
        "amount": _text(pledge.amount),
        "currency": _text(pledge.currency),
        "recipient_countries": ";".join(countries),
        "regional": _text(pledge.regional),
        "objective_ids": ";".join(str(o) for o in objectives),
        "announced_on": pledge.announced_on.isoformat(),
        "announced_at": _text(pledge.announced_at),
        "funding_mechanism": _text(pledge.funding_mechanism),
        "implementation_status": pledge.implementation_status,
        "visibility": pledge.visibility,
        "withdrawn": _text(pledge.withdrawn_at is not None),
        "withdrawal_reason": _text(pledge.withdrawal_reason),
    }


def _entry_row(entry: LedgerEntry, *, show_note: bool) -> Row:
    return {
        "record_type": "entry",
        "id": str(entry.id),
        "pledge_id": str(entry.pledge_id),
        "amount": _text(entry.amount),
        "currency": entry.currency,
        "entry_type": entry.entry_type,
        "value_date": entry.value_date.isoformat(),
        "recipient_country": entry.recipient_country,
        "objective_id": _text(entry.objective_id),
        "reverses_entry_id": _text(entry.reverses_entry_id),
        "external_reference": _text(entry.external_reference),
        "note": _text(entry.note) if show_note else "",
    }


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
                    **_pledge_row(pledge, countries[pledge.id], objectives[pledge.id]),
                    "amount_usd": _text(pledge.amount_usd),
                    "rate_to_usd": _text(pledge.rate_to_usd),
                }
            )
    return out.getvalue()


async def _parties(
    session: AsyncSession, principal: Principal | None, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """The same rule as list_entries/get_entry: notes only for parties to the pledge."""
    party: dict[uuid.UUID, bool] = {}
    for chunk in _chunks(pledge_ids):
        pledges = await session.scalars(select(Pledge).where(Pledge.id.in_(chunk)))
        countries, _ = await repository.pledge_links(session, chunk)
        for pledge in pledges:
            party[pledge.id] = service.is_party_to(principal, pledge, countries[pledge.id])
    return party


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
    party = await _parties(session, principal, list(dict.fromkeys(e.pledge_id for e in rows)))
    for entry in rows:
        writer.writerow(
            {
                **_entry_row(entry, show_note=party[entry.pledge_id]),
                "amount_usd": _text(entry.amount_usd),
                "rate_to_usd": _text(entry.rate_to_usd),
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
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidFile(f"{column}: '{value}' is not a UUID") from exc


def _row_errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return service.validation_messages(exc)
    if isinstance(exc, DomainError):
        return [exc.detail]
    return [f"conflicts with existing data: {exc.__class__.__name__}"]


@dataclass
class Progress:
    """How far an import is; read by GET /v1/imports/{id} while it runs."""

    total: int = 0
    validated: int = 0
    written: int = 0
    unchanged: int = 0


@dataclass
class Plan:
    """The file sorted out: what is new, what changed, what is already there."""

    new_pledges: list[tuple[int, Row]] = field(default_factory=list)
    changed_pledges: list[tuple[int, Row]] = field(default_factory=list)
    entries: dict[uuid.UUID, list[tuple[int, EntryCreate, uuid.UUID | None]]] = field(
        default_factory=dict
    )
    errors: dict[int, list[str]] = field(default_factory=dict)
    unchanged: int = 0


# Columns the export adds for readers (USD at the stored rate): an import recomputes them.
EXPORT_ONLY = frozenset({"amount_usd", "rate_to_usd"})


def _same(file_row: Row, stored: Row) -> bool:
    """The file's row says what the stored record's export says, in the columns it carries
    (an empty note is what the export shows to non-parties, so it compares as unknown)."""
    for column, value in file_row.items():
        if column not in COLUMNS or column in EXPORT_ONLY or (column == "note" and not value):
            continue
        if (value or "") != stored.get(column, ""):
            return False
    return True


async def _plan(session: AsyncSession, principal: Principal, rows: Sequence[NumberedRow]) -> Plan:
    plan = Plan()
    ids: dict[int, uuid.UUID | None] = {}
    for number, row in rows:
        try:
            ids[number] = _uuid(row.get("id"), "id")
            if row.get("record_type") not in ("pledge", "entry"):
                raise InvalidFile(
                    f"record_type: must be 'pledge' or 'entry', got '{row.get('record_type')}'"
                )
        except InvalidFile as exc:
            plan.errors[number] = [exc.detail]
    known = [i for i in ids.values() if i is not None]
    pledges = await _stored_pledges(session, known)
    entries = await _stored_entries(session, known)
    for number, row in rows:
        if number in plan.errors:
            continue
        _sort_row(plan, number, row, ids[number], pledges, entries)
    return plan


def _sort_row(
    plan: Plan,
    number: int,
    row: Row,
    row_id: uuid.UUID | None,
    pledges: dict[uuid.UUID, Row],
    entries: dict[uuid.UUID, Row],
) -> None:
    if row["record_type"] == "pledge":
        if row_id in pledges:
            if _same(row, pledges[row_id]):
                plan.unchanged += 1
            else:
                plan.changed_pledges.append((number, row))
        else:
            plan.new_pledges.append((number, row))
        return
    if row_id in entries:
        if _same(row, entries[row_id]):
            plan.unchanged += 1
        else:
            plan.errors[number] = [
                f"entry {row_id} already exists with other values; ledger entries do not "
                "change: record a reversal and a new entry instead"
            ]
        return
    try:
        pledge_id = _uuid(row.get("pledge_id"), "pledge_id")
        if pledge_id is None:
            raise InvalidFile("pledge_id: an entry row needs the pledge it belongs to")
        body = _entry_body(row)
    except (ValidationError, DomainError) as exc:
        plan.errors[number] = _row_errors(exc)
        return
    plan.entries.setdefault(pledge_id, []).append((number, body, row_id))


async def _stored_pledges(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    found: dict[uuid.UUID, Row] = {}
    for chunk in _chunks(ids):
        pledges = list(await session.scalars(select(Pledge).where(Pledge.id.in_(chunk))))
        countries, objectives = await repository.pledge_links(session, [p.id for p in pledges])
        for pledge in pledges:
            found[pledge.id] = _pledge_row(pledge, countries[pledge.id], objectives[pledge.id])
    return found


async def _stored_entries(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Row]:
    found: dict[uuid.UUID, Row] = {}
    for chunk in _chunks(ids):
        for entry in await session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(chunk))):
            found[entry.id] = _entry_row(entry, show_note=True)
    return found


def _pledge_update(row: Row) -> PledgeUpdate:
    created = _pledge_body(row)
    values = created.model_dump(exclude={"contributor_id", "allocation"}, exclude_unset=False)
    return PledgeUpdate.model_validate(
        {k: v for k, v in values.items() if k in PledgeUpdate.model_fields}
    )


async def _write_pledges(
    session: AsyncSession, principal: Principal, plan: Plan, progress: Progress
) -> list[tuple[uuid.UUID, Withdrawal]]:
    """New pledges and changed ones, through the service functions the API uses."""
    withdrawals: list[tuple[uuid.UUID, Withdrawal]] = []
    created: list[uuid.UUID] = []
    todo = [(True, n, r) for n, r in plan.new_pledges]
    todo += [(False, n, r) for n, r in plan.changed_pledges]
    for new, number, row in todo:
        pledge_id = _uuid(row.get("id"), "id")
        try:
            async with session.begin_nested():
                if new:
                    body = _pledge_body(row)
                    read = await service.create_pledge(
                        session, principal, body, pledge_id=pledge_id, defer_rollups=True
                    )
                    pledge_id = read.id
                    created.append(pledge_id)
                else:
                    assert pledge_id is not None
                    await _change_pledge(session, principal, pledge_id, row)
        except (ValidationError, DomainError, IntegrityError) as exc:
            plan.errors[number] = _row_errors(exc)
        else:
            assert pledge_id is not None
            if _flag(row.get("withdrawn")):
                reason = row.get("withdrawal_reason") or "withdrawn (imported)"
                withdrawals.append((pledge_id, Withdrawal(reason=reason)))
        progress.validated += 1
    # The new pledges' announcements into the rollups at once (create_pledge deferred
    # them), before their entries move the rollups again.
    await rollups.apply_change(session, created, {})
    return withdrawals


async def _change_pledge(
    session: AsyncSession, principal: Principal, pledge_id: uuid.UUID, row: Row
) -> None:
    pledge, _, _ = await service.visible_pledge(session, principal, pledge_id)
    if row.get("contributor_id") and row["contributor_id"] != str(pledge.contributor_id):
        raise InvalidFile("contributor_id: the contributor of a pledge does not change")
    await service.update_pledge(session, principal, pledge_id, _pledge_update(row), "*")


async def _write_entries(
    session: AsyncSession, principal: Principal, plan: Plan, progress: Progress
) -> None:
    """Every pledge's new entries checked set-based (see `service.record_entries`), then
    inserted in bulk, with one change-feed event per pledge."""
    rates = service.RateCache(session)
    batch = await service.record_entries(session, principal, plan.entries, rates)
    plan.errors.update(batch.errors)
    progress.validated += sum(len(rows) for rows in plan.entries.values())
    if batch.entries and not plan.errors:
        await service.insert_entries(session, batch.pledges, batch.entries)
        await changes.entries_imported(session, batch.pledges, batch.entries, batch.countries)


async def write_rows(
    session: AsyncSession, principal: Principal, plan: Plan, progress: Progress
) -> int:
    """The one write path of an import: pledges, then entries (set-based), then withdrawals.

    Returns how many records were written; errors are added to `plan.errors`.
    """
    withdrawals = await _write_pledges(session, principal, plan, progress)
    await _write_entries(session, principal, plan, progress)
    for pledge_id, withdrawal in withdrawals:
        pledge = await session.get(Pledge, pledge_id)
        if pledge is not None and pledge.withdrawn_at is None:
            await service.withdraw_pledge(session, principal, pledge_id, withdrawal, "*")
    return (
        len(plan.new_pledges)
        + len(plan.changed_pledges)
        + sum(len(rows) for rows in plan.entries.values())
    )


async def import_csv(
    session: AsyncSession,
    principal: Principal,
    content: bytes,
    *,
    dry_run: bool,
    progress: Progress | None = None,
) -> BulkResult:
    """Import pledges and entries from the export layout; all rows or none.

    A row whose `id` is already stored with the same values is left alone (an unchanged
    export imports as a no-op); a changed pledge is updated; a changed entry is an error.
    """
    progress = progress or Progress()
    rows = service.read_csv(content, ("record_type",))
    progress.total = len(rows)
    plan = await _plan(session, principal, rows)
    progress.unchanged = plan.unchanged
    progress.validated = len(plan.errors) + plan.unchanged
    outer = await session.begin_nested()
    written = await write_rows(session, principal, plan, progress)
    if dry_run or plan.errors:
        await outer.rollback()
    else:
        await outer.commit()
    errors = [RowError(row=number, errors=plan.errors[number]) for number in sorted(plan.errors)]
    if errors and not dry_run:
        raise InvalidFile(
            f"{len(errors)} of {len(rows)} rows have errors; nothing was written",
            errors=[error.model_dump() for error in errors],
        )
    progress.written = 0 if dry_run else written
    return BulkResult(
        dry_run=dry_run,
        rows=len(rows),
        written=progress.written,
        unchanged=plan.unchanged,
        errors=errors,
    )
