"""Value types every part of the graph shares: money, bilingual text, vocabulary terms."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import strawberry

from services.common.vocabulary import Term, Vocabulary, countries, pillars, populations, themes


@strawberry.enum(description="A language of the platform's bilingual text.")
class Language(Enum):
    ES = strawberry.enum_value("es", description="Spanish, the platform's first language.")
    EN = strawberry.enum_value("en", description="English.")


@strawberry.type(description="User-facing text in Spanish and/or English (at least one).")
class LocalizedText:
    es: str | None = strawberry.field(description="The Spanish text, if given.")
    en: str | None = strawberry.field(description="The English text, if given.")

    @strawberry.field(
        description="The text in `lang`, falling back to the other language when it is missing."
    )
    def text(
        self,
        lang: Annotated[
            Language,
            strawberry.argument(
                description="The language wanted; the other one when it is missing."
            ),
        ] = Language.ES,
    ) -> str:
        preferred, other = (self.es, self.en) if lang is Language.ES else (self.en, self.es)
        return preferred or other or ""

    @classmethod
    def from_rest(cls, data: Any) -> LocalizedText | None:
        if not isinstance(data, dict):
            return None
        return cls(es=data.get("es"), en=data.get("en"))


@strawberry.type(
    description="An amount of money: a decimal string (never a float) in an ISO 4217 currency."
)
class Money:
    amount: Decimal = strawberry.field(
        description='The amount as a decimal string, e.g. "1250000.00".'
    )
    currency: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")
    amount_usd: Decimal | None = strawberry.field(
        description="The amount in US dollars where the service converted it (null otherwise)."
    )

    @classmethod
    def from_rest(cls, data: Any, amount_usd: Any = None) -> Money | None:
        """From `{"amount": "…", "currency": "…"}`; `amount_usd` when the service gave it."""
        if not isinstance(data, dict) or data.get("amount") is None:
            return None
        usd = amount_usd if amount_usd is not None else data.get("amount_usd")
        if usd is None and data.get("currency") == "USD":
            usd = data["amount"]
        return cls(
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            amount_usd=Decimal(str(usd)) if usd is not None else None,
        )

    @classmethod
    def usd(cls, amount: Any) -> Money | None:
        """A US-dollar amount (reports are in USD)."""
        if amount is None:
            return None
        value = Decimal(str(amount))
        return cls(amount=value, currency="USD", amount_usd=value)


@strawberry.type(description="A code of one of the platform's shared vocabularies, with labels.")
class VocabularyTerm:
    code: str = strawberry.field(description="The stable code, as used in the REST APIs.")
    name: LocalizedText = strawberry.field(description="The label in Spanish and English.")

    @classmethod
    def of(cls, vocabulary: Vocabulary, code: str | None) -> VocabularyTerm | None:
        if code is None:
            return None
        term: Term | None = vocabulary.get(code)
        if term is None:
            # A code the gateway's copy of the vocabulary lacks still reaches the client.
            return cls(code=code, name=LocalizedText(es=code, en=code))
        return cls(code=term.code, name=LocalizedText(es=term.es, en=term.en))

    @classmethod
    def many(cls, vocabulary: Vocabulary, codes: Any) -> list[VocabularyTerm]:
        return [
            term for term in (cls.of(vocabulary, code) for code in codes or []) if term is not None
        ]


def theme(code: str | None) -> VocabularyTerm | None:
    return VocabularyTerm.of(themes, code)


def pillar(code: str | int | None) -> VocabularyTerm | None:
    return VocabularyTerm.of(pillars, None if code is None else str(code))


def population(code: str | None) -> VocabularyTerm | None:
    return VocabularyTerm.of(populations, code)


def country_name(code: str) -> LocalizedText:
    term = countries.get(code)
    if term is None:
        return LocalizedText(es=code, en=code)
    return LocalizedText(es=term.es, en=term.en)


__all__ = [
    "Language",
    "LocalizedText",
    "Money",
    "VocabularyTerm",
    "country_name",
    "pillar",
    "population",
    "theme",
    "themes",
]
