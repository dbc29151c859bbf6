"""IATI 2.03 export: every document validates against the official (vendored) XSD, the
transactions add up to the ledger, restricted pledges stay hidden."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from lxml import etree

from services.common.db import make_engine, make_sessionmaker
from services.pledges.demo import load_demo
from tests.pledges.conftest import SECRETARIAT, Ledger

SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).parent / "iati-2.03" / "iati-activities-schema.xsd"))
)
URL = "/v1/exports/iati/activities.xml"
TYPES = {"2": "commitment", "3": "disbursement", "4": "expenditure"}


async def _valid_export(ledger: Ledger, query: str = "", **headers: str) -> etree._Element:
    response = await ledger.client.get(URL + query, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    document = etree.fromstring(response.content)
    SCHEMA.assertValid(document)
    return document


async def _load_demo(ledger: Ledger) -> None:
    engine = make_engine(ledger.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await load_demo(session)
            await session.commit()
    finally:
        await engine.dispose()


def _sums(activity: etree._Element) -> dict[tuple[str, str], Decimal]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for transaction in activity.iter("transaction"):
        kind = TYPES[transaction.find("transaction-type").get("code")]
        value = transaction.find("value")
        sums[kind, value.get("currency")] += Decimal(value.text)
    return sums


async def _ledger_sums(ledger: Ledger, pledge_id: str) -> dict[tuple[str, str], Decimal]:
    url = f"/v1/pledges/{pledge_id}/entries?limit=200"
    entries = (await ledger.client.get(url, headers=SECRETARIAT)).json()["items"]
    by_id = {entry["id"]: entry for entry in entries}
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        money = entry["amount"]
        if entry["entry_type"] == "reversal":
            kind = by_id[entry["reverses_entry_id"]]["entry_type"]
            sums[kind, money["currency"]] -= Decimal(money["amount"])
        else:
            sums[entry["entry_type"], money["currency"]] += Decimal(money["amount"])
    return sums


async def test_the_demo_data_exports_as_valid_iati_adding_up_to_the_ledger(
    ledger: Ledger,
) -> None:
    await _load_demo(ledger)
    document = await _valid_export(ledger, **SECRETARIAT)
    activities = document.findall("iati-activity")
    listed = (await ledger.client.get("/v1/pledges?limit=200", headers=SECRETARIAT)).json()
    # A pledge still being cultivated is counted nowhere public, IATI included.
    announced = [pledge for pledge in listed["items"] if pledge["stage"] != "cultivating"]
    assert len(activities) == len(announced) > 0
    by_id = {pledge["id"]: pledge for pledge in announced}
    with_transactions = 0
    for activity in activities:
        pledge_id = activity.findtext("iati-identifier")[-36:]
        pledge = by_id[pledge_id]
        assert activity.get("default-currency") == (pledge["amount"] or {}).get("currency")
        assert _sums(activity) == dict((await _ledger_sums(ledger, pledge_id)).items())
        with_transactions += bool(activity.findall("transaction"))
        shares = [Decimal(e.get("percentage")) for e in activity.iter("recipient-country")]
        shares += [Decimal(e.get("percentage")) for e in activity.iter("recipient-region")]
        assert sum(shares) == 100
        titles = {
            n.get("{http://www.w3.org/XML/1998/namespace}lang"): n.text
            for n in activity.find("title")
        }
        assert titles == {k: v for k, v in pledge["title"].items() if v}
    assert with_transactions > 0


async def test_an_activity_carries_the_pledge_its_allocation_and_its_transactions(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation(kind="un_agency", name="UNHCR")
    pledge = await ledger.pledge(
        org["id"],
        title={"es": "Medios de vida", "en": "Livelihoods"},
        amount={"amount": "1000", "currency": "USD"},
        recipient_countries=["GTM", "HND"],
        allocation=[{"country": "GTM", "share": "0.75"}, {"country": "HND", "share": "0.25"}],
        implementation_status="in_progress",
    )
    first = (await ledger.entry(pledge["id"], "commitment", "600")).json()
    await ledger.reversal(pledge["id"], first["id"], "2023-03-01")
    await ledger.entry(pledge["id"], "commitment", "500", value_date="2023-04-01")
    await ledger.entry(pledge["id"], "disbursement", "200", value_date="2023-05-01")
    other = await ledger.organisation()
    await ledger.pledge(other["id"])
    document = await _valid_export(ledger, f"?reporting_org={org['id']}")
    (activity,) = document.findall("iati-activity")
    assert activity.find("reporting-org").get("type") == "40"
    assert activity.find("participating-org").get("role") == "1"
    assert activity.find("activity-status").get("code") == "2"
    countries = {e.get("code"): e.get("percentage") for e in activity.iter("recipient-country")}
    assert countries == {"GT": "75.00", "HN": "25.00"}
    rows = [
        (
            t.find("transaction-type").get("code"),
            t.find("value").text,
            t.find("value").get("value-date"),
        )
        for t in activity.iter("transaction")
    ]
    assert rows == [
        ("2", "600.0000", "2023-01-15"),
        ("2", "-600.0000", "2023-03-01"),
        ("2", "500.0000", "2023-04-01"),
        ("3", "200.0000", "2023-05-01"),
    ]


async def test_restricted_pledges_are_not_exported_to_anonymous_callers(ledger: Ledger) -> None:
    org = await ledger.organisation()
    public = await ledger.pledge(org["id"])
    hidden = await ledger.pledge(org["id"], visibility="restricted")
    anonymous = await _valid_export(ledger)
    shown = [a.findtext("iati-identifier")[-36:] for a in anonymous.iter("iati-activity")]
    assert shown == [public["id"]]
    secretariat = await _valid_export(ledger, **SECRETARIAT)
    shown = [a.findtext("iati-identifier")[-36:] for a in secretariat.iter("iati-activity")]
    assert shown == [public["id"], hidden["id"]]


async def test_an_empty_selection_is_a_404_as_no_valid_empty_document_exists(
    ledger: Ledger,
) -> None:
    org = await ledger.organisation()
    await ledger.pledge(org["id"], visibility="restricted")
    for query in ("", f"?reporting_org={org['id']}"):
        response = await ledger.client.get(URL + query)
        assert response.status_code == 404
        assert response.json()["title"] == "Nothing to export"
    # Why: the official schema refuses an iati-activities document without activities.
    empty = etree.fromstring(b'<iati-activities version="2.03"/>')
    assert not SCHEMA.validate(empty)
    assert (await ledger.client.get(URL, headers=SECRETARIAT)).status_code == 200
