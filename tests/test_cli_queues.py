"""The queue commands end to end through the CLI (stdout data, stderr people, exit codes)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from queue_fixtures import add_post, make_store

from earmark.cli import cli

CONFIG = """
queues:
  - name: urgent
    match: {intents: [outage]}
    sla: 15m
  - name: support
    match: {kinds: [brand]}
    sla: 1h
agents:
  - {name: ana, queues: [urgent, support], capacity: 1}
  - {name: bob, queues: [support], languages: [en, es]}
  - {name: dana, role: expert, skills: [outage]}
"""


@pytest.fixture
def env(tmp_path):
    config = tmp_path / "earmark.yaml"
    config.write_text(CONFIG)
    with make_store(tmp_path) as store:
        add_post(store, "1", priority=90, intents=(("outage", 0.9),), text="=HYPERLINK(acme down)")
        add_post(store, "2", priority=50, author="bo", reply_privately=True)
        add_post(store, "3", priority=30, author="cy")
        db = store.path  # the file, or the PostgreSQL database (EARMARK_TEST_STORE=postgres)
    return {"db": db, "config": str(config)}


def run(env, *args, now="2024-05-01T12:00:00Z", **extra):
    runner = CliRunner()
    return runner.invoke(
        cli,
        ["-c", env["config"], "--db", env["db"], *args],
        env={"EARMARK_NOW": now, "EARMARK_AGENT": "", "USER": "lead", **extra},
    )


def test_route_says_what_it_did_then_stays_silent(env):
    first = run(env, "route")
    assert first.exit_code == 0, first.output
    assert first.stdout == ""
    assert first.stderr == (
        "route: 3 new opportunities (support 2, urgent 1), 0 joined a thread, 3 assigned, "
        "0 waiting in pools, "
        "agents added: ana, bob, dana\n"
    )
    second = run(env, "route")
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")


def test_queue_lists_open_work_by_priority(env):
    run(env, "route")
    result = run(env, "queue", "-f", "jsonl", now="2024-05-01T12:13:00Z")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["queue"], r["agent"], r["sla"], r["sla_left"]) for r in rows] == [
        (1, "urgent", "ana", "at_risk", "2m"),  # the last 3 minutes of a 15m window
        (2, "support", "bob", "on_track", "47m"),
        (3, "support", "bob", "on_track", "47m"),
    ]
    support = run(env, "queue", "support", "--agent", "bob", "-f", "csv")
    assert support.stdout.splitlines()[0].startswith("id,queue,status,agent,priority,sla")
    assert len(support.stdout.splitlines()) == 3
    csv_all = run(env, "queue", "-f", "csv")
    assert "'=HYPERLINK(acme down)" in csv_all.stdout  # formulas neutralised
    unknown = run(env, "queue", "nope")
    assert unknown.exit_code == 2
    assert "unknown queue 'nope' (queues: support, urgent)" in unknown.stderr


def test_queue_table_and_empty_queue(env):
    assert run(env, "queue", "-f", "table").stdout == ""  # nothing routed yet: nothing printed
    run(env, "route")
    table = run(env, "queue", "-f", "table").stdout
    assert "urgent" in table and "at_risk" not in table and "on_track" in table


def test_next_claim_respond_resolve_flow(env):
    run(env, "route")
    nxt = run(env, "next", "--agent", "bob", "-f", "json")
    record = json.loads(nxt.stdout)[0]
    assert (record["id"], record["mine"], record["reply_privately"]) == (2, True, True)
    table = run(env, "next", "--as", "bob", "-f", "table").stdout
    assert "YES - personal data in the post" in table and "50m left" not in table
    assert "1h00m left" in table
    claimed = run(env, "claim", "2", "--agent", "bob")
    assert (claimed.exit_code, claimed.stdout, claimed.stderr) == (
        0,
        "",
        "claim 2: now claimed (bob)\n",
    )
    responded = run(env, "respond", "2", now="2024-05-01T12:20:00Z", EARMARK_AGENT="bob")
    assert responded.stderr == "respond 2: now responded (bob)\n"
    other = run(env, "resolve", "2", "--agent", "ana")
    assert (other.exit_code, other.stderr) == (
        1,
        "Error: resolve 2: assigned to bob, not ana; ask bob, or add --force to resolve it "
        "anyway\n",
    )
    resolved = run(env, "resolve", "2", "--note", "sent refund", EARMARK_AGENT="bob")
    assert resolved.stderr == "resolve 2: now resolved (bob)\n"
    again = run(env, "resolve", "2")
    assert again.exit_code == 1
    assert again.stderr == (
        "Error: resolve 2: cannot resolve a resolved item; reopen it first with "
        "`earmark reopen 2`\n"
    )
    explained = run(env, "explain", "2", "-f", "table").stdout.splitlines()
    assert explained[0] == "opportunity 2: resolved with bob, queue support, priority 50, SLA met"
    assert explained[2] == "classified: test"  # the classification's opportunity reason
    assert [line.split()[1] for line in explained[3:]] == [
        "created",
        "assigned",
        "claimed",
        "responded",
        "resolved",
    ]
    assert "candidates: ana 1/1 rejected: at capacity (1/1), bob 0/10 ok" in explained[4]
    assert "dana 0/10 rejected: expert (takes escalations only)" in explained[4]


def test_claim_someone_elses_item(env):
    run(env, "route")
    result = run(env, "claim", "2", "--agent", "ana")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: claim 2: assigned to bob, not ana; ask a lead to run "
        "`earmark reassign 2 --to ana`\n"
    )


def test_escalate_reassign_dismiss_reopen(env):
    run(env, "route")
    assert run(env, "escalate", "1").stderr == "escalate 1: now escalated (dana)\n"
    assert run(env, "reassign", "3", "--to", "ana").stderr == ("reassign 3: now assigned (ana)\n")
    full = run(env, "reassign", "2", "--to", "ana")
    assert full.stderr == (
        "Error: reassign 2: ana is at capacity (1/1); add --force to reassign anyway\n"
    )
    dismissed = run(env, "dismiss", "3", "--reason", "spam", "--force")
    assert dismissed.stderr == "dismiss 3: now dismissed (ana)\n"
    assert run(env, "reopen", "3").stderr == "reopen 3: now assigned (ana)\n"
    missing = run(env, "dismiss", "3")
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.stderr


def test_stats_and_agents(env):
    run(env, "route")
    run(env, "claim", "2", "--agent", "bob", now="2024-05-01T12:04:00Z")
    run(env, "respond", "2", "--agent", "bob", now="2024-05-01T12:10:00Z")
    stats = run(env, "stats", "-f", "json", now="2024-05-01T13:00:00Z")
    assert stats.exit_code == 0, stats.output
    [record] = json.loads(stats.stdout)
    assert (record["created"], record["response_p50"], record["backlog"], record["breaches"]) == (
        3,
        600,
        3,
        1,  # urgent 1 unanswered past 12:15; support 3, due 13:00, is not past it yet
    )
    table = run(env, "stats", "--by", "queue", "-f", "table", now="2024-05-01T13:00:00Z")
    assert "support" in table.stdout and "10m" in table.stdout
    topics = run(env, "stats", "--by", "topic", "-f", "table", now="2024-05-01T13:00:00Z")
    assert "acme" in topics.stdout and "█" in topics.stdout
    bad = run(env, "stats", "--since", "soon")
    assert bad.exit_code == 2
    assert "--since: invalid duration 'soon'" in bad.stderr
    agents = run(env, "agents", "-f", "jsonl")
    rows = [json.loads(line) for line in agents.stdout.splitlines()]
    assert [(r["name"], r["load"], r["capacity"]) for r in rows] == [
        ("ana", 1, 1),
        ("bob", 2, 10),
        ("dana", 0, 10),
    ]


def test_route_needs_a_config(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "route"], env={})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no config file")
