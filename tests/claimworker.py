"""One agent working a shared queue as fast as it can, for the claim races of
test_team_races.py (both engines): `python tests/claimworker.py MODE DB AGENT`, DB an SQLite
path or a PostgreSQL URL.

- MODE `claim`: look at the top 20 of the pool (as `earmark queue --unassigned` shows it),
  claim one of them at random (`earmark claim ID`) and resolve it, until the pool is empty. A
  claim another agent won between the look and the claim is counted as lost, and the agent
  looks again. (Eight agents all taking the very top item would mostly measure lost races.)
- MODE `next`: ask for the most urgent item and claim it in one step
  (export.queues.next_claim, what `earmark next --claim` runs), resolve it, ask again.

Prints one JSON line per item handed to the agent ({"id", "status", "mine"}) and one at the
end: {"lost": n, "locked": n}, `locked` counting how often the store said "busy, try again
later" (exit 75 for `earmark`), after which the agent tries again, as a script around
`earmark` would.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from queue_fixtures import NOW, make_config  # noqa: E402

from earmark.store import Store  # noqa: E402
from earmark.store.faults import StoreLockedError  # noqa: E402
from export.queues.actions import QueueError, claim, resolve  # noqa: E402
from export.queues.next_claim import next_and_claim  # noqa: E402

AGENTS = [f"agent{i}" for i in range(8)]
QUEUE = {"name": "support", "match": {"kinds": ["brand"]}, "sla": "1h"}


def settings():
    agents = [{"name": name, "queues": ["support"], "capacity": 2000} for name in AGENTS]
    return make_config(queues=[QUEUE], agents=agents).queue_settings()


class Agent:
    """One agent's loop over the pool, counting lost races and busy answers."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self.settings = settings()
        self.pick = random.Random(name)
        self.lost = 0
        self.locked = 0

    def take_by_claim(self) -> tuple[dict, bool] | None:
        """Claim one of the top 20 of the pool; None when the pool is empty."""
        while True:
            pool = self.store.queues.open_items(
                statuses=("open",), unassigned=True, queues=["support"], limit=20
            )
            if not pool:
                return None
            record = self.pick.choice(pool)
            try:
                item = claim(self.store, self.settings, record["id"], actor=self.name, now=NOW)
            except QueueError:  # another agent claimed it between our look and our claim
                self.lost += 1
                continue
            return item, False

    def take_next(self) -> tuple[dict, bool] | None:
        return next_and_claim(self.store, self.settings, self.name, NOW)

    def resolve(self, ident: int) -> None:
        resolve(self.store, self.settings, ident, actor=self.name, now=NOW)

    def retrying(self, action):
        while True:
            try:
                return action()
            except StoreLockedError:
                self.locked += 1

    def work(self, mode: str) -> None:
        take = {"claim": self.take_by_claim, "next": self.take_next}[mode]
        while (found := self.retrying(take)) is not None:
            record, mine = found
            print(json.dumps({"id": record["id"], "status": record["status"], "mine": mine}))
            sys.stdout.flush()
            self.retrying(lambda ident=record["id"]: self.resolve(ident))
        print(json.dumps({"lost": self.lost, "locked": self.locked}), flush=True)


def main(mode: str, db: str, agent: str) -> None:
    with Store(db) as store:
        Agent(store, agent).work(mode)


if __name__ == "__main__":
    main(*sys.argv[1:4])
