"""The `earmark` command: a click group wiring thin commands to the stages."""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import sys

import click

from earmark import __version__
from earmark.cli.app import App
from earmark.errors import EarmarkError, UsageError
from earmark.redaction import redact as _redact
from earmark.safetext import terminal_text
from earmark.store import StoreError

# Each module defines COMMANDS, a list of click commands; the stages never import this file.
COMMAND_MODULES = (
    "earmark.cli.commands.cmd_setup",
    "earmark.cli.commands.cmd_demo",
    "earmark.cli.commands.cmd_listen",
    "earmark.cli.commands.cmd_classify",
    "earmark.cli.commands.cmd_queues",
    "earmark.cli.commands.cmd_export",
    "earmark.cli.commands.cmd_report",
    "earmark.cli.commands.cmd_run",
    "earmark.cli.commands.cmd_alerts",
    "earmark.cli.commands.cmd_db",
)


def _set_on_app(attribute: str):
    def callback(ctx: click.Context, param: click.Parameter, value):
        app = ctx.find_object(App)
        if app is not None and value not in (None, 0):
            setattr(app, attribute, value if attribute != "verbose" else app.verbose + value)
            if attribute == "verbose":
                app.configure_logging()
        return value

    return callback


def _global_options() -> list[click.Option]:
    """-c, --db and -v are accepted after the command name too (`earmark listen -c x.yaml`)."""
    return [
        click.Option(
            ["-c", "--config"],
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_set_on_app("config_option"),
            help="Config file.",
        ),
        click.Option(
            ["--db"],
            type=click.Path(dir_okay=False),
            metavar="FILE|URL",
            expose_value=False,
            callback=_set_on_app("db_option"),
            help="SQLite file or PostgreSQL URL (postgresql://host/db).",
        ),
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_set_on_app("verbose"),
            help="Say more on stderr.",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set_on_app("quiet"),
            help="No progress bars on stderr.",
        ),
    ]


def _add_global_options(command: click.Command) -> None:
    names = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for option in _global_options():
        if not names & set(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _add_global_options(sub)


def redact(text: str) -> str:
    """Return text as it may leave the process on stderr: no secret, no control characters."""
    return terminal_text(_redact(text))


class EarmarkGroup(click.Group):
    """A group whose commands turn domain errors into one-line messages, never tracebacks."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _add_global_options(cmd)
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UsageError as error:
            raise click.UsageError(redact(str(error)), ctx) from None
        except (StoreError, sqlite3.Error) as error:  # database faults: exit 1, locked 75
            raise _database_exit(ctx, error) from None
        except EarmarkError as error:
            raise click.ClickException(redact(str(error))) from None
        except click.ClickException as error:
            # Everything a command says on the way out is scrubbed of secrets.
            error.message = redact(error.message)
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own ways out
        except BrokenPipeError:
            # The reader went away (`earmark export | head -1`): a normal end, exit 0. What
            # was not written is not recorded as exported, so the next run sends it again.
            _discard_stdout()
            raise click.exceptions.Exit(0) from None
        except Exception as error:
            # A bug: one scrubbed line (its text may quote a URL with a token), and the
            # traceback, scrubbed too, only with -vv.
            logging.getLogger("earmark").debug("traceback of the bug:", exc_info=True)
            text = " ".join(str(error).split())
            raise click.ClickException(
                redact(
                    f"unexpected {type(error).__name__}"
                    + (f": {text}" if text else "")
                    + "; this is a bug in earmark, please report it with the command you ran"
                )
            ) from None
        finally:
            app = ctx.find_object(App)
            if app is not None:
                app.close()


def _database_exit(ctx: click.Context, error: Exception) -> click.ClickException:
    """One line for a database fault, with its exit code (75: locked, try again later)."""
    from earmark.store.faults import explain_fault

    if not isinstance(error, StoreError):
        error = explain_fault(_database_path(ctx.find_object(App)), error)
    exit = click.ClickException(redact(str(error)))
    exit.exit_code = error.exit_code
    return exit


def _database_path(app: App | None) -> str:
    if app is not None and app._store is not None:
        return app._store.path
    try:
        return app.db_path
    except (AttributeError, EarmarkError):  # no app, or a config that does not load
        return "database"


@click.group(cls=EarmarkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="earmark")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file [default: $EARMARK_CONFIG, else ./earmark.yaml].",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    metavar="FILE|URL",
    help="SQLite file or PostgreSQL URL (postgresql://host/db, its password only from "
    "$EARMARK_DATABASE_URL, PGPASSWORD or ~/.pgpass) [default: $EARMARK_DB, else "
    "$EARMARK_DATABASE_URL, else the config's database, else ./earmark.db].",
)
@click.option("-v", "--verbose", count=True, help="Say more on stderr (never secrets).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No progress bars on stderr (they show only on a terminal, for steps over a second).",
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, db_path: str | None, verbose: int, quiet: bool
) -> None:
    """Listen to social platforms, classify posts and route support opportunities to agents.

    stdout carries data only; summaries and errors go to stderr. Exit codes: 0 ok or nothing
    new (also when the reader of stdout stops early, as `| head` does), 1 error, 2 usage,
    3 partial failure, 4 an alert fired (`earmark alerts`), 75 another run holds the lock
    (cron: try again later).
    """
    ctx.obj = App(
        config_option=config_path,
        db_option=db_path,
        verbose=verbose,
        quiet=quiet,
        env=dict(os.environ),
    )
    # Warnings go to stderr through the redacting handler even without -v.
    ctx.obj.configure_logging()


for _module in COMMAND_MODULES:
    for _command in importlib.import_module(_module).COMMANDS:
        cli.add_command(_command)


def _discard_stdout() -> None:
    """Point stdout at devnull, so that Python's final flush cannot fail on a closed pipe."""
    try:
        target = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test runner's buffer): nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)


def main() -> None:
    """Run the CLI; a closed pipe (`earmark export | head -1`) is a normal end (exit 0)."""
    try:
        cli(prog_name="earmark")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    try:
        sys.stdout.flush()  # what is still buffered, while a closed pipe can still be caught
    except BrokenPipeError:
        _discard_stdout()
    sys.exit(code)
