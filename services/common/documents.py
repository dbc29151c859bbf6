"""Documents attached to a record (an event, a practice, a pledge): written once, used by all.

A document is either an uploaded file, kept in the service's DocumentStorage under the
SHA-256 of its bytes, or an external http(s) link. Each service declares its table with
`DocumentColumns` and a foreign key to its parent, and hands `documents_router` a
`DocumentParent` saying who may read and write the parent: documents are seen exactly by
whoever may see their parent, and written by whoever may write it.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Protocol
from urllib.parse import quote

import filetype
from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.config import JsonDict
from sqlalchemy import JSON, CheckConstraint, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from services.common.auth import OptionalPrincipalDep, Principal, PrincipalDep
from services.common.db import SessionDep, UTCDateTime
from services.common.errors import Conflict, DomainError, NotFound, problem_responses
from services.common.filters import MAX_IDS, Ids
from services.common.inputs import WebUrl
from services.common.outbox import Audience, Outbox
from services.common.pagination import CursorQuery, LimitQuery, Page, keyset_page
from services.common.schemas import LocalizedText
from services.common.storage import DocumentSettings, DocumentStorage

# --- the stored row -----------------------------------------------------------------------


class DocumentKind(StrEnum):
    MINUTES = "minutes"
    MATERIAL = "material"
    REPORT = "report"
    OTHER = "other"


class DocumentColumns:
    """Columns of a service's documents table; the service adds `parent_id` with its FK."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    # An upload: its content key (SHA-256), detected media type, size and sanitised name.
    content_key: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # A link: the external URL.
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (CheckConstraint("(content_key IS NULL) <> (url IS NULL)", name="upload_or_link"),)


class DocumentParent(Protocol):
    """Who may see and write the record documents hang on; both raise the parent's 404/403.

    Both answer the parent's outbox audience: a document's events are seen by exactly
    those who may see its parent."""

    async def check_readable(
        self, session: AsyncSession, principal: Principal | None, parent_id: uuid.UUID
    ) -> Audience: ...

    async def check_writable(
        self, session: AsyncSession, principal: Principal, parent_id: uuid.UUID
    ) -> Audience: ...


async def readable_parents(
    parent: DocumentParent,
    session: AsyncSession,
    principal: Principal | None,
    parent_ids: list[uuid.UUID],
) -> list[uuid.UUID]:
    """The ids among `parent_ids` whose record the caller may see (the others are absent)."""
    readable = []
    for parent_id in dict.fromkeys(parent_ids):
        try:
            await parent.check_readable(session, principal, parent_id)
        except NotFound:
            continue
        readable.append(parent_id)
    return readable


# --- schemas ------------------------------------------------------------------------------


class DocumentLinkCreate(BaseModel):
    """An external document: a link to where it is published."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "material",
                "title": {"es": "Presentación", "en": "Slides"},
                "url": "https://example.org/slides.pdf",
            }
        },
    )

    kind: DocumentKind = Field(description="Minutes, material, report or other.")
    title: LocalizedText = Field(description="Title in Spanish and/or English.")
    url: WebUrl = Field(max_length=2000, description="Absolute http(s) URL of the document.")


class DocumentUploadFields(BaseModel):
    """The form fields of a multipart upload besides `file`."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    title: LocalizedText


_EXAMPLE_ID = "7d0c3f2e-5b1a-4c8e-9f3d-2a6b8c0e1f4a"
_EXAMPLE_PARENT = "3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11"
DOCUMENT_EXAMPLE: JsonDict = {
    "id": _EXAMPLE_ID,
    "parent_id": _EXAMPLE_PARENT,
    "kind": "minutes",
    "title": {"es": "Acta de la reunión", "en": "Minutes of the meeting"},
    "media_type": "application/pdf",
    "size_bytes": 48213,
    "filename": "acta-2023-05.pdf",
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "url": None,
    "content_url": f"/v1/events/{_EXAMPLE_PARENT}/documents/{_EXAMPLE_ID}/content",
    "created_by": "secretariat-rosa",
    "created_at": "2023-05-10T14:00:00Z",
}


class DocumentOut(BaseModel):
    """A document attached to a record: an upload (with its download URL) or a link."""

    model_config = ConfigDict(json_schema_extra={"example": DOCUMENT_EXAMPLE})

    id: uuid.UUID
    parent_id: uuid.UUID = Field(description="Id of the record the document is attached to.")
    kind: DocumentKind
    title: LocalizedText
    media_type: str | None = Field(description="Detected media type of an upload; null for links.")
    size_bytes: int | None = Field(description="Size of an upload in bytes; null for links.")
    filename: str | None = Field(description="Sanitised file name of an upload.")
    sha256: str | None = Field(description="SHA-256 of an upload's bytes: its ETag too.")
    url: str | None = Field(description="The external URL of a link; null for uploads.")
    content_url: str | None = Field(
        description="Path of the download (`…/content`) for uploads; null for links."
    )
    created_by: str = Field(description="Token subject of who attached it.")
    created_at: datetime


class DocumentPage(Page[DocumentOut]):
    """A page of documents."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"items": [DOCUMENT_EXAMPLE], "next_cursor": None}}
    )


def add_link_schema(schema: dict[str, Any]) -> None:
    """Put DocumentLinkCreate (the JSON body of an attach, declared by hand beside the
    multipart one) and what it refers to in the OpenAPI components."""
    link = DocumentLinkCreate.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in link.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("DocumentLinkCreate", link)


# --- errors -------------------------------------------------------------------------------


class DocumentTooLarge(DomainError):
    status, title, slug = 413, "Document too large", "document-too-large"


class UnsupportedDocumentType(DomainError):
    status, title, slug = 415, "Unsupported document type", "unsupported-document-type"


class DocumentRefused(DomainError):
    status, title, slug = 422, "Document refused", "document-refused"


class DocumentNotFound(NotFound):
    slug = "document-not-found"


class DocumentIsALink(Conflict):
    title, slug = "Document is a link", "document-is-a-link"


def new_document(
    model: type[Any],
    parent_id: uuid.UUID,
    created_by: str,
    kind: DocumentKind,
    title: LocalizedText,
    **source: Any,
) -> Any:
    """A document row; `source` is the upload's columns (content_key, media_type, size_bytes,
    filename) or a link's `url`."""
    return model(
        id=uuid.uuid4(),
        parent_id=parent_id,
        kind=kind.value,
        title=title.model_dump(exclude_none=True),
        created_by=created_by,
        created_at=datetime.now(UTC),
        **source,
    )


async def store_upload(
    storage: DocumentStorage, content: bytes, media_type: str, filename: str | None
) -> dict[str, Any]:
    """Put an upload's bytes in storage: the upload columns of its document row."""
    return {
        "content_key": await storage.put(content),
        "media_type": media_type,
        "size_bytes": len(content),
        "filename": safe_filename(filename),
    }


def _field_error(field: str, message: str, kind: str) -> list[dict[str, str]]:
    return [{"field": field, "message": message, "type": kind}]


# --- content checks -----------------------------------------------------------------------

# What may be uploaded: minutes, materials and reports, not executables or archives.
ALLOWED_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/webp",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "text/plain",
        "text/csv",
        "text/markdown",
    }
)
TEXT_MEDIA_TYPES = frozenset({"text/plain", "text/csv", "text/markdown"})
GENERIC_DECLARED = frozenset({"", "application/octet-stream"})


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_media_type(content: bytes, declared: str) -> str:
    """The media type the bytes really are, checked against the allow-list and the declared
    type: the declared type alone is never trusted (a renamed .exe stays an .exe)."""
    declared = declared.split(";")[0].strip().lower()
    guess = filetype.guess(content)
    if guess is not None:
        detected = str(guess.mime)
    elif _is_text(content):
        detected = declared if declared in TEXT_MEDIA_TYPES else "text/plain"
    else:
        detected = "application/octet-stream"
    if detected not in ALLOWED_MEDIA_TYPES:
        raise UnsupportedDocumentType(
            f"the file's content is {detected}, which is not accepted; accepted: "
            + ", ".join(sorted(ALLOWED_MEDIA_TYPES)),
            errors=_field_error("body.file", f"content type {detected} is not accepted", "type"),
        )
    if declared not in GENERIC_DECLARED and declared != detected:
        raise UnsupportedDocumentType(
            f"the file is declared as {declared} but its content is {detected}",
            errors=_field_error("body.file", f"declared {declared}, content is {detected}", "type"),
        )
    return detected


_UNSAFE_IN_NAME = re.compile(r"[^\w.\- ]+")


def safe_filename(name: str | None) -> str:
    """A file name without any path, control or quoting character, at most 255 long."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE_IN_NAME.sub("_", base).strip(" .")
    return base[:255] or "document"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def _read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    content = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise DocumentTooLarge(
            f"the file is larger than {max_bytes} bytes",
            errors=_field_error("body.file", f"at most {max_bytes} bytes", "too_large"),
            max_bytes=max_bytes,
        )
    return content


# --- the routes ---------------------------------------------------------------------------

ParentIdsQuery = Annotated[
    Ids,
    Query(
        description=f"Ids of the records, comma-separated or repeated (at most {MAX_IDS}).",
        examples=["3f6c1a52-8a43-4c8e-9b8e-0c9c2d7f5a11,8b1e2c44-1d3a-4f0e-8f7a-2a5b6c7d8e90"],
    ),
]
ParentId = Annotated[uuid.UUID, Path(description="Id of the record the documents belong to.")]
IfNoneMatchHeader = Annotated[
    str | None,
    Header(alias="If-None-Match", description="The ETag of a copy you have; 304 if unchanged."),
]
_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "example": {"kind": "minutes", "title_es": "Acta de la reunión", "file": "(the bytes)"},
    "required": ["file", "kind"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The document's bytes."},
        "kind": {"type": "string", "enum": [kind.value for kind in DocumentKind]},
        "title_es": {"type": "string", "maxLength": 2000, "description": "Spanish title."},
        "title_en": {"type": "string", "maxLength": 2000, "description": "English title."},
    },
}


def _present(row: Any, base_path: str) -> DocumentOut:
    return DocumentOut(
        id=row.id,
        parent_id=row.parent_id,
        kind=DocumentKind(row.kind),
        title=LocalizedText.model_validate(row.title),
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        filename=row.filename,
        sha256=row.content_key,
        url=row.url,
        content_url=f"{base_path}/{row.id}/content" if row.content_key else None,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _storage(request: Request) -> DocumentStorage:
    storage: DocumentStorage = request.app.state.document_storage
    return storage


def _validated(model: type[BaseModel], data: dict[str, Any], where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": (where, *error["loc"])} for error in exc.errors()]
        ) from exc


def _upload_fields(form: FormData) -> tuple[DocumentUploadFields, UploadFile]:
    upload = form.get("file")
    titles = {
        lang: value
        for lang in ("es", "en")
        if isinstance(value := form.get(f"title_{lang}"), str) and value
    }
    fields = _validated(
        DocumentUploadFields, {"kind": form.get("kind"), "title": titles or None}, "body"
    )
    if not isinstance(upload, UploadFile):
        raise RequestValidationError(
            [{"loc": ("body", "file"), "msg": "a file part is required", "type": "missing"}]
        )
    return fields, upload


def documents_router(
    *,
    collection: str,
    model: type[Any],
    parent: DocumentParent,
    outbox: Outbox,
    tag: str = "documents",
) -> APIRouter:
    """The documents resource under `/v1/{collection}/{id}/documents`.

    Each write emits one `document.attached` / `document.removed` event in `outbox`, in
    the write's transaction, seen by whoever may see the parent."""
    router = APIRouter(prefix=f"/v1/{collection}/{{parent_id}}/documents", tags=[tag])
    noun = collection.rstrip("s")

    async def record(session: AsyncSession, action: str, row: Any, audience: Audience) -> None:
        data: dict[str, Any] = {
            "id": str(row.id),
            "parent": f"{collection}/{row.parent_id}",
            "kind": row.kind,
        }
        if action == "removed":
            data["tombstone"] = True
        subject = f"{collection}/{row.parent_id}/documents/{row.id}"
        await outbox.record(session, f"document.{action}", subject, data, audience)

    def base_path(parent_id: uuid.UUID) -> str:
        return f"/v1/{collection}/{parent_id}/documents"

    async def one(session: AsyncSession, parent_id: uuid.UUID, document_id: uuid.UUID) -> Any:
        row = await session.get(model, document_id)
        if row is None or row.parent_id != parent_id:
            raise DocumentNotFound(f"document {document_id} does not exist")
        return row

    @router.post(
        "",
        status_code=201,
        response_model=DocumentOut,
        responses=problem_responses(401, 403, 404, 413, 415, 422),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/DocumentLinkCreate"}
                    },
                },
            }
        },
        summary=f"Attach a document to a {noun}",
    )
    async def attach_document(
        parent_id: ParentId,
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
    ) -> DocumentOut:
        """Upload a file (multipart: `file`, `kind`, `title_es`/`title_en`) or attach a link
        (JSON: `kind`, `title`, `url`). Writable by whoever may write the record.

        The file's type is detected from its bytes (415 outside the accepted types or when
        it contradicts the declared type), its size is bounded (413), and the configured
        scanner sees it before it is stored (422 when it refuses it)."""
        audience = await parent.check_writable(session, principal, parent_id)
        content_type = request.headers.get("content-type", "").lower()
        if content_type.startswith("multipart/form-data"):
            fields, source = await _checked_upload(request)
            kind, title = fields.kind, fields.title
        else:
            link = _validated(DocumentLinkCreate, await _json_body(request), "body")
            kind, title, source = link.kind, link.title, {"url": link.url}
        row = new_document(model, parent_id, principal.sub, kind, title, **source)
        session.add(row)
        await session.flush()
        await record(session, "attached", row, audience)
        return _present(row, base_path(parent_id))

    async def _checked_upload(request: Request) -> tuple[DocumentUploadFields, dict[str, Any]]:
        settings: DocumentSettings = request.app.state.settings
        async with request.form(max_files=1, max_fields=10) as form:
            fields, upload = _upload_fields(form)
            content = await _read_limited(upload, settings.documents_max_bytes)
        media_type = detect_media_type(content, upload.content_type or "")
        refusal = await asyncio.to_thread(settings.documents_scanner_function, content, media_type)
        if refusal is not None:
            raise DocumentRefused(
                f"the scanner refused the file: {refusal}",
                errors=_field_error("body.file", refusal, "refused"),
            )
        source = await store_upload(_storage(request), content, media_type, upload.filename)
        return fields, source

    @router.get(
        "",
        response_model=DocumentPage,
        responses=problem_responses(401, 404, 422),
        summary=f"List a {noun}'s documents",
    )
    async def list_documents(
        parent_id: ParentId,
        session: SessionDep,
        principal: OptionalPrincipalDep,
        limit: LimitQuery = 50,
        cursor: CursorQuery = None,
    ) -> DocumentPage:
        """The documents of a record the caller may see, oldest first."""
        await parent.check_readable(session, principal, parent_id)
        items, next_cursor = await keyset_page(
            session,
            select(model).where(model.parent_id == parent_id),
            order_by=[model.created_at.expression, model.id.expression],
            sort_key=lambda row: (row.created_at, row.id),
            cursor=cursor,
            limit=limit,
        )
        path = base_path(parent_id)
        return DocumentPage(items=[_present(row, path) for row in items], next_cursor=next_cursor)

    @router.get(
        "/{document_id}",
        response_model=DocumentOut,
        responses=problem_responses(401, 404, 422),
        summary=f"Read one document of a {noun}",
    )
    async def get_document(
        parent_id: ParentId,
        document_id: uuid.UUID,
        session: SessionDep,
        principal: OptionalPrincipalDep,
    ) -> DocumentOut:
        """A document's metadata; `content_url` is where an upload's bytes are."""
        await parent.check_readable(session, principal, parent_id)
        return _present(await one(session, parent_id, document_id), base_path(parent_id))

    @router.get(
        "/{document_id}/content",
        response_class=Response,
        responses={
            200: {
                "description": "The document's bytes.",
                "content": {"*/*": {"example": "%PDF-1.7 …"}},
            },
            304: {"description": "Unchanged: your copy (If-None-Match) is current."},
            **problem_responses(401, 404, 409, 422),
        },
        summary=f"Download a document of a {noun}",
    )
    async def download_document(
        parent_id: ParentId,
        document_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        principal: OptionalPrincipalDep,
        if_none_match: IfNoneMatchHeader = None,
    ) -> Response:
        """An upload's bytes, with its media type, a safe file name and its hash as ETag;
        409 for a link (follow its `url`)."""
        await parent.check_readable(session, principal, parent_id)
        row = await one(session, parent_id, document_id)
        if row.content_key is None:
            raise DocumentIsALink("this document is a link; follow its url", url=row.url)
        etag = f'"{row.content_key}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if if_none_match is not None and _matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        content = await _storage(request).get(row.content_key)
        headers["Content-Disposition"] = content_disposition(row.filename or "document")
        headers["X-Content-Type-Options"] = "nosniff"
        return Response(content, media_type=row.media_type, headers=headers)

    @router.delete(
        "/{document_id}",
        status_code=204,
        response_class=Response,
        responses=problem_responses(401, 403, 404, 422),
        summary=f"Remove a document from a {noun}",
    )
    async def delete_document(
        parent_id: ParentId,
        document_id: uuid.UUID,
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
    ) -> Response:
        """Remove a document: whoever may write the record, or who attached it while they
        may still see the record. Its bytes go when no other document uses them."""
        audience = await parent.check_readable(session, principal, parent_id)
        row = await one(session, parent_id, document_id)
        if row.created_by != principal.sub:
            await parent.check_writable(session, principal, parent_id)
        key = row.content_key
        await record(session, "removed", row, audience)
        await session.delete(row)
        await session.flush()
        unused = key if key is not None and not await _still_used(session, model, key) else None
        return Response(status_code=204, background=_forget_after_commit(request, model, unused))

    return router


def documents_batch_router(*, model: type[Any], parent: DocumentParent, noun: str) -> APIRouter:
    """`GET /v1/documents?parent_id=a,b,c`: the documents of many records in one call."""
    router = APIRouter(prefix="/v1/documents", tags=["documents"])

    @router.get(
        "",
        response_model=DocumentPage,
        responses=problem_responses(401, 422),
        summary=f"Documents of several {noun}s",
    )
    async def list_documents_of(
        parent_id: ParentIdsQuery,
        session: SessionDep,
        principal: OptionalPrincipalDep,
        limit: LimitQuery = 50,
        cursor: CursorQuery = None,
    ) -> DocumentPage:
        """Batch read (the gateway's): the documents of each record the caller may see,
        by record then oldest first; records not visible are simply absent."""
        readable = await readable_parents(parent, session, principal, parent_id)
        items, next_cursor = await keyset_page(
            session,
            select(model).where(model.parent_id.in_(readable)),
            order_by=[model.parent_id.expression, model.created_at.expression, model.id.expression],
            sort_key=lambda row: (row.parent_id, row.created_at, row.id),
            cursor=cursor,
            limit=limit,
        )
        return DocumentPage(
            items=[_present(row, f"/v1/{noun}s/{row.parent_id}/documents") for row in items],
            next_cursor=next_cursor,
        )

    return router


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "send multipart/form-data or a JSON link", "type": "json"}]
        ) from exc


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


async def _still_used(session: AsyncSession, model: type[Any], key: str) -> bool:
    count = await session.scalar(select(func.count()).where(model.content_key == key))
    return bool(count)


def _forget_after_commit(
    request: Request, model: type[Any], key: str | None
) -> BackgroundTask | None:
    """After the response (the request's transaction is committed by then), delete the bytes
    if still no document uses them: a concurrent upload of the same file keeps them."""
    if key is None:
        return None
    sessionmaker = request.app.state.sessionmaker
    storage = _storage(request)

    async def forget() -> None:
        async with sessionmaker() as session:
            if not await _still_used(session, model, key):
                await storage.delete(key)

    return BackgroundTask(forget)
