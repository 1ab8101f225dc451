"""Per-step probabilities -> seizure events of one recording: smoothing, threshold, merging.

The stateless steps :class:`seizure.postprocess.EventDetector` applies with its settings. Step
``i`` of a probability array covers ``[i * step_s, (i + 1) * step_s)`` seconds.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from seizure.io.annotations import Event

__all__ = ["smooth", "mask_to_intervals", "probs_to_events"]


def smooth(probs: np.ndarray, step_s: float, smooth_s: float) -> np.ndarray:
    """Centred moving average over ``smooth_s`` seconds (no-op below two steps).

    Parameters
    ----------
    probs : ndarray, shape (n_steps,)
        Probability per step.
    step_s : float
        Seconds per step.
    smooth_s : float
        Length of the moving average in seconds, rounded to ``round(smooth_s / step_s)`` steps;
        below two steps the probabilities are returned unchanged.

    Returns
    -------
    ndarray of float64, shape (n_steps,)
        The averaged probabilities; at the ends the first and last values are repeated
        (``scipy.ndimage.uniform_filter1d`` with ``mode="nearest"``).
    """
    size = int(round(smooth_s / step_s))
    if size < 2 or probs.size == 0:
        return np.asarray(probs, dtype=float)
    return uniform_filter1d(np.asarray(probs, dtype=float), size=size, mode="nearest")


def mask_to_intervals(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as half-open (first, last + 1) step index pairs.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_steps,)
        One value per step (anything ``numpy.asarray(mask, dtype=bool)`` accepts).

    Returns
    -------
    list of tuple of (int, int)
        ``(first, stop)`` of every run of consecutive True steps, in order; empty when no step
        is True.
    """
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def probs_to_events(
    probs: np.ndarray,
    step_s: float,
    threshold: float,
    smooth_s: float = 0.0,
    min_duration_s: float = 0.0,
    merge_gap_s: float = 0.0,
    duration: float | None = None,
) -> list[Event]:
    """Detected seizure events of one recording.

    Steps whose smoothed probability is at or above ``threshold`` form runs; runs closer than
    ``merge_gap_s`` are merged; events shorter than ``min_duration_s`` are dropped. Each event's
    confidence is the highest smoothed probability inside it.

    Parameters
    ----------
    probs : ndarray, shape (n_steps,)
        Probability per step, step ``i`` covering ``[i * step_s, (i + 1) * step_s)`` seconds.
    step_s : float
        Seconds per step.
    threshold : float
        Probability threshold, applied to the smoothed probabilities (a step at or above it is a
        seizure step).
    smooth_s : float
        Centred moving average before the threshold, in seconds (:func:`smooth`; 0: none).
    min_duration_s : float
        Shortest event kept, in seconds, measured after merging and clipping.
    merge_gap_s : float
        Two runs separated by at most this many seconds become one event.
    duration : float, optional
        Clip event ends to the recording duration (seconds).

    Returns
    -------
    list of Event
        Recording-level (``TERM``) ``seiz`` events in time order, bounds in seconds.
    """
    p = smooth(probs, step_s, smooth_s)
    runs = mask_to_intervals(p >= threshold)
    merged: list[list[int]] = []
    gap = merge_gap_s / step_s
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    events = []
    for a, b in merged:
        start, stop = a * step_s, b * step_s
        if duration is not None:
            stop = min(stop, duration)
        if stop - start >= min_duration_s and stop > start:
            events.append(Event(start, stop, "seiz", "TERM", float(np.clip(p[a:b].max(), 0.0, 1.0))))
    return events
