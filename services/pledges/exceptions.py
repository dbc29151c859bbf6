"""Domain errors of the pledges service, each mapped once to problem+json."""

from __future__ import annotations

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class OrganisationNotFound(NotFound):
    title, slug = "Organisation not found", "organisation-not-found"


class ObjectiveNotFound(NotFound):
    title, slug = "Objective not found", "objective-not-found"


class PledgeNotFound(NotFound):
    title, slug = "Pledge not found", "pledge-not-found"


class EntryNotFound(NotFound):
    title, slug = "Ledger entry not found", "entry-not-found"


class NotYourOrganisation(Forbidden):
    title, slug = "Not your organisation", "not-your-organisation"


class NotYourCountry(Forbidden):
    title, slug = "Not your country", "not-your-country"


class MissingExchangeRate(Unprocessable):
    title, slug = "Missing exchange rate", "missing-exchange-rate"


class InvalidReference(Unprocessable):
    title, slug = "Invalid reference", "invalid-reference"


class LedgerRuleViolated(Conflict):
    """Committed ≤ pledged, disbursed ≤ committed, expenditure ≤ disbursed."""

    title, slug = "Ledger rule violated", "ledger-rule-violated"


class OverCommitment(LedgerRuleViolated):
    title, slug = "Commitments exceed the pledge", "over-commitment"


class OverDisbursement(LedgerRuleViolated):
    title, slug = "Disbursements exceed commitments", "over-disbursement"


class OverExpenditure(LedgerRuleViolated):
    title, slug = "Expenditure exceeds disbursements", "over-expenditure"


class OverAllocation(LedgerRuleViolated):
    title, slug = "Allocation below commitments", "over-allocation"


class PledgeHasNoAmount(Conflict):
    title, slug = "Pledge has no amount", "pledge-has-no-amount"


class PledgeWithdrawn(Conflict):
    title, slug = "Pledge withdrawn", "pledge-withdrawn"


class PledgeAlreadyAnnounced(Conflict):
    title, slug = "Pledge already announced", "pledge-already-announced"


class PledgeNotAnnounced(Conflict):
    title, slug = "Pledge not announced", "pledge-not-announced"


class AlreadyReversed(Conflict):
    title, slug = "Entry already reversed", "already-reversed"


class DuplicateExchangeRate(Conflict):
    title, slug = "Exchange rate exists", "duplicate-exchange-rate"


class InvalidFile(Unprocessable):
    title, slug = "Invalid file", "invalid-file"


class ImportJobNotFound(NotFound):
    title, slug = "Import job not found", "import-job-not-found"


class NothingToExport(NotFound):
    """The IATI 2.03 schema requires at least one iati-activity in a document."""

    title, slug = "Nothing to export", "nothing-to-export"
