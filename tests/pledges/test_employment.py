"""Employment pledges: jobs targeted per hiring country, hiring companies, hiring practice,
and the report counting companies that hire in two or more MIRPS countries (Outcome 2.1.3)."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pledges.conftest import SECRETARIAT, Ledger


def terms(companies: list[str], jobs: dict[str, int], practice: str = "quota") -> dict[str, Any]:
    return {
        "hiring_practice": practice,
        "hiring_countries": [{"country": c, "jobs_targeted": n} for c, n in jobs.items()],
        "company_ids": companies,
    }


async def employment_pledge(
    ledger: Ledger, contributor: str, companies: list[str], jobs: dict[str, int], **fields: Any
) -> dict[str, Any]:
    return await ledger.pledge(
        contributor,
        kind="employment",
        amount=None,
        recipient_countries=sorted(jobs),
        employment=terms(companies, jobs),
        **fields,
    )


async def companies(ledger: Ledger, *names: str) -> dict[str, str]:
    created = {}
    for name in names:
        org = await ledger.organisation(name=name, kind="private_sector", country="GTM")
        created[name] = org["id"]
    return created


async def test_the_report_counts_companies_hiring_in_two_countries_as_counted_by_hand(
    ledger: Ledger,
) -> None:
    c = await companies(ledger, "Alfa", "Beta", "Gamma", "Delta", "Epsilon")
    network = (await ledger.organisation(name="Business network", kind="civil_society"))["id"]
    # Alfa and Beta hire in GTM and HND under one pledge; Gamma in GTM and MEX under two.
    await employment_pledge(ledger, network, [c["Alfa"], c["Beta"]], {"GTM": 300, "HND": 200})
    await employment_pledge(ledger, c["Gamma"], [c["Gamma"]], {"GTM": 100})
    await employment_pledge(ledger, c["Gamma"], [c["Gamma"]], {"MEX": 50})
    # Not public: restricted, still cultivating, withdrawn; Delta and Epsilon count nowhere.
    await employment_pledge(
        ledger, c["Delta"], [c["Delta"]], {"GTM": 10, "HND": 10}, visibility="restricted"
    )
    await employment_pledge(
        ledger, c["Delta"], [c["Delta"]], {"PAN": 10, "CRI": 10}, stage="cultivating"
    )
    gone = await employment_pledge(ledger, c["Epsilon"], [c["Epsilon"]], {"SLV": 5, "PAN": 5})
    withdrawn = await ledger.client.post(
        f"/v1/pledges/{gone['id']}/withdrawal",
        json={"reason": "The company closed."},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert withdrawn.status_code == 200, withdrawn.text

    for headers in ({}, SECRETARIAT):
        response = await ledger.client.get("/v1/reports/employment", headers=headers)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["companies_in_two_or_more_countries"] == 3
        assert [(x["name"], x["countries"]) for x in report["companies"]] == [
            ("Alfa", ["GTM", "HND"]),
            ("Beta", ["GTM", "HND"]),
            ("Gamma", ["GTM", "MEX"]),
        ]
        assert report["countries"] == [
            {"country": "GTM", "jobs_targeted": 400, "companies": 3, "pledges": 2},
            {"country": "HND", "jobs_targeted": 200, "companies": 2, "pledges": 1},
            {"country": "MEX", "jobs_targeted": 50, "companies": 1, "pledges": 1},
        ]
        assert report["jobs_targeted"] == 650
    before_2022 = await ledger.client.get("/v1/reports/employment?to=2021-12-31")
    assert before_2022.json()["companies_in_two_or_more_countries"] == 0


async def test_an_employment_pledge_shows_its_terms_and_keeps_changes_in_history(
    ledger: Ledger,
) -> None:
    c = await companies(ledger, "Alfa", "Beta")
    pledge = await employment_pledge(ledger, c["Alfa"], [c["Alfa"]], {"HND": 20, "GTM": 30})
    assert pledge["employment"] == {
        "hiring_practice": "quota",
        "hiring_countries": [
            {"country": "GTM", "jobs_targeted": 30},
            {"country": "HND", "jobs_targeted": 20},
        ],
        "company_ids": [c["Alfa"]],
        "jobs_targeted": 50,
    }
    url = f"/v1/pledges/{pledge['id']}"
    changed = await ledger.client.patch(
        url,
        json={"employment": terms([c["Alfa"], c["Beta"]], {"PAN": 5}, "refugee_friendly_policy")},
        headers={**SECRETARIAT, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    read = (await ledger.client.get(url)).json()
    assert read["employment"]["hiring_practice"] == "refugee_friendly_policy"
    assert read["employment"]["company_ids"] == sorted([c["Alfa"], c["Beta"]])
    assert read["employment"]["jobs_targeted"] == 5
    listed = (await ledger.client.get("/v1/pledges?kind=employment")).json()["items"]
    assert listed[0]["employment"] == read["employment"]
    retyped = await ledger.client.patch(
        url, json={"kind": "technical"}, headers={**SECRETARIAT, "If-Match": '"2"'}
    )
    assert retyped.status_code == 200, retyped.text
    assert retyped.json()["employment"] is None
    history = (await ledger.client.get(f"{url}/history", headers=SECRETARIAT)).json()
    assert history[1]["changes"]["employment"][1]["jobs_targeted"] == 5
    assert history[2]["changes"]["employment"][1] is None
    report = (await ledger.client.get("/v1/reports/employment")).json()
    assert report["companies"] == []


async def test_bad_employment_terms_are_refused_naming_the_field(ledger: Ledger) -> None:
    company = (await ledger.organisation(name="Alfa", kind="private_sector"))["id"]
    ministry = (await ledger.organisation(name="Ministerio", kind="state"))["id"]
    base = {
        "contributor_id": company,
        "kind": "employment",
        "title": {"en": "Jobs"},
        "recipient_countries": ["GTM"],
        "announced_on": "2023-01-01",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"employment": terms([ministry], {"GTM": 5})}, "employment.company_ids"),
        ({"employment": terms([str(uuid.uuid4())], {"GTM": 5})}, "employment.company_ids"),
        ({"kind": "technical", "employment": terms([company], {"GTM": 5})}, "employment"),
    ]
    for fields, field in cases:
        response = await ledger.client.post(
            "/v1/pledges", json={**base, **fields}, headers=SECRETARIAT
        )
        assert response.status_code == 422, response.text
        if field:
            assert response.json()["field"] == field
    invalid: list[tuple[dict[str, Any], str]] = [
        (terms([company], {"GTM": 0}), "body.employment.hiring_countries.0.jobs_targeted"),
        (terms([company], {"USA": 5}), "body.employment.hiring_countries.0.country"),
        (terms([], {"GTM": 5}), "body.employment.company_ids"),
        ({**terms([company], {"GTM": 5}), "hiring_practice": "charity"}, "body.employment"),
        (
            {
                **terms([company], {}),
                "hiring_countries": [
                    {"country": "GTM", "jobs_targeted": 1},
                    {"country": "GTM", "jobs_targeted": 2},
                ],
            },
            "body.employment.hiring_countries",
        ),
    ]
    for bad, field in invalid:
        response = await ledger.client.post(
            "/v1/pledges", json={**base, "employment": bad}, headers=SECRETARIAT
        )
        assert response.status_code == 422, response.text
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(f.startswith(field) for f in fields), fields
    listed = await ledger.client.get("/v1/pledges", headers=SECRETARIAT)
    assert listed.json()["items"] == []


# ---------------------------------------------------------------- property

COUNTRIES = ["GTM", "HND", "MEX", "PAN"]
employment_pledges = st.lists(
    st.tuples(
        st.sets(st.integers(0, 4), min_size=1, max_size=3),  # companies
        st.dictionaries(st.sampled_from(COUNTRIES), st.integers(1, 500), min_size=1),
        st.sampled_from(["public", "public", "restricted", "cultivating", "withdrawn"]),
    ),
    min_size=1,
    max_size=5,
)


def expected(recorded: list[tuple[list[str], dict[str, int], str]]) -> tuple[int, dict[str, int]]:
    """The report's count and jobs per country, recomputed by hand from what was sent."""
    countries: dict[str, set[str]] = {}
    jobs: dict[str, int] = {}
    for company_ids, per_country, state in recorded:
        if state != "public":
            continue
        for company in company_ids:
            countries.setdefault(company, set()).update(per_country)
        for country, n in per_country.items():
            jobs[country] = jobs.get(country, 0) + n
    return sum(1 for spread in countries.values() if len(spread) >= 2), jobs


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=employment_pledges)
async def test_the_count_equals_a_recount_after_any_pledges(
    ledger: Ledger, steps: list[tuple[set[int], dict[str, int], str]]
) -> None:
    # The examples share the database; each hires with companies of its own, so what it
    # adds to the count and to the jobs adds to what the earlier examples left.
    before = (await ledger.client.get("/v1/reports/employment")).json()
    pool = [
        (await ledger.organisation(name=f"Company {n}", kind="private_sector"))["id"]
        for n in range(5)
    ]
    recorded: list[tuple[list[str], dict[str, int], str]] = []
    for chosen, per_country, state in steps:
        company_ids = [pool[i] for i in sorted(chosen)]
        fields: dict[str, Any] = {}
        if state == "restricted":
            fields["visibility"] = "restricted"
        if state == "cultivating":
            fields["stage"] = "cultivating"
        pledge = await employment_pledge(ledger, company_ids[0], company_ids, per_country, **fields)
        if state == "withdrawn":
            response = await ledger.client.post(
                f"/v1/pledges/{pledge['id']}/withdrawal",
                json={"reason": "Withdrawn."},
                headers={**SECRETARIAT, "If-Match": '"1"'},
            )
            assert response.status_code == 200, response.text
        recorded.append((company_ids, per_country, state))
    count, jobs = expected(recorded)
    for row in before["countries"]:
        jobs[row["country"]] = jobs.get(row["country"], 0) + row["jobs_targeted"]
    report = (await ledger.client.get("/v1/reports/employment")).json()
    assert report["companies_in_two_or_more_countries"] == (
        before["companies_in_two_or_more_countries"] + count
    )
    assert {row["country"]: row["jobs_targeted"] for row in report["countries"]} == jobs
    assert report["jobs_targeted"] == sum(jobs.values())
