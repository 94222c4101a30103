"""Sentiment: VADER with customer-care adjustments.

Stock VADER misreads posts written to brands in several ways, each fixed here by a general rule:
- names carry sentiment ("united" +1.8, "care"/"support" in "customer care"): the caller strips
  handles, links and neutral terms first (classify.text.to_scoring_text);
- politeness inside complaints ("please help", "thanks", "hope") reads as praise: in a post with
  a complaint signal those words score 0;
- plain questions with only a mild word in them are neutral (the labeling rule), and so is a
  one-word acknowledgement ("ok", "k", "cool"): agreeing is not praise;
- laughter ("lol", "lmao") next to a failure is a shrug, not joy ("acme down lol");
- care phrases ("still waiting", "no response", "cancelled", "lost my bag", "on hold", "refund")
  are neutral or mild in VADER's general lexicon but plainly negative toward a brand: each adds
  a negative valence, and praise words next to them are damped (mostly sarcasm: "great service,
  2 hours on hold"). A refund or compensation given unasked is good news: "money" does not
  count then.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from classify.care_cues import CARE_CUES, GOODWILL
from classify.cues import CueIndex
from classify.outage_cues import OUTAGE
from classify.text import to_words
from classify.vader import score_valence, token_valences
from earmark.settings.classify import ClassifySettings

# Words of customer-care register whose general-lexicon valence is misleading in posts to a brand.
CARE_LEXICON = {
    "united": 0.0,  # an airline before it is a feeling
    "help": 0.0,  # "help me with my booking" is a request, not praise
    "please": 0.0,
    "pay": 0.0,  # "can I pay by card", "Apple Pay": a transaction, not a loss
    "credit": 0.0,  # "credit card", "store credit"
    "pls": 0.0,
    "plz": 0.0,
}
# Laughter next to a failure is a shrug, not joy ("acme down lol", "app crashed again 😂").
LAUGHTER = frozenset("lol lolol lols lmao lmfao rofl haha hahaha hahahaha".split())
_LAUGHING_EMOJI = re.compile("[\U0001f602\U0001f923\U0001f639\U0001f606\U0001f605]")
# Polite words (and laughter) that say nothing about satisfaction once the post complains.
POLITE_WORDS = (
    frozenset(
        "thanks thank thx ty tks appreciate appreciated kindly hope hoping hopefully sorry "
        "ok okay yes".split()
    )
    | LAUGHTER
)

_CARE_INDEX = CueIndex([(name, rule) for name, rules in CARE_CUES.items() for rule in rules])
_GOODWILL_INDEX = CueIndex([("goodwill", GOODWILL)])
# Only run on posts that laugh and have no care cue: does the post report a failure?
_OUTAGE_INDEX = CueIndex([("outage", rule) for rule in OUTAGE])
# A whole post that only acknowledges ("ok", "k.", "@user cool"): VADER reads "ok" as +1.2.
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:@user[\s.,!]*)*(?:ok|okay|k|kk|okie|okey|okk|cool|sure|fine|alright|noted|gotcha"
    r"|understood)(?:[\s.,!\u2026]|@user)*$"
)
# Plain questions and requests are neutral. VADER reads mild words in them ("can I
# get a window seat please?") as feeling; below this |compound| a question with no care cue is
# neutral.
QUESTION_NEUTRAL_BELOW = 0.4
_QUESTION = re.compile(
    r"\?\s*$|^(?:\W*@user)*\W*(?:how|what|when|where|who|which)\b"
    r"|^\W*(?:is|are|can|could|would|will|do|does|did|should|any)\b"
)
CARE_VALENCE = -1.6
MAX_CARE_CUES = 3
SARCASM_DAMPING = 0.3  # praise words next to care cues keep this share of their valence

# "customer care", "tech support": names of a department, not feelings ("care" is +2.2).
_SERVICE_NAMES = re.compile(r"\b(?:customer|tech|technical)\s+(?:care|support)\b", re.IGNORECASE)
_ANALYZER: SentimentIntensityAnalyzer | None = None
_STOCK: SentimentIntensityAnalyzer | None = None


class SentimentScore(NamedTuple):
    """One post's sentiment label, VADER-style scores and the care cues that moved it."""

    label: str
    compound: float
    pos: float
    neu: float
    neg: float
    cues: tuple[str, ...] = ()


def get_analyzer() -> SentimentIntensityAnalyzer:
    """Return the process-wide VADER analyzer with the care lexicon applied (built once)."""
    global _ANALYZER
    if _ANALYZER is None:
        analyzer = SentimentIntensityAnalyzer()
        analyzer.lexicon.update(CARE_LEXICON)
        _ANALYZER = analyzer
    return _ANALYZER


def get_stock_analyzer() -> SentimentIntensityAnalyzer:
    """Return an unmodified VADER analyzer (the evaluation baseline), built once per process."""
    global _STOCK
    if _STOCK is None:
        _STOCK = SentimentIntensityAnalyzer()
    return _STOCK


def find_care_cues(text: str, words: frozenset[str] | None = None) -> list[str]:
    """Return the care-phrase families found in `text` (e.g. ["waiting", "money"])."""
    lowered = text.lower()
    if words is None:
        words = to_words(lowered)
    return care_cues(lowered, words)


def care_cues(lowered: str, words: frozenset[str]) -> list[str]:
    """Return the care families found in lowercased text, "money" only when it is bad news."""
    cues = list(_CARE_INDEX.best_scores(lowered, words))
    if "money" in cues and _GOODWILL_INDEX.best_scores(lowered, words):
        cues.remove("money")  # "refunded me without me even asking": good news
    return cues


def to_label(compound: float, settings: ClassifySettings | None = None) -> str:
    """Map a compound score to negative/neutral/positive with the configured thresholds."""
    settings = settings or ClassifySettings()
    if compound >= settings.positive_threshold:
        return "positive"
    if compound <= settings.negative_threshold:
        return "negative"
    return "neutral"


def score_sentiment(
    text: str,
    settings: ClassifySettings | None = None,
    analyzer: SentimentIntensityAnalyzer | None = None,
    words: frozenset[str] | None = None,
    lowered: str | None = None,
) -> SentimentScore:
    """Score cleaned post text (see classify.text.to_scoring_text) for customer care.

    `words` and `lowered` (the text lowercased) may be passed when the caller has them.
    """
    analyzer = analyzer or get_analyzer()
    if lowered is None:
        lowered = text.lower()
    if words is None:
        words = to_words(lowered)
    if "care" in words or "support" in words:
        text = _SERVICE_NAMES.sub("customer service", text)
    cues = care_cues(lowered, words)
    emoji = not text.isascii() and _LAUGHING_EMOJI.search(text) is not None
    # "app crashing again lmao": the laugh qualifies the failure, it is not joy.
    shrug = (emoji or not LAUGHTER.isdisjoint(words)) and bool(
        cues or _OUTAGE_INDEX.best_scores(lowered, words)
    )
    if shrug and emoji:
        text = _LAUGHING_EMOJI.sub(" ", text)
    sentiments, tokens, text = token_valences(analyzer, text)
    if cues:
        for i in [i for i, value in enumerate(sentiments) if value > 0]:
            polite = tokens[i].lower() in POLITE_WORDS
            sentiments[i] = 0.0 if polite else sentiments[i] * SARCASM_DAMPING
        sentiments.extend([CARE_VALENCE] * min(len(cues), MAX_CARE_CUES))
    elif shrug:
        for i, token in enumerate(tokens):
            if token.lower() in LAUGHTER:
                sentiments[i] = 0.0
    scores = score_valence(sentiments, text)
    compound = scores["compound"]
    label = to_label(compound, settings)
    if not cues and label != "neutral" and abs(compound) < QUESTION_NEUTRAL_BELOW:
        if _QUESTION.search(lowered):
            label = "neutral"  # a plain question: "can I bring my guitar on board?"
    if label == "positive" and len(lowered) < 40 and _ACKNOWLEDGEMENT.match(lowered):
        label = "neutral"  # "ok": an acknowledgement, not praise
    return SentimentScore(
        label=label,
        compound=compound,
        pos=scores["pos"],
        neu=scores["neu"],
        neg=scores["neg"],
        cues=tuple(cues),
    )


def score_stock(text: str, settings: ClassifySettings | None = None) -> SentimentScore:
    """Score raw text with stock VADER (the baseline `earmark evaluate` compares against)."""
    scores = get_stock_analyzer().polarity_scores(text)
    compound = scores["compound"]
    return SentimentScore(
        to_label(compound, settings), compound, scores["pos"], scores["neu"], scores["neg"]
    )
