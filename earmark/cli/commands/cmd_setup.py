"""Commands: init (write a starter config) and config (check and show the settings)."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import click

from earmark.cli.app import App, pass_app
from earmark.dburl import display_url, is_postgres_url
from earmark.errors import EarmarkError
from earmark.redaction import redact_data


def load_example_config() -> str:
    """Return the annotated example configuration shipped with earmark."""
    return resources.files("earmark").joinpath("data/config.example.yaml").read_text("utf-8")


@click.command()
@click.argument("path", default="earmark.yaml", type=click.Path(dir_okay=False))
def init(path: str) -> None:
    """Write a starter earmark.yaml (every key commented); never overwrites."""
    target = Path(path)
    if target.exists():
        raise EarmarkError(f"{path} already exists; not overwriting it")
    target.write_text(load_example_config(), encoding="utf-8")
    click.echo(
        f"wrote {path}: edit its topics, sources, queues and agents, then run "
        f"`earmark config` to check it",
        err=True,
    )


def _plain(value, env: dict):
    """Turn config dataclasses into plain data, showing *_env secrets only as set/unset."""
    if dataclasses.is_dataclass(value):
        out = {}
        for field in dataclasses.fields(value):
            key = field.metadata.get("key", field.name)
            item = getattr(value, field.name)
            out[key] = _plain(item, env)
            if key.endswith("_env") and isinstance(item, str):
                out[key] = f"{item} ({'set' if env.get(item) else 'unset'})"
        return out
    if isinstance(value, dict):
        return {k: _plain(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, env) for v in value]
    return value


@click.command("config")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    help="Output format.",
)
@pass_app
def show_config(app: App, fmt: str) -> None:
    """Check the config and print the resolved settings (secrets shown as set/unset)."""
    config = app.require_config()
    data = {"config_file": app.config_path, **_plain(config, app.env)}
    # Resolved: --db, $EARMARK_DB, $EARMARK_DATABASE_URL, the config's, the default; a
    # PostgreSQL URL without its password.
    data["database"] = display_url(app.db_path) if is_postgres_url(app.db_path) else app.db_path
    data.pop("path", None)
    # A secret value that also sits in a plain setting (a token in a feed URL) is not shown.
    data = redact_data(data)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)
    app.say(
        f"{app.config_path}: ok ({len(config.topics)} topics, {len(config.sources)} sources, "
        f"{len(config.queues)} queues, {len(config.agents)} agents)"
    )


COMMANDS = [init, show_config]
