"""Where a post's cues point: churn phrases, sentiment words and comparisons, each attached to
the topic it is about (classify.subject decides from them which topic the post is about).

- churn cues attach to the topic right after them: "leaving X", "cancelling X", "done with X",
  "switching from X"; "switching to Y" and "Y instead" name where the customer is going;
  "is Y any better?", "anyone tried Y?" ask about Y as an option;
- each sentiment word (VADER's lexicon with a few care words such as "down" and "slow") attaches
  to the nearest mention before it in its clause ("X is terrible"), else the next one in the
  clause ("I hate X"), else the last one in the sentence, else (at half weight) the last one
  named before ("X. their support is awful");
- a comparison gives the first topic the comparative's polarity and the second the opposite
  ("X is better than Y", "X is worse than Y", "X beats Y").
"""

from __future__ import annotations

import re
from functools import lru_cache

from classify.sentiment import get_analyzer

COMPARATIVE_POINTS = 2.0  # "X is better than Y": Y loses this much
# A sentiment word in a sentence that names no topic may be about something else ("i hate
# him"): it counts this much for the topic named last.
ELSEWHERE_WEIGHT = 0.5
NEGATION = -0.74  # VADER's N_SCALAR: "not bad" is mildly positive
# Care words that VADER's general lexicon misses or reads the other way ("a joke" is +1.2).
CARE_VALENCE = {
    "down": -1.5,
    "outage": -1.5,
    "outages": -1.5,
    "offline": -1.2,
    "slow": -1.0,
    "slower": -1.0,
    "laggy": -1.0,
    "dropping": -1.0,
    "drops": -1.0,
    "crashing": -1.5,
    "crashes": -1.5,
    "overcharged": -1.5,
    "overcharging": -1.5,
    "ripoff": -2.0,
    "unreliable": -1.5,
    "nonexistent": -1.5,
    "non-existent": -1.5,
    "expensive": -1.0,
    "pricey": -1.0,
    "joke": -1.5,
    "nightmare": -2.0,
    "garbage": -2.0,
    "trash": -2.0,
    "rubbish": -2.0,
    "faster": 1.0,
    "cheaper": 1.0,
}
_NEGATORS = frozenset(
    "not no never nothing none nobody isn't aren't wasn't weren't don't doesn't didn't won't "
    "can't cannot couldn't wouldn't shouldn't hasn't haven't hadn't without".split()
)
_WORK = frozenset({"work", "works", "working", "worked"})  # "doesn't work" is a complaint

# Churn away from the mention that follows ("leaving my globex plan" counts too).
_FILLER = r"(?:\s+(?:my|our|the|this|that|their|your|old|current|a|an))*"
_FROM = re.compile(
    r"\b(?:leav(?:e|ing)|left|quit(?:ting)?|cancel(?:l?ing|l?ed|s)?|ditch(?:ing|ed)?"
    r"|dump(?:ing|ed)?|abandon(?:ing|ed)?|(?:done|finished|through|fed up) with"
    r"|(?:sick|tired) of|(?:get|getting|got|move|moving|moved|port(?:ing|ed)?) (?:away from|out of)"
    r"|away from|goodbye|bye|farewell|unsubscrib\w* from|escap(?:e|ing|ed))" + _FILLER + r"\s*$"
)
# "from X" / "to X" / "for X" count as churn only in a clause about switching.
_SWITCH_VERB = re.compile(
    r"\b(?:switch\w*|mov(?:e|es|ed|ing)|go(?:ing)?|went|back|port(?:s|ed|ing)?|chang\w*"
    r"|migrat\w*|jump\w*|leav\w*|left|com(?:e|ing)|came|sign(?:ed|ing)? up|join\w*)\b"
)
_FROM_SWITCH = re.compile(r"\bfrom" + _FILLER + r"\s*$")
_TO_SWITCH = re.compile(r"\b(?:to|for|with)" + _FILLER + r"\s*$")
_TOWARD = re.compile(
    r"\b(?:try|trying|tried|trial\w*|join(?:ing)?|consider(?:ing)?|recommend\w*|looking at"
    r"|look(?:ing)? into|check(?:ing)? out|what about|how about|thoughts on|opinions? on"
    r"|experiences? with|(?:anyone|anybody|someone) (?:with|on|using|use|used|tried|try)"
    r"|getting|go(?:ing)? with|buy(?:ing)?)" + _FILLER + r"\s*$"
)
_ASKING = re.compile(r"\b(?:is|are|does|do|would|will|has|have|how's|hows|how is)\s*$")
_ASKED_ABOUT = re.compile(
    r"^\s*(?:any\s+(?:good|better|different|cheaper|faster|more)|better|worth|reliable|decent"
    r"|good|cheaper|faster|ok|okay)\b"
)
_INSTEAD = re.compile(r"^\s*instead\b")
_BETTER = frozenset("better faster cheaper nicer superior beats beat wins win".split())
_WORSE = frozenset("worse slower pricier dearer inferior".split())


class Evidence:
    """What the cues of one post say about one of its topics."""

    __slots__ = ("asked", "leaving", "negative", "positive", "toward")

    def __init__(self) -> None:
        self.negative = 0.0
        self.positive = 0.0
        self.leaving = False  # "leaving X", "switching from X"
        self.toward = False  # "switching to X": the customer is moving to it
        self.asked = False  # "is X any better?", "anyone tried X?": asked about as an option


def term_pattern(term: str) -> str | None:
    """Match a topic term as the listen stage does, closely enough to find where it is."""
    term = term.strip()
    bare = term.lstrip("@#").casefold()
    words = [re.escape(word).replace(r"\*", r"\w*") for word in re.split(r"[^\w*]+", bare) if word]
    if not words:
        return None
    lead = re.escape(term[0]) if term[0] in "@#" else "[@#]?"
    body = r"\W+".join(words)
    return rf"(?<![\w@#]){lead}{body}(?!\w)"


@lru_cache(maxsize=256)
def _mention_pattern(
    topics: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[re.Pattern | None, dict[str, str]]:
    """One pattern finding every topic's terms (longest term first), and group -> topic."""
    parts = []
    names = {}
    for topic, terms in topics:
        for term in terms:
            pattern = term_pattern(term)
            if pattern is not None:
                name = f"t{len(names)}"
                names[name] = topic
                parts.append((-len(term), f"(?P<{name}>{pattern})"))
    if not parts:
        return None, names
    return re.compile("|".join(part for _, part in sorted(parts))), names


_SENTENCES = re.compile(r"[.!?\n]+")
_CLAUSES = re.compile(r"[,;:()]|\s[-\u2013\u2014]\s|\bbut\b")
_WORDS = re.compile(r"\x00\d+\x00|\w[\w'-]*")  # a word, or a mention marked by read_evidence


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    """VADER's lexicon (with the care lexicon), CARE_VALENCE and the comparatives in one dict."""
    return {
        **dict.fromkeys(_BETTER | _WORSE, 0.0),
        **get_analyzer().lexicon,
        **CARE_VALENCE,
        **dict.fromkeys(_WORK, 0.0),
    }


def read_evidence(
    text: str, topics: tuple[tuple[str, tuple[str, ...]], ...]
) -> dict[str, Evidence]:
    """Attach churn cues, sentiment words and comparisons to the topics they are about."""
    evidence = {topic: Evidence() for topic, _ in topics}
    pattern, names = _mention_pattern(topics)
    if pattern is None:
        return evidence
    found: list[str] = []  # the topic of each mention, in order

    def mark(match: re.Match) -> str:
        found.append(names[match.lastgroup or ""])
        return f" \x00{len(found) - 1}\x00 "

    marked = pattern.sub(mark, text.casefold().replace("\u2019", "'").replace("\x00", " "))
    if not found:
        return evidence
    lexicon = _lexicon()
    last: str | None = None  # the topic named last, in an earlier sentence
    for sentence in _SENTENCES.split(marked):
        seen: list[str] = []  # the topics named so far in this sentence
        for clause in _CLAUSES.split(sentence):
            words = _WORDS.findall(clause)
            if words:
                _read_clause(words, found, evidence, seen, last, lexicon)
        if seen:
            last = seen[-1]
    return evidence


def _read_clause(
    words: list[str],
    found: list[str],
    evidence: dict[str, Evidence],
    seen: list[str],
    last: str | None,
    lexicon: dict[str, float],
) -> None:
    """Read one clause's cues into evidence; add the topics it names to seen."""
    mentions = [
        (pos, found[int(word[1:-1])]) for pos, word in enumerate(words) if word[0] == "\x00"
    ]
    start = 0  # cues do not reach back across a mention
    switching: bool | None = None
    for pos, word in enumerate(words):
        if word[0] == "\x00":
            topic = found[int(word[1:-1])]
            if switching is None:
                switching = _SWITCH_VERB.search(" ".join(words)) is not None
            _read_mention(words, start, pos, switching, evidence[topic])
            seen.append(topic)
            start = pos + 1
            continue
        value = lexicon.get(word)
        if value is None:  # most words: no valence, nothing more to look at
            continue
        if word in _BETTER or word in _WORSE:
            rival = _than_mention(words, found, pos)
            if rival is not None:  # "better than Y": Y loses, and what came before wins
                winner, _ = _attach(pos, [m for m in mentions if m[0] < pos], seen, last)
                points = COMPARATIVE_POINTS if word in _BETTER else -COMPARATIVE_POINTS
                _add(evidence[rival], -points)
                if winner is not None and winner != rival:
                    _add(evidence[winner], points)
                continue
        negated = any(w in _NEGATORS or w.endswith("n't") for w in words[max(start, pos - 3) : pos])
        if word in _WORK:
            value = -1.5 if negated else 0.0
        elif negated:
            value *= NEGATION
        if value:
            target, weight = _attach(pos, mentions, seen, last)
            if target is not None:
                _add(evidence[target], value * weight)
    _compare(words, mentions, evidence)


def _read_mention(words: list[str], start: int, pos: int, switching: bool, ev: Evidence) -> None:
    """Read the churn cues around the mention at clause position pos."""
    before = " ".join(words[max(start, pos - 6) : pos])
    after = " ".join(word for word in words[pos + 1 : pos + 5] if word[0] != "\x00")
    if _FROM.search(before) or (switching and _FROM_SWITCH.search(before)):
        ev.leaving = True
    elif (switching and _TO_SWITCH.search(before)) or _INSTEAD.search(after):
        ev.toward = True
    elif _TOWARD.search(before) or (_ASKING.search(before) and _ASKED_ABOUT.search(after)):
        ev.asked = True


def _than_mention(words: list[str], found: list[str], pos: int) -> str | None:
    """The topic named right after "than" following clause position pos, if any."""
    if pos + 2 < len(words) and words[pos + 1] == "than" and words[pos + 2][0] == "\x00":
        return found[int(words[pos + 2][1:-1])]
    return None


def _attach(
    pos: int, mentions: list[tuple[int, str]], seen: list[str], last: str | None
) -> tuple[str | None, float]:
    """The topic a sentiment word at clause position pos is about (see the module doc), and
    the weight its valence counts with."""
    before = [topic for at, topic in mentions if at < pos]
    if before:
        return before[-1], 1.0
    after = [topic for at, topic in mentions if at > pos]
    if after:
        return after[0], 1.0
    if seen:
        return seen[-1], 1.0
    return last, ELSEWHERE_WEIGHT


def _add(ev: Evidence, valence: float) -> None:
    if valence < 0:
        ev.negative -= valence
    else:
        ev.positive += valence


def _compare(
    words: list[str], mentions: list[tuple[int, str]], evidence: dict[str, Evidence]
) -> None:
    """ "X beats Y": Y loses; "X is worse vs Y": X loses (each pair of mentions in the clause)."""
    for (first_at, first), (second_at, second) in zip(mentions, mentions[1:], strict=False):
        between = set(words[first_at + 1 : second_at])
        if first == second or not between or "than" in between:  # "than": read word by word
            continue
        if between & _BETTER:
            evidence[second].negative += COMPARATIVE_POINTS
            evidence[first].positive += COMPARATIVE_POINTS
        elif between & _WORSE:
            evidence[first].negative += COMPARATIVE_POINTS
            evidence[second].positive += COMPARATIVE_POINTS
