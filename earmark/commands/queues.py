"""Commands: queues."""

COMMANDS = []
