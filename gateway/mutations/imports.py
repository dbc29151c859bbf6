"""Bulk writes from CSV files: exchange rates at once, and pledge imports as background jobs.

The CSV travels as a string in the mutation's input (the layout the REST exports write)
and goes to the service as `text/csv`, so both paths share the service's checks: a file
with any bad row writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from gateway.context import Info
from gateway.errors import UpstreamError
from gateway.inputs import idempotency
from gateway.loaders import Record
from gateway.types.base import checked_rest_id, to_datetime

SERVICE = "pledges"
CSV = {"Content-Type": "text/csv; charset=utf-8"}


@strawberry.enum(description="Where an import job is.")
class ImportState(Enum):
    QUEUED = strawberry.enum_value("queued", description="Waiting for the worker.")
    RUNNING = strawberry.enum_value("running", description="Rows are being checked.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="Every row was written.")
    FAILED = strawberry.enum_value("failed", description="Nothing was written; see errors.")


@strawberry.type(description="What was wrong with one data row of a CSV file.")
class CsvRowError:
    row: int = strawberry.field(description="1-based data row number (the header is row 0).")
    errors: list[str] = strawberry.field(description="Each problem with the row, in words.")

    @classmethod
    def many(cls, records: Any) -> list[CsvRowError]:
        return [cls(row=int(r["row"]), errors=[str(e) for e in r["errors"]]) for r in records]


@strawberry.type(description="The outcome of a bulk upload: all rows written, or none.")
class BulkUploadResult:
    dry_run: bool = strawberry.field(description="True when the rows were only checked.")
    rows: int = strawberry.field(description="Data rows in the file.")
    written: int = strawberry.field(description="Rows written (0 when any row is bad).")
    unchanged: int = strawberry.field(description="Rows already stored with the same values.")
    errors: list[CsvRowError] = strawberry.field(description="Every bad row.")

    @classmethod
    def from_rest(cls, data: Record) -> BulkUploadResult:
        return cls(
            dry_run=bool(data["dry_run"]),
            rows=int(data["rows"]),
            written=int(data["written"]),
            unchanged=int(data.get("unchanged") or 0),
            errors=CsvRowError.many(data.get("errors") or []),
        )


@strawberry.type(description="A pledge import running in the background; poll `pledgeImport`.")
class ImportJob:
    rest_id: str = strawberry.field(description="The job's id (`GET /v1/imports/{id}`).")
    state: ImportState = strawberry.field(description="queued → running → succeeded or failed.")
    dry_run: bool = strawberry.field(description="True when the rows are only checked.")
    rows_total: int = strawberry.field(description="Data rows in the file.")
    rows_validated: int = strawberry.field(description="Rows checked so far.")
    rows_written: int = strawberry.field(description="Records written (0 until it succeeds).")
    rows_unchanged: int = strawberry.field(description="Rows already stored as they are.")
    progress: float = strawberry.field(description="Share of rows checked, from 0 to 1.")
    errors: list[CsvRowError] = strawberry.field(description="Every bad row.")
    detail: str | None = strawberry.field(description="Why the job failed, when it did.")
    created_at: datetime | None = strawberry.field(description="When it was submitted.")
    finished_at: datetime | None = strawberry.field(description="When it ended, if it has.")

    @classmethod
    def from_rest(cls, data: Record) -> ImportJob:
        return cls(
            rest_id=str(data["id"]),
            state=ImportState(data["state"]),
            dry_run=bool(data["dry_run"]),
            rows_total=int(data["rows_total"]),
            rows_validated=int(data["rows_validated"]),
            rows_written=int(data["rows_written"]),
            rows_unchanged=int(data["rows_unchanged"]),
            progress=float(data["progress"]),
            errors=CsvRowError.many(data.get("errors") or []),
            detail=data.get("detail"),
            created_at=to_datetime(data.get("created_at")),
            finished_at=to_datetime(data.get("finished_at")),
        )


@strawberry.input(description="Exchange rates as CSV: `currency,rate_date,rate_to_usd,source`.")
class UploadExchangeRatesInput:
    csv: str = strawberry.field(description="The file's text, header row first.")
    dry_run: bool = strawberry.field(
        default=False, description="True: check every row and write nothing."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and file upload once."
    )


@strawberry.input(
    description="Pledges and entries as CSV, in the layout of the pledge exports (re-importing "
    "an export changes nothing)."
)
class StartPledgeImportInput:
    csv: str = strawberry.field(description="The file's text, header row first.")
    dry_run: bool = strawberry.field(
        default=False, description="True: check every row and write nothing."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retry-safe key: the same key and file start one job."
    )


@strawberry.type(description="The upload's outcome.")
class UploadExchangeRatesPayload:
    result: BulkUploadResult = strawberry.field(description="Rows read, written and refused.")


@strawberry.type(description="The import job, queued.")
class StartPledgeImportPayload:
    job: ImportJob = strawberry.field(description="The job; poll `pledgeImport(id:)`.")


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Record many exchange rates from a CSV file (secretariat); a file with any "
        "bad row writes nothing and lists each."
    )
    async def upload_exchange_rates(
        self,
        info: Info,
        input: Annotated[
            UploadExchangeRatesInput,
            strawberry.argument(description="The CSV file and whether to only check it."),
        ],
    ) -> UploadExchangeRatesPayload:
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            "/v1/exchange-rates/bulk",
            params={"dry_run": input.dry_run},
            content=input.csv.encode(),
            headers={**CSV, **idempotency(input.idempotency_key)},
        )
        return UploadExchangeRatesPayload(result=BulkUploadResult.from_rest(record))

    @strawberry.mutation(
        description="Queue a CSV file of pledges and entries for import (secretariat); poll "
        "`pledgeImport(id:)` until it succeeds or fails."
    )
    async def start_pledge_import(
        self,
        info: Info,
        input: Annotated[
            StartPledgeImportInput,
            strawberry.argument(description="The CSV file and whether to only check it."),
        ],
    ) -> StartPledgeImportPayload:
        record = await info.context.upstream.send(
            SERVICE,
            "POST",
            "/v1/imports",
            params={"dry_run": input.dry_run},
            content=input.csv.encode(),
            headers={**CSV, **idempotency(input.idempotency_key)},
        )
        return StartPledgeImportPayload(job=ImportJob.from_rest(record))


@strawberry.type
class ImportQuery:
    @strawberry.field(
        description="A pledge import job's state and progress (for whoever started it and the "
        "secretariat); null for an unknown id."
    )
    async def pledge_import(
        self,
        info: Info,
        id: Annotated[
            str, strawberry.argument(description="The job's id, from `startPledgeImport`.")
        ],
    ) -> ImportJob | None:
        key = checked_rest_id(id, "ImportJob", "id")
        try:
            record = await info.context.upstream.get(SERVICE, f"/v1/imports/{key}")
        except UpstreamError as error:
            if error.status == 404:
                return None
            raise
        return ImportJob.from_rest(record)
