"""Every command answers -h/--help and --help with its own usage, on stdout, exit 0."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from earmark import __version__
from earmark.cli import cli


def all_command_paths(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_command_paths(command, (*prefix, name))


COMMAND_PATHS = list(all_command_paths(cli))


def test_the_core_commands_exist():
    names = {path[0] for path in COMMAND_PATHS}
    assert {"init", "config", "demo"} <= names


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_of_every_command(path, flag):
    result = CliRunner().invoke(cli, [*path, flag])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: cli {' '.join(path)} ")
    assert result.stderr == ""


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.stdout == f"earmark, version {__version__}\n"


def test_python_dash_m_earmark_runs(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "earmark", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout == f"earmark, version {__version__}\n"


def test_python_dash_m_earmark_runs_the_same_command():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "earmark", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"earmark, version {__version__}\n",
        "",
    )
