"""Intents: a transparent rule and lexicon layer over the taxonomy of LABELING.md.

Each built-in intent has a family of regexes (CUES below) matched case-insensitively on the
post text with links and handles removed. A match gives the intent its family score. Sentiment
is a feature: a negative post with no other cue is a complaint (that is how people complain to
brands: "another 2 hours at the gate. great."), a positive one is praise. Custom intents from the
config (`classify.intents`) are regexes too. Intents are returned in LABELING.md's precedence
order (INTENT_PRECEDENCE), so the first is the primary one an agent should act on; custom intents
rank just before `praise`. `other` is only ever alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from classify.settings import IntentRule
from earmark.models import INTENT_PRECEDENCE

# Rule families, one per intent. Keep each cue general (how people write to brands), never a
# phrase lifted from evaluation data.
CUES: dict[str, list[tuple[float, str]]] = {
    "outage": [
        # something is down / broken / failing
        (
            0.9,
            r"\b(?:is|are|was|were|went|been|still|currently|site|app|website|server|system|"
            r"wifi|wi-fi|internet|service)\s+down\b|\boutage\b|\bdown for (?:everyone|anyone)\b",
        ),
        (
            0.85,
            r"\b(?:not|isn't|isnt|wasn't|aren't|doesn't|doesnt|won't|wont|didn't|didnt|don't"
            r"|dont|stopped|never)\s+(?:\w+\s+)?(?:working|work|load|loading|loads|open|opening"
            r"|connect|connecting|sync|syncing|respond|responding|going through|go through)\b",
        ),
        (
            0.85,
            r"\b(?:can't|cant|cannot|can not|unable to|couldn't|couldnt|won't let me|wont let me"
            r"|keeps? failing to|fails? to)\s+(?:\w+\s+)?(?:log ?in|login|log on|sign ?in|sign on|"
            r"access|connect|check ?in|checkin|load|open|pay|checkout|check out|download|update"
            r"|reset|stream|print)\b",
        ),
        (
            0.85,
            r"\berror(?:s|ed)?\b|\bcrash(?:es|ed|ing)?\b|\bglitch\w*|\bbug(?:s|gy)?\b"
            r"|\bfrozen\b|\bfreez(?:es|ing)\b|\bkeeps? (?:crashing|freezing|logging me out|"
            r"kicking me|dropping|disconnecting|buffering)\b|\bbroken (?:link|site|app|page|website)\b",
        ),
        (
            0.8,
            r"\b(?:payment|card|transaction|checkout|website|site|app|page|link|wifi|wi-fi|"
            r"internet|kiosk|system)s?\s+(?:\w+\s+)?(?:failed|fails|failing|declined|is broken"
            r"|not available|unavailable|timing out|times out|won't|wont|isn't|is not|doesn't)\b",
        ),
    ],
    "churn_risk": [
        (
            0.9,
            r"\b(?:cancel+(?:ing|ed)?|close|closing|terminate|terminating|end|ending|delete|"
            r"deleting)\s+my\s+(?:\w+\s+)?(?:account|subscription|membership|plan|service|contract"
            r"|card|policy|sub)\b",
        ),
        (
            0.9,
            r"\b(?:switch(?:ing|ed)?|moving|move|going|go|changing|change)\s+(?:back\s+)?"
            r"(?:over\s+)?to\s+(?:a\s+)?(?:another|different|competitor|other|@\w+|[A-Z]\w+)"
            r"|\bswitching (?:providers|carriers|airlines|banks|companies)\b",
        ),
        (
            0.9,
            r"\bnever\s+(?:\w+\s+)?(?:fly|flying|flown|use|using|buy|buying|book|booking|order"
            r"|ordering|shop|shopping|choose|recommend|travel|travelling|traveling|stay|staying)"
            r"\b[^.!?]*\bagain\b|\b(?:won't|will not|wont|not going to|never going to|never gonna"
            r"|not gonna)\s+(?:\w+\s+)?(?:fly|use|buy|book|order|shop|choose|be (?:flying|using|"
            r"back|a customer)|recommend|renew|return)\b[^.!?]*\b(?:again|anymore|any more|ever)\b",
        ),
        (
            0.85,
            r"\b(?:taking|take) my (?:business|money) (?:elsewhere|somewhere else)\b|"
            r"\b(?:lost|losing) (?:a|another|me as a|your) (?:loyal )?customer\b|\bdone with (?:you|"
            r"your|this)\b|\blast time i\s+(?:\w+\s+)?(?:fly|flew|use|used|book|booked|buy|bought|"
            r"order|ordered)\b|\b(?:find|finding|look for|looking for) (?:a |an )?(?:new|another|"
            r"different) (?:airline|bank|provider|carrier|company|service)\b"
            r"|\bunsubscrib\w+|\bi(?:'m| am) (?:leaving|out|cancell?ing)\b",
        ),
    ],
    "complaint": [
        (
            0.9,
            r"\b(?:worst|terrible|horrible|awful|pathetic|disgusting|disgraceful|unacceptable|"
            r"ridiculous|appalling|atrocious|useless|incompetent|unprofessional|rude|shameful|"
            r"inexcusable|lousy|ripoff|rip-off|scam|sucks?|sucked|poor service|bad service|"
            r"poor customer service|bad customer service|joke of|absolute joke|a joke|never again|"
            r"fed up|sick of|tired of|frustrat\w+|disappoint\w+|annoy\w+|furious|angry|upset|"
            r"livid|outraged|unhappy|not happy|not impressed|shame on)\b",
        ),
        (
            0.85,
            r"\b(?:still|been|keep|kept)\s+waiting\b|\bwait(?:ed|ing)?\s+(?:for\s+)?(?:over\s+|"
            r"almost\s+|nearly\s+|more than\s+)?(?:an?\s+|\d+\s*|\w+\s+)?(?:hours?|hrs?|days?|"
            r"weeks?|months?)\b|\bon hold\b|\bno (?:one|body)\s+(?:is\s+)?(?:answer|respond|repl|"
            r"help|call|pick|get)\w*|\bno(?:body)?\s+(?:response|reply|answer|help|updates?|"
            r"communication)\b|\b(?:never|haven't|hasn't|have not|has not)\s+(?:\w+\s+)?(?:heard|"
            r"received|gotten|responded|replied|called back)\b|\bignor(?:ed|ing)\b",
        ),
        (
            0.8,
            r"\b(?:cancell?ed|delayed|diverted|overbooked|oversold|stranded|stuck|bumped|"
            r"missed (?:my|our|the) (?:\w+\s+)?(?:flight|connection|train)|lost (?:my|our)|"
            r"(?:missing|damaged|broken) (?:\w+\s+)?(?:bag|bags|luggage|baggage|package|parcel|"
            r"order|item|suitcase|stroller|delivery)|(?:over|double|twice)[- ]?charged|charged "
            r"(?:me )?twice|hidden fees?|no refund|still no|still not|yet again|again\?|wtf|smh)\b",
        ),
    ],
    "question": [
        (0.85, r"\?"),
        (
            0.8,
            r"^\W*(?:how|what|when|where|why|who|which|is|are|can|could|would|will|do|does|did"
            r"|should|may|any)\b|\b(?:how (?:do|can|long|much|many|does|to)|can (?:i|you|we|u|"
            r"someone)|could (?:i|you|someone)|is (?:there|it possible)|are there|when will|when "
            r"is|any (?:update|news|info|idea|word)|anyone know|do you (?:know|have)|please advise"
            r"|advise|let me know|need (?:some )?(?:help|assistance|info)|help me|dm me|"
            r"(?:please|pls|plz) (?:help|assist|check|look)|need to (?:know|speak|talk|change)"
            r"|i (?:want|need|would like) to (?:know|ask|change|cancel|speak|talk|get|check|"
            r"report|update|make|request))\b",
        ),
    ],
    "purchase_intent": [
        (
            0.85,
            r"\b(?:thinking (?:of|about)|considering|planning (?:on|to)|want to|wanna|"
            r"would like to|looking to|going to|gonna|trying to|need to|hoping to)\s+(?:\w+\s+)?"
            r"(?:buy|buying|get|getting|purchase|purchasing|book|booking|upgrade|upgrading|order"
            r"|ordering|subscribe|sign up|try)\b",
        ),
        (
            0.85,
            r"\b(?:should i|do i|which one should i)\s+(?:buy|get|book|upgrade|go with|"
            r"choose|pick)\b|\bhow much (?:is|are|does|do|for|to)\b|\b(?:price|cost|fare|rate|quote)"
            r"s? (?:of|for)\b|\blooking for (?:a|an|some)\b|\b(?:any |a )?recommendations?\b|"
            r"\bworth (?:it|buying|the money|upgrading)\b|\b(?:in stock|available to (?:buy|book|"
            r"order)|pre-?order|discount code|promo for)\b",
        ),
    ],
    "feature_request": [
        (
            0.85,
            r"\b(?:please|pls|plz|you should|you guys should|y'all should|you need to|you "
            r"must)\s+(?:\w+\s+)?(?:add|offer|allow|support|bring back|introduce|include|consider|"
            r"make it|let us|provide|start|have|get)\b|\b(?:wish|hope) (?:you|there|they) "
            r"(?:had|would|could|offered|was|were|allowed|supported)\b|\bany plans? (?:to|for|of)\b",
        ),
        (
            0.8,
            r"\bwould (?:be|love) (?:nice|great|awesome|helpful|cool)? ?(?:if|to see)\b|\bit would"
            r" be (?:nice|great|awesome|helpful|cool) (?:if|to)\b|\bwhy (?:don't|doesn't|can't|"
            r"isn't|aren't|do not|does not) (?:you|your|there|they)\s+(?:\w+\s+)?(?:have|offer|allow|"
            r"support|let|provide)\b|\bfeature request\b|\bsuggestion\b|\bneeds? (?:a |an )?"
            r"(?:better|more|option|way|feature|setting|ability)\b|\bbring back\b",
        ),
    ],
    "praise": [
        (
            0.9,
            r"\b(?:thank you|thanks|thx|thank u|ty so much|kudos|shout ?out|props to|hats off|"
            r"bravo|well done|great job|good job|great work|amazing job|love (?:you|u|ya|my|this|the|"
            r"it|your|flying|how)|loved|best (?:airline|service|customer|company|experience|ever|"
            r"crew|team|staff)|highly recommend|recommend (?:you|them)|you rock|you guys rock|"
            r"awesome|amazing|fantastic|excellent|outstanding|wonderful|superb|brilliant|"
            r"impressed|grateful|appreciate\w*|above and beyond|made my day|the best)\b",
        ),
    ],
    "spam": [
        (
            0.9,
            r"\b(?:follow (?:me|back|for follow)|f4f|follow4follow|giveaway|give away|win a |"
            r"chance to win|click (?:here|the link)|check out my|subscribe to my|dm (?:me )?for "
            r"(?:promo|deals?|info)|promo code|discount code|earn \$|make money|work from home|"
            r"crypto|bitcoin|nft|forex|onlyfans|free followers|limited offer|use code|"
            r"link in (?:bio|my bio)|retweet to win|rt to win)\b",
        ),
    ],
}
NEGATIVE_COMPLAINT_SCORE = 0.6  # negative post with no complaint cue: still most likely one
POSITIVE_PRAISE_SCORE = 0.6
# A question-mark question with these intents is rarely just asking (LABELING.md: "why is my
# refund not here yet?" is question + complaint); keep both.
_LINKS = re.compile(r"https?://\S+")


@lru_cache(maxsize=32)
def compile_rules(custom: tuple[tuple[str, tuple[str, ...], float], ...] = ()):
    """Compile built-in cue families plus custom (name, patterns, score) rules, once per set."""
    compiled: list[tuple[str, list[tuple[float, re.Pattern]]]] = []
    for name in INTENT_PRECEDENCE:
        if name in CUES:
            families = [
                (score, re.compile(pattern, re.IGNORECASE)) for score, pattern in CUES[name]
            ]
            compiled.append((name, families))
    order = [name for name in INTENT_PRECEDENCE if name != "other"]
    insert_at = order.index("praise")
    for name, patterns, score in custom:
        families = [(score, re.compile(pattern, re.IGNORECASE)) for pattern in patterns]
        existing = dict(compiled).get(name)
        if existing is not None:
            existing.extend(families)
            continue
        compiled.append((name, families))
        order.insert(insert_at, name)
        insert_at += 1
    return compiled, tuple(order)


def rules_key(rules: Sequence[IntentRule]) -> tuple[tuple[str, tuple[str, ...], float], ...]:
    """Turn custom intent rules into a hashable key for compile_rules."""
    return tuple((rule.name, tuple(rule.patterns), float(rule.score)) for rule in rules)


def detect_intents(
    text: str,
    *,
    sentiment: str = "neutral",
    raw_text: str | None = None,
    custom: Sequence[IntentRule] = (),
) -> list[tuple[str, float]]:
    """Return [(intent, score)] in precedence order (primary first); ["other"] when none fits."""
    compiled, order = compile_rules(rules_key(custom))
    found: dict[str, float] = {}
    for name, families in compiled:
        source = raw_text if name == "spam" and raw_text is not None else text
        best = 0.0
        for score, pattern in families:
            if score > best and pattern.search(source):
                best = score
        if best:
            found[name] = best
    _apply_sentiment(found, sentiment, text)
    if not found:
        return [("other", 0.5)]
    rank = {name: i for i, name in enumerate(order)}
    return sorted(found.items(), key=lambda item: rank.get(item[0], len(rank)))


def _apply_sentiment(found: dict[str, float], sentiment: str, text: str) -> None:
    """Use sentiment as a feature: it confirms or adds complaint and praise."""
    if sentiment == "negative":
        if "complaint" not in found and not {"outage", "spam"} & found.keys():
            found["complaint"] = NEGATIVE_COMPLAINT_SCORE
        # Thanks in a negative post is politeness or sarcasm, not praise.
        if "praise" in found:
            del found["praise"]
    elif sentiment == "positive":
        if "complaint" in found and found["complaint"] < 0.9:
            del found["complaint"]
        if not found:
            found["praise"] = POSITIVE_PRAISE_SCORE
    if "spam" in found and len(found) > 1:
        # A real request that happens to contain a promo word is not spam.
        if {"outage", "churn_risk", "complaint", "question"} & found.keys():
            del found["spam"]
