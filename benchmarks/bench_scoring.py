"""Scoring throughput on a TUSZ-eval-sized synthetic corpus, side by side with ``timescoring``.

The corpus is generated in memory: 865 recordings, 128 hours, about a quarter with seizures
(log-normal durations, up to 15 min), and a simulated detector's hypotheses (most seizures
found, some fragmented, false alarms at about 60 per 24 h). Each NEDC metric is timed alone
(label tracks included) and all five together; SzCORE event + sample scoring is timed against
``timescoring`` 0.0.7 on the same events (its counts are checked to be identical). A
100-threshold operating-curve sweep over 1,000 recordings is timed last.

Run: ``.venv/bin/python benchmarks/bench_scoring.py [--repeat 5] [--json OUT.json]``.
Prints a table, then the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seizure.io.annotations import Annotation, Event
from seizure.operating_point import operating_curves
from seizure.postprocess import EventDetector
from seizure.scoring import score_corpus

NEDC_METRICS = ("ovlp", "taes", "epoch", "dpalign", "ira")
SZCORE_METRICS = ("szcore_event", "szcore_sample")


def synthetic_corpus(
    seed: int = 0, n_files: int = 865, total_hours: float = 128.0, fa_per_24h: float = 60.0
) -> list[tuple[Annotation, Annotation]]:
    """Reference/hypothesis pairs shaped like the TUSZ eval set (whole-second durations)."""
    rng = np.random.default_rng(seed)
    d = np.clip(rng.lognormal(np.log(400), 0.8, n_files), 60, 7200)
    d = np.maximum(np.round(d * total_hours * 3600 / d.sum()), 30.0)
    pairs = []
    for i, dur in enumerate(d.tolist()):
        ref: list[Event] = []
        if rng.random() < 0.27:
            n, t = int(rng.integers(1, 7)), 0.0
            for _ in range(n):
                t += rng.exponential(dur / (n + 1))
                length = float(np.clip(rng.lognormal(np.log(60), 0.9), 5, 900))
                if t + length >= dur:
                    break
                ref.append(Event(round(t, 4), round(t + length, 4), "seiz"))
                t += length + 1
        spans = []
        for ev in ref:
            if rng.random() < 0.75:
                a = max(0.0, ev.start + rng.normal(5, 10))
                b = min(dur, ev.stop + rng.normal(0, 15))
                if b - a > 1:
                    cuts = np.sort(rng.uniform(a, b, 2 * (int(rng.integers(1, 4)) - 1)))
                    bounds = [a, *cuts, b]
                    spans += [
                        (bounds[j], bounds[j + 1]) for j in range(0, len(bounds), 2) if bounds[j + 1] - bounds[j] > 0.5
                    ]
        for _ in range(rng.poisson(fa_per_24h * dur / 86400)):
            a = rng.uniform(0, dur - 5)
            spans.append((a, min(dur, a + float(np.clip(rng.lognormal(np.log(12), 0.7), 2, 120)))))
        merged: list[list[float]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1] + 0.01:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        hyp = [Event(round(a, 4), round(b, 4), "seiz") for a, b in merged if round(b, 4) > round(a, 4)]
        name = f"{i // 3:08x}_s001_t{i % 3:03d}"
        pairs.append((Annotation(name, dur, ref), Annotation(name, dur, hyp)))
    return pairs


def best_of(fn, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls, seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_nedc(pairs, repeat: int) -> dict:
    out = {}
    for m in NEDC_METRICS:
        out[m] = best_of(lambda m=m: score_corpus(pairs, (m,)), repeat)
    out["all five NEDC"] = best_of(lambda: score_corpus(pairs, NEDC_METRICS), repeat)
    return out


def bench_szcore(pairs, repeat: int) -> tuple[dict, dict | None]:
    ours = {
        "szcore_event": best_of(lambda: score_corpus(pairs, ("szcore_event",)), repeat),
        "szcore_sample": best_of(lambda: score_corpus(pairs, ("szcore_sample",)), repeat),
        "szcore event + sample": best_of(lambda: score_corpus(pairs, SZCORE_METRICS), repeat),
    }
    try:
        from timescoring import scoring as tsc
        from timescoring.annotations import Annotation as TsAnnotation
    except ImportError:
        return ours, None

    def build():
        return [
            (
                TsAnnotation([(e.start, e.stop) for e in r.events], 1, int(r.duration)),
                TsAnnotation([(e.start, e.stop) for e in h.events], 1, int(h.duration)),
            )
            for r, h in pairs
        ]

    built = build()
    ts = {
        "build annotations": best_of(build, repeat),
        "szcore_event": best_of(lambda: [tsc.EventScoring(r, h) for r, h in built], repeat),
        "szcore_sample": best_of(lambda: [tsc.SampleScoring(r, h) for r, h in built], repeat),
    }
    ts["szcore event + sample"] = best_of(
        lambda: [(tsc.EventScoring(r, h), tsc.SampleScoring(r, h)) for r, h in built], repeat
    )
    ts["build + event + sample"] = best_of(
        lambda: [(tsc.EventScoring(r, h), tsc.SampleScoring(r, h)) for r, h in build()], repeat
    )
    # Same counts?
    doc = score_corpus(pairs, SZCORE_METRICS)["metrics"]
    ev = [tsc.EventScoring(r, h) for r, h in built]
    sa = [tsc.SampleScoring(r, h) for r, h in built]
    ts["identical_counts"] = (
        doc["szcore_event"]["tp"],
        doc["szcore_event"]["fp"],
        doc["szcore_event"]["ref_true"],
    ) == (sum(int(s.tp) for s in ev), sum(int(s.fp) for s in ev), sum(int(s.refTrue) for s in ev)) and (
        doc["szcore_sample"]["tp"],
        doc["szcore_sample"]["fp"],
        doc["szcore_sample"]["ref_true"],
    ) == (sum(int(s.tp) for s in sa), sum(int(s.fp) for s in sa), sum(int(s.refTrue) for s in sa))
    return ours, ts


def bench_sweep(n_rec: int = 1000, n_thr: int = 100, seed: int = 1) -> dict:
    """A 100-threshold sweep (OVLP, TAES, SzCORE curves in one pass) over 1,000 recordings."""
    rng = np.random.default_rng(seed)
    probs, refs, durs = [], [], []
    for _ in range(n_rec):
        dur = float(rng.integers(200, 3000))
        p = rng.beta(0.5, 5, int(dur))
        ref = []
        if rng.random() < 0.3:
            a, length = rng.uniform(0, dur - 100), rng.uniform(5, 90)
            ref.append(Event(round(a, 4), round(a + length, 4), "seiz"))
            p[int(a) : int(a + length)] = np.clip(p[int(a) : int(a + length)] + rng.uniform(0.2, 0.8), 0, 1)
        probs.append(p)
        refs.append(ref)
        durs.append(dur)
    det = EventDetector(1.0, 5.0, 5.0, 10.0)
    thr = np.linspace(0.05, 0.95, n_thr)
    t0 = time.perf_counter()
    operating_curves(probs, refs, durs, det, thr, ("ovlp", "taes", "szcore"))
    return {
        "recordings": n_rec,
        "hours": sum(durs) / 3600,
        "thresholds": n_thr,
        "metrics": ["ovlp", "taes", "szcore"],
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (best is kept)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--out", help="directory for scoring.json in the format of benchmarks/run.py")
    ap.add_argument("--no-sweep", action="store_true", help="skip the operating-curve sweep")
    args = ap.parse_args(argv)

    pairs = synthetic_corpus(args.seed)
    n_files = len(pairs)
    hours = sum(r.duration for r, _ in pairs) / 3600
    n_events = sum(len(r.events) + len(h.events) for r, h in pairs)
    nedc = bench_nedc(pairs, args.repeat)
    ours, ts = bench_szcore(pairs, args.repeat)
    sweep = None if args.no_sweep else bench_sweep()

    print(
        f"Synthetic TUSZ-eval-sized corpus: {n_files} recordings, {hours:.1f} h, "
        f"{sum(len(r.events) for r, _ in pairs)} reference and {sum(len(h.events) for _, h in pairs)} "
        f"hypothesis events; best of {args.repeat} runs"
    )
    print(f"{'metric':<24} {'seizure (s)':>12} {'timescoring (s)':>16} {'recordings/s':>13} {'events/s':>12}")
    for name, sec in list(nedc.items()) + list(ours.items()):
        other = f"{ts[name]:.4f}" if ts and name in ts else ""
        print(f"{name:<24} {sec:>12.4f} {other:>16} {n_files / sec:>13.0f} {n_events / sec:>12.0f}")
    if ts:
        print(f"{'timescoring build+score':<24} {'':>12} {ts['build + event + sample']:>16.4f}")
        print(f"SzCORE counts identical to timescoring: {ts['identical_counts']}")
    if sweep:
        print(
            f"Sweep: {sweep['thresholds']} thresholds x {sweep['recordings']} recordings ({sweep['hours']:.0f} h), "
            f"OVLP+TAES+SzCORE curves: {sweep['seconds']:.2f} s"
        )
    doc = {
        "corpus": {"recordings": n_files, "hours": hours, "events": n_events, "seed": args.seed},
        "repeat": args.repeat,
        "python": platform.python_version(),
        "seizure_s": {**nedc, **ours},
        "timescoring_s": ts,
        "sweep": sweep,
    }
    print(json.dumps(doc, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "scoring.json").write_text(json.dumps({"rows": _rows(nedc, ours, ts, sweep), **doc}, indent=1) + "\n")
    return 0


def _rows(nedc: dict, ours: dict, ts: dict | None, sweep: dict | None) -> list[dict]:
    """Rows for benchmarks/run.py: one per timing, with the issue's targets as references."""

    def row(figure, value, unit="s", reference=None, reference_value=None):
        ratio = value / reference_value if reference_value else None
        return {
            "benchmark": "scoring",
            "figure": figure,
            "value": value,
            "unit": unit,
            "reference": reference,
            "reference_value": reference_value,
            "ratio": ratio,
        }

    rows = [row(f"NEDC {m}, 865 recordings / 128 h", v) for m, v in nedc.items() if m != "all five NEDC"]
    rows.append(
        row(
            "all five NEDC metrics, 865 recordings / 128 h",
            nedc["all five NEDC"],
            reference="target of issue 4",
            reference_value=0.2,
        )
    )
    for m, v in ours.items():
        ref = ts.get(m) if ts else None
        rows.append(
            row(
                f"SzCORE {m.replace('szcore_', '').replace('szcore ', '')}, 865 recordings",
                v,
                reference="timescoring 0.0.7" if ref else None,
                reference_value=ref,
            )
        )
    if sweep:
        rows.append(
            row(
                f"sweep {sweep['thresholds']} thresholds x {sweep['recordings']} recordings, 3 curves", sweep["seconds"]
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
