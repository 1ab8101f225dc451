"""What ``seizure detect`` writes: the manifest, probability traces and timeline images.

Output layout of a detection folder::

    hyp/<bname>.csv_bi        TUSZ hypothesis (what `seizure score` and the NEDC tool read)
    probs/<bname>.csv         per-step probability (time_s, probability, smoothed)
    timelines/<bname>.png     probability over time, detections and reference seizures shaded
    detections.json           model, operating point and one entry per recording (or error)

Every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

from seizure.storage import atomic_write_bytes, atomic_write_text

__all__ = ["MANIFEST", "write_probs", "read_probs", "write_manifest", "write_timeline"]

MANIFEST = "detections.json"


def write_probs(path: Path, probs: np.ndarray, step_s: float, smoothed: np.ndarray) -> None:
    """Probability trace as CSV: ``start_s,probability,smoothed`` (one row per step)."""
    t = np.arange(probs.size) * step_s
    body = np.column_stack([t, probs, smoothed])
    buf = io.StringIO()
    np.savetxt(buf, body, fmt=["%.3f", "%.6f", "%.6f"], delimiter=",", header="start_s,probability,smoothed", comments="")
    atomic_write_text(path, buf.getvalue())


def read_probs(path: str | os.PathLike) -> np.ndarray:
    """The ``probability`` column of a trace written by :func:`write_probs` (or a ``.npy`` array)."""
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path).astype(np.float64)
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 1] if data.size else np.zeros(0)


def write_manifest(out_dir: str | os.PathLike, doc: dict) -> Path:
    """Write ``detections.json`` atomically."""
    return atomic_write_text(Path(out_dir) / MANIFEST, json.dumps(doc, indent=1, default=float))


def write_timeline(
    path: str | os.PathLike,
    title: str,
    step_s: float,
    smoothed: np.ndarray,
    threshold: float,
    refs: list[tuple[float, float]],
    events: list[tuple[float, float]],
) -> Path:
    """Timeline PNG of one recording: smoothed probability, threshold, detections, reference seizures.

    Parameters
    ----------
    path : path-like
    title : str
    step_s : float
        Seconds per probability step.
    smoothed : ndarray, shape (n_steps,)
    threshold : float
    refs, events : list of (start, stop)
        Reference seizures and detections, seconds.
    """
    from seizure.figures import save_png, timeline_figure

    fig = timeline_figure(title, step_s, {"model": smoothed}, {"model": float(threshold)}, refs, {"model": events})
    return save_png(fig, path)
