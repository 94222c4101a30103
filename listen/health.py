"""Collector health: a source silent for longer than its `expect_every` is reported once.

Platforms change without notice and a dead collector looks exactly like a quiet day, so each
source can say how often it should bring something new. The state (ok / silent, since when)
lives in the alert_state table under `health:<source>`, so one incident is reported once across
cron runs, and its recovery once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from earmark.models import format_duration, parse_duration, parse_iso
from earmark.settings.listen import ListenSettings

SILENT = "silent"
OK = "ok"


@dataclass
class HealthChange:
    """A source went silent or recovered."""

    source: str
    status: str  # silent | ok
    message: str
    previous: dict | None = None  # the state row before this change (to undo it)

    def undo(self, store) -> None:
        """Put the previous state back, so the next run reports this change again."""
        if self.previous is None:
            return
        fired = self.previous.get("last_fired_at")
        store.alerts.save_alert_state(
            f"health:{self.source}",
            self.previous["state"],
            parse_iso(self.previous["since"]),
            parse_iso(fired) if fired else None,
            self.previous.get("detail") or {},
        )


def check_health(store, config: ListenSettings, *, now: datetime) -> list[HealthChange]:
    """Compare each source's last new post with its expect_every; return the state changes."""
    health = store.health.source_health()
    states = store.alerts.alert_states()
    changes = []
    for name, settings in config.sources.items():
        expect = getattr(settings, "expect_every", None)
        row = health.get(name)
        if not expect or row is None:
            continue
        window = parse_duration(expect)
        key = f"health:{name}"
        state = states.get(key)
        if state is None:
            # First look: the clock starts now unless the source already brought posts.
            store.alerts.save_alert_state(key, OK, now, None, {})
            state = {"state": OK, "since": now.isoformat(), "last_fired_at": None, "detail": {}}
        last_new = parse_iso(row["last_new_at"]) if row.get("last_new_at") else None
        watched_since = parse_iso(state["since"]) if state["state"] == OK else None
        reference = (
            max(d for d in (last_new, watched_since) if d is not None)
            if (last_new or watched_since)
            else now
        )
        silent_for = now - reference
        if state["state"] == OK and silent_for > window:
            error = f"; last error: {row['last_error']}" if row.get("last_error") else ""
            what = (
                f"no new posts for {format_duration(silent_for)} (expected every {expect}){error}"
            )
            store.alerts.save_alert_state(key, SILENT, now, now, {"message": what})
            changes.append(HealthChange(name, SILENT, f"{name}: {what}", state))
        elif state["state"] == SILENT and last_new and now - last_new <= window:
            store.alerts.save_alert_state(key, OK, now, None, {})
            changes.append(HealthChange(name, OK, f"{name}: recovered, new posts again", state))
    return changes
