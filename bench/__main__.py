"""Run the benchmark suite: ``python -m bench`` (``make bench``) writes bench/results.json and
prints a table of every figure next to its baseline, its speed-up and its target.

Usage::

    python -m bench                     # everything: CPython, then the browser (a few minutes)
    python -m bench --quick             # tiny sizes, to check the harness works (seconds)
    python -m bench --no-browser        # the CPython parts only (cpython, evolve)
    python -m bench --only browser      # the browser part only
    python -m bench --only evolve       # the hyperparameter search: speed-up, GA vs random
    python -m bench --only maps         # the neuron maps in the browser (bench/maps.py)
    python -m bench --only autosave     # autosave's cost per frame, saving on and off
    python -m bench --only site         # the built site: visits, service worker, Lighthouse
    python -m bench --out /tmp/r.json   # write the results elsewhere

The CPython, browser and site parts run one after the other, never at the same time, so that they do
not compete for the CPU.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import cpython, recurrent, report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "results.json"


def machine() -> dict[str, Any]:
    """Where and when the figures were taken."""
    info: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
    if hasattr(os, "getloadavg"):
        info["loadavg_start"] = [round(v, 2) for v in os.getloadavg()]
    return info


# Every part, in the order a full run takes them; the browser ones are skipped by --no-browser.
PARTS = ("cpython", "browser", "maps", "autosave", "site", "evolve")
BROWSER_PARTS = ("browser", "maps", "autosave", "site")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser parts")
    parser.add_argument("--only", choices=PARTS, help="run one part only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results file (JSON)")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The results dict: ``meta``, then ``cpython`` and/or ``browser``."""
    parts = list(PARTS) if args.only is None else [args.only]
    if args.no_browser:
        parts = [p for p in parts if p not in BROWSER_PARTS]
    results: dict[str, Any] = {
        "meta": {
            **machine(),
            "quick": args.quick,
            "parts": parts,
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
        }
    }
    if "cpython" in parts:
        start = time.perf_counter()
        print("CPython: throughput and time to accuracy ...", file=sys.stderr, flush=True)
        results["cpython"] = cpython.run(cpython.QUICK if args.quick else cpython.FULL)
        results["meta"]["cpython_seconds"] = round(time.perf_counter() - start, 1)
        print("CPython: recurrent network ...", file=sys.stderr, flush=True)
        results["recurrent"] = {
            "cpython": recurrent.run(recurrent.QUICK if args.quick else recurrent.FULL)
        }
    if "browser" in parts:
        from bench import browser  # needs Playwright; the CPython part does not

        start = time.perf_counter()
        results["browser"] = browser.run(quick=args.quick)
        results["meta"]["browser_seconds"] = round(time.perf_counter() - start, 1)
        print("browser: recurrent network ...", file=sys.stderr, flush=True)
        results.setdefault("recurrent", {})["browser"] = recurrent.browser_run(quick=args.quick)
    if "evolve" in parts:
        from bench import evolve

        start = time.perf_counter()
        print("Evolve: parallel speed-up and GA vs random search ...", file=sys.stderr)
        results["evolve"] = evolve.run(quick=args.quick, page=not args.no_browser)
        results["meta"]["evolve_seconds"] = round(time.perf_counter() - start, 1)
    if "maps" in parts:
        from bench import maps

        start = time.perf_counter()
        results["maps"] = maps.run(quick=args.quick)
        results["meta"]["maps_seconds"] = round(time.perf_counter() - start, 1)
    if "autosave" in parts:
        from bench import autosave

        start = time.perf_counter()
        results["autosave"] = autosave.run(quick=args.quick)
        results["meta"]["autosave_seconds"] = round(time.perf_counter() - start, 1)
    if "site" in parts:
        from bench import site  # the built site: visits with and without the service worker

        start = time.perf_counter()
        results["site"] = site.run(quick=args.quick)
        results["meta"]["site_seconds"] = round(time.perf_counter() - start, 1)
    if hasattr(os, "getloadavg"):
        results["meta"]["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, allow_nan=False) + "\n")
    meta = results["meta"]
    print(
        f"nn benchmarks ({meta['command']}): Python {meta['python']}, numpy {meta['numpy']}, "
        f"{meta['cpus']} CPUs, load average {meta.get('loadavg_start')} at start"
    )
    print(
        "Every figure is a median over repeated runs; ratio = nn / straightforward baseline "
        "(bench/baseline.py), same run."
    )
    print(
        "CPython rates: by process CPU time (wall clock in brackets); ratios and targets use the "
        "first. Browser figures: wall clock."
    )
    if "evolve" in results:
        from bench import evolve

        print(evolve.summary(results["evolve"]))
    print(report.table(report.rows(results)))
    if "recurrent" in results:
        print("\nRecurrent network (bench/recurrent.py):")
        print(*recurrent.lines(results["recurrent"]), sep="\n")
    if "maps" in results:
        from bench import maps

        print("\n" + maps.table(results["maps"]))
    if "autosave" in results:
        from bench import autosave

        print(autosave.summary(results["autosave"]))
    if "site" in results:
        from bench import site

        ratio = results.get("browser", {}).get("load", {}).get("app_over_floor")
        print("", *site.summary(results["site"], ready_ratio=ratio), sep="\n")
    missing = report.not_measured(results)
    if missing:
        print("\nnot measured:", *missing, sep="\n")
    problems = results.get("browser", {}).get("problems")
    if problems:
        print(
            "\nbrowser problems seen (foreign requests, console or page errors):",
            *[f"- {p}" for p in problems[:20]],
            sep="\n",
        )
    load = meta.get("loadavg_start")
    if load and meta["cpus"] and load[0] > 0.75 * meta["cpus"]:
        print(
            f"\nnote: the machine was busy (load average {load[0]} on {meta['cpus']} CPUs at "
            f"start, {meta.get('loadavg_end')} at the end): wall-clock figures are understated, "
            "CPU-time ones much less so."
        )
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
