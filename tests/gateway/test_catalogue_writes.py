"""Inventory entries, documents and webhook subscriptions written through the gateway, end
to end against the real services, each read back from the service that holds it."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

FOCAL_GTM = auth_headers("country_focal_point", countries=("GTM",), sub="focal-gtm")
FOCAL_HND = auth_headers("country_focal_point", countries=("HND",), sub="focal-hnd")

CREATE_ITEM = """mutation($input: CreateInventoryItemInput!) {
  createInventoryItem(input: $input) {
    inventoryItem { id restId kind severity country { code } title { es } version } } }"""
UPDATE_ITEM = """mutation($input: UpdateInventoryItemInput!) {
  updateInventoryItem(input: $input) { inventoryItem { restId severity version } } }"""
DELETE_ITEM = """mutation($input: DeleteInventoryItemInput!) {
  deleteInventoryItem(input: $input) { deletedId restId } }"""
GAP = {
    "country": "GTM",
    "theme": "education",
    "kind": "GAP",
    "severity": "HIGH",
    "title": {"es": "Cupos escolares", "en": "School places"},
    "asOfDate": "2026-06-30",
}


async def _gap(stack: Stack, headers: dict[str, str] = FOCAL_GTM) -> dict[str, Any]:
    data = await stack.data(CREATE_ITEM, {"input": GAP}, headers)
    item: dict[str, Any] = data["createInventoryItem"]["inventoryItem"]
    return item


async def test_a_focal_point_records_a_gap_of_their_country(stack: Stack) -> None:
    item = await _gap(stack)

    assert (item["kind"], item["severity"], item["country"]["code"]) == ("GAP", "HIGH", "GTM")
    stored = await stack.rest("practices", "GET", f"/v1/inventory-items/{item['restId']}")
    assert (stored["kind"], stored["severity"]) == ("gap", "high")


async def test_a_focal_point_of_another_country_is_forbidden(stack: Stack) -> None:
    body = await stack.query(CREATE_ITEM, {"input": GAP}, FOCAL_HND)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_update_inventory_item_at_the_version_read(stack: Stack) -> None:
    item = await _gap(stack)

    data = await stack.data(
        UPDATE_ITEM,
        {"input": {"id": item["id"], "expectedVersion": item["version"], "severity": "CRITICAL"}},
        FOCAL_GTM,
    )

    assert data["updateInventoryItem"]["inventoryItem"]["severity"] == "CRITICAL"
    stale = await stack.query(
        UPDATE_ITEM,
        {"input": {"id": item["id"], "expectedVersion": item["version"], "severity": "LOW"}},
        FOCAL_GTM,
    )
    assert stale["errors"][0]["extensions"]["code"] == "STALE_VERSION"


async def test_delete_inventory_item(stack: Stack) -> None:
    item = await _gap(stack)

    data = await stack.data(DELETE_ITEM, {"input": {"id": item["restId"]}}, FOCAL_GTM)

    assert data["deleteInventoryItem"] == {"deletedId": item["id"], "restId": item["restId"]}
    await stack.rest("practices", "GET", f"/v1/inventory-items/{item['restId']}", expect=404)


async def test_inventory_writes_without_a_token_are_unauthenticated(stack: Stack) -> None:
    body = await stack.query(CREATE_ITEM, {"input": GAP})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


ATTACH = """mutation($input: AttachDocumentLinkInput!) {
  attachDocumentLink(input: $input) { document { restId kind url title { en } } } }"""
DELETE_DOCUMENT = """mutation($input: DeleteDocumentInput!) {
  deleteDocument(input: $input) { documentId } }"""
LINK = {"kind": "MATERIAL", "title": {"en": "Slides"}, "url": "https://example.org/slides.pdf"}


async def test_attach_a_link_to_a_pledge_by_its_global_id(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])
    parent = str(relay.GlobalID("Pledge", pledge["id"]))

    data = await stack.data(ATTACH, {"input": {"parentId": parent, **LINK}}, SECRETARIAT)

    document = data["attachDocumentLink"]["document"]
    assert (document["kind"], document["url"]) == ("MATERIAL", LINK["url"])
    listed = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}/documents")
    assert [item["id"] for item in listed["items"]] == [document["restId"]]


async def test_attach_and_delete_a_practice_document_by_its_rest_id(stack: Stack) -> None:
    practice = await stack.practice()
    attached = await stack.data(
        ATTACH, {"input": {"parentId": practice["id"], **LINK}}, SECRETARIAT
    )
    document = attached["attachDocumentLink"]["document"]["restId"]
    stack.reset_counts()

    data = await stack.data(
        DELETE_DOCUMENT,
        {"input": {"parentId": practice["id"], "documentId": document}},
        SECRETARIAT,
    )

    assert data["deleteDocument"] == {"documentId": document}
    listed = await stack.rest("practices", "GET", f"/v1/practices/{practice['id']}/documents")
    assert listed["items"] == []
    # A plain REST id is looked up in each parent type once, then the delete goes to the
    # one service that has it.
    assert [call.method for call in stack.calls("practices")] == ["GET", "DELETE"]
    assert [call.method for call in stack.calls("events")] == ["GET"]


async def test_a_document_parent_of_another_type_is_refused(stack: Stack) -> None:
    organisation = await stack.organisation()
    parent = str(relay.GlobalID("Organisation", organisation["id"]))

    body = await stack.query(ATTACH, {"input": {"parentId": parent, **LINK}}, SECRETARIAT)

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "input.parentId"


CREATE_HOOK = """mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) {
    subscription { restId service url eventTypes status secret version } } }"""
HOOK_FIELDS = "subscription { restId status cursor secret version eventTypes }"


async def _hook(stack: Stack, service: str = "EVENTS") -> dict[str, Any]:
    data = await stack.data(
        CREATE_HOOK,
        {"input": {"service": service, "url": "https://partner.example.org/hooks"}},
        SECRETARIAT,
    )
    subscription: dict[str, Any] = data["createWebhookSubscription"]["subscription"]
    return subscription


async def test_create_a_webhook_subscription_shows_its_secret_once(stack: Stack) -> None:
    created = await _hook(stack, "RESULTS")

    assert created["service"] == "RESULTS"
    assert created["secret"].startswith("whsec_")
    stored = await stack.rest("results", "GET", f"/v1/webhook-subscriptions/{created['restId']}")
    assert stored["url"] == "https://partner.example.org/hooks"
    assert "secret" not in stored


async def test_update_rotate_replay_and_delete_a_subscription(stack: Stack) -> None:
    created = await _hook(stack)
    key = {"service": "EVENTS", "subscriptionId": created["restId"]}

    paused = await stack.data(
        f"mutation($input: UpdateWebhookSubscriptionInput!) {{"
        f" updateWebhookSubscription(input: $input) {{ {HOOK_FIELDS} }} }}",
        {"input": {**key, "status": "DISABLED", "eventTypes": ["org.mirps.event.cancelled"]}},
        SECRETARIAT,
    )
    rotated = await stack.data(
        f"mutation($input: WebhookSubscriptionInput!) {{"
        f" rotateWebhookSecret(input: $input) {{ {HOOK_FIELDS} }} }}",
        {"input": key},
        SECRETARIAT,
    )
    replayed = await stack.data(
        f"mutation($input: ReplayWebhookSubscriptionInput!) {{"
        f" replayWebhookSubscription(input: $input) {{ {HOOK_FIELDS} }} }}",
        {"input": {**key, "after": 0}},
        SECRETARIAT,
    )
    deleted = await stack.data(
        f"mutation($input: WebhookSubscriptionInput!) {{"
        f" deleteWebhookSubscription(input: $input) {{ {HOOK_FIELDS} }} }}",
        {"input": key},
        SECRETARIAT,
    )

    subscription = paused["updateWebhookSubscription"]["subscription"]
    assert (subscription["status"], subscription["eventTypes"]) == (
        "DISABLED",
        ["org.mirps.event.cancelled"],
    )
    assert subscription["secret"] is None
    new_secret = rotated["rotateWebhookSecret"]["subscription"]["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != created["secret"]
    assert replayed["replayWebhookSubscription"]["subscription"]["cursor"] == 0
    assert deleted["deleteWebhookSubscription"]["subscription"]["restId"] == created["restId"]
    await stack.rest("events", "GET", f"/v1/webhook-subscriptions/{created['restId']}", expect=404)


async def test_a_subscription_to_a_url_that_is_not_http_is_refused(stack: Stack) -> None:
    body = await stack.query(
        CREATE_HOOK,
        {"input": {"service": "PLEDGES", "url": "ftp://partner.example.org/hooks"}},
        SECRETARIAT,
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [item["field"] for item in error["extensions"]["errors"]] == ["input.url"]
    assert await stack.rest("pledges", "GET", "/v1/webhook-subscriptions") == {"items": []}
