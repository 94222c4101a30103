"""Sentiment: VADER with customer-care adjustments.

Stock VADER misreads posts written to brands in three ways, each fixed here by a general rule:
- names carry sentiment ("united" +1.8, "care"/"support" in "customer care"): the caller strips
  handles, links and neutral terms first (classify.text.to_scoring_text);
- politeness inside complaints ("please help", "thanks", "hope") reads as praise: in a post with
  a complaint signal those words score 0;
- plain questions with only a mild word in them are neutral (the labeling rule);
- care phrases ("still waiting", "no response", "cancelled", "lost my bag", "on hold", "refund")
  are neutral or mild in VADER's general lexicon but plainly negative toward a brand: each adds
  a negative valence, and praise words next to them are damped (mostly sarcasm: "great service,
  2 hours on hold").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from classify.cues import Cue, CueIndex, cue
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
# Polite words that say nothing about satisfaction once the post complains.
POLITE_WORDS = frozenset(
    "thanks thank thx ty tks appreciate appreciated kindly hope hoping hopefully sorry "
    "ok okay yes lol haha".split()
)

_LOST_WORDS = (
    "lost missing damaged broken never bag bags luggage baggage package packages parcel order "
    "orders delivery refund refunds says marked shows showing hasn't has haven't arrived yet"
)
# Care phrases (lowercase text): each family found adds CARE_VALENCE (at most MAX_CARE_CUES).
# A family is one or more cues, each gated by the words its own alternatives need; an alternative
# that can match without any of the family's words (a prefix such as "\\berror") keeps them all.
CARE_CUES: dict[str, tuple[Cue, ...]] = {
    "waiting": (
        cue(
            1.0,
            # Each alternative needs one of these words ("still waiting" needs "waiting").
            "still wait waited waiting hold hours hrs minutes mins",
            r"\b(?:still|been|keep|kept|now|am|are|we're|i'm|im)\s+waiting\b",
            r"\bwait(?:ed|ing)?\s+(?:for\s+)?(?:over\s+|almost\s+|nearly\s+|more\s+than\s+)?"
            r"(?:an?\s+|\d+\+?\s*|\w+\s+)?(?:hours?|hrs?|mins?|minutes|days?|weeks?|months?)\b",
            r"\b\d+\+?\s*(?:hours?|hrs?|mins?|minutes)\s+(?:\w+ )?(?:waiting|wait|on hold|hold"
            r"|delay|delayed|late|sitting|stuck|in line|on the tarmac)\b",
            r"\bon hold\b|\bhold (?:time|for)\b",
            r"\bstill (?:no|not|haven't|hasn't|nothing)\s+(?:\w+\s+)?(?:here|fixed|resolved"
            r"|received|arrived|working|heard|answer|response|reply|refund|update|word|sign|news"
            r"|call|email)\b",
        ),
    ),
    "no_response": (
        cue(
            1.0,
            "no nobody",
            r"\bno (?:one|body)\s+(?:is\s+)?(?:answer|respond|repl|help|call|pick|get)\w*",
            r"\bno(?:body)?\s+(?:response|reply|answer|help|updates?|info(?:rmation)?"
            r"|communication)\b",
            also="one body response reply answer help update updates info information "
            "communication",
        ),
        cue(
            1.0,
            "heard received gotten got responded replied called answered ignored ignoring hung "
            "hang",
            r"\b(?:never|not|haven't|hasn't|didn't|did not|have not|has not)\s+(?:\w+\s+)?"
            r"(?:heard|received|gotten|got|responded|replied|called|answered)\b",
            r"\bignor(?:ed|ing)\b|\b(?:hung|hang) up\b",
        ),
    ),
    "disruption": (
        cue(
            1.0,
            "cancelled canceled cancellation cancelation delay delayed delays diverted overbooked "
            "oversold stranded stuck bumped missed rebook rebooked late",
            r"\b(?:cancell?ed|cancell?ation|delay(?:ed|s)?|diverted|overbooked|oversold|stranded"
            r"|stuck|bumped|rebook(?:ed)?|late again)\b",
            r"\bmissed (?:my|our|the) (?:\w+\s+)?(?:flight|connection|train|bus)\b",
        ),
    ),
    "lost": (
        cue(
            1.0,
            "lost missing damaged broken never",
            r"\b(?:lost|missing|damaged|broken|never (?:arrived|came|received))\s+(?:\w+\s+)?"
            r"(?:bag|bags|luggage|baggage|package|parcel|order|item|suitcase|stroller|delivery"
            r"|refund)\b",
        ),
        cue(
            1.0,
            _LOST_WORDS,
            r"\b(?:bag|luggage|baggage|package|parcel|order|delivery|refund)s?\s+(?:is|are|was"
            r"|were|has|have|still)?\s*(?:still\s+)?(?:lost|missing|late|not here|delayed|damaged"
            r"|never)\b",
        ),
        cue(
            1.0,
            _LOST_WORDS,
            r"\b(?:says|marked|shows|showing) (?:as )?delivered\b|\b(?:hasn't|has not|haven't"
            r"|have not|never|not yet|still not) (?:\w+ )?(?:arrived|been delivered|been "
            r"refunded)\b",
            also="delivered arrived been",
        ),
    ),
    "money": (
        cue(
            1.0,
            "refund refunds refunded refunding over double twice overcharged overbilled charged "
            "billed hidden compensation compensate compensated",
            r"\brefund",
            r"\b(?:over|double|twice)[- ]?(?:charged|billed)\b",
            r"\b(?:charged|billed) (?:me |us )?(?:twice|two times)\b|\bhidden fees?\b|\bcompensat",
        ),
    ),
    "failure": (
        cue(
            1.0,
            "not isn't wasn't isnt doesn't doesnt won't wont didn't didnt don't dont",
            r"\b(?:not|isn't|wasn't|isnt|doesn't|doesnt|won't|wont|didn't|didnt|don't|dont)\s+"
            r"(?:\w+\s+)?(?:working|work|load|loading|open|respond)\b",
            also="working work load loading open respond",
        ),
        cue(
            1.0,
            "can't cant cannot unable not couldn't couldnt",
            r"\b(?:can't|cant|cannot|unable to|not able to|couldn't|couldnt)\s+(?:\w+\s+)?(?:log"
            r"|sign|access|connect|check|book|get|find|reach|use|pay|load|change|select|upgrade"
            r"|speak|talk)\b",
            also="log sign access connect check book get find reach use pay load change select "
            "upgrade speak talk",
        ),
        # Prefixes ("errors", "crashed"): they keep every word of the family.
        cue(
            1.0,
            "not isn't wasn't isnt doesn't doesnt won't wont didn't didnt don't dont can't cant "
            "cannot unable able couldn't couldnt error errors crash crashes crashed crashing "
            "glitch glitches glitchy frozen down",
            r"\berror|\bcrash|\bglitch|\bfrozen\b",
        ),
        cue(1.0, "down", r"\b(?:is|are|was|went|been|site|app|website|system)\s+down\b"),
    ),
    "bad_service": (
        cue(
            1.0,
            "rude unprofessional unacceptable ridiculous worst terrible horrible awful pathetic",
            r"\b(?:rude|unprofessional|unacceptable|ridiculous|worst|terrible|horrible|awful"
            r"|pathetic)\b",
        ),
        cue(1.0, "joke", r"\b(?:absolute|total|complete|such a) joke\b"),
        # A prefix ("disgracefully"): it keeps every word of the family.
        cue(
            1.0,
            "rude unprofessional unacceptable ridiculous joke worst terrible horrible awful "
            "pathetic disgrace disgraceful disgraced never fix so very extremely really customer",
            r"\bdisgrace",
        ),
        cue(1.0, "never", r"\bnever again\b", also="again"),
        cue(1.0, "fix", r"\bfix (?:this|it|your)\b", also="this it your"),
        cue(
            1.0,
            "so very extremely really",
            r"\b(?:so|very|extremely|really) (?:disappointed|frustrat\w+|annoyed|upset)\b",
        ),
        cue(
            1.0,
            "customer",
            r"\bcustomer service\s+(?:is|was)\s+(?:\w+\s+)?(?:bad|poor|non-?existent)\b",
            also="service",
        ),
    ),
}
_CARE_INDEX = CueIndex([(name, rule) for name, rules in CARE_CUES.items() for rule in rules])
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
    return list(_CARE_INDEX.best_scores(lowered, words))  # the same index score_sentiment uses


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
    cues = list(_CARE_INDEX.best_scores(lowered, words))
    sentiments, tokens, text = token_valences(analyzer, text)
    if cues:
        for i in [i for i, value in enumerate(sentiments) if value > 0]:
            polite = tokens[i].lower() in POLITE_WORDS
            sentiments[i] = 0.0 if polite else sentiments[i] * SARCASM_DAMPING
        sentiments.extend([CARE_VALENCE] * min(len(cues), MAX_CARE_CUES))
    scores = score_valence(sentiments, text)
    compound = scores["compound"]
    label = to_label(compound, settings)
    if not cues and label != "neutral" and abs(compound) < QUESTION_NEUTRAL_BELOW:
        if _QUESTION.search(lowered):
            label = "neutral"  # a plain question: "can I bring my guitar on board?"
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
