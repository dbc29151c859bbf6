"""Documents (minutes, materials, reports) attached to events, practices and pledges."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from gateway.context import Info
from gateway.loaders import Record
from gateway.types.base import to_datetime, to_enum
from gateway.values import LocalizedText


@strawberry.enum(description="What a document is.")
class DocumentKind(Enum):
    MINUTES = strawberry.enum_value("minutes", description="Minutes of a meeting or event.")
    MATERIAL = strawberry.enum_value(
        "material", description="Material shared: slides, guides, tools."
    )
    REPORT = strawberry.enum_value("report", description="A report of results or progress.")
    OTHER = strawberry.enum_value("other", description="Any other document.")


@strawberry.type(
    description="A document attached to an event, a practice or a pledge: an uploaded file "
    "(downloaded from its service's REST API) or an external link. Seen by whoever may see "
    "the record it is attached to."
)
class Document:
    rest_id: str = strawberry.field(description="The document's id in the REST API.")
    kind: DocumentKind | None = strawberry.field(description="Minutes, material, report…")
    title: LocalizedText | None = strawberry.field(description="Title in Spanish and English.")
    media_type: str | None = strawberry.field(
        description="Media type of an upload, detected from its bytes; null for a link."
    )
    size_bytes: int | None = strawberry.field(description="Size of an upload in bytes.")
    filename: str | None = strawberry.field(description="Sanitised file name of an upload.")
    sha256: str | None = strawberry.field(
        description="SHA-256 of an upload's bytes (also the download's ETag)."
    )
    url: str | None = strawberry.field(description="The external URL of a link; null otherwise.")
    download_url: str | None = strawberry.field(
        description="Where an upload is downloaded: the REST path on its service "
        "(`/v1/{events|practices|pledges}/{id}/documents/{documentId}/content`; behind the "
        "ingress, prefixed with the service's name). Send the same bearer token as here. "
        "Null for a link."
    )
    created_at: datetime | None = strawberry.field(description="When it was attached.")

    @classmethod
    def from_rest(cls, data: Record) -> Document:
        return cls(
            rest_id=str(data["id"]),
            kind=to_enum(DocumentKind, data.get("kind")),
            title=LocalizedText.from_rest(data.get("title")),
            media_type=data.get("media_type"),
            size_bytes=data.get("size_bytes"),
            filename=data.get("filename"),
            sha256=data.get("sha256"),
            url=data.get("url"),
            download_url=data.get("content_url"),
            created_at=to_datetime(data.get("created_at")),
        )


async def documents_of(info: Info, children: str, parent_key: str) -> list[Document]:
    """The documents of one record, read for the whole level in one call to its service."""
    records = await info.context.loaders.children(children, parent_key)
    return [Document.from_rest(record) for record in records]
