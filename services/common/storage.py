"""Where uploaded documents' bytes live: one interface, a local folder or an S3 bucket.

Storage is content-addressed: `put` returns the SHA-256 of the bytes as their key, so the
same file uploaded twice is stored once, a key always names the same bytes, and the key is
also the ETag of a download. The local backend is the embedded default (a folder under the
service's data folder); production uses any S3-compatible service (AWS S3, MinIO, Ceph…).

The S3 client is boto3's, which is synchronous: its calls run in a worker thread so the
event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol, Self, cast

from pydantic import Field, ImportString, SecretStr, TypeAdapter, field_validator, model_validator

from services.common.settings import DATA_DIR, ServiceSettings

_KEY = re.compile(r"^[0-9a-f]{64}$")


def content_key(content: bytes) -> str:
    """The key of these bytes: their SHA-256, in lowercase hex."""
    return hashlib.sha256(content).hexdigest()


def _checked(key: str) -> str:
    # Keys come from our own database, but a malformed one must never become a path.
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a content key: {key!r}")
    return key


class StoredObjectMissing(LookupError):
    """The database names a key the storage does not hold (lost or deleted out of band)."""


class DocumentStorage(Protocol):
    """What every storage backend does. All methods are safe to call concurrently."""

    async def put(self, content: bytes) -> str:
        """Store the bytes (once, whatever how often they are put); return their key."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under `key`; StoredObjectMissing when there are none."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether bytes are stored under `key`."""
        ...

    async def delete(self, key: str) -> None:
        """Forget the bytes under `key` (no error when there were none)."""
        ...


class LocalStorage:
    """Files in a folder, fanned out by the key's first two characters (`ab/abcdef…`).

    A put writes a temporary file in the same folder and renames it into place, so a
    reader never sees half a file and two replicas putting the same bytes both succeed.
    Several processes may share the folder (a ReadWriteMany volume).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    async def put(self, content: bytes) -> str:
        key = content_key(content)
        await asyncio.to_thread(self._write, self._path(key), content)
        return key

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Storage:
    """Objects in an S3-compatible bucket, under `prefix/` (one prefix per service)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix.strip("/")

    @classmethod
    def from_settings(cls, settings: DocumentSettings, prefix: str) -> S3Storage:
        import boto3
        from botocore.config import Config

        secret = settings.documents_s3_secret_access_key
        client = boto3.client(
            "s3",
            endpoint_url=settings.documents_s3_endpoint_url,
            region_name=settings.documents_s3_region,
            aws_access_key_id=settings.documents_s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                connect_timeout=settings.documents_s3_timeout_seconds,
                read_timeout=settings.documents_s3_timeout_seconds,
                retries={"max_attempts": 3, "mode": "standard"},
                s3={"addressing_style": settings.documents_s3_addressing_style},
            ),
        )
        bucket = settings.documents_s3_bucket or ""
        return cls(client, bucket, settings.documents_s3_prefix or prefix)

    def _name(self, key: str) -> str:
        return f"{self._prefix}/{_checked(key)}" if self._prefix else _checked(key)

    async def put(self, content: bytes) -> str:
        key = content_key(content)
        if not await self.exists(key):
            await asyncio.to_thread(
                self._client.put_object,
                Bucket=self._bucket,
                Key=self._name(key),
                Body=content,
                ChecksumAlgorithm="SHA256",
            )
        return key

    async def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = await asyncio.to_thread(
                self._client.get_object, Bucket=self._bucket, Key=self._name(key)
            )
        except ClientError as exc:
            if _is_missing(exc):
                raise StoredObjectMissing(key) from exc
            raise
        body: bytes = await asyncio.to_thread(answer["Body"].read)
        return body

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(
                self._client.head_object, Bucket=self._bucket, Key=self._name(key)
            )
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(
            self._client.delete_object, Bucket=self._bucket, Key=self._name(key)
        )


def _is_missing(error: Any) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound"}


# --- virus scanning hook ------------------------------------------------------------------

Scanner = Callable[[bytes, str], str | None]
"""Called with an upload's bytes and its detected media type before it is stored; returns
None to accept it, or the reason it is refused (the upload then fails with 422 and nothing
is stored). It runs in a worker thread, so it may block (e.g. talk to clamd)."""


def accept_without_scanning(content: bytes, media_type: str) -> str | None:
    """The default scanner: a no-op that accepts everything. Configure a real one in
    production (`*_DOCUMENTS_SCANNER=package.module:function`)."""
    del content, media_type
    return None


# --- settings -----------------------------------------------------------------------------

MIB = 1024 * 1024
DEFAULT_SCANNER = "services.common.storage:accept_without_scanning"


class DocumentSettings(ServiceSettings):
    """A service that keeps documents: where their bytes go and what an upload may be."""

    documents_backend: Literal["local", "s3"] = Field(
        default="local",
        description="Where uploaded documents are stored: `local` (a folder) or `s3` (an "
        "S3-compatible bucket).",
    )
    documents_dir: Path | None = Field(
        default=None,
        description="Folder of the `local` backend; default `var/documents/<service>`. "
        "Replicas share it (a ReadWriteMany volume) when there are several.",
    )
    documents_max_bytes: int = Field(
        default=4 * MIB,
        ge=1,
        description="Largest uploaded document, in bytes (413 above it). Keep it below "
        "MIRPS_MAX_BODY_BYTES, which bounds the whole multipart request.",
    )
    documents_s3_endpoint_url: str | None = Field(
        default=None,
        description="Endpoint of the S3-compatible service, e.g. `https://minio.example.org`; "
        "unset for AWS S3 itself.",
    )
    documents_s3_bucket: str | None = Field(
        default=None, description="Bucket of the `s3` backend (required for it)."
    )
    documents_s3_prefix: str | None = Field(
        default=None, description="Key prefix inside the bucket; default the service's name."
    )
    documents_s3_region: str | None = Field(default=None, description="Region of the bucket.")
    documents_s3_access_key_id: str | None = Field(
        default=None,
        description="S3 access key; unset to use the standard AWS credential chain "
        "(AWS_* variables, a web identity token, an instance role).",
    )
    documents_s3_secret_access_key: SecretStr | None = Field(
        default=None, description="S3 secret key matching the access key."
    )
    documents_s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto",
        description="Bucket addressing: `path` for most self-hosted S3-compatible servers.",
    )
    documents_s3_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Connect and read timeout of each S3 call, in seconds."
    )
    documents_scanner: str = Field(
        default=DEFAULT_SCANNER,
        description="`module:function` called with each upload's bytes and media type before "
        "it is stored; it returns None to accept or the reason to refuse (then 422, nothing "
        "stored). The default accepts everything WITHOUT scanning.",
    )

    @field_validator("documents_scanner")
    @classmethod
    def _importable(cls, value: str) -> str:
        _import_scanner(value)
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Self:
        if self.documents_backend == "s3" and not self.documents_s3_bucket:
            variable = f"{self.model_config.get('env_prefix', '')}DOCUMENTS_S3_BUCKET"
            raise ValueError(f"the s3 document storage needs a bucket: set {variable}")
        return self

    @property
    def documents_scanner_function(self) -> Scanner:
        return _import_scanner(self.documents_scanner)


def _import_scanner(dotted: str) -> Scanner:
    scanner = TypeAdapter(ImportString[Any]).validate_python(dotted)
    if not callable(scanner):
        raise ValueError(f"{dotted} is not callable")
    return cast(Scanner, scanner)


def make_storage(settings: DocumentSettings, service: str) -> DocumentStorage:
    """The storage a service's settings ask for."""
    if settings.documents_backend == "s3":
        return S3Storage.from_settings(settings, service)
    return LocalStorage(settings.documents_dir or DATA_DIR / "documents" / service)
