"""The shipped model as a starting point for a team's model (`earmark train`).

The n-gram family `words+bigrams+shipped` (classify/team_grid.py) gives each head the shipped
model's outputs (its linear scores: sentiment and `question`, trained on ../shared/train's
licence-clean sets, docs/model.md) as extra features. The shipped model hashes words and
bigrams exactly as that family does, and its scores are linear in the same features, so a
head's weight on them folds into the team model's own weights: the file stays one linear model,
and classifying costs what words + bigrams cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classify.features import DENSE_NAMES, FeatureSpec, RuleOutputs
from classify.model import LearnedModel, ModelError


def load_prior(spec: FeatureSpec) -> LearnedModel | None:
    """The shipped model, if it can serve as features of a model hashed with `spec`."""
    try:
        shipped = LearnedModel.load()
    except ModelError:
        return None
    return shipped if shipped.spec == spec else None


def prior_columns(prior: LearnedModel, cleans: Sequence[str], rules: Sequence[RuleOutputs]):
    """The shipped model's linear scores of scoring texts, as sparse columns to append."""
    from scipy import sparse

    return sparse.csr_matrix(prior.logits(cleans, rules, cleaned=True))


def fold(prior: LearnedModel, weights, dense, bias):
    """Fold heads' weights on the shipped model's scores (the rows of `dense` after
    DENSE_NAMES) into n-gram, dense and bias weights; return (weights, dense, bias)."""
    on_prior = dense[len(DENSE_NAMES) :]  # shipped outputs x team outputs
    weights = weights + prior.weights.astype(np.float64) @ on_prior
    own = dense[: len(DENSE_NAMES)] + prior.dense.astype(np.float64) @ on_prior
    return weights, own, bias + prior.bias.astype(np.float64) @ on_prior
