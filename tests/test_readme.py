"""The README tells the truth: its help text, settings and commands are the current ones."""

from __future__ import annotations

import re
from dataclasses import fields

from click.testing import CliRunner

from registry.cli import cli
from registry.paths import ROOT
from registry.settings import Settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_current_help() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="tierslieux", terminal_width=80)
    assert result.exit_code == 0
    assert result.output.strip() in README


def test_every_command_is_described() -> None:
    for name in cli.commands:
        assert f"`tierslieux {name}" in README, name


def test_every_setting_is_in_the_configuration_table() -> None:
    for field in fields(Settings):
        assert re.search(rf"^\| `TL_{field.name.upper()}` \|", README, re.M), field.name


def test_readme_gives_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README
