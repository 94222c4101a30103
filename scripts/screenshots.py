"""Make the screenshots in docs/screenshots/ from the demo database (fictional sample data).

    python scripts/screenshots.py [--out docs/screenshots]

- report.png, report-charts.png: `earmark report` of the demo database, drawn by headless
  Chromium (Debian's `chromium`) at 1280x800: the top of the page, then its charts.
(`earmark queue` at 80 and 120 columns, for docs/tables.md: scripts/table_screenshots.py.)

Offline: the demo reads bundled data, and the browser is told to block every http(s) request.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOW = "2026-11-20T12:30:00Z"  # earmark.cli.commands.cmd_demo.DEMO_NOW
VIEWPORT = (1280, 800)


def earmark(*args: str, env: dict, out: Path | None = None) -> None:
    """Run the earmark command line of this checkout."""
    command = [sys.executable, "-m", "earmark", *args]
    with open(out, "w", encoding="utf-8") if out else open(os.devnull, "w") as sink:
        subprocess.run(command, env=env, check=True, stdout=sink, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from headless_chromium import Chromium, find_chromium

    if find_chromium() is None:
        raise SystemExit("no chromium: apt-get install -y chromium")
    options.out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_")}
    env.update({"EARMARK_NOW": DEMO_NOW})
    env.pop("NO_COLOR", None)
    with tempfile.TemporaryDirectory(prefix="earmark-shots-") as tmp:
        work = Path(tmp)
        db = work / "demo.db"
        earmark("demo", "--db", str(db), env=env)
        earmark("--db", str(db), "report", "-o", str(work / "report.html"), env=env)
        with Chromium(width=VIEWPORT[0], height=VIEWPORT[1]) as browser:
            browser.open(work / "report.html")
            (options.out / "report.png").write_bytes(browser.screenshot())
            top = browser.evaluate("document.getElementById('charts').offsetTop")
            browser.evaluate(f"window.scrollTo(0, {int(top)})")
            (options.out / "report-charts.png").write_bytes(browser.screenshot())
            if browser.console_errors():
                raise SystemExit(f"report: console errors {browser.console_errors()}")
    for name in ("report.png", "report-charts.png"):
        size = (options.out / name).stat().st_size
        print(f"{options.out / name}: {size // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main()
