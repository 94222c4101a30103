"""The HTML report for people who would rather look than read: `earmark report`.

data.py reads grouped counts from the store, svg.py draws charts, page.py lays out the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import IO

from earmark.models import OPEN_STATUSES
from export.formats.digest import digest_parts, section_labeler
from export.formats.records import iter_records
from export.report.data import load_report_data
from export.report.page import write_report

DEFAULT_SINCE = timedelta(days=7)
DEFAULT_LIMIT = 200
TITLE = "earmark report"


def write_store_report(
    store,
    out: IO[str],
    *,
    now: datetime,
    since: timedelta = DEFAULT_SINCE,
    at_risk_fraction: float = 0.2,
    queue_names: Sequence[str] = (),
    limit: int = DEFAULT_LIMIT,
    title: str = TITLE,
) -> list:
    """Write the report of the database as of now; return the ids of the items listed.

    Charts cover the posts of the last `since`; the summary and the items cover every open
    opportunity, of which the `limit` most urgent are listed (read one at a time in the
    store's urgency order, so memory stays flat).
    """
    data = load_report_data(
        store, now=now, since=since, at_risk_fraction=at_risk_fraction, queue_names=queue_names
    )
    urgency = {"now": now, "at_risk_fraction": at_risk_fraction}
    counts = store.exports.count_export_rows(status=list(OPEN_STATUSES), **urgency)
    total = sum(counts.values())
    counts = {(tier, queue or "(no queue)"): n for (tier, queue), n in counts.items()}
    rows = store.exports.iter_export_rows(status=list(OPEN_STATUSES), **urgency)
    try:
        records = islice(iter_records(rows, now=now), max(limit, 0))
        parts = digest_parts(records, counts, section_labeler(now, at_risk_fraction))
        return write_report(
            data, parts, out, title=title, shown=min(max(limit, 0), total), total=total
        )
    finally:
        rows.close()
