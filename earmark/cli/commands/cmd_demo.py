"""Command: demo — the whole pipeline, offline, on bundled fictional sample conversations."""

from __future__ import annotations

import sys
import tempfile
from importlib import resources
from pathlib import Path

import click
import yaml

from earmark.cli.app import App, pass_app

# The sample conversations end at 2026-11-20 12:00 UTC; the demo looks at them half an hour
# later, so ages and SLA clocks read as they would have on that day.
DEMO_NOW = "2026-11-20T12:30:00Z"


def load_demo_config(sample_path: str):
    """Return the demo Config, reading the bundled sample file."""
    from earmark.cli.configfile import parse_config

    text = resources.files("earmark").joinpath("data/demo.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    data["sources"]["file"] = {"path": sample_path}
    return parse_config(data, "earmark demo")


@click.command()
@click.option(
    "--db",
    "demo_db",
    type=click.Path(dir_okay=False),
    help="Keep the demo database here [default: a temporary file].",
)
@click.option(
    "--train",
    "train",
    is_flag=True,
    help="Then fit a team model from bundled fictional labels (as `earmark train` does, "
    "next to the database) and relabel the posts with it. Needs pip install 'earmark[train]'.",
)
@pass_app
def demo(app: App, demo_db: str | None, train: bool) -> None:
    """Run the whole pipeline offline on bundled FICTIONAL sample posts and show the queues.

    Loads ~245 invented posts about the fictional brand Acme, its @AcmeHelp support handle and
    the fictional competitor Globex through the file source, classifies them, routes the
    opportunities to the example agents, then prints each agent's queue and a summary.
    With --train it then shows a team's own model learning from labeled posts (on stderr).
    """
    from classify.stage import classify_posts
    from earmark.cli.demo_report import write_demo_report
    from earmark.store import Store
    from export.queues.routing import route_opportunities
    from listen.runner import run_listen

    if train:
        from classify.errors import ClassifyError
        from classify.team import require_sklearn

        try:
            require_sklearn()
        except ClassifyError as error:
            raise ClassifyError(f"demo --{error}") from None
    app.env.setdefault("EARMARK_NOW", DEMO_NOW)
    now = app.now()
    with tempfile.TemporaryDirectory(prefix="earmark-demo-") as tmp:
        db_path = demo_db or app.db_option or str(Path(tmp) / "demo.db")
        sample = resources.files("earmark").joinpath("data/sample_posts.jsonl")
        with resources.as_file(sample) as sample_path, Store(db_path) as store:
            config = load_demo_config(str(sample_path))
            listened = run_listen(store, config.listen_settings())
            classified = classify_posts(store, config.classify_settings(), now=now)
            routed = route_opportunities(store, config.queue_settings(), now=now)
            app.say(
                f"earmark demo: fictional sample data as of {DEMO_NOW} "
                f"(database: {db_path if demo_db or app.db_option else 'temporary'})"
            )
            app.say(
                f"listen: {listened.summary_line()}; classify: {classified} posts; "
                f"route: {routed.summary_line()}"
            )
            write_demo_report(store, config.queue_settings(), now=now, out=sys.stdout)
            if train:
                from earmark.cli.demo_train import train_demo

                sys.stdout.flush()
                train_demo(
                    app,
                    store,
                    config,
                    db_path=db_path,
                    kept_db=bool(demo_db or app.db_option),
                    now=now,
                )


COMMANDS = [demo]
