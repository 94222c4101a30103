"""Alerts on volume: spike and threshold detection, the alerts stage, messages and channels."""
