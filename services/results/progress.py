"""The progress rule: an indicator's status from its value against its target, rolled up.

Indicator (value V from the measurement in force on date D, baseline B — 0 when not
given —, target T, period from S to E):

- no measurement in force: not_started;
- no target: not rated (its status is on_track once it has a value, and it does not count
  in its outcome's status);
- V reaches T (V >= T for an increase, V <= T for a decrease): achieved;
- D after E and T not reached: off_track;
- otherwise progress P = (V - B) / (T - B) is compared with the elapsed share of the period
  F = (D - S) / (E - S): on_track when P >= F, at_risk when P >= F - 0.25, else off_track.

Outcome, objective and strategy: not_started when none of their rated parts has a value;
otherwise the worst status among the parts with a value (off_track < at_risk < on_track <
achieved), except that achieved needs every part achieved — with a part still without a
value the status is on_track.

The measurement in force on D is, among the indicator's computed values and validated
reported values, the one whose period ends latest, then the latest computed, among those
whose period ended by D or that were computed by D (so a past date never sees later data).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from services.results.models import Indicator, Measurement
from services.results.schemas import Direction, ReviewStatus, Status

AT_RISK_MARGIN = Decimal("0.25")
RANK = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2, Status.ACHIEVED: 3}
RULE = (
    "achieved when the value reaches the target; after the period, off_track if not; "
    "before, on_track when progress towards the target is at least the elapsed share of "
    "the period, at_risk within 25 points of it, else off_track; no value: not_started. "
    "Outcomes and objectives take the worst status of their parts with a value."
)


def counts(measurement: Measurement) -> bool:
    """Computed values count; reported ones once validated."""
    return measurement.review_status in (None, ReviewStatus.VALIDATED)


def in_force(measurements: Iterable[Measurement], as_of: date) -> Measurement | None:
    eligible = [
        m
        for m in measurements
        if counts(m) and (m.period_end <= as_of or m.computed_at.date() <= as_of)
    ]
    return max(eligible, key=lambda m: (m.period_end, m.computed_at), default=None)


def indicator_status(indicator: Indicator, value: Decimal | None, as_of: date) -> Status:
    if value is None:
        return Status.NOT_STARTED
    if indicator.target is None:
        return Status.ON_TRACK
    target = Decimal(indicator.target)
    baseline = Decimal(indicator.baseline or 0)
    increase = indicator.direction == Direction.INCREASE
    if (value >= target) if increase else (value <= target):
        return Status.ACHIEVED
    if as_of > indicator.period_end:
        return Status.OFF_TRACK
    span = (indicator.period_end - indicator.period_start).days or 1
    elapsed = Decimal(min(max((as_of - indicator.period_start).days, 0), span)) / Decimal(span)
    needed = target - baseline
    progress = (value - baseline) / needed if needed else Decimal(0)
    if progress >= elapsed:
        return Status.ON_TRACK
    if progress >= elapsed - AT_RISK_MARGIN:
        return Status.AT_RISK
    return Status.OFF_TRACK


def rated(indicator: Indicator) -> bool:
    return indicator.target is not None


def roll_up(statuses: Sequence[Status]) -> Status:
    """The status of a parent from its rated parts' statuses."""
    measured = [status for status in statuses if status != Status.NOT_STARTED]
    if not measured:
        return Status.NOT_STARTED
    worst = min(measured, key=RANK.__getitem__)
    if worst == Status.ACHIEVED and len(measured) < len(statuses):
        return Status.ON_TRACK
    return worst
