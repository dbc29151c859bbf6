"""The rules of the catalogue: who writes what, the review workflow, versions, priorities."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, Role
from services.common.errors import Forbidden
from services.common.etag import check_if_match
from services.common.schemas import LocalizedText
from services.common.vocabulary import MIRPS_COUNTRIES, themes
from services.practices import changes, repository, schemas
from services.practices.exceptions import (
    InconsistentInventoryItem,
    InconsistentPractice,
    InvalidTransition,
    InventoryItemNotFound,
    NotYourCountry,
    NotYourPractice,
    PracticeNotEditable,
    PracticeNotFound,
)
from services.practices.models import (
    InventoryItem,
    Practice,
    PracticeOrganisation,
    PracticePopulation,
    PracticeStatus,
    PracticeTheme,
    PracticeTransition,
    PracticeVersion,
    VersionKind,
)
from services.practices.references import implementer_references, of_practice, references
from services.practices.search import parse_text_query, title_sort_key

AUTHOR_ROLES = (Role.MEMBER, Role.PARTNER, Role.COUNTRY_FOCAL_POINT, Role.SECRETARIAT)

# Workflow: (from, to) → the action's name, as its endpoint is called.
TRANSITIONS: dict[tuple[str, str], str] = {
    (PracticeStatus.DRAFT, PracticeStatus.SUBMITTED): "submit",
    (PracticeStatus.SUBMITTED, PracticeStatus.DRAFT): "request-changes",
    (PracticeStatus.SUBMITTED, PracticeStatus.PUBLISHED): "publish",
    (PracticeStatus.PUBLISHED, PracticeStatus.ARCHIVED): "archive",
}

# Fields of the public record; a version snapshots these and names those that changed.
PUBLIC_FIELDS = (
    "title",
    "summary",
    "description",
    "country",
    "origin",
    "implementing_organisations",
    "themes",
    "populations",
    "pillar",
    "period",
    "results",
    "evidence",
    "links",
    "shared_with",
    "status",
)
REQUIRED_FIELDS = ("title", "summary", "country", "origin", "themes")


def now() -> datetime:
    return datetime.now(UTC)


# --- who may do what ---------------------------------------------------------------------


def viewer_for(principal: Principal | None) -> repository.Viewer:
    """What unpublished practices the caller may see: their own, or all for the secretariat."""
    if principal is None:
        return repository.Viewer()
    if principal.is_secretariat:
        return repository.Viewer(everything=True)
    focal = (
        principal.countries
        if principal.has_any_role(Role.COUNTRY_FOCAL_POINT)
        else frozenset[str]()
    )
    org_id = principal.acting_org_id
    return repository.Viewer(sub=principal.sub, org_id=org_id, focal_countries=focal)


def is_author(principal: Principal | None, practice: Practice) -> bool:
    """The practice's creator, a member of its organisation, or its country's focal point."""
    if principal is None:
        return False
    return (
        principal.sub == practice.created_by
        or principal.speaks_for_org(practice.owner_org_id)
        or (practice.origin == "mirps_country" and principal.is_focal_point_for(practice.country))
    )


def can_see(principal: Principal | None, practice: Practice) -> bool:
    if practice.status == PracticeStatus.PUBLISHED:
        return True
    return principal is not None and (principal.is_secretariat or is_author(principal, practice))


# --- reading -----------------------------------------------------------------------------


async def visible_practice(
    session: AsyncSession, principal: Principal | None, practice_id: uuid.UUID
) -> Practice:
    """The practice if the caller may see it; 404 otherwise (its existence stays private)."""
    practice = await repository.get_practice(session, practice_id)
    if practice is None or not can_see(principal, practice):
        raise PracticeNotFound(f"practice {practice_id} does not exist")
    return practice


def practice_view(practice: Practice, principal: Principal | None) -> schemas.Practice:
    """The practice as this caller may see it: contacts and review notes only when signed in."""
    record = _public_record(practice)
    may_review = principal is not None and (
        principal.is_secretariat or is_author(principal, practice)
    )
    return schemas.Practice.model_validate(
        {
            **record,
            "id": practice.id,
            "contacts": practice.contacts if principal is not None else None,
            "review_comment": practice.review_comment if may_review else None,
            "submitted_at": practice.submitted_at,
            "published_at": practice.published_at,
            "archived_at": practice.archived_at,
            "created_at": practice.created_at,
            "updated_at": practice.updated_at,
            "version": practice.version,
        }
    )


async def present_practice(
    session: AsyncSession, practice: Practice, principal: Principal | None
) -> schemas.Practice:
    """`practice_view` with the practice's stale references flagged."""
    view = practice_view(practice, principal)
    view.stale_references = await references.stale(session, of_practice(practice))
    return view


def _localized(es: str | None, en: str | None) -> dict[str, str | None] | None:
    if es is None and en is None:
        return None
    return {"es": es, "en": en}


def _public_record(practice: Practice) -> dict[str, Any]:
    """The publishable content of a practice, JSON-ready (no contacts, no workflow notes)."""
    period = None
    if practice.started_on is not None or practice.ended_on is not None:
        period = {
            "start_date": practice.started_on.isoformat() if practice.started_on else None,
            "end_date": practice.ended_on.isoformat() if practice.ended_on else None,
        }
    evidence = None
    if practice.evidence_level is not None:
        evidence = {"level": practice.evidence_level, "description": practice.evidence}
    return {
        "title": _localized(practice.title_es, practice.title_en),
        "summary": _localized(practice.summary_es, practice.summary_en),
        "description": _localized(practice.description_es, practice.description_en),
        "country": practice.country,
        "origin": practice.origin,
        "implementing_organisations": practice.implementing_organisations,
        "themes": practice.themes,
        "populations": practice.populations,
        "pillar": practice.pillar,
        "period": period,
        "results": practice.results,
        "evidence": evidence,
        "links": practice.links,
        "shared_with": practice.shared_with,
        "status": practice.status,
    }


async def search_practices(
    session: AsyncSession,
    principal: Principal | None,
    filters: schemas.PracticeFilters,
    *,
    cursor: str | None,
    limit: int,
) -> schemas.PracticeSearchPage:
    """Full-text search and filters over the practices the caller may see, with facets."""
    text = parse_text_query(filters.q, prefix=filters.prefix)
    sort = filters.sort or ("relevance" if text is not None else "newest")
    query = repository.PracticeQuery(
        text=text,
        themes=filters.themes,
        countries=filters.countries,
        populations=filters.populations,
        origins=filters.origins,
        pillars=filters.pillars,
        evidence_levels=filters.evidence_levels,
        statuses=filters.statuses,
        organisation_ids=filters.organisation_ids,
        ids=filters.ids,
        updated_since=filters.updated_since,
        sort=sort,
    )
    result = await repository.search_practices(
        session,
        query,
        viewer_for(principal),
        cursor=cursor,
        limit=limit,
        with_facets=filters.facets,
    )
    flags = await references.stale_many(
        session, {practice.id: of_practice(practice) for practice in result.practices}
    )
    return schemas.PracticeSearchPage(
        items=[
            practice_view(practice, principal).model_copy(
                update={"stale_references": flags[practice.id]}
            )
            for practice in result.practices
        ],
        next_cursor=result.next_cursor,
        total=result.total,
        facets=schemas.Facets(
            **{
                name: [schemas.FacetCount(value=v, count=n) for v, n in counts]
                for name, counts in result.facets.items()
            }
        ),
    )


async def practice_versions(
    session: AsyncSession, principal: Principal | None, practice_id: uuid.UUID
) -> list[schemas.PracticeVersion]:
    """Every published state of the practice, oldest first."""
    await visible_practice(session, principal, practice_id)
    return [
        _version_view(version, principal)
        for version in await repository.versions(session, practice_id)
    ]


def _version_view(version: PracticeVersion, principal: Principal | None) -> schemas.PracticeVersion:
    return schemas.PracticeVersion(
        practice_id=version.practice_id,
        number=version.number,
        kind=version.kind,
        changed_fields=version.changed_fields,
        changed_by=version.changed_by if principal is not None else None,
        changed_at=version.changed_at,
        snapshot=version.snapshot,
    )


async def practice_transitions(
    session: AsyncSession, principal: Principal | None, practice_id: uuid.UUID
) -> list[schemas.PracticeTransition]:
    """The workflow history: who moved the practice, when, with what comment."""
    practice = await visible_practice(session, principal, practice_id)
    reviewer_view = _may_review(principal, practice)
    return [
        _transition_view(step, principal, reviewer_view)
        for step in await repository.transitions(session, practice_id)
    ]


def _may_review(principal: Principal | None, practice: Practice) -> bool:
    return principal is not None and (principal.is_secretariat or is_author(principal, practice))


def _transition_view(
    step: PracticeTransition, principal: Principal | None, reviewer_view: bool
) -> schemas.PracticeTransition:
    return schemas.PracticeTransition(
        practice_id=step.practice_id,
        from_status=step.from_status,
        to_status=step.to_status,
        actor=step.actor if principal is not None else None,
        comment=step.comment if reviewer_view else None,
        at=step.at,
    )


async def _visible_practices(
    session: AsyncSession, principal: Principal | None, practice_ids: Sequence[uuid.UUID]
) -> list[Practice]:
    return [
        practice
        for practice in await repository.practices_by_id(session, practice_ids)
        if can_see(principal, practice)
    ]


async def versions_of_practices(
    session: AsyncSession,
    principal: Principal | None,
    practice_ids: Sequence[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> schemas.PracticeVersionPage:
    """A page of the versions of several practices, as `practice_versions` shows each of
    them; the practices the caller may not see are absent.
    """
    visible = [
        practice.id for practice in await _visible_practices(session, principal, practice_ids)
    ]
    versions, next_cursor = await repository.versions_of(session, visible, cursor, limit)
    return schemas.PracticeVersionPage(
        items=[_version_view(version, principal) for version in versions],
        next_cursor=next_cursor,
    )


async def transitions_of_practices(
    session: AsyncSession,
    principal: Principal | None,
    practice_ids: Sequence[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> schemas.PracticeTransitionPage:
    """A page of the workflow steps of several practices, as `practice_transitions` shows
    each of them (comments for each practice's authors and reviewers); invisible practices
    are absent.
    """
    visible = {
        practice.id: _may_review(principal, practice)
        for practice in await _visible_practices(session, principal, practice_ids)
    }
    steps, next_cursor = await repository.transitions_of(session, list(visible), cursor, limit)
    return schemas.PracticeTransitionPage(
        items=[_transition_view(step, principal, visible[step.practice_id]) for step in steps],
        next_cursor=next_cursor,
    )


# --- writing -----------------------------------------------------------------------------


def _check_may_author(principal: Principal, origin: str, country: str) -> None:
    if not principal.has_any_role(*AUTHOR_ROLES):
        raise Forbidden("only members, partners, focal points and the secretariat write practices")
    if principal.is_secretariat or principal.has_any_role(Role.MEMBER, Role.PARTNER):
        return
    # A focal point only: practices of their own MIRPS countries.
    if origin != "mirps_country" or country not in principal.countries:
        raise NotYourCountry(
            f"a focal point writes MIRPS-country practices of their countries "
            f"({', '.join(sorted(principal.countries)) or 'none'}), not {origin} in {country}"
        )


def _check_consistent(practice: Practice) -> None:
    if practice.origin == "mirps_country" and practice.country not in MIRPS_COUNTRIES:
        raise InconsistentPractice(
            f"a mirps_country practice is implemented in a MIRPS country "
            f"({', '.join(MIRPS_COUNTRIES)}), not {practice.country}"
        )
    if practice.origin == "mirps_country" and practice.shared_with:
        raise InconsistentPractice("shared_with is for SP-member practices only")
    if not practice.theme_links:
        raise InconsistentPractice("a practice addresses at least one theme")


def _apply(practice: Practice, changes: dict[str, Any]) -> None:
    """Write the given schema fields (already validated) onto the row."""
    for name in REQUIRED_FIELDS:
        if name in changes and changes[name] is None:
            raise InconsistentPractice(f"{name} cannot be removed")
    for name, value in changes.items():
        if name in ("title", "summary", "description"):
            text = LocalizedText.model_validate(value) if value is not None else None
            setattr(practice, f"{name}_es", text.es if text else None)
            setattr(practice, f"{name}_en", text.en if text else None)
            if name == "title" and text is not None:
                practice.sort_title = title_sort_key(text.es, text.en)
        elif name == "implementing_organisations":
            organisations = value or []
            practice.implementing_organisations = organisations
            ids = list(dict.fromkeys(o["id"] for o in organisations if o.get("id")))
            existing = {link.organisation_id: link for link in practice.organisation_links}
            practice.organisation_links = [
                existing.get(org_id) or PracticeOrganisation(organisation_id=org_id)
                for org_id in ids
            ]
        elif name == "themes":
            codes = list(dict.fromkeys(value))
            existing_themes = {link.theme: link for link in practice.theme_links}
            practice.theme_links = [
                existing_themes.get(code) or PracticeTheme(theme=code, position=index)
                for index, code in enumerate(codes)
            ]
            for index, link in enumerate(practice.theme_links):
                link.position = index
        elif name == "populations":
            codes = list(dict.fromkeys(value or []))
            existing_populations = {link.population: link for link in practice.population_links}
            practice.population_links = [
                existing_populations.get(code) or PracticePopulation(population=code, position=i)
                for i, code in enumerate(codes)
            ]
            for index, population_link in enumerate(practice.population_links):
                population_link.position = index
        elif name == "period":
            practice.started_on = value.get("start_date") if value else None
            practice.ended_on = value.get("end_date") if value else None
        elif name == "evidence":
            practice.evidence_level = value["level"] if value else None
            practice.evidence = value.get("description") if value else None
        elif name in ("links", "contacts", "shared_with"):
            setattr(practice, name, value or [])
        else:  # country, origin, pillar, results
            setattr(practice, name, value)


def _changes(data: schemas.PracticeFields) -> dict[str, Any]:
    """The fields the client sent, as plain JSON-able values (dates kept as dates)."""
    sent = data.model_dump(exclude_unset=True, mode="json")
    if "period" in sent and data.period is not None:
        sent["period"] = {"start_date": data.period.start_date, "end_date": data.period.end_date}
    return sent


async def create_practice(
    session: AsyncSession,
    principal: Principal,
    data: schemas.PracticeCreate,
    *,
    practice_id: uuid.UUID | None = None,
) -> Practice:
    """A new draft owned by the caller (and their organisation, for members and partners).

    `practice_id` is for the demo loader only, whose records other services refer to.
    """
    _check_may_author(principal, data.origin, data.country)
    await references.check(
        session, implementer_references(_changes(data).get("implementing_organisations"))
    )
    at = now()
    practice = Practice(
        id=practice_id or uuid.uuid4(),
        status=PracticeStatus.DRAFT,
        created_by=principal.sub,
        owner_org_id=principal.acting_org_id,
        implementing_organisations=[],
        links=[],
        contacts=[],
        shared_with=[],
        theme_links=[],
        population_links=[],
        organisation_links=[],
        created_at=at,
        updated_at=at,
    )
    _apply(practice, _changes(data))
    _check_consistent(practice)
    repository.add(session, practice)
    await repository.flush(session)
    await changes.practice_changed(session, practice, "created")
    return practice


async def update_practice(
    session: AsyncSession,
    principal: Principal,
    practice_id: uuid.UUID,
    data: schemas.PracticeUpdate,
    if_match: str | None,
) -> Practice:
    """Edit a draft (its authors) or a published practice (the secretariat, versioned)."""
    practice = await visible_practice(session, principal, practice_id)
    if practice.status == PracticeStatus.PUBLISHED:
        if not principal.is_secretariat:
            raise NotYourPractice("published practices are corrected by the secretariat")
    elif practice.status == PracticeStatus.DRAFT:
        if not (principal.is_secretariat or is_author(principal, practice)):
            raise NotYourPractice("only the practice's authors edit its draft")
    else:
        raise PracticeNotEditable(
            f"a {practice.status} practice cannot be edited; "
            + (
                "the reviewer can send it back to draft"
                if practice.status == PracticeStatus.SUBMITTED
                else "archived practices are kept as they were"
            ),
            current_status=practice.status,
        )
    check_if_match(if_match, practice.version)
    counted = facet_keys(practice)
    changed = _changes(data)
    await references.check(
        session, implementer_references(changed.get("implementing_organisations"))
    )
    _apply(practice, changed)
    if not principal.is_secretariat:
        _check_may_author(principal, practice.origin, practice.country)
    _check_consistent(practice)
    practice.updated_at = now()
    await repository.flush(session)
    await _recount(session, counted, practice)
    if practice.status == PracticeStatus.PUBLISHED:
        await _record_version(session, practice, principal, VersionKind.EDITED)
    await changes.practice_changed(session, practice, "updated")
    return practice


async def transition(
    session: AsyncSession,
    principal: Principal,
    practice_id: uuid.UUID,
    to_status: PracticeStatus,
    if_match: str | None,
    comment: str | None = None,
) -> Practice:
    """Move a practice along the workflow, recording who and when; 409 if not allowed from here."""
    practice = await visible_practice(session, principal, practice_id)
    action = "submit" if to_status == PracticeStatus.SUBMITTED else None
    if action == "submit":
        if not (principal.is_secretariat or is_author(principal, practice)):
            raise NotYourPractice("only the practice's authors submit it for review")
    elif not principal.is_secretariat:
        raise Forbidden("the secretariat reviews, publishes and archives practices")
    if if_match is not None:
        check_if_match(if_match, practice.version)
    step = (practice.status, to_status)
    if step not in TRANSITIONS:
        allowed = [TRANSITIONS[s] for s in TRANSITIONS if s[0] == practice.status]
        raise InvalidTransition(
            f"a {practice.status} practice cannot become {to_status}",
            current_status=practice.status,
            allowed_actions=allowed,
        )
    at = now()
    was = practice.status
    counted = facet_keys(practice)
    repository.add(
        session,
        PracticeTransition(
            id=uuid.uuid4(),
            practice_id=practice.id,
            from_status=practice.status,
            to_status=to_status,
            actor=principal.sub,
            comment=comment,
            at=at,
        ),
    )
    practice.status = to_status
    practice.updated_at = at
    if to_status == PracticeStatus.SUBMITTED:
        practice.submitted_at = at
    elif to_status == PracticeStatus.DRAFT:
        practice.review_comment = comment
    elif to_status == PracticeStatus.PUBLISHED:
        practice.published_at = at
        practice.review_comment = None
    elif to_status == PracticeStatus.ARCHIVED:
        practice.archived_at = at
    await repository.flush(session)
    await _recount(session, counted, practice)
    if to_status == PracticeStatus.PUBLISHED:
        await _record_version(session, practice, principal, VersionKind.PUBLISHED)
    elif to_status == PracticeStatus.ARCHIVED:
        await _record_version(session, practice, principal, VersionKind.ARCHIVED)
    await changes.practice_changed(session, practice, str(to_status), was)
    return practice


def facet_keys(practice: Practice) -> Counter[tuple[str, str]]:
    """What the practice adds to the catalogue's facet counts: nothing unless published."""
    if practice.status != PracticeStatus.PUBLISHED:
        return Counter()
    keys = [("total", ""), ("country", practice.country), ("origin", practice.origin)]
    keys += [("theme", theme) for theme in practice.themes]
    keys += [("population", population) for population in practice.populations]
    if practice.evidence_level is not None:
        keys.append(("evidence", practice.evidence_level))
    return Counter(keys)


async def _recount(
    session: AsyncSession, counted: Counter[tuple[str, str]], practice: Practice
) -> None:
    """Move the maintained facet counts from what the practice added before to what it adds now."""
    delta = facet_keys(practice)
    delta.subtract(counted)
    await repository.adjust_facet_counts(session, dict(delta))


async def _record_version(
    session: AsyncSession, practice: Practice, principal: Principal, kind: VersionKind
) -> None:
    snapshot = _public_record(practice)
    previous = await repository.latest_version(session, practice.id)
    if previous is None:
        changed = [name for name in PUBLIC_FIELDS if snapshot.get(name) not in (None, [])]
    else:
        changed = [
            name for name in PUBLIC_FIELDS if snapshot.get(name) != previous.snapshot.get(name)
        ]
    if previous is not None and not changed:
        return  # nothing the public sees has changed
    repository.add(
        session,
        PracticeVersion(
            id=uuid.uuid4(),
            practice_id=practice.id,
            number=(previous.number + 1) if previous else 1,
            kind=kind,
            changed_fields=changed,
            snapshot=snapshot,
            changed_by=principal.sub,
            changed_at=now(),
        ),
    )
    await repository.flush(session)


# --- inventory ---------------------------------------------------------------------------


def _check_inventory_writer(principal: Principal, country: str) -> None:
    if principal.is_secretariat or principal.is_focal_point_for(country):
        return
    raise NotYourCountry(
        f"the inventory of {country} is written by its focal point or the secretariat"
    )


def _apply_inventory(item: InventoryItem, changes: dict[str, Any]) -> None:
    for name in ("country", "theme", "kind", "title", "as_of_date"):
        if name in changes and changes[name] is None:
            raise InconsistentInventoryItem(f"{name} cannot be removed")
    for name, value in changes.items():
        if name == "source_organisation":
            item.source_organisation_id = value.get("id") if value else None
            item.source_organisation_name = value.get("name") if value else None
        elif name in ("populations", "contacts"):
            setattr(
                item,
                name,
                list(dict.fromkeys(value or [])) if name == "populations" else value or [],
            )
        else:
            setattr(item, name, value)
    if item.kind == "gap" and item.severity is None:
        raise InconsistentInventoryItem("a gap needs a severity (low, medium, high, critical)")
    if item.kind != "gap" and item.severity is not None:
        raise InconsistentInventoryItem(f"severity is for gaps only, not for a {item.kind}")


def _inventory_changes(data: schemas.InventoryItemFields) -> dict[str, Any]:
    sent = data.model_dump(exclude_unset=True, mode="json")
    if "as_of_date" in sent:
        sent["as_of_date"] = data.as_of_date
    return sent


def inventory_view(item: InventoryItem, principal: Principal | None) -> schemas.InventoryItem:
    """The item as this caller may see it: contacts only when signed in."""
    source = None
    if item.source_organisation_name is not None:
        source = {"id": item.source_organisation_id, "name": item.source_organisation_name}
    return schemas.InventoryItem.model_validate(
        {
            "id": item.id,
            "country": item.country,
            "theme": item.theme,
            "kind": item.kind,
            "title": item.title,
            "description": item.description,
            "populations": item.populations,
            "severity": item.severity,
            "source_organisation": source,
            "as_of_date": item.as_of_date,
            "contacts": item.contacts if principal is not None else None,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "version": item.version,
        }
    )


async def list_inventory_items(
    session: AsyncSession,
    principal: Principal | None,
    filters: schemas.InventoryFilters,
    *,
    cursor: str | None,
    limit: int,
) -> schemas.InventoryPage:
    """Inventory items, newest first; public, contacts only for signed-in callers."""
    items, next_cursor = await repository.list_inventory(
        session,
        repository.InventoryQuery(
            countries=filters.countries,
            themes=filters.themes,
            kinds=filters.kinds,
            severities=filters.severities,
            ids=filters.ids,
        ),
        cursor=cursor,
        limit=limit,
    )
    return schemas.InventoryPage(
        items=[inventory_view(item, principal) for item in items], next_cursor=next_cursor
    )


async def get_inventory_item(session: AsyncSession, item_id: uuid.UUID) -> InventoryItem:
    item = await repository.get_inventory_item(session, item_id)
    if item is None:
        raise InventoryItemNotFound(f"inventory item {item_id} does not exist")
    return item


async def create_inventory_item(
    session: AsyncSession, principal: Principal, data: schemas.InventoryItemCreate
) -> InventoryItem:
    """Record a service, programme or gap of a country (its focal point or the secretariat)."""
    _check_inventory_writer(principal, data.country)
    at = now()
    item = InventoryItem(
        id=uuid.uuid4(),
        populations=[],
        contacts=[],
        severity=None,
        description=None,
        created_by=principal.sub,
        created_at=at,
        updated_at=at,
    )
    _apply_inventory(item, _inventory_changes(data))
    repository.add(session, item)
    await repository.flush(session)
    await changes.inventory_item_changed(session, item, "created")
    return item


async def update_inventory_item(
    session: AsyncSession,
    principal: Principal,
    item_id: uuid.UUID,
    data: schemas.InventoryItemUpdate,
    if_match: str | None,
) -> InventoryItem:
    """Edit an inventory item; moving it to another country needs rights there too."""
    item = await get_inventory_item(session, item_id)
    _check_inventory_writer(principal, item.country)
    check_if_match(if_match, item.version)
    updates = _inventory_changes(data)
    if updates.get("country") not in (None, item.country):
        _check_inventory_writer(principal, updates["country"])
    _apply_inventory(item, updates)
    item.updated_at = now()
    await repository.flush(session)
    await changes.inventory_item_changed(session, item, "updated")
    return item


async def delete_inventory_item(
    session: AsyncSession, principal: Principal, item_id: uuid.UUID, if_match: str | None
) -> None:
    """Remove an inventory item (its country's focal point or the secretariat)."""
    item = await get_inventory_item(session, item_id)
    _check_inventory_writer(principal, item.country)
    if if_match is not None:
        check_if_match(if_match, item.version)
    await repository.delete(session, item)
    await repository.flush(session)
    await changes.inventory_item_changed(session, item, "deleted")


# --- priorities --------------------------------------------------------------------------

SEVERITY_POINTS = {"low": 1, "medium": 2, "high": 3, "critical": 5}
_SEVERITY_ORDER = ("critical", "high", "medium", "low")
_SEVERITY_ES = {
    "critical": ("crítica", "críticas"),
    "high": ("alta", "altas"),
    "medium": ("media", "medias"),
    "low": ("baja", "bajas"),
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


async def priorities(
    session: AsyncSession, countries: Sequence[str] = ()
) -> list[schemas.Priority]:
    """Themes ranked for learning events: severe, widespread gaps with few practices first.

    score = severity points (low 1, medium 2, high 3, critical 5, summed over the theme's
    gaps) x number of countries reporting them ÷ (1 + published practices on the theme).
    With `countries`, both the gaps and the practices are those of these countries.
    """
    gaps = await repository.gap_counts(session, countries)
    practices = await repository.published_practices_per_theme(session, countries)
    severity_counts: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SEVERITY_POINTS, 0)
    )
    reporting: dict[str, set[str]] = defaultdict(set)
    for theme, country, severity, count in gaps:
        severity_counts[theme][severity] += count
        reporting[theme].add(country)
    rows: list[tuple[float, int, str]] = []
    for theme, counts in severity_counts.items():
        points = sum(SEVERITY_POINTS[s] * n for s, n in counts.items())
        score = points * len(reporting[theme]) / (1 + practices.get(theme, 0))
        rows.append((round(score, 2), points, theme))
    rows.sort(key=lambda row: (-row[0], -row[1], row[2]))
    return [
        _priority(rank, theme, score, points, severity_counts[theme], reporting[theme], practices)
        for rank, (score, points, theme) in enumerate(rows, start=1)
    ]


def _priority(
    rank: int,
    theme: str,
    score: float,
    points: int,
    counts: dict[str, int],
    countries: set[str],
    practices: dict[str, int],
) -> schemas.Priority:
    gap_count = sum(counts.values())
    published = practices.get(theme, 0)
    listed = ", ".join(sorted(countries))
    present = [s for s in _SEVERITY_ORDER if counts[s]]
    detail_en = ", ".join(f"{counts[s]} {s}" for s in present)
    detail_es = ", ".join(
        f"{counts[s]} {_SEVERITY_ES[s][0 if counts[s] == 1 else 1]}" for s in present
    )
    n_countries = len(countries)
    reasons_en = [
        f"{_plural(gap_count, 'gap', 'gaps')} ({detail_en}) in "
        f"{_plural(n_countries, 'country', 'countries')}: {listed}",
        "no published practice addresses it yet"
        if published == 0
        else f"{_plural(published, 'published practice', 'published practices')} "
        f"already {'addresses' if published == 1 else 'address'} it",
        f"score = {points} severity points x {n_countries} ÷ (1 + {published}) = {score}",
    ]
    reasons_es = [
        f"{_plural(gap_count, 'brecha', 'brechas')} ({detail_es}) en "
        f"{_plural(n_countries, 'país', 'países')}: {listed}",
        "ninguna práctica publicada lo aborda todavía"
        if published == 0
        else f"{_plural(published, 'práctica publicada', 'prácticas publicadas')} "
        f"ya lo {'aborda' if published == 1 else 'abordan'}",
        f"puntuación = {points} puntos de severidad x {n_countries} ÷ (1 + {published}) = {score}",
    ]
    term = themes[theme]
    return schemas.Priority(
        rank=rank,
        theme=schemas.Term(code=term.code, es=term.es, en=term.en),
        score=score,
        gap_count=gap_count,
        severity_counts=counts,
        countries=sorted(countries),
        published_practices=published,
        reasons=schemas.LocalizedReasons(es=reasons_es, en=reasons_en),
    )
