"""The shipped model as a starting point for a team's model (`earmark train`).

The n-gram family `words+shipped` (classify/team_grid.py) gives each head word unigrams and
the shipped model's outputs (its linear scores: sentiment and `question`, trained on
../shared/train's licence-clean sets, docs/model.md) as features. The model hashes words and
bigrams as the shipped model does, and the shipped scores are linear in those features, so a
head's weight on them folds into the team model's own weights: the file stays one linear model,
and classifying costs what words + bigrams cost. The team's own weights are fitted on the
buckets of word unigrams only (a bigram's bucket that collides with one counts, as it will when
classifying): as many columns as the `words` family, so training costs about what it costs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classify.features import DENSE_NAMES, FeatureSpec, Hasher, RuleOutputs
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


def unigram_buckets(cleans: Sequence[str], spec: FeatureSpec) -> np.ndarray:
    """The buckets of the word unigrams of scoring texts, sorted."""
    import dataclasses

    hasher = Hasher(dataclasses.replace(spec, bigrams=False, char_min=0, char_max=0))
    found: set[int] = set()
    for clean in cleans:
        found |= hasher.buckets(clean)
    return np.asarray(sorted(found), dtype=np.int64)


def fold(prior: LearnedModel, weights, dense, bias):
    """Fold heads' weights on the shipped model's scores (the rows of `dense` after
    DENSE_NAMES) into n-gram, dense and bias weights; return (weights, dense, bias)."""
    on_prior = dense[len(DENSE_NAMES) :]  # shipped outputs x team outputs
    weights = weights + prior.weights.astype(np.float64) @ on_prior
    own = dense[: len(DENSE_NAMES)] + prior.dense.astype(np.float64) @ on_prior
    return weights, own, bias + prior.bias.astype(np.float64) @ on_prior
