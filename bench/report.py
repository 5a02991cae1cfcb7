"""The performance targets and the readable table: each figure next to its baseline, its speed-up
ratio (measured in the same run) and its target.

>>> print(format_rate(1_234_567), format_rate(52_600))
1.23 M 52.6 k
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["JS_ORIGINAL", "TARGETS", "Row", "format_rate", "not_measured", "rows", "table"]

# Targets (same machine, same run): (kind, bound); kind "min" means higher is better. The
# per-sample targets apply to the engine (train(batch_size=1), the page's replay and worker). The
# readable Network.feed + backpropagate is reported without one: it is the teaching path, plain
# numpy with fresh arrays, and no longer what pre-training or replay run on.
TARGETS = {
    "cpython_per_sample": ("min", 80_000),
    "cpython_batch32": ("min", 1_500_000),
    "browser_per_sample": ("min", 25_000),
    "browser_batch32": ("min", 600_000),
    "browser_accuracy/2-6-6-6-2/linear": ("max", 0.3),
    "browser_accuracy/2-6-6-6-2/tanh": ("max", 1.0),
    "browser_accuracy/2-6-6-6-6-6-6-6-2/linear": ("max", 2.0),
    "ready_ratio": ("max", 1.05),  # the app's time to ready over the bare Pyodide + numpy page
    "event_p95_ms": ("max", 0.5),
    "frame_gap_max_ms": ("max", 50.0),
}
# For scale: the JavaScript original in Node (per-sample SGD, objects per neuron).
JS_ORIGINAL = {
    "per_sample": 160_000,
    "2-6-6-6-2/linear": 0.04,
    "2-6-6-6-2/tanh": 5.2,
    "2-6-6-6-6-6-6-6-2/linear": 5.9,
}


@dataclass
class Row:
    section: str
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    status: str = ""


def format_rate(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.3g} M"
    if value >= 1e3:
        return f"{value / 1e3:.3g} k"
    return f"{value:.3g}"


def _rate_text(entry: dict[str, Any]) -> str:
    """A rate figure: wall-clock median, and the CPU-time median when it was measured."""
    if "cpu_median" not in entry:  # wall clock only (in the browser): show the spread too
        best = max(entry.get("runs") or [entry["median"]])
        return f"{format_rate(entry['median'])} (best {format_rate(best)})"
    return f"{format_rate(entry['cpu_median'])} (wall {format_rate(entry['median'])})"


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _judge(key: str, value: float | None) -> tuple[str, str]:
    """(target text, status text) for a figure with a target in TARGETS."""
    kind, bound = TARGETS[key]
    if kind == "min":
        text = f">= {format_rate(bound)}"
    elif key.startswith("browser_accuracy"):
        text = f"<= {bound:g} s"
    elif key == "ready_ratio":
        text = f"<= {bound:g} x"
    else:
        text = f"<= {bound:g} ms"
    if value is None or math.isnan(value):
        return text, "not measured"
    if math.isinf(value):
        return text, "MISSED (not reached)"
    if kind == "min":
        ok = value >= bound
        how = f"{value / bound:.2f}x of target"
    else:
        ok = value <= bound
        how = f"{value / bound:.2f}x the bound"
    return text, ("met" if ok else "MISSED") + f" ({how})"


def _accuracy_text(entry: dict[str, Any]) -> str:
    if "missing" in entry:
        return "no defaults in nn"
    if "skipped" in entry:
        return "skipped"
    if entry.get("diverged"):
        return f"diverged ({entry['epochs']} ep)"
    if not entry.get("reached"):
        return f"> {entry['seconds']:.2g} s ({entry['epochs']} ep)"
    return f"{_seconds(entry['seconds'])} ({entry['epochs']} ep)"


def _settings_text(settings: dict[str, Any]) -> str:
    short = {"optimizer": "", "batch_size": "batch ", "learning_rate": "lr ", "init": ""}
    return " ".join(f"{prefix}{settings[k]}" for k, prefix in short.items() if k in settings)


def _core_rows(section: str, core: dict[str, Any], where: str) -> list[Row]:
    out = []
    for case, figures in core.get("throughput", {}).items():
        arch = case.split("/")[0]
        ps = figures["per_sample"]
        for name, label in (
            ("api", "feed+backpropagate (readable, no target)"),
            ("train", "train(batch_size=1)"),
        ):
            key = f"{where}_per_sample" if arch == "2-6-6-6-2" and name == "train" else None
            value = ps[f"nn_{name}"]["value"]
            target, status = _judge(key, value) if key else ("", "")
            out.append(
                Row(
                    section,
                    f"{case} per-sample steps/s, {label}",
                    _rate_text(ps[f"nn_{name}"]),
                    format_rate(ps["baseline"]["value"]),
                    f"{ps[f'ratio_{name}']:.2f}x",
                    target,
                    status,
                )
            )
        for batch in (32, 256):
            entry = figures.get(f"batch{batch}")
            if entry is None:
                continue
            key = f"{where}_batch32" if arch == "2-6-6-6-2" and batch == 32 else None
            value = entry["nn"]["value"]
            target, status = _judge(key, value) if key else ("", "")
            out.append(
                Row(
                    section,
                    f"{case} batch-{batch} samples/s",
                    _rate_text(entry["nn"]),
                    format_rate(entry["baseline"]["value"]),
                    f"{entry['ratio']:.2f}x",
                    target,
                    status,
                )
            )
    for case, entry in core.get("time_to_accuracy", {}).items():
        base = entry.get("baseline_per_sample")
        for name in ("defaults", "per_sample"):
            run = entry[name]
            ratio = entry.get(f"ratio_{name}")
            target, status = f"(JS {_seconds(JS_ORIGINAL[case])})", ""
            if where == "browser" and name == "defaults":
                value = run["seconds"] if run.get("reached") else math.inf
                target, status = _judge(f"browser_accuracy/{case}", value)
            label = "defaults" if name == "defaults" else "per-sample SGD"
            settings = _settings_text(run.get("settings", {}))
            out.append(
                Row(
                    section,
                    f"{case} to error < 1e-4, {label}: {settings}".rstrip(": "),
                    _accuracy_text(run),
                    _accuracy_text(base) if base else "",
                    f"{ratio:.1f}x" if ratio else "",
                    target,
                    status,
                )
            )
    return out


def rows(results: dict[str, Any]) -> list[Row]:
    """Table rows for everything in ``results`` (the content of bench/results.json)."""
    out: list[Row] = []
    if "cpython" in results:
        out += _core_rows("CPython", results["cpython"], "cpython")
    browser = results.get("browser", {})
    load = browser.get("load")
    if load:
        floor = load["floor"]["median"]
        out.append(
            Row(
                "browser",
                "bare Pyodide + numpy page, navigation to ready (floor)",
                _seconds(floor / 1000),
            )
        )
        if "floor_pyscript" in load:
            out.append(
                Row(
                    "browser",
                    "bare PyScript + numpy page, navigation to ready",
                    _seconds(load["floor_pyscript"]["median"] / 1000),
                    ratio=f"{load['floor_pyscript']['median'] / floor:.2f}x floor",
                )
            )
        if "app_own_python" in load:
            out.append(
                Row(
                    "browser",
                    "  of which the app's own Python (last loading step to ready)",
                    _seconds(load["app_own_python"]["median"] / 1000),
                )
            )
        if load.get("app_phases"):
            out.append(
                Row(
                    "browser",
                    "  its phases (boot.js's and main.py's marks), ms",
                    ", ".join(f"{k} {v:.0f}" for k, v in load["app_phases"].items()),
                )
            )
        if "app" in load:
            value = load["app"]["median"] / floor
            target, status = _judge("ready_ratio", value)
            out.append(
                Row(
                    "browser",
                    "app, navigation to body[data-state=ready]",
                    _seconds(load["app"]["median"] / 1000),
                    _seconds(floor / 1000),
                    f"{value:.2f}x floor",
                    target,
                    status,
                )
            )
    if "core" in browser:
        where = browser["core"].get("where", "Pyodide")
        out += _core_rows(f"in-browser ({where})", browser["core"], "browser")
    worker = browser.get("worker")
    if worker:
        settings = worker["settings"]
        for name, key in (("batch1", "browser_per_sample"), ("batch32", "browser_batch32")):
            run = worker[name]
            target, status = _judge(key, run["samples_per_s"])
            out.append(
                Row(
                    "app's pre-training worker (PyWorker)",
                    f"2-6-6-6-2/{settings['activation']} batch-{run['batch_size']} samples/s "
                    f"(sgd, lr {settings['learning_rate']}, {run['epochs_done']} epochs)",
                    format_rate(run["samples_per_s"]),
                    target=target,
                    status=status,
                )
            )
    for label, events in browser.get("events", {}).items():
        target, status = ("", "")
        if label == "2-6-6-6-2":
            target, status = _judge("event_p95_ms", events["p95_ms"])
        out.append(
            Row(
                "app",
                f"{label} Python per pointer event p50 / p95 / mean (ms)",
                f"{events['p50_ms']:.2f} / {events['p95_ms']:.2f} / {events['mean_ms']:.3f}",
                target=target,
                status=status,
            )
        )
        if "frame_p95_ms" in events:
            out.append(
                Row(
                    "app",
                    f"{label} Python per animation frame p50 / p95 (ms)",
                    f"{events['frame_p50_ms']:.2f} / {events['frame_p95_ms']:.2f}",
                )
            )
    gaps = browser.get("frame_gaps")
    if gaps:
        for name in ("idle", "pretraining"):
            entry = gaps.get(name)
            if not entry:
                continue
            target, status = ("", "")
            if name == "pretraining":
                target, status = _judge("frame_gap_max_ms", entry["max_ms"])
            out.append(
                Row(
                    "app",
                    f"main-thread frame gaps {name}: p95 / max (ms)",
                    f"{entry['p95_ms']:.1f} / {entry['max_ms']:.1f}",
                    target=target,
                    status=status,
                )
            )
            tasks = entry.get("long_main_tasks")
            if tasks is not None:
                worst = tasks[0] if tasks else None
                out.append(
                    Row(
                        "app",
                        "  longest main-thread task in that window: wall / main-thread CPU (ms)",
                        f"{worst['wall_ms']:.0f} / {worst['cpu_ms']:.0f}" if worst else "none > 50",
                        ratio=f"{len(tasks)} tasks > 50 ms",
                    )
                )
    heap = browser.get("heap")
    if heap:
        out.append(
            Row(
                "app",
                f"wasm heap over {heap['moves']:,} pointer moves",
                f"{heap['before'] / 2**20:.1f} -> {heap['after'] / 2**20:.1f} MiB "
                f"(+{(heap['after'] - heap['before']) / 2**20:.1f} MiB)",
            )
        )
        if heap.get("js_before"):
            out.append(
                Row(
                    "app",
                    f"JS heap (after GC) over {heap['moves']:,} pointer moves",
                    f"{heap['js_before'] / 2**20:.1f} -> {heap['js_after'] / 2**20:.1f} MiB",
                )
            )
    return out


def not_measured(results: dict[str, Any]) -> list[str]:
    """One line per browser part that could not run, with the reason."""
    missing = results.get("browser", {}).get("not_measured", {})
    return [f"- {name}: {reason}" for name, reason in missing.items()]


def table(rows: list[Row]) -> str:
    """A plain-text table, one section after another."""
    header = Row("", "figure", "nn", "baseline", "ratio", "target", "status")
    cols = ("figure", "value", "baseline", "ratio", "target", "status")
    widths = {c: max(len(getattr(r, c)) for r in [header, *rows]) for c in cols}
    lines: list[str] = []
    section = None
    for r in rows:
        if r.section != section:
            section = r.section
            lines += [
                "",
                f"== {section} ==",
                "  ".join(getattr(header, c).ljust(widths[c]) for c in cols).rstrip(),
            ]
        lines.append("  ".join(getattr(r, c).ljust(widths[c]) for c in cols).rstrip())
    return "\n".join(lines).lstrip("\n")
