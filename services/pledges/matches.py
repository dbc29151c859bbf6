"""Matches: a need side paired with the support-side pledges that would serve it — the
Global Refugee Forum's own matching, recorded.

The need side is exactly one of a host country's policy pledge (a policy pledge of an
organisation of kind state) or an action-plan objective. The support side is one or more
other pledges, none of them a host government's policy pledge (that is a need) nor
withdrawn. A match moves proposed → under_discussion → agreed → announced, and can be
declined from any open status; every move is kept in its history and emitted on the
change feed. A match is proposed from a matching suggestion (each suggestion carries the
body to post) or by hand.

Who: the secretariat, or whoever speaks for a contributor of a pledge in the match (a
member or partner of its lead, or the focal point of a contributing government), or a
focal point of the need side's country. Whoever proposes or moves a match must see every
pledge in it; a match is listed only to those who may see all its pledges, so a
cultivating pledge never shows through a match.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.common.etag import check_if_match
from services.common.outbox import PUBLIC, Audience
from services.common.pagination import Page, keyset_page
from services.common.schemas import DecimalString, LocalizedText, absent, both, given
from services.pledges import changes, matching, service
from services.pledges.exceptions import InvalidReference, PledgeNotFound
from services.pledges.models import (
    Match,
    MatchChange,
    MatchPledge,
    MatchStatus,
    Objective,
    Organisation,
    OrganisationKind,
    Pledge,
    PledgeContributor,
    PledgeCountry,
    PledgeKind,
)
from services.pledges.repository import visible_pledges

MAX_SUPPORT = 20
EventId = Annotated[str, StringConstraints(min_length=1, max_length=100)]

# Where each status may go; announced and declined are final.
TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    MatchStatus.PROPOSED: frozenset({MatchStatus.UNDER_DISCUSSION, MatchStatus.DECLINED}),
    MatchStatus.UNDER_DISCUSSION: frozenset({MatchStatus.AGREED, MatchStatus.DECLINED}),
    MatchStatus.AGREED: frozenset({MatchStatus.ANNOUNCED, MatchStatus.DECLINED}),
    MatchStatus.ANNOUNCED: frozenset(),
    MatchStatus.DECLINED: frozenset(),
}
OPEN = (MatchStatus.PROPOSED, MatchStatus.UNDER_DISCUSSION, MatchStatus.AGREED)

OBJECTIVE_ID = "8d2f6e0a-1b3c-4d5e-8f90-a1b2c3d4e5f6"
PLEDGE_ID = "c4a7e2d9-5b1f-4e3a-9c8d-7f6e5d4c3b2a"
MATCH_ID = "2e9d4c1b-7a6f-4b8e-9d0c-1f2e3d4c5b6a"


class MatchNotFound(NotFound):
    title, slug = "Match not found", "match-not-found"


class IllegalMatchTransition(Conflict):
    title, slug = "Illegal match transition", "illegal-match-transition"


class NotAPartyToTheMatch(Forbidden):
    title, slug = "Not a party to the match", "not-a-party-to-the-match"


class MatchConflict(Conflict):
    title, slug = "Match conflict", "match-conflict"


# ---------------------------------------------------------------- schemas


class MatchCreate(BaseModel):
    """A proposed match: exactly one need side, one or more support pledges."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "need_objective_id": OBJECTIVE_ID,
                "support_pledge_ids": [PLEDGE_ID],
                "event": "grf-2023",
                "notes": {"en": "Suggested by the matching (score 75)."},
            },
            "oneOf": [
                both(given("need_pledge_id"), absent("need_objective_id")),
                both(given("need_objective_id"), absent("need_pledge_id")),
            ],
        },
    )

    need_pledge_id: uuid.UUID | None = Field(
        default=None, description="A host country's policy pledge (or give need_objective_id)."
    )
    need_objective_id: uuid.UUID | None = Field(
        default=None, description="An action-plan objective (or give need_pledge_id)."
    )
    support_pledge_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_SUPPORT,
        description="The pledges that would serve it, each once (not the need-side pledge).",
        json_schema_extra={"uniqueItems": True},
    )
    event: EventId | None = Field(
        default=None, description="The event it is meant to be announced at, e.g. the GRF."
    )
    notes: LocalizedText | None = None


class MatchTransition(BaseModel):
    """Move a match to its next status."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"status": "agreed", "note": "Both sides confirmed.", "event": "grf-2023"}
        },
    )

    status: MatchStatus
    note: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="Why, kept in the history."
    )
    event: EventId | None = Field(
        default=None, description="Set or change the event it is to be announced at."
    )


class MatchChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: MatchStatus | None
    to_status: MatchStatus
    note: str | None
    changed_by: str
    changed_at: datetime


class MatchRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": MATCH_ID,
                "need_pledge_id": None,
                "need_objective_id": OBJECTIVE_ID,
                "support_pledge_ids": [PLEDGE_ID],
                "pledge_ids": [PLEDGE_ID],
                "status": "agreed",
                "event": "grf-2023",
                "notes": {"es": None, "en": "Suggested by the matching (score 75)."},
                "score": "75.0000",
                "countries": ["GTM"],
                "proposed_by": "secretariat-1",
                "proposed_by_org": None,
                "history": [
                    {
                        "from_status": None,
                        "to_status": "proposed",
                        "note": None,
                        "changed_by": "secretariat-1",
                        "changed_at": "2023-10-02T09:00:00+00:00",
                    }
                ],
                "created_at": "2023-10-02T09:00:00+00:00",
                "updated_at": "2023-11-20T09:00:00+00:00",
                "version": 3,
            }
        }
    )

    id: uuid.UUID
    need_pledge_id: uuid.UUID | None
    need_objective_id: uuid.UUID | None
    support_pledge_ids: list[uuid.UUID]
    pledge_ids: list[uuid.UUID] = Field(
        description="Every pledge in the match, need side first (for filtering by pledge)."
    )
    status: MatchStatus
    event: str | None
    notes: LocalizedText | None
    score: DecimalString | None = Field(
        description="The matching score of the objective and its one support pledge when "
        "proposed (see GET /v1/matching/suggestions); null otherwise."
    )
    countries: list[str] = Field(description="The need side's countries.")
    proposed_by: str
    proposed_by_org: uuid.UUID | None
    history: list[MatchChangeRead] = Field(description="Every status change, oldest first.")
    created_at: datetime
    updated_at: datetime
    version: int


class Announcements(BaseModel):
    """What is agreed (or already announced) for announcement at an event."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"event": "grf-2023", "agreed": [], "announced": []}}
    )

    event: str
    agreed: list[MatchRead] = Field(description="Agreed, waiting to be announced there.")
    announced: list[MatchRead] = Field(description="Already announced there.")


@dataclass(frozen=True)
class MatchFilters:
    status: Sequence[MatchStatus] | None = None
    country: str | None = None
    event: str | None = None
    pledge_ids: Sequence[uuid.UUID] | None = None


# ---------------------------------------------------------------- rules


def _now() -> datetime:
    return datetime.now(UTC)


def is_host_policy_pledge(pledge: Pledge, contributor: Organisation | None) -> bool:
    """A need-side pledge: a policy pledge of a government (an organisation of kind state)."""
    return (
        pledge.kind == PledgeKind.POLICY.value
        and contributor is not None
        and contributor.kind == OrganisationKind.STATE.value
    )


def check_transition(current: MatchStatus, wanted: MatchStatus) -> None:
    """409 unless `wanted` follows `current` (see TRANSITIONS)."""
    if wanted not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is final)"
        raise IllegalMatchTransition(
            f"status: a {current.value} match cannot become {wanted.value}; allowed: {allowed}",
            field="status",
        )


async def _need_pledge(
    session: AsyncSession, principal: Principal, pledge_id: uuid.UUID
) -> tuple[Pledge, list[str]]:
    try:
        pledge, countries, _ = await service.visible_pledge(session, principal, pledge_id)
    except PledgeNotFound as exc:
        raise InvalidReference(
            f"need_pledge_id: pledge {pledge_id} does not exist", field="need_pledge_id"
        ) from exc
    contributor = await session.get(Organisation, pledge.contributor_id)
    if not is_host_policy_pledge(pledge, contributor):
        raise InvalidReference(
            "need_pledge_id: the need side must be a host country's policy pledge "
            "(kind policy, by an organisation of kind state)",
            field="need_pledge_id",
        )
    if pledge.withdrawn_at is not None:
        raise MatchConflict(
            f"need_pledge_id: pledge {pledge_id} is withdrawn", field="need_pledge_id"
        )
    host = [contributor.country] if contributor and contributor.country else []
    return pledge, sorted({*countries, *host})


async def _support_pledges(
    session: AsyncSession, principal: Principal, body: MatchCreate
) -> list[Pledge]:
    ids = body.support_pledge_ids
    if len(set(ids)) != len(ids):
        raise Unprocessable(
            "support_pledge_ids: a pledge is listed twice", field="support_pledge_ids"
        )
    if body.need_pledge_id is not None and body.need_pledge_id in ids:
        raise Unprocessable(
            "support_pledge_ids: a match cannot pair a pledge with itself",
            field="support_pledge_ids",
        )
    found = []
    for pledge_id in ids:
        try:
            pledge, _, _ = await service.visible_pledge(session, principal, pledge_id)
        except PledgeNotFound as exc:
            raise InvalidReference(
                f"support_pledge_ids: pledge {pledge_id} does not exist",
                field="support_pledge_ids",
            ) from exc
        if pledge.withdrawn_at is not None:
            raise MatchConflict(
                f"support_pledge_ids: pledge {pledge_id} is withdrawn", field="support_pledge_ids"
            )
        contributor = await session.get(Organisation, pledge.contributor_id)
        if is_host_policy_pledge(pledge, contributor):
            raise InvalidReference(
                f"support_pledge_ids: pledge {pledge_id} is a host country's policy pledge, "
                "a need side; it cannot be support",
                field="support_pledge_ids",
            )
        found.append(pledge)
    return found


async def _is_party(
    session: AsyncSession, principal: Principal, pledges: Sequence[Pledge], countries: Sequence[str]
) -> bool:
    if principal.is_secretariat:
        return True
    if any(principal.is_focal_point_for(country) for country in countries):
        return True
    for pledge in pledges:
        if await service.speaks_for(session, principal, pledge.contributor_id):
            return True
    return False


async def _authorise(
    session: AsyncSession, principal: Principal, pledges: Sequence[Pledge], countries: Sequence[str]
) -> None:
    if not await _is_party(session, principal, pledges, countries):
        raise NotAPartyToTheMatch(
            "only the secretariat, a contributor of a pledge in the match or a focal point "
            "of the need side's country may propose or move it"
        )


async def _audience(session: AsyncSession, pledges: Sequence[Pledge]) -> Audience:
    """Public when every pledge in the match is; else only those who are party to every
    non-public pledge in it: the organisations contributing to all of them and the focal
    points of a country of all of them (a safe under-approximation of who may see the
    match; the secretariat always reads)."""
    hidden = [p for p in pledges if not service.is_public(p)]
    if not hidden:
        return PUBLIC
    ids = [p.id for p in hidden]
    organisations: dict[uuid.UUID, set[str]] = defaultdict(set)
    countries: dict[uuid.UUID, set[str]] = defaultdict(set)
    for pledge_id, organisation, kind, home in await session.execute(
        select(
            PledgeContributor.pledge_id,
            PledgeContributor.organisation_id,
            Organisation.kind,
            Organisation.country,
        )
        .join(Organisation, Organisation.id == PledgeContributor.organisation_id)
        .where(PledgeContributor.pledge_id.in_(ids))
    ):
        organisations[pledge_id].add(str(organisation))
        if kind == OrganisationKind.STATE.value and home is not None:
            countries[pledge_id].add(home)
    for pledge_id, country in await session.execute(
        select(PledgeCountry.pledge_id, PledgeCountry.country).where(
            PledgeCountry.pledge_id.in_(ids)
        )
    ):
        countries[pledge_id].add(country)
    return Audience(
        organisations=sorted(set.intersection(*(organisations[i] for i in ids))),
        countries=sorted(set.intersection(*(countries[i] for i in ids))),
    )


async def _emit(
    session: AsyncSession,
    match: Match,
    type_: str,
    pledges: Sequence[Pledge],
    support_ids: Sequence[uuid.UUID],
) -> None:
    data = {
        "id": str(match.id),
        "status": match.status,
        "event": match.event,
        "need_pledge_id": None if match.need_pledge_id is None else str(match.need_pledge_id),
        "need_objective_id": (
            None if match.need_objective_id is None else str(match.need_objective_id)
        ),
        "support_pledge_ids": sorted(str(i) for i in support_ids),
    }
    audience = await _audience(session, pledges)
    await changes.outbox.record(session, type_, f"matches/{match.id}", data, audience)


async def _score(
    session: AsyncSession, principal: Principal, objective_id: uuid.UUID, pledge_id: uuid.UUID
) -> Decimal | None:
    """The matching score of the pair, if the matching suggests it."""
    found = await matching.suggestions(session, principal, objective_id=None, pledge_id=pledge_id)
    for item in found.items:
        if item.objective_id == objective_id:
            return item.score
    return None


# ---------------------------------------------------------------- writes


async def propose(
    session: AsyncSession,
    principal: Principal,
    body: MatchCreate,
    *,
    match_id: uuid.UUID | None = None,
) -> MatchRead:
    """Propose a match (status proposed), kept in its history and on the change feed.

    `match_id` is for demo data that keeps its ids stable."""
    if (body.need_pledge_id is None) == (body.need_objective_id is None):
        raise Unprocessable(
            "need_pledge_id: give exactly one need side, need_pledge_id or need_objective_id",
            field="need_pledge_id",
        )
    need: list[Pledge] = []
    if body.need_pledge_id is not None:
        need_pledge, countries = await _need_pledge(session, principal, body.need_pledge_id)
        need = [need_pledge]
    else:
        assert body.need_objective_id is not None
        objective = await session.get(Objective, body.need_objective_id)
        if objective is None:
            raise InvalidReference(
                f"need_objective_id: objective {body.need_objective_id} does not exist",
                field="need_objective_id",
            )
        countries = [objective.country] if objective.country else []
    support = await _support_pledges(session, principal, body)
    await _authorise(session, principal, [*need, *support], countries)
    score = None
    if body.need_objective_id is not None and len(support) == 1:
        score = await _score(session, principal, body.need_objective_id, support[0].id)
    now = _now()
    match = Match(
        id=match_id or uuid.uuid4(),
        need_pledge_id=body.need_pledge_id,
        need_objective_id=body.need_objective_id,
        status=MatchStatus.PROPOSED.value,
        event=body.event,
        notes_es=body.notes.es if body.notes else None,
        notes_en=body.notes.en if body.notes else None,
        score=score,
        proposed_by=principal.sub,
        proposed_by_org=_acting_org(principal),
        created_at=now,
        updated_at=now,
    )
    session.add(match)
    await session.flush()
    session.add_all(MatchPledge(match_id=match.id, pledge_id=p.id) for p in support)
    session.add(
        MatchChange(
            id=uuid.uuid4(),
            match_id=match.id,
            position=1,
            from_status=None,
            to_status=MatchStatus.PROPOSED.value,
            note=None,
            changed_by=principal.sub,
            changed_at=now,
        )
    )
    await session.flush()
    await _emit(session, match, "match.proposed", [*need, *support], body.support_pledge_ids)
    return (await _reads(session, [match]))[0]


def _acting_org(principal: Principal) -> uuid.UUID | None:
    if principal.acting_org_id is None:
        return None
    try:
        return uuid.UUID(principal.acting_org_id)
    except ValueError:
        return None


async def transition(
    session: AsyncSession,
    principal: Principal,
    match_id: uuid.UUID,
    body: MatchTransition,
    if_match: str | None,
) -> MatchRead:
    """Move a match to its next status (409 on a move TRANSITIONS does not allow)."""
    match = await _visible_match(session, principal, match_id, lock=True)
    pledges, countries, support_ids = await _parties(session, match)
    await _authorise(session, principal, pledges, countries)
    check_if_match(if_match, match.version)
    current = MatchStatus(match.status)
    check_transition(current, body.status)
    event = body.event or match.event
    if body.status == MatchStatus.ANNOUNCED and event is None:
        raise Unprocessable("event: name the event the match is announced at", field="event")
    now = _now()
    match.status = body.status.value
    match.event = event
    match.updated_at = now
    session.add(
        MatchChange(
            id=uuid.uuid4(),
            match_id=match.id,
            position=await _next_position(session, match.id),
            from_status=current.value,
            to_status=body.status.value,
            note=body.note,
            changed_by=principal.sub,
            changed_at=now,
        )
    )
    await session.flush()
    await _emit(session, match, "match.status_changed", pledges, support_ids)
    return (await _reads(session, [match]))[0]


async def _next_position(session: AsyncSession, match_id: uuid.UUID) -> int:
    last = await session.scalar(
        select(func.max(MatchChange.position)).where(MatchChange.match_id == match_id)
    )
    return int(last or 0) + 1


async def _parties(
    session: AsyncSession, match: Match
) -> tuple[list[Pledge], list[str], list[uuid.UUID]]:
    """The match's pledges (need first), its need side's countries, its support ids."""
    support_ids = list(
        (
            await session.scalars(
                select(MatchPledge.pledge_id)
                .where(MatchPledge.match_id == match.id)
                .order_by(MatchPledge.pledge_id)
            )
        ).all()
    )
    ids = [*([match.need_pledge_id] if match.need_pledge_id else []), *support_ids]
    pledges = list((await session.scalars(select(Pledge).where(Pledge.id.in_(ids)))).all())
    countries = (await _countries(session, [match]))[match.id]
    return pledges, countries, support_ids


# ---------------------------------------------------------------- reads


def visible_matches(principal: Principal | None) -> Any:
    """SQL: matches whose every pledge the caller may see."""
    # An explicit join: `~visible_pledges` can fold to a bare false, dropping the criteria.
    hidden_support = (
        select(MatchPledge.pledge_id)
        .join(Pledge, Pledge.id == MatchPledge.pledge_id)
        .where(MatchPledge.match_id == Match.id, ~visible_pledges(principal))
        .exists()
    )
    hidden_need = exists().where(Pledge.id == Match.need_pledge_id, ~visible_pledges(principal))
    return ~hidden_support & ~hidden_need


def _filtered(principal: Principal | None, filters: MatchFilters) -> Select[Any]:
    statement = select(Match).where(visible_matches(principal))
    if filters.status:
        statement = statement.where(Match.status.in_([s.value for s in filters.status]))
    if filters.event is not None:
        statement = statement.where(Match.event == filters.event)
    if filters.country is not None:
        statement = statement.where(
            or_(
                exists().where(
                    Objective.id == Match.need_objective_id, Objective.country == filters.country
                ),
                exists().where(
                    PledgeCountry.pledge_id == Match.need_pledge_id,
                    PledgeCountry.country == filters.country,
                ),
                exists().where(
                    Pledge.id == Match.need_pledge_id,
                    Organisation.id == Pledge.contributor_id,
                    Organisation.country == filters.country,
                ),
            )
        )
    if filters.pledge_ids:
        statement = statement.where(
            or_(
                Match.need_pledge_id.in_(filters.pledge_ids),
                exists().where(
                    MatchPledge.match_id == Match.id,
                    MatchPledge.pledge_id.in_(filters.pledge_ids),
                ),
            )
        )
    return statement


async def list_matches(
    session: AsyncSession,
    principal: Principal | None,
    filters: MatchFilters,
    cursor: str | None,
    limit: int,
) -> Page[MatchRead]:
    """Matches the caller may see, newest first."""
    order_by: list[Any] = [Match.created_at, Match.id]
    items, next_cursor = await keyset_page(
        session,
        _filtered(principal, filters),
        order_by=order_by,
        sort_key=lambda m: [m.created_at, m.id],
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    return Page(items=await _reads(session, items), next_cursor=next_cursor)


async def announcements(
    session: AsyncSession, principal: Principal | None, event: str
) -> Announcements:
    """The GRF view: matches agreed for announcement at `event`, and those announced there."""
    statement = _filtered(
        principal,
        MatchFilters(status=[MatchStatus.AGREED, MatchStatus.ANNOUNCED], event=event),
    ).order_by(Match.created_at, Match.id)
    found = await _reads(session, list((await session.scalars(statement)).all()))
    return Announcements(
        event=event,
        agreed=[m for m in found if m.status == MatchStatus.AGREED],
        announced=[m for m in found if m.status == MatchStatus.ANNOUNCED],
    )


async def _visible_match(
    session: AsyncSession, principal: Principal | None, match_id: uuid.UUID, *, lock: bool = False
) -> Match:
    statement = select(Match).where(Match.id == match_id, visible_matches(principal))
    if lock:
        statement = statement.with_for_update(of=Match)
    match = await session.scalar(statement)
    if match is None:
        raise MatchNotFound(f"match {match_id} does not exist")
    return match


async def get_match(
    session: AsyncSession, principal: Principal | None, match_id: uuid.UUID
) -> MatchRead:
    """One match, if the caller may see every pledge in it (404 otherwise)."""
    return (await _reads(session, [await _visible_match(session, principal, match_id)]))[0]


async def _countries(session: AsyncSession, found: Sequence[Match]) -> dict[uuid.UUID, list[str]]:
    """The need side's countries of each match: the objective's, or the need pledge's
    recipient countries and its government's country."""
    result: dict[uuid.UUID, set[str]] = defaultdict(set)
    by_objective = {m.need_objective_id: m.id for m in found if m.need_objective_id}
    by_pledge: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for m in found:
        if m.need_pledge_id:
            by_pledge[m.need_pledge_id].append(m.id)
    if by_objective:
        for objective_id, country in await session.execute(
            select(Objective.id, Objective.country).where(Objective.id.in_(list(by_objective)))
        ):
            if country:
                for m in found:
                    if m.need_objective_id == objective_id:
                        result[m.id].add(country)
    if by_pledge:
        recipients = select(PledgeCountry.pledge_id, PledgeCountry.country).where(
            PledgeCountry.pledge_id.in_(list(by_pledge))
        )
        host = (
            select(Pledge.id, Organisation.country)
            .join(Organisation, Organisation.id == Pledge.contributor_id)
            .where(Pledge.id.in_(list(by_pledge)), Organisation.country.is_not(None))
        )
        for statement in (recipients, host):
            for pledge_id, country in await session.execute(statement):
                for match_id in by_pledge[pledge_id]:
                    if country is not None:
                        result[match_id].add(country)
    return {m.id: sorted(result[m.id]) for m in found}


async def _reads(session: AsyncSession, found: Sequence[Match]) -> list[MatchRead]:
    """Matches with support pledges, countries and history: four queries for any number."""
    ids = [m.id for m in found]
    support: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    history: dict[uuid.UUID, list[MatchChangeRead]] = defaultdict(list)
    if ids:
        for match_id, pledge_id in await session.execute(
            select(MatchPledge.match_id, MatchPledge.pledge_id)
            .where(MatchPledge.match_id.in_(ids))
            .order_by(MatchPledge.pledge_id)
        ):
            support[match_id].append(pledge_id)
        for change in await session.scalars(
            select(MatchChange)
            .where(MatchChange.match_id.in_(ids))
            .order_by(MatchChange.match_id, MatchChange.position)
        ):
            history[change.match_id].append(MatchChangeRead.model_validate(change))
    countries = await _countries(session, found)
    return [
        MatchRead(
            id=m.id,
            need_pledge_id=m.need_pledge_id,
            need_objective_id=m.need_objective_id,
            support_pledge_ids=support[m.id],
            pledge_ids=[*([m.need_pledge_id] if m.need_pledge_id else []), *support[m.id]],
            status=MatchStatus(m.status),
            event=m.event,
            notes=(
                LocalizedText(es=m.notes_es, en=m.notes_en) if (m.notes_es or m.notes_en) else None
            ),
            score=m.score,
            countries=countries[m.id],
            proposed_by=m.proposed_by,
            proposed_by_org=m.proposed_by_org,
            history=history[m.id],
            created_at=m.created_at,
            updated_at=m.updated_at,
            version=m.version,
        )
        for m in found
    ]
