"""Make the screenshots in docs/screenshots/ from the demo database (fictional sample data).

    python scripts/screenshots.py [--out docs/screenshots]

- report.png, report-charts.png: `earmark report` of the demo database, drawn by headless
  Chromium (Debian's `chromium`) at 1280x800: the top of the page, then its charts;
- queue-80.png: `earmark queue` run in a pseudo-terminal 80 columns wide, its colours kept
  (Rich's SVG export), drawn to PNG by the same Chromium.

Offline: the demo reads bundled data, and the browser is told to block every http(s) request.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOW = "2026-11-20T12:30:00Z"  # earmark.cli.commands.cmd_demo.DEMO_NOW
COLUMNS, ROWS = 80, 40
VIEWPORT = (1280, 800)


def earmark(*args: str, env: dict, out: Path | None = None) -> None:
    """Run the earmark command line of this checkout."""
    command = [sys.executable, "-m", "earmark", *args]
    with open(out, "w", encoding="utf-8") if out else open(os.devnull, "w") as sink:
        subprocess.run(command, env=env, check=True, stdout=sink, cwd=ROOT)


def run_in_terminal(args: list[str], env: dict, columns: int, rows: int) -> str:
    """Run a command on a pseudo-terminal of columns x rows; return what it printed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        args, stdin=follower, stdout=follower, stderr=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    if process.wait() != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit status {process.returncode}")
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def terminal_svg(ansi: str, columns: int, title: str) -> str:
    """Return the terminal output as an SVG (Rich's export), without its web-font links."""
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=columns, force_terminal=True, file=open(os.devnull, "w"))
    console.print(Text.from_ansi(ansi.rstrip("\n")), soft_wrap=True)
    svg = console.export_svg(title=title)
    # Rich names a font on a CDN as well as the local one: keep the drawing offline.
    return re.sub(r',?\s*url\("https?://[^"]*"\)\s*format\("[^"]*"\)', "", svg)


def svg_page(svg: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;'
        "background:#fff}svg{display:block;width:900px;height:auto}</style></head>"
        f"<body>{svg}</body></html>"
    )


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
    env.update({"EARMARK_NOW": DEMO_NOW, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)})
    env.pop("NO_COLOR", None)
    with tempfile.TemporaryDirectory(prefix="earmark-shots-") as tmp:
        work = Path(tmp)
        db = work / "demo.db"
        earmark("demo", "--db", str(db), env=env)
        earmark("--db", str(db), "report", "-o", str(work / "report.html"), env=env)
        ansi = run_in_terminal(
            [sys.executable, "-m", "earmark", "--db", str(db), "queue", "--limit", "8"],
            env,
            COLUMNS,
            ROWS,
        )
        svg = terminal_svg(ansi, COLUMNS, f"earmark queue --limit 8 ({COLUMNS} columns)")
        (work / "queue.html").write_text(svg_page(svg), encoding="utf-8")
        with Chromium(width=VIEWPORT[0], height=VIEWPORT[1]) as browser:
            browser.open(work / "report.html")
            (options.out / "report.png").write_bytes(browser.screenshot())
            top = browser.evaluate("document.getElementById('charts').offsetTop")
            browser.evaluate(f"window.scrollTo(0, {int(top)})")
            (options.out / "report-charts.png").write_bytes(browser.screenshot())
            if browser.console_errors():
                raise SystemExit(f"report: console errors {browser.console_errors()}")
        with Chromium(width=900, height=600) as browser:
            browser.open(work / "queue.html")
            (options.out / "queue-80.png").write_bytes(browser.screenshot(full_page=True))
    for name in ("report.png", "report-charts.png", "queue-80.png"):
        size = (options.out / name).stat().st_size
        print(f"{options.out / name}: {size // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main()
