"""Demo data around the 2023 Global Refugee Forum: a joint pledge and a few matches.

ILLUSTRATIVE. The joint pledge's amount and shares, and every match, its status and notes,
are invented: they say so in their own text. Loaded by `demo.load_demo` after the
pledges, through the service layer, so every rule holds.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.demo_ids import demo_id
from services.common.etag import etag_for
from services.pledges import matches, service, shares
from services.pledges.matches import MatchCreate, MatchTransition
from services.pledges.models import MatchStatus, Pledge
from services.pledges.schemas import PledgeCreate
from services.pledges.shares import ContributorsUpdate

MATCH_NOTE = {
    "es": "Emparejamiento ilustrativo de demostración: no registra un acuerdo real.",
    "en": "Illustrative demo match: not a record of an actual agreement.",
}

# (slug, need: ("pledge", slug) or ("objective", (country, pillar)), support pledge slugs,
# the statuses it went through after `proposed`)
MATCHES: list[tuple[str, tuple[str, Any], list[str], list[MatchStatus]]] = [
    (
        "hnd-employment-service",
        ("pledge", "sedh-hnd-grf-2023"),
        ["idb-cabei-grf-2023"],
        [MatchStatus.UNDER_DISCUSSION, MatchStatus.AGREED],
    ),
    (
        "hnd-health",
        ("objective", ("HND", "immediate_needs")),
        ["switzerland-1"],
        [MatchStatus.UNDER_DISCUSSION, MatchStatus.AGREED, MatchStatus.ANNOUNCED],
    ),
    (
        "gtm-jobs",
        ("objective", ("GTM", "durable_solutions")),
        ["spain-1"],
        [MatchStatus.UNDER_DISCUSSION],
    ),
    (
        "blz-asylum",
        ("objective", ("BLZ", "reception_admission")),
        ["uruguay-1"],
        [MatchStatus.DECLINED],
    ),
]


async def _joint_pledge(
    session: AsyncSession, principal: Principal, grf: str, note: dict[str, str]
) -> None:
    """IDB and CABEI co-financing the Honduran employment-service pledge, cultivated for
    the GRF: IDB leads with 75 %, CABEI 25 % (amount and shares illustrative)."""
    idb, cabei = demo_id("organisation", "idb"), demo_id("organisation", "cabei")
    pledge_id = demo_id("pledge", "idb-cabei-grf-2023")
    await service.create_pledge(
        session,
        principal,
        PledgeCreate.model_validate(
            {
                "contributor_id": idb,
                "kind": "financial",
                "stage": "cultivating",
                "title": {
                    "es": "Cofinanciamiento del servicio de empleo para personas refugiadas "
                    "(ilustrativo)",
                    "en": "Co-financing refugees' access to employment services (illustrative)",
                },
                "description": note,
                "illustrative": True,
                "amount": {"amount": "12000000", "currency": "USD"},
                "funding_mechanism": "loan",
                "recipient_countries": ["HND"],
                "announced_on": date(2023, 12, 13),
                "announced_at": grf,
                "visibility": "restricted",
            }
        ),
        pledge_id=pledge_id,
    )
    pledge = await session.get(Pledge, pledge_id)
    assert pledge is not None
    await shares.set_contributors(
        session,
        principal,
        pledge,
        ["HND"],
        ContributorsUpdate.model_validate(
            {
                "contributors": [
                    {"organisation_id": idb, "percentage": "75"},
                    {"organisation_id": cabei, "percentage": "25"},
                ]
            }
        ),
    )


async def load(
    session: AsyncSession,
    principal: Principal,
    objectives: dict[tuple[str, str], uuid.UUID],
    grf: str,
    note: dict[str, str],
) -> None:
    """The joint pledge (described by `note`), then the matches, each moved through its
    statuses."""
    await _joint_pledge(session, principal, grf, note)
    for slug, (side, need), support, path in MATCHES:
        body: dict[str, Any] = {
            "support_pledge_ids": [demo_id("pledge", s) for s in support],
            "event": grf,
            "notes": MATCH_NOTE,
        }
        if side == "pledge":
            body["need_pledge_id"] = demo_id("pledge", need)
        else:
            body["need_objective_id"] = objectives[need]
        match = await matches.propose(
            session,
            principal,
            MatchCreate.model_validate(body),
            match_id=demo_id("match", slug),
        )
        for status in path:
            match = await matches.transition(
                session,
                principal,
                match.id,
                MatchTransition(status=status, note=MATCH_NOTE["en"]),
                etag_for(match.version),
            )
