"""Preparation throughput and peak memory: ``seizure`` vs the equivalent braindecode pipeline.

Both pipelines, on the same EDF files of a generated TUSZ-format corpus, do: read the EDF, TCP
bipolar montage (22 or 20 channels), resample to 250 Hz, 0.5-70 Hz band-pass, 60 Hz notch,
fixed-length 10-s windows iterated once (every sample touched). Each run is a fresh process; the
pipelines alternate, ``--repeats`` times (default 3), and the medians are reported;
peak memory is that process's (and its workers') maximum resident set size. The machine may be
shared: ``others CPU s`` is the CPU time other processes took during a run (from ``/proc/stat``);
a large value means the run was disturbed and its timing is pessimistic.

Filter responses: both use MNE-Python's default zero-phase FIR designs (``firwin``, Hamming,
transition 0.5 Hz at the 0.5 Hz edge and 17.5 Hz at the 70 Hz edge; notch 0.3 Hz wide with 1 Hz
transitions), so the responses are the same. Resampling: braindecode uses MNE's FFT resampling of
the whole recording; ``seizure`` band-limits in the frequency domain on overlapping blocks with a
raised-cosine edge from 90% to 100% of the output Nyquist frequency (112.5-125 Hz, above the 70 Hz
band edge). ``seizure`` also writes its cache (float32 ``.npy`` per recording) and per-step labels.

Usage::

    python benchmarks/bench_prepare.py --corpus /tmp/bench/c20 [--hours 20] [--jobs 1 2] [--json out.json]

braindecode is a benchmark-only install (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = [
    {"name": "resample", "sfreq": 250.0},
    {"name": "bandpass", "l_freq": 0.5, "h_freq": 70.0},
    {"name": "notch", "freq": 60.0},
]
WINDOW_S = 10.0


class _AnonPeak:
    """Samples this process's anonymous resident memory (``RssAnon``: not file-backed pages such
    as a memory-mapped cache, which the kernel can drop at any time) every 20 ms."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("RssAnon:"):
                        self.peak = max(self.peak, int(line.split()[1]))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1024.0


def _usage(prep_rss_kib: int, anon: _AnonPeak) -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_s": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        "peak_rss_mib": max(own.ru_maxrss, kids.ru_maxrss) / 1024.0,
        "peak_rss_prepare_mib": max(prep_rss_kib, kids.ru_maxrss) / 1024.0,
        "peak_anon_mib": max(anon.stop(), kids.ru_maxrss / 1024.0),
    }


def run_ours(corpus: str, jobs: int, limit: int | None) -> dict:
    """The ``seizure`` pipeline: index, prepare (cache), windows iterated once."""
    import numpy as np

    from seizure.cache import prepare_corpus
    from seizure.io.corpus import index_corpus
    from seizure.windows import build_windows

    anon = _AnonPeak()
    t0 = time.perf_counter()
    recs = index_corpus(corpus)[:limit]
    cache = tempfile.mkdtemp(prefix="bench-cache-")
    try:
        entries, excl = prepare_corpus(recs, STEPS, cache, jobs=jobs)
        t_prep = time.perf_counter() - t0
        prep_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        idx = build_windows(entries, WINDOW_S, WINDOW_S, 1.0, "majority")
        total = 0.0
        for i in range(len(idx)):
            x, _ = idx.window(i)
            total += float(np.asarray(x, dtype=np.float32).sum())
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    hours = sum(e.duration for e in entries) / 3600.0
    return {"pipeline": "seizure", "jobs": jobs, "recordings": len(entries), "excluded": len(excl),
            "hours": hours, "windows": len(idx), "wall_s": wall, "prepare_s": t_prep, **_usage(prep_rss, anon)}  # fmt: skip


def _tcp(raw, pairs):
    """Bipolar TCP channels from the referential EEG channels of ``raw`` (in place)."""
    import mne

    from seizure.montage import electrode_map

    idx = electrode_map(raw.ch_names)
    anodes = [raw.ch_names[idx[a]] for a, _ in pairs]
    cathodes = [raw.ch_names[idx[b]] for _, b in pairs]
    names = [f"{a}-{b}" for a, b in pairs]
    keep = sorted(set(anodes + cathodes))
    raw.pick(keep)
    return mne.set_bipolar_reference(raw, anodes, cathodes, ch_name=names, drop_refs=True, copy=False,
                                     verbose="error").pick(names)  # fmt: skip


def run_braindecode(corpus: str, jobs: int, limit: int | None) -> dict:
    """braindecode: RawDataset per EDF, Preprocessors, create_fixed_length_windows, one pass."""
    import mne
    import numpy as np
    import pandas as pd
    from braindecode.datasets import BaseConcatDataset, RawDataset
    from braindecode.preprocessing import Preprocessor, create_fixed_length_windows, preprocess

    from seizure.io.corpus import index_corpus
    from seizure.montage import tcp_pairs_for

    mne.set_log_level("ERROR")
    anon = _AnonPeak()
    t0 = time.perf_counter()
    recs = index_corpus(corpus)[:limit]
    datasets = []
    for r in recs:
        raw = mne.io.read_raw_edf(r.edf, preload=False, verbose="error")
        raw = _tcp(raw.load_data(verbose="error"), tcp_pairs_for(r.montage))
        datasets.append(RawDataset(raw, pd.Series({"key": r.key, "target": 0})))
    ds = BaseConcatDataset(datasets)
    preprocess(ds, [
        Preprocessor("resample", sfreq=250.0),
        Preprocessor("filter", l_freq=0.5, h_freq=70.0),
        Preprocessor("notch_filter", freqs=[60.0]),
    ], n_jobs=jobs)  # fmt: skip
    t_prep = time.perf_counter() - t0
    prep_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n_win = int(WINDOW_S * 250)
    win = create_fixed_length_windows(ds, window_size_samples=n_win, window_stride_samples=n_win,
                                      drop_last_window=True, n_jobs=1)  # fmt: skip
    total = 0.0
    for x, _, _ in win:
        total += float(np.asarray(x, dtype=np.float32).sum())
    wall = time.perf_counter() - t0
    hours = sum(d.raw.n_times / d.raw.info["sfreq"] for d in ds.datasets) / 3600.0
    return {"pipeline": "braindecode", "jobs": jobs, "recordings": len(recs), "excluded": 0, "hours": hours,
            "windows": len(win), "wall_s": wall, "prepare_s": t_prep, **_usage(prep_rss, anon)}  # fmt: skip


def _machine_busy_s() -> float | None:
    """CPU seconds the whole machine has been busy (``/proc/stat``; None where unavailable)."""
    try:
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _child(pipeline: str, corpus: str, jobs: int, limit: int | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", pipeline, "--corpus", corpus, "--jobs", str(jobs)]
    if limit:
        cmd += ["--limit", str(limit)]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    busy0, kids0 = _machine_busy_s(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    busy1, kids1 = _machine_busy_s(), resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise RuntimeError(f"{pipeline} run failed:\n{out.stderr[-3000:]}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    # CPU time other processes took meanwhile (a shared machine): large values mean a disturbed run
    ours = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    row["others_cpu_s"] = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - ours)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/tmp/seizure-bench/corpus")
    ap.add_argument("--hours", type=float, default=20.0, help="corpus size when it must be generated")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--pipelines", nargs="+", default=["seizure", "braindecode"])
    ap.add_argument("--limit", type=int, help="only the first N recordings")
    ap.add_argument("--repeats", type=int, default=3, help="runs per pipeline and jobs value (medians reported)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--out", help="directory for prepare.json in the format of benchmarks/run.py")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        fn = run_ours if args.worker == "seizure" else run_braindecode
        print(json.dumps(fn(args.corpus, args.jobs[0], args.limit)))
        return 0
    if not (Path(args.corpus) / "synth_manifest.json").is_file():
        from seizure.synth import generate_corpus

        print(f"generating a {args.hours} h corpus at {args.corpus} ...", file=sys.stderr)
        generate_corpus(args.corpus, n_patients=max(6, int(args.hours)), hours=args.hours, seed=11, jobs=2)
    runs = []
    for _ in range(args.repeats):  # the two pipelines alternate within every repeat
        for jobs in args.jobs:
            for pipeline in args.pipelines:
                row = _child(pipeline, args.corpus, jobs, args.limit)
                row["eeg_h_per_s"] = row["hours"] / row["wall_s"]
                row["x_realtime_per_process"] = row["hours"] * 3600 / row["wall_s"] / jobs
                row["x_realtime_per_cpu_s"] = row["hours"] * 3600 / row["cpu_s"]
                runs.append(row)
                print(json.dumps(row), file=sys.stderr)
    rows = _medians(runs)
    print(f"{'pipeline':<12} {'jobs':>4} {'EEG h':>6} {'wall s':>7} {'CPU s':>7} {'EEG h/s':>8} {'x RT/proc':>10} "
          f"{'x RT/CPU-s':>10} {'RSS MiB':>8} {'RSS prep':>8} {'anon MiB':>8} {'others CPU s':>12}")  # fmt: skip
    for r in rows:
        others = "n/a" if r.get("others_cpu_s") is None else f"{r['others_cpu_s']:.1f}"
        print(f"{r['pipeline']:<12} {r['jobs']:>4} {r['hours']:>6.2f} {r['wall_s']:>7.1f} {r['cpu_s']:>7.1f} "
              f"{r['eeg_h_per_s']:>8.2f} {r['x_realtime_per_process']:>10.0f} {r['x_realtime_per_cpu_s']:>10.0f} "
              f"{r['peak_rss_mib']:>8.0f} {r['peak_rss_prepare_mib']:>8.0f} {r['peak_anon_mib']:>8.0f} {others:>12}")  # fmt: skip
    for jobs in sorted({r["jobs"] for r in rows}):
        ours = next((r for r in rows if r["pipeline"] == "seizure" and r["jobs"] == jobs), None)
        ref = next((r for r in rows if r["pipeline"] == "braindecode" and r["jobs"] == jobs), None)
        if ours and ref:
            print(f"jobs={jobs}: seizure / braindecode = {ours['eeg_h_per_s'] / ref['eeg_h_per_s']:.2f}x EEG h/s")
    base = next((r for r in rows if r["pipeline"] == "seizure" and r["jobs"] == 1), None)
    for r in rows:
        if base and r["pipeline"] == "seizure" and r["jobs"] > 1:
            print(f"seizure scaling: jobs={r['jobs']} / jobs=1 = {r['eeg_h_per_s'] / base['eeg_h_per_s']:.2f}x EEG h/s")
    if args.json:
        Path(args.json).write_text(json.dumps({"medians": rows, "runs": runs}, indent=1))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "prepare.json").write_text(
            json.dumps({"rows": _summary_rows(rows), "medians": rows, "runs": runs}, indent=1)
        )
    return 0


def _medians(runs: list[dict]) -> list[dict]:
    """One row per (pipeline, jobs): the median of every numeric field over the repeats."""
    out = []
    for key in dict.fromkeys((r["pipeline"], r["jobs"]) for r in runs):
        group = [r for r in runs if (r["pipeline"], r["jobs"]) == key]
        row = dict(group[0], repeats=len(group))
        for field, value in group[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and field != "jobs":
                values = [g[field] for g in group if g.get(field) is not None]
                row[field] = statistics.median(values) if values else None
        out.append(row)
    return out


def _summary_rows(rows: list[dict]) -> list[dict]:
    """One row per (jobs, figure): ours with braindecode as the reference, for benchmarks/run.py."""
    out = []
    for jobs in sorted({r["jobs"] for r in rows}):
        ours = next((r for r in rows if r["pipeline"] == "seizure" and r["jobs"] == jobs), None)
        ref = next((r for r in rows if r["pipeline"] == "braindecode" and r["jobs"] == jobs), None)
        if ours is None:
            continue
        for key, label, unit, higher in (
            ("eeg_h_per_s", "EEG hours prepared per second", "h/s", True),
            ("x_realtime_per_process", "x real time per process", "x", True),
            ("peak_rss_prepare_mib", "peak RSS while preparing", "MiB", False),
        ):
            ref_v = ref[key] if ref else None
            ratio = None
            if ref_v:
                ratio = ours[key] / ref_v if higher else ref_v / max(ours[key], 1e-9)
            out.append(
                {
                    "figure": f"{label} (jobs={jobs}, {ours['hours']:.1f} h)",
                    "value": ours[key],
                    "unit": unit,
                    "reference": "braindecode" if ref else None,
                    "reference_value": ref_v,
                    "ratio": ratio,
                }
            )
    return out


if __name__ == "__main__":
    sys.exit(main())
