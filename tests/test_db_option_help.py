"""Every `--db` (the group's and each command's) says it takes an SQLite file or a PostgreSQL
URL, never "SQLite database" alone."""

from __future__ import annotations

import click
from click.testing import CliRunner

from earmark.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_db_option_names_both_engines():
    runner = CliRunner()
    helps = {(): runner.invoke(cli, ["--help"]).output}
    for path in _commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        helps[path] = result.output
    with_db = {path: text for path, text in helps.items() if "--db" in text}
    assert () in with_db and ("queue",) in with_db and ("next",) in with_db
    for path, text in with_db.items():
        assert "SQLite database" not in text, path
        if path != ("demo",):  # demo's --db is where to keep its own SQLite file
            assert "--db FILE|URL" in text and "SQLite file or PostgreSQL URL" in text, path
