"""The ledger rules and the derived status as plain functions (no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.pledges.exceptions import OverCommitment, OverDisbursement, OverExpenditure
from services.pledges.models import Pledge
from services.pledges.repository import Balances
from services.pledges.schemas import FinancialStatus
from services.pledges.service import Movement, check_ledger_rules, financial_status, to_money

D = Decimal


def _pledge(amount: str | None, withdrawn: bool = False) -> Pledge:
    return Pledge(
        id=uuid.uuid4(),
        amount=None if amount is None else D(amount),
        currency="USD",
        announced_on=date(2023, 1, 1),
        withdrawn_at=datetime(2024, 1, 1, tzinfo=UTC) if withdrawn else None,
    )


def test_commitment_up_to_the_pledge_passes_and_beyond_fails() -> None:
    sums = Balances(committed=D("900"))
    check_ledger_rules(D("1000"), "USD", sums, Movement("commitment", D("100")))
    with pytest.raises(OverCommitment) as raised:
        check_ledger_rules(D("1000"), "USD", sums, Movement("commitment", D("100.0001")))
    assert raised.value.extra["headroom"] == "100"
    assert raised.value.status == 409


def test_disbursement_beyond_commitment_fails() -> None:
    sums = Balances(committed=D("500"), disbursed=D("400"))
    with pytest.raises(OverDisbursement):
        check_ledger_rules(D("1000"), "USD", sums, Movement("disbursement", D("101")))


def test_expenditure_beyond_disbursement_fails() -> None:
    sums = Balances(committed=D("500"), disbursed=D("400"), expended=D("400"))
    with pytest.raises(OverExpenditure):
        check_ledger_rules(D("1000"), "USD", sums, Movement("expenditure", D("0.01")))


def test_reversing_a_commitment_below_disbursements_fails_and_above_passes() -> None:
    sums = Balances(committed=D("500"), disbursed=D("300"))
    check_ledger_rules(D("1000"), "USD", sums, Movement("commitment", D("-200")))
    with pytest.raises(OverDisbursement):
        check_ledger_rules(D("1000"), "USD", sums, Movement("commitment", D("-200.01")))


@pytest.mark.parametrize(
    ("amount", "committed", "disbursed", "withdrawn", "status"),
    [
        ("1000", "0", "0", False, FinancialStatus.ANNOUNCED),
        ("1000", "1", "0", False, FinancialStatus.PARTIALLY_COMMITTED),
        ("1000", "1000", "0", False, FinancialStatus.FULLY_COMMITTED),
        ("1000", "1000", "1", False, FinancialStatus.PARTIALLY_DISBURSED),
        ("1000", "1000", "1000", False, FinancialStatus.FULLY_DISBURSED),
        ("1000", "1000", "1000", True, FinancialStatus.WITHDRAWN),
        (None, "0", "0", False, FinancialStatus.ANNOUNCED),
    ],
)
def test_financial_status_is_derived_from_the_balances(
    amount: str | None, committed: str, disbursed: str, withdrawn: bool, status: FinancialStatus
) -> None:
    balances = Balances(committed=D(committed), disbursed=D(disbursed))
    assert financial_status(_pledge(amount, withdrawn), balances) == status


def test_money_is_rounded_half_even_to_four_decimals() -> None:
    assert to_money(D("1.00005")) == D("1.0000")
    assert to_money(D("1.00015")) == D("1.0002")
