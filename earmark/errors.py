"""The root of every error earmark reports to a user as one line (exit 1)."""


class EarmarkError(Exception):
    """An expected failure with a one-line message; the CLI prints it without a traceback."""


class UsageError(EarmarkError):
    """The command was given something it cannot use (exit 2)."""
