"""Cron silence across two `earmark run`s: every stage (listen, classify, route, notify, alerts,
health) reports its changes in the run that makes them, and the next run with nothing new prints
nothing and exits 0 (real files, a real local Slack webhook)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from killhelpers import SlackHook, write_config

from earmark.cli import cli

SOURCES = "  file: {path: posts.jsonl, expect_every: 1h}\n"
EXTRA = """\
notify:
  slack: {webhook_env: TEST_SLACK_HOOK}
alerts:
  thresholds:
    - {max_open: 0}
"""
# An author's first post in a thread matches no queue; their later post there opens an item.
POSTS = [
    {"id": "test:1", "text": "thanks acme, the new hub is brilliant", "thread_id": "t1"},
    {"id": "test:2", "text": "acme my order never arrived, refund?", "thread_id": "t1"},
    {"id": "test:3", "text": "acme is down again, no internet since 9", "author": "bo"},
]


@pytest.fixture
def hook():
    with SlackHook() as running:
        yield running


def _write(path, posts):
    with open(path, "w", encoding="utf-8") as out:
        for i, post in enumerate(posts):
            record = {"created_at": f"2026-11-18T09:0{i}:00Z", "author": "ann", **post}
            out.write(json.dumps(record) + "\n")


def test_each_stage_speaks_once_then_the_next_run_is_silent(tmp_path, hook):
    _write(tmp_path / "posts.jsonl", POSTS)
    config = write_config(tmp_path, SOURCES, EXTRA)
    env = {"TEST_SLACK_HOOK": hook.url}

    def run_at(now: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(
            cli,
            ["-c", str(config), "--db", str(tmp_path / "x.db"), "run"],
            env={"EARMARK_NOW": now, **env},
        )
        return result.exit_code, result.stdout, result.stderr

    code, out, err = run_at("2026-11-18T10:00:00Z")
    assert (code, out) == (0, ""), err
    lines = err.splitlines()
    assert lines[0].startswith("file: 3 new posts")
    assert lines[1] == "classify: 3 posts"
    assert lines[2].startswith("route: 2 new opportunities") and "1 joined a thread" in lines[2]
    assert any(line.startswith("notify slack: delivered 2 opportunities") for line in lines)
    assert "alert: threshold:open:all firing" in lines
    sent = len(hook.messages)

    # Nothing new, a minute later: no stage has anything to say.
    assert run_at("2026-11-18T10:01:00Z") == (0, "", "")
    # Two hours later: the SLAs ran out and the source went quiet; each is said once.
    code, out, err = run_at("2026-11-18T12:00:00Z")
    assert (code, out) == (0, "")
    health = [line for line in err.splitlines() if line.startswith("health:")]
    assert health == ["health: file: no new posts for 2h00m (expected every 1h)"], err
    assert run_at("2026-11-18T12:01:00Z") == (0, "", "")
    assert len(hook.messages) > sent  # the health alert went out, once
    assert len(hook.messages) == sent + 1
