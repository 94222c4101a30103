"""Write the command reference (docs/cli.md) from the click commands themselves.

python -m earmark.cli.reference > docs/cli.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from earmark.cli import cli

# A fixed width: the reference must not depend on the terminal that generated it.
WIDTH = 90
HEADER = """\
# Command reference

Generated from the commands' own help by `python -m earmark.cli.reference > docs/cli.md`;
a test fails when this page is stale or misses a command or option. Every command also
answers `-h`/`--help`. Exit codes: 0 ok or nothing new, 1 error, 2 usage, 3 partial failure,
75 another run holds the lock (try later).
"""


def command_paths(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Yield (path, command) for every command under group, depth first, by name."""
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


def help_text(path: tuple[str, ...], command: click.Command) -> str:
    """Return the --help text of command as `earmark PATH --help` prints it, at WIDTH."""
    width = {"terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = cli.make_context("earmark", [], resilient_parsing=True, **width)
    for name in path:
        command = ctx.command.commands[name]
        ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True, **width)
    return ctx.command.get_help(ctx)


def render_reference() -> str:
    """Return docs/cli.md: the index of commands, then each command's help."""
    paths = [((), cli), *command_paths(cli)]
    lines = [HEADER, "## Commands", ""]
    for path, command in paths[1:]:
        name = " ".join(path)
        summary = command.get_short_help_str(limit=WIDTH)
        lines.append(f"- [`earmark {name}`](#{anchor(path)}): {summary}")
    for path, command in paths:
        lines += ["", f"## earmark {' '.join(path)}".rstrip(), "", "```text"]
        lines += [line.rstrip() for line in help_text(path, command).splitlines()]
        lines.append("```")
    return "\n".join(lines) + "\n"


def anchor(path: tuple[str, ...]) -> str:
    """Return the GitHub anchor of the heading `earmark PATH`."""
    return "-".join(("earmark", *path))


if __name__ == "__main__":
    sys.stdout.write(render_reference())
