"""Value shapes shared by every API: bilingual text and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from services.common.vocabulary import CurrencyCode

# Decimal on the wire is always a string ("1250000.00"), never a JSON number.
DecimalString = Annotated[
    Decimal,
    PlainSerializer(lambda value: format(value, "f"), return_type=str, when_used="json"),
]


class LocalizedText(BaseModel):
    """User-facing text in Spanish and/or English; at least one language is required."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"es": "Integración", "en": "Integration"}}
    )

    es: str | None = Field(default=None, max_length=20_000, description="Spanish text.")
    en: str | None = Field(default=None, max_length=20_000, description="English text.")

    @model_validator(mode="after")
    def _one_language_at_least(self) -> Self:
        self.es = (self.es or "").strip() or None
        self.en = (self.en or "").strip() or None
        if self.es is None and self.en is None:
            raise ValueError("give the text in at least one language (es or en)")
        return self

    def text(self, lang: str = "es") -> str:
        """The text in `lang`, falling back to the other language."""
        preferred, other = (self.es, self.en) if lang == "es" else (self.en, self.es)
        return preferred or other or ""


class Money(BaseModel):
    """An amount in an ISO 4217 currency. Amounts are decimal strings, never floats."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"amount": "1250000.00", "currency": "EUR"}},
    )

    amount: DecimalString = Field(
        ge=0, max_digits=18, decimal_places=4, description='Decimal string, e.g. "1250000.00".'
    )
    currency: CurrencyCode = Field(description="ISO 4217 code, e.g. EUR.")
