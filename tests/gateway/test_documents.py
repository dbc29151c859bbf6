"""Documents in the graph: one call per service for a level, visible as their record is."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.conftest import auth_headers
from tests.gateway.conftest import Stack

EVENTS_AND_PRACTICES = """
query {
  events(first: 10) { edges { node { title { es } documents { kind title { es } url } } } }
  practices(first: 10) { edges { node { documents { kind url downloadUrl } } } }
}
"""
PLEDGE_DOCUMENTS = "query ($id: ID!) { pledge(id: $id) { documents { kind } } }"


def link(kind: str, title: str) -> dict[str, object]:
    return {"kind": kind, "title": {"es": title}, "url": f"https://example.org/{title}"}


async def test_a_levels_documents_cost_one_call_per_service(stack: Stack) -> None:
    events = [await stack.event() for _ in range(3)]
    practices = [await stack.practice() for _ in range(2)]
    for index, event in enumerate(events):
        await stack.rest(
            "events",
            "POST",
            f"/v1/events/{event['id']}/documents",
            link("minutes", f"acta-{index}"),
        )
    for practice in practices:
        await stack.rest(
            "practices",
            "POST",
            f"/v1/practices/{practice['id']}/documents",
            link("material", "guia"),
        )
    stack.reset_counts()

    data = await stack.data(EVENTS_AND_PRACTICES)

    event_documents = [edge["node"]["documents"] for edge in data["events"]["edges"]]
    assert sorted(doc["title"]["es"] for docs in event_documents for doc in docs) == [
        "acta-0",
        "acta-1",
        "acta-2",
    ]
    assert all(len(docs) == 1 and docs[0]["kind"] == "MINUTES" for docs in event_documents)
    practice_documents = [edge["node"]["documents"] for edge in data["practices"]["edges"]]
    assert (
        practice_documents
        == [[{"kind": "MATERIAL", "url": "https://example.org/guia", "downloadUrl": None}]] * 2
    )
    for service, count in (("events", 3), ("practices", 2)):
        (documents_call,) = [c for c in stack.calls(service) if c.url.path == "/v1/documents"]
        asked = parse_qs(documents_call.url.query.decode())["parent_id"][0].split(",")
        assert len(asked) == count


async def test_a_restricted_pledges_documents_stay_hidden_in_the_graph(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"], visibility="restricted")
    await stack.rest(
        "pledges", "POST", f"/v1/pledges/{pledge['id']}/documents", link("report", "informe")
    )
    contributor = auth_headers("member", org_id=organisation["id"], sub="donor")
    stranger = auth_headers("member", org_id="someone-else", sub="stranger")

    seen = await stack.query(PLEDGE_DOCUMENTS, {"id": pledge["id"]}, headers=contributor)
    hidden = await stack.query(PLEDGE_DOCUMENTS, {"id": pledge["id"]}, headers=stranger)

    assert seen["data"]["pledge"]["documents"] == [{"kind": "REPORT"}]
    assert hidden["data"]["pledge"] is None
