"""Outage cues: a site, app, device or service is down, failing or erroring (see classify.intent).

Cues are (score, trigger words, regex alternatives) over lowercased text with links removed and
@handles/brand names replaced by "@user"; keep each one general, never an evaluation phrase.
"""

from __future__ import annotations

from classify.care_cues import BROKEN_BY_UPDATE
from classify.cues import Cue, cue, rescored

_NEG = r"(?:not|isn't|isnt|wasn't|aren't|doesn't|doesnt|won't|wont|didn't|didnt|don't|dont|never)"
_CANT = (
    r"(?:can't|cant|cannot|can not|unable to|not able to|couldn't|couldnt|won't let me|wont let me)"
)
_TECH = (
    r"(?:site|website|web site|app|application|page|link|login|log-in|portal|system|systems|server"
    r"|wifi|wi-fi|internet|kiosk|payment|checkout|check-in|checkin|online check-in)"
)
# What a home or mobile service is made of: when the brand (as @user, maybe with one of these
# after it) or one of these is down or out, the post reports an outage ("broadband down?").
_BRAND_PART = r"(?:broadband|internet|wifi|network|mobile|fibre|fiber|tv|app|site|website)"
_SERVICE = (
    r"(?:broadband|internet|net|wifi|wi-fi|network|signal|reception|coverage|connection"
    r"|landline|phone line|fibre|fiber|cable|tv|mobile data|data|4g|5g|3g|lte|power|router"
    r"|modem|hub|server|servers|email|streaming)"
)
_SERVICE_WORDS = (
    "broadband internet net wifi wi network signal reception coverage connection landline line "
    "fibre fiber cable tv data 4g 5g 3g lte power router modem hub server servers email streaming "
    "broadband's internet's wifi's network's signal's connection's power's router's hub's"
)
_DOWN = (
    r"(?: is| are| has been| been| still| completely| totally| all)* (?:down|out)\b(?! (?:to|the"
    r"|of|there|here|with|and|by|from|on the|for (?:a|the|dinner|lunch)|loud))"
)
_SLOW = r"(?:broadband|internet|wifi|wi-fi|mobile data|data|connection|speeds?|network|4g|5g)"
# A link to the network: "no signal", "lost broadband" (wifi/internet alone may be an amenity).
_LINK = (
    r"(?:broadband|signal|reception|coverage|connection|connectivity"
    r"|landline|phone line|dial tone|mobile data|4g|5g|3g|lte)"
)
_ACTIONS = (
    r"(?:log ?in|log-in|login|log on|sign ?in|sign on|access|connect|check ?in|check-in|checkin|l"
    r"oad"
    r"|open|pay|checkout|check out|download|update|reset|stream|print|book|select|pick|choose"
    r"|change|manage|add|redeem|use)"
)

OUTAGE: list[Cue] = [
    # (Split: "returns 404" has no trigger word of the family it came from, so it keeps them all.)
    cue(
        0.8,
        "anyone else",
        r"\banyone else (?:having|getting|seeing|experiencing)\b",
        also="having getting seeing experiencing",
    ),
    cue(
        0.8,
        "anyone else getting get got seeing throwing error",
        r"\b(?:getting|got|seeing|throwing|returns|returning) (?:an? |the )?(?:\d{3}|error|"
        r"errors)\b|\b50[0-4] error\b",
    ),
    cue(
        0.9,
        "down outage outages",
        rf"\b(?:is|are|was|were|went|been|still|currently|{_TECH}s?)"
        r" down\b",
        r"\boutages?\b",
    ),
    cue(
        0.85,
        "error errors errored erroring crash crashes crashed crashing glitch glitches "
        "glitchy glitching bug bugs buggy frozen freezes freezing broken faulty wonky "
        "keeps keep",
        r"(?<!rounding )\berror",
        r"\bcrash",
        r"\bglitch",
        r"\bbug(?:s|gy)?\b",
        r"\bfrozen\b|\bfreez(?:es|ing)\b|\bfaulty\b|\bwonky\b",
        r"\bkeeps? (?:crashing|freezing|logging me (?:out|off)|kicking me|dropping"
        r"|disconnecting|buffering|loading|saying|failing|giving me|rebooting|restarting"
        r"|resetting)\b",
        rf"\bbroken {_TECH}\b|\b{_TECH} (?:is |was )?broken\b",
    ),
    cue(
        0.85,
        "can't cant cannot can unable able couldn't couldnt won't wont",
        rf"\b{_CANT}\s+(?:\w+\s+){{0,2}}?{_ACTIONS}\b",
        also="log login sign signin access connect check checkin load open pay checkout download "
        "update reset stream print book select pick choose change manage add redeem use",
    ),
    cue(
        0.85,
        "not isn't isnt wasn't aren't doesn't doesnt won't wont didn't didnt don't dont "
        "never stopped",
        rf"\b(?:{_NEG}|stopped)\s+(?:\w+\s+)?(?:working|work|load|loading"
        r"|loads|open|opening|connect|connecting|sync|syncing|go through|going through)\b",
        also="working work load loading loads open opening connect connecting sync syncing go "
        "going",
    ),
    cue(
        0.8,
        "problem problems issue issues trouble success wrong",
        rf"\b(?:problem|issue|"
        rf"trouble)s? (?:with|on|logging|checking|booking|accessing) (?:your |the )?{_TECH}",
        r"\b(?:having|getting|experiencing) (?:\w+ )?(?:problems|issues|trouble)\b",
        r"\bwith no success\b|\bno luck\b",
        rf"\bsomething (?:is )?wrong with (?:your |the )?"
        rf"{_TECH}",
    ),
    # (Split: "won't let me" needs "let"; "it keeps load..." needs "it" and its verb.)
    cue(
        0.8,
        "won't wont doesn't doesnt will",
        r"\b(?:won't|wont|doesn't|doesnt|will not)(?: it)? (?:let|allow) (?:me|us|my)\b",
        also="let allow",
    ),
    cue(
        0.8,
        "it",
        r"\bit (?:won't|wont|doesn't|keeps|just) (?:let|allow|work|load)",
        also="won't wont doesn't keeps just",
    ),
    cue(
        0.8,
        "payment payments card transaction checkout website site app page link wifi "
        "internet kiosk system declined failed",
        rf"\b{_TECH}s?\s+(?:\w+\s+)?(?:failed|fails"
        r"|failing|declined|unavailable|not available|timing out|times out|won't|wont|isn't"
        r"|doesn't|didn't|not working)\b",
        r"\b(?:payment|card|transaction)s? (?:was |got |"
        r"keeps getting )?(?:declined|failed|rejected)\b",
        also="failed fails failing declined unavailable not timing times won't wont isn't "
        "doesn't didn't rejected",
    ),
    # The brand (named as @user) or a service is down or out: "broadband down in Leeds?".
    cue(0.85, "down out", rf"@user(?:'s)?(?: {_BRAND_PART})?{_DOWN}", also="user user's"),
    cue(0.85, "down out", rf"\b{_SERVICE}(?:'s)?{_DOWN}", also=_SERVICE_WORDS),
    # No service: "no signal", "lost broadband", "without internet for 6 days". A missing
    # amenity ("no wifi on this flight") is a complaint, so wifi/internet need a loss.
    cue(
        0.85,
        "no zero any lost losing lose without existent nonexistent dead patchy gone",
        rf"\b(?:no|zero|not getting any) (?:\w+ )?{_LINK}\b",
        rf"\b(?:lost|losing|lose|without|still no|no more) (?:\w+ )?(?:{_LINK}|wifi|wi-fi"
        r"|internet)\b",
        r"\bno (?:wifi|wi-fi|internet) (?:since|for (?:\d|a|over|two|three|days|hours)|all"
        r" (?:day|night|week)|at (?:home|all)|in (?:the house|my area))\b",
        r"\b(?:no|without|lost) (?:phone|cell|mobile|network) service\b",
        rf"\b(?:{_LINK}|wifi|wi-fi|internet)\b[^.!?\n]{{0,25}}\b(?:non-?existent|dead|patchy"
        r"|gone(?! up\b))\b",  # "gone up" is a price, not a lost link
        also="broadband signal reception coverage connection connectivity landline line dial "
        "data 4g 5g 3g lte bars wifi wi internet service",
    ),
    # The connection keeps dropping: "connection drops every evening", "wifi cutting out".
    cue(
        0.85,
        "drops dropping dropped cuts cutting disconnects disconnecting died dies dying packet",
        rf"\b(?:{_LINK}|wifi|wi-fi|internet|router|modem|hub|line)(?:'s)?\s+(?:\w+\s+){{0,2}}?"
        r"(?:drops|dropping|dropped|cuts? out|cutting out|disconnects|disconnecting|dies|died"
        r"|dying)\b",
        r"@user (?:just )?(?:dies|died)\b|\bdrops? to (?:no|zero|one bar|\d+ ?(?:kbps|mbps"
        r"|bars?))\b|\bpacket loss\b",
    ),
    # A device restarting on its own; a crawling connection ("mobile data is crawling").
    cue(
        0.8,
        "reboots restarts resets rebooted restarted",
        r"\b(?:reboots|restarts|resets|rebooted|restarted) (?:itself|on its own|randomly"
        r"|every)\b",
    ),
    cue(
        0.8,
        "slow slower crawling sluggish",
        rf"\b(?:slow|slower|crawling|sluggish) (?:\w+ )?{_SLOW}\b",
        rf"\b{_SLOW} (?:is |are |has been |have been |been )?(?:so |really |very |super |still "
        r"|painfully |unbearably )?(?:slow|crawling|sluggish)\b",
        also="broadband internet wifi wi data connection speed speeds network 4g 5g signal",
    ),
    # Nothing works or loads; "something went wrong" is an error message; is it just me?
    cue(0.8, "nothing", r"\bnothing (?:is |will )?(?:loading|loads|working|works)\b"),
    cue(0.8, "wrong", r"\bsomething went wrong\b"),
    cue(
        0.8,
        "me",
        r"\bis it (?:just )?me or (?:is|are|has|does)\b|\b(?:anyone else|just me) or is it"
        r" (?:just )?me\b",
        also="or",
    ),
    # A device broken by an update: "bricked", "the update broke it", "dead since the update"
    # (also a care family: classify.care_cues).
    *rescored(0.85, BROKEN_BY_UPDATE),
]
