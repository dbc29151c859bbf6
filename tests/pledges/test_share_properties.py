"""Splitting pledges by contributor shares never loses or invents a cent (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.pledges.shares import (
    HUNDRED,
    MONEY_UNIT,
    PERCENT_UNIT,
    PledgeShares,
    ShareGroup,
    _in_cents,
    apportion,
    split,
)
from tests.pledges.conftest import SECRETARIAT, Ledger

amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False)
weights = st.lists(
    st.decimals(min_value=Decimal("0.000001"), max_value=100, places=6), min_size=1, max_size=6
)


@given(total=amounts, parts=weights)
def test_apportioned_parts_sum_to_the_total_and_stay_within_a_unit(
    total: Decimal, parts: list[Decimal]
) -> None:
    split_parts = apportion(total, parts, MONEY_UNIT)
    assert sum(split_parts) == total
    weight_sum = sum(parts)
    for part, weight in zip(split_parts, parts, strict=True):
        assert abs(part - total * weight / weight_sum) < MONEY_UNIT * 2


@given(parts=weights)
def test_percentages_from_amounts_sum_to_exactly_100(parts: list[Decimal]) -> None:
    assert sum(apportion(HUNDRED, parts, PERCENT_UNIT)) == HUNDRED


pledge_shares = st.builds(
    PledgeShares,
    figures=st.tuples(amounts, amounts, amounts),
    shares=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", None]),
            st.decimals(min_value=Decimal("0.000001"), max_value=100, places=6),
        ),
        min_size=1,
        max_size=4,
    ),
)


@given(pledges=st.lists(pledge_shares, max_size=8))
def test_report_rows_sum_to_exactly_the_totals(pledges: list[PledgeShares]) -> None:
    groups, totals = split(pledges)
    for m in range(3):
        assert sum((g[m] for g in groups.values()), Decimal(0)) == totals[m]
        assert totals[m] == sum((p.figures[m] for p in pledges), Decimal(0))
    report = _in_cents(ShareGroup.CONTRIBUTOR, groups, totals)
    for measure in ("pledged_usd", "committed_usd", "disbursed_usd"):
        rows = sum((getattr(r, measure) for r in report.rows), Decimal(0))
        assert rows == getattr(report.totals, measure)


joint = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10**7),
        st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=3),
        st.sampled_from(["public", "restricted"]),
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pledges=joint)
async def test_share_reports_equal_the_summary_totals_on_the_database(
    ledger: Ledger, pledges: list[tuple[int, list[int], str]]
) -> None:
    """Random joint pledges with shares as amounts (odd splits included): the report by
    contributor and by kind, for every viewer, add up to the summary's totals."""
    kinds = ["state", "private_sector", "civil_society"]
    for cents, weights_, visibility in pledges:
        amount = Decimal(cents) / 100
        orgs = [await ledger.organisation(kind=kinds[i % 3]) for i in range(len(weights_))]
        pledge = await ledger.pledge(
            orgs[0]["id"],
            amount={"amount": str(amount), "currency": "USD"},
            visibility=visibility,
        )
        parts = apportion(amount, [Decimal(w) for w in weights_], Decimal("0.01"))
        if any(part <= 0 for part in parts):
            continue
        response = await ledger.client.put(
            f"/v1/pledges/{pledge['id']}/contributors",
            json={
                "contributors": [
                    {"organisation_id": org["id"], "amount": str(part)}
                    for org, part in zip(orgs, parts, strict=True)
                ]
            },
            headers=SECRETARIAT,
        )
        assert response.status_code == 200, response.text
    summary = (await ledger.client.get("/v1/reports/summary?group_by=contributor")).json()
    for group_by in ("contributor", "contributor_kind"):
        for headers in ({}, SECRETARIAT):
            report: dict[str, Any] = (
                await ledger.client.get(
                    f"/v1/reports/contributor-shares?group_by={group_by}", headers=headers
                )
            ).json()
            assert report["totals"] == summary["totals"]
            for measure in ("pledged_usd", "committed_usd", "disbursed_usd"):
                rows = sum(Decimal(r[measure]) for r in report["rows"])
                assert rows == Decimal(report["totals"][measure])
