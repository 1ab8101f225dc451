"""Background components of the synthetic EEG (shaped noise, slow envelopes, rhythms), in microvolts.

Artifacts and seizure mimics are in :mod:`seizure.synth.artifacts`.

Every function takes a :class:`numpy.random.Generator` and works on whole arrays (FFT-shaped
noise, interpolated slow envelopes, per-event slices); nothing loops over samples. Arrays of
electrode signals have shape (len(EEG_ELECTRODES), n_times) and dtype float32.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal
import scipy.special

from .layout import EEG_ELECTRODES, distance_matrix

__all__ = [
    "IDX",
    "shaped_noise",
    "band_noise",
    "slow_curve",
    "ar1_knots",
    "interval_mask",
    "background",
    "alpha_rhythm",
    "add_weighted",
]

#: Electrode name -> row of the electrode array.
IDX: dict[str, int] = {e: i for i, e in enumerate(EEG_ELECTRODES)}
_NEIGHBOUR_SCALE = 0.6  # length scale (chord units) of the spatial correlation kernel
_INDEPENDENT = 0.35  # share of each electrode's background variance that is independent


def _mixing_matrix() -> np.ndarray:
    """Cholesky factor of the electrode correlation (distance kernel plus independent part)."""
    dist = distance_matrix(EEG_ELECTRODES)
    corr = (1 - _INDEPENDENT) * np.exp(-(dist**2) / (2 * _NEIGHBOUR_SCALE**2))
    corr[np.diag_indices_from(corr)] = 1.0
    return np.linalg.cholesky(corr)


_MIX = _mixing_matrix()


def shaped_noise(rng: np.random.Generator, n_ch: int, n: int, sfreq: float, amplitude) -> np.ndarray:
    """Gaussian noise with a given amplitude spectrum, unit variance per row.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_ch : int
        Number of independent rows.
    n : int
        Number of samples (the noise is made on a fast FFT length >= n and truncated).
    sfreq : float
        Sampling rate (Hz).
    amplitude : callable
        Frequencies (Hz, ndarray) -> amplitude spectrum (any scale).

    Returns
    -------
    ndarray, shape (n_ch, n), float32
        The noise, unit variance per row.
    """
    m = scipy.fft.next_fast_len(max(n, 2), real=True)
    amp = np.asarray(amplitude(scipy.fft.rfftfreq(m, 1.0 / sfreq)), dtype=np.float64)
    norm = 2.0 * np.sqrt(max(float((amp[1:] ** 2).sum()), 1e-30)) / m
    amp32 = (amp / norm).astype(np.float32)
    out = np.empty((n_ch, n), dtype=np.float32)
    spec = np.empty(m // 2 + 1, dtype=np.complex64)
    for i in range(n_ch):
        spec.real = rng.standard_normal(m // 2 + 1, dtype=np.float32)
        spec.imag = rng.standard_normal(m // 2 + 1, dtype=np.float32)
        spec *= amp32
        out[i] = scipy.fft.irfft(spec, m)[:n]
    return out


def band_noise(rng, n_ch: int, n: int, sfreq: float, lo: float, hi: float) -> np.ndarray:
    """Unit-variance band-limited noise between ``lo`` and ``hi`` Hz (soft edges), (n_ch, n).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_ch : int
        Number of independent rows.
    n : int
        Number of samples.
    sfreq : float
        Sampling rate in Hz.
    lo, hi : float
        Band edges in Hz (``hi`` is capped at 0.45 times the sampling rate).

    Returns
    -------
    ndarray, shape (n_ch, n), float32
        The noise, unit variance per row.
    """
    hi = min(hi, 0.45 * sfreq)
    width = max(0.15 * (hi - lo), 0.2)

    def amp(f):
        return scipy.special.expit((f - lo) / (0.25 * width)) * scipy.special.expit((hi - f) / (0.25 * width))

    return shaped_noise(rng, n_ch, n, sfreq, amp)


def ar1_knots(rng, n_ch: int, n_knots: int, rho: float) -> np.ndarray:
    """Stationary unit-variance AR(1) sequences, one per channel.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_ch : int
        Number of sequences.
    n_knots : int
        Length of each sequence.
    rho : float
        Lag-one correlation in [0, 1); 0 gives white noise.

    Returns
    -------
    ndarray, shape (n_ch, n_knots), float64
    """
    z = rng.standard_normal((n_ch, n_knots))
    if rho > 0:
        start = rng.standard_normal((n_ch, 1))
        z = scipy.signal.lfilter([np.sqrt(1 - rho**2)], [1.0, -rho], z, axis=1, zi=rho * start)[0]
    return z


def slow_curve(rng, n_ch: int, n: int, sfreq: float, step_s: float, rho: float = 0.0) -> np.ndarray:
    """Smooth random curves: AR(1) values every ``step_s`` seconds, linearly interpolated.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n_ch : int
        Number of independent curves.
    n : int
        Number of samples.
    sfreq : float
        Sampling rate in Hz.
    step_s : float
        Seconds between knots.
    rho : float
        Lag-one correlation of consecutive knots (0: independent knots).

    Returns
    -------
    ndarray, shape (n_ch, n), float32
        The curves, unit variance at the knots.
    """
    n_knots = int(np.ceil(n / sfreq / step_s)) + 2
    z = ar1_knots(rng, n_ch, n_knots, rho)
    pos = np.arange(n) / (sfreq * step_s)
    out = np.empty((n_ch, n), dtype=np.float32)
    for i, row in enumerate(z):
        out[i] = np.interp(pos, np.arange(n_knots), row)
    return out


def interval_mask(n: int, sfreq: float, intervals, ramp_s: float = 1.0) -> np.ndarray:
    """1 outside ``intervals`` (seconds), 0 inside, with linear ramps of ``ramp_s``; (n,) float32.

    Parameters
    ----------
    n : int
        Number of samples.
    sfreq : float
        Sampling rate in Hz.
    intervals : iterable of (float, float)
        (start, stop) in seconds where the mask is 0.
    ramp_s : float
        Seconds over which the mask ramps from 0 to 1 on each side of an interval.

    Returns
    -------
    ndarray, shape (n,)
        The mask, float32 in [0, 1].
    """
    t = np.arange(n, dtype=np.float32) / np.float32(sfreq)
    mask = np.ones(n, dtype=np.float32)
    for a, b in intervals:
        lo, hi = max(0, int((a - ramp_s) * sfreq)), min(n, int((b + ramp_s) * sfreq) + 1)
        if hi <= lo:
            continue
        seg = t[lo:hi]
        dist = np.maximum(np.maximum(a - seg, seg - b), 0) / ramp_s
        mask[lo:hi] = np.minimum(mask[lo:hi], np.clip(dist, 0, 1))
    return mask


def background(rng, n: int, sfreq: float, rms_uv: float, exponent: float, knee_hz: float = 25.0) -> np.ndarray:
    """Spatially correlated 1/f**exponent background EEG (microvolts), (n_el, n) float32.

    The spectrum falls off faster above ``knee_hz`` (Hz).

    Each electrode has RMS ``rms_uv`` (times a small per-electrode gain); neighbouring electrodes
    correlate through a Gaussian kernel of electrode distance, and every electrode keeps an
    independent part so that bipolar derivations are about as large as the referential signals.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Number of samples.
    sfreq : float
        Sampling rate in Hz.
    rms_uv : float
        Background RMS per electrode in microvolts.
    exponent : float
        Spectral exponent: power falls as 1/f**exponent.
    knee_hz : float
        Frequency in Hz above which the spectrum falls off faster.

    Returns
    -------
    ndarray, shape (len(EEG_ELECTRODES), n)
        The background, float32 microvolts.
    """

    def amp(f):
        a = np.maximum(f, 0.5) ** (-exponent / 2)
        a *= f / np.sqrt(f**2 + 0.16**2)  # hardware high-pass
        a /= np.sqrt(1 + (f / knee_hz) ** 4)  # faster fall-off of cortical activity above the knee
        return a / np.sqrt(1 + (f / min(70.0, 0.42 * sfreq)) ** 8)  # anti-alias low-pass

    x = shaped_noise(rng, len(EEG_ELECTRODES), n, sfreq, amp)
    gains = rms_uv * rng.lognormal(0.0, 0.12, len(EEG_ELECTRODES))
    mix = (_MIX * gains[:, None]).astype(np.float32)
    block = 1 << 16
    for s in range(0, n, block):
        x[:, s : s + block] = mix @ x[:, s : s + block]
    return x


def add_weighted(eeg: np.ndarray, weights: dict[str, float], source: np.ndarray, start: int = 0):
    """``eeg[e, start:start+len(source)] += w * source`` for each electrode ``e`` in ``weights``.

    Parameters
    ----------
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    weights : dict of str to float
        Electrode name -> weight (zero weights are skipped).
    source : ndarray, shape (n,)
        The signal added (microvolts before weighting); it must fit in ``eeg`` from ``start``.
    start : int
        First sample of ``eeg`` it is added at.
    """
    stop = start + source.shape[-1]
    for e, w in weights.items():
        if w:
            eeg[IDX[e], start:stop] += np.float32(w) * source


def alpha_rhythm(rng, eeg: np.ndarray, sfreq: float, rms_uv: float, hz: float, blocked) -> None:
    """Add a posterior alpha rhythm (microvolts): waxing/waning, absent in some stretches.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    eeg : ndarray, shape (len(EEG_ELECTRODES), n_times)
        Referential electrode signals (float32, microvolts), modified in place.
    sfreq : float
        Sampling rate in Hz.
    rms_uv : float
        RMS of the rhythm at O1/O2 in microvolts.
    hz : float
        Mean frequency of the rhythm in Hz (it wanders by about 0.25 Hz).
    blocked : iterable of (float, float)
        (start, stop) intervals in seconds (seizures, postictal) without alpha.
    """
    n = eeg.shape[1]
    freq = hz + 0.25 * slow_curve(rng, 1, n, sfreq, 5.0, rho=0.8)[0].astype(np.float64)
    phase = 2 * np.pi * np.cumsum(freq) / sfreq
    # Presence: a two-state chain on 3-s steps (alpha present ~65% of the time), ramped.
    n_steps = int(np.ceil(n / sfreq / 3.0)) + 2
    state = np.empty(n_steps)
    state[0] = rng.random() < 0.65
    flips = rng.random(n_steps)
    for k in range(1, n_steps):  # a few hundred steps at most per hour
        state[k] = (flips[k] > 0.12) if state[k - 1] else (flips[k] < 0.22)
    present = np.interp(np.arange(n) / (3.0 * sfreq), np.arange(n_steps), state)
    wax = np.exp(0.35 * slow_curve(rng, 1, n, sfreq, 0.7, rho=0.6)[0])
    env = (np.sqrt(2) * rms_uv * present * wax * interval_mask(n, sfreq, blocked, 2.0)).astype(np.float32)
    s, c = env * np.sin(phase).astype(np.float32), env * np.cos(phase).astype(np.float32)
    base = {"O1": 1.0, "O2": 1.0, "P3": 0.6, "P4": 0.6, "T5": 0.55, "T6": 0.55, "PZ": 0.7,
            "C3": 0.2, "C4": 0.2, "CZ": 0.15, "A1": 0.1, "A2": 0.1}  # fmt: skip
    for e, w in base.items():
        w = w * rng.lognormal(0, 0.15)
        psi = rng.uniform(-0.35, 0.35)
        add_weighted(eeg, {e: w * np.cos(psi)}, s)
        add_weighted(eeg, {e: w * np.sin(psi)}, c)
