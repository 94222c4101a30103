"""The Boolean query language: syntax, errors with columns, evaluation, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from earmark.configload import ConfigError
from earmark.models import Post, utcnow
from listen.query import (
    MAX_DEPTH,
    And,
    Field,
    Near,
    Not,
    Or,
    PostView,
    QueryError,
    Term,
    parse_query,
    query_terms,
    render,
)

NOW = utcnow()


def ev(query: str, text: str, **fields) -> list[str] | None:
    values = {"platform": "x", "native_id": "1", "text": text, "created_at": NOW, **fields}
    found = parse_query(query).evaluate(PostView(Post(**values)))
    return None if found is None else sorted(found)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("acme AND outage", "Acme outage in Leeds", ["acme", "outage"]),
        ("acme AND outage", "acme is fine", None),
        ("acme outage", "outage at ACME", ["acme", "outage"]),  # implicit AND
        ("acme OR globex", "globex only", ["globex"]),
        ("acme OR globex", "both acme and globex", ["acme", "globex"]),
        ("acme NOT meme", "acme meme", None),
        ("acme NOT meme", "acme news", ["acme"]),
        ("acme AND NOT (meme OR anvil)", "acme anvil", None),
        ("acme and globex", "acme and globex", ["acme", "and", "globex"]),  # lower case: words
        ('"not working"', "it's NOT  working!", ["not working"]),
        ('"not working"', "working, not", None),
        ("refund*", "Refunded?", ["refund*"]),
        ("refund*", "refun", None),
        ("(acme OR globex) AND (down OR outage)", "globex down", ["down", "globex"]),
        ("café", "CAFE open", ["café"]),
    ],
)
def test_boolean_operators(query, text, expected):
    assert ev(query, text) == expected


@pytest.mark.parametrize(
    ("query", "text", "matches"),
    [
        ("acme NEAR/0 down", "acme down", True),
        ("acme NEAR/0 down", "down acme", True),
        ("acme NEAR/0 down", "acme is down", False),
        ("acme NEAR/2 down", "acme is totally down", True),
        ("acme NEAR/1 down", "acme is totally down", False),
        ("acme ONEAR/2 down", "acme is totally down", True),
        ("down ONEAR/2 acme", "acme is totally down", False),
        ('"acme app" NEAR/1 crash*', "the Acme App keeps crashing", True),
        ("(acme OR globex) NEAR/1 (outage OR down)", "is Globex really down", True),
        ("(acme NEAR/1 app) NEAR/3 refund", "acme mobile app, want refund", True),
        ("acme NEAR/3 acme", "acme", False),  # one occurrence is not near itself
        ("acme NEAR/3 acme", "acme vs acme", True),
    ],
)
def test_near_and_ordered_near_count_words_in_between(query, text, matches):
    assert (ev(query, text) is not None) is matches


def test_field_operators():
    post = {
        "author": "@AcmeHelp",
        "lang": "en-GB",
        "url": "https://www.reddit.com/r/acme/comments/1",
        "platform": "reddit",
    }
    assert ev("author:acmehelp", "hi", **post) == ["author:acmehelp"]
    assert ev("author:@acme*", "hi", **post) == ["author:@acme*"]
    assert ev("author:acme", "hi", **post) is None
    assert ev("lang:en", "hi", **post) == ["lang:en"]
    assert ev("lang:fr", "hi", **post) is None
    assert ev("site:reddit.com", "hi", **post) == ["site:reddit.com"]
    assert ev("site:www.reddit.com", "hi", **post) == ["site:www.reddit.com"]
    assert ev("site:dit.com", "hi", **post) is None
    assert ev("url:r/acme", "hi", **post) == ["url:r/acme"]
    assert ev("url:*/comments/*", "hi", **post) == ["url:*/comments/*"]
    assert ev("platform:reddit acme", "acme", **post) == ["acme", "platform:reddit"]
    assert ev('author:"AcmeHelp"', "hi", **post) == ["author:AcmeHelp"]
    assert ev("acme NOT author:acmehelp", "acme", **post) is None
    assert ev("site:reddit.com", "hi", platform="x") is None  # no url at all


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("acme AND (foo",
         "query error at column 14: expected ')'\n  acme AND (foo\n               ^"),
        ("acme)",
         "query error at column 5: unexpected ')' without a matching '('\n  acme)\n      ^"),
        ("", "query error at column 1: the query is empty\n  \n  ^"),
        ("acme OR", "query error at column 8: unexpected end of query: expected a term, phrase "
         "or '('\n  acme OR\n         ^"),
        ('acme "down', "query error at column 6: unterminated quoted phrase: add the closing "
         "'\"'\n  acme \"down\n       ^"),
        ("acme NEAR down", "query error at column 6: NEAR needs a distance, e.g. NEAR/3\n"
         "  acme NEAR down\n       ^"),
        ("acme NEAR/2 author:bob", "query error at column 13: NEAR/2 needs words or phrases on "
         "both sides, not fields, AND or NOT\n  acme NEAR/2 author:bob\n              ^"),
        ("() acme", "query error at column 2: empty parentheses\n  () acme\n   ^"),
        ("lang: acme", "query error at column 1: lang: needs a value\n  lang: acme\n  ^"),
        ("acme AND !!!", "query error at column 10: nothing to search for in '!!!'\n"
         "  acme AND !!!\n           ^"),
        ("acme AND\n(foo", "query error at line 2, column 5: expected ')'"),  # no caret: 2 lines
    ],
)  # fmt: skip
def test_syntax_errors_point_at_the_column(query, message):
    with pytest.raises(QueryError) as error:
        parse_query(query)
    assert str(error.value) == message
    assert isinstance(error.value, ConfigError)


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(QueryError) as error:
        parse_query("(" * 500 + "acme" + ")" * 500)
    assert str(error.value).startswith(
        f"query error at column {MAX_DEPTH + 1}: the query nests more than {MAX_DEPTH} levels deep"
    )
    with pytest.raises(QueryError):
        parse_query("NOT " * 500 + "acme")


def test_precedence_near_then_not_then_and_then_or():
    assert parse_query("a OR b c") == Or((Term("a"), And((Term("b"), Term("c")))))
    assert parse_query("NOT a NEAR/2 b") == Not(Near(Term("a"), Term("b"), 2))
    assert parse_query("a b NOT c") == And((Term("a"), Term("b"), Not(Term("c"))))
    assert parse_query('x ONEAR/5 "y z"') == Near(Term("x"), Term("y z", phrase=True), 5, True)


def test_query_terms_lists_the_positive_words():
    node = parse_query('acme AND ("not working" OR down*) NOT meme lang:en')
    assert query_terms(node) == ["acme", "not working", "down*"]


# --- properties --------------------------------------------------------------------------------


PIECES = [*'ab "()*:@#-/ANDORNTE13\n', "NEAR/2", "ONEAR/0", "author:", "NOT ", " AND ", " OR "]


@settings(max_examples=300)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_parsing_any_string_raises_nothing_but_query_error(query):
    try:
        parse_query(query)
    except QueryError:
        pass


@settings(max_examples=100)
@given(st.text(max_size=40))
def test_parsing_arbitrary_unicode_raises_nothing_but_query_error(query):
    try:
        parse_query(query)
    except QueryError:
        pass


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
TERMS = st.one_of(
    st.builds(Term, WORDS),
    st.builds(Term, WORDS.map(lambda w: w + "*")),
    st.builds(Term, WORDS.map(lambda w: "@" + w)),
    st.builds(
        lambda a, b: Term(f"{a} {b}", phrase=True),
        WORDS,
        WORDS,
    ),
)
FIELDS = st.builds(
    Field,
    st.sampled_from(["author", "lang", "site", "url", "platform"]),
    st.one_of(WORDS, st.builds(lambda a, b: f"{a} {b}", WORDS, WORDS)),
)
POSITIONAL = st.recursive(
    TERMS,
    lambda inner: st.one_of(
        st.builds(lambda c: Or(tuple(c)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(Near, inner, inner, st.integers(0, 20), st.booleans()),
    ),
    max_leaves=6,
)
TREES = st.recursive(
    st.one_of(POSITIONAL, FIELDS),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(lambda c: And(tuple(c)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda c: Or(tuple(c)), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=10,
)


@given(TREES)
def test_render_then_parse_gives_the_same_tree(tree):
    text = render(tree)
    assert parse_query(text) == tree
    assert render(parse_query(text)) == text


@given(TREES, st.text(alphabet="abcdefghij0123456789 ", max_size=40))
def test_rendered_queries_evaluate_like_the_tree(tree, text):
    post = Post(platform="x", native_id="1", text=text, created_at=NOW)
    view = PostView(post)
    assert parse_query(render(tree)).evaluate(view) == tree.evaluate(view)


# --- mistyped fields and proximity operators (issue #16, item 13) -----------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("acme NOT autor:acmehelp",
         "query error at column 10: 'autor:' in 'autor:acmehelp' is not a field (fields: "
         "author, lang, site, url, platform); to search for the text, quote it: "
         "\"autor:acmehelp\"\n  acme NOT autor:acmehelp\n           ^"),
        ("foo:bar acme",
         "query error at column 1: 'foo:' in 'foo:bar' is not a field (fields: author, lang, "
         "site, url, platform); to search for the text, quote it: \"foo:bar\"\n"
         "  foo:bar acme\n  ^"),
        ("Lang:en acme",
         "query error at column 1: 'Lang:' in 'Lang:en' is not a field (write lang:); to search "
         "for the text, quote it: \"Lang:en\"\n  Lang:en acme\n  ^"),
        ('acme autor:"Acme Help"',
         "query error at column 6: 'autor:' in 'autor:' is not a field (fields: author, lang, "
         "site, url, platform); to search for the text, quote it: \"autor:\"\n"
         "  acme autor:\"Acme Help\"\n       ^"),
        ("acme NEAR/x down",
         "query error at column 6: 'NEAR/x' is not a proximity operator: write NEAR/ and a "
         "number of words, e.g. NEAR/3; to search for the text, quote it: \"NEAR/x\"\n"
         "  acme NEAR/x down\n       ^"),
        ("acme ONEAR/3x down",
         "query error at column 6: 'ONEAR/3x' is not a proximity operator: write ONEAR/ and a "
         "number of words, e.g. ONEAR/3; to search for the text, quote it: \"ONEAR/3x\"\n"
         "  acme ONEAR/3x down\n       ^"),
        ("acme near/2 down",
         "query error at column 6: 'near/2' is not a proximity operator: write NEAR/ and a "
         "number of words, e.g. NEAR/3; to search for the text, quote it: \"near/2\"\n"
         "  acme near/2 down\n       ^"),
    ],
)  # fmt: skip
def test_mistyped_fields_and_proximity_operators_are_errors(query, message):
    with pytest.raises(QueryError) as error:
        parse_query(query)
    assert str(error.value) == message


def test_the_error_names_the_topic_in_the_config(tmp_path):
    from earmark.cli.configfile import load_config

    path = tmp_path / "earmark.yaml"
    path.write_text('topics:\n  - name: acme\n    query: "acme autor:acmehelp"\n', "utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(
        f"{path}: topics[0].query: topic 'acme': query error at column 6: 'autor:' in "
        "'autor:acmehelp' is not a field"
    )


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("acme 10:30", ["acme", "10:30"]),
        ("acme https://acme.example/status", ["acme", "https://acme.example/status"]),
        ('"foo:bar" acme', ["foo:bar", "acme"]),
        ('"NEAR/x"', ["NEAR/x"]),
        ("@acme: #acme:", ["@acme:", "#acme:"]),
        ("2024:q3", ["2024:q3"]),
    ],
)
def test_times_urls_and_quoted_text_with_colons_stay_terms(query, terms):
    assert query_terms(parse_query(query)) == terms


@settings(max_examples=60)
@given(
    st.one_of(
        st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
        st.builds(
            "{}://{}.example/{}".format,
            st.sampled_from(["http", "https", "ftp", "Http"]),
            WORDS,
            WORDS,
        ),
        st.builds('"{}:{}"'.format, WORDS, WORDS),
    )
)
def test_no_time_url_or_quoted_colon_is_a_field_error(word):
    assert query_terms(parse_query(f"acme {word}")) == ["acme", word.strip('"')]


@settings(max_examples=60)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=1, max_size=10).filter(
        lambda name: name not in ("author", "lang", "site", "url", "platform")
    ),
    WORDS,
)
def test_any_unknown_letters_prefix_is_an_error(name, value):
    with pytest.raises(QueryError) as error:
        parse_query(f"acme {name}:{value}")
    assert error.value.column == 6
    assert error.value.reason.startswith(f"'{name}:' in '{name}:{value}' is not a field")
