"""Import texts as posts, classify and route them through the CLI, in a temporary directory."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from click.testing import CliRunner, Result

from earmark.cli import cli


def route_texts(
    tmp_path: Path, config: str, texts: Iterable[str], now: str
) -> Callable[..., Result]:
    """Store each text as an English post on x, run listen, classify and route; return a
    function that runs one more earmark command on that store (it must exit 0)."""
    (tmp_path / "earmark.yaml").write_text(config)
    lines = [
        json.dumps(
            {
                "platform": "x",
                "native_id": str(number),
                "author": f"user{number}",
                "text": text,
                "lang": "en",
                "created_at": "2026-11-20T10:00:00Z",
            }
        )
        for number, text in enumerate(texts, 1)
    ]
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n")
    env = {"EARMARK_NOW": now, "EARMARK_AGENT": "", "USER": "lead"}
    base = ["-c", str(tmp_path / "earmark.yaml"), "--db", str(tmp_path / "e.db")]
    runner = CliRunner()

    def run(*args: str) -> Result:
        result = runner.invoke(cli, [*base, *args], env=env)
        assert result.exit_code == 0, result.output
        return result

    run("listen", "--file", str(tmp_path / "posts.jsonl"))
    run("classify")
    run("route")
    return run
