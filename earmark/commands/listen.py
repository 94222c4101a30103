"""Commands: listen."""

COMMANDS = []
