"""One agent looping `next --claim` on a shared store, for the concurrency test of
test_next_claim.py: `python tests/nextclaimer.py DB AGENT` asks for its most urgent item and
claims it in one step (export.queues.next_claim, what `earmark next --claim` runs), resolves
it, and asks again until nothing is left; prints one JSON line per item handed to it, and one
({"locked": n}) at the end: how often the store said "busy, try again later" (exit 75 for
`earmark`), after which it asks again, as a script around `earmark` would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgclaimer import settings  # noqa: E402
from queue_fixtures import NOW  # noqa: E402

from earmark.store import Store  # noqa: E402
from earmark.store.faults import StoreLockedError  # noqa: E402
from export.queues.actions import resolve  # noqa: E402
from export.queues.next_claim import next_and_claim  # noqa: E402


def main(db: str, agent: str) -> None:
    queue_settings = settings()
    locked = 0
    with Store(db) as store:
        while True:
            try:
                found = next_and_claim(store, queue_settings, agent, NOW)
            except StoreLockedError:
                locked += 1
                continue
            if found is None:
                break
            record, mine = found
            print(json.dumps({"id": record["id"], "status": record["status"], "mine": mine}))
            sys.stdout.flush()
            while True:
                try:
                    resolve(store, queue_settings, record["id"], actor=agent, now=NOW)
                    break
                except StoreLockedError:
                    locked += 1
    print(json.dumps({"locked": locked}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
