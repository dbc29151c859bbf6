"""Webhook subscriptions: each service delivers its own events, so a subscription lives in
the service whose events it wants (`service`). The secretariat manages every subscription,
members and partners those of their organisation (the service decides)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import rest_body
from gateway.loaders import Record
from gateway.types.base import checked_rest_id, precondition, to_datetime

KEEP = "left out, it stays as it is."
PATH = "/v1/webhook-subscriptions"


@strawberry.enum(description="A service that delivers its events to webhook subscriptions.")
class EventSource(Enum):
    PLEDGES = strawberry.enum_value("pledges", description="Pledges, entries, organisations.")
    PRACTICES = strawberry.enum_value("practices", description="Practices and the inventory.")
    EVENTS = strawberry.enum_value("events", description="Events, registrations, outcomes.")
    RESULTS = strawberry.enum_value("results", description="Indicators and measurements.")


@strawberry.enum(description="Whether a subscription is delivered to.")
class SubscriptionStatus(Enum):
    ACTIVE = strawberry.enum_value("active", description="Events are delivered.")
    DISABLED = strawberry.enum_value(
        "disabled", description="Paused by its owner or after repeated failures."
    )


@strawberry.type(description="A URL subscribed to some of a service's events.")
class WebhookSubscription:
    rest_id: str = strawberry.field(description="The subscription's REST id.")
    service: EventSource = strawberry.field(description="The service whose events it gets.")
    url: str = strawberry.field(description="Where the events are POSTed.")
    event_types: list[str] = strawberry.field(
        description="The event types delivered (e.g. org.mirps.pledge.withdrawn); empty: all."
    )
    status: SubscriptionStatus = strawberry.field(description="Active, or disabled.")
    disabled_reason: str | None = strawberry.field(description="Why it is disabled, if it is.")
    cursor: int = strawberry.field(description="Feed position up to which events are queued.")
    version: int = strawberry.field(description="Bumped on every change (for expectedVersion).")
    created_at: datetime | None = strawberry.field(description="When it was created.")
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_…`): only in the answer to creation and to "
        "rotation, null elsewhere."
    )

    @classmethod
    def from_rest(cls, service: EventSource, data: Record) -> WebhookSubscription:
        return cls(
            rest_id=str(data["id"]),
            service=service,
            url=str(data["url"]),
            event_types=[str(kind) for kind in data.get("event_types") or []],
            status=SubscriptionStatus(data["status"]),
            disabled_reason=data.get("disabled_reason"),
            cursor=int(data["cursor"]),
            version=int(data["version"]),
            created_at=to_datetime(data.get("created_at")),
            secret=data.get("secret"),
        )


@strawberry.input(description="A new webhook subscription to one service's events.")
class CreateWebhookSubscriptionInput:
    service: EventSource = strawberry.field(description="The service whose events to get.")
    url: str = strawberry.field(description="The https URL the events are POSTed to.")
    event_types: list[str] = strawberry.field(
        default_factory=list,
        description="Event types to deliver (`org.mirps.…`, at most 50); empty: all of them.",
    )


@strawberry.input(description="A webhook subscription to act on.")
class WebhookSubscriptionInput:
    service: EventSource = strawberry.field(description="The service that holds it.")
    subscription_id: str = strawberry.field(description="Its REST id (`restId`).")


@strawberry.input(description="Changes to a webhook subscription; fields left out keep theirs.")
class UpdateWebhookSubscriptionInput:
    service: EventSource = strawberry.field(description="The service that holds it.")
    subscription_id: str = strawberry.field(description="Its REST id (`restId`).")
    expected_version: int | None = strawberry.field(
        default=None, description="The version you read (STALE_VERSION when it changed)."
    )
    url: str | None = strawberry.field(default=strawberry.UNSET, description=f"New URL; {KEEP}")
    event_types: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"New event types; {KEEP}"
    )
    status: SubscriptionStatus | None = strawberry.field(
        default=strawberry.UNSET, description=f"ACTIVE to re-enable, DISABLED to pause; {KEEP}"
    )


@strawberry.input(description="Deliver again every matching event after a feed position.")
class ReplayWebhookSubscriptionInput:
    service: EventSource = strawberry.field(description="The service that holds it.")
    subscription_id: str = strawberry.field(description="Its REST id (`restId`).")
    after: int = strawberry.field(description="The feed position to deliver again after (≥ 0).")


@strawberry.type(description="The subscription after the change.")
class WebhookSubscriptionPayload:
    subscription: WebhookSubscription = strawberry.field(description="As stored.")


def _path(
    input: WebhookSubscriptionInput
    | UpdateWebhookSubscriptionInput
    | ReplayWebhookSubscriptionInput,
) -> str:
    key = checked_rest_id(input.subscription_id, "WebhookSubscription", "input.subscriptionId")
    return f"{PATH}/{key}"


def _name(service: EventSource) -> str:
    """The service's name as the gateway's clients know it."""
    return str(service.value)


def _payload(service: EventSource, record: Record) -> WebhookSubscriptionPayload:
    return WebhookSubscriptionPayload(subscription=WebhookSubscription.from_rest(service, record))


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Subscribe a URL to a service's events; the answer carries the signing "
        "secret, shown only now."
    )
    async def create_webhook_subscription(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookSubscriptionInput,
            strawberry.argument(description="The service, the URL and the event types."),
        ],
    ) -> WebhookSubscriptionPayload:
        body = rest_body(input, skip=frozenset({"service"}))
        record = await info.context.upstream.send(_name(input.service), "POST", PATH, body)
        return _payload(input.service, record)

    @strawberry.mutation(
        description="Change a subscription's URL or event types, pause it, or re-enable it."
    )
    async def update_webhook_subscription(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookSubscriptionInput,
            strawberry.argument(description="The subscription and its changes."),
        ],
    ) -> WebhookSubscriptionPayload:
        body = rest_body(input, skip=frozenset({"service", "subscription_id", "expected_version"}))
        record = await info.context.upstream.send(
            _name(input.service),
            "PATCH",
            _path(input),
            body,
            headers=precondition(input.expected_version),
        )
        return _payload(input.service, record)

    @strawberry.mutation(
        description="Delete a subscription and its delivery log; answers what was removed."
    )
    async def delete_webhook_subscription(
        self,
        info: Info,
        input: Annotated[
            WebhookSubscriptionInput, strawberry.argument(description="The subscription.")
        ],
    ) -> WebhookSubscriptionPayload:
        record = await info.context.upstream.send(_name(input.service), "DELETE", _path(input))
        return _payload(input.service, record)

    @strawberry.mutation(
        description="Give a subscription a new signing secret; for 24 hours deliveries are "
        "signed with the old and the new one."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        input: Annotated[
            WebhookSubscriptionInput, strawberry.argument(description="The subscription.")
        ],
    ) -> WebhookSubscriptionPayload:
        record = await info.context.upstream.send(
            _name(input.service), "POST", f"{_path(input)}/secret-rotation"
        )
        return _payload(input.service, record)

    @strawberry.mutation(description="Deliver again every matching event after a feed position.")
    async def replay_webhook_subscription(
        self,
        info: Info,
        input: Annotated[
            ReplayWebhookSubscriptionInput,
            strawberry.argument(description="The subscription and the position."),
        ],
    ) -> WebhookSubscriptionPayload:
        record = await info.context.upstream.send(
            _name(input.service), "POST", f"{_path(input)}/replay", {"after": input.after}
        )
        return _payload(input.service, record)
