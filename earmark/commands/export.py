"""Commands: export."""

COMMANDS = []
