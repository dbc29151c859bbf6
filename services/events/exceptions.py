"""Domain errors of the events service, each mapped once to a problem+json response."""

from __future__ import annotations

from services.common.errors import Conflict, DomainError, NotFound, Unprocessable


class EventNotFound(NotFound):
    title, slug = "Event not found", "event-not-found"


class OccurrenceNotFound(NotFound):
    title, slug = "Occurrence not found", "occurrence-not-found"


class RegistrationNotFound(NotFound):
    title, slug = "Registration not found", "registration-not-found"


class OutcomeNotFound(NotFound):
    title, slug = "Outcome not found", "outcome-not-found"


class InvalidTransition(Conflict):
    """The event's status does not allow this transition (e.g. held → scheduled)."""

    title, slug = "Invalid status transition", "invalid-transition"


class SchedulingClash(Conflict):
    """`?strict=true` and the new time overlaps other events: nothing was written."""

    title, slug = "Scheduling clash", "scheduling-clash"


class DuplicateRegistration(Conflict):
    title, slug = "Already registered", "duplicate-registration"


class RegistrationClosed(Conflict):
    title, slug = "Registration closed", "registration-closed"


class InvalidRecurrence(Unprocessable):
    title, slug = "Invalid recurrence", "invalid-recurrence"


class ExpansionUnavailable(DomainError):
    """The processes that expand recurrence rules failed twice in a row."""

    status, title, slug = 503, "Service unavailable", "expansion-unavailable"


class InvalidLocalTime(Unprocessable):
    title, slug = "Invalid local time", "invalid-local-time"
