"""Commands: demo."""

COMMANDS = []
