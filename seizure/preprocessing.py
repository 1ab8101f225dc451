"""Preprocessing as data: each step is ``{"name": ..., **params}``; ``apply_steps`` runs a list.

Every step maps ``(data, sfreq) -> (data, sfreq)`` with ``data`` of shape (n_channels, n_times).
Steps:

- ``resample`` (``sfreq``): polyphase resampling (``scipy.signal.resample_poly``) to a target rate;
  the anti-aliasing filter also removes line noise above the new Nyquist frequency.
- ``bandpass`` (``l_freq``, ``h_freq``): zero-phase FIR band-pass (``mne.filter.filter_data``).
- ``notch`` (``freq``): FIR notch at ``freq`` and harmonics below Nyquist (``mne.filter.notch_filter``);
  skipped when ``freq`` is at or above Nyquist.
- ``scale`` (``factor``): multiply (e.g. 0.01 turns microvolts into units of 100 uV).
- ``clip`` (``limit``): clip to [-limit, limit] after scaling.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np

__all__ = ["STEPS", "apply_steps", "output_sfreq"]


def _resample(data: np.ndarray, sfreq: float, sfreq_out: float) -> tuple[np.ndarray, float]:
    from scipy.signal import resample_poly

    if abs(sfreq - sfreq_out) < 1e-9:
        return data, sfreq
    ratio = Fraction(sfreq_out / sfreq).limit_denominator(1000)
    out = resample_poly(data, ratio.numerator, ratio.denominator, axis=-1)
    return out, float(sfreq_out)


def _bandpass(data: np.ndarray, sfreq: float, l_freq: float | None, h_freq: float | None):
    import mne

    return mne.filter.filter_data(data, sfreq, l_freq, h_freq, verbose="error"), sfreq


def _notch(data: np.ndarray, sfreq: float, freq: float):
    import mne

    freqs = np.arange(freq, sfreq / 2.0, freq)
    if freqs.size == 0:
        return data, sfreq
    return mne.filter.notch_filter(data, sfreq, freqs, verbose="error"), sfreq


def _scale(data: np.ndarray, sfreq: float, factor: float):
    return data * factor, sfreq


def _clip(data: np.ndarray, sfreq: float, limit: float):
    return np.clip(data, -limit, limit), sfreq


STEPS: dict[str, Callable] = {
    "resample": lambda d, s, sfreq: _resample(d, s, sfreq),
    "bandpass": _bandpass,
    "notch": _notch,
    "scale": _scale,
    "clip": _clip,
}


def apply_steps(data: np.ndarray, sfreq: float, steps: list[dict]) -> tuple[np.ndarray, float]:
    """Run the steps in order.

    Parameters
    ----------
    data : ndarray, shape (n_channels, n_times)
    sfreq : float
        Hz.
    steps : list of dict
        Each ``{"name": <key of STEPS>, **params}``.

    Returns
    -------
    data : ndarray, shape (n_channels, n_times_out), float32
    sfreq : float
    """
    for step in steps:
        params = {k: v for k, v in step.items() if k != "name"}
        try:
            fn = STEPS[step["name"]]
        except KeyError:
            raise ValueError(f"unknown preprocessing step {step['name']!r}; expected one of {sorted(STEPS)}") from None
        try:
            data, sfreq = fn(data, sfreq, **params)
        except TypeError as exc:
            raise ValueError(f"preprocessing step {step['name']!r}: bad parameters {params} ({exc})") from None
    return np.ascontiguousarray(data, dtype=np.float32), sfreq


def output_sfreq(sfreq: float, steps: list[dict]) -> float:
    """Rate after the steps (only ``resample`` changes it)."""
    for step in steps:
        if step["name"] == "resample":
            sfreq = float(step["sfreq"])
    return sfreq
