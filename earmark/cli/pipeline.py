"""`earmark run`: listen -> classify -> route -> notify -> alerts, as one cron-safe pass."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from earmark.errors import EarmarkError
from earmark.progress import NO_PROGRESS, Progress

MAX_WARNINGS = 10  # skipped rows listed per source; the rest are counted


@dataclass
class RunReport:
    """What one run did, and what failed, stage by stage."""

    listen: object | None = None  # listen.runner.ListenReport
    classified: int = 0
    route: object | None = None  # export.queues.routing.RouteReport
    notified: list = field(default_factory=list)  # export.notify.delivery.NotifyReport
    alerts: list = field(default_factory=list)  # export.alerts.Alert
    health: list = field(default_factory=list)  # listen.health.HealthChange
    errors: dict[str, str] = field(default_factory=dict)  # stage or source -> one line
    stopped_early: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything new happened (otherwise the run prints nothing)."""
        return bool(
            (self.listen is not None and self.listen.new)
            or self.classified
            or (self.route is not None and self.route.changed)
            or any(n.delivered for n in self.notified)
            or self.alerts
            or self.health
        )

    def lines(self) -> list[str]:
        """Return the short stderr summary: one line per stage that did something."""
        out = []
        if self.listen is not None:
            for source in self.listen.sources.values():
                if source.new or source.skipped:
                    out.append(source.summary_line())
                # Bad rows of an import, with their line numbers (as `earmark listen` says them).
                out += [f"{source.source}: {w} (skipped)" for w in source.warnings[:MAX_WARNINGS]]
                if len(source.warnings) > MAX_WARNINGS:
                    out.append(
                        f"{source.source}: ... and {len(source.warnings) - MAX_WARNINGS} more"
                    )
        if self.classified:
            out.append(f"classify: {self.classified} posts")
        if self.route is not None and self.route.changed:
            out.append(self.route.summary())
        out += [n.summary() for n in self.notified if n.delivered or n.pending or n.locked]
        out += [f"alert: {a.key} {a.status}" for a in self.alerts]
        out += [f"health: {h.message}" for h in self.health]
        for where, message in self.errors.items():
            line = f"{where}: error: {message}"
            if line not in out:  # a failed source that also saved posts said it already
                out.append(line)
        if self.stopped_early:
            out.append("run: stopped at --max-duration; the rest continues next run")
        return out

    def exit_code(self) -> int:
        """0 when everything ran, 1 when every source failed or a stage broke, 3 when partial."""
        if not self.errors:
            return 0
        sources = self.listen.sources if self.listen is not None else {}
        failed_sources = [name for name in self.errors if name in sources]
        stage_failed = any(name in ("classify", "route") for name in self.errors)
        if stage_failed or (sources and len(failed_sources) == len(sources)):
            return 1
        return 3

    def counts(self) -> dict:
        """Return the numbers stored in the runs table."""
        return {
            "new_posts": self.listen.new if self.listen is not None else 0,
            "classified": self.classified,
            "opportunities": self.route.created if self.route is not None else 0,
            "assigned": self.route.assigned if self.route is not None else 0,
            "notified": sum(n.delivered for n in self.notified),
            "alerts": len(self.alerts),
        }


def run_pipeline(
    store,
    config,
    *,
    now: datetime,
    env: Mapping[str, str],
    max_duration: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    progress: Progress = NO_PROGRESS,
) -> RunReport:
    """Run every stage once; a failing stage or source is recorded and the rest still runs."""
    from classify.stage import classify_posts
    from export.queues.routing import route_opportunities
    from listen.deadline import Deadline, deadline_scope
    from listen.health import check_health
    from listen.runner import run_listen

    deadline = clock() + max_duration if max_duration else None
    # Held by every HTTP request of the listen stage: none starts, and no wait or response
    # goes on, past it (should_stop alone is only asked between batches).
    fetch_deadline = Deadline(deadline, clock=clock) if deadline is not None else None
    stopped: list[bool] = []

    def out_of_time() -> bool:
        # Asked between batches only, after each stage's first one: every run makes progress
        # in every stage (no stage starves behind a long listen), and a stage that was not
        # cut short leaves no trace, so a run with nothing new stays silent.
        if deadline is not None and clock() >= deadline:
            stopped.append(True)
            return True
        return False

    report = RunReport()
    if config.sources:
        with deadline_scope(fetch_deadline):
            report.listen = run_listen(
                store,
                config.listen_settings(),
                env=env,
                now=now,
                should_stop=out_of_time,
                progress=progress,
            )
        for source in report.listen.failed:
            report.errors[source.source] = source.error
    # Routing, alerts and health only handle what listen and classify let through, so they
    # are bounded by those two and always run; notify stops between messages.
    _stage(
        report,
        "classify",
        lambda: _set(
            report,
            "classified",
            classify_posts(
                store,
                config.classify_settings(),
                now=now,
                should_stop=out_of_time,
                progress=progress,
            ),
        ),
    )
    if config.queues:
        _stage(
            report,
            "route",
            lambda: _set(
                report,
                "route",
                route_opportunities(store, config.queue_settings(), now=now, progress=progress),
            ),
        )
    _notify(report, store, config, now=now, env=env, should_stop=out_of_time)
    if config.alerts is not None:
        _alerts(report, store, config, now=now, env=env)
    _stage(
        report,
        "health",
        lambda: _set(report, "health", check_health(store, config.listen_settings(), now=now)),
    )
    if report.health:
        _deliver_health(report, store, config, env, now)
    report.stopped_early = bool(stopped) or (fetch_deadline is not None and fetch_deadline.hit)
    return report


def _set(report: RunReport, name: str, value) -> None:
    setattr(report, name, value)


def _stage(report: RunReport, name: str, action: Callable[[], None]) -> None:
    try:
        action()
    except EarmarkError as error:
        report.errors[name] = str(error)


def _notify(report: RunReport, store, config, *, now, env, should_stop=None) -> None:
    from earmark.lock import LockedError
    from export.notify import NotifyReport, notify_new

    for channel in ("slack", "email", "webhook"):
        if getattr(config.notify, channel) is None:
            continue
        try:
            result = notify_new(
                store,
                config.notify,
                channel,
                now=now,
                env=dict(env),
                should_stop=should_stop,
                at_risk_fraction=config.routing.at_risk_fraction,
            )
        except LockedError as error:
            # Another process (`earmark notify`, `export --new`) is delivering from this
            # database: what it leaves goes next run. Said on stderr, not a failure.
            why = str(error).removesuffix("; try again later")
            report.notified.append(NotifyReport(channel=channel, locked=why))
            continue
        except EarmarkError as error:
            report.errors[f"notify {channel}"] = str(error)
            continue
        report.notified.append(result)
        if result.errors:
            report.errors[f"notify {channel}"] = "; ".join(result.errors)


def _alerts(report: RunReport, store, config, *, now, env) -> None:
    from export.alerts.stage import run_alerts

    try:
        result = run_alerts(store, config.alert_settings(), now=now, env=dict(env))
    except EarmarkError as error:
        report.errors["alerts"] = str(error)
        return
    report.alerts = list(result)
    if result.errors:
        report.errors["alerts"] = "; ".join(result.errors)


def _deliver_health(report: RunReport, store, config, env, now: datetime) -> None:
    """Send collector silence/recovery through every configured notifier.

    When a channel fails, the health state goes back to what it was, so the next run reports
    the change again (a channel that did accept it may then get it twice: at least once).
    """
    from export.alerts.channels import deliver_alert
    from export.alerts.detect import Alert

    channels = [c for c in ("slack", "email", "webhook") if getattr(config.notify, c)]
    for change in report.health:
        alert = Alert(
            key=f"health:{change.source}",
            kind="health",
            status="firing" if change.status == "silent" else "all_clear",
            at=now,
            observed=0,
            source=change.source,
            message=change.message,
        )
        failed = False
        for channel in channels:
            try:
                deliver_alert(channel, alert, config.alert_settings(), env)
            except EarmarkError as error:
                report.errors[f"health {channel}"] = str(error)
                failed = True
        if failed:
            change.undo(store)
