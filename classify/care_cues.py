"""Care phrases: wording that is neutral in a general lexicon but negative toward a brand.

Each family found in a post adds a negative valence in classify.sentiment ("still waiting",
"no response", "cancelled", "lost my bag", "refund"). Cues are (score, trigger words, regex
alternatives) over lowercased text with links removed and @handles/brand names replaced by
"@user"; keep each one general, never an evaluation phrase.
"""

from __future__ import annotations

from classify.cues import Cue, cue

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
