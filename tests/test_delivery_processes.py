"""Exactly-once delivery BETWEEN processes: real `python -m earmark` subprocesses started
together against one database and a real receiver on 127.0.0.1 that counts what arrived.

The delivery lock (a flock beside an SQLite database, an advisory lock on PostgreSQL) is held
while a process selects, sends and records; the others wait for it and then find only what is
left. The race of runs and notifies runs on both engines (the `db` fixture).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from dbconn import db_connect
from deliveryhook import DeliveryHook, hold_lock, release
from exportdata import add_many
from killhelpers import (
    earmark_args,
    finish,
    rows,
    run_earmark,
    spawn_earmark,
    subprocess_env,
    write_config,
    write_posts,
)

from earmark.store import Store

# Real earmark processes racing each other, one killed mid-delivery.
pytestmark = pytest.mark.slow

SECRET = "whsec-local-test-0123456789"
WEBHOOK = "notify:\n  webhook: {url_env: TEST_HOOK, signing_secret_env: TEST_SIGNING}\n"


def notify_config(tmp_path: Path) -> Path:
    path = tmp_path / "earmark.yaml"
    path.write_text(WEBHOOK, encoding="utf-8")
    return path


def database(tmp_path: Path, count: int) -> tuple[Path, list[int]]:
    db = tmp_path / "x.db"
    with Store(db) as store:
        ids = add_many(store, count)
    return db, ids


def exported(db) -> Counter:
    return Counter(ident for (ident,) in rows(db, "SELECT opportunity_id FROM exports"))


def test_three_notify_webhook_at_once_deliver_each_item_once(tmp_path):
    db, ids = database(tmp_path, 300)  # 15 messages of 20
    config = notify_config(tmp_path)
    with DeliveryHook(delay=0.15, secret=SECRET) as hook:
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET)
        results = finish(
            [spawn_earmark(config, db, "notify", "webhook", env=env) for _ in range(3)], 120
        )
        assert [code for code, _, _ in results] == [0, 0, 0], results
        assert all(out == "" and "Traceback" not in err for _, out, err in results)
        # Two of them found nothing left (silent); one delivered everything.
        assert sorted(err for _, _, err in results) == [
            "",
            "",
            "notify webhook: delivered 300 opportunities in 15 messages\n",
        ]
        assert hook.items == Counter(ids)  # every item arrived exactly once
        assert len(hook.deliveries) == 15 and set(hook.deliveries.values()) == {1}
        assert hook.bad_signatures == 0
    assert exported(db) == Counter(ids)


def test_three_export_new_at_once_write_each_item_once(tmp_path):
    """The readers start late, so every export blocks writing to its pipe: without the lock all
    three would have selected every item before any recorded it."""
    db, ids = database(tmp_path, 500)
    config = notify_config(tmp_path)
    args = ("export", "--new", "--dest", "crm", "-f", "jsonl")
    processes = [spawn_earmark(config, db, *args) for _ in range(3)]
    time.sleep(1.0)
    results = finish(processes, 120)
    assert [(code, err) for code, _, err in results] == [(0, "")] * 3
    written = Counter(json.loads(line)["id"] for _, out, _ in results for line in out.splitlines())
    assert written == Counter(ids)
    assert sorted(len(out.splitlines()) for _, out, _ in results) == [0, 0, 500]
    assert exported(db) == Counter(ids)


def test_two_runs_and_two_notifies_at_once_deliver_each_item_once(db, tmp_path):
    """Both engines (the `db` fixture), as two hosts would: one run holds the run lock (the
    other exits 75, or starts after it), the notifies and the run's own notify stage take
    turns with the delivery lock."""
    write_posts(tmp_path / "posts.jsonl", 400)
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n", WEBHOOK)
    with DeliveryHook(delay=0.05, secret=SECRET) as hook:
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET)
        processes = []
        for command in (("run",), ("notify", "webhook"), ("run",), ("notify", "webhook")):
            processes.append(spawn_earmark(config, db, *command, env=env))
            time.sleep(0.3)
        results = finish(processes, 120)
        runs, notifies = results[0::2], results[1::2]
        assert sorted(code for code, _, _ in runs) in ([0, 0], [0, 75]), results
        assert [code for code, _, _ in notifies] == [0, 0], results
        assert all(out == "" and "Traceback" not in err for _, out, err in results)
        last = run_earmark(config, db, "notify", "webhook", env=env)  # whatever is left
        assert last.returncode == 0, last.stderr
        opportunities = [ident for (ident,) in rows(db, "SELECT id FROM opportunities")]
        assert len(opportunities) > 100
        assert hook.items == Counter(opportunities)  # nothing lost, nothing twice
        assert set(hook.deliveries.values()) == {1} and hook.bad_signatures == 0
    assert exported(db) == Counter(opportunities)


def test_a_held_delivery_lock_makes_notify_and_export_exit_75_with_one_line(tmp_path):
    db, ids = database(tmp_path, 30)
    config = notify_config(tmp_path)
    holder = hold_lock("delivery", db)
    try:
        with DeliveryHook(secret=SECRET) as hook:
            env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET, EARMARK_LOCK_WAIT="0.3")
            notify = run_earmark(config, db, "notify", "webhook", env=env)
            export = run_earmark(config, db, "export", "--new", "--dest", "crm", env=env)
            plain = run_earmark(config, db, "export", "-f", "jsonl", env=env)  # no lock needed
            assert hook.messages == []
    finally:
        release(holder)
    busy = (
        f"another earmark process (pid {holder.pid}) is delivering from this database "
        "(waited 0.3s); try again later\n"
    )
    assert (notify.returncode, notify.stdout, notify.stderr) == (75, "", f"earmark notify: {busy}")
    assert (export.returncode, export.stdout, export.stderr) == (75, "", f"earmark export: {busy}")
    assert plain.returncode == 0 and len(plain.stdout.splitlines()) == 30
    assert exported(db) == Counter()


def test_a_run_whose_notify_stage_finds_the_lock_held_leaves_the_items_for_later(tmp_path):
    write_posts(tmp_path / "posts.jsonl", 40)
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n", WEBHOOK)
    db = tmp_path / "x.db"
    with Store(db):
        pass  # the lock file goes beside an existing database
    with DeliveryHook(secret=SECRET) as hook:
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET, EARMARK_LOCK_WAIT="0.2")
        holder = hold_lock("delivery", db)
        try:
            first = run_earmark(config, db, "run", env=env)
        finally:
            release(holder)
        assert first.returncode == 0, first.stderr
        assert (
            f"notify webhook: another earmark process (pid {holder.pid}) is delivering from "
            "this database (waited 0.2s); what it leaves goes next run\n"
        ) in first.stderr
        assert hook.messages == []
        second = run_earmark(config, db, "run", env=env)
        assert second.returncode == 0, second.stderr
        with db_connect(db) as conn:
            opportunities = [row[0] for row in conn.execute("SELECT id FROM opportunities")]
        assert opportunities and hook.items == Counter(opportunities)


def test_the_run_lock_holds_through_a_symlink_and_another_spelling(tmp_path):
    config = write_config(tmp_path, "  file: {path: posts.jsonl}\n")
    write_posts(tmp_path / "posts.jsonl", 5)
    db = tmp_path / "x.db"
    (tmp_path / "link.db").symlink_to(db)
    holder = hold_lock("run", db)
    try:
        via_link = run_earmark(config, tmp_path / "link.db", "run")
        env = subprocess_env()
        spelled = subprocess.run(
            earmark_args(config, Path("./x.db"), "run"),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        release(holder)
    busy = f"earmark run: another earmark run (pid {holder.pid}) is using this database; exiting\n"
    assert (via_link.returncode, via_link.stderr) == (75, busy)
    assert (spelled.returncode, spelled.stderr) == (75, busy)


def test_a_kill_after_the_receiver_accepted_resends_that_message_with_the_same_delivery_id(
    tmp_path,
):
    """The receiver SIGKILLs the sender while it handles message 3: accepted there, never
    recorded here. The next notify sends exactly that message again (same items, same delivery
    id), so a receiver that drops known delivery ids gets every item once."""
    db, ids = database(tmp_path, 100)  # 5 messages of 20
    config = notify_config(tmp_path)
    sender: list[subprocess.Popen] = []

    def kill_on_third(number: int) -> None:
        if number == 2:
            sender[0].send_signal(signal.SIGKILL)
            sender[0].wait(timeout=30)

    with DeliveryHook(secret=SECRET, on_message=kill_on_third) as hook:
        env = subprocess_env(TEST_HOOK=hook.url, TEST_SIGNING=SECRET)
        sender.append(spawn_earmark(config, db, "notify", "webhook", env=env))
        finish(sender, 120)
        assert sender[0].returncode == -signal.SIGKILL
        assert len(hook.messages) == 3 and sum(exported(db).values()) == 40
        again = run_earmark(config, db, "notify", "webhook", env=env)
        assert (again.returncode, again.stdout) == (0, ""), again.stderr
        assert again.stderr == "notify webhook: delivered 60 opportunities in 3 messages\n"
        assert hook.messages[3] == hook.messages[2]  # the same delivery id and items
        assert len(hook.messages) == 6 and hook.bad_signatures == 0
        unique = dict(hook.messages)  # what a receiver keeps after dropping known ids
        assert Counter(i for batch in unique.values() for i in batch) == Counter(ids)
    assert exported(db) == Counter(ids)
