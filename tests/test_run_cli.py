"""`earmark run` (the cron line) and `earmark runs`: summaries, silence, exit codes, the run lock,
--max-duration and collector health, against real files, a real local Slack webhook and real
subprocesses for the lock."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbconn import db_connect
from httpserver import LocalServer
from killhelpers import (
    FILE_SOURCE,
    NOW,
    SLACK,
    SlackHook,
    post_line,
    run_earmark,
    snapshot,
    spawn_earmark,
    subprocess_env,
    wait_until,
    write_config,
    write_posts,
)

from earmark.cli import cli


def invoke(config: Path, *args: str, env: dict | None = None, now: str = NOW):
    db = config.parent / "x.db"
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": now, **(env or {})}
    )


def runs_table(config: Path) -> list[dict]:
    result = invoke(config, "runs", "-f", "jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def hook():
    with SlackHook() as running:
        yield running


def opportunity_count(config: Path) -> int:
    with db_connect(config.parent / "x.db") as conn:
        return conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]


def test_run_summarises_on_stderr_then_a_second_run_is_silent(tmp_path, hook):
    write_posts(tmp_path / "posts.jsonl", 10)
    config = write_config(tmp_path, FILE_SOURCE, SLACK)
    env = {"TEST_SLACK_HOOK": hook.url}

    first = invoke(config, "run", env=env)
    assert (first.exit_code, first.stdout) == (0, "")
    # How many posts become opportunities is the classifier's business (tuned elsewhere):
    # the summary must agree with what was stored and sent.
    made = opportunity_count(config)
    assert made >= 2
    lines = first.stderr.splitlines()
    assert lines[:2] == ["file: 8 new posts (acme 4, acmehelp 2, globex 2)", "classify: 8 posts"]
    assert re.fullmatch(
        rf"route: {made} new opportunities \((\w+ \d+(, )?)+\), 0 joined a thread, {made} "
        r"assigned, 0 waiting in pools, agents added: alice, bob",
        lines[2],
    )
    assert lines[3:] == [f"notify slack: delivered {made} opportunities in 1 message"]
    assert hook.received == dict.fromkeys(range(1, made + 1), 1)

    second = invoke(config, "run", env=env)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert len(hook.messages) == 1

    write_posts(tmp_path / "posts.jsonl", 1, start=10, append=True)  # "acme is down again"
    third = invoke(config, "run", env=env)
    assert (third.exit_code, third.stdout) == (0, "")
    assert third.stderr.splitlines()[0] == "file: 1 new post (acme 1)"
    assert "notify slack: delivered 1 opportunity in 1 message" in third.stderr.splitlines()
    assert hook.received == dict.fromkeys(range(1, made + 2), 1)


def test_every_run_is_recorded_and_shown_by_earmark_runs(tmp_path, hook):
    write_posts(tmp_path / "posts.jsonl", 10)
    config = write_config(tmp_path, FILE_SOURCE, SLACK)
    assert invoke(config, "run", env={"TEST_SLACK_HOOK": hook.url}).exit_code == 0
    assert invoke(config, "run", env={"TEST_SLACK_HOOK": hook.url}).exit_code == 0

    made = opportunity_count(config)
    latest, first = runs_table(config)
    assert first == {
        "id": 1,
        "started_at": NOW,
        "took": "0s",
        "status": "ok",
        "counts": {
            "alerts": 0,
            "assigned": made,
            "classified": 8,
            "new_posts": 8,
            "notified": made,
            "opportunities": made,
        },
        "errors": {},
    }
    assert (latest["id"], latest["status"], latest["counts"]["new_posts"]) == (2, "ok", 0)
    table = invoke(config, "runs", "-f", "csv")
    assert table.stdout.splitlines()[0] == "id,started_at,took,status,counts,errors"


def test_one_failing_source_exits_3_and_the_others_still_run(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 5)
    with LocalServer() as server:  # no route: every request is a 404
        sources = FILE_SOURCE + f"  hackernews: {{base_url: '{server.url('/api')}'}}\n"
        config = write_config(tmp_path, sources)
        result = invoke(config, "run")
        where = server.url("/api/search_by_date")
    assert (result.exit_code, result.stdout) == (3, "")
    lines = result.stderr.splitlines()
    message = f"HTTP 404 Not Found from {where}; check base_url and the source's settings"
    assert lines[0] == "file: 4 new posts (acme 2, acmehelp 1, globex 1)"
    assert lines[-1] == f"hackernews: error: {message}"
    assert "Traceback" not in result.stderr
    (run,) = runs_table(config)
    assert (run["status"], run["errors"]) == ("partial", {"hackernews": message})
    assert run["counts"]["new_posts"] == 4


def test_every_source_failing_exits_1(tmp_path):
    config = write_config(tmp_path, FILE_SOURCE)  # posts.jsonl does not exist
    result = invoke(config, "run")
    assert (result.exit_code, result.stdout) == (1, "")
    missing = tmp_path / "posts.jsonl"
    assert result.stderr.splitlines() == [
        # the first run still adds the agents
        "route: 0 new opportunities, 0 joined a thread, 0 assigned, 0 waiting in pools, "
        "agents added: alice, bob",
        f"file: error: {missing}: no such file (check sources.file.path)",
    ]
    assert runs_table(config)[0]["status"] == "failed"


def test_a_bug_in_a_stage_marks_the_run_failed_and_frees_the_lock(tmp_path, monkeypatch):
    config = write_config(tmp_path, FILE_SOURCE)
    write_posts(tmp_path / "posts.jsonl", 3)

    def broken(*args, **kwargs):
        raise RuntimeError("boom in classify")

    monkeypatch.setattr("classify.stage.classify_posts", broken)
    result = invoke(config, "run")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: unexpected RuntimeError: boom in classify; this is a bug in earmark, please "
        "report it with the command you ran\n"
    )
    (row,) = runs_table(config)
    assert row["status"] == "failed"
    assert "unexpected RuntimeError: boom in classify" in json.dumps(row)
    monkeypatch.undo()
    assert invoke(config, "run").exit_code == 0  # the lock was released


def test_run_without_a_config_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "run"], env={})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: no config file: pass -c PATH, set EARMARK_CONFIG, or create earmark.yaml with "
        "`earmark init`\n"
    )


def test_invalid_max_duration_is_a_usage_error(tmp_path):
    config = write_config(tmp_path, FILE_SOURCE)
    result = invoke(config, "run", "--max-duration", "soon")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --max-duration: invalid duration 'soon': use a number and a unit, e.g. 15m, 2h, 1d"
    )


# -- --max-duration ----------------------------------------------------------------------------


def test_max_duration_stops_at_a_batch_boundary_and_the_next_runs_continue(tmp_path):
    """A tiny --max-duration over a big import: every run saves whole batches and says it
    stopped; the runs together store exactly what one unbounded run stores."""
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    write_posts(reference_dir / "posts.jsonl", 12_000)
    reference = write_config(reference_dir, FILE_SOURCE)
    assert invoke(reference, "run").exit_code == 0

    write_posts(tmp_path / "posts.jsonl", 12_000)
    config = write_config(tmp_path, FILE_SOURCE)
    stopped = 0
    for _ in range(40):
        result = invoke(config, "run", "--max-duration", "0.01s")
        assert (result.exit_code, result.stdout) == (0, "")
        if not result.stderr:
            break  # nothing new: done
        if "run: stopped at --max-duration; the rest continues next run" in result.stderr:
            stopped += 1
            lines_read = json.loads(file_cursor(config.parent / "x.db"))["line"]
            assert lines_read % 1000 == 0  # whole batches only
    else:
        pytest.fail("the bounded runs never caught up")
    assert stopped >= 2
    assert snapshot(config.parent / "x.db") == snapshot(reference_dir / "x.db")


def file_cursor(db: Path) -> str:
    with db_connect(db) as conn:
        return conn.execute("SELECT value FROM cursors WHERE source = 'file'").fetchone()[0]


# -- one run at a time -------------------------------------------------------------------------

HOLD_LOCK = """\
import sys, time
from earmark.lock import RunLock
RunLock(sys.argv[1]).acquire()
print("locked", flush=True)
time.sleep(120)
"""


def hold_lock(db: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


@pytest.mark.slow
def test_overlapping_run_exits_75_with_one_clear_line(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 10)
    config = write_config(tmp_path, FILE_SOURCE)
    holder = hold_lock(tmp_path / "x.db")
    try:
        result = invoke(config, "run")
    finally:
        holder.kill()
        holder.communicate()
    assert (result.exit_code, result.stdout) == (75, "")
    assert result.stderr == (
        f"earmark run: another earmark run (pid {holder.pid}) is using this database; exiting\n"
    )
    assert not (tmp_path / "x.db").exists() or snapshot(tmp_path / "x.db")["posts"] == []


@pytest.mark.slow
def test_a_stale_lock_from_a_killed_run_is_taken_over(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 10)
    config = write_config(tmp_path, FILE_SOURCE)
    holder = hold_lock(tmp_path / "x.db")
    holder.send_signal(signal.SIGKILL)  # the lock file still names it
    holder.communicate()
    assert (tmp_path / "x.db.lock").read_text() == str(holder.pid)

    result = invoke(config, "-v", "run")
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"run: took over the lock of pid {holder.pid}, which is gone" in result.stderr
    assert len(snapshot(tmp_path / "x.db")["posts"]) == 8
    quiet = invoke(config, "run")  # the lock was released: the next run is an ordinary one
    assert (quiet.exit_code, quiet.stderr) == (0, "")


@pytest.mark.slow
def test_overlapping_real_runs_never_send_twice(tmp_path):
    """Two real `earmark run` processes: the second starts while the first is notifying."""
    write_posts(tmp_path / "posts.jsonl", 200)
    config = write_config(tmp_path, FILE_SOURCE, SLACK)
    db = tmp_path / "x.db"
    with SlackHook(delay=1.0) as hook:
        env = subprocess_env(TEST_SLACK_HOOK=hook.url)
        first = spawn_earmark(config, db, "run", env=env)
        wait_until(lambda: len(hook.messages) >= 1, timeout=60)
        second = run_earmark(config, db, "run", env=env)
        out, err = first.communicate(timeout=60)
    assert (second.returncode, second.stdout) == (75, "")
    assert second.stderr == (
        f"earmark run: another earmark run (pid {first.pid}) is using this database; exiting\n"
    )
    assert first.returncode == 0, err
    opportunities = len(snapshot(db)["opportunities"])
    assert opportunities > 47  # more than one Slack message
    assert hook.received == dict.fromkeys(range(1, opportunities + 1), 1)


# -- collector health --------------------------------------------------------------------------


def test_a_silent_source_is_reported_once_then_its_recovery_once(tmp_path, hook):
    write_posts(tmp_path / "posts.jsonl", 1, start=3)  # "love the new acme hub": no opportunity
    config = write_config(tmp_path, "  file: {path: posts.jsonl, expect_every: 1h}\n", SLACK)
    env = {"TEST_SLACK_HOOK": hook.url}

    def run_at(now: str):
        result = invoke(config, "run", env=env, now=now)
        assert (result.exit_code, result.stdout) == (0, "")
        return result.stderr

    assert run_at("2026-11-18T10:00:00Z").splitlines() == [
        "file: 1 new post (acme 1)",
        "classify: 1 posts",
        "route: 0 new opportunities, 0 joined a thread, 0 assigned, 0 waiting in pools, "
        "agents added: alice, bob",
    ]
    assert run_at("2026-11-18T10:50:00Z") == ""
    silent = run_at("2026-11-18T12:00:00Z")
    assert silent == "health: file: no new posts for 2h00m (expected every 1h)\n"
    assert run_at("2026-11-18T13:00:00Z") == ""  # still silent: not reported again
    assert run_at("2026-11-18T14:00:00Z") == ""

    with open(tmp_path / "posts.jsonl", "a", encoding="utf-8") as out:
        out.write(post_line(8))
    recovered = run_at("2026-11-18T15:00:00Z")
    assert recovered == (
        "file: 1 new post (acme 1)\nclassify: 1 posts\nhealth: file: recovered, new posts again\n"
    )
    assert run_at("2026-11-18T15:30:00Z") == ""

    assert hook.received == {}  # no opportunities: every message is a health alert
    assert len(hook.messages) == 2
    firing, cleared = (json.dumps(message) for message in hook.messages)
    assert "file: no new posts for 2h00m (expected every 1h)" in firing
    assert "file: recovered, new posts again" in cleared


def test_max_duration_stops_notifying_between_messages_and_the_next_run_sends_the_rest(
    tmp_path, hook
):
    write_posts(tmp_path / "posts.jsonl", 300)
    config = write_config(tmp_path, FILE_SOURCE, SLACK)
    env = {"TEST_SLACK_HOOK": hook.url}
    first = invoke(config, "run", "--max-duration", "0.01s", env=env)
    assert first.exit_code == 0
    made = opportunity_count(config)
    assert made > 47  # more than one Slack message
    lines = first.stderr.splitlines()
    sent = len(hook.received)
    summary = f"notify slack: delivered {sent} opportunities in 1 message"
    assert f"{summary}; {made - sent} left for the next run" in lines
    assert lines[-1] == "run: stopped at --max-duration; the rest continues next run"

    for _ in range(10):
        later = invoke(config, "run", "--max-duration", "0.01s", env=env)
        assert later.exit_code == 0
        if not later.stderr:
            break
    assert hook.received == dict.fromkeys(range(1, made + 1), 1)


def test_a_failing_source_is_reported_once_with_its_last_error(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 4, start=3)
    with LocalServer() as server:  # every request is a 404
        sources = FILE_SOURCE + (
            f"  hackernews: {{base_url: '{server.url('/api')}', expect_every: 1h}}\n"
        )
        config = write_config(tmp_path, sources)
        first = invoke(config, "run", now="2026-11-18T10:00:00Z")
        later = invoke(config, "run", now="2026-11-18T11:30:00Z")
        again = invoke(config, "run", now="2026-11-18T12:30:00Z")
        where = server.url("/api/search_by_date")
    error = f"HTTP 404 Not Found from {where}; check base_url and the source's settings"
    assert first.exit_code == later.exit_code == again.exit_code == 3
    assert f"hackernews: error: {error}" in first.stderr.splitlines()
    assert "health:" not in first.stderr

    def health(result) -> list[str]:
        return [line for line in result.stderr.splitlines() if line.startswith("health:")]

    assert health(later) == [
        f"health: hackernews: no new posts for 1h30m (expected every 1h); last error: {error}"
    ]
    assert later.stderr.splitlines()[-1] == f"hackernews: error: {error}"
    assert health(again) == []  # reported once
    assert again.stderr.splitlines()[-1] == f"hackernews: error: {error}"


def test_a_health_alert_slack_refused_is_reported_again_next_run(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 1, start=3)
    config = write_config(tmp_path, "  file: {path: posts.jsonl, expect_every: 1h}\n", SLACK)
    with LocalServer() as server:
        server.add("/hook", status=400, body=b"invalid_payload")  # Slack refuses, no retry
        server.add("/hook", status=200, body=b"ok")  # ...then accepts (served in order)
        env = {"TEST_SLACK_HOOK": server.url("/hook")}
        invoke(config, "run", env=env, now="2026-11-18T10:00:00Z")
        refused = invoke(config, "run", env=env, now="2026-11-18T12:00:00Z")
        assert refused.exit_code == 3
        assert "health: file: no new posts for 2h00m (expected every 1h)" in refused.stderr
        assert "health slack: error: " in refused.stderr
        again = invoke(config, "run", env=env, now="2026-11-18T12:10:00Z")
        assert again.exit_code == 0, again.stderr
        assert again.stderr == "health: file: no new posts for 2h10m (expected every 1h)\n"
        assert invoke(config, "run", env=env, now="2026-11-18T12:20:00Z").stderr == ""


def test_run_checks_alerts_once_per_incident_and_sends_them(tmp_path, hook):
    """Steady traffic for 14 hours, then a burst in the last hour: `run` fires one alert."""
    from datetime import timedelta

    from earmark.models import parse_iso, to_iso

    now = parse_iso(NOW)
    lines = []
    for hour in range(1, 15):  # 5-7 posts an hour before the last hour
        for i in range(5 + hour % 3):
            at = now - timedelta(hours=hour, minutes=5 + 7 * i)
            lines.append(
                {
                    "id": f"test:{hour}-{i}",
                    "text": "using acme today",
                    "created_at": to_iso(at),
                    "author": f"u{i}",
                }
            )
    for i in range(30):  # the burst
        at = now - timedelta(minutes=1 + 2 * i)
        lines.append(
            {
                "id": f"test:burst-{i}",
                "text": "acme login down again, error 503",
                "created_at": to_iso(at),
                "author": f"b{i}",
            }
        )
    (tmp_path / "posts.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    alerts = "alerts:\n  windows: [{recent: 1h, baseline: 12h}]\n  notify: [slack]\n"
    config = write_config(tmp_path, FILE_SOURCE, SLACK + alerts)
    env = {"TEST_SLACK_HOOK": hook.url}

    first = invoke(config, "run", env=env)
    assert first.exit_code == 0, first.stderr
    assert "alert: spike:acme:all:1h/12h firing" in first.stderr.splitlines()
    spikes = [m for m in hook.messages if "Spike: acme" in json.dumps(m)]
    assert len(spikes) == 1
    assert "z = " in json.dumps(spikes[0])

    later = (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    second = invoke(config, "run", env=env, now=later)
    assert (second.exit_code, second.stdout, second.stderr) == (0, "", "")
    assert len([m for m in hook.messages if "Spike: acme" in json.dumps(m)]) == 1
