"""Complaint cues: dissatisfaction with a product, service or experience (see classify.intent).

Cues are (score, trigger words, regex alternatives) over lowercased text with links removed and
@handles/brand names replaced by "@user"; keep each one general, never an evaluation phrase.
"""

from __future__ import annotations

from classify.care_cues import ARRIVED_END, NO_SHOW, NOBODY_ANSWERS, PRICE_RISE
from classify.cues import Cue, cue, rescored

COMPLAINT: list[Cue] = [
    # Counting the failures: "day 3 of no internet", "third time I've called", "no-show".
    cue(0.8, "day", r"\bday (?:\d+|two|three|four|five|six|seven|eight|nine|ten) of\b", also="of"),
    cue(
        0.8,
        "second third fourth fifth sixth 2nd 3rd 4th 5th 6th row show shows",
        r"\b(?:second|third|fourth|fifth|sixth|2nd|3rd|[4-9]th) (?:time|missed|failed"
        r"|cancell?ed|visit|call|engineer|appointment|attempt|day running|week running"
        r"|evening running)\b(?! (?:flying|using|with|buying|ordering|staying|visiting)\b)",
        r"\b(?:times|days|weeks|months|evenings|nights|calls) in a row\b",
        r"\bno[- ]shows?\b",
    ),
    # Left in the dark or sold what you did not want: "nobody told me", "I didn't ask for".
    cue(
        0.85,
        "nobody one told warned informed bothered ask asked how",
        r"\b(?:nobody|no one|no-one) (?:\w+ )?(?:told|tells|warned|informed|bothered)\b",
        r"\b(?:didn't|did not|never|don't|do not) (?:even )?ask(?:ed)? for\b",
        r"\bnot how (?:\w+ ){0,3}?(?:works?|this works|it works)\b",
        also="told tells warned informed bothered ask asked not",
    ),
    # Rhetorical outrage and regret: "how is this legal", "a heads up would've been nice",
    # warning others off: "avoid @user".
    cue(
        0.85,
        "how",
        r"\bhow (?:is|was|can) (?:this|that|it|any of this) (?:even )?(?:legal|acceptable|ok"
        r"|okay|allowed|fair|right|possible)\b",
        also="legal acceptable ok okay allowed fair right possible",
    ),
    cue(
        0.85,
        "would would've",
        r"\bwould(?:'ve| have) been (?:nice|good|helpful|great|polite|decent)\b",
        also="nice good helpful great polite decent",
    ),
    cue(
        0.85,
        "avoid",
        r"\bavoid (?:@user|them|this (?:company|airline|provider|bank|place)|at all costs)\b",
    ),
    # Something that should have arrived has not.
    # (Split by the words each needs; "showing delivered" has no trigger word of the family it
    # came from, so it keeps them all.)
    cue(
        0.8,
        "hasn't haven't never didn't not",
        r"\b(?:hasn't|has not|haven't|have not|never|didn't|did not|not yet|still not) "
        r"(?:\w+ )?(?:arrived|received|delivered|shown up|showed up|been delivered"
        r"|been refunded|come)\b",
        also="arrived received delivered shown showed been come",
    ),
    cue(
        0.8,
        "hasn't has haven't have never didn't did not yet says marked shows where where's",
        r"\b(?:says|marked|shows|showing) (?:as )?delivered\b",
        also="delivered",
    ),
    cue(0.8, "where where's", r"\bwhere(?:'s| is) my\b", also="my"),
    # The brand used to be better; a part of it needs fixing; time lost. (Split by trigger
    # words so each alternative only runs on posts that can match it.)
    cue(
        0.75,
        "used days nostalgic",
        r"\bused to be\b|\bdays are (?:long )?gone\b|\bnostalgic for\b",
    ),
    cue(0.75, "actually", r"\bwas actually\b", also="was"),
    cue(
        0.75, "needs need", r"\bneeds? (?:some |more |better )?(?:re)?training\b|\bneeds? better\b"
    ),
    cue(
        0.75,
        "over more almost nearly",
        r"\b(?:over|more than|almost|nearly) (?:an? |\d+(?:\.\d+)? ?)(?:hours?|hrs?)\b",
    ),
    cue(
        0.75,
        "been",
        r"\b(?:it's|it has) been (?:over |more than |almost )?(?:an? |\d+ ?)(?:hours?|hrs?|mins?"
        r"|minutes|days?|weeks?)\b",
        also="it's it",
    ),
    cue(
        0.75,
        "sitting stuck standing waiting",
        r"\b(?:sitting|stuck|standing|waiting) (?:\w+ ){0,3}?for (?:over |almost |nearly "
        r"|more than )?(?:an? |\d+ ?)(?:hours?|hrs?|mins?|minutes)\b",
        also="for",
    ),
    cue(0.75, "late", r"\b(?:is|was|running|arrived|arriving|are|were) late\b"),
    cue(
        0.9,
        "worst terrible horrible awful pathetic disgusting disgraceful unacceptable "
        "ridiculous appalling atrocious useless incompetent unprofessional rude shameful "
        "inexcusable lousy ripoff rip scam scammed sucks suck sucked fed "
        "sick tired frustrated frustrating frustration disappointed disappointing "
        "disappointment annoyed annoying furious angry upset livid outraged unhappy shame "
        "irritated mad hate hated nightmare fail failed fails",
        r"\b(?:worst|terrible|horrible|awful|pathetic|disgusting|disgraceful|unacceptable|"
        r"ridiculous|appalling|atrocious|useless|incompetent|unprofessional|rude|shameful|"
        r"inexcusable|lousy|rip-?off|scam(?:med)?|sucks?|sucked|nightmare|irritated|livid|"
        r"outraged|unhappy|furious|angry|upset|mad at|fed up|sick of|tired of|hate|hated|"
        r"shame on|epic fail|fail(?:ed|s)? (?:again|to)|frustrat\w+|disappoint\w+|annoy\w+)\b",
    ),
    cue(
        0.9,
        "poor bad awful terrible",
        r"\b(?:poor|bad|awful|terrible|no) (?:customer )?(?:service|experience|communication)\b",
        also="service experience communication",
    ),
    cue(0.9, "joke", r"\b(?:a|absolute|total|complete) joke\b"),
    cue(
        0.9,
        "not",
        r"\bnot (?:happy|impressed|ok|okay|good|cool|acceptable|fair|right)\b",
        also="happy impressed ok okay good cool acceptable fair right",
    ),
    cue(0.9, "never", r"\bnever again\b", also="again"),
    cue(
        0.85,
        "waiting wait waited hold no nobody heard received gotten responded replied called "
        "ignored ignoring hours hrs minutes mins",
        r"\b(?:still|been|keep|kept)\s+"
        r"waiting\b",
        r"\bwait(?:ed|ing)?\s+(?:for\s+)?(?:over\s+|almost\s+|nearly\s+|more "
        r"than\s+)?(?:an?\s+|\d+\+?\s*|\w+\s+)?(?:hours?|hrs?|days?|weeks?|months?)\b",
        r"\b\d+\+?\s*(?:hours?|hrs?|mins?|minutes)\s+(?:\w+ )?(?:waiting|wait|on hold|hold|"
        r"delay|delayed|late|sitting|stuck|in line|on the tarmac)\b",
        r"\bon hold\b",
        r"\bno (?:one|body)\s+(?:is\s+)?(?:answer|respond|repl|help|call|"
        r"pick|get|will)\w*",
        r"\bno(?:body)?\s+(?:response|reply|answer|help|updates?|"
        r"communication|info)\b",
        r"\b(?:never|haven't|hasn't|have not|has not)\s+"
        r"(?:\w+\s+)?(?:heard|received|gotten|responded|replied|called back)\b",
        r"\bignor(?:ed|ing)\b",
    ),
    cue(
        0.8,
        "cancelled canceled delayed delay delays diverted overbooked oversold stranded "
        "stuck bumped missed lost missing damaged broken overcharged double twice charged "
        "billed hidden no still yet again wtf smh denied downgraded refused",
        r"\b(?:cancell?ed|delayed|delays|diverted|overbooked|oversold|stranded|stuck|bumped|"
        r"denied|downgraded|refused)\b",
        r"\bmissed (?:my|our|the) (?:\w+\s+)?(?:flight|"
        r"connection|train)\b",
        r"\blost (?:my|our)\b",
        r"\b(?:missing|damaged|broken) "
        r"(?:\w+\s+)?(?:bag|bags|luggage|baggage|package|parcel|order|item|suitcase|stroller"
        r"|delivery)\b",
        r"\b(?:over|double|twice)[- ]?(?:charged|billed)\b|\b(?:charged|"
        r"billed) (?:me |us )?(?:twice|two times)\b|\bhidden fees?\b|\bno refund\b",
        r"\bstill (?:no|not|hasn't|haven't|hasnt|havent|isn't|isnt|can't|cant|won't)\b|\byet "
        r"again\b|\bagain\?|\bwtf\b|\bsmh\b",
    ),
    # Questions that reveal a problem are a question and a complaint.
    cue(
        0.7,
        "why how what what's whats",
        r"\bwhy\b(?! (?:not|thank))",
        r"\bhow come\b",
        r"\bwhat gives\b|\bwhat(?:'s| is) going on\b|\bwhat happened to\b|\bwhat the (?:heck|"
        r"hell|f\w*)\b|\bwhat'?s up with\b",
    ),
    # Sarcasm: praise words around a bad experience.
    # (Split by the words each needs: "love" + "gotta", "thanks" + "for", "great" + "job".)
    cue(
        0.8,
        "love",
        r"\b(?:gotta|got to|just) love\b|"
        r"\blove (?:it|how|that) (?:when|you)\b",
        also="gotta got just it how that",
    ),
    cue(
        0.8,
        "thanks thank",
        r"\bthanks? (?:you )?(?:again |once again )?"
        r"for (?:nothing|another|making me|forcing|losing|ruining|wasting|the delay|"
        r"cancell?ing)\b",
        also="for",
    ),
    cue(
        0.8,
        "great nice awesome",
        r"\b(?:great|nice|awesome) (?:job|work|way to)\b[^.!?]*\b(?:delay"
        r"|cancel|lost|wait|hours?|again)\b",
        also="job work way",
    ),
    # Nobody answers the phone; nobody came: a missed appointment ("the engineer never turned
    # up", "no-show", "stood us up", "didn't show up"); a price rise on the author's own bill or a
    # change made without warning. The first three families also move sentiment
    # (classify.care_cues).
    *rescored(0.85, NOBODY_ANSWERS),
    *rescored(0.8, NO_SHOW),
    cue(
        0.8,
        "didn't did didnt never failed nobody no",
        r"\b(?:didn't|did not|didnt|never|failed to|nobody|no one|no-one)\s+(?:even\s+)?"
        rf"(?:bother(?:ed)? to\s+)?(?:turn(?:ed)? up|show(?:ed)? up)\b{ARRIVED_END}",
        also="turn turned show showed",
    ),
    *rescored(0.8, PRICE_RISE),
]
