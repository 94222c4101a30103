"""Fixed opportunities for the export and notify tests, built through the store.

Posts and classifications go in with store.posts.save_posts and
store.classifications.save_classifications, the opportunities with
store.queues.insert_opportunity (as routing would).
"""

from __future__ import annotations

from datetime import timedelta

from earmark.models import Classification, Post, TopicMatch, parse_iso, to_iso

NOW = "2026-03-02T12:00:00Z"
_NOW = parse_iso(NOW)

HOSTILE_TEXT = (
    '<script>alert("x")</script> <!channel> <!here> @channel <@U123> '
    '<http://evil.example|click here> =HYPERLINK("http://x","y") & \r\nBcc: victim@example.com'
    "\u202etxt.exe ✅🙂 "
)
LONG_TEXT = ("Still waiting on my refund 😤 & nobody answers <b>anything</b>. " * 170)[:10240]


def _post(
    native_id, text, *, platform="reddit", author="user", name=None, minutes_ago=60, url=True
):
    return Post(
        platform=platform,
        native_id=native_id,
        text=text,
        created_at=_NOW - timedelta(minutes=minutes_ago),
        url=f"https://{platform}.example/p/{native_id}" if url is True else url,
        author=author,
        author_name=name,
        author_reach=100,
    )


def _label(post, sentiment, intents, priority, *, pii=(), compound=-0.5):
    return Classification(
        sentiment=sentiment,
        compound=compound,
        pos=0.1,
        neu=0.5,
        neg=0.4,
        language="en",
        intents=[(name, score) for name, score in intents],
        pii=list(pii),
        reply_privately=bool(pii),
        priority=priority,
        priority_reason="test",
        opportunity="support",
        opportunity_reason="test",
        version="test",
        post_id=post.id,
    )


# (post, classification, queue, status, agent, sla minutes from NOW or None)
def _calm():
    a = _post(
        "a1", "Acme checkout is down again, cannot pay!", author="jo_d", name="Jo D", minutes_ago=30
    )
    b = _post(
        "b2",
        "How do I change my Acme plan? Order 12345678, mail me at jo@example.com",
        platform="mastodon",
        author="@sam@social.example",
        name="Sam",
        minutes_ago=300,
    )
    c = _post(
        "c3",
        "Thinking of leaving Acme for Globex, support never replies",
        platform="hackernews",
        author="pat",
        minutes_ago=1500,
    )
    d = _post("d4", "Love the new Acme app ❤️", author="lee", minutes_ago=90)
    return [
        (
            a,
            _label(a, "negative", [("outage", 0.9), ("complaint", 0.6)], 92),
            "urgent",
            "open",
            None,
            10,
        ),
        (
            b,
            _label(
                b, "neutral", [("question", 0.8)], 55, pii=["order_number", "email"], compound=0.0
            ),
            "support",
            "assigned",
            "alice",
            -20,
        ),
        (
            c,
            _label(c, "negative", [("churn_risk", 0.7), ("complaint", 0.5)], 75),
            "support",
            "open",
            None,
            60,
        ),
        (
            d,
            _label(d, "positive", [("praise", 0.9)], 20, compound=0.8),
            "support",
            "open",
            None,
            None,
        ),
    ]


def _hostile():
    h = _post(
        "h1",
        HOSTILE_TEXT,
        platform="x",
        author="=cmd|' /C calc'!A0",
        name="Eve\r\nBcc: victim@example.com\u202e",
        minutes_ago=45,
        url="javascript:alert(1)",
    )
    long = _post(
        "l1",
        LONG_TEXT,
        author="<@U999>",
        name="<!everyone>",
        minutes_ago=10,
        url='https://reddit.example/p/l1?a=1&b=<"x">|y',
    )
    f = _post(
        "f1", '=HYPERLINK("http://x","y")', author="@here", name="+1 555 0100", minutes_ago=20
    )
    return [
        (
            h,
            _label(h, "negative", [("complaint", 0.8)], 80, pii=["email"]),
            "urgent",
            "open",
            None,
            5,
        ),
        (
            long,
            _label(long, "negative", [("complaint", 0.7), ("question", 0.4)], 60),
            "support",
            "open",
            None,
            100,
        ),
        (f, _label(f, "neutral", [("other", 0.2)], 45, compound=0.0), "support", "open", None, 50),
    ]


def add_rows(store, rows, *, queue_topic="acme") -> list[int]:
    """Insert posts, labels and opportunities; return the opportunity ids in order."""
    posts = [r[0] for r in rows]
    store.posts.save_posts(posts, [TopicMatch(p.id, queue_topic, "brand", ["acme"]) for p in posts])
    store.classifications.save_classifications([r[1] for r in rows])
    ids = []
    for post, label, queue, status, agent, sla in rows:
        ids.append(
            store.queues.insert_opportunity(
                {
                    "post_id": post.id,
                    "kind": "support",
                    "queue": queue,
                    "status": status,
                    "agent": agent,
                    "priority": label.priority,
                    "base_priority": label.priority,
                    "language": "en",
                    "thread_key": post.id,
                    "created_at": to_iso(post.created_at + timedelta(minutes=1)),
                    "sla_due": to_iso(_NOW + timedelta(minutes=sla)) if sla is not None else None,
                    "updated_at": NOW,
                }
            )
        )
    return ids


def add_calm(store) -> list[int]:
    """Add four ordinary opportunities in two queues."""
    return add_rows(store, _calm())


def add_hostile(store) -> list[int]:
    """Add three opportunities whose posts attack every output format."""
    return add_rows(store, _hostile())


def add_many(store, count: int, *, queue="support", start=0) -> list[int]:
    """Add count plain opportunities (for splitting and batching tests)."""
    rows = []
    for n in range(start, start + count):
        post = _post(f"m{n}", f"Question number {n} about Acme", minutes_ago=5 + n)
        rows.append(
            (
                post,
                _label(post, "neutral", [("question", 0.6)], 50, compound=0.0),
                queue,
                "open",
                None,
                60,
            )
        )
    return add_rows(store, rows)
