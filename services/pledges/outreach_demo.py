"""Demo outreach pipeline: invented prospects, people and conversations (no real
organisation's or person's), owned by the demo secretariat, one of them linked to the
employment pledge it led to."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.etag import etag_for
from services.pledges import prospects
from services.pledges.schemas import InteractionCreate, ProspectCreate, ProspectStatusMove

SECRETARIAT = Principal(sub="demo-secretariat", roles=frozenset({"secretariat"}))

# body, interactions (date, channel, summary), statuses after identified, pledge contributor
PIPELINE: list[tuple[dict[str, Any], list[tuple[date, str, str]], list[str], str | None]] = [
    (
        {
            "organisation": "Textiles del Norte (illustrative)",
            "contact": {
                "name": "Persona de contacto (ilustrativa)",
                "job_title": "Gerencia de recursos humanos",
                "email": "rrhh@textiles-norte.example.org",
            },
        },
        [
            (date(2023, 3, 14), "meeting", "Presented the MIRPS hiring commitments."),
            (date(2023, 5, 9), "video_call", "Agreed a quota in Guatemala and Honduras."),
        ],
        ["approached", "interested", "pledged"],
        "Textiles del Norte (illustrative)",
    ),
    (
        {
            "name": "Cadena de Supermercados del Caribe (illustrative)",
            "kind": "private_sector",
            "country": "PAN",
            "contact": {"name": "Contacto ilustrativo", "email": "alianzas@super.example.org"},
            "next_step": {
                "text": "Send the employment-pledge template and the GRF timeline.",
                "due_on": date(2023, 10, 2),
            },
        },
        [(date(2023, 9, 20), "email", "Interested in hiring in Panama and Costa Rica.")],
        ["approached", "interested"],
        None,
    ),
    (
        {
            "name": "Fundación Empresarial Centroamericana (illustrative)",
            "kind": "civil_society",
            "country": "SLV",
            "next_step": {"text": "Find a contact through the working group.", "due_on": None},
        },
        [],
        [],
        None,
    ),
    (
        {"name": "Naviera del Istmo (illustrative)", "kind": "private_sector", "country": "PAN"},
        [(date(2023, 4, 3), "phone", "Not hiring in the region this year.")],
        ["approached", "declined"],
        None,
    ),
]


async def load_pipeline(
    session: AsyncSession, organisations: dict[str, uuid.UUID], pledges: dict[str, uuid.UUID]
) -> None:
    """Record the demo prospects, their interactions and their moves."""
    for fields, interactions, statuses, pledged_by in PIPELINE:
        body = dict(fields)
        organisation = body.pop("organisation", None)
        if organisation is not None:
            body["organisation_id"] = organisations[organisation]
        prospect = await prospects.create_prospect(
            session, SECRETARIAT, ProspectCreate.model_validate(body)
        )
        for occurred_on, channel, summary in interactions:
            await prospects.add_interaction(
                session,
                SECRETARIAT,
                prospect.id,
                InteractionCreate.model_validate(
                    {"occurred_on": occurred_on, "channel": channel, "summary": summary}
                ),
            )
        version = prospect.version
        for status in statuses:
            move: dict[str, Any] = {"status": status}
            if status == "pledged" and pledged_by is not None:
                move["pledge_id"] = pledges[pledged_by]
            moved = await prospects.move_status(
                session,
                SECRETARIAT,
                prospect.id,
                ProspectStatusMove.model_validate(move),
                etag_for(version),
            )
            version = moved.version
