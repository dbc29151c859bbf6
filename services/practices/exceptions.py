"""Domain errors of the practices service, each mapped once to problem+json."""

from __future__ import annotations

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class PracticeNotFound(NotFound):
    title, slug = "Practice not found", "practice-not-found"


class InventoryItemNotFound(NotFound):
    title, slug = "Inventory item not found", "inventory-item-not-found"


class InvalidTransition(Conflict):
    """The workflow does not lead from the practice's status to the one asked for."""

    title, slug = "Invalid workflow transition", "invalid-transition"


class PracticeNotEditable(Conflict):
    """Under review or archived practices are not edited; drafts and published ones are."""

    title, slug = "Practice not editable in its status", "practice-not-editable"


class NotYourPractice(Forbidden):
    title, slug = "Not your practice", "not-your-practice"


class NotYourCountry(Forbidden):
    title, slug = "Not your country", "not-your-country"


class InconsistentPractice(Unprocessable):
    """Fields that are valid one by one but contradict each other."""

    title, slug = "Inconsistent practice", "inconsistent-practice"


class InconsistentInventoryItem(Unprocessable):
    title, slug = "Inconsistent inventory item", "inconsistent-inventory-item"
