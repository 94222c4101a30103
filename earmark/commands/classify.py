"""Commands: classify."""

COMMANDS = []
