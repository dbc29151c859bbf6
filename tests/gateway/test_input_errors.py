"""Bad input to the gateway: forged cursors, and input-coercion errors with a code."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.gateway.conftest import SECRETARIAT, Stack

RECORD = """mutation($input: RecordLedgerEntryInput!) {
  recordLedgerEntry(input: $input) { entry { entryType } }
}"""


def _forged_cursor(skip: int) -> str:
    raw = json.dumps([None, skip], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_a_forged_cursor_with_a_huge_skip_is_bad_user_input_naming_after(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])
    stack.reset_counts()

    body = await stack.query(
        "query($after: String) { pledges(first: 5, after: $after) { totalCount } }",
        {"after": _forged_cursor(10_000)},
    )

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "after"
    assert "less than or equal" not in error["message"]
    assert stack.calls("pledges") == []


def _entry(**fields: Any) -> dict[str, Any]:
    return {
        "pledgeId": "UGxlZGdlOjA=",
        "entryType": "COMMITMENT",
        "amount": {"amount": "100", "currency": "USD"},
        "valueDate": "2023-01-15",
        "recipientCountry": "GTM",
        **fields,
    }


async def test_input_coercion_errors_are_bad_user_input(stack: Stack) -> None:
    bad_amount = await stack.query(
        RECORD, {"input": _entry(amount={"amount": "abc", "currency": "USD"})}, SECRETARIAT
    )
    bad_date = await stack.query(RECORD, {"input": _entry(valueDate="2023-13-01")}, SECRETARIAT)
    inline = await stack.query(
        'mutation { recordLedgerEntry(input: {pledgeId: "x", entryType: COMMITMENT, '
        'valueDate: "2023-01-15", amount: {amount: "abc", currency: "USD"}}) '
        "{ entry { entryType } } }",
        headers=SECRETARIAT,
    )
    unknown_field = await stack.query("{ pledges { nonsense } }")

    for body in (bad_amount, bad_date, inline, unknown_field):
        assert body["errors"], body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"] * len(
            body["errors"]
        ), body
        assert all(e["message"] != "Unexpected error." for e in body["errors"])
    assert "Decimal" in bad_amount["errors"][0]["message"]
    assert "2023-13-01" in bad_date["errors"][0]["message"]
    assert stack.calls("pledges") == []
