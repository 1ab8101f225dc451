"""A non-learned detector: line length and band power, normalized per recording.

For every step and channel, the line length (sum of absolute sample differences) and the log power
in a band (default 2.5-12 Hz, where seizure rhythms live) are turned into robust z-scores against
the same channel's median and MAD over the whole recording. The step score is the mean of the two
z-scores averaged over the ``top_k`` most active channels, mapped to [0, 1] with a logistic
function. Only the threshold is chosen from data (on the dev split, like the learned model's).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

__all__ = ["baseline_scores"]


def _robust_z(x: np.ndarray) -> np.ndarray:
    med = np.median(x, axis=-1, keepdims=True)
    mad = np.median(np.abs(x - med), axis=-1, keepdims=True) * 1.4826
    return (x - med) / np.maximum(mad, 1e-6)


def baseline_scores(
    signals: np.ndarray,
    sfreq: float,
    step_s: float,
    n_steps: int,
    band: tuple[float, float] = (2.5, 12.0),
    top_k: int = 4,
    present: list[bool] | None = None,
) -> np.ndarray:
    """Score in [0, 1] per step.

    Parameters
    ----------
    signals : ndarray, shape (C, n_times)
        Montaged, preprocessed signals.
    sfreq : float
        Hz.
    step_s : float
        Seconds per step.
    n_steps : int
        Steps to score.
    present : list of bool, optional
        Rows that hold real channels (zero-filled absent channels are ignored).

    Returns
    -------
    ndarray, shape (n_steps,)
    """
    sps = int(round(step_s * sfreq))
    x = np.asarray(signals, dtype=np.float64)
    if present is not None:
        x = x[np.asarray(present, dtype=bool)]
    n = min(n_steps, x.shape[1] // sps)
    out = np.zeros(n_steps)
    if n <= 0:
        return out
    x = x[:, : n * sps]
    ll = np.abs(np.diff(x, axis=1, prepend=x[:, :1])).reshape(x.shape[0], n, sps).sum(-1)
    sos = butter(4, band, btype="bandpass", fs=sfreq, output="sos")
    bp = np.log(np.square(sosfiltfilt(sos, x, axis=1)).reshape(x.shape[0], n, sps).mean(-1) + 1e-12)
    z = 0.5 * (_robust_z(ll) + _robust_z(bp))  # (C, n)
    k = min(top_k, z.shape[0])
    top = -np.sort(-z, axis=0)[:k].mean(axis=0)
    out[:n] = 1.0 / (1.0 + np.exp(-(top - 3.0)))
    return out
