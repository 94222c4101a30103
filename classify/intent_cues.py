"""The intent rule table: cue families per intent of LABELING.md (see classify.intent).

Each cue is (score, trigger words, regex alternatives) over lowercased text with links removed
and @handles/brand names replaced by "@user". Keep every cue general (how people write to
brands); never a phrase lifted from evaluation data.
"""

from __future__ import annotations

from classify.cues import Cue, cue

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

# Rule families, one list per intent. Each cue is general (how people write to brands); none is
# a phrase lifted from evaluation data.
CUES: dict[str, list[Cue]] = {
    "outage": [
        cue(
            0.8,
            "anyone else getting get got seeing throwing error",
            r"\banyone else (?:having|getting|seeing|experiencing)\b",
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
        ),
        cue(
            0.85,
            "not isn't isnt wasn't aren't doesn't doesnt won't wont didn't didnt don't dont "
            "never stopped",
            rf"\b(?:{_NEG}|stopped)\s+(?:\w+\s+)?(?:working|work|load|loading"
            r"|loads|open|opening|connect|connecting|sync|syncing|go through|going through)\b",
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
        cue(
            0.8,
            "won't wont doesn't doesnt will not it",
            r"\b(?:won't|wont|doesn't|doesnt|will not)(?: it)? (?:let|allow) (?:me|us|my)\b|\bit "
            r"(?:won't|wont|doesn't|keeps|just) "
            r"(?:let|allow|work|load)",
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
            r"|gone)\b",
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
    ],
    "churn_risk": [
        cue(
            0.85,
            "never",
            r"\bnever,? ever\b[^.!?]{0,60}?\b(?:fly|use|buy|book|order|shop|stay|travel|choose)\b",
        ),
        cue(
            0.85,
            "intention intend plans over business stick stay fly book",
            r"\b(?:no|zero|not any) (?:intention|plans?) (?:of|to) (?:\w+ )?(?:fly|flying|use|usi"
            r"ng|"
            r"buy|buying|book|booking|order|ordering|come|coming|return|returning)\b",
            r"\bi'?m (?:so )?over (?:it|you|this)\b|\b(?:get|gets|getting) my business\b",
            r"\b(?:i'll|i will|we'll|we will|i'm going to|gonna) (?:stick|stay|go|fly|book) "
            r"(?:\w+ ){0,4}?with @user\b",
        ),
        cue(
            0.9,
            "cancel cancell canceling cancelling canceled cancelled close closing terminate "
            "terminating end ending delete deleting",
            r"\b(?:cancel+(?:ing|ed)?|close|closing|"
            r"terminate|terminating|end|ending|delete|deleting) my (?:\w+ )?(?:account|subscription"
            r"|membership|plan|service|contract|card|policy|sub|miles account)\b",
        ),
        cue(
            0.9,
            "switch switching switched moving move changing going back",
            r"\b(?:switch(?:ing|ed)?|moving|move|changing|going back|go back) (?:back |over )?to "
            r"(?:a |an )?(?:another|different|competitor|other|@user)\b",
            r"\bswitching (?:providers|carriers|airlines|banks|companies|brands)\b",
        ),
        cue(
            0.9,
            "never ever won't will wont not gonna",
            r"\bnever\b(?:\W+\w+){0,6}?\W+(?:fly|"
            r"flying|flown|use|using|buy|buying|book|booking|order|ordering|shop|shopping|choose|"
            r"recommend|travel|travell?ing|stay|staying)\b(?:\W+\w+){0,6}?\W+(?:again|ever)\b",
            r"\b(?:won't|will not|wont|not going to|never going to|never gonna|not gonna|ever going"
            r" to)\s+(?:\w+\s+){0,2}?(?:fly|use|buy|book|order|shop|choose|be (?:flying|using|back|"
            r"a customer)|recommend|renew|return)\b[^.!?]*\b(?:again|anymore|any more|ever)\b",
            r"\bnever again\b",
        ),
        cue(
            0.85,
            "taking take lost losing done last find finding look looking unsubscribe "
            "unsubscribing unsubscribed leaving am i'm im elsewhere",
            r"\b(?:taking|take) my "
            r"(?:business|money|custom) (?:elsewhere|somewhere else)\b",
            r"\b(?:lost|losing) (?:a|"
            r"another|me as a|your) (?:loyal |long time |longtime )?customer\b",
            r"\bdone with "
            r"(?:you|your|this)\b|\bi'?m done\b",
            r"\blast time i\s+(?:\w+\s+)?(?:fly|flew|use|used|"
            r"book|booked|buy|bought|order|ordered)\b",
            r"\b(?:find|finding|look for|looking for|"
            r"looking at) (?:a |an )?(?:new|another|different|other) (?:airline|bank|provider|"
            r"carrier|company|service|brand)s?\b",
            r"\bunsubscrib",
            r"\bi(?:'m| am) (?:leaving|out|cancell?ing)\b",
        ),
        # Leaving the brand named as @user: "cancelling @user", "I left @user", "ditching them".
        cue(
            0.85,
            "cancel cancelling canceling cancelled canceled left leaving ditching dumping quitting "
            "ditch dump quit ditched dumped quitted",
            r"(?:\bcancell?ing|\b(?:to|will|i'll|gonna|i|we) cancel(?:l?ed)?) (?:my |our )?@user\b",
            r"\b(?:i've|we've|i have|we have|finally|since i|after i|i) left @user\b|\bleft @user"
            r" (?:for|because|after|last|years|months)\b",
            r"\b(?:leaving|ditching|dumping|quitting|ditched|dumped|quit) (?:@user|you|them"
            r"|you guys) (?:for|after|because|as soon as|when|at the end|once)\b",
            r"\b(?:i'm|im|i am|we're|we are|i'll|i will|we'll|we will|gonna|going to|about to"
            r"|time to) (?:be )?(?:leaving"
            r"|ditching|dumping|quitting|quit|ditch|dump|leave) @user\b",
        ),
        # Getting out of the contract: "can I leave penalty free?", "break my contract".
        cue(
            0.85,
            "leave leaving exit exiting break breaking penalty termination",
            r"\b(?:leave|leaving|exit|exiting|get out of|break|breaking) (?:my |the |our |this )?"
            r"(?:contract|plan|deal)\b",
            r"\bpenalty[- ]free\b|\bwithout (?:paying )?(?:a |the |an |any )?(?:penalty|early"
            r" termination|exit) fee\b|\bearly termination\b",
        ),
        # Switching away: "switched from @user to ...", "thinking of switching providers",
        # "match it or I'm going elsewhere", "jumping ship".
        cue(
            0.85,
            "switched switching ported porting switch change changing",
            r"\b(?:switch(?:ed|ing)|port(?:ed|ing))(?: \w+)? (?:over |back )?(?:away )?from "
            r"(?:@user|\w+(?: \w+)? to)\b",
            r"\b(?:switch(?:ing)?|chang(?:e|ing)) (?:my )?(?:providers?|networks?|carriers?|banks?"
            r"|airlines?|suppliers?|isps?)\b",
        ),
        cue(0.85, "ship", r"\bjump(?:ing|ed)? ship\b"),
        cue(
            0.85,
            "or",
            r"\bor (?:i'm|im|i am|i'll|i will|we're|we'll|we will) (?:going|switching|moving"
            r"|leaving|off|cancell?ing|walking|taking my)\b",
            also="going switching moving leaving off cancelling canceling walking taking",
        ),
        cue(
            0.85,
            "alternatives other",
            r"\blooking (?:at|into) (?:the )?(?:alternatives|other (?:providers|options|networks"
            r"|airlines|banks|carriers))\b",
            also="looking",
        ),
    ],
    "complaint": [
        # Counting the failures: "day 3 of no internet", "third time I've called", "no-show".
        cue(0.8, "day", r"\bday (?:\d+|two|three|four|five|six|seven|eight|nine|ten) of\b"),
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
        cue(
            0.8,
            "hasn't has haven't have never didn't did not yet says marked shows where where's",
            r"\b(?:hasn't|has not|haven't|have not|never|didn't|did not|not yet|still not) "
            r"(?:\w+ )?(?:arrived|received|delivered|shown up|showed up|been delivered"
            r"|been refunded|come)\b",
            r"\b(?:says|marked|shows|showing) (?:as )?delivered\b|\bwhere(?:'s| is) my\b",
        ),
        # The brand used to be better; a part of it needs fixing; time lost.
        cue(
            0.75,
            "used was days nostalgic needs need retraining training over more almost nearly it's "
            "been sitting stuck standing waiting late",
            r"\bused to be\b|\bwas actually\b|\bdays are (?:long )?gone\b|\bnostalgic for\b",
            r"\bneeds? (?:some |more |better )?(?:re)?training\b|\bneeds? better\b",
            r"\b(?:over|more than|almost|nearly) (?:an? |\d+(?:\.\d+)? ?)(?:hours?|hrs?)\b",
            r"\b(?:it's|it has|it's) been (?:over |more than |almost )?(?:an? |\d+ ?)(?:hours?|hr"
            r"s?|"
            r"mins?|minutes|days?|weeks?)\b|\b(?:sitting|stuck|standing|waiting) (?:\w+ ){0,3}?for "
            r"(?:over |almost |nearly |more than )?(?:an? |\d+ ?)(?:hours?|hrs?|mins?|minutes)\b",
            r"\b(?:is|was|running|arrived|arriving|are|were) late\b",
        ),
        cue(
            0.9,
            "worst terrible horrible awful pathetic disgusting disgraceful unacceptable "
            "ridiculous appalling atrocious useless incompetent unprofessional rude shameful "
            "inexcusable lousy ripoff rip scam scammed sucks suck sucked poor bad joke never fed "
            "sick tired frustrated frustrating frustration disappointed disappointing "
            "disappointment annoyed annoying furious angry upset livid outraged unhappy not shame "
            "irritated mad hate hated nightmare fail failed fails",
            r"\b(?:worst|terrible|horrible|awful|pathetic|disgusting|disgraceful|unacceptable|"
            r"ridiculous|appalling|atrocious|useless|incompetent|unprofessional|rude|shameful|"
            r"inexcusable|lousy|rip-?off|scam(?:med)?|sucks?|sucked|nightmare|irritated|livid|"
            r"outraged|unhappy|furious|angry|upset|mad at|fed up|sick of|tired of|hate|hated|"
            r"shame on|epic fail|fail(?:ed|s)? (?:again|to)|frustrat\w+|disappoint\w+|annoy\w+)\b",
            r"\b(?:poor|bad|awful|terrible|no) (?:customer )?(?:service|experience|communication)"
            r"\b",
            r"\b(?:a|absolute|total|complete) joke\b|\bnot (?:happy|impressed|ok|okay|good|cool|"
            r"acceptable|fair|right)\b|\bnever again\b",
        ),
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
        # Questions that reveal a problem (LABELING.md: question + complaint).
        cue(
            0.7,
            "why how what what's whats",
            r"\bwhy\b(?! (?:not|thank))",
            r"\bhow come\b",
            r"\bwhat gives\b|\bwhat(?:'s| is) going on\b|\bwhat happened to\b|\bwhat the (?:heck|"
            r"hell|f\w*)\b|\bwhat'?s up with\b",
        ),
        # Sarcasm: praise words around a bad experience.
        cue(
            0.8,
            "love gotta thanks thank great nice awesome",
            r"\b(?:gotta|got to|just) love\b|"
            r"\blove (?:it|how|that) (?:when|you)\b",
            r"\bthanks? (?:you )?(?:again |once again )?"
            r"for (?:nothing|another|making me|forcing|losing|ruining|wasting|the delay|"
            r"cancell?ing)\b",
            r"\b(?:great|nice|awesome) (?:job|work|way to)\b[^.!?]*\b(?:delay"
            r"|cancel|lost|wait|hours?|again)\b",
        ),
    ],
    "question": [
        cue(
            0.8,
            "question questions wondering wonder curious allowed able eligible supposed",
            r"\b(?:i have|got) (?:a|some) (?:quick )?questions?\b|\bquestions? (?:about|regarding"
            r"|re)\b",
            r"\b(?:i was|i'm|i am|just) wondering\b|\bcurious (?:if|about|how|whether|why)\b",
            r"\b(?:am i|are we|is my \w+|is it) (?:allowed|able|eligible|supposed|ok|okay) to\b",
        ),
        cue(0.85, None, r"\?"),
        cue(
            0.8,
            "how what when where why who which is are can could would will do does did should "
            "may any",
            # "@acme how do I...": a question; "@acme is great": not one, so auxiliaries only
            # open a question at the very start.
            r"^(?:\W*@user)*\W*(?:how|what|when|where|why|who|which)\b",
            r"^\W*(?:is|are|can|could|would|will|do|does|did|should|may|any)\b",
        ),
        cue(
            0.8,
            "how can could there possible when any anyone know advise let need help dm please pls "
            "plz want like",
            r"\bhow (?:do|can|long|much|many|does|to)\b",
            r"\b(?:can|could) (?:i|you|we|u|someone|anyone|somebody)\b",
            r"\bis (?:there|it possible)\b|\bare there\b|\bwhen (?:will|is|does|do|can)\b",
            r"\bany (?:update|news|info|idea|word|way)\b|\banyone know\b|\bdo you (?:know|have)\b",
            r"\b(?:please )?advise\b|\blet me know\b|\bneed (?:some )?(?:help|assistance|info)\b",
            r"\bhelp me\b|\bdm me\b|\b(?:please|pls|plz) (?:help|assist|check|look)\b",
            r"\bi (?:want|need|would like) to (?:know|ask|change|cancel|speak|talk|get|check|"
            r"report|update|make|request)\b",
        ),
    ],
    "purchase_intent": [
        cue(
            0.8,
            "i'll will i'd",
            r"\b(?:i'll|i will|i'd|we'll|we will) (?:definitely |probably |be )?(?:choose|choosing|"
            r"book|booking|buy|buying|fly with|go with|pick|purchase|upgrade)\b",
        ),
        cue(
            0.85,
            "thinking considering planning want wanna would looking going gonna trying "
            "need hoping ready about",
            r"\b(?:thinking (?:of|about)|considering|planning (?:on|to)|"
            r"want to|wanna|would like to|looking to|going to|gonna|trying to|need to|hoping to|"
            r"ready to|about to)\s+(?:\w+\s+)?(?:buy|buying|get a|get the|getting a|purchase|"
            r"purchasing|book|booking|upgrade|upgrading|order|ordering|subscribe|sign up|switch "
            r"to|fly with|try)\b",
            # "thinking of getting @user fibre", "considering a second SIM"
            r"\b(?:thinking (?:of|about)|considering|tempted by|tempted to)\s+(?:getting|going"
            r" with|signing up|switching to|moving to|a second|a new|an upgrade)\b",
        ),
        # Asking others before buying: "anyone tried it?", "are they any good?", "torn between".
        cue(
            0.8,
            "anyone anybody",
            r"\b(?:anyone|anybody)(?: here)? (?:tried|used|using|with|on) (?:it|them|@user)\b",
        ),
        cue(
            0.8,
            "experience experiences reviews review",
            r"\b(?:any|your|people's) experiences? (?:with|of) @user\b|\breviews? (?:of|for|on)"
            r" @user\b",
        ),
        cue(0.8, "any", r"\b(?:is|are) (?:\S+ ){1,4}?any (?:good|better)\b", also="good better"),
        cue(0.8, "worth", r"\bworth (?:getting|paying|the extra|switching)\b"),
        cue(
            0.8,
            "which or",
            r"\bwhich (?:one|provider|network|plan|package|is)(?: is)? (?:better|best|cheaper"
            r"|faster|more reliable|would you)\b",
            r"\b(?:is|are) \S+ or \S+ (?:better|cheaper|faster)\b|\bwhich one\?",
            also="better best cheaper faster reliable would one",
        ),
        cue(
            0.8,
            "torn deciding choosing leaning",
            r"\b(?:torn|deciding|choosing) between\b|\bleaning (?:towards?|to) \S+|\bleaning"
            r" @user\b",
        ),
        cue(
            0.85,
            "should do which how price prices cost costs fare fares rate rates quote quotes "
            "looking recommendation recommendations recommend worth stock available preorder pre "
            "deal deals sale seats tickets",
            r"\b(?:should i|which one should i)\s+(?:just |instead |also )?(?:buy|get|book"
            r"|upgrade|go with|choose|pick|switch to)\b|\bdo i (?:buy|book|upgrade|go with)\b",
            r"\bhow much (?:is|are|does|do|for|to)\b",
            r"\b(?:price|cost|fare|rate|quote)s? (?:of|for)\b",
            r"\blooking for (?:a|an|some)\b",
            r"\b(?:any |a )?recommendations?\b|\brecommend (?:a|an|me)\b",
            r"\bworth (?:it|buying|the money|upgrading)\b",
            r"\bin stock\b|\bpre-?order",
            r"\b(?:seats?|tickets?|flights?|rooms?) (?:still )?available\b|\bavailable (?:to "
            r"(?:buy|book|order)|for (?:purchase|booking))\b",
            r"\bdeals? (?:on|for)\b",
        ),
    ],
    "feature_request": [
        cue(
            0.8,
            "bring bringing will give add adding offer offering",
            r"\bbring(?:ing)? back\b|\bwill you (?:be )?(?:adding|offering|bringing|introducing|"
            r"adding|getting|starting)\b",
            r"\b(?:give us|add|adding|offer|offering) (?:more|some|a few) (?:\w+ )?(?:flights|"
            r"routes|options|seats|choices|space|stores|locations|features)\b",
        ),
        cue(
            0.85,
            "please pls plz should need must wish hope hoping any plans plan",
            r"\b(?:please"
            r"|pls|plz|you should|you guys should|y'all should|you need to|you must)\s+(?:\w+\s+)?"
            r"(?:add|offer|allow|support|bring back|introduce|include|consider|make it|let us|"
            r"provide|start|have|get more|put)\b",
            r"\b(?:wish|hope|hoping) (?:you|there|they) "
            r"(?:had|would|could|offered|was|were|allowed|supported|add|start)\b",
            r"\bany plans? (?:to|for|of)\b|\bhoping for (?:a |an )?(?:new|more|better)\b",
        ),
        cue(
            0.8,
            "would it why feature suggestion need needs bring there how should",
            r"\bwould "
            r"(?:be (?:nice|great|awesome|helpful|cool)|love) (?:if|to see)\b",
            r"\bit would be "
            r"(?:nice|great|awesome|helpful|cool) (?:if|to)\b",
            r"\bwhy (?:don't|doesn't|can't|"
            r"isn't|aren't|do not|does not|is there no|are there no) (?:you|your|there|they)\s+"
            r"(?:\w+\s+)?(?:have|offer|allow|support|let|provide)\b",
            r"\bfeature request\b|"
            r"\bsuggestion\b|\bbring back\b|\bhow about (?:adding|offering|some|more)\b",
            r"\bneeds? (?:a |an )?(?:better|more|option|way|feature|setting|ability)\b",
            r"\bthere should be\b|\bshould (?:have|offer|add|allow) (?:a|an|more|better)\b",
        ),
    ],
    "praise": [
        # A happy switcher praises where they went: "switched last year, never looked back".
        cue(
            0.85,
            "regrets looked finally",
            r"\bno regrets\b|\bnever looked back\b",
            r"\bfinally\W+(?:peace|bliss|freedom|sanity|relief)\b",
        ),
        cue(
            0.85,
            "best",
            r"\bbest (?:decision|move|thing) (?:i|we)(?:'ve| have)? (?:ever )?(?:made|did|done)\b",
            also="decision move thing",
        ),
        cue(
            0.85,
            "should should've",
            r"\bshould(?:'ve| have) (?:switched|moved|changed|done (?:it|this)) (?:sooner|earlier"
            r"|years ago|ages ago)\b",
            also="sooner earlier ago",
        ),
        cue(
            0.85,
            "shout shouts go best",
            r"\bshouts? (?:out )?to\b|\bmy (?:new )?go-to\b",
            r"\bbest (?:\w+ )?(?:airline|service|customer|company|experience|crew|team|staff|flight"
            r"|agent|support)\b",
        ),
        cue(
            0.9,
            "thank thanks thx ty kudos shout shoutout props hats bravo well great good "
            "amazing love loved loving best highly recommend rock rocks awesome fantastic "
            "excellent outstanding wonderful superb brilliant impressed grateful appreciate "
            "appreciated appreciation appreciates above made perfect pleasant helpful friendly "
            "lovely",
            r"\b(?:thank you|thanks|thx|thank u|ty so much|kudos|shout ?out|props to|"
            r"hats off|bravo|well done|great job|good job|great work|amazing job|highly "
            r"recommend|you rock|you guys rock|above and beyond|made my day|the best)\b",
            r"\b(?:love|loved|loving) (?:you|u|ya|my|this|the|it|your|flying|how|that)\b",
            r"\bbest (?:airline|service|customer|company|experience|ever|crew|team|staff|flight)\b",
            r"\b(?:awesome|amazing|fantastic|excellent|outstanding|wonderful|superb|brilliant|"
            r"impressed|grateful|appreciated?|perfect|pleasant|helpful|friendly|lovely)\b",
        ),
    ],
    "spam": [
        cue(
            0.9,
            "follow f4f follow4follow giveaway give win chance click check subscribe dm "
            "promo earn make work crypto bitcoin nft forex onlyfans free limited use link "
            "retweet rt",
            r"\bfollow (?:me|back|for follow)\b|\bf4f\b|\bfollow4follow\b",
            r"\bgiveaway\b|\bgive away\b|\bwin a\b|\bchance to win\b|\bretweet to win\b|\brt to "
            r"win\b",
            r"\bclick (?:here|the link)\b|\bcheck out my\b|\bsubscribe to my\b|\blink "
            r"in (?:my )?bio\b",
            r"\bdm (?:me )?for (?:promo|deals?|info|collab)\b|\buse code\b",
            r"\bearn \$|\bmake money\b|\bwork from home\b|\b(?:crypto|bitcoin|nft|forex|"
            r"onlyfans)\b|\bfree followers\b|\blimited offer\b",
        ),
        # Ads and impersonators: "DM now", "no credit check", "reach our team on WhatsApp".
        cue(
            0.9,
            "dm credit whatsapp telegram",
            r"(?<!a )(?<!the )(?<!sending )\bdm (?:me |us )?now\b|\bno credit checks?\b",
            r"\b(?:reach|contact|message|text|chat with) (?:us|our)\b[^.!?\n]{0,40}\bon "
            r"(?:whatsapp|telegram)\b",
        ),
    ],
}
