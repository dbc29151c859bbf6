"""The results service through the gateway: the strategy query, indicators per country and
per objective (one call per level), and the service down."""

from __future__ import annotations

from typing import Any

from tests.gateway.conftest import DatabaseUrlFor, RunApp, Stack, start_stack

STRATEGY = "sp-gw"
STRATEGY_QUERY = """
query ($code: String!) {
  strategy(code: $code) {
    code title { en } status
    objectives {
      code status
      activities {
        code
        outcomes {
          code status
          indicators { id name { en } unit direction target source
                       latest { value period computedAt stale } history { value period } }
        }
      }
    }
  }
}"""


async def _framework(stack: Stack, objective_id: str | None = None) -> dict[str, Any]:
    """A strategy with one outcome and a validated value of a Guatemalan NAP indicator."""
    await stack.rest(
        "results",
        "POST",
        "/v1/strategies",
        {
            "code": STRATEGY,
            "title": {"en": "GW"},
            "starts_on": "2023-01-01",
            "ends_on": "2023-12-31",
        },
    )
    for level, code, parent in (("objective", "1", None), ("activity", "1.2", "1"),
                                ("outcome", "1.2.1", "1.2")):  # fmt: skip
        body = {"level": level, "code": code, "parent_code": parent, "title": {"en": code}}
        await stack.rest("results", "POST", f"/v1/strategies/{STRATEGY}/elements", body)
    indicator: dict[str, Any] = await stack.rest(
        "results",
        "POST",
        f"/v1/strategies/{STRATEGY}/indicators",
        {
            "code": "nap-gtm",
            "outcome_code": "1.2.1",
            "name": {"en": "Jobs"},
            "unit": "count",
            "direction": "increase",
            "target": "100",
            "period": "2023",
            "source": "reported",
            "country": "GTM",
            "objective_id": objective_id,
        },
    )
    path = f"/v1/indicators/{indicator['id']}/measurements"
    body = {"value": "100", "period": "2023-H1", "evidence_reference": "Nota 7"}
    value = await stack.rest("results", "POST", path, body)
    await stack.rest("results", "POST", f"{path}/{value['id']}/validation")
    return indicator


async def test_the_strategy_query_answers_the_whole_framework_in_one_call(stack: Stack) -> None:
    indicator = await _framework(stack)
    stack.reset_counts()

    data = await stack.data(STRATEGY_QUERY, {"code": STRATEGY})

    assert len(stack.calls("results")) == 1
    strategy = data["strategy"]
    assert strategy["status"] == "ACHIEVED"
    (objective,) = strategy["objectives"]
    (outcome,) = objective["activities"][0]["outcomes"]
    assert outcome["status"] == "ACHIEVED"
    (read,) = outcome["indicators"]
    assert read["id"] == indicator["id"]
    assert read["target"] == "100"
    assert read["source"] == "reported"
    assert read["latest"]["value"] == "100"
    assert read["latest"]["period"] == "2023-H1"
    assert read["latest"]["stale"] is False
    assert read["history"] == [{"value": "100", "period": "2023-H1"}]


async def test_an_unknown_strategy_is_null_without_error(stack: Stack) -> None:
    data = await stack.data('{ strategy(code: "nope") { code } }')

    assert data["strategy"] is None


async def test_country_indicators_cost_one_call_for_all_countries(stack: Stack) -> None:
    await _framework(stack)
    stack.reset_counts()

    data = await stack.data("{ countries { code indicators { name { en } latest { value } } } }")

    assert len(stack.calls("results")) == 1
    by_country = {c["code"]: c["indicators"] for c in data["countries"]}
    assert by_country["GTM"] == [{"name": {"en": "Jobs"}, "latest": {"value": "100"}}]
    assert by_country["HND"] == []


async def test_objective_indicators_cost_one_call_per_level(stack: Stack) -> None:
    first = await stack.objective()
    await stack.objective(country="HND")
    await _framework(stack, objective_id=first["id"])
    stack.reset_counts()

    data = await stack.data("{ objectives { nodes { restId indicators { name { en } } } } }")

    assert len(stack.calls("results")) == 1
    found = {node["restId"]: node["indicators"] for node in data["objectives"]["nodes"]}
    assert found[first["id"]] == [{"name": {"en": "Jobs"}}]
    assert sum(len(value) for value in found.values()) == 1


async def test_the_results_service_down_nulls_its_fields_and_names_itself(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, down=("results",))

    body = await stack.query("{ strategy { code } countries { code } }")

    assert body["data"]["strategy"] is None
    assert len(body["data"]["countries"]) == 7
    assert {error["extensions"]["service"] for error in body["errors"]} == {"results"}


async def test_a_computed_value_links_to_the_records_it_counted(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    # Every measurement's records over the whole framework is a large answer in the worst
    # case (about 150,000 values by the cost estimate), above the default budget on purpose;
    # a client that wants it all raises GATEWAY_MAX_QUERY_COST, as here.
    stack = await start_stack(run_app, database_url_for, max_query_cost=500_000)
    company = await stack.organisation(name="Empresa", kind="private_sector")
    state = await stack.organisation(name="Estado", kind="state")
    pledged = await stack.pledge(company["id"], announced_on="2023-02-01")
    await stack.pledge(state["id"], announced_on="2023-02-01")
    await _framework(stack)
    indicator = await stack.rest(
        "results",
        "POST",
        f"/v1/strategies/{STRATEGY}/indicators",
        {
            "code": "private",
            "outcome_code": "1.2.1",
            "name": {"en": "Private commitments"},
            "unit": "count",
            "direction": "increase",
            "target": "2",
            "period": "2023",
            "source": "computed",
            "query": "private_sector_commitments",
        },
    )
    measured = await stack.rest("results", "POST", f"/v1/indicators/{indicator['id']}/measure")
    assert measured["stale"] is False
    stack.reset_counts()

    data = await stack.data(
        """query ($code: String!) { strategy(code: $code) { objectives { activities { outcomes {
             indicators { source latest { value records { __typename ... on Pledge { restId } } }
                          history { records { ... on Pledge { restId } } } } } } } } }""",
        {"code": STRATEGY},
    )

    (outcome,) = data["strategy"]["objectives"][0]["activities"][0]["outcomes"]
    computed = next(i for i in outcome["indicators"] if i["source"] == "computed")
    assert computed["latest"]["value"] == "1"
    assert computed["latest"]["records"] == [{"__typename": "Pledge", "restId": pledged["id"]}]
    assert all(m["records"] == [{"restId": pledged["id"]}] for m in computed["history"])
    # One call for the framework; the pledges of every measurement in one batched call.
    assert len(stack.calls("results")) == 1
    assert len(stack.calls("pledges")) == 1
