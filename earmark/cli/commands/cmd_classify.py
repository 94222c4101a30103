"""Commands: classify, evaluate, feedback."""

from __future__ import annotations

import sys

import click

from earmark.cli.app import App, pass_app
from earmark.csvsafe import csv_writer
from earmark.errors import UsageError
from earmark.models import INTENTS, SENTIMENTS


@click.command()
@click.option(
    "--all", "everything", is_flag=True, help="Re-label every post (after a config change)."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes classifying in parallel.",
)
@pass_app
def classify(app: App, everything: bool, workers: int) -> None:
    """Label unlabeled posts with sentiment, intents, language, PII and priority.

    Silent when nothing is new; otherwise one line on stderr.
    """
    from classify.stage import classify_posts

    with app.progress() as progress:
        done = classify_posts(
            app.store,
            app.config.classify_settings(),
            now=app.now(),
            everything=everything,
            workers=workers,
            progress=progress,
        )
    if done:
        app.say(f"classified {done} posts")


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--task",
    type=click.Choice(["sentiment", "intent"]),
    default=None,
    help="What to measure [default: from the CSV's columns].",
)
@click.option(
    "--baseline",
    type=click.Choice(["vader"]),
    default=None,
    help="Also measure stock VADER, side by side.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Score with this model file on top of the rules (as classify.model would).",
)
@click.option(
    "--cv",
    "folds",
    type=click.IntRange(min=2),
    default=None,
    help="K-fold cross-validation: train a team model on k-1 folds, score the held-out one.",
)
@click.option(
    "--seed", type=int, default=None, help="Seed of the --cv folds and fitting [default: 21]."
)
@pass_app
def evaluate(
    app: App,
    path: str,
    task: str | None,
    baseline: str | None,
    fmt: str,
    model_path: str | None,
    folds: int | None,
    seed: int | None,
) -> None:
    """Measure the classifier on a labeled CSV (id,text,sentiment or id,text,intents).

    --model PATH scores the rules plus that model; --cv K shows what a model trained on
    this file's own labels (`earmark train`) would score on posts it has not seen.
    """
    import dataclasses

    from classify.evaluate import evaluate_file
    from earmark.cli.evaluation_report import render_evaluation
    from earmark.settings.classify import ClassifySettings

    settings = app.config.classify_settings() if app.config_path else ClassifySettings()
    if folds is not None:
        if model_path or baseline:
            raise UsageError("--cv trains its own models: give it without --model or --baseline")
        if path == "-":
            raise UsageError("--cv reads its file once per fold: give a file, not -")
        from classify.crossval import cross_validate
        from earmark.cli.evaluation_report import render_cross_validation

        result = cross_validate(
            path, folds, seed=21 if seed is None else seed, settings=settings, task=task
        )
        render_cross_validation(result, fmt, out=sys.stdout)
        return
    if seed is not None:
        raise UsageError("--seed is for --cv")
    if model_path:
        from earmark.cli.configfile import check_model

        try:
            check_model(model_path)
        except ValueError as error:
            raise UsageError(f"--model: {error}") from None
        settings = dataclasses.replace(settings, model=model_path)
    result = evaluate_file(path, task=task, baseline=baseline, settings=settings)
    render_evaluation(result, fmt, out=sys.stdout)


@click.command()
@click.argument("post_id", required=False)
@click.option("--sentiment", type=click.Choice(SENTIMENTS), help="The right sentiment.")
@click.option("--intent", "intents", multiple=True, help="The right intents, primary first.")
@click.option(
    "--as", "actor", default=None, help="Who corrects [default: $EARMARK_AGENT or $USER]."
)
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write all corrections as a labeled CSV that `evaluate` reads.",
)
@pass_app
def feedback(
    app: App,
    post_id: str | None,
    sentiment: str | None,
    intents: tuple[str, ...],
    actor: str | None,
    export_path: str | None,
) -> None:
    """Correct a post's sentiment and intents, or export the corrections (--export FILE)."""
    if export_path:
        _export_feedback(app, export_path)
        return
    if not post_id:
        raise UsageError("give a POST_ID to correct, or --export FILE")
    if not sentiment and not intents:
        raise UsageError("give --sentiment and/or --intent")
    known = set(INTENTS) | {rule.name for rule in app.config.classify.intents}
    for intent in intents:
        if intent not in known:
            raise UsageError(f"unknown intent {intent!r}; known: {', '.join(sorted(known))}")
    if "other" in intents and len(intents) > 1:
        raise UsageError("'other' is never combined with another intent")
    if app.existing_store.posts.get_post(post_id) is None:
        raise UsageError(f"no post {post_id!r} in {app.db_path}")
    who = actor or app.env.get("EARMARK_AGENT") or app.env.get("USER") or "unknown"
    app.store.classifications.save_feedback(post_id, sentiment, list(intents), who)
    app.say(f"{post_id}: correction stored")


def _export_feedback(app: App, path: str) -> None:
    store = app.existing_store  # before opening PATH: no empty file from a missing database
    out = sys.stdout if path == "-" else open(path, "w", encoding="utf-8", newline="")
    try:
        # Quotes a bare CR too (csv.writer does not), so no post splits a row; texts stay exact
        # because `evaluate` reads them back as they were labeled.
        writer = csv_writer(out)
        writer.writerow(["id", "text", "sentiment", "intents"])
        count = 0
        for row in store.classifications.iter_feedback():
            writer.writerow([row["id"], row["text"], row["sentiment"] or "", row["intents"] or ""])
            count += 1
    finally:
        if out is not sys.stdout:
            out.close()
    app.say(f"exported {count} corrections")


@click.command()
@click.argument("labels", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--out",
    default="team-model.zip",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The model file to write (name it in the config as classify.model).",
)
@click.option(
    "--seed", type=int, default=21, show_default=True, help="Same labels and seed: the same bytes."
)
@pass_app
def train(app: App, labels: str, out: str, seed: int) -> None:
    """Fit your team's own model from labeled posts (the CSV `evaluate` reads and
    `feedback --export` writes). Needs scikit-learn: pip install 'earmark[train]'."""
    from classify.team import describe, require_sklearn, train_file
    from earmark.settings.classify import ClassifySettings

    require_sklearn()
    settings = app.config.classify_settings() if app.config_path else ClassifySettings()
    source = sys.stdin if labels == "-" else labels
    model, digest, rows = train_file(source, settings, out, seed=seed)
    app.say(
        f"wrote {out} (team@{digest[:12]}) from {rows} labeled posts; cross-validated "
        f"inside them: {describe(model)}. Compare first: earmark evaluate FILE --model {out}; "
        f"then set classify.model: {out} and run earmark classify --all"
    )


COMMANDS = [classify, evaluate, feedback, train]
