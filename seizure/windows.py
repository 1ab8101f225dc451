"""Per-step labels and fixed-length windows as index views on cached recordings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seizure.cache import CachedRecording

__all__ = ["step_labels", "WindowIndex", "build_windows"]


def step_labels(
    seizures: list[tuple[float, float]], duration: float, step_s: float, rule: str = "majority"
) -> np.ndarray:
    """Label each ``step_s`` step of a recording 1 (seizure) or 0.

    Parameters
    ----------
    seizures : list of (start, stop)
        Seizure intervals in seconds.
    duration : float
        Recording length in seconds; ``floor(duration / step_s)`` steps are labelled.
    step_s : float
        Step length in seconds.
    rule : {"any", "majority", "centre"}
        A step is a seizure step if any of it, at least half of it, or its centre lies in a seizure.

    Returns
    -------
    ndarray of uint8, shape (n_steps,)
    """
    n = int(np.floor(duration / step_s + 1e-9))
    starts = np.arange(n) * step_s
    stops = starts + step_s
    covered = np.zeros(n)
    centre = np.zeros(n, dtype=bool)
    for a, b in seizures:
        covered += np.clip(np.minimum(stops, b) - np.maximum(starts, a), 0.0, None)
        mid = starts + step_s / 2
        centre |= (mid >= a) & (mid < b)
    if rule == "any":
        lab = covered > 0
    elif rule == "majority":
        lab = covered >= step_s / 2
    elif rule == "centre":
        lab = centre
    else:
        raise ValueError(f"label rule must be one of ['any', 'majority', 'centre'], got {rule!r}")
    return lab.astype(np.uint8)


@dataclass
class WindowIndex:
    """Windows over a list of cached recordings, as (recording index, first step) pairs.

    A window covers ``n_steps`` consecutive label steps of one recording (never two), i.e.
    ``n_steps * samples_per_step`` samples starting at ``first_step * samples_per_step``.
    """

    entries: list[CachedRecording]
    labels: list[np.ndarray]
    rec: np.ndarray
    first_step: np.ndarray
    n_steps: int
    samples_per_step: int

    def __len__(self) -> int:
        return len(self.rec)

    def window(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Signals (n_channels, n_steps * samples_per_step) view and labels (n_steps,)."""
        r, s = int(self.rec[i]), int(self.first_step[i])
        a = s * self.samples_per_step
        x = self.entries[r].signals[:, a : a + self.n_steps * self.samples_per_step]
        return x, self.labels[r][s : s + self.n_steps]

    def has_seizure(self) -> np.ndarray:
        """Boolean per window: any seizure step inside."""
        return np.array([self.labels[r][s : s + self.n_steps].any() for r, s in zip(self.rec, self.first_step)])


def build_windows(
    entries: list[CachedRecording], window_s: float, stride_s: float, step_s: float, rule: str = "majority"
) -> WindowIndex:
    """Index every full window of every recording (stride ``stride_s``, rounded to whole steps)."""
    if not entries:
        raise ValueError("no recordings to build windows from")
    sfreq = entries[0].sfreq
    sps = int(round(step_s * sfreq))
    if abs(sps - step_s * sfreq) > 1e-6:
        raise ValueError(f"step {step_s} s is not a whole number of samples at {sfreq} Hz")
    n_steps = int(round(window_s / step_s))
    stride = max(1, int(round(stride_s / step_s)))
    labels, recs, firsts = [], [], []
    for r, entry in enumerate(entries):
        if entry.sfreq != sfreq:
            raise ValueError(f"{entry.key}: cached at {entry.sfreq} Hz, others at {sfreq} Hz")
        usable = min(entry.signals.shape[1] // sps, int(np.floor(entry.duration / step_s + 1e-9)))
        lab = step_labels(entry.seizures, entry.duration, step_s, rule)[:usable]
        labels.append(lab)
        starts = np.arange(0, usable - n_steps + 1, stride)
        recs.append(np.full(len(starts), r))
        firsts.append(starts)
    return WindowIndex(entries, labels, np.concatenate(recs), np.concatenate(firsts), n_steps, sps)
