"""`earmark demo --train`: fit a team model from the bundled fictional labels, relabel the demo.

The labels (earmark/data/sample_labels.csv) were written by the project for the invented sample
posts, for this demonstration only: what the model scores on them is never a measure of
accuracy. Fitting is `earmark train`'s code (classify.team.train_file, same seed); relabelling is
the classify stage with classify.model set, as `earmark classify --all` runs it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from importlib import resources
from pathlib import Path

from earmark.cli.model_explain import feature_list
from earmark.safetext import terminal_text

LABELS = "data/sample_labels.csv"
ALL_POSTS = 1_000_000  # search_posts' limit: every post the demo stores (about 200)


def model_path_for(db_path: str) -> Path:
    """The demo model's file: next to the demo database, named after it (demo.db:
    demo-model.zip)."""
    db = Path(db_path)
    return db.with_name(f"{db.stem}-model.zip")


def _labels_of(store) -> dict[str, tuple]:
    """Each stored post's (sentiment, intents in order, text), by id."""
    labels = {}
    for row in store.posts.search_posts(limit=ALL_POSTS):
        intents = tuple(name for name, _ in json.loads(row["intents"] or "[]"))
        labels[row["id"]] = (row["sentiment"], intents, row["text"], row["created_at"])
    return labels


def _heads(model) -> tuple[list[str], list[str]]:
    """The labels the model decides, and those it leaves to the rules (cross-validation chose)."""
    chosen = model.meta["training"]["chosen_by_cross_validation"]
    kept = [name for name, choice in chosen.items() if choice["decides"] == "model"]
    return kept, [name for name in chosen if name not in kept]


def _explain_line(post_id: str, before: tuple, after: tuple, reasons: dict | None) -> str:
    """One `explain`-style line: what changed on a post and the features that decided it."""

    def labels(value: tuple) -> str:
        return f"{value[0]} / {'+'.join(value[1]) or 'none'}"

    line = f"explain {post_id}: rules {labels(before)} -> model {labels(after)}"
    parts = []
    sentiment = (reasons or {}).get("sentiment")
    if sentiment:
        parts.append(f"sentiment {sentiment['label']} ({sentiment['probability']:.2f}): ")
        parts[-1] += feature_list(sentiment["features"])
    for head in (reasons or {}).get("intents", []):
        if (head["intent"] in before[1]) != (head["intent"] in after[1]):
            verdict = "yes" if head["present"] else "no"
            parts.append(
                f"{head['intent']} {verdict} ({head['probability']:.2f}): "
                + feature_list(head["features"])
            )
            break
    if parts:
        line += "; " + "; ".join(parts)
    return terminal_text(line, one_line=True)


def _pick(changed: list[str], before: dict, after: dict) -> str:
    """The post to explain: the earliest whose sentiment changed, else the earliest changed."""
    by_time = sorted(changed, key=lambda post_id: (before[post_id][3], post_id))
    for post_id in by_time:
        if before[post_id][0] != after[post_id][0]:
            return post_id
    return by_time[0]


def train_demo(app, store, config, *, db_path: str, kept_db: bool, now) -> None:
    """Fit the demo's team model next to the database, relabel every stored post with it and
    say on stderr what it learned and changed. stdout is left to the demo's report."""
    from classify import CLASSIFIER_VERSION
    from classify.learned import explain_text
    from classify.stage import classify_posts
    from classify.team import SEED, train_file

    settings = config.classify_settings()
    out = model_path_for(db_path)
    labels = resources.files("earmark").joinpath(LABELS)
    started = time.perf_counter()
    with resources.as_file(labels) as labels_path:
        model, digest, rows = train_file(
            str(labels_path), settings, str(out), seed=SEED, command="demo --train"
        )
    seconds = time.perf_counter() - started
    identity = f"team@{digest[:12]}"
    before = _labels_of(store)
    with_model = dataclasses.replace(settings, model=str(out))
    relabeled = classify_posts(store, with_model, now=now, everything=True)
    after = _labels_of(store)
    changed = [
        post_id
        for post_id, value in before.items()
        if post_id in after and value[:2] != after[post_id][:2]
    ]
    kept, ruled = _heads(model)
    where = str(out) if kept_db else f"{out.name} (temporary; --db FILE keeps it)"
    app.say(
        f"train: {identity} from {rows} labeled posts (bundled sample_labels.csv, labeled by "
        f"the project for these FICTIONAL posts: a demo, never a measure of accuracy) in "
        f"{seconds:.1f} s, seed {SEED}; written to {where}"
    )
    app.say(
        f"model decides: {', '.join(kept) or 'nothing'}; left to the rules: "
        f"{', '.join(ruled) or 'nothing'}"
    )
    app.say(
        f"classify --all with classify.model: {relabeled} posts relabeled "
        f"({CLASSIFIER_VERSION}+{identity}); sentiment or intents changed on {len(changed)} "
        "(the model was fitted on labels of these same posts)"
    )
    if changed:
        post_id = _pick(changed, before, after)
        reasons = explain_text(before[post_id][2], with_model)
        app.say(_explain_line(post_id, before[post_id], after[post_id], reasons))
