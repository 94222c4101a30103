"""What the queue views and `next` show of an item: the opportunity with its post and labels
(one SELECT shared by the queues part and the urgency reads)."""

ITEM_COLUMNS = (
    "SELECT o.*, p.platform, p.url, p.author, p.text, p.created_at AS post_created_at, "
    "c.sentiment, c.intents, c.primary_intent, c.reply_privately, c.pii, "
    "c.opportunity_reason "
)
ITEM_JOINS = (
    "JOIN posts p ON p.id = o.post_id LEFT JOIN classifications c ON c.post_id = o.post_id "
)
ITEM_SELECT = ITEM_COLUMNS + "FROM opportunities o " + ITEM_JOINS


def item_filters(
    queue: str | None, agent: str | None, unassigned: bool, prefix: str = ""
) -> tuple[list[str], list[object]]:
    """Return the WHERE clauses and parameters of the queue views' filters (a queue, an agent,
    unassigned only), in that order; `prefix` is the table alias ("o.") where one is needed."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (("queue", queue), ("agent", agent)):
        if value is not None:
            clauses.append(f"{prefix}{column} = ?")
            params.append(value)
    if unassigned:
        clauses.append(f"{prefix}agent IS NULL")
    return clauses, params
