"""Joint pledges: several contributors with shares, one lead.

Every pledge has at least one row in `pledge_contributors`: its contributor (the lead),
with 100 % until the lead states other shares. Shares are given either as percentages
(summing to 100) or as amounts in the pledge's currency (summing to the pledge's amount;
the percentages are then derived, apportioned so they still sum to exactly 100).

Who does what, by choice (the issue left it open): the lead — the pledge's
`contributor_id`, which never changes — and the secretariat write the pledge and its
shares, as before; the co-contributors read it (a restricted or cultivating pledge is
visible to every contributor, in lists, exports, matches and the change feed) but do not
write it, and the ledger's private fields (an entry's note and who recorded it) are
shown to the pledge's parties as before (the lead, the secretariat and the focal points of
its countries), not to co-contributors, so one organisation stays answerable for the
ledger. An entry's external reference is part of the entry, seen by whoever sees it.

Reports by contributor and by contributor kind split each pledge's figures by the shares,
apportioned to the ten-thousandth so a pledge's parts sum to exactly its figures, and the
rows at cents apportioned so they sum to exactly the totals (see `share_report`).
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import case, delete, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.csvsafe import SafeWriter
from services.common.errors import Unprocessable
from services.common.schemas import ABOVE_ZERO, DecimalString, absent, both, given
from services.pledges import changes
from services.pledges.exceptions import InvalidReference
from services.pledges.models import Organisation, Pledge, PledgeChange, PledgeContributor
from services.pledges.reports import CENTS, all_flows, summed_measures, usd
from services.pledges.repository import visible_pledges
from services.pledges.schemas import ContributorShare

HUNDRED = Decimal("100.000000")
PERCENT_UNIT = Decimal("0.000001")
MONEY_UNIT = Decimal("0.0001")
MAX_CONTRIBUTORS = 50

ORG_ID = "5b0e8c1e-2f6a-4a51-9d3c-0c6f1b7e2a10"
CO_ORG_ID = "0f8a3b52-6c1d-4e2f-8a7b-9c0d1e2f3a4b"


class ContributorShareIn(BaseModel):
    """One contributor of a joint pledge and its share: a percentage or an amount."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID
    percentage: DecimalString | None = Field(
        default=None,
        gt=0,
        le=100,
        decimal_places=6,
        json_schema_extra={
            "pattern": r"^(100(\.0{1,6})?|[0-9]{1,2}(\.[0-9]{1,6})?)$",
            **ABOVE_ZERO,
            "examples": ["60"],
        },
        description="Share in percent (0-100], up to 6 decimals.",
    )
    amount: DecimalString | None = Field(
        default=None,
        gt=0,
        max_digits=18,
        decimal_places=4,
        json_schema_extra={"pattern": r"^[0-9]{1,14}(\.[0-9]{1,4})?$", **ABOVE_ZERO},
        description="Share as an amount in the pledge's currency.",
    )


# Every share as a percentage, or every share as an amount (the rule `_percentages` keeps).
_ALL_PERCENTAGES: dict[str, Any] = {"items": both(given("percentage"), absent("amount"))}
_ALL_AMOUNTS: dict[str, Any] = {"items": both(given("amount"), absent("percentage"))}


class ContributorsUpdate(BaseModel):
    """The full list of a pledge's contributors; it replaces the current one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "contributors": [
                    {"organisation_id": ORG_ID, "percentage": "60"},
                    {"organisation_id": CO_ORG_ID, "percentage": "40"},
                ]
            }
        },
    )

    contributors: list[ContributorShareIn] = Field(
        min_length=1,
        max_length=MAX_CONTRIBUTORS,
        description="Every contributor once with its share: all as percentages summing to "
        "100, or all as amounts summing to the pledge's amount. The lead (the pledge's "
        "contributor_id) must be among them.",
        json_schema_extra={"oneOf": [_ALL_PERCENTAGES, _ALL_AMOUNTS]},
    )


class ShareGroup(StrEnum):
    CONTRIBUTOR = "contributor"
    CONTRIBUTOR_KIND = "contributor_kind"


class ShareRow(BaseModel):
    group: str | None = Field(
        description="The contributor id or kind; null: a contributor undisclosed to the caller."
    )
    pledged_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString


class ShareTotals(BaseModel):
    pledged_usd: DecimalString
    committed_usd: DecimalString
    disbursed_usd: DecimalString


class ShareReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "group_by": "contributor",
                "rows": [
                    {
                        "group": ORG_ID,
                        "pledged_usd": "600.00",
                        "committed_usd": "300.00",
                        "disbursed_usd": "0.00",
                    },
                    {
                        "group": CO_ORG_ID,
                        "pledged_usd": "400.00",
                        "committed_usd": "200.00",
                        "disbursed_usd": "0.00",
                    },
                ],
                "totals": {
                    "pledged_usd": "1000.00",
                    "committed_usd": "500.00",
                    "disbursed_usd": "0.00",
                },
            }
        }
    )

    group_by: ShareGroup
    rows: list[ShareRow] = Field(description="Rows sum to exactly the totals.")
    totals: ShareTotals = Field(description="Equal to the summary report's totals.")


def apportion(total: Decimal, weights: Sequence[Decimal], unit: Decimal) -> list[Decimal]:
    """`total` split in proportion to `weights`, in multiples of `unit`, summing to it
    exactly (largest remainder; ties go to the earlier weight)."""
    weight_sum = sum(weights, Decimal(0))
    if weight_sum <= 0:
        raise ValueError("weights must sum to more than zero")
    sign = Decimal(-1) if total < 0 else Decimal(1)
    units = int((abs(total) / unit).to_integral_value(rounding=ROUND_DOWN))
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    parts = [sign * Decimal(n) * unit for n in floors]
    # A total finer than `unit` keeps its remainder on the largest share.
    rest = total - sum(parts, Decimal(0))
    if rest:
        biggest = max(range(len(weights)), key=lambda i: (weights[i], -i))
        parts[biggest] += rest
    return parts


def _percentages(pledge: Pledge, body: ContributorsUpdate) -> list[tuple[Decimal, Decimal | None]]:
    """(percent, amount) per contributor, or a 422 naming the field."""
    given = body.contributors
    if all(c.percentage is not None and c.amount is None for c in given):
        total = sum((c.percentage or Decimal(0) for c in given), Decimal(0))
        if total != HUNDRED:
            raise Unprocessable(
                f"contributors: the percentages sum to {total}, not 100", field="contributors"
            )
        return [(c.percentage or Decimal(0), None) for c in given]
    if all(c.amount is not None and c.percentage is None for c in given):
        if pledge.amount is None:
            raise Unprocessable(
                "contributors: a pledge without an amount takes shares as percentages",
                field="contributors",
            )
        amounts = [c.amount or Decimal(0) for c in given]
        total = sum(amounts, Decimal(0))
        if total != pledge.amount:
            raise Unprocessable(
                f"contributors: the amounts sum to {total}, not the pledge's amount "
                f"{pledge.amount}",
                field="contributors",
            )
        return list(zip(apportion(HUNDRED, amounts, PERCENT_UNIT), amounts, strict=True))
    raise Unprocessable(
        "contributors: give every share as a percentage, or every share as an amount",
        field="contributors",
    )


async def _check_organisations(session: AsyncSession, pledge: Pledge, ids: list[uuid.UUID]) -> None:
    if len(set(ids)) != len(ids):
        raise Unprocessable("contributors: an organisation is listed twice", field="contributors")
    if pledge.contributor_id not in ids:
        raise Unprocessable(
            f"contributors: the lead contributor {pledge.contributor_id} must be among them",
            field="contributors",
        )
    known = set(
        (await session.scalars(select(Organisation.id).where(Organisation.id.in_(ids)))).all()
    )
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise InvalidReference(
            f"contributors: unknown organisations {', '.join(unknown)}", field="contributors"
        )


async def contributors_of(
    session: AsyncSession, pledge_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ContributorShare]]:
    """Each pledge's contributors, lead first then by share, in one query."""
    found: dict[uuid.UUID, list[ContributorShare]] = defaultdict(list)
    if not pledge_ids:
        return found
    rows = await session.scalars(
        select(PledgeContributor)
        .where(PledgeContributor.pledge_id.in_(pledge_ids))
        .order_by(
            PledgeContributor.pledge_id,
            PledgeContributor.lead.desc(),
            PledgeContributor.share_percent.desc(),
            PledgeContributor.organisation_id,
        )
    )
    for row in rows:
        found[row.pledge_id].append(
            ContributorShare(
                organisation_id=row.organisation_id,
                lead=row.lead,
                share_percent=row.share_percent,
                share_amount=row.share_amount,
            )
        )
    return found


def add_lead(session: AsyncSession, pledge: Pledge) -> None:
    """A new pledge's one contributor: its lead, with 100 %."""
    session.add(
        PledgeContributor(
            pledge_id=pledge.id,
            organisation_id=pledge.contributor_id,
            lead=True,
            share_percent=HUNDRED,
            share_amount=None,
        )
    )


async def co_contributes(
    session: AsyncSession, principal: Principal | None, pledge_id: uuid.UUID
) -> bool:
    """Whether the caller acts for a contributor of the pledge (lead or not)."""
    if principal is None or principal.acting_org_id is None:
        return False
    try:
        organisation = uuid.UUID(principal.acting_org_id)
    except ValueError:
        return False
    found = await session.get(PledgeContributor, (pledge_id, organisation))
    return found is not None


async def set_contributors(
    session: AsyncSession,
    principal: Principal,
    pledge: Pledge,
    countries: Sequence[str],
    body: ContributorsUpdate,
) -> list[ContributorShare]:
    """Replace a pledge's contributors and shares (the pledge is already authorised for
    writing and locked); kept in its history and on the change feed."""
    ids = [c.organisation_id for c in body.contributors]
    await _check_organisations(session, pledge, ids)
    shares = _percentages(pledge, body)
    before = (await contributors_of(session, [pledge.id]))[pledge.id]
    await session.execute(delete(PledgeContributor).where(PledgeContributor.pledge_id == pledge.id))
    for organisation_id, (percent, amount) in zip(ids, shares, strict=True):
        session.add(
            PledgeContributor(
                pledge_id=pledge.id,
                organisation_id=organisation_id,
                lead=organisation_id == pledge.contributor_id,
                share_percent=percent,
                share_amount=amount,
            )
        )
    await session.flush()
    after = (await contributors_of(session, [pledge.id]))[pledge.id]
    changed = {
        "contributors": [
            [c.model_dump(mode="json") for c in before],
            [c.model_dump(mode="json") for c in after],
        ]
    }
    session.add(
        PledgeChange(
            id=uuid.uuid4(),
            pledge_id=pledge.id,
            action="contributors_set",
            changed_by=principal.sub,
            changed_at=datetime.now(UTC),
            changes=changed,
        )
    )
    await changes.pledge_changed(session, pledge, "contributors_set", changed, countries)
    return after


# ---------------------------------------------------------------- reports


def _pledge_figures(viewer: Principal | None, filters: dict[str, Any]) -> Any:
    flows = all_flows(viewer=viewer, **filters)
    return (
        select(flows.c.pledge_id.label("pledge_id"), *summed_measures(flows))
        .group_by(flows.c.pledge_id)
        .subquery("pledge_figures")
    )


def _exact(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


MEASURES = ("pledged", "committed", "disbursed")


async def share_report(
    session: AsyncSession,
    viewer: Principal | None,
    group_by: ShareGroup,
    filters: dict[str, Any],
) -> ShareReport:
    """Pledged, committed and disbursed USD by contributor or contributor kind, each
    pledge's figures split by its contributors' shares."""
    figures = _pledge_figures(viewer, filters)
    seen = case((visible_pledges(viewer), True), else_=false())
    rows = (
        await session.execute(
            select(
                figures,
                PledgeContributor.organisation_id,
                PledgeContributor.share_percent,
                Organisation.kind,
                seen.label("seen"),
            )
            .join(PledgeContributor, PledgeContributor.pledge_id == figures.c.pledge_id)
            .join(Organisation, Organisation.id == PledgeContributor.organisation_id)
            .join(Pledge, Pledge.id == figures.c.pledge_id)
            .order_by(figures.c.pledge_id, PledgeContributor.organisation_id)
        )
    ).all()
    per_pledge: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        per_pledge[row.pledge_id].append(row)
    pledges = [
        PledgeShares(
            figures=tuple(_exact(getattr(shares[0], m)) for m in MEASURES),
            shares=[(_group_of(r, group_by), Decimal(str(r.share_percent))) for r in shares],
        )
        for shares in per_pledge.values()
    ]
    groups, totals = split(pledges)
    return _in_cents(group_by, groups, totals)


@dataclass(frozen=True)
class PledgeShares:
    """One pledge's figures (pledged, committed, disbursed) and its shares by group."""

    figures: tuple[Decimal, ...]
    shares: list[tuple[str | None, Decimal]]


def split(
    pledges: Sequence[PledgeShares],
) -> tuple[dict[str | None, list[Decimal]], list[Decimal]]:
    """Each pledge's figures apportioned among its groups by share (exact to 0.0001), the
    parts summed per group; and the totals, which the groups sum to exactly."""
    groups: dict[str | None, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(MEASURES))
    totals = [Decimal(0)] * len(MEASURES)
    for pledge in pledges:
        weights = [weight for _, weight in pledge.shares]
        for m, value in enumerate(pledge.figures):
            totals[m] += value
            for (group, _), part in zip(
                pledge.shares, apportion(value, weights, MONEY_UNIT), strict=True
            ):
                groups[group][m] += part
    return groups, totals


def _group_of(row: Any, group_by: ShareGroup) -> str | None:
    if group_by == ShareGroup.CONTRIBUTOR_KIND:
        return str(row.kind)
    return str(row.organisation_id) if row.seen else None


def _in_cents(
    group_by: ShareGroup, groups: dict[str | None, list[Decimal]], totals: list[Decimal]
) -> ShareReport:
    """Rows at cents that sum to exactly the totals at cents."""
    keys = sorted(groups, key=lambda k: (k is None, k or ""))
    columns: list[list[Decimal]] = []
    for m in range(3):
        exact = [groups[k][m] for k in keys]
        columns.append(_cents_summing_to(exact, usd(totals[m])))
    return ShareReport(
        group_by=group_by,
        rows=[
            ShareRow(
                group=key,
                pledged_usd=columns[0][i],
                committed_usd=columns[1][i],
                disbursed_usd=columns[2][i],
            )
            for i, key in enumerate(keys)
        ],
        totals=ShareTotals(
            pledged_usd=usd(totals[0]), committed_usd=usd(totals[1]), disbursed_usd=usd(totals[2])
        ),
    )


def _cents_summing_to(exact: list[Decimal], total: Decimal) -> list[Decimal]:
    """Each value rounded down to cents, then the cents left over given to the largest
    remainders, so the parts sum to `total` (the exact sum rounded half-even)."""
    floors = [v.quantize(CENTS, rounding=ROUND_DOWN) for v in exact]
    left = int(((total - sum(floors, Decimal(0))) / CENTS).to_integral_value())
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    step = CENTS if left >= 0 else -CENTS
    for i in (order if left >= 0 else list(reversed(order)))[: abs(left)]:
        floors[i] += step
    return floors


async def export_contributors(session: AsyncSession, principal: Principal | None) -> str:
    """CSV: one row per contributor of each pledge the caller may see."""
    rows = await session.execute(
        select(PledgeContributor)
        .join(Pledge, Pledge.id == PledgeContributor.pledge_id)
        .where(visible_pledges(principal))
        .order_by(PledgeContributor.pledge_id, PledgeContributor.lead.desc())
    )
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    writer.writerow(["pledge_id", "organisation_id", "lead", "share_percent", "share_amount"])
    for (row,) in rows:
        writer.writerow(
            [
                str(row.pledge_id),
                str(row.organisation_id),
                "true" if row.lead else "false",
                format(row.share_percent, "f"),
                "" if row.share_amount is None else format(row.share_amount, "f"),
            ]
        )
    return buffer.getvalue()
