"""Commands: run."""

COMMANDS = []
