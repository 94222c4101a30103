"""What a spike is about: the terms over-represented in its posts, and example posts."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from export.formats.escape import one_line

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_TOKEN = re.compile(r"[#@]?[^\W_][\w'’-]*[^\W_]", re.UNICODE)
MIN_LIFT = 1.5  # a term must be this many times more frequent than in the baseline
EXAMPLE_WIDTH = 200

# Function words and social-media filler that never explain a spike.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't during each few for from further get got had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i i'm i've if in into is isn't it
    it's its itself just let's like me more most much my myself no nor not now of off on once
    only or other our ours ourselves out over own really rt same she should shouldn't so some
    still such than that that's the their theirs them themselves then there there's these they
    they're this those through to too under until up us very via was wasn't we we're were weren't
    what what's when where which while who whom why will with won't would wouldn't you you're
    your yours yourself yourselves amp http https www com one two im dont cant ive youre
    """.split()
)


def tokenize(text: str) -> list[str]:
    """Return the lowercase word, #hashtag and @handle tokens of a text, without URLs."""
    words = _TOKEN.findall(_URL.sub(" ", text.lower()))
    # Error codes (503) say what broke; longer numbers are ids, phone numbers and years.
    return [
        w.replace("’", "'")
        for w in words
        if len(w) >= 3 and w not in STOPWORDS and not (w.isdigit() and len(w) > 3)
    ]


def _document_frequency(texts: Iterable[str]) -> tuple[Counter, int]:
    counts: Counter = Counter()
    total = 0
    for text in texts:
        counts.update(set(tokenize(text or "")))
        total += 1
    return counts, total


def top_terms(recent: Sequence[str], baseline: Sequence[str], n: int = 5) -> list[str]:
    """Return up to n terms that appear in more recent posts than the baseline predicts.

    Score = df_recent * ln(rate_recent / rate_baseline), where df is the number of posts
    containing the term and rate_baseline is smoothed ((df + 1) / (posts + 2)) so a term
    never seen before still scores. A term must be in at least two recent posts (one post
    repeating itself is not a trend) and be more frequent than in the baseline; the topic's
    own search terms appear everywhere, so their ratio is ~1 and they drop out.
    """
    recent_df, recent_total = _document_frequency(recent)
    baseline_df, baseline_total = _document_frequency(baseline)
    if not recent_total:
        return []
    scored = []
    for term, df in recent_df.items():
        if df < 2 and recent_total > 1:
            continue
        rate = df / recent_total
        base = (baseline_df[term] + 1) / (baseline_total + 2)
        if rate < MIN_LIFT * base:
            continue
        scored.append((df * math.log(rate / base), df, term))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2]))
    return [term for _, _, term in scored[:n]]


def pick_examples(posts: Sequence[dict], terms: Sequence[str], n: int = 3) -> list[dict]:
    """Pick up to n example posts, preferring those that use the spike's top terms.

    posts come ordered by priority and reach (the store's order), which breaks ties.
    """
    wanted = set(terms)

    def hits(post: dict) -> int:
        return len(wanted & set(tokenize(post.get("text") or "")))

    ranked = sorted(enumerate(posts), key=lambda item: (-hits(item[1]), item[0]))
    return [
        {
            "id": post["id"],
            "url": post.get("url"),
            "author": post.get("author"),
            "created_at": post.get("created_at"),
            "text": one_line(post.get("text") or "", EXAMPLE_WIDTH),
        }
        for _, post in ranked[:n]
    ]
