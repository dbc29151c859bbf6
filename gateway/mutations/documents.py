"""Documents attached to pledges, practices and events, written through their own service.

The parent's id (global, or a REST id found in exactly one of the three types) says which
service holds the document. Links are attached here; file uploads go to the service's REST
endpoint (multipart), whose checks (type sniffing, size, scanner) apply to the bytes.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from gateway.context import Info
from gateway.inputs import LocalizedTextInput, rest_body
from gateway.node_ids import node_key
from gateway.types.base import checked_rest_id
from gateway.types.documents import Document, DocumentKind

# Which service and collection hold the documents of each parent type.
PARENTS: dict[str, tuple[str, str]] = {
    "Pledge": ("pledges", "/v1/pledges"),
    "Practice": ("practices", "/v1/practices"),
    "Event": ("events", "/v1/events"),
}


@strawberry.input(description="A link to a document published elsewhere, attached to a record.")
class AttachDocumentLinkInput:
    parent_id: strawberry.ID = strawberry.field(
        description="The pledge, practice or event (global id, or its REST id)."
    )
    kind: DocumentKind = strawberry.field(description="Minutes, material, report or other.")
    title: LocalizedTextInput = strawberry.field(description="Title in Spanish and/or English.")
    url: str = strawberry.field(description="Absolute http(s) URL of the document.")


@strawberry.input(description="A document to remove from its record.")
class DeleteDocumentInput:
    parent_id: strawberry.ID = strawberry.field(
        description="The pledge, practice or event it is attached to (global or REST id)."
    )
    document_id: str = strawberry.field(description="The document's REST id (`restId`).")


@strawberry.type(description="The document attached.")
class AttachDocumentPayload:
    document: Document = strawberry.field(description="The document as stored.")


@strawberry.type(description="The document removed.")
class DeleteDocumentPayload:
    document_id: str = strawberry.field(description="The REST id of the removed document.")


async def _parent(info: Info, parent_id: str) -> tuple[str, str]:
    """The service and the REST path of the parent's documents."""
    type_name, key = await node_key(info, parent_id, tuple(PARENTS), "input.parentId")
    service, collection = PARENTS[type_name]
    return service, f"{collection}/{key}/documents"


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(
        description="Attach a link to a document (minutes, material, report) to a pledge, "
        "practice or event; whoever may write the record. Upload files through the REST API."
    )
    async def attach_document_link(
        self,
        info: Info,
        input: Annotated[
            AttachDocumentLinkInput,
            strawberry.argument(description="The record and the link to attach."),
        ],
    ) -> AttachDocumentPayload:
        service, path = await _parent(info, input.parent_id)
        body = rest_body(input, skip=frozenset({"parent_id"}))
        record = await info.context.upstream.send(service, "POST", path, body)
        return AttachDocumentPayload(document=Document.from_rest(record))

    @strawberry.mutation(
        description="Remove a document from its record: whoever may write the record, or who "
        "attached it while they may still see the record."
    )
    async def delete_document(
        self,
        info: Info,
        input: Annotated[
            DeleteDocumentInput, strawberry.argument(description="The document and its record.")
        ],
    ) -> DeleteDocumentPayload:
        document = checked_rest_id(input.document_id, "Document", "input.documentId")
        service, path = await _parent(info, input.parent_id)
        await info.context.upstream.send(service, "DELETE", f"{path}/{document}")
        return DeleteDocumentPayload(document_id=document)
