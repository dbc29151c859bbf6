"""The outreach pipeline (Activity 2.1): prospective partners, who owns each contact, how
far it got, what was said, what comes next, and the pledge it led to.

A prospect is seen and written only by the secretariat and its owner (anyone else gets
404, so its existence does not leak). Its contact person is personal data: it is in the
prospect's own reads and nowhere else — not in exports, the change feed or webhooks,
whose events name the prospect, its status and which fields changed, never their values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.common.etag import check_if_match
from services.common.outbox import Audience
from services.common.pagination import Page, keyset_page
from services.pledges import repository
from services.pledges.changes import outbox
from services.pledges.exceptions import InvalidReference
from services.pledges.models import (
    Organisation,
    OrganisationKind,
    Pledge,
    Prospect,
    ProspectInteraction,
    ProspectStatus,
    ProspectStatusChange,
)
from services.pledges.schemas import (
    InteractionCreate,
    InteractionRead,
    NextStep,
    ProspectContact,
    ProspectCreate,
    ProspectDetail,
    ProspectOwner,
    ProspectRead,
    ProspectStatusChangeRead,
    ProspectStatusMove,
    ProspectUpdate,
)
from services.pledges.service import can_see_pledge


class ProspectNotFound(NotFound):
    title, slug = "Prospect not found", "prospect-not-found"


class NotAnSpMember(Forbidden):
    title, slug = "Not an SP member", "not-an-sp-member"


class IllegalTransition(Conflict):
    title, slug = "Illegal status transition", "illegal-transition"


# Where each status may go next; pledged and declined are final.
TRANSITIONS: dict[ProspectStatus, frozenset[ProspectStatus]] = {
    ProspectStatus.IDENTIFIED: frozenset({ProspectStatus.APPROACHED, ProspectStatus.DECLINED}),
    ProspectStatus.APPROACHED: frozenset({ProspectStatus.INTERESTED, ProspectStatus.DECLINED}),
    ProspectStatus.INTERESTED: frozenset({ProspectStatus.PLEDGED, ProspectStatus.DECLINED}),
    ProspectStatus.PLEDGED: frozenset(),
    ProspectStatus.DECLINED: frozenset(),
}


def check_transition(current: ProspectStatus, target: ProspectStatus) -> None:
    """409 unless `target` is a next status of `current`."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final status)"
        raise IllegalTransition(
            f"status: a prospect cannot go from {current.value} to {target.value} "
            f"(allowed: {allowed})",
            field="status",
            from_status=current.value,
            to_status=target.value,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def may_see(principal: Principal, prospect: Prospect) -> bool:
    """The secretariat and the owner only."""
    return principal.is_secretariat or prospect.owner_sub == principal.sub


async def _member_organisation(session: AsyncSession, org_id: str | None) -> Organisation | None:
    """The organisation if it is an SP member (has a membership date)."""
    if org_id is None:
        return None
    try:
        organisation = await session.get(Organisation, uuid.UUID(org_id))
    except ValueError:
        return None
    if organisation is None or organisation.sp_member_since is None:
        return None
    return organisation


async def _owner_for(
    session: AsyncSession, principal: Principal, asked: ProspectOwner | None
) -> ProspectOwner:
    """Who owns a new or reassigned prospect: the caller by default; only the secretariat
    names another person, who must be a secretariat person or of an SP member."""
    if not principal.is_secretariat:
        member = None
        if principal.has_any_role(Role.MEMBER, Role.PARTNER):
            member = await _member_organisation(session, principal.acting_org_id)
        if member is None:
            raise NotAnSpMember(
                "only the secretariat and people of SP member organisations keep an "
                "outreach pipeline"
            )
        mine = ProspectOwner(sub=principal.sub, organisation_id=member.id)
        if asked is not None and asked != mine:
            raise NotAnSpMember(
                "owner: only the secretariat assigns a prospect to someone else",
                field="owner",
            )
        return mine
    if asked is None:
        return ProspectOwner(sub=principal.sub, organisation_id=None)
    if asked.organisation_id is not None and (
        await _member_organisation(session, str(asked.organisation_id)) is None
    ):
        raise InvalidReference(
            f"owner.organisation_id: {asked.organisation_id} is not an SP member organisation",
            field="owner.organisation_id",
        )
    return asked


async def _check_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    if await session.get(Organisation, organisation_id) is None:
        raise InvalidReference(
            f"organisation_id: {organisation_id} is not a known organisation",
            field="organisation_id",
        )


def _set_contact(prospect: Prospect, contact: ProspectContact | None) -> None:
    prospect.contact_name = contact.name if contact else None
    prospect.contact_job_title = contact.job_title if contact else None
    prospect.contact_email = contact.email if contact else None
    prospect.contact_phone = contact.phone if contact else None


def _set_next_step(prospect: Prospect, step: NextStep | None) -> None:
    prospect.next_step = step.text if step else None
    prospect.next_step_on = step.due_on if step else None


def _audience(prospect: Prospect) -> Audience:
    """Events about a prospect reach the secretariat and its owner, as the record does."""
    return Audience(subjects=[prospect.owner_sub])


async def _emit(
    session: AsyncSession, prospect: Prospect, type_: str, changed: Sequence[str]
) -> None:
    """An event naming the prospect, its status and the fields changed: no values, so no
    contact detail ever reaches the feed or a webhook."""
    await outbox.record(
        session,
        type_,
        f"prospects/{prospect.id}",
        {"id": str(prospect.id), "status": prospect.status, "changed": sorted(changed)},
        _audience(prospect),
    )


def _status_change(
    prospect: Prospect, principal: Principal, before: str | None
) -> ProspectStatusChange:
    return ProspectStatusChange(
        id=uuid.uuid4(),
        prospect_id=prospect.id,
        from_status=before,
        to_status=prospect.status,
        pledge_id=prospect.pledge_id,
        changed_by=principal.sub,
        changed_at=_now(),
    )


async def create_prospect(
    session: AsyncSession, principal: Principal, body: ProspectCreate
) -> ProspectDetail:
    """Add a prospect at status identified, owned by the caller (or, for the secretariat,
    by the person it names)."""
    owner = await _owner_for(session, principal, body.owner)
    if body.organisation_id is not None:
        await _check_organisation(session, body.organisation_id)
    now = _now()
    prospect = Prospect(
        id=uuid.uuid4(),
        organisation_id=body.organisation_id,
        name=body.name,
        kind=body.kind.value if body.kind else None,
        country=body.country,
        owner_sub=owner.sub,
        owner_organisation_id=owner.organisation_id,
        status=ProspectStatus.IDENTIFIED.value,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    _set_contact(prospect, body.contact)
    _set_next_step(prospect, body.next_step)
    session.add(prospect)
    await session.flush()
    session.add(_status_change(prospect, principal, None))
    await _emit(session, prospect, "prospect.created", [])
    return await get_prospect(session, principal, prospect.id)


async def _visible(session: AsyncSession, principal: Principal, prospect_id: uuid.UUID) -> Prospect:
    prospect = await session.get(Prospect, prospect_id)
    if prospect is None or not may_see(principal, prospect):
        raise ProspectNotFound(f"prospect {prospect_id} does not exist")
    return prospect


async def update_prospect(
    session: AsyncSession,
    principal: Principal,
    prospect_id: uuid.UUID,
    body: ProspectUpdate,
    if_match: str | None,
) -> ProspectDetail:
    """Change a prospect's details, contact, next step or owner (If-Match)."""
    prospect = await _visible(session, principal, prospect_id)
    check_if_match(if_match, prospect.version)
    fields = body.model_fields_set
    if "owner" in fields:
        if not principal.is_secretariat:
            raise NotAnSpMember("owner: only the secretariat reassigns a prospect", field="owner")
        owner = await _owner_for(session, principal, body.owner)
        prospect.owner_sub, prospect.owner_organisation_id = owner.sub, owner.organisation_id
    if body.organisation_id is not None:
        await _check_organisation(session, body.organisation_id)
        prospect.organisation_id = body.organisation_id
        prospect.name = prospect.kind = prospect.country = None
    named = {"name", "kind", "country"} & fields
    if named and prospect.organisation_id is not None:
        raise Unprocessable(
            f"{sorted(named)[0]}: the prospect is a registered organisation; its name, kind "
            "and country are the organisation's",
            field=sorted(named)[0],
        )
    for field in sorted(named):  # never null: ProspectUpdate refuses clearing them
        value = getattr(body, field)
        setattr(prospect, field, value.value if field == "kind" else value)
    if "contact" in fields:
        _set_contact(prospect, body.contact)
    if "next_step" in fields:
        _set_next_step(prospect, body.next_step)
    prospect.updated_at = _now()
    await session.flush()
    await _emit(session, prospect, "prospect.updated", list(fields))
    return await get_prospect(session, principal, prospect.id)


async def _pledge_for(
    session: AsyncSession, principal: Principal, prospect: Prospect, pledge_id: uuid.UUID
) -> Pledge:
    """The pledge a prospect made: one the caller may see, by the prospect's organisation."""
    found = await repository.pledge_with_links(session, pledge_id)
    if found is None or not can_see_pledge(principal, found[0], found[1]):
        raise InvalidReference(f"pledge_id: pledge {pledge_id} does not exist", field="pledge_id")
    pledge = found[0]
    if prospect.organisation_id is not None and pledge.contributor_id != prospect.organisation_id:
        raise InvalidReference(
            f"pledge_id: pledge {pledge_id} is not a pledge of the prospect's organisation",
            field="pledge_id",
        )
    return pledge


async def move_status(
    session: AsyncSession,
    principal: Principal,
    prospect_id: uuid.UUID,
    body: ProspectStatusMove,
    if_match: str | None,
) -> ProspectDetail:
    """Move the prospect to its next status (409 if not allowed from where it is);
    `pledged` links it to the pledge it made, and to that pledge's contributor."""
    prospect = await _visible(session, principal, prospect_id)
    check_if_match(if_match, prospect.version)
    before = prospect.status
    check_transition(ProspectStatus(before), body.status)
    if body.pledge_id is not None:
        pledge = await _pledge_for(session, principal, prospect, body.pledge_id)
        prospect.pledge_id = pledge.id
        if prospect.organisation_id is None:
            prospect.organisation_id = pledge.contributor_id
            prospect.name = prospect.kind = prospect.country = None
    prospect.status = body.status.value
    prospect.updated_at = _now()
    await session.flush()
    session.add(_status_change(prospect, principal, before))
    await _emit(session, prospect, "prospect.status_changed", ["status"])
    return await get_prospect(session, principal, prospect.id)


async def add_interaction(
    session: AsyncSession, principal: Principal, prospect_id: uuid.UUID, body: InteractionCreate
) -> InteractionRead:
    """Record a dated contact with the prospect (secretariat or owner)."""
    prospect = await _visible(session, principal, prospect_id)
    interaction = ProspectInteraction(
        id=uuid.uuid4(),
        prospect_id=prospect.id,
        occurred_on=body.occurred_on,
        channel=body.channel.value,
        summary=body.summary,
        recorded_by=principal.sub,
        recorded_at=_now(),
    )
    session.add(interaction)
    await session.flush()
    await _emit(session, prospect, "prospect.interaction_recorded", ["interactions"])
    return InteractionRead.model_validate(interaction, from_attributes=True)


# ---------------------------------------------------------------- reads


def _read(prospect: Prospect, organisation: Organisation | None) -> ProspectRead:
    contact = (
        ProspectContact(
            name=prospect.contact_name,
            job_title=prospect.contact_job_title,
            email=prospect.contact_email,
            phone=prospect.contact_phone,
        )
        if prospect.contact_name is not None
        else None
    )
    step = (
        NextStep(text=prospect.next_step, due_on=prospect.next_step_on)
        if prospect.next_step is not None
        else None
    )
    return ProspectRead(
        id=prospect.id,
        organisation_id=prospect.organisation_id,
        name=organisation.name if organisation else prospect.name or "",
        kind=OrganisationKind(organisation.kind if organisation else prospect.kind or "other"),
        country=organisation.country if organisation else prospect.country,
        owner=ProspectOwner(sub=prospect.owner_sub, organisation_id=prospect.owner_organisation_id),
        status=ProspectStatus(prospect.status),
        pledge_id=prospect.pledge_id,
        contact=contact,
        next_step=step,
        created_at=prospect.created_at,
        updated_at=prospect.updated_at,
        version=prospect.version,
    )


async def _reads(session: AsyncSession, prospects: Sequence[Prospect]) -> list[ProspectRead]:
    organisations = await repository.organisations_by_id(
        session, {p.organisation_id for p in prospects if p.organisation_id is not None}
    )
    return [
        _read(p, organisations.get(p.organisation_id) if p.organisation_id else None)
        for p in prospects
    ]


async def get_prospect(
    session: AsyncSession, principal: Principal, prospect_id: uuid.UUID
) -> ProspectDetail:
    """One prospect with its interactions and status history (secretariat or owner)."""
    prospect = await _visible(session, principal, prospect_id)
    read = (await _reads(session, [prospect]))[0]
    interactions = await session.scalars(
        select(ProspectInteraction)
        .where(ProspectInteraction.prospect_id == prospect.id)
        .order_by(ProspectInteraction.occurred_on.desc(), ProspectInteraction.recorded_at.desc())
    )
    history = await session.scalars(
        select(ProspectStatusChange)
        .where(ProspectStatusChange.prospect_id == prospect.id)
        .order_by(ProspectStatusChange.changed_at, ProspectStatusChange.id)
    )
    return ProspectDetail(
        **read.__dict__,
        interactions=[
            InteractionRead.model_validate(i, from_attributes=True) for i in interactions
        ],
        status_history=[
            ProspectStatusChangeRead.model_validate(change, from_attributes=True)
            for change in history
        ],
    )


@dataclass(frozen=True)
class ProspectFilters:
    status: Sequence[str] | None = None
    owner: str | None = None
    country: str | None = None
    ids: Sequence[uuid.UUID] | None = None


def _country() -> ColumnElement[Any]:
    """A registered prospect's country is its organisation's."""
    return func.coalesce(
        select(Organisation.country)
        .where(Organisation.id == Prospect.organisation_id)
        .scalar_subquery(),
        Prospect.country,
    )


def prospects_query(principal: Principal, filters: ProspectFilters) -> Select[Any]:
    statement = select(Prospect)
    if not principal.is_secretariat:
        statement = statement.where(Prospect.owner_sub == principal.sub)
    if filters.status:
        statement = statement.where(Prospect.status.in_(filters.status))
    if filters.owner is not None:
        statement = statement.where(Prospect.owner_sub == filters.owner)
    if filters.country is not None:
        statement = statement.where(_country() == filters.country)
    if filters.ids is not None:
        statement = statement.where(Prospect.id.in_(filters.ids))
    return statement


async def list_prospects(
    session: AsyncSession,
    principal: Principal,
    filters: ProspectFilters,
    cursor: str | None,
    limit: int,
) -> Page[ProspectRead]:
    """The prospects the caller may see (the secretariat: all; others: their own),
    oldest first."""
    order_by: list[Any] = [Prospect.created_at, Prospect.id]
    items, next_cursor = await keyset_page(
        session,
        prospects_query(principal, filters),
        order_by=order_by,
        sort_key=lambda p: [p.created_at, p.id],
        cursor=cursor,
        limit=limit,
    )
    return Page(items=await _reads(session, items), next_cursor=next_cursor)
