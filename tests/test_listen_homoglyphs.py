"""Brand names in disguise: Cyrillic/Greek look-alikes mixed into a Latin word, zero-width and
other invisible characters, fullwidth and mathematical forms all match; unrelated words do not.

The look-alikes come from Unicode's confusables data (UTS #39) through the confusable_homoglyphs
package, not from the table in listen/textnorm.py; the invisible characters from unicodedata.
Only matching sees the folded form: stored text, full-text search and output keep the original.
"""

from __future__ import annotations

import json
import string
import unicodedata

import pytest
from click.testing import CliRunner
from confusable_homoglyphs import confusables
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.cli import cli
from earmark.config import Topic
from earmark.models import Post, utcnow
from listen.matcher import compile_topic, match_topics
from listen.query import parse_query
from listen.querytree import PostView
from listen.textnorm import normalize

NOW = utcnow()
ACME = Topic(name="acme", terms=["acme", "acme home", "@acmehelp", "#acmefail", "paypal"])


def matched_terms(topic: Topic, text: str) -> list[str] | None:
    post = Post(platform="x", native_id="1", text=text, created_at=NOW)
    matches = match_topics(post, [compile_topic(topic)])
    return matches[0].terms if matches else None


def _homoglyphs(latin: str) -> list[str]:
    found = confusables.is_confusable(latin, greedy=True, preferred_aliases=[])
    return [h["c"] for h in found[0]["homoglyphs"]] if found else []


def _cyrillic_or_greek_letter(char: str) -> bool:
    return len(char) == 1 and unicodedata.name(char, "").split(" ")[0] in ("CYRILLIC", "GREEK")


# Latin letter -> the Cyrillic and Greek letters UTS #39 says look like it (either case).
TWINS = {
    latin: [c for c in _homoglyphs(latin) if _cyrillic_or_greek_letter(c) and c.isalpha()]
    for latin in string.ascii_letters
}


def _base(char: str) -> str:
    """The character case-folded, without its accents (as matching sees it)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _readings(char: str) -> set[str]:
    """The Latin letters (lower case) a case-folded character may stand for, per UTS #39."""
    return {
        latin.lower()
        for latin, twins in TWINS.items()
        for twin in twins
        if _base(twin) == _base(char)
    }


# Matching is case-blind, so a twin whose two cases read as different Latin letters (Greek
# "Ν" is N, "ν" is v; Cyrillic "І" is l, "і" is i) has no single reading: left out here.
UNAMBIGUOUS = {
    latin: [
        c for c in twins if len(_readings(c)) == 1 and len(unicodedata.normalize("NFKD", c)) == 1
    ]
    for latin, twins in TWINS.items()
}
ALL_TWINS = sorted({c for twins in TWINS.values() for c in twins})
INVISIBLE = [chr(c) for c in range(0xA0, 0x10000) if unicodedata.category(chr(c)) == "Cf"] + [
    "\u034f",
    "\u115f",
    "\u3164",
    "\ufe0f",
    "\U000e0041",
    "\U000e0100",
]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("\u0430cme is down again", ["acme"]),  # the Cyrillic а
        ("\u0391CME down", ["acme"]),  # Greek capital alpha
        ("\u0430\u0441m\u0435 outage", ["acme"]),  # three of four letters Cyrillic
        ("ac\u200bme is down", ["acme"]),  # zero-width space
        ("ac\u00adme", ["acme"]),  # soft hyphen
        ("\ufeffacme\u2060", ["acme"]),  # BOM, word joiner
        ("a\u200dc\u200cm\u200ee", ["acme"]),  # joiners and a bidi mark
        ("ac\u3164me", ["acme"]),  # Hangul filler, a "letter" that shows nothing
        ("\uff41\uff43\uff4d\uff45 rocks", ["acme"]),  # fullwidth
        ("\U0001d41a\U0001d41c\U0001d426\U0001d41e", ["acme"]),  # mathematical bold
        ("\u0430cm\u0435 h\u043em\u0435 hub", ["acme", "acme home"]),
        ("thanks @\u0430cmehelp", ["@acmehelp"]),
        ("#\u0430cmefail", ["#acmefail"]),
        ("p\u0430yp\u0430l scam", ["paypal"]),
        ("\u0440ayp\u0430l", ["paypal"]),
    ],
)
def test_disguised_brand_names_match(text, terms):
    assert matched_terms(ACME, text) == terms


@pytest.mark.parametrize(
    "text",
    [
        "\u0430cmeist poetry",  # still a longer word
        "acne cream",
        "ac me",  # a visible space still separates words
        "ac\u00a0me",
        "\u0410\u0421\u041c\u0415",  # all Cyrillic: also a Russian-looking word, left alone
        "\u0441\u043e\u0440 \u0432\u043e\u0442 \u0440\u0443\u043a\u0430",  # Russian words
        "x\u0430cme",
        "paypal\u0430",  # a look-alike glued on makes a different word
        "ac\u0431me",  # Cyrillic be has no Latin twin
    ],
)
def test_other_words_do_not_match(text):
    assert matched_terms(ACME, text) is None


def test_russian_words_made_of_look_alikes_do_not_match_english_terms():
    # "вот" reads BOT in capitals, "сор" reads cop, "рост" reads poct: none of them is English.
    topic = Topic(name="t", terms=["bot", "cop", "pop", "hot", "kot"])
    russian = ["\u0412\u041e\u0422 \u0442\u0430\u043a", "\u0441\u043e\u0440", "\u0440\u043e\u043f"]
    russian += ["\u043d\u043e\u0442", "\u041a\u041e\u0422 acme"]
    for text in russian:
        assert matched_terms(topic, text) is None, text


def test_cyrillic_terms_still_match_cyrillic_text():
    topic = Topic(name="sber", terms=["\u0441\u0431\u0435\u0440", "\u0432\u043e\u0442"])
    assert matched_terms(topic, "\u0421\u0431\u0435\u0440 \u043b\u0435\u0436\u0438\u0442") == [
        "\u0441\u0431\u0435\u0440"
    ]
    assert matched_terms(topic, "\u0432\u043e\u0442 \u0442\u0430\u043a") == ["\u0432\u043e\u0442"]
    assert matched_terms(topic, "bot") is None


def test_queries_see_the_same_folding():
    query = parse_query('acme AND ("not working" OR down) NOT author:acmehelp')
    post = Post(
        platform="x",
        native_id="1",
        text="\u0430cme is n\u043et\u200b working",
        author="\u0430cmefan",
        created_at=NOW,
    )
    assert query.evaluate(PostView(post)) == {"acme", "not working"}
    staff = Post(platform="x", native_id="2", text="acme down", author="@AcmeHelp", created_at=NOW)
    assert query.evaluate(PostView(staff)) is None
    # A handle is an identity: a look-alike handle is another account (an impostor, maybe), so
    # author: does not fold it, and the impostor's post is not mistaken for the brand's own.
    impostor = Post(
        platform="x", native_id="3", text="\u0430cme down", author="@\u0430cmehelp", created_at=NOW
    )
    assert query.evaluate(PostView(impostor)) == {"acme", "down"}


def test_every_fold_is_a_unicode_confusable():
    """No Cyrillic or Greek letter is turned into a Latin letter it does not look like."""
    blocks = [*range(0x370, 0x400), *range(0x400, 0x530), *range(0x1D26, 0x1D2B)]
    blocks += [*range(0x1F00, 0x2000), *range(0xA640, 0xA6A0)]
    folded = 0
    for cp in blocks:
        char = chr(cp)
        if not char.isalpha():
            continue
        result = normalize("m" + char)
        if result[1:].isascii() and result[1:].isalpha() and len(result) == 2:
            folded += 1
            assert result[1] in _readings(char), (hex(cp), result)
    assert folded >= 40  # the table is really in use


@settings(max_examples=150, deadline=None)
@given(data=st.data(), word=st.text(alphabet="abcdefghjkmnopqrstuvwxyz", min_size=3, max_size=10))
def test_any_unambiguous_disguise_of_a_word_matches(data, word):
    """Swap letters for UTS #39 twins (keeping at least one Latin letter), change case, and sprinkle
    invisible characters: the plain word still matches, and a longer word still does not."""
    keep = data.draw(st.integers(0, len(word) - 1))
    out = []
    for i, letter in enumerate(word):
        twins = UNAMBIGUOUS[letter] + UNAMBIGUOUS[letter.upper()]
        if i != keep and twins and data.draw(st.booleans()):
            out.append(data.draw(st.sampled_from(twins)))
        else:
            out.append(letter.upper() if data.draw(st.booleans()) else letter)
        if data.draw(st.integers(0, 3)) == 0:
            out.append(data.draw(st.sampled_from(INVISIBLE)))
    disguised = "".join(out)
    topic = Topic(name="t", terms=[word])
    assert matched_terms(topic, f"so {disguised} is down") == [word], disguised
    assert matched_terms(topic, f"so {disguised}q is down") is None, disguised


@given(text=st.text(max_size=60), glyphs=st.lists(st.sampled_from(ALL_TWINS), max_size=4))
def test_normalize_stays_idempotent_with_look_alikes(text, glyphs):
    mixed = text + "a" + "".join(glyphs) + "b " + "".join(glyphs)
    assert normalize(normalize(mixed)) == normalize(mixed)


def test_stored_text_and_full_text_search_keep_the_original(tmp_path):
    config = tmp_path / "earmark.yaml"
    feed = tmp_path / "posts.jsonl"
    text = "\u0430cme is down in Leeds"
    feed.write_text(
        json.dumps({"platform": "x", "id": "1", "text": text, "created_at": "2026-01-01T00:00:00Z"})
        + "\n"
    )
    config.write_text(
        f"topics:\n  - {{name: acme, kind: brand, terms: [acme]}}\n"
        f"sources:\n  file: {{path: {feed}}}\n"
    )
    base = ["-c", str(config), "--db", str(tmp_path / "e.db")]
    runner = CliRunner()
    listened = runner.invoke(cli, [*base, "listen"], env={"EARMARK_NOW": "2026-01-01T01:00:00Z"})
    assert listened.exit_code == 0, listened.output
    by_topic = runner.invoke(cli, [*base, "posts", "--topic", "acme", "-f", "jsonl"])
    assert [json.loads(line)["text"] for line in by_topic.stdout.splitlines()] == [text]
    by_fts = runner.invoke(cli, [*base, "posts", "--match", "Leeds", "-f", "jsonl"])
    assert [json.loads(line)["text"] for line in by_fts.stdout.splitlines()] == [text]
    exact = runner.invoke(cli, [*base, "posts", "--match", "\u0430cme", "-f", "jsonl"])
    assert [json.loads(line)["text"] for line in exact.stdout.splitlines()] == [text]
