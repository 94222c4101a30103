"""A database fault at every statement of `earmark run`, then a re-run: the undisturbed state.

As SQLite's own tests do with its I/O-error and disk-full simulations: the connection raises
`sqlite3.OperationalError` ("disk I/O error", "database or disk is full", "database is locked",
in turn) at the Nth statement, for every N from 1 to the number of statements an undisturbed
run executes (tests/faultyconn.py). Each faulted run must end with exactly one line about the
database on stderr (no traceback, nothing on stdout) and a non-zero exit, unless the fault was
absorbed (sqlite-utils retries a failed RELEASE), in which case the run must have done exactly
what an undisturbed run does. Then an undisturbed re-run must leave every table exactly as one
never-faulted run does (tests/faultyconn.py `dump`: all tables, minus the runs table and
migration times), and the run after that must have nothing to do. The same for
`export --new --dest` over the routed result: the re-run writes exactly what the faulted one
did not record.

The input is 15 posts through the file source (3 of them match no topic), the demo's topics,
queues and agents (tests/killhelpers.py). The faulty connection is swapped in as the default of
`Store(connect=...)`, as test_faults.py swaps the HTTP client's `sleep`.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from faultyconn import FAULT_MESSAGES, FaultPlan, dump
from killhelpers import NOW, write_config, write_posts

from earmark.cli import cli
from earmark.store import Store
from earmark.store.faults import explain_fault

POSTS = 15
FRESH_STRIDE = 10  # on a new file (migrations included): every 10th statement, and the last


def use_connect(monkeypatch, connect) -> None:
    monkeypatch.setitem(Store.__init__.__kwdefaults__, "connect", connect)


def run(config: Path, db: Path):
    return CliRunner().invoke(
        cli, ["-c", str(config), "--db", str(db), "run"], env={"EARMARK_NOW": NOW}
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """The input, an empty migrated database, and what one undisturbed run does to each."""
    directory = tmp_path_factory.mktemp("faults")
    write_posts(directory / "posts.jsonl", POSTS)
    config = write_config(directory, "  file: {path: posts.jsonl}\n")
    Store(directory / "empty.db").close()
    references = {}
    for start in ("empty", "fresh"):
        db = directory / f"reference-{start}.db"
        if start == "empty":
            shutil.copy(directory / "empty.db", db)
        plan = FaultPlan()  # counts only
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_connect(monkeypatch, plan.connect)
            result = run(config, db)
        assert (result.exit_code, result.stdout) == (0, ""), result.stderr
        assert result.stderr.startswith("file: 12 new posts")
        references[start] = (plan.calls, result.stderr, dump(db))
    return directory, config, references


def expected_lines(db: Path, message: str) -> set[str]:
    """The line a fault may print: as the command's error, or as a stage's error in `run`."""
    text = str(explain_fault(str(db), sqlite3.OperationalError(message)))
    stages = ("file", "classify", "route", "health")
    return {f"Error: {text}", *(f"{stage}: error: {text}" for stage in stages)}


# What a stage's summary line promises is stored: its line prefix -> the tables it wrote.
REPORTED = {"file: ": ("posts", "topic_matches"), "classify: ": ("classifications",)}
REPORTED["route: "] = ("opportunities", "opportunity_posts", "events")


def assert_reported_work_is_stored(
    db: Path, stderr: str, reference: tuple[str, dict], where: str
) -> None:
    """A stage that said it did all its work, before or after the fault, really stored it."""
    reference_stderr, reference_dump = reference
    stored = dump(db)
    for line in set(stderr.splitlines()) & set(reference_stderr.splitlines()):
        for prefix, tables in REPORTED.items():
            if line.startswith(prefix):
                for table in tables:
                    assert stored[table] == reference_dump[table], (where, line, table)


def fault_then_rerun(monkeypatch, scenario, start: str, fail_at: int) -> None:
    directory, config, references = scenario
    _, reference_stderr, reference_dump = references[start]
    db = directory / f"{start}-{fail_at}.db"
    if start == "empty":
        shutil.copy(directory / "empty.db", db)
    message = FAULT_MESSAGES[fail_at % len(FAULT_MESSAGES)]
    plan = FaultPlan(fail_at, message)
    use_connect(monkeypatch, plan.connect)
    faulted = run(config, db)
    use_connect(monkeypatch, sqlite3.connect)
    where = f"statement {fail_at} ({plan.failed}) raising {message!r}"

    assert plan.failed is not None, where
    assert faulted.stdout == "", where
    assert "Traceback" not in faulted.stderr, where
    if faulted.exit_code == 0:  # absorbed: the run did everything anyway
        assert faulted.stderr == reference_stderr, where
        assert dump(db) == reference_dump, where
    else:
        about_db = [line for line in faulted.stderr.splitlines() if str(db) in line]
        assert len(about_db) == 1, (where, faulted.stderr)
        assert about_db[0] in expected_lines(db, message), (where, faulted.stderr)
        locked_at_command = about_db[0].startswith("Error:") and "locked" in message
        assert faulted.exit_code == (75 if locked_at_command else 1), (where, faulted.stderr)
        reference = (reference_stderr, reference_dump)
        assert_reported_work_is_stored(db, faulted.stderr, reference, where)

    again = run(config, db)
    assert (again.exit_code, again.stdout) == (0, ""), (where, again.stderr)
    assert "Traceback" not in again.stderr, where
    assert dump(db) == reference_dump, where
    quiet = run(config, db)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", ""), where


def test_a_fault_at_every_statement_of_a_run_then_a_rerun_reaches_the_undisturbed_state(
    monkeypatch, scenario
):
    total = scenario[2]["empty"][0]
    assert total > 150  # listen, classify, route and health all ran through the connection
    for fail_at in range(1, total + 1):
        fault_then_rerun(monkeypatch, scenario, "empty", fail_at)


def test_a_fault_while_creating_the_database_then_a_rerun_reaches_the_undisturbed_state(
    monkeypatch, scenario
):
    total = scenario[2]["fresh"][0]
    first_run = scenario[2]["empty"][0]
    assert total > first_run  # the migrations ran first
    for fail_at in sorted({*range(1, total + 1, FRESH_STRIDE), total}):
        fault_then_rerun(monkeypatch, scenario, "fresh", fail_at)


def test_a_fault_at_every_statement_of_export_new_then_a_rerun_sends_what_was_not_recorded(
    monkeypatch, scenario
):
    """`export --new --dest`: a faulted export records nothing it did not fully write; the
    re-run writes exactly the items not recorded, and the exports table ends as undisturbed."""
    directory, config, references = scenario
    routed = directory / "reference-empty.db"
    args = ["export", "-f", "jsonl", "--new", "--dest", "sheet"]

    def export(db: Path):
        return CliRunner().invoke(
            cli, ["-c", str(config), "--db", str(db), *args], env={"EARMARK_NOW": NOW}
        )

    reference_db = directory / "export-reference.db"
    shutil.copy(routed, reference_db)
    plan = FaultPlan()
    use_connect(monkeypatch, plan.connect)
    reference = export(reference_db)
    assert (reference.exit_code, reference.stderr) == (0, "")
    all_lines = reference.stdout.splitlines()
    assert len(all_lines) == 9
    reference_dump = dump(reference_db)

    failed = []
    for fail_at in range(1, plan.calls + 1):
        db = directory / f"export-{fail_at}.db"
        shutil.copy(routed, db)
        message = FAULT_MESSAGES[fail_at % len(FAULT_MESSAGES)]
        faulted_plan = FaultPlan(fail_at, message)
        use_connect(monkeypatch, faulted_plan.connect)
        faulted = export(db)
        use_connect(monkeypatch, sqlite3.connect)
        where = f"statement {fail_at} ({faulted_plan.failed}) raising {message!r}"
        assert faulted_plan.failed is not None, where
        failed.append(faulted_plan.failed)
        assert "Traceback" not in faulted.stderr, where
        if faulted.exit_code == 0:
            assert (faulted.stdout, faulted.stderr) == (reference.stdout, ""), where
        else:
            assert faulted.stderr in {line + "\n" for line in expected_lines(db, message)}, where
            assert faulted.exit_code == (75 if "locked" in message else 1), where
        sent = faulted.stdout.splitlines() if faulted.exit_code == 0 else []
        again = export(db)
        assert (again.exit_code, again.stderr) == (0, ""), where
        # What the faulted export wrote before failing is not recorded: it comes again.
        assert again.stdout.splitlines() == [line for line in all_lines if line not in sent]
        assert dump(db) == reference_dump, where
    assert any(statement.startswith("INSERT") and "exports" in statement for statement in failed)
