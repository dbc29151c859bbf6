"""The demo data set loads once, through the rules, and adds up to what it says."""

from __future__ import annotations

from services.common.db import make_engine, make_sessionmaker
from services.pledges.demo import GRF_2023, SOLIDARITY_EVENT_2022, load_demo
from tests.conftest import auth_headers
from tests.pledges.conftest import SECRETARIAT, Ledger, load_demo_data


async def test_demo_loads_once_and_adds_up_to_210_million_usd(ledger: Ledger) -> None:
    engine = make_engine(ledger.database_url)
    try:
        for expected in (True, False):
            async with make_sessionmaker(engine)() as session:
                assert await load_demo(session) is expected
                await session.commit()
    finally:
        await engine.dispose()
    summary = (await ledger.client.get("/v1/reports/summary?group_by=contributor_kind")).json()
    assert summary["totals"]["pledged_usd"] == "210000000.00"
    announced = await ledger.client.get(
        f"/v1/pledges?announced_at={SOLIDARITY_EVENT_2022}&limit=200"
    )
    assert len(announced.json()["items"]) == 18
    members = (await ledger.client.get("/v1/organisations?sp_member=true")).json()["items"]
    assert len(members) == 14
    gaps = (await ledger.client.get("/v1/reports/gaps")).json()
    assert len(gaps["objectives"]) == 28
    assert {row["country"] for row in gaps["countries"]} == {
        "BLZ",
        "CRI",
        "SLV",
        "GTM",
        "HND",
        "MEX",
        "PAN",
    }


async def test_demo_pledges_say_their_figures_are_illustrative_and_one_is_cultivated(
    ledger: Ledger,
) -> None:
    await load_demo_data(ledger.database_url)
    every = (await ledger.client.get("/v1/pledges?limit=200", headers=SECRETARIAT)).json()
    assert every["items"]
    for pledge in every["items"]:
        assert pledge["description"]["en"].startswith("Illustrative demo figures"), pledge
    grf = f"/v1/pledges?announced_at={GRF_2023}"
    cultivating = (await ledger.client.get(grf, headers=SECRETARIAT)).json()["items"]
    assert sorted((p["stage"], p["kind"]) for p in cultivating) == [
        ("cultivating", "financial"),
        ("cultivating", "policy"),
    ]
    honduras = auth_headers("country_focal_point", countries=("HND",))
    assert len((await ledger.client.get(grf, headers=honduras)).json()["items"]) == 2
    assert (await ledger.client.get(grf)).json()["items"] == []


async def test_demo_labels_its_figures_and_shows_hiring_and_outreach(ledger: Ledger) -> None:
    await load_demo_data(ledger.database_url)
    every = (await ledger.client.get("/v1/pledges?limit=200", headers=SECRETARIAT)).json()
    assert all(pledge["illustrative"] for pledge in every["items"])
    objectives = (await ledger.client.get("/v1/objectives?limit=200")).json()["items"]
    assert all(o["description"]["en"].startswith("Illustrative") for o in objectives)
    report = (await ledger.client.get("/v1/reports/employment")).json()
    assert report["companies_in_two_or_more_countries"] == 2
    assert [(c["name"], c["countries"]) for c in report["companies"]] == [
        ("Agroindustrias del Pacífico (illustrative)", ["HND", "SLV"]),
        ("Alianza Empresarial por el Empleo (illustrative)", ["MEX"]),
        ("Textiles del Norte (illustrative)", ["GTM", "HND"]),
    ]
    assert report["jobs_targeted"] == 2750
    pipeline = (await ledger.client.get("/v1/prospects", headers=SECRETARIAT)).json()["items"]
    assert [p["status"] for p in pipeline] == ["pledged", "interested", "identified", "declined"]
    textiles = next(c for c in report["companies"] if c["name"].startswith("Textiles"))
    assert pipeline[0]["pledge_id"] in textiles["pledge_ids"]
    assert (await ledger.client.get("/v1/prospects")).status_code == 401


async def test_demo_matches_around_the_grf_hide_the_cultivating_pledges(ledger: Ledger) -> None:
    """The GRF view: the public sees the match announced there; the match of the two
    cultivating Honduran pledges (one of them joint) only their parties see."""
    await load_demo_data(ledger.database_url)
    view = f"/v1/matches/announcements?event={GRF_2023}"
    public = (await ledger.client.get(view)).json()
    assert public["agreed"] == []
    assert len(public["announced"]) == 1
    assert public["announced"][0]["notes"]["en"].startswith("Illustrative demo match")
    honduras = auth_headers("country_focal_point", countries=("HND",))
    agreed = (await ledger.client.get(view, headers=honduras)).json()["agreed"]
    assert len(agreed) == 1
    joint = await ledger.client.get(
        f"/v1/pledges/{agreed[0]['support_pledge_ids'][0]}", headers=honduras
    )
    assert [c["share_percent"] for c in joint.json()["contributors"]] == [
        "75.000000",
        "25.000000",
    ]
    every = (await ledger.client.get("/v1/matches", headers=SECRETARIAT)).json()["items"]
    assert sorted(m["status"] for m in every) == [
        "agreed", "announced", "declined", "under_discussion"
    ]  # fmt: skip
