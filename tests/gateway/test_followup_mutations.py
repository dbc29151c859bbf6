"""Registrations cancelled and attended, and outcomes followed up, through the gateway."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import SECRETARIAT, Stack

REGISTER = """mutation($input: RegisterInput!) {
  register(input: $input) { registration { restId status } } }"""
STEP = """mutation($input: RegistrationInput!) {
  %s(input: $input) { registration { restId status } } }"""


async def _register(stack: Stack, event_id: str, name: str) -> dict[str, Any]:
    data = await stack.data(
        REGISTER,
        {"input": {"eventId": event_id, "name": name, "email": f"{name}@example.org"}},
        SECRETARIAT,
    )
    registration: dict[str, Any] = data["register"]["registration"]
    return registration


async def test_cancelling_frees_the_place_for_the_waitlist_and_attendance_is_recorded(
    stack: Stack,
) -> None:
    event = await stack.event(capacity=1)
    first = await _register(stack, event["id"], "ana")
    second = await _register(stack, event["id"], "luis")
    assert second["status"] == "WAITLISTED"

    cancelled = await stack.data(
        STEP % "cancelRegistration", {"input": {"registrationId": first["restId"]}}, SECRETARIAT
    )
    attended = await stack.data(
        STEP % "markAttended", {"input": {"registrationId": second["restId"]}}, SECRETARIAT
    )

    assert cancelled["cancelRegistration"]["registration"]["status"] == "CANCELLED"
    assert attended["markAttended"]["registration"]["status"] == "ATTENDED"
    stored = await stack.rest("events", "GET", f"/v1/events/{event['id']}/registrations")
    assert sorted(item["status"] for item in stored["items"]) == ["attended", "cancelled"]


async def test_an_outcome_is_followed_up(stack: Stack) -> None:
    event = await stack.event()
    await stack.rest("events", "POST", f"/v1/events/{event['id']}/hold")
    outcome = await stack.rest(
        "events",
        "POST",
        f"/v1/events/{event['id']}/outcomes",
        {"kind": "takeaway", "description": {"es": "Aprendizaje"}, "country": "GTM"},
    )

    data = await stack.data(
        """mutation($input: UpdateOutcomeInput!) {
             updateOutcome(input: $input) { outcome { restId status } } }""",
        {"input": {"outcomeId": outcome["id"], "status": "DONE"}},
        SECRETARIAT,
    )

    assert data["updateOutcome"]["outcome"] == {"restId": outcome["id"], "status": "DONE"}


async def test_a_bad_registration_id_names_the_input_field(stack: Stack) -> None:
    body = await stack.query(
        STEP % "cancelRegistration", {"input": {"registrationId": "not a uuid!"}}, SECRETARIAT
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "input.registrationId" in error["message"]
