"""`earmark evaluate FILE --cv K`: what a team model trained on these labels would score.

Stratified, seeded k-fold cross-validation: for each fold, a model is fitted on the other k-1
folds with the `earmark train` pipeline (classify/team.py, which picks its own settings by
cross-validation inside those folds), written to a temporary file, and the held-out fold is
classified by the real classifier with `classify.model` naming it: the rules plus the model,
exactly as `earmark classify` would label those posts (`fit_options` narrow the training grid, to
measure one feature family: classify/team_report.py). The care rules alone are scored on the
same folds for comparison. Each metric is reported as mean and standard deviation over folds.
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import tempfile
import warnings
from pathlib import Path

import numpy as np

from classify.errors import EvaluateError
from classify.evaluate import LabeledRow, evaluate_file, load_labeled
from classify.model import write_model
from classify.team import SEED, fit_team, prepare, require_sklearn
from earmark.csvsafe import csv_writer
from earmark.settings.classify import ClassifySettings


def cross_validate(
    path: str | Path,
    k: int = 5,
    *,
    seed: int = SEED,
    settings: ClassifySettings | None = None,
    task: str | None = None,
    fit_options: dict | None = None,
) -> dict:
    """Return {"file", "rows", "folds", "seed", "metrics": {name: {...}}} for k-fold CV."""
    require_sklearn()
    settings = dataclasses.replace(settings or ClassifySettings(), model=None)
    rows = list(load_labeled(path, extra_intents=[rule.name for rule in settings.intents]))
    if task == "sentiment":
        rows = [dataclasses.replace(row, intents=None, spam=None) for row in rows]
    elif task == "intent":
        rows = [dataclasses.replace(row, sentiment=None, spam=None) for row in rows]
    strata = [
        row.sentiment or (row.intents[0] if row.intents else "") or str(row.spam) for row in rows
    ]
    if k < 2 or len(rows) < 2 * k:
        raise EvaluateError(f"evaluate: --cv {k} needs k >= 2 and at least {2 * k} labeled rows")
    folds: dict[str, dict[str, list[float]]] = {"team": {}, "rules": {}}
    version = ""
    with tempfile.TemporaryDirectory(prefix="earmark-cv-") as tmp:
        model_path = str(Path(tmp) / "fold.zip")
        for number, (train, test) in enumerate(_split(strata, k, seed)):
            data = prepare([rows[i] for i in train], settings)
            model = fit_team(data, seed=seed, name="team", **(fit_options or {}))
            write_model(model_path, model.weights, model.dense, model.bias, model.meta)
            held = _as_csv([rows[i] for i in test])
            with_model = dataclasses.replace(settings, model=model_path)
            for system, used in (("team", with_model), ("rules", settings)):
                result = evaluate_file(io.StringIO(held), task=task, settings=used)
                for name, value in _metrics(result).items():
                    folds[system].setdefault(name, []).append(value)
                if system == "team" and number == 0:
                    version = result["classifier_version"].split("@")[0] + " (fitted per fold)"
    return {
        "file": str(path),
        "rows": len(rows),
        "folds": k,
        "seed": seed,
        "classifier_version": version,
        "metrics": {
            name: {
                "mean": statistics.fmean(values),
                "sd": statistics.pstdev(values),
                "rules_mean": statistics.fmean(folds["rules"].get(name, [0.0])),
                "per_fold": values,
            }
            for name, values in folds["team"].items()
        },
    }


def _split(strata: list[str], k: int, seed: int):
    """Stratified, shuffled, seeded folds (a class rarer than k is spread as far as it goes)."""
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has 1 member"
        return list(splitter.split(np.zeros(len(strata)), strata))


def _as_csv(rows: list[LabeledRow]) -> str:
    """Write labeled rows back in the format evaluate reads."""
    out = io.StringIO()
    writer = csv_writer(out)  # quotes a bare CR too: each text reads back as it was
    spam = any(row.spam is not None for row in rows)
    writer.writerow(["id", "text", "sentiment", "intents"] + (["spam"] if spam else []))
    for row in rows:
        flag = [] if not spam else ["" if row.spam is None else str(int(row.spam))]
        writer.writerow([row.id, row.text, row.sentiment or "", "|".join(row.intents or []), *flag])
    return out.getvalue()


def _metrics(result: dict) -> dict[str, float]:
    """The headline numbers of one evaluation: macro-F1s, accuracies, per-intent F1."""
    found: dict[str, float] = {}
    sentiment = result.get("sentiment")
    if sentiment:
        found["sentiment macro-F1"] = sentiment["ours"]["macro_f1"]
        found["sentiment accuracy"] = sentiment["ours"]["accuracy"]
    intents = result.get("intents")
    if intents:
        ours = intents["ours"]
        found["primary intent macro-F1"] = ours["primary"]["macro_f1"]
        found["primary intent accuracy"] = ours["primary"]["accuracy"]
        found["intents multi-label macro-F1"] = ours["labels"]["macro_f1"]
        for name, scores in ours["labels"]["per_class"].items():
            found[f"{name} F1"] = scores["f1"]
    spam = result.get("spam")
    if spam:
        found["spam F1"] = spam["ours"]["f1"]
        found["spam precision"] = spam["ours"]["precision"]
        found["spam recall"] = spam["ours"]["recall"]
    return found
