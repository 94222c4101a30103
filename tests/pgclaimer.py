"""One agent working a shared queue as fast as it can, for the PostgreSQL concurrency test:
`python tests/pgclaimer.py URL AGENT` looks at the top 20 of the pool (as `earmark queue
--unassigned` shows it), claims one of them at random and resolves it, until the pool is
empty; prints one JSON line per claim ({"id": ..}) and, at the end, how many claims lost the
race to another agent ({"lost": n}). (Eight agents all taking the very top item would mostly
measure lost races: each loser must look again.)"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from queue_fixtures import NOW, make_config  # noqa: E402

from earmark.store import Store  # noqa: E402
from export.queues.actions import QueueError, claim, resolve  # noqa: E402

AGENTS = [f"agent{i}" for i in range(8)]
QUEUE = {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h"}


def settings():
    agents = [{"name": name, "queues": ["support"], "capacity": 2000} for name in AGENTS]
    return make_config(queues=[QUEUE], agents=agents).queue_settings()


def main(url: str, agent: str) -> None:
    queue_settings = settings()
    lost = 0
    pick = random.Random(agent)
    with Store(url) as store:
        while True:
            pool = store.queues.open_items(
                statuses=("open",), unassigned=True, queues=["support"], limit=20
            )
            if not pool:
                break
            record = pick.choice(pool)
            try:
                claim(store, queue_settings, record["id"], actor=agent, now=NOW)
            except QueueError:  # another agent claimed it between our next and our claim
                lost += 1
                continue
            print(json.dumps({"id": record["id"]}), flush=True)
            resolve(store, queue_settings, record["id"], actor=agent, now=NOW)
    print(json.dumps({"lost": lost}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
