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
# Families the intent tables reuse at their own scores (classify.complaint_cues, outage_cues).
# "nobody answers", "no one ever picks up" (one word or two, the verb in any form).
NOBODY_ANSWERS: tuple[Cue, ...] = (
    cue(
        1.0,
        "nobody no",
        r"\b(?:nobody|no one|no-one)\s+(?:ever\s+|even\s+)?(?:answers|answering|answered"
        r"|picks up|picking up|picked up|responds|responded|replies|replied|gets back|got back"
        r"|calls back|called back|rings back|rang back)\b",
        also="answers answering answered picks picking picked responds responded replies "
        "replied gets got calls called rings rang",
    ),
)
# The brand itself is down, said in two words: "@user down", "@user broadband down again lol"
# (not "@user down 16-14" or "down to ...": the word after "down" must end the report).
BRAND_DOWN: tuple[Cue, ...] = (
    cue(
        1.0,
        "down",
        r"@user(?:'s)?(?: (?:broadband|internet|wifi|network|mobile|fibre|fiber|tv|app|site"
        r"|website))? (?:is |are |still |all |completely |totally |been |has been )*down\b"
        r"(?= *(?:(?:again|lol|lmao|lmfao|rofl|haha\w*|smh|ffs|wtf)\b|[.!?,]|$))",
        also="user user's",
    ),
)
# A device broken by an update: "bricked", "the update broke it", "dead since the update".
_BROKEN = (
    r"(?:broke|broken|bricked|dead|died|killed|ruined|wiped|borked|messed up|screwed up"
    r"|stopped working|not working|no longer works?|(?:won't|wont|doesn't|doesnt|can't|cant)"
    r" (?:turn on|boot|start|connect|charge|work|load|open)|keeps (?:crashing|rebooting"
    r"|restarting|freezing|disconnecting)|useless|unusable)"
)
_UPDATE = r"(?:update|upgrade)[sd]?"
BROKEN_BY_UPDATE: tuple[Cue, ...] = (
    cue(1.0, "bricked", r"\bbricked\b"),
    cue(
        1.0,
        "update updates updated upgrade upgrades upgraded",
        rf"\b{_UPDATE} (?:has |have |just |has just |completely |totally )*(?:broke|broken"
        r"|bricked|killed|ruined|wiped|borked|messed up|screwed up)\b",
        rf"\b{_BROKEN}\b[^.!?\n]{{0,40}}\b(?:after|since) (?:[\w@']+ ){{0,3}}?{_UPDATE}\b",
        rf"\b(?:after|since) (?:[\w@']+ ){{0,3}}?{_UPDATE}\b[^.!?\n]{{0,40}}\b{_BROKEN}\b",
        also="broke broken bricked dead died killed ruined wiped borked messed screwed stopped "
        "not no won't wont doesn't doesnt can't cant keeps useless unusable",
    ),
)
# A missed appointment: "the engineer never turned up", "a no-show", "stood us up".
# (Not every "didn't turn up": news of who did not show up somewhere is no complaint.)
# "turn up" with an object is another verb ("didn't turn up the heating").
ARRIVED_END = r"(?!\s+(?:the|my|your|our|his|her|their|its|it|this|that|any|me|us|him|them)\b)"
_VISITORS = "engineer technician tech courier driver plumber fitter installer electrician"
NO_SHOW: tuple[Cue, ...] = (
    cue(
        1.0,
        " ".join(f"{word} {word}s" for word in _VISITORS.split()),
        rf"\b(?:{'|'.join(_VISITORS.split())})s? (?:\w+ ){{0,2}}?(?:never|didn't|did not|didnt"
        r"|failed to|hasn't|has not|hasnt|still hasn't|still not|not) (?:\w+ )?(?:turned up"
        rf"|turn up|show up|showed(?: up)?|shown up|came|come|arrived?|here)\b{ARRIVED_END}",
        also="never didn't did didnt failed hasn't has hasnt not",
    ),
    # (Gated by the rarer words first: "no" and "me" are in most posts.)
    cue(
        1.0,
        "show shows stood appointment appt installation install visit",
        r"\bno-shows?\b|\bno show\b|\bstood (?:me|us) up\b",
        r"\bmissed (?:my|our|the|another|an?) (?:\w+ )?(?:appointment|appt|installation|install"
        r"|visit)\b",
        also="no stood missed",
    ),
)
# A price rise on the author's own bill, or a change made without warning: VADER reads "without
# warning" as positive (a negated negative word).
_BILL = (
    r"(?:bill|bills|price|prices|fee|fees|tariff|tariffs|premium|premiums|subscription"
    r"|subscriptions|rent|rate|rates|payment|payments|direct debit|contract|plan|package|fare"
    r"|fares|cost|costs)"
)
_BILL_WORDS = (
    "bill bills price prices fee fees tariff tariffs premium premiums subscription subscriptions "
    "rent rate rates payment payments direct contract plan package fare fares cost costs"
)
PRICE_RISE: tuple[Cue, ...] = (
    # (Gated by the verb, not by "my"/"our": most posts have one of those.)
    cue(
        1.0,
        "up",
        rf"\b(?:my|our) (?:[\w@']+ ){{0,2}}?{_BILL} (?:has |have |just |is |are |keeps |keep )*"
        r"(?:gone|went|going|shot|jumped|crept|creeping|creep) up\b",
        also=_BILL_WORDS,
    ),
    cue(
        1.0,
        "increased doubled tripled hiked jumped risen rose",
        rf"\b(?:my|our) (?:[\w@']+ ){{0,2}}?{_BILL} (?:has |have |just |was |were )*(?:increased"
        r"|doubled|tripled|hiked|jumped|risen|rose)\b",
        also=_BILL_WORDS,
    ),
    cue(
        1.0,
        "hiked raised put jacked bumped increased doubled tripled",
        rf"\b(?:hiked|raised|put up|jacked up|bumped up|increased|doubled|tripled) (?:my|our)"
        rf" (?:[\w@']+ ){{0,2}}?{_BILL}\b",
        also="my our",
    ),
    cue(
        1.0,
        "without",
        r"\bwithout (?:any )?(?:prior )?(?:warning|notice|notification|telling (?:me|us))\b",
        also="warning notice notification telling",
    ),
)
# The sarcastic comparison of two bad options: "like choosing which tooth to pull", "the lesser
# of two evils", "pick your poison". Stock VADER reads its words ("like", "choosing") as praise.
GRIM_CHOICE: tuple[Cue, ...] = (
    cue(
        1.0,
        "choosing picking deciding lesser poison rock devil hobsons hobson's",
        r"\blike (?:choosing|picking|deciding) which\b|\blesser of (?:two|2) evils\b",
        r"\b(?:pick|choose) your poison\b|\bbetween a rock and a hard place\b",
        r"\bthe devil and the deep blue sea\b|\bhobson'?s choice\b",
    ),
)
# Good news about money: a refund or compensation given unasked ("refunded me without me even
# asking"). The "money" family does not count in a post that says so (see classify.sentiment).
_GOODWILL_MONEY = (
    r"(?:refund|refunds|refunded|refunding|compensation|compensated|credit|credited|voucher"
    r"|vouchers|goodwill|money back|reimbursed|reimbursement)"
)
_UNASKED = (
    r"(?:without (?:me |us |my |our )?(?:even )?(?:asking|having to ask|having to chase|chasing"
    r"|a fight|complaining)|(?:didn't|did not|never) (?:even )?(?:have|need) to (?:ask|chase"
    r"|complain|fight)|unprompted|proactively)"
)
GOODWILL = cue(
    1.0,
    "without didn't did never unprompted proactively",
    rf"\b{_GOODWILL_MONEY}\b[^.!?\n]{{0,60}}?\b{_UNASKED}\b",
    rf"\b{_UNASKED}\b[^.!?\n]{{0,60}}?\b{_GOODWILL_MONEY}\b",
    also="refund refunds refunded refunding compensation compensated credit credited voucher "
    "vouchers goodwill money reimbursed reimbursement",
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
        *NOBODY_ANSWERS,
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
        *BRAND_DOWN,
        *BROKEN_BY_UPDATE,
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
    "no_show": NO_SHOW,
    "price_rise": PRICE_RISE,
    "grim_choice": GRIM_CHOICE,
}
