"""A team on one store, on both engines (the `db` fixture: an SQLite file, then a PostgreSQL
database; PostgreSQL skips, saying why, where no server can start): real processes at once, as
agents and hosts working together.

- eight agents (processes) take from one queue of 1,000 items with `claim`, or loop
  `next --claim`: each item is handed out exactly once, none is skipped, no process fails;
- two `route` at once fill each agent exactly to capacity (routing reads the loads in the
  transaction that assigns).
"""

from __future__ import annotations

import pytest
from claimrace import claim_race, pool_store
from killhelpers import (
    FILE_SOURCE,
    finish,
    is_postgres,
    rows,
    run_earmark,
    spawn_earmark,
    write_config,
    write_posts,
)

# Real processes racing each other on one store.
pytestmark = pytest.mark.slow


def test_eight_agents_claim_a_thousand_items_each_exactly_once(db):
    ids = pool_store(db, 1000)
    outcome = claim_race(db, "claim", ids)
    # PostgreSQL's write lock is a queue: nobody waits past the lock timeout.
    if is_postgres(db):
        assert outcome.locked == 0


def test_eight_processes_looping_next_claim_get_every_item_exactly_once(db):
    # PostgreSQL hands out about 7 a second here (each pick ranks the pool under the write
    # lock): 300 items keep the test near a minute; `claim` above takes 1,000 on both.
    ids = pool_store(db, 300 if is_postgres(db) else 1000)
    outcome = claim_race(db, "next", ids)
    assert outcome.lost == 0  # the pick and the claim are one transaction
    # SQLite's busy wait is not a queue: under this load a writer may wait past the busy
    # timeout and be told to try again (exit 75). PostgreSQL's write lock is a queue.
    if is_postgres(db):
        assert outcome.locked == 0


def test_two_routes_at_once_fill_each_agent_exactly_to_capacity(db, tmp_path):
    """Routing reads the agents' loads in the transaction that assigns: two hosts routing the
    same backlog at once never give an agent more than their capacity."""
    write_posts(tmp_path / "posts.jsonl", 3000)  # a routing long enough for the two to overlap
    config = write_config(tmp_path, FILE_SOURCE)
    for command in ("listen", "classify"):
        done = run_earmark(config, db, command)
        assert done.returncode == 0, done.stderr
    results = finish([spawn_earmark(config, db, "route") for _ in range(2)])
    assert sorted(code for code, _, _ in results) in ([0, 0], [0, 75]), results
    held = rows(
        db,
        "SELECT agent, count(*) FROM opportunities WHERE agent IS NOT NULL "
        "AND status IN ('assigned', 'claimed', 'responded', 'escalated') GROUP BY 1 ORDER BY 1",
    )
    assert held == [("alice", 8), ("bob", 10)]  # the config's capacities, not twice them
    posts = rows(db, "SELECT count(*), count(DISTINCT post_id) FROM opportunity_posts")
    assert posts[0][0] == posts[0][1] > 100  # every post routed once
