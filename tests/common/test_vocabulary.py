"""The shared vocabulary: ISO codes with es/en labels, MIRPS countries, platform taxonomies."""

from __future__ import annotations

import pytest

from services.common.vocabulary import (
    MIRPS_COUNTRIES,
    countries,
    currencies,
    pillars,
    populations,
    themes,
)


def test_the_seven_mirps_countries_have_spanish_and_english_names() -> None:
    names = {code: (countries[code].es, countries[code].en) for code in MIRPS_COUNTRIES}
    assert names["MEX"] == ("México", "Mexico")
    assert names["BLZ"] == ("Belice", "Belize")
    assert names["PAN"] == ("Panamá", "Panama")
    assert len(MIRPS_COUNTRIES) == 7


def test_codes_are_checked_case_insensitively_and_unknown_ones_named() -> None:
    assert countries.check("gtm") == "GTM"
    assert currencies.check("eur") == "EUR"
    with pytest.raises(ValueError, match="unknown currency code 'ZZZ'"):
        currencies.check("ZZZ")
    with pytest.raises(ValueError, match="unknown theme code 'karaoke'"):
        themes.check("karaoke")


def test_platform_taxonomies_are_bilingual() -> None:
    assert list(pillars) == [
        "reception_admission",
        "immediate_needs",
        "host_support",
        "durable_solutions",
    ]
    assert "internal_displacement" in themes
    assert "stateless" in populations
    for vocabulary in (pillars, themes, populations):
        for term in vocabulary.values():
            assert term.es
            assert term.en
