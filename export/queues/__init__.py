"""Agent queues: routing rules, assignment, SLAs, agent actions, the views agents read, metrics."""
