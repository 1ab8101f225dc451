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

from seizure.storage import atomic_write_text

__all__ = ["MANIFEST", "write_probs", "read_probs", "write_manifest", "write_timeline"]

MANIFEST = "detections.json"


def write_probs(path: Path, probs: np.ndarray, step_s: float, smoothed: np.ndarray) -> None:
    """Probability trace as CSV: ``start_s,probability,smoothed`` (one row per step).

    Parameters
    ----------
    path : Path
        The CSV file to write (atomically).
    probs : ndarray, shape (n_steps,)
        Per-step seizure probability from the network.
    step_s : float
        Seconds per step; row ``i`` starts at ``i * step_s`` seconds.
    smoothed : ndarray, shape (n_steps,)
        The same probability after the operating point's smoothing.
    """
    t = np.arange(probs.size) * step_s
    body = np.column_stack([t, probs, smoothed])
    buf = io.StringIO()
    np.savetxt(
        buf, body, fmt=["%.3f", "%.6f", "%.6f"], delimiter=",", header="start_s,probability,smoothed", comments=""
    )
    atomic_write_text(path, buf.getvalue())


def read_probs(path: str | os.PathLike) -> np.ndarray:
    """The ``probability`` column of a trace written by :func:`write_probs` (or a ``.npy`` array).

    Parameters
    ----------
    path : path-like
        A ``.csv`` trace from :func:`write_probs`, or a ``.npy`` file holding the probabilities.

    Returns
    -------
    ndarray, shape (n_steps,)
        Per-step probability as float64 (empty for a trace without rows).
    """
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path).astype(np.float64)
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 1] if data.size else np.zeros(0)


def write_manifest(out_dir: str | os.PathLike, doc: dict) -> Path:
    """Write ``detections.json`` atomically.

    Parameters
    ----------
    out_dir : path-like
        The detection folder (it must exist).
    doc : dict
        The manifest; values JSON cannot encode (numpy scalars) are written through ``float``.

    Returns
    -------
    Path
        The manifest file, ``out_dir / MANIFEST``.
    """
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
        The PNG file to write (atomically).
    title : str
        Figure title (plain text, usually the recording name).
    step_s : float
        Seconds per probability step.
    smoothed : ndarray, shape (n_steps,)
        Smoothed per-step seizure probability.
    threshold : float
        Decision threshold, drawn as a dotted line.
    refs, events : list of (start, stop)
        Reference seizures and detections, seconds.

    Returns
    -------
    Path
        ``path``.
    """
    from seizure.figures import save_png, timeline_figure

    fig = timeline_figure(title, step_s, {"model": smoothed}, {"model": float(threshold)}, refs, {"model": events})
    return save_png(fig, path)
