"""Run every benchmark of the project and write one table (Markdown + JSON).

Each ``benchmarks/bench_*.py`` is run as its own process with ``--out DIR`` and writes
``DIR/<name>.json`` holding ``{"rows": [{"benchmark", "figure", "value", "unit", "reference",
"reference_value", "ratio"}, ...]}``. This script gathers the rows into ``DIR/summary.md`` and
``DIR/summary.json`` and prints the table. A benchmark that fails is listed with its error and the
others still run. With ``--only``, the other benchmarks' rows come from their last JSON in ``DIR``.

Usage::

    python benchmarks/run.py [--out benchmarks/results] [--only prepare,scoring] [-- extra args]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run all benchmarks and write one table.")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--only", default="", help="comma-separated benchmark names (bench_<name>.py)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    every = sorted(HERE.glob("bench_*.py"))
    scripts = every
    if args.only:
        wanted = set(args.only.split(","))
        scripts = [s for s in every if s.stem.removeprefix("bench_") in wanted]
    rows, failures, walls = [], [], {}
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"== {name}", flush=True)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), "--out", str(out)], capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        print(proc.stdout[-4000:])
        result = out / f"{name}.json"
        if proc.returncode != 0 or not result.is_file():
            failures.append({"benchmark": name, "returncode": proc.returncode, "stderr": proc.stderr[-2000:]})
            print(f"FAILED ({proc.returncode}): {proc.stderr[-800:]}", file=sys.stderr)
            continue
        walls[name] = round(elapsed, 1)
    # the table holds the latest result of every benchmark: those not run now keep their last JSON
    for script in every:
        name = script.stem.removeprefix("bench_")
        result = out / f"{name}.json"
        if any(f["benchmark"] == name for f in failures) or not result.is_file():
            continue
        doc = json.loads(result.read_text())
        for row in doc.get("rows", []):
            rows.append({"benchmark": name, **row, "wall_s": walls.get(name)})
    header = ["benchmark", "figure", "value", "unit", "reference", "reference_value", "ratio"]
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        md.append("| " + " | ".join(_fmt(r.get(h)) for h in header) + " |")
    if failures:
        md.append("")
        md.extend(f"- {f['benchmark']}: FAILED (exit {f['returncode']})" for f in failures)
    (out / "summary.md").write_text("\n".join(md) + "\n")
    (out / "summary.json").write_text(json.dumps({"rows": rows, "failures": failures}, indent=1))
    print("\n".join(md))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
