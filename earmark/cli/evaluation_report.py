"""Render a classifier evaluation (classify.evaluate) as Rich tables or as JSON."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from classify.errors import EvaluateError


def render_evaluation_table(result: dict):
    """Build a Rich renderable: summary, per-class scores and the sentiment confusion matrix."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    systems = ["ours"] + (["vader"] if result.get("baseline") else [])
    heading = f"{result['file']}: {result['rows']} rows, classifier {result['classifier_version']}"
    parts = [Text(heading)]
    for task, metrics in (
        ("sentiment", result.get("sentiment")),
        ("intents", result.get("intents")),
    ):
        if not metrics:
            continue
        summary = Table(title=task, title_justify="left")
        summary.add_column("metric")
        for system in systems:
            summary.add_column(system, justify="right")
        if task == "sentiment":
            rows = [("accuracy", ("accuracy",)), ("macro-F1", ("macro_f1",))]
            views = {system: metrics[system] for system in systems}
        else:
            rows = [
                ("primary accuracy", ("primary", "accuracy")),
                ("primary macro-F1", ("primary", "macro_f1")),
                ("multi-label macro-F1", ("labels", "macro_f1")),
                ("exact label set", ("labels", "exact_match")),
            ]
            views = {system: metrics[system] for system in systems}
        for label, path in rows:
            summary.add_row(label, *(f"{_dig(views[s], path):.3f}" for s in systems))
        parts.append(summary)
        per_class_source = (
            {s: metrics[s]["per_class"] for s in systems}
            if task == "sentiment"
            else {s: metrics[s]["labels"]["per_class"] for s in systems}
        )
        detail = Table(title=f"{task}: per class" + (" (multi-label)" if task == "intents" else ""))
        detail.add_column("class")
        detail.add_column("support", justify="right")
        for system in systems:
            for column in ("P", "R", "F1"):
                detail.add_column(f"{system} {column}", justify="right")
        for name, scores in per_class_source["ours"].items():
            cells = []
            for system in systems:
                other = per_class_source[system].get(name, {"precision": 0, "recall": 0, "f1": 0})
                cells += [
                    f"{other['precision']:.2f}",
                    f"{other['recall']:.2f}",
                    f"{other['f1']:.2f}",
                ]
            detail.add_row(name, str(scores["support"]), *cells)
        parts.append(detail)
        confusion_source = metrics["ours"] if task == "sentiment" else metrics["ours"]["primary"]
        confusion = Table(
            title=f"{task}: confusion (rows gold, columns ours"
            + (", primary intent)" if task == "intents" else ")")
        )
        confusion.add_column("gold \\ predicted")
        for label in confusion_source["labels"]:
            confusion.add_column(label, justify="right")
        for gold, counts in confusion_source["confusion"].items():
            confusion.add_row(gold, *(str(counts[label]) for label in confusion_source["labels"]))
        parts.append(confusion)
    spam = result.get("spam")
    if spam:
        table = Table(title="spam (the spam column against the spam intent)", title_justify="left")
        for column in ("n", "accuracy", "precision", "recall", "F1"):
            table.add_column(column, justify="right")
        ours = spam["ours"]
        table.add_row(
            str(ours["n"]),
            *(f"{ours[key]:.3f}" for key in ("accuracy", "precision", "recall", "f1")),
        )
        parts.append(table)
    return Group(*parts)


def _dig(data: dict, path: tuple[str, ...]) -> float:
    """Follow keys into nested dicts."""
    for key in path:
        data = data[key]
    return data


def render_evaluation(result: dict, fmt: str = "table", out: TextIO | None = None) -> None:
    """Write an evaluation result to `out` as a table (Rich) or as JSON."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(result, indent=2, sort_keys=False) + "\n")
        return
    if fmt != "table":
        raise EvaluateError(f"evaluate: unknown format {fmt!r}; use table or json")
    from rich.console import Console

    Console(file=out, width=max(100, Console(file=out).width)).print(
        render_evaluation_table(result)
    )


def render_cross_validation(result: dict, fmt: str = "table", out: TextIO | None = None) -> None:
    """Write a k-fold result (classify.crossval) as a table (mean +/- sd per metric) or JSON."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(result, indent=2, sort_keys=False) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{result['file']}: {result['rows']} rows, {result['folds']}-fold cross-validation "
        f"(seed {result['seed']}), {result['classifier_version']}",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("team model (mean)", justify="right")
    table.add_column("sd", justify="right")
    table.add_column("rules alone (mean)", justify="right")
    for name, values in result["metrics"].items():
        table.add_row(
            name, f"{values['mean']:.3f}", f"{values['sd']:.3f}", f"{values['rules_mean']:.3f}"
        )
    Console(file=out, width=max(100, Console(file=out).width)).print(table)
