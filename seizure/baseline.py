"""A non-learned detector: band power (or line length), normalized per recording.

For every step and channel, the chosen feature - log power in a band (default 2.5-12 Hz, where
seizure rhythms live), line length (sum of absolute sample differences), or their mean - becomes
a robust z-score against the same channel's median and MAD over the whole recording. The step
score is the z-score averaged over the ``top_k`` most active channels, mapped to [0, 1) by
``1 - exp(-max(z, 0) / 4)``. Only the threshold is chosen from data, by the same fitter as the
learned model's (:func:`fit_baseline`: :meth:`seizure.postprocess.EventDetector.fit` on the dev
split, at the configured post-processing settings).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.signal import butter, sosfiltfilt

from seizure._validation import SeizureError
from seizure.io.annotations import Event
from seizure.postprocess import EventDetector

__all__ = ["baseline_scores", "fit_baseline", "FEATURES", "BaselineError"]

FEATURES = ("bandpower", "linelength", "both")


class BaselineError(SeizureError):
    """Bad baseline settings (names the field)."""


def _robust_z(x: np.ndarray) -> np.ndarray:
    med = np.median(x, axis=-1, keepdims=True)
    mad = np.median(np.abs(x - med), axis=-1, keepdims=True) * 1.4826
    return (x - med) / np.maximum(mad, 1e-6)


def baseline_scores(
    signals: np.ndarray,
    sfreq: float,
    step_s: float,
    n_steps: int,
    feature: str = "bandpower",
    band: tuple[float, float] = (2.5, 12.0),
    top_k: int = 4,
    present: list[bool] | None = None,
) -> np.ndarray:
    """Score in [0, 1) per step.

    Parameters
    ----------
    signals : ndarray, shape (C, n_times)
        Montaged, preprocessed signals.
    sfreq : float
        Sampling rate of ``signals`` in Hz.
    step_s : float
        Seconds per step; ``round(step_s * sfreq)`` samples make one step.
    n_steps : int
        Steps to score.
    feature : {"bandpower", "linelength", "both"}
        Log mean power in ``band`` (4th-order Butterworth band-pass, zero phase), line length,
        or the mean of their two z-scores.
    band : (float, float)
        Band-power band in Hz.
    top_k : int
        Channels averaged at each step: the ``top_k`` highest z-scores (all channels when there
        are fewer).
    present : list of bool, optional
        Rows that hold real channels (zero-filled absent channels are ignored).

    Returns
    -------
    ndarray of float64, shape (n_steps,)
        Step scores; steps past the end of the signal are 0 (all of them when it is shorter than
        one step).

    Raises
    ------
    BaselineError
        For an unknown ``feature``.
    """
    if feature not in FEATURES:
        raise BaselineError(f"feature: expected one of {list(FEATURES)}, got {feature!r}")
    sps = int(round(step_s * sfreq))
    x = np.asarray(signals, dtype=np.float64)
    if present is not None:
        x = x[np.asarray(present, dtype=bool)]
    n = min(n_steps, x.shape[1] // sps)
    out = np.zeros(n_steps)
    if n <= 0:
        return out
    x = x[:, : n * sps]
    zs = []
    if feature in ("linelength", "both"):
        ll = np.abs(np.diff(x, axis=1, prepend=x[:, :1])).reshape(x.shape[0], n, sps).sum(-1)
        zs.append(_robust_z(ll))
    if feature in ("bandpower", "both"):
        sos = butter(4, band, btype="bandpass", fs=sfreq, output="sos")
        bp = np.log(np.square(sosfiltfilt(sos, x, axis=1)).reshape(x.shape[0], n, sps).mean(-1) + 1e-12)
        zs.append(_robust_z(bp))
    z = np.mean(zs, axis=0)  # (C, n)
    k = min(top_k, z.shape[0])
    top = -np.sort(-z, axis=0)[:k].mean(axis=0)
    out[:n] = 1.0 - np.exp(-np.maximum(top, 0.0) / 4.0)
    return out


def fit_baseline(
    scores: Sequence[np.ndarray],
    refs: Sequence[Sequence[Event]],
    durations: Sequence[float],
    detector: EventDetector,
    target_fa_per_24h: float,
    metric: str = "ovlp",
) -> EventDetector:
    """The baseline's event detector: ``detector``'s settings, threshold fitted on labelled recordings.

    Parameters
    ----------
    scores : sequence of ndarray, each shape (n_steps,)
        :func:`baseline_scores` of each recording (normally the dev split).
    refs : sequence of list of Event
        Reference seizures of each recording.
    durations : sequence of float
        Recording durations, seconds.
    detector : EventDetector
        Smoothing, minimum duration and merge gap (kept: a one-point grid); not modified.
    target_fa_per_24h : float
        False alarms per 24 h the threshold may reach.
    metric : str
        Scorer of the fit.

    Returns
    -------
    EventDetector
        Fitted (``threshold_``, ``fit_info_``), as the learned model's detector is.
    """
    det = EventDetector(detector.step_s, detector.smooth_s, detector.min_duration_s, detector.merge_gap_s)
    return det.fit(scores, refs, durations, target_fa_per_24h=target_fa_per_24h, metric=metric)
