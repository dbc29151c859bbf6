"""Schemathesis hooks for the conformance suite (loaded through SCHEMATHESIS_HOOKS).

Each hook stands for a client behaving as the contract asks, or for a refusal that no
JSON Schema can describe; every such refusal is named here with the reason, and nothing
else is let through.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core.failures import Failure

# Refusals that depend on what the server issued or holds, not on the request's shape: a
# positive (schema-valid) request may still meet them. By problem type:
STATEFUL_REFUSALS = {
    # A cursor is an opaque token the server issued for the next page; a generated string
    # has the right shape but was never issued.
    "/problems/invalid-cursor",
    # A CSV upload's rows are checked against the stored data and each other (a rate that
    # already exists, a missing column); a text body's schema cannot carry CSV rules.
    "/problems/invalid-file",
    # An id naming another record (a contributor, an objective) that does not exist.
    "/problems/invalid-reference",
    # An id naming another service's record (an event, a pledge, a host organisation) that
    # this service has not learnt from that service's change feed (services/common/references.py).
    "/problems/unknown-reference",
    # A wall-clock time that a zone's clocks skip (a DST gap), per the time zone database.
    "/problems/invalid-local-time",
    # An amount in a currency is priced in USD at a rate someone uploaded first.
    "/problems/missing-exchange-rate",
}

# Rules between two values that OpenAPI 3.1 cannot state, by the words of the refusal (each
# is in the operation's description): JSON Schema has no comparison between two fields, and
# query parameters have no oneOf.
UNDECLARABLE_RULES = (
    "must be after starts_at",  # events: an end after its start
    "an occurrence lasts at most",  # events: at most 31 days from start to end
    "both as local times or both with offsets",  # events: starts_at and ends_at alike
    "window_end is before window_start",  # events: a scheduling window in order
    "working hours must end after they start",  # events: working hours in order
    "end_date is before start_date",  # practices: a period in order
    "ends_on comes before starts_on",  # results: governance roles
    "the last year comes before the first",  # results: a 2023/2022 period
    "start_year must not be after end_year",  # pledges: objectives
    "give exactly one of objective_id or pledge_id",  # pledges: matching suggestions
    "a match cannot pair a pledge with itself",  # pledges: need side not among support
    # pledges: a joint pledge's shares sum to 100 percent or to the pledge's amount, name
    # each contributor once (two shares of one organisation differ as items) and include
    # the pledge's own contributor: a sum, a key and the stored pledge, not a shape.
    "the percentages sum to",
    "the amounts sum to",
    "an organisation is listed twice",
    "must be among them",
    "a pledge without an amount takes shares as percentages",
    # pledges: a prospect linked to a registered organisation takes that organisation's
    # name, kind and country, so changing them depends on the stored prospect.
    "the prospect is a registered organisation",
    "group_by names a dimension twice",  # pledges: summary report
    # pledges: employment terms name each hiring country once; uniqueItems refuses equal
    # lines, but two lines of one country with different jobs are unique as items.
    "name each country once",
    # Bilingual text needs one language at least: an anyOf on the object would turn every
    # generated client's LocalizedText into a union of anonymous types, so the rule is in
    # the schema's description instead.
    "give the text in at least one language",
    # results: a code naming another record of the strategy, which may not exist (yet).
    "' is not an outcome",
    "' is not a activity",
    "' is not a objective",
)


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, object]) -> None:
    """A client sends a new Idempotency-Key with each new request (reusing one for another
    request is refused, rightly); a valid key that a generated case carries is renewed."""
    headers = case.headers
    if headers is None:
        return
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and case.meta is not None and case.meta.generation.mode.is_positive:
        headers["Idempotency-Key"] = str(uuid.uuid4())


@schemathesis.hook
def filter_failure(
    context: HookContext, failure: Failure, case: Case[Any], response: Response
) -> bool:
    """Keep every failure except a positive-data rejection (422) that is a stateful refusal or
    that names undeclarable rules only (every part of its detail)."""
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        problem = json.loads(response.content)
    except ValueError:
        return True
    if not isinstance(problem, dict):
        return True
    if problem.get("type") in STATEFUL_REFUSALS:
        return False
    parts = str(problem.get("detail", "")).split("; ")
    return not all(any(rule in part for rule in UNDECLARABLE_RULES) for part in parts)
