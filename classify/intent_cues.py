"""The intent rule table: cue families per built-in intent (see classify.intent).

Outage, churn risk and complaint, the largest families, live in classify.outage_cues,
classify.churn_cues and classify.complaint_cues.

Each cue is (score, trigger words, regex alternatives) over lowercased text with links removed
and @handles/brand names replaced by "@user". Keep every cue general (how people write to
brands); never a phrase lifted from evaluation data.
"""

from __future__ import annotations

from classify.care_cues import GOODWILL
from classify.churn_cues import CHURN_RISK
from classify.complaint_cues import COMPLAINT
from classify.cues import Cue, cue, rescored
from classify.outage_cues import OUTAGE

# Rule families, one list per intent. Each cue is general (how people write to brands); none is
# a phrase lifted from evaluation data.
CUES: dict[str, list[Cue]] = {
    "outage": OUTAGE,
    "churn_risk": CHURN_RISK,
    "complaint": COMPLAINT,
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
        # "how much/long/many" asks in the opening sentence ("need to check how long delivery
        # takes"); later it is mostly a remark ("...time to find out how much I rely on it").
        # Its own cue: a pattern that starts with ^ is only tried at the start of the text.
        cue(0.8, "long much many", r"^[^.!?\n]*\bhow (?:long|much|many)\b", also="how"),
        # Requests, split by the words each needs ("how" + "do", "any" + "update"...).
        cue(0.8, "how", r"\bhow (?:do|can|does|to)\b", also="do can does to"),
        cue(
            0.8,
            "can could",
            r"\b(?:can|could) (?:i|you|we|u|someone|anyone|somebody)\b",
            also="i you we u someone anyone somebody",
        ),
        cue(0.8, "there possible", r"\bis (?:there|it possible)\b|\bare there\b", also="is are"),
        cue(0.8, "when", r"\bwhen (?:will|is|does|do|can)\b", also="will is does do can"),
        cue(
            0.8,
            "any anyone",
            r"\bany (?:update|news|info|idea|word|way)\b|\banyone know\b",
            also="update news info idea word way know",
        ),
        # "do you have" has no trigger word of the family it came from: it keeps them all.
        cue(
            0.8,
            "how can could there possible when any anyone know advise let need help dm please pls "
            "plz want like",
            r"\bdo you (?:know|have)\b",
            also="you",
        ),
        cue(0.8, "advise let", r"\b(?:please )?advise\b|\blet me know\b", also="advise know"),
        cue(
            0.8, "need", r"\bneed (?:some )?(?:help|assistance|info)\b", also="help assistance info"
        ),
        cue(0.8, "help dm", r"\bhelp me\b|\bdm me\b", also="me"),
        cue(
            0.8,
            "please pls plz",
            r"\b(?:please|pls|plz) (?:help|assist|check|look)\b",
            also="help assist check look",
        ),
        cue(
            0.8,
            "want need like",
            r"\bi (?:want|need|would like) to (?:know|ask|change|cancel|speak|talk|get|check|"
            r"report|update|make|request)\b",
            also="know ask change cancel speak talk get check report update make request",
        ),
        # Asking to be contacted: "call me back", "ring me on 0770...", "get back to me",
        # "can someone email me?" (not "please call me Bob": a name follows).
        cue(
            0.8,
            "call ring phone email mail text dm message contact reach",
            r"\b(?:call|ring|phone|e-?mail|text|dm|message|contact) me back\b",
            r"\b(?:call|ring|phone|text|contact|reach) me (?:on|at) (?:\+?\(?\d|my |this |the )",
            r"\b(?:call|ring|phone|e-?mail|text|contact) me (?:asap|urgently|as soon as)\b",
            also="me",
        ),
        cue(0.8, "back", r"\bget back to me\b", also="get"),
        cue(
            0.8,
            "please pls plz can could someone somebody",
            r"\b(?:please|pls|plz|can you|could you|can u|could u|can someone|could someone|can "
            r"somebody|could somebody|can anyone|someone|somebody)\s+(?:\w+\s+)?(?:call|ring"
            r"|phone|e-?mail|contact)\s+me\b(?!\s+[a-z])",
            also="call ring phone email mail contact",
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
        # Shopping questions, split by the words each needs ("how much", "price of"...).
        cue(
            0.85,
            "should do",
            r"\b(?:should i|which one should i)\s+(?:just |instead |also )?(?:buy|get|book"
            r"|upgrade|go with|choose|pick|switch to)\b|\bdo i (?:buy|book|upgrade|go with)\b",
            also="buy get book upgrade go choose pick switch",
        ),
        cue(0.85, "how", r"\bhow much (?:is|are|does|do|for|to)\b", also="much"),
        cue(
            0.85,
            "price prices cost costs fare fares rate rates quote quotes",
            r"\b(?:price|cost|fare|rate|quote)s? (?:of|for)\b",
            also="of for",
        ),
        cue(0.85, "looking", r"\blooking for (?:a|an|some)\b", also="for"),
        cue(
            0.85,
            "recommendation recommendations recommend",
            r"\b(?:any |a )?recommendations?\b|\brecommend (?:a|an|me)\b",
        ),
        cue(
            0.85,
            "worth",
            r"\bworth (?:it|buying|the money|upgrading)\b",
            also="it buying the upgrading",
        ),
        cue(0.85, "stock", r"\bin stock\b", also="in"),
        cue(0.85, "pre", r"\bpre-order"),
        # "preorders" is no trigger word: "preorder" keeps the family's trigger words.
        cue(
            0.85,
            "should do which how price prices cost costs fare fares rate rates quote quotes "
            "looking recommendation recommendations recommend worth stock available preorder pre "
            "deal deals sale seats tickets",
            r"\bpreorder",
        ),
        cue(
            0.85,
            "available",
            r"\b(?:seats?|tickets?|flights?|rooms?) (?:still )?available\b|\bavailable (?:to "
            r"(?:buy|book|order)|for (?:purchase|booking))\b",
            also="seat seats ticket tickets flight flights room rooms still to for",
        ),
        cue(0.85, "deal deals", r"\bdeals? (?:on|for)\b", also="on for"),
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
        # Asks and wishes, split by the words each needs ("please" + "add", "wish" + "you").
        cue(
            0.85,
            "please pls plz should need must",
            r"\b(?:please"
            r"|pls|plz|you should|you guys should|y'all should|you need to|you must)\s+(?:\w+\s+)?"
            r"(?:add|offer|allow|support|bring back|introduce|include|consider|make it|let us|"
            r"provide|start|have|get more|put)\b",
            also="add offer allow support bring introduce include consider make let provide start "
            "have get put",
        ),
        cue(
            0.85,
            "wish hope hoping",
            r"\b(?:wish|hope|hoping) (?:you|there|they) "
            r"(?:had|would|could|offered|was|were|allowed|supported|add|start)\b",
            r"\bhoping for (?:a |an )?(?:new|more|better)\b",
            also="you there they for",
        ),
        cue(0.85, "plans plan", r"\bany plans? (?:to|for|of)\b", also="any"),
        cue(
            0.8,
            "would",
            r"\bwould "
            r"(?:be (?:nice|great|awesome|helpful|cool)|love) (?:if|to see)\b",
            r"\bit would be "
            r"(?:nice|great|awesome|helpful|cool) (?:if|to)\b",
            also="nice great awesome helpful cool love",
        ),
        cue(
            0.8,
            "why",
            r"\bwhy (?:don't|doesn't|can't|"
            r"isn't|aren't|do not|does not|is there no|are there no) (?:you|your|there|they)\s+"
            r"(?:\w+\s+)?(?:have|offer|allow|support|let|provide)\b",
            also="don't doesn't can't isn't aren't not no",
        ),
        cue(
            0.8,
            "feature suggestion bring",
            r"\bfeature request\b|\bsuggestion\b|\bbring back\b",
            also="request suggestion back",
        ),
        cue(0.8, "how", r"\bhow about (?:adding|offering|some|more)\b", also="about"),
        cue(
            0.8,
            "need needs",
            r"\bneeds? (?:a |an )?(?:better|more|option|way|feature|setting|ability)\b",
            also="better more option way feature setting ability",
        ),
        cue(
            0.8,
            "should",
            r"\bthere should be\b|\bshould (?:have|offer|add|allow) (?:a|an|more|better)\b",
            also="be have offer add allow",
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
        # "nice one"; a refund or compensation given unasked ("refunded without me even
        # asking"), which classify.sentiment also reads as good news.
        cue(0.85, "nice", r"\bnice one\b", also="one"),
        *rescored(0.85, (GOODWILL,)),
    ],
    "spam": [
        # Self-promotion, split by the words each phrase needs ("click" + "here"...).
        cue(
            0.9,
            "follow f4f follow4follow",
            r"\bfollow (?:me|back|for follow)\b|\bf4f\b|\bfollow4follow\b",
        ),
        cue(
            0.9,
            "giveaway give win",
            r"\bgiveaway\b|\bgive away\b|\bwin a\b|\bchance to win\b|\bretweet to win\b|\brt to "
            r"win\b",
        ),
        cue(
            0.9,
            "click check subscribe link",
            r"\bclick (?:here|the link)\b|\bcheck out my\b|\bsubscribe to my\b|\blink "
            r"in (?:my )?bio\b",
            also="here the my bio",
        ),
        cue(
            0.9,
            "dm use",
            r"\bdm (?:me )?for (?:promo|deals?|info|collab)\b|\buse code\b",
            also="for code",
        ),
        cue(
            0.9,
            "earn crypto bitcoin nft forex onlyfans",
            r"\bearn \$|\b(?:crypto|bitcoin|nft|forex|onlyfans)\b",
        ),
        cue(
            0.9,
            "make work free limited",
            r"\bmake money\b|\bwork from home\b|\bfree followers\b|\blimited offer\b",
            also="money home followers offer",
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
