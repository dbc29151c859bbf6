"""Domain errors of the results service, each mapped once to a problem+json response."""

from __future__ import annotations

from services.common.errors import Conflict, NotFound, Unprocessable


class StrategyNotFound(NotFound):
    title, slug = "Strategy not found", "strategy-not-found"


class IndicatorNotFound(NotFound):
    title, slug = "Indicator not found", "indicator-not-found"


class MeasurementNotFound(NotFound):
    title, slug = "Measurement not found", "measurement-not-found"


class MilestoneNotFound(NotFound):
    title, slug = "Milestone not found", "milestone-not-found"


class AlreadyExists(Conflict):
    title, slug = "Already exists", "already-exists"


class InvalidField(Unprocessable):
    """A value that is well-formed but breaks a rule; `field` names it."""

    title, slug = "Invalid field", "invalid-field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}",
            errors=[{"field": field, "message": message, "type": "value_error"}],
        )


class AlreadyValidated(Conflict):
    title, slug = "Already validated", "already-validated"


class PeriodOpen(Conflict):
    """A snapshot is frozen only once its half-year has ended."""

    title, slug = "Period still open", "period-open"
