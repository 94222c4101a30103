"""Churn-risk cues: the author says they will leave, cancel or switch (see classify.intent).

Cues are (score, trigger words, regex alternatives) over lowercased text with links removed and
@handles/brand names replaced by "@user"; keep each one general, never an evaluation phrase.
"""

from __future__ import annotations

from classify.cues import Cue, cue

CHURN_RISK: list[Cue] = [
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
    # Split by the words each alternative needs: "never ... again", "won't ... anymore".
    cue(
        0.9,
        "never",
        r"\bnever\b(?:\W+\w+){0,6}?\W+(?:fly|"
        r"flying|flown|use|using|buy|buying|book|booking|order|ordering|shop|shopping|choose|"
        r"recommend|travel|travell?ing|stay|staying)\b(?:\W+\w+){0,6}?\W+(?:again|ever)\b",
        r"\bnever again\b",
        also="again ever",
    ),
    cue(
        0.9,
        "won't will wont not never gonna ever",
        r"\b(?:won't|will not|wont|not going to|never going to|never gonna|not gonna|ever going"
        r" to)\s+(?:\w+\s+){0,2}?(?:fly|use|buy|book|order|shop|choose|be (?:flying|using|back|"
        r"a customer)|recommend|renew|return)\b[^.!?]*\b(?:again|anymore|any more|ever)\b",
        also="again anymore any ever",
    ),
    # Taking custom elsewhere, split by the words each phrase needs ("last" + "time"...).
    cue(
        0.85,
        "taking take",
        r"\b(?:taking|take) my (?:business|money|custom) (?:elsewhere|somewhere else)\b",
        also="business money custom",
    ),
    cue(
        0.85,
        "lost losing",
        r"\b(?:lost|losing) (?:a|"
        r"another|me as a|your) (?:loyal |long time |longtime )?customer\b",
        also="a another me your",
    ),
    cue(0.85, "done", r"\bdone with (?:you|your|this)\b|\bi'?m done\b"),
    cue(
        0.85,
        "last",
        r"\blast time i\s+(?:\w+\s+)?(?:fly|flew|use|used|"
        r"book|booked|buy|bought|order|ordered)\b",
        also="time",
    ),
    cue(
        0.85,
        "find finding look looking",
        r"\b(?:find|finding|look for|looking for|"
        r"looking at) (?:a |an )?(?:new|another|different|other) (?:airline|bank|provider|"
        r"carrier|company|service|brand)s?\b",
        also="new another different other",
    ),
    # A prefix ("unsubscribes"): it keeps every trigger word of the family it came from.
    cue(
        0.85,
        "taking take lost losing done last find finding look looking unsubscribe "
        "unsubscribing unsubscribed leaving am i'm im elsewhere",
        r"\bunsubscrib",
    ),
    cue(
        0.85,
        "i'm am",
        r"\bi(?:'m| am) (?:leaving|out|cancell?ing)\b",
        also="leaving out cancelling canceling",
    ),
    # Leaving the brand named as @user: "cancelling @user", "I left @user", "ditching them".
    # (Split: the @user ones need "user"; "leave @user" is not a trigger word, so that
    # family keeps every trigger word.)
    cue(
        0.85,
        "cancel cancelling canceling cancelled canceled left leaving ditching dumping quitting "
        "ditch dump quit ditched dumped quitted",
        r"(?:\bcancell?ing|\b(?:to|will|i'll|gonna|i|we) cancel(?:l?ed)?) (?:my |our )?@user\b",
        r"\b(?:i've|we've|i have|we have|finally|since i|after i|i) left @user\b|\bleft @user"
        r" (?:for|because|after|last|years|months)\b",
        r"\b(?:i'm|im|i am|we're|we are|i'll|i will|we'll|we will|gonna|going to|about to"
        r"|time to) (?:be )?(?:leaving"
        r"|ditching|dumping|quitting|quit|ditch|dump|leave) @user\b",
        also="user user's",
    ),
    cue(
        0.85,
        "leaving ditching dumping quitting ditched dumped quit",
        r"\b(?:leaving|ditching|dumping|quitting|ditched|dumped|quit) (?:@user|you|them"
        r"|you guys) (?:for|after|because|as soon as|when|at the end|once)\b",
        also="user user's you them",
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
]
