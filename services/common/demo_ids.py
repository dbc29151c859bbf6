"""Stable ids for the demo data, the same in every service.

Each service owns its records, yet the demo records refer to one another across services
(an event's hosts are organisations of the pledges service, a pledge is announced at an
event of the events service...). `demo_id(kind, slug)` gives every demo record an id
derived from its kind and a short slug, so each service's demo loader can create its own
records with those ids and refer to the others' without reading them. Only demo loaders
use it; real records get random ids.
"""

from __future__ import annotations

import uuid

# Fixed once for all: changing it changes every demo id.
DEMO_NAMESPACE = uuid.UUID("6d0f1c9e-3b7a-5e21-9c4d-2a8b7e5f1d30")


def demo_id(kind: str, slug: str) -> uuid.UUID:
    """The id of the demo record `slug` of `kind` (organisation, pledge, event, practice)."""
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}/{slug}")
