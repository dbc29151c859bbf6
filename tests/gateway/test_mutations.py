"""Every mutation through the gateway, against the real services, with the caller's rights."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

PLEDGE_FIELDS = """
  pledge {
    id restId version title { es en } kind amount { amount currency amountUsd }
    financialStatus withdrawn withdrawalReason implementationStatus
    contributor { name } objectives { restId } announcedAt { restId }
  }
"""


def _error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


async def test_a_member_creates_updates_and_withdraws_its_own_pledge(stack: Stack) -> None:
    organisation = await stack.organisation(name="Fundación Empleo")
    objective = await stack.objective()
    event = await stack.event()
    member = auth_headers("member", org_id=organisation["id"], sub="member-1")

    created = await stack.data(
        f"""mutation($input: CreatePledgeInput!) {{
          createPledge(input: $input) {{ {PLEDGE_FIELDS} }}
        }}""",
        {
            "input": {
                "contributorId": organisation["id"],
                "kind": "EMPLOYMENT",
                "title": {"es": "Contratación de personas refugiadas"},
                "announcedOn": "2022-09-20",
                "recipientCountries": ["GTM"],
                "objectiveIds": [objective["id"]],
                "announcedAtEventId": event["id"],
                "idempotencyKey": "pledge-create-1",
            }
        },
        headers=member,
    )
    pledge = created["createPledge"]["pledge"]
    assert pledge["contributor"] == {"name": "Fundación Empleo"}
    assert pledge["objectives"] == [{"restId": objective["id"]}]
    assert pledge["announcedAt"] == {"restId": event["id"]}
    assert pledge["amount"] is None

    updated = await stack.data(
        f"""mutation($input: UpdatePledgeInput!) {{
          updatePledge(input: $input) {{ {PLEDGE_FIELDS} }}
        }}""",
        {
            "input": {
                "id": pledge["id"],
                "expectedVersion": pledge["version"],
                "implementationStatus": "IN_PROGRESS",
            }
        },
        headers=member,
    )
    assert updated["updatePledge"]["pledge"]["implementationStatus"] == "IN_PROGRESS"
    assert updated["updatePledge"]["pledge"]["title"]["es"] == "Contratación de personas refugiadas"

    stack.reset_counts()
    withdrawn = await stack.data(
        f"""mutation($input: WithdrawPledgeInput!) {{
          withdrawPledge(input: $input) {{ {PLEDGE_FIELDS} }}
        }}""",
        {"input": {"id": pledge["id"], "reason": "Programme closed early."}},
        headers=member,
    )
    assert withdrawn["withdrawPledge"]["pledge"]["withdrawn"] is True
    assert withdrawn["withdrawPledge"]["pledge"]["financialStatus"] == "WITHDRAWN"
    # Without expectedVersion the change applies to whatever is current (If-Match: *),
    # with no read before it.
    (withdrawal,) = [call for call in stack.calls("pledges") if call.method == "POST"]
    assert withdrawal.headers["If-Match"] == "*"
    assert stack.calls("pledges")[0] is withdrawal


async def test_someone_elses_pledge_cannot_be_changed_through_the_gateway(stack: Stack) -> None:
    mine = await stack.organisation(name="Mine")
    theirs = await stack.organisation(name="Theirs")
    pledge = await stack.pledge(theirs["id"])
    member = auth_headers("member", org_id=mine["id"], sub="member-2")

    body = await stack.query(
        """mutation($input: UpdatePledgeInput!) {
          updatePledge(input: $input) { pledge { id } }
        }""",
        {"input": {"id": pledge["id"], "title": {"en": "Hijacked"}, "expectedVersion": 1}},
        headers=member,
    )

    assert body["data"] is None
    assert _error(body)["extensions"]["code"] in {"FORBIDDEN", "NOT_FOUND"}
    assert _error(body)["extensions"]["service"] == "pledges"
    after = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}")
    assert after["title"] == pledge["title"]
    assert after["version"] == pledge["version"]


async def test_an_anonymous_caller_cannot_create_a_pledge(stack: Stack) -> None:
    organisation = await stack.organisation()

    body = await stack.query(
        """mutation($input: CreatePledgeInput!) {
          createPledge(input: $input) { pledge { id } }
        }""",
        {
            "input": {
                "contributorId": organisation["id"],
                "kind": "POLICY",
                "title": {"en": "Anonymous"},
                "announcedOn": "2022-09-20",
                "regional": True,
            }
        },
    )

    assert _error(body)["extensions"]["code"] == "UNAUTHENTICATED"
    listed = await stack.rest("pledges", "GET", "/v1/pledges")
    assert listed["items"] == []


async def test_a_stale_version_is_reported_as_such_and_changes_nothing(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])
    await stack.rest(
        "pledges",
        "PATCH",
        f"/v1/pledges/{pledge['id']}",
        {"implementation_status": "in_progress"},
        headers={**SECRETARIAT, "If-Match": f'"{pledge["version"]}"'},
    )

    body = await stack.query(
        """mutation($input: UpdatePledgeInput!) {
          updatePledge(input: $input) { pledge { id } }
        }""",
        {"input": {"id": pledge["id"], "expectedVersion": pledge["version"], "regional": True}},
        headers=SECRETARIAT,
    )

    assert _error(body)["extensions"]["code"] == "STALE_VERSION"
    after = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}")
    assert after["regional"] is False


async def test_ledger_entries_are_recorded_and_overcommitment_is_a_conflict(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"], amount={"amount": "1000", "currency": "USD"})
    record = """mutation($input: RecordLedgerEntryInput!) {
      recordLedgerEntry(input: $input) {
        entry { entryType amount { amount currency amountUsd } valueDate recordedBy }
        pledge { financialStatus totals { committed { amount currency } } }
      }
    }"""
    entry = {
        "pledgeId": pledge["id"],
        "entryType": "COMMITMENT",
        "amount": {"amount": "400.00", "currency": "USD"},
        "valueDate": "2023-01-15",
        "recipientCountry": "GTM",
    }

    data = await stack.data(record, {"input": entry}, headers=SECRETARIAT)

    result = data["recordLedgerEntry"]
    assert result["entry"]["entryType"] == "COMMITMENT"
    assert result["entry"]["amount"]["currency"] == "USD"
    assert result["entry"]["recordedBy"] == "secretariat-1"
    assert result["pledge"]["financialStatus"] == "PARTIALLY_COMMITTED"
    assert result["pledge"]["totals"]["committed"]["currency"] == "USD"

    too_much = {**entry, "amount": {"amount": "700.00", "currency": "USD"}}
    body = await stack.query(record, {"input": too_much}, headers=SECRETARIAT)
    assert _error(body)["extensions"]["code"] == "CONFLICT"
    entries = await stack.rest("pledges", "GET", f"/v1/pledges/{pledge['id']}/entries")
    assert len(entries["items"]) == 1


async def test_a_practice_goes_from_draft_to_published_and_archived(stack: Stack) -> None:
    organisation = await stack.organisation()
    author = auth_headers("member", org_id=organisation["id"], sub="author-1")
    fields = "practice { id restId status version title { es } implementingOrganisations { name } }"

    created = await stack.data(
        f"""mutation($input: CreatePracticeInput!) {{
          createPractice(input: $input) {{ {fields} }}
        }}""",
        {
            "input": {
                "title": {"es": "Ventanilla única de empleo"},
                "summary": {"es": "Atención integral"},
                "country": "GTM",
                "origin": "MIRPS_COUNTRY",
                "themes": ["employment_livelihoods"],
                "implementingOrganisations": [
                    {"id": organisation["id"], "name": "Ministerio de Trabajo"}
                ],
            }
        },
        headers=author,
    )
    practice = created["createPractice"]["practice"]
    assert practice["status"] == "DRAFT"
    assert practice["implementingOrganisations"] == [{"name": organisation["name"]}]

    edited = await stack.data(
        f"""mutation($input: UpdatePracticeInput!) {{
          updatePractice(input: $input) {{ {fields} }}
        }}""",
        {
            "input": {
                "id": practice["id"],
                "expectedVersion": practice["version"],
                "title": {"es": "Ventanilla única"},
            }
        },
        headers=author,
    )
    assert edited["updatePractice"]["practice"]["title"] == {"es": "Ventanilla única"}

    def step(name: str, extra: str = "") -> str:
        return f"""mutation($id: ID!) {{ {name}(input: {{ id: $id {extra} }}) {{ {fields} }} }}"""

    submitted = await stack.data(step("submitPractice"), {"id": practice["id"]}, headers=author)
    assert submitted["submitPractice"]["practice"]["status"] == "SUBMITTED"
    sent_back = await stack.data(
        step("requestPracticeChanges", 'comment: "Añadan resultados"'),
        {"id": practice["id"]},
        headers=SECRETARIAT,
    )
    assert sent_back["requestPracticeChanges"]["practice"]["status"] == "DRAFT"
    await stack.data(step("submitPractice"), {"id": practice["id"]}, headers=author)
    refused = await stack.query(step("publishPractice"), {"id": practice["id"]}, headers=author)
    assert _error(refused)["extensions"]["code"] == "FORBIDDEN"
    published = await stack.data(
        step("publishPractice"), {"id": practice["id"]}, headers=SECRETARIAT
    )
    assert published["publishPractice"]["practice"]["status"] == "PUBLISHED"
    again = await stack.query(step("publishPractice"), {"id": practice["id"]}, headers=SECRETARIAT)
    assert _error(again)["extensions"]["code"] == "CONFLICT"
    archived = await stack.data(
        step("archivePractice"), {"id": practice["id"]}, headers=SECRETARIAT
    )
    assert archived["archivePractice"]["practice"]["status"] == "ARCHIVED"


async def test_an_event_is_proposed_scheduled_moved_registered_held_and_its_outcome_recorded(
    stack: Stack,
) -> None:
    host = await stack.organisation(name="BID")
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])
    practice = await stack.practice()
    event_fields = (
        "event { id restId status startsAt timezone hosts { name } featuredPractices { restId } }"
    )

    proposed = await stack.data(
        f"""mutation($input: ProposeEventInput!) {{
          proposeEvent(input: $input) {{ {event_fields} warnings {{ eventRestId }} }}
        }}""",
        {
            "input": {
                "kind": "LEARNING_EVENT",
                "title": {"es": "Empleo para personas refugiadas"},
                "startsAt": "2023-05-16T09:00:00",
                "endsAt": "2023-05-16T13:00:00",
                "timezone": "America/Panama",
                "mode": "VIRTUAL",
                "onlineUrl": "https://meet.example.org/le-1",
                "hostIds": [host["id"]],
                "featuredPracticeIds": [practice["id"]],
                "themes": ["employment_livelihoods"],
                "capacity": 1,
            }
        },
        headers=SECRETARIAT,
    )
    event = proposed["proposeEvent"]["event"]
    assert event["status"] == "PROPOSED"
    assert event["hosts"] == [{"name": "BID"}]
    assert event["featuredPractices"] == [{"restId": practice["id"]}]

    def step(name: str) -> str:
        return f"mutation($id: ID!) {{ {name}(input: {{ id: $id }}) {{ {event_fields} }} }}"

    scheduled = await stack.data(step("scheduleEvent"), {"id": event["id"]}, headers=SECRETARIAT)
    assert scheduled["scheduleEvent"]["event"]["status"] == "SCHEDULED"

    moved = await stack.data(
        f"""mutation($input: MoveEventInput!) {{
          moveEvent(input: $input) {{ {event_fields} }}
        }}""",
        {
            "input": {
                "id": event["id"],
                "startsAt": "2023-05-17T09:00:00",
                "endsAt": "2023-05-17T11:00:00",
            }
        },
        headers=SECRETARIAT,
    )
    assert moved["moveEvent"]["event"]["startsAt"].startswith("2023-05-17T09:00:00")

    register = """mutation($input: RegisterInput!) {
      register(input: $input) { registration { status name event { restId } } }
    }"""
    first = await stack.data(
        register,
        {"input": {"eventId": event["id"], "name": "Ana Pérez", "email": "ana@example.org"}},
        headers=SECRETARIAT,
    )
    second = await stack.data(
        register,
        {"input": {"eventId": event["id"], "name": "Luis Gómez", "email": "luis@example.org"}},
        headers=SECRETARIAT,
    )
    assert first["register"]["registration"]["status"] == "REGISTERED"
    assert second["register"]["registration"]["status"] == "WAITLISTED"
    duplicate = await stack.query(
        register,
        {"input": {"eventId": event["id"], "name": "Ana", "email": "ana@example.org"}},
        headers=SECRETARIAT,
    )
    assert _error(duplicate)["extensions"]["code"] == "CONFLICT"

    held = await stack.data(step("holdEvent"), {"id": event["id"]}, headers=SECRETARIAT)
    assert held["holdEvent"]["event"]["status"] == "HELD"
    outcome = await stack.data(
        """mutation($input: RecordOutcomeInput!) {
          recordOutcome(input: $input) {
            outcome { kind status description { es } pledge { restId } event { restId } }
          }
        }""",
        {
            "input": {
                "eventId": event["id"],
                "kind": "RESOURCE_COMMITMENT",
                "description": {"es": "El BID financia la réplica"},
                "country": "CRI",
                "pledgeId": pledge["id"],
            }
        },
        headers=SECRETARIAT,
    )
    assert outcome["recordOutcome"]["outcome"]["pledge"] == {"restId": pledge["id"]}
    assert outcome["recordOutcome"]["outcome"]["event"] == {"restId": event["restId"]}
    reported = await stack.data(step("reportEvent"), {"id": event["id"]}, headers=SECRETARIAT)
    assert reported["reportEvent"]["event"]["status"] == "REPORTED"


async def test_an_event_is_cancelled_with_its_reason(stack: Stack) -> None:
    event = await stack.event(schedule=False)

    cancelled = await stack.data(
        """mutation($id: ID!) { cancelEvent(input: { id: $id, reason: "Postponed" }) {
          event { status cancellationReason } } }""",
        {"id": event["id"]},
        headers=SECRETARIAT,
    )

    assert cancelled["cancelEvent"]["event"] == {
        "status": "CANCELLED",
        "cancellationReason": "Postponed",
    }


async def test_one_occurrence_of_a_series_is_moved(stack: Stack) -> None:
    series = await stack.event(
        kind="working_group_meeting",
        starts_at="2023-03-14T10:00:00",
        ends_at="2023-03-14T11:00:00",
        timezone="America/Mexico_City",
        recurrence={"rrule": "FREQ=MONTHLY;COUNT=3"},
    )

    moved = await stack.data(
        """mutation($input: MoveOccurrenceInput!) {
          moveOccurrence(input: $input) { startsAt event { restId recurrence { rrule } } }
        }""",
        {
            "input": {
                "eventId": series["id"],
                "recurrenceId": "2023-04-14T16:00:00Z",
                "startsAt": "2023-04-15T10:00:00",
                "endsAt": "2023-04-15T11:00:00",
            }
        },
        headers=SECRETARIAT,
    )

    assert moved["moveOccurrence"]["startsAt"].startswith("2023-04-15T10:00:00")
    assert moved["moveOccurrence"]["event"]["recurrence"]["rrule"] == "FREQ=MONTHLY;COUNT=3"


async def test_invalid_input_lists_each_bad_field_and_writes_nothing(stack: Stack) -> None:
    organisation = await stack.organisation()

    body = await stack.query(
        """mutation($input: CreatePledgeInput!) {
          createPledge(input: $input) { pledge { id } }
        }""",
        {
            "input": {
                "contributorId": organisation["id"],
                "kind": "FINANCIAL",
                "title": {"en": "Bad money"},
                "announcedOn": "2022-09-20",
                "amount": {"amount": "10", "currency": "XXQ"},
                "recipientCountries": ["GTM"],
            }
        },
        headers=SECRETARIAT,
    )

    error = _error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert any("XXQ" in item["message"] for item in error["extensions"]["errors"])
    assert (await stack.rest("pledges", "GET", "/v1/pledges"))["items"] == []
