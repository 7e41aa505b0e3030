#!/usr/bin/env python3
"""Medians of interleaved `meshwork bench --json` runs, as ratios against a baseline variant.

    benchmarks/mesh/bench-summary.py OUT-DIR BASELINE-NAME

reads OUT-DIR/NAME-ROUND.json as written by bench-rounds.sh and prints, per variant, every run's
figures, then the medians and each median over the baseline's (measured in the same session).
Runs with a failed job, or whose JSON is missing, are listed and left out of the medians.
"""
import json
import re
import statistics
import sys
from pathlib import Path

FIGURES = [
    # (column, scenario, key path, unit)
    ("latency p50 ms", "latency", ("latency_ms", "p50"), "ms"),
    ("latency cpu/task ms", "latency", ("process_cpu_ms_per_task",), "ms"),
    ("1-chunk tasks/s", "one-chunk", ("tasks_per_s",), "/s"),
    ("1-chunk p50 ms", "one-chunk", ("latency_ms", "p50"), "ms"),
    ("1-chunk cpu/task ms", "one-chunk", ("process_cpu_ms_per_task",), "ms"),
    ("16-chunk tasks/s", "multi-chunk", ("tasks_per_s",), "/s"),
    ("16-chunk p50 ms", "multi-chunk", ("latency_ms", "p50"), "ms"),
    ("16-chunk cpu/task ms", "multi-chunk", ("process_cpu_ms_per_task",), "ms"),
    ("health p50 ms", None, ("health_rtt_p50_ms",), "ms"),
    ("direct calls/s", None, ("direct_execute_calls_per_s",), "/s"),
]


def figure(run, scenario, path):
    if scenario is None:
        value = run["reference"]
    else:
        value = next(s for s in run["scenarios"] if s["name"] == scenario)
    for key in path:
        value = value[key]
    return float(value)


def main(out, baseline):
    runs = {}
    for f in sorted(Path(out).glob("*.json")):
        m = re.fullmatch(r"(.+)-(\d+)\.json", f.name)
        if not m:
            continue
        name, rnd = m.group(1), int(m.group(2))
        text = f.read_text().strip()
        if not text:
            print(f"{f.name}: no JSON (the run did not finish); left out")
            continue
        run = json.loads(text)
        failed = sum(s["jobs_failed"] for s in run["scenarios"])
        if failed:
            print(f"{f.name}: {failed} failed job(s); left out")
            continue
        runs.setdefault(name, []).append((rnd, run))
    names = [baseline] + sorted(n for n in runs if n != baseline)
    print()
    print("| run | " + " | ".join(c for c, *_ in FIGURES) + " |")
    print("|" + " --- |" * (len(FIGURES) + 1))
    for name in names:
        for rnd, run in sorted(runs.get(name, [])):
            cells = [f"{figure(run, s, p):,.2f}" for _, s, p, _ in FIGURES]
            print(f"| {name} {rnd} | " + " | ".join(cells) + " |")
    medians = {
        name: [statistics.median(figure(r, s, p) for _, r in runs[name]) for _, s, p, _ in FIGURES]
        for name in names
        if name in runs
    }
    print()
    print("| median | " + " | ".join(c for c, *_ in FIGURES) + " |")
    print("|" + " --- |" * (len(FIGURES) + 1))
    for name in names:
        if name not in medians:
            continue
        cells = []
        for i, value in enumerate(medians[name]):
            base = medians[baseline][i]
            ratio = value / base if base else float("nan")
            cells.append(f"{value:,.2f}" if name == baseline else f"{value:,.2f} ({ratio:.2f}x)")
        print(f"| {name} (n={len(runs[name])}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
