"""Tables of the events service."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from services.common.db import naming_metadata


class Base(DeclarativeBase):
    metadata = naming_metadata()
