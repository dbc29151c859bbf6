"""The results service's writes through the gateway, end to end against the real services:
a strategy's framework and indicators, reported and computed values, the workplan's
milestones, governance terms and a frozen progress report."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

MEMBER = auth_headers("member", sub="member-1", org_id="org-x")


async def _strategy(stack: Stack) -> str:
    code = f"sp-{uuid.uuid4().hex[:8]}"
    await stack.data(
        """mutation($input: CreateStrategyInput!) {
             createStrategy(input: $input) { code } }""",
        {
            "input": {
                "code": code,
                "title": {"es": "Estrategia", "en": "Strategy"},
                "startsOn": "2022-09-01",
                "endsOn": "2023-12-31",
            }
        },
        SECRETARIAT,
    )
    for level, element, parent in (
        ("OBJECTIVE", "1", None),
        ("ACTIVITY", "1.1", "1"),
        ("OUTCOME", "1.1.1", "1.1"),
    ):
        await stack.data(
            """mutation($input: AddStrategyElementInput!) {
                 addStrategyElement(input: $input) { element { code } } }""",
            {
                "input": {
                    "strategyCode": code,
                    "level": level,
                    "code": element,
                    "parentCode": parent,
                    "title": {"en": f"Element {element}"},
                }
            },
            SECRETARIAT,
        )
    return code


CREATE_INDICATOR = """mutation($input: CreateIndicatorInput!) {
  createIndicator(input: $input) { indicator { id name { en } target source version } } }"""


async def _indicator(stack: Stack, code: str, **fields: Any) -> dict[str, Any]:
    body = {
        "strategyCode": code,
        "code": f"ind-{uuid.uuid4().hex[:6]}",
        "outcomeCode": "1.1.1",
        "name": {"en": "Partners reporting"},
        "unit": "COUNT",
        "direction": "INCREASE",
        "source": "REPORTED",
        "target": "10",
        "period": "2023",
        **fields,
    }
    data = await stack.data(CREATE_INDICATOR, {"input": body}, SECRETARIAT)
    indicator: dict[str, Any] = data["createIndicator"]["indicator"]
    return indicator


async def test_a_strategy_built_through_the_gateway_reads_back_whole(stack: Stack) -> None:
    code = await _strategy(stack)
    await _indicator(stack, code)

    data = await stack.data(
        """query($code: String!) { strategy(code: $code) {
             code objectives { code activities { code outcomes { code indicators { target } } } }
           } }""",
        {"code": code},
    )

    objective = data["strategy"]["objectives"][0]
    outcome = objective["activities"][0]["outcomes"][0]
    assert (objective["code"], outcome["code"], outcome["indicators"]) == (
        "1",
        "1.1.1",
        [{"target": "10"}],
    )


async def test_create_strategy_answers_its_framework(stack: Stack) -> None:
    data = await stack.data(
        """mutation($input: CreateStrategyInput!) {
             createStrategy(input: $input) {
               code strategy { code title { en } objectives { code } } } }""",
        {
            "input": {
                "code": "sp-answer",
                "title": {"en": "Answered"},
                "startsOn": "2024-01-01",
                "endsOn": "2025-12-31",
            }
        },
        SECRETARIAT,
    )

    assert data["createStrategy"]["strategy"] == {
        "code": "sp-answer",
        "title": {"en": "Answered"},
        "objectives": [],
    }


async def test_update_indicator_at_the_version_read(stack: Stack) -> None:
    indicator = await _indicator(stack, await _strategy(stack))
    update = """mutation($input: UpdateIndicatorInput!) {
                  updateIndicator(input: $input) { indicator { target version } } }"""

    data = await stack.data(
        update,
        {"input": {"indicatorId": indicator["id"], "expectedVersion": 1, "target": "12"}},
        SECRETARIAT,
    )

    assert data["updateIndicator"]["indicator"] == {"target": "12", "version": 2}
    stale = await stack.query(
        update,
        {"input": {"indicatorId": indicator["id"], "expectedVersion": 1, "target": "13"}},
        SECRETARIAT,
    )
    assert stale["errors"][0]["extensions"]["code"] == "STALE_VERSION"


async def test_report_then_validate_a_measurement(stack: Stack) -> None:
    indicator = await _indicator(stack, await _strategy(stack))
    fields = "measurement { restId reviewStatus evidenceUrl measurement { value period } }"

    reported = await stack.data(
        f"mutation($input: ReportMeasurementInput!) {{"
        f" reportMeasurement(input: $input) {{ {fields} }} }}",
        {
            "input": {
                "indicatorId": indicator["id"],
                "value": "4",
                "period": "2023",
                "evidenceUrl": "https://example.org/report.pdf",
            }
        },
        SECRETARIAT,
    )
    measurement = reported["reportMeasurement"]["measurement"]
    validated = await stack.data(
        f"mutation($input: ValidateMeasurementInput!) {{"
        f" validateMeasurement(input: $input) {{ {fields} }} }}",
        {"input": {"indicatorId": indicator["id"], "measurementId": measurement["restId"]}},
        SECRETARIAT,
    )

    assert measurement["reviewStatus"] == "SUBMITTED"
    assert measurement["measurement"] == {"value": "4", "period": "2023"}
    assert validated["validateMeasurement"]["measurement"]["reviewStatus"] == "VALIDATED"
    stored = await stack.rest("results", "GET", f"/v1/indicators/{indicator['id']}")
    assert stored["latest"]["value"] == "4"


async def test_a_measurement_without_evidence_is_refused(stack: Stack) -> None:
    indicator = await _indicator(stack, await _strategy(stack))

    body = await stack.query(
        """mutation($input: ReportMeasurementInput!) {
             reportMeasurement(input: $input) { measurement { restId } } }""",
        {"input": {"indicatorId": indicator["id"], "value": "4", "period": "2023"}},
        SECRETARIAT,
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_measure_a_computed_indicator_and_all_of_them(stack: Stack) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"], announced_on="2023-03-01")
    indicator = await _indicator(
        stack, await _strategy(stack), source="COMPUTED", query="usd_pledged", unit="USD"
    )

    measured = await stack.data(
        """mutation($input: MeasureIndicatorInput!) {
             measureIndicator(input: $input) { stale error indicator { latest { value } } } }""",
        {"input": {"indicatorId": indicator["id"], "period": "2023"}},
        SECRETARIAT,
    )
    everything = await stack.data(
        "mutation { measureAllIndicators { errors { indicatorCode error } } }", None, SECRETARIAT
    )

    result = measured["measureIndicator"]
    assert (result["stale"], result["error"]) == (False, None)
    assert result["indicator"]["latest"]["value"] == "100000.00"
    assert everything["measureAllIndicators"]["errors"] == []


async def test_milestones_and_governance_terms(stack: Stack) -> None:
    code = await _strategy(stack)
    fields = "milestone { code status doneOn outcomeCodes }"

    created = await stack.data(
        f"mutation($input: CreateMilestoneInput!) {{"
        f" createMilestone(input: $input) {{ {fields} }} }}",
        {
            "input": {
                "strategyCode": code,
                "code": "next-chair",
                "title": {"en": "Next Chair chosen"},
                "dueOn": "2023-03-31",
                "outcomeCodes": ["1.1.1"],
            }
        },
        SECRETARIAT,
    )
    done = await stack.data(
        f"mutation($input: UpdateMilestoneInput!) {{"
        f" updateMilestone(input: $input) {{ {fields} }} }}",
        {"input": {"strategyCode": code, "code": "next-chair", "doneOn": "2023-03-28"}},
        SECRETARIAT,
    )
    role = await stack.data(
        """mutation($input: AddGovernanceRoleInput!) {
             addGovernanceRole(input: $input) { governanceRole { role holder endsOn } } }""",
        {"input": {"role": "CHAIR", "holder": "United States", "startsOn": "2022-09-01"}},
        SECRETARIAT,
    )

    assert created["createMilestone"]["milestone"]["status"] == "LATE"
    assert done["updateMilestone"]["milestone"] == {
        "code": "next-chair",
        "status": "DONE",
        "doneOn": "2023-03-28",
        "outcomeCodes": ["1.1.1"],
    }
    assert role["addGovernanceRole"]["governanceRole"] == {
        "role": "CHAIR",
        "holder": "United States",
        "endsOn": None,
    }


FREEZE = """mutation($input: FreezeProgressReportInput!) {
  freezeProgressReport(input: $input) { report { strategyCode asOf frozen status } } }"""


async def test_freeze_a_closed_half_year_once(stack: Stack) -> None:
    code = await _strategy(stack)
    variables = {"input": {"strategyCode": code, "period": "2023-H1"}}

    data = await stack.data(FREEZE, variables, SECRETARIAT)
    again = await stack.query(FREEZE, variables, SECRETARIAT)

    assert data["freezeProgressReport"]["report"] == {
        "strategyCode": code,
        "asOf": "2023-06-30",
        "frozen": True,
        "status": "NOT_STARTED",
    }
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_results_writes_are_the_secretariats(stack: Stack) -> None:
    body = await stack.query(
        "mutation { measureAllIndicators { errors { indicatorCode } } }", None, MEMBER
    )
    anonymous = await stack.query("mutation { measureAllIndicators { errors { error } } }")

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_code_that_would_leave_its_path_is_refused_before_any_call(
    stack: Stack,
) -> None:
    stack.reset_counts()

    body = await stack.query(FREEZE, {"input": {"period": "../measure"}}, SECRETARIAT)

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert stack.calls("results") == []
