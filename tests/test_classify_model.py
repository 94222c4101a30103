"""The learned layer: numpy scoring agrees with scikit-learn, files are reproducible, errors."""

from __future__ import annotations

import functools
import hashlib
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classify.features import FeatureSpec, RuleOutputs, to_clean
from classify.model import LearnedModel, ModelError, shipped_model_path
from earmark.models import INTENTS, SENTIMENTS

sklearn = pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")

from classify.training import fit_labels, save, to_matrix  # noqa: E402

POSTS = [
    ("still waiting for my refund, three weeks now", "negative", ["complaint"]),
    ("the app is down again, cannot log in", "negative", ["outage", "complaint"]),
    ("worst service ever, nobody answers the phone", "negative", ["complaint"]),
    ("my bill went up without warning, not happy", "negative", ["complaint"]),
    ("engineer did not turn up. again.", "negative", ["complaint"]),
    ("website crashed at checkout, error 500", "negative", ["outage"]),
    ("payment page keeps failing with an error", "negative", ["outage"]),
    ("how do I change my delivery address?", "neutral", ["question"]),
    ("what time does the store open on sunday?", "neutral", ["question"]),
    ("can I add a bag to my booking?", "neutral", ["question"]),
    ("is there a student discount?", "neutral", ["question", "purchase_intent"]),
    ("where do I find my invoice?", "neutral", ["question"]),
    ("the parcel arrived today", "neutral", ["other"]),
    ("thank you, the crew was wonderful", "positive", ["praise"]),
    ("great job on the new update, love it", "positive", ["praise"]),
    ("refund came through without asking, nice one", "positive", ["praise"]),
    ("brilliant support today, sorted in minutes", "positive", ["praise"]),
    ("love the new menu, thanks team", "positive", ["praise"]),
    ("excellent flight, friendly staff", "positive", ["praise"]),
] * 2


def small_model(posts=POSTS, spec=FeatureSpec(dim=1 << 12)) -> LearnedModel:
    return fit_labels(
        [p[0] for p in posts], [p[1] for p in posts], [p[2] for p in posts], spec, 1.0, "t"
    )


def test_numpy_scores_equal_scikit_learns_probabilities():
    from sklearn.linear_model import LogisticRegression

    spec = FeatureSpec(dim=1 << 12, char_min=3, char_max=4)
    texts = [p[0] for p in POSTS]
    model = small_model(spec=spec)
    reference = LogisticRegression(C=1.0, max_iter=2000)
    reference.fit(to_matrix(texts, spec), [p[1] for p in POSTS])
    unseen = ["my refund is still not here", "thanks, love it", "what time do you open?", ""]
    expected = reference.predict_proba(to_matrix(unseen, spec))
    got = model.score(unseen)["sentiment"]
    assert list(reference.classes_) == list(model.heads["sentiment"].labels)
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_same_data_same_seed_same_bytes(tmp_path):
    first = save(small_model(), tmp_path / "a.zip")
    second = save(small_model(), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first == second == hashlib.sha256((tmp_path / "a.zip").read_bytes()).hexdigest()
    other = save(small_model(POSTS[:-1]), tmp_path / "c.zip")
    assert other != first


def test_a_saved_model_scores_as_the_fitted_one(tmp_path):
    model = small_model()
    digest = save(model, tmp_path / "team.zip")
    loaded = LearnedModel.load(tmp_path / "team.zip")
    assert loaded.identity == f"t@{digest[:12]}"
    texts = ["is the app down?", "thank you so much", "still waiting"]
    for name, probs in model.score(texts).items():
        np.testing.assert_allclose(loaded.score(texts)[name], probs, atol=1e-5)


def test_intents_come_primary_first_with_probabilities():
    model = small_model()
    assert set(model.intents) == {"complaint", "outage", "question", "praise"}
    found = model.score_intents(["the app is down again and nobody answers, how do I log in?"])[0]
    names = [name for name, _ in found]
    order = ["outage", "churn_risk", "complaint", "question", "praise"]
    assert names == sorted(names, key=order.index)
    assert all(0.5 <= p <= 1 for _, p in found)


def test_explain_names_features_of_the_text_and_never_the_handle():
    model = small_model()
    explained = model.explain("@AcmeHelp still waiting for my refund", top=4)
    assert set(explained) == {
        "sentiment:negative",
        "sentiment:neutral",
        "sentiment:positive",
        "complaint",
        "outage",
        "question",
        "praise",
    }
    negative = explained["sentiment:negative"]
    assert len(negative) == 4
    assert all("acmehelp" not in feature.lower() for feature, _ in negative)
    weights = [abs(w) for _, w in negative]
    assert weights == sorted(weights, reverse=True)
    # each named n-gram is one of the text's own
    grams = {f'"{w}"' for w in to_clean("@user still waiting for my refund").lower().split()}
    named = [f for f, _ in negative if f.startswith('"') and " " not in f.strip('"')]
    assert set(named) <= grams | {'"@"', '"user"'}


def test_a_missing_model_file_is_one_line(tmp_path):
    with pytest.raises(ModelError) as error:
        LearnedModel.load(tmp_path / "nope.zip")
    assert (
        str(error.value) == f"model: cannot read {tmp_path / 'nope.zip'}: No such file or directory"
    )


@pytest.mark.parametrize("payload", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_a_corrupt_model_file_is_one_line(tmp_path, payload):
    path = tmp_path / "bad.zip"
    path.write_bytes(payload)
    with pytest.raises(ModelError) as error:
        LearnedModel.load(path)
    message = str(error.value)
    assert message.startswith(f"model: {path} is not an earmark model file (")
    assert message.endswith("write one with `python -m classify.training`")
    assert "\n" not in message


def test_a_model_missing_an_array_is_refused(tmp_path):
    save(small_model(), tmp_path / "m.zip")
    with (
        zipfile.ZipFile(tmp_path / "m.zip") as source,
        zipfile.ZipFile(tmp_path / "cut.zip", "w") as cut,
    ):
        for name in source.namelist():
            if name != "dense.npy":
                cut.writestr(name, source.read(name))
    with pytest.raises(ModelError, match="is not an earmark model file"):
        LearnedModel.load(tmp_path / "cut.zip")


@pytest.mark.skipif(not shipped_model_path().exists(), reason="no shipped model built yet")
def test_the_shipped_model_scores_probabilities():
    model = LearnedModel.load()
    assert model.identity.startswith("earmark-default@")
    probs = model.score(["acme down lol", "ok", "thank you so much!", ""])
    np.testing.assert_allclose(probs["sentiment"].sum(axis=1), 1.0, atol=1e-6)
    assert ((probs["question"] >= 0) & (probs["question"] <= 1)).all()
    assert shipped_model_path().stat().st_size < 20 * 1024 * 1024


@functools.cache
def _per_post_model() -> LearnedModel:
    # every family: word bigrams and character n-grams, the dense features, intent heads
    return small_model(spec=FeatureSpec(dim=1 << 12, char_min=3, char_max=4))


_RULES = st.builds(
    RuleOutputs,
    compound=st.floats(-1, 1),
    pos=st.floats(0, 1),
    neu=st.floats(0, 1),
    neg=st.floats(0, 1),
    label=st.sampled_from([*SENTIMENTS, "unsupported", ""]),
    intents=st.lists(
        st.tuples(st.sampled_from([*INTENTS, "my_team_intent"]), st.floats(0, 1)),
        unique_by=lambda item: item[0],
        max_size=4,
    ).map(tuple),
    care_cues=st.integers(0, 6),
)


@given(text=st.text(max_size=200), rules=_RULES)
@settings(max_examples=300, deadline=None)
def test_the_per_post_path_scores_as_the_batch_path(text, rules):
    """logits_one (the classify stage's path: plain Python over the non-zero rows) gives the
    numbers of logits (numpy, the batch path of score and evaluate) for any text and any
    rules' outputs, including labels and intents that are no feature."""
    model = _per_post_model()
    clean = to_clean(text)
    expected = model.logits([clean], [rules], cleaned=True)[0]
    np.testing.assert_allclose(model.logits_one(clean, rules), expected, rtol=1e-9, atol=1e-9)
