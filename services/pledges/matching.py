"""Pre-matching before the Global Refugee Forum: which open pledge could serve which objective.

Every (pledge, objective) pair is scored by the database out of 100:

- 40: the pledge names the objective's country (20 if the pledge is regional instead);
- 20: the pledge is linked to another objective of the same theme, or it is an
  employment pledge and the theme is employment and livelihoods;
- 10: the pledge is linked to another objective of the same pillar;
- 10: the contributor's record: another of its pledges serves the same theme;
- 5: the contributor's record: another of its pledges goes to the same country
  (the record counts only pledges the caller may see: public ones for anonymous callers);
- 15: money: 15 x the pledge's unallocated USD over the objective's gap, capped at 15;
  0 for pledges without amount. Unallocated is computed in the pledge's currency — the
  amount minus its commitments and their reversals, each already converted to the
  pledge's currency at its value date — and converted to USD once, at the rate of the
  pledge's announcement date (the rate of its `amount_usd`), so a fully committed pledge
  has nothing unallocated whatever the rates did since.

Candidates are open pledges only — not withdrawn, not fulfilled, not already linked to
the objective, and for pledges with an amount, some of it still uncommitted — that score
above zero and that the caller may see. Ties are broken by the larger unallocated amount.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, and_, case, exists, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.common.auth import Principal
from services.common.errors import Unprocessable
from services.pledges.models import (
    MONEY,
    RATE,
    EntryType,
    ImplementationStatus,
    LedgerEntry,
    Objective,
    Pledge,
    PledgeCountry,
    PledgeKind,
    PledgeObjective,
    rescaled,
)
from services.pledges.reports import GapFilters, gaps_statement, usd
from services.pledges.repository import visible_pledges
from services.pledges.schemas import (
    MatchingSuggestion,
    MatchingSuggestions,
    MatchProposal,
    MatchProposalBody,
)

MAX_SUGGESTIONS = 50


def _pairs(
    principal: Principal | None, gap_filters: GapFilters, pledge_id: uuid.UUID | None
) -> Any:
    gaps = gaps_statement(gap_filters).subquery("objective_gaps")
    committed = (
        select(
            LedgerEntry.pledge_id.label("pledge_id"),
            func.sum(LedgerEntry.signed_pledge_amount).label("committed"),
        )
        .where(LedgerEntry.effect == EntryType.COMMITMENT.value)
        .group_by(LedgerEntry.pledge_id)
        .subquery("pledge_committed")
    )
    linked_objective = aliased(Objective)
    other_pledge = aliased(Pledge)
    other_link = aliased(PledgeObjective)
    other_objective = aliased(Objective)
    other_country = aliased(PledgeCountry)

    def linked_where(*clauses: Any) -> Any:
        return exists().where(
            PledgeObjective.pledge_id == Pledge.id,
            linked_objective.id == PledgeObjective.objective_id,
            *clauses,
        )

    country_fit = exists().where(
        PledgeCountry.pledge_id == Pledge.id, PledgeCountry.country == gaps.c.country
    )
    theme_fit = or_(
        linked_where(linked_objective.theme == gaps.c.theme),
        and_(Pledge.kind == PledgeKind.EMPLOYMENT.value, gaps.c.theme == "employment_livelihoods"),
    )
    pillar_fit = linked_where(linked_objective.pillar == gaps.c.pillar)
    # The contributor's record counts only pledges the caller may see: a restricted pledge
    # must not show through a reason given to someone who may not read it.
    seen_by_caller = other_pledge.id.in_(select(Pledge.id).where(visible_pledges(principal)))
    record_theme = exists().where(
        seen_by_caller,
        other_pledge.contributor_id == Pledge.contributor_id,
        other_pledge.id != Pledge.id,
        other_link.pledge_id == other_pledge.id,
        other_objective.id == other_link.objective_id,
        other_objective.theme == gaps.c.theme,
    )
    record_country = exists().where(
        seen_by_caller,
        other_pledge.contributor_id == Pledge.contributor_id,
        other_pledge.id != Pledge.id,
        other_country.pledge_id == other_pledge.id,
        other_country.country == gaps.c.country,
    )
    already_linked = exists().where(
        PledgeObjective.pledge_id == Pledge.id, PledgeObjective.objective_id == gaps.c.id
    )
    # In the pledge's currency (commitments and reversals converted to it at their value
    # dates), then to USD once, at the pledge's announcement rate like its amount_usd.
    uncommitted = Pledge.amount - func.coalesce(committed.c.committed, 0)
    # Money x rate: on SQLite a product of scale-4 and scale-10 integers, brought back to
    # money's scale (as a REAL, for ranking); the reported amount is recomputed exactly.
    unallocated = rescaled(uncommitted * Pledge.rate_to_usd, RATE.scale, MONEY)
    # A ratio of two same-scale amounts: a plain number on both backends.
    money = type_coerce(
        case(
            (Pledge.amount_usd.is_(None), literal(0)),
            (gaps.c.gap <= 0, literal(0)),
            (unallocated >= gaps.c.gap, literal(15)),
            else_=literal(15) * unallocated / gaps.c.gap,
        ),
        Numeric(),
    )

    def points(condition: Any, value: int) -> Any:
        return case((condition, literal(value)), else_=literal(0))

    country_points = case(
        (country_fit, literal(40)), (Pledge.regional.is_(True), literal(20)), else_=literal(0)
    )
    score = (
        country_points
        + points(theme_fit, 20)
        + points(pillar_fit, 10)
        + points(record_theme, 10)
        + points(record_country, 5)
        + money
    ).label("score")
    statement = (
        select(
            Pledge.id.label("pledge_id"),
            Pledge.contributor_id.label("contributor_id"),
            Pledge.kind.label("kind"),
            Pledge.regional.label("regional"),
            gaps.c.id.label("objective_id"),
            gaps.c.gap.label("gap"),
            unallocated.label("unallocated"),
            type_coerce(uncommitted, MONEY).label("uncommitted"),
            Pledge.rate_to_usd.label("rate_to_usd"),
            country_fit.label("country_fit"),
            theme_fit.label("theme_fit"),
            pillar_fit.label("pillar_fit"),
            record_theme.label("record_theme"),
            record_country.label("record_country"),
            money.label("money"),
            score,
        )
        .select_from(Pledge)
        .join(gaps, literal(True))
        .outerjoin(committed, committed.c.pledge_id == Pledge.id)
        .where(
            visible_pledges(principal),
            Pledge.withdrawn_at.is_(None),
            Pledge.implementation_status != ImplementationStatus.FULFILLED.value,
            ~already_linked,
            or_(Pledge.amount.is_(None), uncommitted > 0),
        )
    )
    if pledge_id is not None:
        statement = statement.where(Pledge.id == pledge_id)
    ranked = statement.subquery("ranked")
    return (
        select(ranked)
        .where(ranked.c.score > 0)
        .order_by(
            ranked.c.score.desc(),
            func.coalesce(ranked.c.unallocated, 0).desc(),
            ranked.c.pledge_id,
            ranked.c.objective_id,
        )
        .limit(MAX_SUGGESTIONS)
    )


def _unallocated(row: Any) -> Decimal | None:
    """The pledge's unallocated USD, multiplied exactly here rather than in SQL (SQLite has
    no exact product of an amount and a rate)."""
    if row.uncommitted is None or row.rate_to_usd is None:
        return None
    product: Decimal = row.uncommitted * row.rate_to_usd
    return product


def _reasons(row: Any) -> list[str]:
    reasons = []
    if row.country_fit:
        reasons.append("the pledge names the objective's country")
    elif row.regional:
        reasons.append("regional pledge")
    if row.theme_fit:
        reasons.append("serves the objective's theme")
    if row.pillar_fit:
        reasons.append("serves the objective's pillar")
    if row.record_theme:
        reasons.append("the contributor has pledged to this theme before")
    if row.record_country:
        reasons.append("the contributor has pledged to this country before")
    if row.money and Decimal(str(row.money)) > 0:
        reasons.append(
            f"{usd(_unallocated(row))} USD unallocated against a gap of {usd(row.gap)} USD"
        )
    return reasons


async def suggestions(
    session: AsyncSession,
    principal: Principal | None,
    *,
    objective_id: uuid.UUID | None,
    pledge_id: uuid.UUID | None,
) -> MatchingSuggestions:
    """Ranked pledge ↔ objective candidates for one objective or one pledge."""
    if (objective_id is None) == (pledge_id is None):
        raise Unprocessable("give exactly one of objective_id or pledge_id")
    gap_filters = GapFilters(ids=[objective_id] if objective_id is not None else None)
    rows = (await session.execute(_pairs(principal, gap_filters, pledge_id))).all()
    return MatchingSuggestions(
        objective_id=objective_id,
        pledge_id=pledge_id,
        items=[
            MatchingSuggestion(
                pledge_id=row.pledge_id,
                objective_id=row.objective_id,
                contributor_id=row.contributor_id,
                pledge_kind=row.kind,
                score=usd(row.score),
                unallocated_usd=None if row.uncommitted is None else usd(_unallocated(row)),
                objective_gap_usd=usd(row.gap),
                reasons=_reasons(row),
                propose=MatchProposal(
                    body=MatchProposalBody(
                        need_objective_id=row.objective_id, support_pledge_ids=[row.pledge_id]
                    )
                ),
            )
            for row in rows
        ],
    )
