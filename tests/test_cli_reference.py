"""docs/cli.md is generated from the click commands: current, and missing no command or option."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from earmark.cli import cli
from earmark.cli.reference import command_paths, render_reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
COMMANDS = [((), cli), *command_paths(cli)]


def sections(text: str) -> dict[str, str]:
    """Split the page into {"earmark PATH": the text under that heading}."""
    parts = re.split(r"^## (earmark.*)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def undocumented(section: str, command: click.Command) -> list[str]:
    """Return the option flags of command that section never mentions."""
    flags = [
        flag
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for flag in [*param.opts, *param.secondary_opts]
    ]
    return [f for f in flags if not re.search(rf"(^|[\s,/]){re.escape(f)}\b", section)]


def test_docs_cli_md_is_current():
    # Regenerate with: python -m earmark.cli.reference > docs/cli.md
    assert DOC.read_text(encoding="utf-8") == render_reference()


@pytest.mark.parametrize(
    "path,command", COMMANDS, ids=[" ".join(("earmark", *p)) for p, _ in COMMANDS]
)
def test_every_command_and_option_is_documented(path, command):
    section = sections(DOC.read_text(encoding="utf-8")).get(" ".join(("earmark", *path)))
    assert section is not None, f"earmark {' '.join(path)} has no section in docs/cli.md"
    assert f"Usage: earmark {' '.join(path)}".replace("  ", " ") in section
    assert undocumented(section, command) == []


def test_the_check_notices_a_missing_option():
    run = cli.commands["run"]
    section = sections(render_reference())["earmark run"]
    assert undocumented(section, run) == []
    assert undocumented(section.replace("--max-duration", "--max-time"), run) == ["--max-duration"]
