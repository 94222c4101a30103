"""The alerts stage: read counts from the store, decide, deliver, remember in alert_state."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime

from earmark.models import INTENTS, parse_iso
from earmark.settings.alerts import (
    AlertSettings,
    AlertStageSettings,
    AlertWindow,
    ThresholdRule,
    load_alert_settings,
    parse_breakdown,
)
from export.alerts.channels import Sender, configured_channels, deliver_alert
from export.alerts.detect import (
    ALL_CLEAR,
    FIRING,
    Alert,
    AlertError,
    SpikeCheck,
    Transition,
    check_spike,
    next_state,
    spike_key,
)
from export.alerts.terms import pick_examples, top_terms
from export.notify.delivery import Sleep

RECENT_SAMPLE = 500  # recent posts read for terms and examples
BASELINE_SAMPLE = 2000  # baseline posts read for term frequencies
TOP_TERMS = 5
EXAMPLES = 3
EXPLAIN_COLUMNS = (
    "key",
    "observed",
    "baseline_mean",
    "baseline_std",
    "z",
    "limit",
    "buckets_with_data",
    "warm",
    "state",
    "action",
)


class AlertRun(list):
    """The alerts of one run (a list of Alert) plus the delivery errors met on the way."""

    def __init__(self, alerts=(), errors=()):
        super().__init__(alerts)
        self.errors: list[str] = list(errors)

    @property
    def fired(self) -> list[Alert]:
        return [alert for alert in self if alert.status == FIRING]


def alerts_configured(stage_settings: AlertStageSettings) -> bool:
    """Return whether the config has an alerts: section with settings (so `run` checks them)."""
    return bool(stage_settings.alerts)


def resolve_channels(settings: AlertSettings, stage_settings: AlertStageSettings) -> list[str]:
    """Return the channels to notify: alerts.notify, or every notifier in notify:."""
    configured = configured_channels(stage_settings)
    for channel in settings.notify:
        if channel not in configured:
            raise AlertError(
                f"alerts.notify: {channel} is not configured; add notify.{channel} to the config "
                "or remove it from alerts.notify"
            )
    return list(settings.notify) if settings.notify else configured


def check_names(settings: AlertSettings, stage_settings: AlertStageSettings) -> None:
    """Reject intents, topics and queues the rest of the config does not define."""
    known = set(INTENTS) | {rule.name for rule in stage_settings.classify.intents}
    for i, spec in enumerate(settings.per):
        name, value = parse_breakdown(spec)
        if name == "intent" and value not in known:
            raise AlertError(f"alerts.per[{i}]: unknown intent {value!r}")
    topics = {topic.name for topic in stage_settings.topics}
    queues = {queue.name for queue in stage_settings.queues}
    for i, topic in enumerate(settings.topics):
        if topics and topic not in topics:
            raise AlertError(f"alerts.topics[{i}]: unknown topic {topic!r}")
    for i, rule in enumerate(settings.thresholds):
        if topics and rule.topic is not None and rule.topic not in topics:
            raise AlertError(f"alerts.thresholds[{i}].topic: unknown topic {rule.topic!r}")
        if queues and rule.queue is not None and rule.queue not in queues:
            raise AlertError(f"alerts.thresholds[{i}].queue: unknown queue {rule.queue!r}")


def _labels(breakdown: str | None) -> dict:
    if breakdown is None:
        return {}
    name, value = parse_breakdown(breakdown)
    return {name: value}


def _spike_alert(
    store,
    key,
    topic,
    breakdown,
    window: AlertWindow,
    check: SpikeCheck,
    trans: Transition,
    settings,
    now,
) -> Alert:
    alert = Alert(
        key=key,
        kind="spike",
        status=FIRING if trans.action == "fire" else ALL_CLEAR,
        at=now,
        observed=check.observed,
        topic=topic,
        breakdown=breakdown,
        window=window.recent,
        baseline=window.baseline,
        buckets=window.buckets,
        mean=check.mean,
        std=check.std,
        z=check.z,
        sensitivity=settings.sensitivity,
        min_count=settings.min_count,
        fired_at=trans.last_fired_at if trans.action == "clear" else None,
    )
    if trans.action == "fire":
        split = now - window.bucket
        start = now - window.bucket * (window.buckets + 1)
        labels = _labels(breakdown)
        recent = store.alerts.topic_posts_between(topic, split, now, limit=RECENT_SAMPLE, **labels)
        baseline = store.alerts.topic_posts_between(
            topic, start, split, limit=BASELINE_SAMPLE, **labels
        )
        alert.terms = top_terms(
            [p["text"] for p in recent], [p["text"] for p in baseline], TOP_TERMS
        )
        alert.examples = pick_examples(recent, alert.terms, EXAMPLES)
    return alert


def evaluate_spikes(
    store, settings: AlertSettings, now: datetime, states: dict, checks: list | None = None
) -> list[tuple[Alert, Transition]]:
    """Check every topic, breakdown and window; return the alerts and all-clears due.

    With a `checks` list, append one row per check (for `earmark alerts --explain`).
    """
    earliest = store.alerts.earliest_topic_posts()
    due = []
    for window in settings.windows:
        history_start = now - window.bucket * (window.buckets + 1)
        overall: dict[str, list[int]] = {}
        for breakdown in [None, *settings.per]:
            counts = store.alerts.count_topic_buckets(
                now, window.bucket, window.buckets + 1, **_labels(breakdown)
            )
            if breakdown is None:
                overall = counts
            topics = set(settings.topics) if settings.topics else set(counts)
            # A topic gone silent still needs its all-clear.
            topics |= {
                state["detail"].get("topic")
                for key, state in states.items()
                if state["state"] == FIRING
                and key == spike_key(state["detail"].get("topic", ""), breakdown, window)
            }
            for topic in sorted(t for t in topics if t):
                series = counts.get(topic, [0] * (window.buckets + 1))
                covered = topic in earliest and earliest[topic] <= history_start
                check = check_spike(
                    series,
                    settings,
                    history_covers_baseline=covered,
                    coverage=None if breakdown is None else overall.get(topic, series),
                )
                key = spike_key(topic, breakdown, window)
                trans = next_state(
                    states.get(key),
                    firing=check.firing,
                    calm=check.calm,
                    now=now,
                    cooldown=settings.cooldown_delta,
                )
                if checks is not None:
                    checks.append(_spike_row(key, window, check, trans))
                if trans.action in ("fire", "clear"):
                    due.append(
                        (
                            _spike_alert(
                                store, key, topic, breakdown, window, check, trans, settings, now
                            ),
                            trans,
                        )
                    )
    return due


def _state_cols(trans: Transition) -> dict:
    return {"state": trans.state, "action": trans.action or ""}


def _spike_row(key: str, window: AlertWindow, check: SpikeCheck, trans: Transition) -> dict:
    return {
        "key": key,
        "observed": check.observed,
        "baseline_mean": round(check.mean, 2),
        "baseline_std": round(check.std, 2),
        "z": round(check.z, 2),
        "limit": None,
        "buckets_with_data": f"{check.buckets_with_data}/{window.buckets}",
        "warm": check.warm,
        **_state_cols(trans),
    }


def _threshold_count(store, rule: ThresholdRule, now: datetime) -> int:
    if rule.metric == "open":
        by_topic, by_queue = store.alerts.count_open_by_topic, store.alerts.count_open_by_queue
    else:
        by_topic, by_queue = (
            (lambda: store.alerts.breaches_by_topic(now)),
            (lambda: store.alerts.breaches_by_queue(now)),
        )
    if rule.topic is not None:
        return by_topic().get(rule.topic, 0)
    if rule.queue is not None:
        return by_queue().get(rule.queue, 0)
    return sum(by_queue().values())


def evaluate_thresholds(
    store, settings: AlertSettings, now: datetime, states: dict, checks: list | None = None
) -> list[tuple[Alert, Transition]]:
    """Check every threshold rule (count > limit fires, count <= limit clears)."""
    due = []
    for rule in settings.thresholds:
        count = _threshold_count(store, rule, now)
        over = count > rule.limit
        trans = next_state(
            states.get(rule.key),
            firing=over,
            calm=not over,
            now=now,
            cooldown=settings.cooldown_delta,
        )
        if checks is not None:
            checks.append(
                {
                    **dict.fromkeys(EXPLAIN_COLUMNS),
                    "key": rule.key,
                    "observed": count,
                    "limit": rule.limit,
                    **_state_cols(trans),
                }
            )
        if trans.action in ("fire", "clear"):
            alert = Alert(
                key=rule.key,
                kind="threshold",
                status=FIRING if trans.action == "fire" else ALL_CLEAR,
                at=now,
                observed=count,
                topic=rule.topic,
                queue=rule.queue,
                metric=rule.metric,
                limit=rule.limit,
                fired_at=trans.last_fired_at if trans.action == "clear" else None,
            )
            due.append((alert, trans))
    return due


Send = Callable[[str, Alert], None]


def _deliver(alert: Alert, channels: list[str], send: Send) -> list[str]:
    """Send alert to each channel; return the channels that failed (errors go on the alert)."""
    failed = []
    for channel in channels:
        try:
            send(channel, alert)
        except AlertError as error:
            alert.errors.append(str(error))
            failed.append(channel)
        else:
            alert.delivered.append(channel)
    return failed


def _retry_pending(store, states: dict, channels: list[str], send: Send, errors: list[str]) -> None:
    """Re-send messages a previous run could not deliver (at least once, never dropped).

    A channel no longer among `channels` (removed from the config) is given up.
    """
    for key, state in states.items():
        pending = state["detail"].get("pending") or []
        if not pending:
            continue
        still = []
        for item in pending:
            alert = Alert.from_record(item["alert"])
            wanted = [channel for channel in item["channels"] if channel in channels]
            failed = _deliver(alert, wanted, send)
            errors.extend(alert.errors)
            if failed:
                still.append({"alert": item["alert"], "channels": failed})
        state["detail"]["pending"] = still
        store.alerts.save_alert_state(
            key,
            state["state"],
            _parse(state["since"]),
            _parse(state["last_fired_at"]),
            state["detail"],
        )


def _parse(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def run_alerts(
    store,
    stage_settings: AlertStageSettings,
    *,
    now: datetime,
    notify: bool = True,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    senders: Mapping[str, Sender] | None = None,
    sleep: Sleep = time.sleep,
) -> AlertRun:
    """Evaluate spikes and thresholds, deliver what fired or cleared, and save alert state.

    notify=False saves state without sending; dry_run neither sends nor saves, so the same
    alerts show again next time. Delivery failures are kept in alert_state and retried on
    the next run; they are listed in the result's `errors`. env (default os.environ) holds
    the secrets named in notify:; senders and sleep are for tests.
    """
    settings = load_alert_settings(stage_settings.alerts)
    check_names(settings, stage_settings)
    env = os.environ if env is None else env

    def send(channel: str, alert: Alert) -> None:
        deliver_alert(channel, alert, stage_settings, env, senders, sleep)

    channels = resolve_channels(settings, stage_settings) if notify and not dry_run else []
    if dry_run:
        return _evaluate_and_send(store, settings, now, channels, send, dry_run=True)
    # One process at a time decides and sends: a second `alerts` or `run` waits, then reads
    # the state the first saved and finds the alert already sent (never twice between them).
    from export.notify import delivery_lock

    with delivery_lock(store, env):
        return _evaluate_and_send(store, settings, now, channels, send, dry_run=False)


def _evaluate_and_send(store, settings, now, channels, send, *, dry_run: bool) -> AlertRun:
    states = store.alerts.alert_states()
    run = AlertRun()
    if channels:
        _retry_pending(store, states, channels, send, run.errors)
    due = evaluate_spikes(store, settings, now, states) + evaluate_thresholds(
        store, settings, now, states
    )
    for alert, trans in due:
        detail = {
            "topic": alert.topic,
            "queue": alert.queue,
            "breakdown": alert.breakdown,
            "alert": alert.to_record(),
            "pending": [{"alert": alert.to_record(), "channels": channels}] if channels else [],
        }
        previous = states.get(alert.key, {}).get("detail", {}).get("pending") or []
        detail["pending"] = previous + detail["pending"]
        if not dry_run:
            # Saved before sending: a crash mid-delivery resends rather than loses the alert.
            store.alerts.save_alert_state(
                alert.key, trans.state, trans.since, trans.last_fired_at, detail
            )
        failed = _deliver(alert, channels, send)
        run.errors.extend(alert.errors)
        if channels and not dry_run:
            detail["pending"] = previous + (
                [{"alert": alert.to_record(), "channels": failed}] if failed else []
            )
            store.alerts.save_alert_state(
                alert.key, trans.state, trans.since, trans.last_fired_at, detail
            )
        run.append(alert)
    return run


def explain_alerts(store, stage_settings: AlertStageSettings, *, now: datetime) -> list[dict]:
    """Return one row per check (statistics, warm-up, state, what would happen); send nothing."""
    settings = load_alert_settings(stage_settings.alerts)
    check_names(settings, stage_settings)
    states = store.alerts.alert_states()
    checks: list[dict] = []
    evaluate_spikes(store, settings, now, states, checks)
    evaluate_thresholds(store, settings, now, states, checks)
    return checks
