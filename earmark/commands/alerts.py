"""Commands: alerts."""

COMMANDS = []
