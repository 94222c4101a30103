"""Commands: setup."""

COMMANDS = []
