"""Detection on recordings: EDF -> probabilities -> events -> ``.csv_bi``, trace, timeline.

Output layout of a detection folder::

    hyp/<bname>.csv_bi        TUSZ hypothesis (what `seizure score` and the NEDC tool read)
    probs/<bname>.csv         per-step probability (time_s, probability, smoothed)
    timelines/<bname>.png     probability over time, detections and reference seizures shaded
    detections.json           model, operating point and one entry per recording (or error)
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from seizure.detection.model import Detector
from seizure.detection.references import find_reference, patient_of
from seizure.detection.stream import stream_probabilities
from seizure.io.annotations import Event, write_csv_bi
from seizure.io.edf import read_header
from seizure.postprocess import smooth

__all__ = ["find_edfs", "detect_recording", "write_probs", "read_probs", "write_manifest", "MANIFEST", "DURATION_MATCH_S"]

logger = logging.getLogger("seizure")

MANIFEST = "detections.json"
#: A reference file whose stated duration is within this of the EDF's sets the hypothesis duration,
#: so the pair can be scored (the scorers accept 0.01 s of difference).
DURATION_MATCH_S = 1.0


def find_edfs(inputs: list[str | os.PathLike]) -> tuple[list[Path], list[dict]]:
    """EDF files named directly or found (recursively, sorted) under folders.

    Returns
    -------
    edfs : list of Path
        Unique files in input order.
    errors : list of dict
        ``{"recording", "reason"}`` for inputs that are neither an EDF file nor a folder holding one,
        and for a second file with an already used base name (outputs are named by it).
    """
    edfs: list[Path] = []
    errors: list[dict] = []
    seen: dict[str, Path] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".edf")
            if not found:
                errors.append({"recording": str(p), "reason": "folder holds no .edf file"})
        elif p.is_file():
            found = [p]
        else:
            errors.append({"recording": str(p), "reason": "no such file or folder"})
            found = []
        for q in found:
            if q.stem in seen:
                if seen[q.stem].resolve() != q.resolve():
                    errors.append({"recording": str(q), "reason": f"same base name as {seen[q.stem]}; outputs would collide"})
                continue
            seen[q.stem] = q
            edfs.append(q)
    return edfs, errors


def write_probs(path: Path, probs: np.ndarray, step_s: float, smoothed: np.ndarray) -> None:
    """Probability trace as CSV: ``start_s,probability,smoothed`` (one row per step)."""
    t = np.arange(probs.size) * step_s
    body = np.column_stack([t, probs, smoothed])
    tmp = path.with_name(path.name + ".tmp")
    np.savetxt(tmp, body, fmt=["%.3f", "%.6f", "%.6f"], delimiter=",", header="start_s,probability,smoothed", comments="")
    os.replace(tmp, path)


def read_probs(path: str | os.PathLike) -> np.ndarray:
    """The ``probability`` column of a trace written by :func:`write_probs` (or a ``.npy`` array)."""
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path).astype(np.float64)
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 1] if data.size else np.zeros(0)


def detect_recording(
    edf: str | os.PathLike,
    detector: Detector,
    out_dir: str | os.PathLike,
    chunk_s: float = 300.0,
    timeline: bool = True,
    progress: Callable[[float, float], None] | None = None,
) -> dict:
    """Run a detector on one EDF and write its outputs under ``out_dir``.

    Parameters
    ----------
    edf : path-like
    detector : Detector
    out_dir : path-like
        Detection folder (``hyp/``, ``probs/``, ``timelines/`` are created).
    chunk_s : float
        Seconds of signal processed at a time (memory bound).
    timeline : bool
        Draw the timeline PNG.

    Returns
    -------
    dict
        Manifest entry: ``bname``, ``edf``, ``patient``, ``duration_s``, ``events`` (``[start, stop,
        confidence]``), ``hyp``/``probs``/``timeline`` (paths relative to ``out_dir``),
        ``reference`` (annotation file or None), ``n_reference_seizures``, ``channels``, ``absent``,
        ``flat``, ``seconds``.

    Raises
    ------
    seizure.io.edf.EdfError, seizure.montage.MontageError, seizure.io.annotations.AnnotationError
        For an unreadable EDF, missing electrodes or a damaged annotation file beside the EDF.
    """
    t0 = time.perf_counter()
    edf = Path(edf)
    out = Path(out_dir)
    bname = edf.stem
    ref = find_reference(edf)
    duration = read_header(edf).duration
    if ref is not None and abs(ref.duration - duration) <= DURATION_MATCH_S:
        duration = ref.duration
    elif ref is not None:
        logger.warning("%s: reference states %.2f s but the EDF lasts %.2f s", ref.source, ref.duration, duration)
    probs, info = stream_probabilities(
        edf, detector.net, detector.steps, detector.step_s, detector.window_steps,
        duration=duration, chunk_s=chunk_s, progress=progress,
    )
    pp = detector.postprocess
    events: list[Event] = pp.predict(probs, duration=duration)
    for sub in ("hyp", "probs", "timelines"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    write_csv_bi(out / "hyp" / f"{bname}.csv_bi", events, duration, bname)
    smoothed = smooth(probs, pp.step_s, pp.smooth_s)
    write_probs(out / "probs" / f"{bname}.csv", probs, pp.step_s, smoothed)
    entry = {
        "bname": bname,
        "edf": str(edf),
        "patient": patient_of(bname),
        "duration_s": float(duration),
        "events": [[e.start, e.stop, e.confidence] for e in events],
        "hyp": f"hyp/{bname}.csv_bi",
        "probs": f"probs/{bname}.csv",
        "timeline": None,
        "reference": ref.source if ref is not None else None,
        "n_reference_seizures": len(ref.seizures) if ref is not None else None,
        "channels": info["channels"],
        "absent": info["absent"],
        "flat": info["flat"],
    }
    if timeline:
        from seizure.report.plots import save_png, timeline_figure

        refs = [(e.start, e.stop) for e in ref.seizures] if ref is not None else []
        fig = timeline_figure(
            f"{bname} ({duration / 60:.1f} min, {len(events)} detection(s)"
            + (f", {len(refs)} reference seizure(s))" if ref is not None else ", no reference)"),
            pp.step_s, {"model": smoothed}, {"model": float(pp.threshold_)}, refs,
            {"model": [(e.start, e.stop) for e in events]},
        )
        save_png(fig, out / "timelines" / f"{bname}.png")
        entry["timeline"] = f"timelines/{bname}.png"
    entry["seconds"] = time.perf_counter() - t0
    return entry


def write_manifest(out_dir: str | os.PathLike, doc: dict) -> Path:
    """Write ``detections.json`` atomically."""
    path = Path(out_dir) / MANIFEST
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=float))
    os.replace(tmp, path)
    return path
