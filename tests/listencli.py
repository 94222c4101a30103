"""For the sources' end-to-end tests: run `earmark listen`, read what it stored."""

from __future__ import annotations

from click.testing import CliRunner
from dbconn import db_connect

from earmark.cli import cli


def run_cli(tmp_path, config_text: str, *extra: str, env: dict | None = None):
    """Write config_text to tmp_path/earmark.yaml and run `earmark listen` with tmp_path/x.db."""
    config = tmp_path / "earmark.yaml"
    config.write_text(config_text, encoding="utf-8")
    args = ["--db", str(tmp_path / "x.db"), "-c", str(config), "listen", *extra]
    return CliRunner().invoke(cli, args, env=env)


def stored_ids(tmp_path) -> list[str]:
    """Return the ids of the posts stored in tmp_path/x.db, sorted."""
    with db_connect(tmp_path / "x.db") as conn:
        return [row[0] for row in conn.execute("SELECT id FROM posts ORDER BY id")]
