"""Fixed-length windows as index views on cached recordings, and balanced sampling.

Per-step labels come from :mod:`seizure.labels`.

A window is a pair (recording, first step): its samples are a slice (a view, never a copy) of
the recording's memory-mapped signals, and it never crosses into another recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from seizure._validation import SeizureError
from seizure.labels import RULES, check_rule, overlap_labels, step_labels

if TYPE_CHECKING:
    from seizure.cache import CachedRecording

__all__ = ["RULES", "step_labels", "WindowError", "WindowIndex", "build_windows", "sampling_weights"]


class WindowError(SeizureError):
    """Windows cannot be built from the recordings and settings given."""


@dataclass
class WindowIndex:
    """Windows over a list of cached recordings, as (recording index, first step) pairs.

    A window covers ``n_steps`` consecutive label steps of one recording (never two), i.e.
    ``n_steps * samples_per_step`` samples starting at ``first_step * samples_per_step``.

    Parameters
    ----------
    entries : list of CachedRecording
        The recordings, all at one rate.
    labels : list of ndarray
        Per-step labels (uint8) of each recording, shape (n_usable_steps,) each.
    rec : ndarray, shape (n_windows,)
        Index into ``entries`` of each window's recording (int64).
    first_step : ndarray, shape (n_windows,)
        First label step of each window (int64).
    n_steps : int
        Label steps per window.
    samples_per_step : int
        Samples of the cached signals per label step.
    rule : {"any", "majority", "centre"}
        Label rule of the per-step labels (and the default of :meth:`window_labels`).
    step_s : float
        Step length in seconds.
    """

    entries: list[CachedRecording]
    labels: list[np.ndarray]
    rec: np.ndarray
    first_step: np.ndarray
    n_steps: int
    samples_per_step: int
    rule: str = "majority"
    step_s: float = 1.0

    def __len__(self) -> int:
        return len(self.rec)

    def window(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Signals view and step labels of one window.

        Parameters
        ----------
        i : int
            Window number, ``0 <= i < len(self)``.

        Returns
        -------
        signals : ndarray, shape (n_rows, n_steps * samples_per_step)
            A view of the recording's memory-mapped signals (float32).
        labels : ndarray, shape (n_steps,)
            The window's per-step labels (uint8).
        """
        r, s = int(self.rec[i]), int(self.first_step[i])
        a = s * self.samples_per_step
        x = self.entries[r].signals[:, a : a + self.n_steps * self.samples_per_step]
        return x, self.labels[r][s : s + self.n_steps]

    def has_seizure(self) -> np.ndarray:
        """Boolean per window: any seizure step (under the index's step rule) inside.

        Returns
        -------
        ndarray of bool, shape (n_windows,)
            True for windows holding at least one seizure step.
        """
        out = np.zeros(len(self), dtype=bool)
        for r, lab in enumerate(self.labels):
            sel = np.flatnonzero(self.rec == r)
            if sel.size:
                csum = np.concatenate([[0], np.cumsum(lab, dtype=np.int64)])
                out[sel] = csum[self.first_step[sel] + self.n_steps] > csum[self.first_step[sel]]
        return out

    def window_labels(self, rule: str | None = None) -> np.ndarray:
        """One label per window (uint8) under ``rule`` (default: the index's rule), from the
        recordings' seizure intervals: any overlap, at least half of the window, or its centre.

        Parameters
        ----------
        rule : {"any", "majority", "centre"}, optional
            Label rule applied to the whole window (default: :attr:`rule`).

        Returns
        -------
        ndarray of uint8, shape (n_windows,)
            1 for seizure windows, 0 otherwise.

        Raises
        ------
        seizure.labels.LabelError
            For an unknown rule.
        """
        rule = rule or self.rule
        check_rule(rule)
        out = np.zeros(len(self), dtype=np.uint8)
        length = self.n_steps * self.step_s
        for r, entry in enumerate(self.entries):
            sel = np.flatnonzero(self.rec == r)
            if sel.size:
                starts = self.first_step[sel] * self.step_s
                out[sel] = overlap_labels(entry.seizures, starts.astype(float), length, rule)
        return out

    def subjects(self) -> np.ndarray:
        """Subject of each window (from the cache meta).

        Returns
        -------
        ndarray of object, shape (n_windows,)
            The ``subject`` of each window's recording (its cache key when the meta has none).
        """
        names = np.array([e.meta.get("subject", e.key) for e in self.entries], dtype=object)
        return names[self.rec] if len(self) else np.zeros(0, dtype=object)


def build_windows(
    entries: list[CachedRecording], window_s: float, stride_s: float, step_s: float, rule: str = "majority"
) -> WindowIndex:
    """Index every full window of every recording (stride ``stride_s``, rounded to whole steps).

    Parameters
    ----------
    entries : list of CachedRecording
        All at one rate (Hz; a frame rate for feature caches).
    window_s, stride_s, step_s : float
        Seconds; ``window_s`` and ``stride_s`` are rounded to whole steps.
    rule : {"any", "majority", "centre"}
        Label rule of the per-step labels.

    Returns
    -------
    WindowIndex
        Windows of ``round(window_s / step_s)`` steps over the steps each recording fully covers.

    Raises
    ------
    WindowError
        If there is no recording, the rates differ, or a step is not a whole number of samples.
    """
    check_rule(rule)
    if not entries:
        raise WindowError("no recordings to build windows from")
    sfreq = entries[0].sfreq
    sps = int(round(step_s * sfreq))
    if sps < 1 or abs(sps - step_s * sfreq) > 1e-6:
        raise WindowError(f"step {step_s} s is not a whole number of samples at {sfreq} Hz")
    n_steps = int(round(window_s / step_s))
    stride = max(1, int(round(stride_s / step_s)))
    labels, recs, firsts = [], [], []
    for r, entry in enumerate(entries):
        if entry.sfreq != sfreq:
            raise WindowError(f"{entry.key}: cached at {entry.sfreq} Hz, others at {sfreq} Hz")
        usable = min(entry.signals.shape[1] // sps, int(np.floor(entry.duration / step_s + 1e-9)))
        lab = step_labels(entry.seizures, entry.duration, step_s, rule)[:usable]
        labels.append(lab)
        starts = np.arange(0, usable - n_steps + 1, stride)
        recs.append(np.full(len(starts), r))
        firsts.append(starts)
    return WindowIndex(entries, labels, np.concatenate(recs).astype(np.int64),
                       np.concatenate(firsts).astype(np.int64), n_steps, sps, rule, step_s)  # fmt: skip


def sampling_weights(
    index: WindowIndex, seizure_share: float = 0.0, patient_balance: bool = False, rule: str | None = None
) -> np.ndarray:
    """Probability of drawing each window so classes and/or patients are balanced.

    Parameters
    ----------
    index : WindowIndex
        The windows to weight.
    seizure_share : float
        Target share in [0, 1) of seizure windows (label ``rule``) per draw; 0 keeps the natural
        share. Ignored when the index has only one class.
    patient_balance : bool
        Give every patient the same total weight (within each class when ``seizure_share > 0``:
        every patient with seizure windows gets the same share of the seizure draws).
    rule : {"any", "majority", "centre"}, optional
        Window label used for the class balance; default: a window is a seizure window when it
        holds a seizure step (:meth:`WindowIndex.has_seizure`).

    Returns
    -------
    ndarray of float64, shape (n_windows,)
        Draw probabilities summing to 1 (empty for an empty index).

    Raises
    ------
    WindowError
        For ``seizure_share`` outside [0, 1).
    """
    if not 0.0 <= seizure_share < 1.0:
        raise WindowError(f"seizure_share must be in [0, 1), got {seizure_share}")
    n = len(index)
    if n == 0:
        return np.zeros(0)
    pos = index.has_seizure() if rule is None else index.window_labels(rule).astype(bool)
    groups = [np.ones(n, bool)]
    shares = [1.0]
    if seizure_share > 0 and 0 < pos.sum() < n:
        groups, shares = [pos, ~pos], [seizure_share, 1.0 - seizure_share]
    w = np.zeros(n)
    subjects = index.subjects()
    for mask, share in zip(groups, shares):
        if patient_balance:
            names, inv = np.unique(subjects[mask].astype(str), return_inverse=True)
            counts = np.bincount(inv)
            w[mask] = share / (len(names) * counts[inv])
        else:
            w[mask] = share / mask.sum()
    return w / w.sum()
