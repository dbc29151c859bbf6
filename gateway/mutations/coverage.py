"""Which GraphQL field does each write of the services' REST APIs.

Keyed by (service, operationId) as in the services' OpenAPI documents; the value is the
root field, `Mutation.x` (or `Query.x` for a POST that only reads, such as slot
suggestions). tests/gateway/test_write_coverage.py derives every POST/PUT/PATCH/DELETE
operation from the documents and fails for one missing here, so a new REST write cannot
land without its mutation (or a deliberate entry here).
"""

from __future__ import annotations

from collections.abc import Mapping

_WEBHOOKS = {
    "createSubscription": "Mutation.createWebhookSubscription",
    "updateSubscription": "Mutation.updateWebhookSubscription",
    "deleteSubscription": "Mutation.deleteWebhookSubscription",
    "rotateSecret": "Mutation.rotateWebhookSecret",
    "replay": "Mutation.replayWebhookSubscription",
}
# Links are attached through GraphQL; file bytes (multipart) only through REST.
_DOCUMENTS = {
    "attachDocument": "Mutation.attachDocumentLink",
    "deleteDocument": "Mutation.deleteDocument",
}


def _shared(service: str, fields: Mapping[str, str]) -> dict[tuple[str, str], str]:
    return {(service, operation): field for operation, field in fields.items()}


REST_WRITES: dict[tuple[str, str], str] = {
    ("pledges", "createOrganisation"): "Mutation.createOrganisation",
    ("pledges", "updateOrganisation"): "Mutation.updateOrganisation",
    ("pledges", "createObjective"): "Mutation.createObjective",
    ("pledges", "updateObjective"): "Mutation.updateObjective",
    ("pledges", "createPledge"): "Mutation.createPledge",
    ("pledges", "updatePledge"): "Mutation.updatePledge",
    ("pledges", "withdrawPledge"): "Mutation.withdrawPledge",
    ("pledges", "announcePledge"): "Mutation.announcePledge",
    ("pledges", "reallocatePledge"): "Mutation.allocatePledge",
    ("pledges", "addProgressUpdate"): "Mutation.addProgressUpdate",
    ("pledges", "recordEntry"): "Mutation.recordLedgerEntry",
    ("pledges", "addExchangeRate"): "Mutation.recordExchangeRate",
    ("pledges", "uploadExchangeRates"): "Mutation.uploadExchangeRates",
    ("pledges", "importPledges"): "Mutation.startPledgeImport",
    ("pledges", "setContributors"): "Mutation.setPledgeContributors",
    ("pledges", "proposeMatch"): "Mutation.proposeMatch",
    ("pledges", "transitionMatch"): "Mutation.transitionMatch",
    ("pledges", "createProspect"): "Mutation.createProspect",
    ("pledges", "updateProspect"): "Mutation.updateProspect",
    ("pledges", "moveProspect"): "Mutation.moveProspect",
    ("pledges", "addInteraction"): "Mutation.addProspectInteraction",
    ("practices", "createPractice"): "Mutation.createPractice",
    ("practices", "updatePractice"): "Mutation.updatePractice",
    ("practices", "submitPractice"): "Mutation.submitPractice",
    ("practices", "requestChanges"): "Mutation.requestPracticeChanges",
    ("practices", "publishPractice"): "Mutation.publishPractice",
    ("practices", "archivePractice"): "Mutation.archivePractice",
    ("practices", "createInventoryItem"): "Mutation.createInventoryItem",
    ("practices", "updateInventoryItem"): "Mutation.updateInventoryItem",
    ("practices", "deleteInventoryItem"): "Mutation.deleteInventoryItem",
    ("events", "createEvent"): "Mutation.proposeEvent",
    ("events", "updateEvent"): "Mutation.moveEvent",
    ("events", "eventSchedule"): "Mutation.scheduleEvent",
    ("events", "eventHold"): "Mutation.holdEvent",
    ("events", "eventReport"): "Mutation.reportEvent",
    ("events", "cancelEvent"): "Mutation.cancelEvent",
    ("events", "moveOccurrence"): "Mutation.moveOccurrence",
    ("events", "cancelOccurrence"): "Mutation.cancelOccurrence",
    ("events", "scheduleSuggestions"): "Query.scheduleSuggestions",
    ("events", "register"): "Mutation.register",
    ("events", "cancelRegistration"): "Mutation.cancelRegistration",
    ("events", "markAttended"): "Mutation.markAttended",
    ("events", "createOutcome"): "Mutation.recordOutcome",
    ("events", "updateOutcome"): "Mutation.updateOutcome",
    ("results", "createStrategy"): "Mutation.createStrategy",
    ("results", "addElement"): "Mutation.addStrategyElement",
    ("results", "createIndicator"): "Mutation.createIndicator",
    ("results", "updateIndicator"): "Mutation.updateIndicator",
    ("results", "reportMeasurement"): "Mutation.reportMeasurement",
    ("results", "validateMeasurement"): "Mutation.validateMeasurement",
    ("results", "measureIndicator"): "Mutation.measureIndicator",
    ("results", "measureAll"): "Mutation.measureAllIndicators",
    ("results", "createMilestone"): "Mutation.createMilestone",
    ("results", "updateMilestone"): "Mutation.updateMilestone",
    ("results", "addGovernanceRole"): "Mutation.addGovernanceRole",
    ("results", "freezeSnapshot"): "Mutation.freezeProgressReport",
    **_shared("pledges", _DOCUMENTS),
    **_shared("practices", _DOCUMENTS),
    **_shared("events", _DOCUMENTS),
    **_shared("pledges", _WEBHOOKS),
    **_shared("practices", _WEBHOOKS),
    **_shared("events", _WEBHOOKS),
    **_shared("results", _WEBHOOKS),
}
