"""`explain ID` with classify.model set: the features that decided the post's labels."""

from __future__ import annotations

from earmark.safetext import terminal_text


def model_reasons(config, text: str) -> dict | None:
    """Return classify.learned.explain_text of a post's text under the config (None: no model)."""
    settings = config.classify_settings()
    if not settings.model:
        return None
    from classify.learned import explain_text

    return explain_text(text or "", settings)


def feature_list(features: list) -> str:
    """The features that moved a label, with their contributions, on one line."""
    return ", ".join(f"{name} {weight:+.2f}" for name, weight in features) or "no features"


def render_model_reasons(reasons: dict) -> list[str]:
    """Lines for a terminal: the sentiment, each intent head and the primary head, with their
    top features."""
    lines = [f"model {reasons['model']} (on top of the rules):"]
    sentiment = reasons.get("sentiment")
    if sentiment:
        unsure = ""
        if "rules_label" in sentiment:
            unsure = f", unsure: the rules' {sentiment['rules_label']} stands"
        lines.append(
            f"  sentiment {sentiment['label']} ({sentiment['probability']:.2f}{unsure}): "
            + feature_list(sentiment["features"])
        )
    for head in reasons["intents"]:
        verdict = "yes" if head["present"] else "no"
        needs = f"needs {head['threshold']:.2f}"
        if "rules_between" in head:
            low, high = head["rules_between"]
            needs += f", the rules decide from {low:.2f}"
        lines.append(
            f"  {head['intent']} {verdict} ({head['probability']:.2f}, {needs}): "
            + feature_list(head["features"])
        )
    primary = reasons.get("primary")
    if primary:
        verdict = "first" if primary["decides"] else "the precedence orders them"
        lines.append(
            f"  primary {primary['intent']} ({primary['probability']:.2f}, {verdict}): "
            + feature_list(primary["features"])
        )
    if reasons["rules_decide"]:
        lines.append(f"  the rules decide: {', '.join(reasons['rules_decide'])}")
    # n-grams are post text: one line each, nothing a terminal acts on
    return [terminal_text(line, one_line=True) for line in lines]
