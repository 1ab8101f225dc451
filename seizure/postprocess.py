"""Per-step probabilities -> seizure events (smoothing, threshold, merge gap, minimum duration)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from seizure.io.annotations import Event

__all__ = ["smooth", "mask_to_intervals", "probs_to_events", "EventDetector"]


def smooth(probs: np.ndarray, step_s: float, smooth_s: float) -> np.ndarray:
    """Centred moving average over ``smooth_s`` seconds (no-op below two steps)."""
    size = int(round(smooth_s / step_s))
    if size < 2 or probs.size == 0:
        return np.asarray(probs, dtype=float)
    return uniform_filter1d(np.asarray(probs, dtype=float), size=size, mode="nearest")


def mask_to_intervals(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as half-open (first, last + 1) step index pairs."""
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
    duration : float, optional
        Clip event ends to the recording duration (seconds).
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


@dataclass
class EventDetector:
    """Post-processing settings; ``threshold_`` is set by fitting (see ``seizure.operating_point``)."""

    step_s: float = 1.0
    smooth_s: float = 5.0
    min_duration_s: float = 5.0
    merge_gap_s: float = 10.0
    threshold_: float | None = None

    def predict(self, probs: np.ndarray, duration: float | None = None, threshold: float | None = None) -> list[Event]:
        thr = self.threshold_ if threshold is None else threshold
        if thr is None:
            raise ValueError("EventDetector has no threshold: fit it first or pass threshold=")
        return probs_to_events(probs, self.step_s, thr, self.smooth_s, self.min_duration_s, self.merge_gap_s, duration)

    @classmethod
    def from_dict(cls, d: dict) -> "EventDetector":
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        ValueError
            For an unknown key (naming it and the allowed ones).
        """
        allowed = {"step_s", "smooth_s", "min_duration_s", "merge_gap_s", "threshold_"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ValueError(f"post-processing settings: unknown key(s) {unknown}; expected {sorted(allowed)}")
        return cls(**d)

    def to_dict(self) -> dict:
        return {
            "step_s": self.step_s,
            "smooth_s": self.smooth_s,
            "min_duration_s": self.min_duration_s,
            "merge_gap_s": self.merge_gap_s,
            "threshold_": self.threshold_,
        }
