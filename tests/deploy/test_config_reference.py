"""The docs' configuration reference is the one the settings classes define."""

from __future__ import annotations

from tests.deploy.config_reference import (
    PAGE,
    current_block,
    render,
    settings_classes,
    settings_of,
)


def test_the_configuration_reference_matches_the_settings_classes() -> None:
    block = current_block(PAGE.read_text())
    assert block is not None, f"{PAGE} lost its configuration reference block"
    assert block == render(), (
        f"{PAGE}'s configuration reference is stale: run "
        "`.venv/bin/python -m tests.deploy.config_reference --write`"
    )


def test_every_setting_says_what_it_means() -> None:
    for heading, settings_class in settings_classes():
        for setting in settings_of(settings_class):
            assert len(setting.meaning) > 10, f"{heading}: {setting.variable} has no description"
