"""Shared codes every service validates against, each with Spanish and English labels.

Countries and currencies come from pycountry (ISO 3166-1 and ISO 4217, with their
translations); MIRPS pillars, themes and populations are the platform's own taxonomies.
An unknown code fails validation with a message that names it.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

import pycountry
from pydantic import AfterValidator, WithJsonSchema

MIRPS_COUNTRIES: tuple[str, ...] = ("BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "PAN")


@dataclass(frozen=True, slots=True)
class Term:
    """One code of a vocabulary with its labels in both languages."""

    code: str
    es: str
    en: str


class Vocabulary(Mapping[str, Term]):
    """An ordered, read-only set of codes; `check` is the validator pydantic types use."""

    def __init__(self, kind: str, terms: list[Term], *, upper: bool = False) -> None:
        self.kind = kind
        self._upper = upper
        self._terms = {term.code: term for term in terms}

    def __getitem__(self, code: str) -> Term:
        return self._terms[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def check(self, code: str) -> str:
        """Return the canonical code, or raise ValueError naming the unknown one."""
        canonical = code.upper() if self._upper else code
        if canonical not in self._terms:
            raise ValueError(f"unknown {self.kind} code '{code}'")
        return canonical


def _translator(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["es"], fallback=True)


def _country_terms() -> list[Term]:
    es = _translator("iso3166-1")
    return [
        Term(country.alpha_3, es.gettext(country.name), country.name)
        for country in pycountry.countries
    ]


def _currency_terms() -> list[Term]:
    es = _translator("iso4217")
    return [
        Term(currency.alpha_3, es.gettext(currency.name), currency.name)
        for currency in pycountry.currencies
    ]


countries = Vocabulary("country", _country_terms(), upper=True)
currencies = Vocabulary("currency", _currency_terms(), upper=True)

pillars = Vocabulary(
    "pillar",
    [
        Term("reception_admission", "1. Recepción y admisión", "1. Reception and admission"),
        Term(
            "immediate_needs",
            "2. Necesidades inmediatas y persistentes",
            "2. Immediate and persistent needs",
        ),
        Term(
            "host_support",
            "3. Apoyo a países y comunidades de acogida",
            "3. Support to host countries and communities",
        ),
        Term("durable_solutions", "4. Soluciones duraderas", "4. Durable solutions"),
    ],
)

themes = Vocabulary(
    "theme",
    [
        Term("employment_livelihoods", "Empleo y medios de vida", "Employment and livelihoods"),
        Term("education", "Educación", "Education"),
        Term("health", "Salud", "Health"),
        Term(
            "documentation_legal_identity",
            "Documentación e identidad legal",
            "Documentation and legal identity",
        ),
        Term("housing", "Vivienda", "Housing"),
        Term("social_cohesion", "Cohesión social", "Social cohesion"),
        Term(
            "child_adolescent_integration",
            "Integración de niñas, niños y adolescentes",
            "Child and adolescent integration",
        ),
        Term(
            "gender_based_violence",
            "Protección de mujeres y niñas / violencia basada en género",
            "Protection of women and girls / gender-based violence",
        ),
        Term("access_to_asylum", "Acceso al asilo", "Access to asylum"),
        Term("local_governance", "Gobernanza local", "Local governance"),
        Term("internal_displacement", "Desplazamiento interno", "Internal displacement"),
        Term("financial_inclusion", "Inclusión financiera", "Financial inclusion"),
        Term("social_protection", "Protección social", "Social protection"),
        Term(
            "mental_health_psychosocial",
            "Salud mental y apoyo psicosocial",
            "Mental health and psychosocial support",
        ),
        Term("data_statistics", "Datos y estadísticas", "Data and statistics"),
    ],
)

populations = Vocabulary(
    "population",
    [
        Term("refugees", "Personas refugiadas", "Refugees"),
        Term("asylum_seekers", "Personas solicitantes de asilo", "Asylum seekers"),
        Term(
            "internally_displaced", "Personas desplazadas internas", "Internally displaced people"
        ),
        Term(
            "returnees_protection_needs",
            "Personas retornadas con necesidades de protección",
            "Returnees with protection needs",
        ),
        Term("stateless", "Personas apátridas", "Stateless people"),
        Term("host_communities", "Comunidades de acogida", "Host communities"),
    ],
)


def declared(vocabulary: Vocabulary | tuple[str, ...], kind: str) -> WithJsonSchema:
    """The vocabulary as an OpenAPI enum, so a generator knows the codes a service accepts."""
    return WithJsonSchema({"type": "string", "enum": list(vocabulary), "title": kind})


CountryCode = Annotated[
    str, AfterValidator(countries.check), declared(countries, "ISO 3166-1 alpha-3 code")
]
CurrencyCode = Annotated[
    str, AfterValidator(currencies.check), declared(currencies, "ISO 4217 code")
]
PillarCode = Annotated[str, AfterValidator(pillars.check), declared(pillars, "MIRPS pillar")]
ThemeCode = Annotated[str, AfterValidator(themes.check), declared(themes, "MIRPS theme")]
PopulationCode = Annotated[
    str, AfterValidator(populations.check), declared(populations, "Population group")
]


def _check_mirps_country(code: str) -> str:
    canonical = countries.check(code)
    if canonical not in MIRPS_COUNTRIES:
        raise ValueError(f"'{code}' is not a MIRPS country ({', '.join(MIRPS_COUNTRIES)})")
    return canonical


MirpsCountryCode = Annotated[
    str, AfterValidator(_check_mirps_country), declared(MIRPS_COUNTRIES, "MIRPS country")
]
