"""Features of the learned layer: stable hashing, unit-length n-gram values, handles never seen."""

from __future__ import annotations

import binascii
import math
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from classify.features import (
    DENSE_NAMES,
    FeatureSpec,
    Hasher,
    rule_outputs,
    to_bucket,
    to_clean,
    to_dense,
    to_hashed,
    to_ngrams,
)

SPECS = [FeatureSpec(), FeatureSpec(char_min=3, char_max=5, dim=1 << 10)]


def test_buckets_are_crc32_of_the_utf8_name():
    # binascii.crc32 is an independent implementation of the same checksum as zlib.crc32
    for name in ("w:waiting", "b:still waiting", "c: wa", "w:😡"):
        assert to_bucket(name, 1 << 18) == binascii.crc32(name.encode()) % (1 << 18)


def test_buckets_are_the_same_in_another_process_with_another_hash_seed():
    code = (
        "from classify.features import FeatureSpec, to_clean, to_hashed;"
        "print(to_hashed(to_clean('still waiting on my refund @acme'), FeatureSpec())[0])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    here = str(to_hashed(to_clean("still waiting on my refund @acme"), FeatureSpec())[0])
    assert outputs == {here + "\n"}


def test_ngrams_of_a_post():
    names = to_ngrams(to_clean("@AcmeHelp still waiting?! https://t.co/x"), FeatureSpec())
    assert names == [
        "w:@",
        "w:user",
        "w:still",
        "w:waiting",
        "w:?!",
        "b:<s> @",
        "b:@ user",
        "b:user still",
        "b:still waiting",
        "b:waiting ?!",
        "b:?! </s>",
    ]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.sampled_from(SPECS))
def test_any_text_gives_distinct_in_range_buckets_of_unit_length(text, spec):
    buckets, value = to_hashed(to_clean(text), spec)
    assert buckets == sorted(set(buckets))
    assert all(0 <= b < spec.dim for b in buckets)
    if buckets:
        assert math.isclose(value * value * len(buckets), 1.0)
    else:
        assert value == 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"@[A-Za-z0-9_]{1,15}", fullmatch=True),
    st.from_regex(r"@[A-Za-z0-9_]{1,15}", fullmatch=True),
    st.text(max_size=60),
)
def test_which_handle_a_post_names_changes_no_feature(first, second, text):
    spec = FeatureSpec(char_min=3, char_max=5)
    assert to_ngrams(to_clean(f"{first} {text}"), spec) == to_ngrams(
        to_clean(f"{second} {text}"), spec
    )


def test_dense_features_follow_the_rules():
    rules = rule_outputs(to_clean("still waiting for my refund, unacceptable"))
    values = dict(zip(DENSE_NAMES, to_dense(rules), strict=True))
    assert len(values) == len(DENSE_NAMES)
    assert values["vader:compound"] == rules.compound < 0
    assert values[f"rules:sentiment={rules.label}"] == 1.0
    assert values["rules:intent=complaint"] == dict(rules.intents)["complaint"] > 0


_SHARED_HASHERS = {spec: Hasher(spec, size=50) for spec in SPECS}  # small: tables get emptied


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["still", "waiting", "?", "refund", "😡", "acme"]), max_size=12).map(
        " ".join
    )
    | st.text(max_size=80),
    st.sampled_from(SPECS),
)
def test_the_remembering_hasher_gives_the_buckets_of_the_named_ngrams(text, spec):
    clean = to_clean(text)
    expected = {to_bucket(name, spec.dim) for name in to_ngrams(clean, spec)}
    assert _SHARED_HASHERS[spec].buckets(clean) == expected
