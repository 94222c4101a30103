"""`earmark next --claim`: the agent's most urgent item, picked and claimed in one transaction,
so agents asking at once never get the same item and none is passed over (both engines; the
race of eight processes looping it is in test_team_races.py)."""

from __future__ import annotations

import json
from pathlib import Path

from claimrace import pool_store, statuses
from click.testing import CliRunner

from earmark.cli import cli
from earmark.store import Store

CONFIG = """
queues:
  - {name: support, match: {kinds: [brand]}, sla: 1h, strategy: manual}
agents:
  - {name: ana, queues: [support], capacity: 2}
  - {name: bob, queues: [support]}
"""


def run(db: str, config: Path, *args: str):
    return CliRunner().invoke(
        cli,
        ["-c", str(config), "--db", db, *args],
        env={"EARMARK_NOW": "2024-05-01T12:00:00Z", "EARMARK_AGENT": "", "USER": "lead"},
    )


def test_next_claim_takes_the_top_of_the_pool_then_shows_it_again(db, tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG)
    ids = pool_store(db, 3)
    oldest_first = list(reversed(ids))  # add_many makes each item a minute older than the last
    first = run(db, config, "next", "--claim", "--agent", "ana", "-f", "json")
    assert first.exit_code == 0, first.output
    record = json.loads(first.stdout)[0]
    assert (record["id"], record["status"], record["agent"], record["mine"]) == (
        oldest_first[0],
        "claimed",
        "ana",
        False,
    )
    assert statuses(db)[oldest_first[0]] == ("claimed", "ana")
    # Her own claimed item comes first again: shown, not claimed twice.
    again = run(db, config, "next", "--claim", "--agent", "ana", "-f", "json")
    assert (json.loads(again.stdout)[0]["id"], json.loads(again.stdout)[0]["mine"]) == (
        oldest_first[0],
        True,
    )
    # Plain `next` still only looks: bob sees the next pool item, which stays in the pool.
    look = run(db, config, "next", "--agent", "bob", "-f", "json")
    assert json.loads(look.stdout)[0]["id"] == oldest_first[1]
    assert statuses(db)[oldest_first[1]] == ("open", None)
    taken = run(db, config, "next", "--claim", "--agent", "bob", "-f", "table")
    assert taken.exit_code == 0, taken.output
    assert "pool of support" in taken.stdout and "claimed" in taken.stdout
    assert statuses(db)[oldest_first[1]] == ("claimed", "bob")
    with Store(db) as store:
        events = [e["type"] for e in store.events.events_for(oldest_first[1])]
    assert events == ["claimed"]  # add_many stores items without routing events


def test_next_claim_at_capacity_fails_in_one_line_and_claims_nothing(db, tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG.replace("capacity: 2", "capacity: 1"))
    held, pooled = pool_store(db, 2)
    with Store(db) as store:  # answered, so not "hers" for next, but it counts against capacity
        store.queues.update_opportunity(held, status="responded", agent="ana")
    full = run(db, config, "next", "--claim", "--agent", "ana")
    assert (full.exit_code, full.stdout) == (1, "")
    assert full.stderr == (
        f"Error: claim {pooled}: ana is at capacity (1/1); to claim it anyway: "
        f"`earmark claim {pooled} --force`\n"
    )
    assert statuses(db)[pooled] == ("open", None)
    empty = run(db, config, "next", "--claim", "--agent", "bob")
    assert empty.exit_code == 0
    assert statuses(db)[pooled] == ("claimed", "bob")
    nothing = run(db, config, "next", "--claim", "--agent", "ana")
    assert (nothing.exit_code, nothing.stdout, nothing.stderr) == (
        0,
        "",
        "next: nothing waiting for ana\n",
    )


def test_the_command_next_claim_suggests_at_capacity_exists_and_claims_the_item(db, tmp_path):
    """`next` has no --force: the hint names the command that has one, and it works."""
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG.replace("capacity: 2", "capacity: 1"))
    held, pooled = pool_store(db, 2)
    with Store(db) as store:  # answered: not shown by next, but it counts against capacity
        store.queues.update_opportunity(held, status="responded", agent="ana")
    forced_next = run(db, config, "next", "--claim", "--force", "--agent", "ana")
    assert forced_next.exit_code == 2  # what the old hint ("add --force") led to
    full = run(db, config, "next", "--claim", "--agent", "ana")
    assert full.exit_code == 1
    suggested = full.stderr.rsplit("`", 2)[1].split()
    assert suggested[:2] == ["earmark", "claim"] and "--force" in suggested
    done = run(db, config, *suggested[1:], "--agent", "ana")
    assert (done.exit_code, done.stdout) == (0, ""), done.output
    assert statuses(db)[pooled] == ("claimed", "ana")
    with Store(db) as store:
        [event] = store.events.events_for(pooled)
    assert event["detail"]["forced"] == "ana is at capacity (1/1)"
